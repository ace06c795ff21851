//! Journal snapshots (issue 14): derived state saved next to the journal so that opening a
//! long incident replays only the tail. The journal stays the only source of truth: every
//! way a snapshot can be missing, stale, damaged, from another incident, another build or a
//! newer format is tried here, and the state opened is always the full replay's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use commandpost::delivery::OutboxState;
use commandpost::domain::event::{Event, KNOWN_TYPES};
use commandpost::domain::merge;
use commandpost::journal::snapshot::{self, IncidentOnly, Key, Point, Rejected};
use commandpost::journal::{Journal, Store};
use commandpost::replay::{self, State, StateRef};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

mod cli_common;

const ID: &str = "INC-20261121-0300";

/// Journal lines (without newline) covering every event type, `n` of them.
#[expect(
    clippy::too_many_lines,
    reason = "test data: one push per event type, read top to bottom"
)]
fn lines(n: usize) -> Vec<String> {
    let t0: jiff::Timestamp = "2026-11-21T03:00:00Z".parse().unwrap();
    let mut out: Vec<String> = Vec::new();
    let push = |out: &mut Vec<String>, actor: &str, kind: &str, data: Value| {
        let seq = out.len() as u64 + 1;
        let ts = t0 + jiff::SignedDuration::from_millis(seq as i64 * 1300);
        out.push(
            json!({"v": 1, "seq": seq, "ts": ts.to_string(), "actor": actor, "type": kind, "data": data})
                .to_string(),
        );
    };
    push(
        &mut out,
        "Alice",
        "incident_opened",
        json!({"id": ID, "title": "EU API errors", "ic": "Alice"}),
    );
    let message = |kind: &str, headline: &str| {
        json!({"id": "", "incident_id": ID, "incident_title": "EU API errors",
               "severity": "major", "kind": kind, "headline": headline,
               "body": format!("{headline}\nbody ü 渡辺"), "mention_all": false, "test": false})
    };
    let mut i = 0usize;
    while out.len() < n {
        i += 1;
        let who = ["Bob", "Keiko", "José", "渡辺 健"][i % 4];
        let seq = out.len() as u64 + 1;
        match i % 40 {
            0 => push(
                &mut out,
                "Alice",
                "title_changed",
                json!({"title": format!("EU API errors ({i})")}),
            ),
            1 => push(
                &mut out,
                "Alice",
                "state_changed",
                json!({"from": "investigating", "to": "major"}),
            ),
            2 => push(
                &mut out,
                "Alice",
                "role_handed_off",
                json!({"role": "comms", "from": null, "to": who}),
            ),
            3 => push(
                &mut out,
                "Alice",
                "person_joined",
                json!({"name": who, "handle": "@x", "group": "database"}),
            ),
            4 => push(&mut out, "Alice", "break_started", json!({"name": who})),
            5 => push(&mut out, "Alice", "break_ended", json!({"name": who})),
            6 => push(
                &mut out,
                "Alice",
                "impact_updated",
                json!({"text": format!("{i}% of requests fail")}),
            ),
            7 => push(
                &mut out,
                who,
                "hypothesis_added",
                json!({"id": i, "text": "dns"}),
            ),
            8 => push(
                &mut out,
                who,
                "hypothesis_ruled_out",
                json!({"id": i - 1, "reason": "no"}),
            ),
            9 => push(
                &mut out,
                who,
                "link_added",
                json!({"label": "dash", "url": "https://example.com/d"}),
            ),
            10 => push(
                &mut out,
                "Alice",
                "question_reviewed",
                json!({"question": "impact"}),
            ),
            11 => push(
                &mut out,
                "Alice",
                "question_snoozed",
                json!({"question": "breaks", "until": "2026-11-21T09:00:00Z"}),
            ),
            12 => push(
                &mut out,
                "Alice",
                "sitrep_sent",
                json!({"version": i, "fields": {"summary": "s", "impact": "i", "actions": "a", "needs": "n", "links": [{"label": "l", "url": "https://example.com"}]}, "rendered": "SITREP\nline", "ic": "Alice", "comms": who, "responders": [who], "groups": ["database"]}),
            ),
            13 => push(
                &mut out,
                "Alice",
                "status_posted",
                json!({"fields": {"stage": "identified", "message": "m", "workaround": "w", "components": [["API", "partial_outage"]], "next_update_at": "2026-11-21T04:00:00Z"}, "rendered": "r"}),
            ),
            14 => push(
                &mut out,
                "Alice",
                "handoff_proposed",
                json!({"role": "ic", "from": "Alice", "to": who, "brief": "brief text"}),
            ),
            15 => push(
                &mut out,
                who,
                "handoff_acknowledged",
                json!({"role": "ic", "by": who}),
            ),
            16 => push(
                &mut out,
                who,
                "handoff_proposed",
                json!({"role": "comms", "from": null, "to": "Alice", "brief": "b"}),
            ),
            17 => push(
                &mut out,
                who,
                "handoff_cancelled",
                json!({"role": "comms", "reason": "later"}),
            ),
            18 => push(
                &mut out,
                "Alice",
                "remediation_added",
                json!({"id": i, "text": "add alerts", "owner": who}),
            ),
            19 => push(
                &mut out,
                "Alice",
                "remediation_assigned",
                json!({"id": i - 1, "owner": "Keiko"}),
            ),
            20 => push(
                &mut out,
                "Alice",
                "remediation_done",
                json!({"id": i - 2, "note": "done"}),
            ),
            21 => push(
                &mut out,
                "Alice",
                "drill_inject",
                json!({"at_offset": "12m", "kind": "alert", "text": "disk full", "who": who}),
            ),
            22 => push(
                &mut out,
                "Alice",
                "outbox",
                json!({"event": "queued", "message": message("sitrep", &format!("Sitrep v{i}")), "backends": ["chat", "mail"]}),
            ),
            23 => push(
                &mut out,
                "Alice",
                "outbox",
                json!({"event": "attempt", "message": format!("{ID}.m{}", seq - 1), "backend": "chat", "attempt": 1}),
            ),
            24 => push(
                &mut out,
                "Alice",
                "outbox",
                json!({"event": "outcome", "message": format!("{ID}.m{}", seq - 2), "backend": "chat", "attempt": 1, "result": {"result": "delivered", "detail": "HTTP 200", "remote_ref": format!("r{i}")}}),
            ),
            25 => push(
                &mut out,
                "Alice",
                "outbox",
                json!({"event": "outcome", "message": format!("{ID}.m{}", seq - 3), "backend": "mail", "attempt": 1, "result": {"result": "retrying", "reason": "503", "retry_at": "2026-11-21T05:00:00Z", "parts_done": 0}}),
            ),
            26 => push(
                &mut out,
                "Alice",
                "outbox",
                json!({"event": "outcome", "message": format!("{ID}.m{}", seq - 4), "backend": "mail", "attempt": 2, "result": {"result": "failed", "reason": "gone"}}),
            ),
            27 => push(
                &mut out,
                "Alice",
                "outbox",
                json!({"event": "requeued", "message": format!("{ID}.m{}", seq - 5), "backend": "mail"}),
            ),
            28 => push(
                &mut out,
                "Alice",
                "outbox",
                json!({"event": "dropped", "message": format!("{ID}.m{}", seq - 6), "backend": "mail"}),
            ),
            29 => push(
                &mut out,
                "Alice",
                "a_type_from_a_newer_version",
                json!({"anything": [1, 2, {"x": "y"}]}),
            ),
            30 => push(
                &mut out,
                "Alice",
                "state_changed",
                json!({"from": "major", "to": "resolved"}),
            ),
            31 => push(
                &mut out,
                "Alice",
                "cleanup_opened",
                json!({"items": ["Status page closed", "Monitors green"]}),
            ),
            32 => push(
                &mut out,
                "Alice",
                "cleanup_item_done",
                json!({"item": "Status page closed", "note": "ok"}),
            ),
            33 => push(
                &mut out,
                "Alice",
                "cleanup_item_skipped",
                json!({"item": "Monitors green", "reason": "n/a"}),
            ),
            34 => push(
                &mut out,
                "Alice",
                "state_changed",
                json!({"from": "resolved", "to": "investigating"}),
            ),
            35 => push(&mut out, "Alice", "person_released", json!({"name": who})),
            36 => push(
                &mut out,
                "Alice",
                "room_command",
                json!({"cited": format!("$e{i}:example.org"), "sender": "@bob:example.org",
                       "person": "Bob", "body": "@all: Incident Major",
                       "order": {"order": "state", "to": "major"}}),
            ),
            37 => push(
                &mut out,
                "Alice",
                "metrics_observed",
                json!({"why": "level", "values": [
                    {"series": "API 5xx", "value": format!("0.0{}", i % 9 + 1),
                     "at": t0.to_string(), "shown": format!("{}%", i % 9 + 1),
                     "level": "critical"},
                    {"series": "Availability", "value": "0.995", "at": t0.to_string(),
                     "shown": "99.5%", "level": "warn", "worse": "lower"}]}),
            ),
            38 => push(
                &mut out,
                "Alice",
                "alert_attached",
                json!({"fingerprint": format!("{i:016x}"), "name": "HighErrorRate",
                       "severity": "critical", "summary": "API 5xx above 5% 渡辺",
                       "labels": {"alertname": "HighErrorRate", "service": "api"},
                       "starts_at": t0.to_string()}),
            ),
            _ => push(
                &mut out,
                who,
                "note_added",
                json!({"text": format!("note {i}: lag {}ms on db-{} \u{1F680}", i % 900, i % 7)}),
            ),
        }
    }
    out
}

/// A remote event's line: made by `origin` as its `oseq`th event, Lamport counter `lc`.
fn remote(seq: u64, origin: &str, oseq: u64, lc: u64, kind: &str, data: Value) -> String {
    let ts = "2026-11-21T05:00:00Z";
    json!({"v": 1, "seq": seq, "ts": ts, "actor": "Ben", "origin": origin, "oseq": oseq,
           "lc": lc, "type": kind, "data": data})
    .to_string()
}

const OTHER: &str = "bbbbbbbbbbbbbbbb";

fn write_journal(path: &Path, lines: &[String]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

fn append(path: &Path, lines: &[String]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    home: String,
    path: PathBuf,
    all: Vec<String>,
    /// The state after every line, by a full replay without any snapshot.
    full: State,
}

/// The state of the journal at `path` replayed whole, by hand: the incident in merge order,
/// the outbox in journal order.
fn reference(path: &Path, home: &str) -> State {
    let (evs, _) = Journal::read(path).unwrap();
    State {
        incident: merge::replay(&evs, home).unwrap(),
        outbox: OutboxState::replay(&evs),
    }
}

/// A journal of `n` events (in a data dir with an origin) with a snapshot taken after the
/// first `at`.
fn fixture(n: usize, at: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let home = store.ensure_origin().unwrap().as_str().to_string();
    let path = store.journal_path(ID);
    let all = lines(n);
    write_journal(&path, &all);
    let full = full_replay(&path, &home);
    // The snapshot of the prefix.
    write_journal(&path, &all[..at]);
    let opened = replay::open_path(&path, ID, &home).unwrap();
    opened.save();
    drop(opened);
    append(&path, &all[at..]);
    Fixture {
        _dir: dir,
        store,
        home,
        path,
        all,
        full,
    }
}

/// The state from every event, ignoring any snapshot (it is moved away and back).
fn full_replay(path: &Path, home: &str) -> State {
    let snap = snapshot::path_for(path);
    let aside = path.with_extension("aside");
    let had = std::fs::rename(&snap, &aside).is_ok();
    let opened = replay::open_path(path, ID, home).unwrap();
    assert_eq!(opened.snapshot, Err(Rejected::Missing));
    assert_eq!(
        opened.replayed as usize,
        opened.journal.resume_point().lines
    );
    if had {
        std::fs::rename(&aside, &snap).unwrap();
    }
    assert_eq!(opened.state, reference(path, home));
    opened.state
}

/// Opens the fixture's journal (through whatever snapshot is there) and checks the state
/// equals the full replay; returns why the snapshot was not used.
fn open_checked(f: &Fixture) -> Result<(), Rejected> {
    let opened = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(opened.state, f.full, "state differs from a full replay");
    assert_eq!(opened.journal.resume_point().lines, f.all.len());
    // Reading (read-only) and listing agree.
    let (read, end, torn) = snapshot::read::<IncidentOnly>(&f.path, ID, &f.home).unwrap();
    assert!(!torn);
    assert_eq!(read.state.0, f.full.incident);
    assert_eq!(read.snapshot, opened.snapshot);
    assert_eq!(end, opened.journal.resume_point());
    let s = snapshot::summarize(&f.path, ID, &f.home).unwrap();
    assert_eq!(s, snapshot::summary(&f.full.incident, f.all.len() as u64));
    opened.snapshot
}

#[test]
fn the_generated_journal_covers_every_event_type() {
    let all = lines(400);
    for t in KNOWN_TYPES {
        assert!(
            all.iter().any(|l| l.contains(&format!("\"type\":\"{t}\""))),
            "add a `{t}` event to tests/journal_snapshot.rs::lines so snapshots of it are tested"
        );
    }
}

#[test]
fn a_valid_snapshot_replays_only_the_tail_and_equals_the_full_replay() {
    let f = fixture(3000, 2100);
    let opened = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(opened.snapshot, Ok(()));
    assert_eq!(opened.replayed, 900);
    assert_eq!(opened.state, f.full);
    assert_eq!(
        opened.last_key,
        Key {
            lc: 3000,
            origin: f.home.clone(),
            oseq: 3000
        }
    );
    // The journal reader continues where the file ends: digest and all.
    let end = opened.journal.resume_point();
    let bytes = std::fs::read(&f.path).unwrap();
    assert_eq!(end.offset, bytes.len() as u64);
    assert_eq!(
        end.digest,
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
    );
    assert_eq!(open_checked(&f), Ok(()));
    // An empty tail: nothing replayed.
    opened.save();
    let again = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!((again.snapshot, again.replayed), (Ok(()), 0));
    assert_eq!(again.state, f.full);
    assert_eq!(open_checked(&f), Ok(()));
}

#[test]
fn the_state_a_snapshot_restores_is_the_whole_state() {
    // Conflicts and who-changed-what (not in `show --json`) come back too: a remote
    // hand-off that loses to a local one, then the snapshot, then more of the same.
    let dir = tempfile::tempdir().unwrap();
    let home = "mmmmmmmmmmmmmmmm";
    let path = dir.path().join("journal.jsonl");
    let mut all = lines(1200);
    let n = all.len() as u64;
    all.push(remote(
        n + 1,
        OTHER,
        1,
        n,
        "role_handed_off",
        json!({"role": "ic", "from": "Nobody", "to": "Ben"}),
    ));
    write_journal(&path, &all);
    let o = replay::open_path(&path, ID, home).unwrap();
    assert!(
        !o.state.incident.conflicts.is_empty(),
        "the fixture has a conflict"
    );
    o.save();
    let back = replay::open_path(&path, ID, home).unwrap();
    assert_eq!((back.snapshot, back.replayed), (Ok(()), 0));
    assert_eq!(back.state, o.state);
    assert_eq!(back.state, reference(&path, home));
    assert_eq!(back.state.incident.unshown(), o.state.incident.unshown());
}

#[test]
fn an_event_that_sorts_before_the_snapshot_makes_the_journal_replay_in_merge_order() {
    let f = fixture(2000, 1500);
    // Another cockpit's title change, made when it had seen 700 events, ingested now: it
    // sorts before the snapshot's last key (lc 1500), and so before local title changes
    // made since, which win in merge order (in journal order it would be the title).
    let late = remote(
        2001,
        OTHER,
        1,
        700,
        "title_changed",
        json!({"title": "A title from the other cockpit"}),
    );
    append(&f.path, std::slice::from_ref(&late));
    let want = reference(&f.path, &f.home);
    let (evs, _) = Journal::read(&f.path).unwrap();
    let journal_order = commandpost::domain::Incident::replay(&evs).unwrap();
    assert_ne!(
        want.incident.title, journal_order.title,
        "the test must tell the two orders apart"
    );
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.snapshot, Err(Rejected::OutOfOrder));
    assert_eq!(o.state, want);
    assert_eq!(o.replayed, 2001);
    // Reading (read-only) and listing give the same.
    let (r, _, _) = snapshot::read::<IncidentOnly>(&f.path, ID, &f.home).unwrap();
    assert_eq!(
        (r.snapshot, &r.state.0),
        (Err(Rejected::OutOfOrder), &want.incident)
    );
    let (list, errors) = f.store.list().unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(list[0].title, want.incident.title);
    // The merge-order state is saved with its largest key (a local event's: lc 2000)...
    assert_eq!(o.last_key.lc, 2000);
    o.save();
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!((&o.snapshot, o.replayed), (&Ok(()), 0));
    assert_eq!(o.state, want);
    // ...and extended by an event that sorts after it.
    append(
        &f.path,
        &[remote(
            2002,
            OTHER,
            2,
            2001,
            "note_added",
            json!({"text": "from the other cockpit"}),
        )],
    );
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!((&o.snapshot, o.replayed), (&Ok(()), 1));
    assert_eq!(o.state, reference(&f.path, &f.home));
    o.save();
    // A second copy of an identity already held (a replica keeps the first): replayed
    // whole, as without a snapshot, even though it sorts last.
    append(
        &f.path,
        &[remote(
            2003,
            OTHER,
            2,
            2002,
            "title_changed",
            json!({"title": "a duplicate"}),
        )],
    );
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.snapshot, Err(Rejected::OutOfOrder));
    assert_eq!(o.state, reference(&f.path, &f.home));
    assert_ne!(o.state.incident.title, "a duplicate");
    // A line claiming this data dir's own origin (its identities are the local seqs).
    o.save();
    append(
        &f.path,
        &[remote(
            2004,
            &f.home,
            5,
            5000,
            "title_changed",
            json!({"title": "mine?"}),
        )],
    );
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.snapshot, Err(Rejected::OutOfOrder));
    assert_eq!(o.state, reference(&f.path, &f.home));
}

#[test]
fn a_snapshot_folded_under_another_origin_is_ignored() {
    let f = fixture(1500, 1400);
    // The data dir got another origin (or the journal was copied to another data dir):
    // local events sort under another name, so the merge order may differ.
    let elsewhere = "cccccccccccccccc";
    let o = replay::open_path(&f.path, ID, elsewhere).unwrap();
    assert!(matches!(o.snapshot, Err(Rejected::OtherHome(_))));
    assert_eq!(o.state, reference(&f.path, elsewhere));
    assert_eq!(open_checked(&f), Ok(()));
}

#[test]
fn appends_and_polls_keep_the_digest_of_what_was_read() {
    let f = fixture(1500, 1200);
    let mut opened = replay::open_path(&f.path, ID, &f.home).unwrap();
    let j = &mut opened.journal;
    let now: jiff::Timestamp = "2026-11-22T00:00:00Z".parse().unwrap();
    j.append(
        "Alice",
        now,
        commandpost::domain::Payload::NoteAdded { text: "x".into() },
    )
    .unwrap();
    // Another writer appends; this reader polls it.
    let mut other = j.reader_at().unwrap();
    other
        .append(
            "Bob",
            now,
            commandpost::domain::Payload::NoteAdded { text: "y".into() },
        )
        .unwrap();
    assert_eq!(j.poll().unwrap().len(), 1);
    let bytes = std::fs::read(&f.path).unwrap();
    for r in [j.resume_point(), other.resume_point()] {
        assert_eq!(r.offset, bytes.len() as u64);
        assert_eq!(r.lines, 1502);
        assert_eq!(
            r.digest,
            format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
        );
    }
}

#[test]
fn a_resumed_reader_knows_the_remote_events_of_the_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let home = "mmmmmmmmmmmmmmmm";
    let path = dir.path().join("journal.jsonl");
    let mut all = lines(1100);
    for k in 1..=5u64 {
        let n = all.len() as u64;
        all.push(remote(
            n + 1,
            OTHER,
            k,
            n + 1,
            "note_added",
            json!({"text": "r"}),
        ));
    }
    write_journal(&path, &all);
    let o = replay::open_path(&path, ID, home).unwrap();
    let max_lc = o.journal.max_lc();
    o.save();
    drop(o);
    let o = replay::open_path(&path, ID, home).unwrap();
    assert_eq!((&o.snapshot, o.replayed), (&Ok(()), 0));
    // What ingest asks before appending (duplicates) and numbering (Lamport counter).
    assert!((1..=5).all(|k| o.journal.has_remote(OTHER, k)));
    assert!(!o.journal.has_remote(OTHER, 6));
    assert_eq!(o.journal.max_lc(), max_lc);
    assert_eq!(o.journal.last_seq(), all.len() as u64);
}

fn header_and_body(path: &Path) -> (Value, Vec<u8>) {
    let bytes = std::fs::read(snapshot::path_for(path)).unwrap();
    let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
    (
        serde_json::from_slice(&bytes[..nl]).unwrap(),
        bytes[nl + 1..].to_vec(),
    )
}

/// Writes a snapshot with `header` (its own digest recomputed, as a careless tool might:
/// the checks after it must still hold) and `body`.
fn write_snapshot(path: &Path, header: &Value, body: &[u8]) {
    let mut h = header.clone();
    h["check"] = json!("");
    // The header's fields in the order the writer uses (serde_json keeps insertion order
    // only with `preserve_order`: rebuild it by hand).
    let order = [
        "magic",
        "format",
        "source",
        "incident",
        "home",
        "journal",
        "last_key",
        "summary",
        "body_len",
        "body_digest",
        "split",
        "check",
    ];
    let text = |h: &Value| {
        let parts: Vec<String> = order
            .iter()
            .map(|k| format!("{}:{}", json!(k), ordered(k, &h[*k])))
            .collect();
        format!("{{{}}}", parts.join(","))
    };
    let check = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text(&h).as_bytes()));
    h["check"] = json!(check);
    let mut out = text(&h).into_bytes();
    out.push(b'\n');
    out.extend_from_slice(body);
    std::fs::write(snapshot::path_for(path), out).unwrap();
}

/// A header field's JSON with nested objects in the writer's field order.
fn ordered(key: &str, v: &Value) -> String {
    let fields: &[&str] = match key {
        "journal" => &[
            "offset", "lines", "last_seq", "last_ts", "max_lc", "remote", "digest",
        ],
        "last_key" => &["lc", "origin", "oseq"],
        "summary" => &["id", "title", "state", "opened_at", "ic", "events"],
        _ => return v.to_string(),
    };
    let parts: Vec<String> = fields
        .iter()
        .map(|k| format!("{}:{}", json!(k), v[*k]))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// `header` with the field at `path` (e.g. `["summary", "title"]`) set to `value`.
fn with_field(header: &Value, path: &[&str], value: Value) -> Value {
    let mut h = header.clone();
    let mut at = &mut h;
    for k in path {
        at = &mut at[*k];
    }
    *at = value;
    h
}

/// `header` describing `body` (its length and digest recomputed).
fn redigest(header: &Value, body: &[u8]) -> Value {
    let mut h = header.clone();
    h["body_len"] = json!(body.len());
    h["body_digest"] = json!(format!("{:032x}", xxhash_rust::xxh3::xxh3_128(body)));
    h
}

/// `header` and `body` with the state (the body's first part) changed by `edit`, the split
/// and the digests recomputed.
fn edited(header: &Value, body: &[u8], edit: impl FnOnce(&mut Value)) -> (Value, Vec<u8>) {
    let split = header["split"].as_u64().unwrap() as usize;
    let (first, rest) = body.split_at(if split == 0 { body.len() } else { split });
    let mut state: Value = serde_json::from_slice(first).unwrap();
    edit(&mut state);
    let mut b = serde_json::to_vec(&state).unwrap();
    let h = if split == 0 {
        header.clone()
    } else {
        with_field(header, &["split"], json!(b.len()))
    };
    b.extend_from_slice(rest);
    (redigest(&h, &b), b)
}

/// `good` cut at, or with the byte at, `at` set to `value`; `None` when that changes nothing.
fn corrupted(
    good: &[u8],
    at: prop::sample::Index,
    value: u8,
    cut: bool,
) -> Option<(usize, Vec<u8>)> {
    let i = at.index(good.len());
    let mut bad = good.to_vec();
    if cut {
        bad.truncate(i);
    } else if bad[i] == value {
        return None;
    } else {
        bad[i] = value;
    }
    Some((i, bad))
}

#[test]
fn the_header_helper_writes_what_the_writer_writes() {
    let f = fixture(1100, 1050);
    let before = std::fs::read(snapshot::path_for(&f.path)).unwrap();
    let (header, body) = header_and_body(&f.path);
    write_snapshot(&f.path, &header, &body);
    assert_eq!(std::fs::read(snapshot::path_for(&f.path)).unwrap(), before);
    assert_eq!(open_checked(&f), Ok(()));
}

#[test]
fn a_missing_empty_or_garbage_snapshot_is_ignored() {
    let f = fixture(2500, 2000);
    let snap = snapshot::path_for(&f.path);
    let good = std::fs::read(&snap).unwrap();
    std::fs::remove_file(&snap).unwrap();
    assert_eq!(open_checked(&f), Err(Rejected::Missing));
    for junk in [
        &b""[..],
        b"\n",
        b"{}\n{}",
        b"not json at all",
        &[0xff, 0xfe, 0x00, 0x10][..],
    ] {
        std::fs::write(&snap, junk).unwrap();
        assert!(
            matches!(open_checked(&f), Err(Rejected::Header(_))),
            "{junk:?}"
        );
    }
    // A directory where the file should be.
    std::fs::remove_file(&snap).unwrap();
    std::fs::create_dir(&snap).unwrap();
    assert!(open_checked(&f).is_err());
    std::fs::remove_dir(&snap).unwrap();
    std::fs::write(&snap, &good).unwrap();
    assert_eq!(open_checked(&f), Ok(()));
}

#[test]
fn a_truncated_snapshot_is_ignored_at_every_length() {
    let f = fixture(1200, 1100);
    let snap = snapshot::path_for(&f.path);
    let good = std::fs::read(&snap).unwrap();
    let nl = good.iter().position(|&b| b == b'\n').unwrap();
    let mut cuts: Vec<usize> = (0..nl + 40).step_by(3).collect();
    cuts.extend((nl + 40..good.len()).step_by(4999));
    cuts.push(good.len() - 1);
    for cut in cuts {
        std::fs::write(&snap, &good[..cut]).unwrap();
        let why = open_checked(&f);
        assert!(
            why.is_err(),
            "a snapshot cut at {cut} of {} was used",
            good.len()
        );
    }
    // Bytes added after the body are damage too.
    let mut longer = good.clone();
    longer.extend_from_slice(b"{}");
    std::fs::write(&snap, &longer).unwrap();
    assert!(matches!(open_checked(&f), Err(Rejected::Body(_))));
}

#[test]
fn a_snapshot_from_a_newer_format_another_build_or_another_incident_is_ignored() {
    let f = fixture(1500, 1300);
    let (header, body) = header_and_body(&f.path);
    type Check = fn(&Result<(), Rejected>) -> bool;
    let cases: [(&str, Value, Check); 5] = [
        ("format", json!(snapshot::FORMAT + 1), |r| {
            *r == Err(Rejected::Format(snapshot::FORMAT + 1))
        }),
        ("source", json!("0.0.1-somewhere-else"), |r| {
            matches!(r, Err(Rejected::OtherBuild(_)))
        }),
        ("incident", json!("INC-OTHER"), |r| {
            matches!(r, Err(Rejected::OtherIncident(_)))
        }),
        ("home", json!(""), |r| {
            matches!(r, Err(Rejected::OtherHome(_)))
        }),
        ("magic", json!("something else"), |r| {
            matches!(r, Err(Rejected::Header(_)))
        }),
    ];
    for (field, value, rejected) in cases {
        write_snapshot(&f.path, &with_field(&header, &[field], value), &body);
        let r = open_checked(&f);
        assert!(rejected(&r), "{field}: {r:?}");
    }
    // A header changed without its digest recomputed.
    let h = with_field(&header, &["summary", "title"], json!("Another title"));
    let mut out = serde_json::to_vec(&h).unwrap();
    out.push(b'\n');
    out.extend_from_slice(&body);
    std::fs::write(snapshot::path_for(&f.path), out).unwrap();
    assert!(matches!(open_checked(&f), Err(Rejected::Header(_))));
    // Opened as another id (a directory renamed): not used either.
    write_snapshot(&f.path, &header, &body);
    let other = replay::open_path(&f.path, "INC-RENAMED", &f.home).unwrap();
    assert!(matches!(other.snapshot, Err(Rejected::OtherIncident(_))));
    assert_eq!(other.state, f.full);
    assert_eq!(open_checked(&f), Ok(()));
}

#[test]
fn a_snapshot_whose_header_or_body_was_changed_is_ignored() {
    let f = fixture(1500, 1300);
    let (header, body) = header_and_body(&f.path);
    // A changed byte: the digest no longer matches.
    let mut b = body.clone();
    let i = b.len() / 2;
    b[i] ^= 0x01;
    write_snapshot(&f.path, &header, &b);
    assert!(matches!(open_checked(&f), Err(Rejected::Body(_))));
    // A different state with its digest recomputed: it must still agree with the journal
    // prefix it claims.
    let (h, b) = edited(&header, &body, |state| {
        state["unshown"]["last_seq"] = json!(5)
    });
    write_snapshot(&f.path, &h, &b);
    assert!(matches!(open_checked(&f), Err(Rejected::Inconsistent(_))));
    // The summary disagrees with the state.
    let h = with_field(&header, &["summary", "title"], json!("Another title"));
    write_snapshot(&f.path, &h, &body);
    assert!(matches!(open_checked(&f), Err(Rejected::Inconsistent(_))));
    // Remote identities that the prefix cannot hold (more numbers than lines), and ranges
    // out of order.
    for remote in [
        json!({OTHER: [[1, 1_000_000_000u64]]}),
        json!({OTHER: [[5, 6], [1, 2]]}),
    ] {
        let h = with_field(&header, &["journal", "remote"], remote.clone());
        write_snapshot(&f.path, &h, &body);
        assert!(open_checked(&f).is_err(), "{remote}");
    }
    // A last key below the prefix's real one would let an earlier event append.
    let h = with_field(&header, &["last_key", "lc"], json!(3));
    write_snapshot(&f.path, &h, &body);
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.state, f.full);
    // A body that is not the state at all.
    let b = b"{\"incident\": 1}".to_vec();
    write_snapshot(&f.path, &redigest(&header, &b), &b);
    assert!(matches!(open_checked(&f), Err(Rejected::Body(_))));
}

#[test]
fn a_snapshot_of_a_prefix_the_journal_no_longer_has_is_ignored() {
    let f = fixture(2400, 2000);
    let snap = snapshot::path_for(&f.path);
    let good_snap = std::fs::read(&snap).unwrap();
    let original = std::fs::read(&f.path).unwrap();
    let restore = |bytes: &[u8]| {
        std::fs::write(&f.path, bytes).unwrap();
        std::fs::write(&snap, &good_snap).unwrap();
    };
    let prefix_len: usize = f.all[..2000].iter().map(|l| l.len() + 1).sum();
    // One character of a line in the middle of the prefix, same length.
    let mut changed = original.clone();
    let mid: usize = f.all[..1000].iter().map(|l| l.len() + 1).sum();
    let line = &f.all[1000];
    let at = mid + line.find("note").map_or(line.len() / 2, |i| i + 1);
    changed[at] = if changed[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&f.path, &changed).unwrap();
    match replay::open_path(&f.path, ID, &f.home) {
        Ok(o) => {
            assert_eq!(o.snapshot, Err(Rejected::Stale));
            assert_eq!(o.state, full_replay(&f.path, &f.home));
        }
        // The change made the line invalid: the journal error is reported, as without a
        // snapshot.
        Err(e) => assert!(e.to_string().contains("damaged"), "{e}"),
    }
    // The journal is shorter than the prefix.
    restore(&original);
    write_journal(&f.path, &f.all[..1500]);
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.snapshot, Err(Rejected::Stale));
    assert_eq!(o.state.incident.last_seq, 1500);
    assert_eq!(o.state, reference(&f.path, &f.home));
    // A line removed inside the prefix.
    restore(&original);
    let mut fewer = f.all.clone();
    fewer.remove(10);
    write_journal(&f.path, &fewer);
    let o = replay::open_path(&f.path, ID, &f.home);
    assert!(
        o.map(|o| o.snapshot == Err(Rejected::Stale))
            .unwrap_or(true)
    );
    // Another journal (other events) at least as long as the prefix.
    restore(&original);
    let mut other = lines(2600);
    for l in other.iter_mut().skip(1) {
        *l = l.replace("note ", "other note ");
    }
    write_journal(&f.path, &other);
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.snapshot, Err(Rejected::Stale));
    assert_ne!(o.state, f.full);
    assert_eq!(o.state, reference(&f.path, &f.home));
    // The prefix ends mid-line in the new file: same bytes up to the offset but the byte
    // before it is not the end of a line.
    restore(&original);
    let mut glued = original[..prefix_len - 1].to_vec();
    glued.extend_from_slice(b" ");
    glued.extend_from_slice(&original[prefix_len - 1..]);
    std::fs::write(&f.path, &glued).unwrap();
    let o = replay::open_path(&f.path, ID, &f.home);
    assert!(
        o.map(|o| o.snapshot == Err(Rejected::Stale))
            .unwrap_or(true)
    );
    // Back to the real journal: the snapshot is good again.
    restore(&original);
    assert_eq!(open_checked(&f), Ok(()));
}

#[test]
fn a_torn_tail_after_the_prefix_is_recovered_and_the_snapshot_still_used() {
    let f = fixture(2200, 2100);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&f.path)
        .unwrap();
    file.write_all(b"{\"v\":1,\"seq\":99999,\"ts\":\"2026-")
        .unwrap();
    drop(file);
    // Read-only: the torn line is said, left alone, and the snapshot used.
    let (r, _, torn) = snapshot::read::<State>(&f.path, ID, &f.home).unwrap();
    assert!(torn);
    assert_eq!((r.snapshot, r.state), (Ok(()), f.full.clone()));
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.snapshot, Ok(()));
    assert_eq!(o.state, f.full);
    assert_eq!(o.warnings.len(), 1, "{:?}", o.warnings);
}

#[test]
fn a_rejected_snapshot_is_rebuilt_by_a_long_replay() {
    let f = fixture(snapshot::EVERY as usize + 300, 1000);
    let snap = snapshot::path_for(&f.path);
    std::fs::write(&snap, b"garbage").unwrap();
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert!(matches!(o.snapshot, Err(Rejected::Header(_))));
    assert_eq!(o.replayed, f.all.len() as u64);
    o.save_if_long();
    drop(o);
    // The replay went through every event: it wrote a new snapshot, used next time.
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!((&o.snapshot, o.replayed), (&Ok(()), 0));
    assert_eq!(o.state, f.full);
    // A stale snapshot is replaced too.
    drop(o);
    let mut other = lines(snapshot::EVERY as usize + 100);
    other[5] = other[5].replace("note", "NOTE");
    write_journal(&f.path, &other);
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.snapshot, Err(Rejected::Stale));
    o.save_if_long();
    let rebuilt = o.state;
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    assert_eq!(o.snapshot, Ok(()));
    assert_eq!(o.state, rebuilt);
}

#[test]
fn short_journals_get_no_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    write_journal(&path, &lines(snapshot::MIN_EVENTS - 1));
    let o = replay::open_path(&path, ID, "").unwrap();
    o.save();
    assert!(!snapshot::path_for(&path).exists());
}

#[test]
fn listing_uses_snapshots_and_never_writes() {
    let f = fixture(2500, 2400);
    let before = std::fs::read(snapshot::path_for(&f.path)).unwrap();
    let journal = std::fs::read(&f.path).unwrap();
    let (list, errors) = f.store.list().unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0], snapshot::summary(&f.full.incident, 2500));
    assert_eq!(
        f.store.current().unwrap().is_some(),
        f.full.incident.state.is_open()
    );
    // The header alone answers when nothing follows the prefix.
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    o.save();
    let (list, _) = f.store.list().unwrap();
    assert_eq!(list[0], snapshot::summary(&f.full.incident, 2500));
    let saved = std::fs::read(snapshot::path_for(&f.path)).unwrap();
    let journal2 = std::fs::read(&f.path).unwrap();
    assert_eq!(journal, journal2);
    let _ = f.store.list().unwrap();
    assert_eq!(std::fs::read(snapshot::path_for(&f.path)).unwrap(), saved);
    assert_ne!(before, saved);
}

#[test]
fn reading_back_pages_through_the_journal_from_any_line_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mut all = lines(700);
    // Lines longer than the reader's chunk.
    all[300] = all[300].replace("note 2", &format!("note {}", "long ".repeat(30_000)));
    write_journal(&path, &all);
    let (events, _) = Journal::read(&path).unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    for max in [0, 1, 2, 50, 699, 700, 800] {
        let (got, start) = Journal::read_back(&path, len, max).unwrap();
        let want = &events[events.len() - max.min(events.len())..];
        assert_eq!(got.as_slice(), want, "max {max}");
        let expect_start: usize = all[..all.len() - want.len()]
            .iter()
            .map(|l| l.len() + 1)
            .sum();
        assert_eq!(start, expect_start as u64);
    }
    // Paging: each page ends where the previous one started.
    let mut end = len;
    let mut paged: Vec<Event> = Vec::new();
    loop {
        let (mut page, start) = Journal::read_back(&path, end, 97).unwrap();
        if page.is_empty() {
            break;
        }
        page.extend(paged);
        paged = page;
        end = start;
    }
    assert_eq!(end, 0);
    assert_eq!(paged, events);
}

#[test]
fn saving_a_borrowed_state_writes_the_same_snapshot() {
    let f = fixture(1300, 1300);
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    let before = std::fs::read(snapshot::path_for(&f.path)).unwrap();
    replay::save(
        &o.journal,
        ID,
        &f.home,
        &o.last_key,
        &StateRef::new(&o.state.incident, &o.state.outbox),
    );
    assert_eq!(std::fs::read(snapshot::path_for(&f.path)).unwrap(), before);
    let at = Point {
        resume: o.journal.resume_point(),
        last_key: o.last_key.clone(),
    };
    snapshot::save(
        &f.path,
        ID,
        &f.home,
        &at,
        &o.state.incident,
        &StateRef::new(&o.state.incident, &o.state.outbox),
    )
    .unwrap();
    assert_eq!(std::fs::read(snapshot::path_for(&f.path)).unwrap(), before);
}

/// The state the first `at` events of the fixture's journal replay into.
fn prefix_state(f: &Fixture, at: usize) -> State {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    write_journal(&path, &f.all[..at]);
    reference(&path, &f.home)
}

/// A long incident's snapshot body is in two parts (the state with the first notes, then
/// the other notes), decoded on two threads: together they are exactly the state's JSON.
#[test]
fn a_long_incidents_snapshot_body_is_split_in_two_that_make_the_whole() {
    let f = fixture(2500, 2400);
    let (header, body) = header_and_body(&f.path);
    let split = header["split"].as_u64().unwrap();
    let body = String::from_utf8(body).unwrap();
    assert!(split > 0 && split < body.len() as u64, "{split}");
    assert_eq!(body.matches('\n').count(), 1);
    assert_eq!(body.as_bytes()[split as usize], b'\n');
    let want = prefix_state(&f, 2400);
    assert!(
        want.incident.notes.len() > 10,
        "{}",
        want.incident.notes.len()
    );
    // Joined, the parts are the state's JSON as one text, byte for byte.
    let whole = serde_json::to_string(&StateRef::new(&want.incident, &want.outbox)).unwrap();
    assert_eq!(snapshot::joined_body(&body, split).unwrap(), whole);
    // Each part decodes: the state with every note, in order.
    let got: State = snapshot::state_of(&body, split).unwrap();
    assert_eq!(got, want);
    let got: IncidentOnly = snapshot::state_of(&body, split).unwrap();
    assert_eq!(got.0, want.incident);
    // The second part is the other notes.
    let (first, second) = body.split_at(split as usize);
    let more: Vec<commandpost::domain::incident::Note> =
        serde_json::from_str(&second[1..]).unwrap();
    assert!(!more.is_empty() && more.len() < want.incident.notes.len());
    assert_eq!(
        more[..],
        want.incident.notes[want.incident.notes.len() - more.len()..]
    );
    // Read as one part, a split body is refused, as is either part alone.
    assert!(matches!(
        snapshot::state_of::<State>(&body, 0),
        Err(Rejected::Body(_))
    ));
    assert!(snapshot::state_of::<State>(first, 0).unwrap() != want);
    assert!(matches!(
        snapshot::state_of::<State>(first, split),
        Err(Rejected::Body(_))
    ));
    // Opened, read and listed through it: the full replay's.
    assert_eq!(open_checked(&f), Ok(()));
}

/// A body with fewer than two notes is one part, and reads back.
#[test]
fn a_body_with_fewer_than_two_notes_is_one_part() {
    let f = fixture(1100, 1050);
    let o = replay::open_path(&f.path, ID, &f.home).unwrap();
    let at = Point {
        resume: o.journal.resume_point(),
        last_key: o.last_key.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("journal.jsonl");
    for keep in [2, 1, 0] {
        let mut state = o.state.clone();
        state.incident.notes.truncate(keep);
        let body = StateRef::new(&state.incident, &state.outbox);
        snapshot::save(&elsewhere, ID, &f.home, &at, &state.incident, &body).unwrap();
        let (header, body) = header_and_body(&elsewhere);
        let split = header["split"].as_u64().unwrap();
        assert_eq!(split == 0, keep < 2, "{keep} notes: split {split}");
        let body = String::from_utf8(body).unwrap();
        assert_eq!(snapshot::state_of::<State>(&body, split).unwrap(), state);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever `split` a header says (its digest recomputed): the snapshot is used only
    /// where the body really splits; the state opened is always the full replay's.
    #[test]
    fn a_header_saying_another_split_is_refused(split in any::<prop::sample::Index>(), near in -3i64..3) {
        thread_local! {
            static F: (Fixture, Value, Vec<u8>) = {
                let f = fixture(1100, 1050);
                let (header, body) = header_and_body(&f.path);
                (f, header, body)
            };
        }
        F.with(|(f, header, body)| {
            let real = header["split"].as_u64().unwrap();
            let candidates = [
                split.index(body.len() + 2) as u64,
                real.saturating_add_signed(near),
                0,
            ];
            for said in candidates {
                write_snapshot(&f.path, &with_field(header, &["split"], json!(said)), body);
                let r = open_checked(f);
                assert_eq!(r.is_ok(), said == real, "split {said} (real {real}): {r:?}");
            }
            write_snapshot(&f.path, header, body);
        });
    }

    /// Any byte of the snapshot changed to anything else, or the file cut anywhere: the
    /// damaged snapshot is not used and the state opened is the full replay's.
    #[test]
    fn any_corruption_of_the_snapshot_gives_the_full_replay(
        at in any::<prop::sample::Index>(), value in any::<u8>(), cut in any::<bool>(),
    ) {
        thread_local! {
            static F: (Fixture, Vec<u8>) = {
                let f = fixture(1100, 1050);
                let good = std::fs::read(snapshot::path_for(&f.path)).unwrap();
                (f, good)
            };
        }
        F.with(|(f, good)| {
            let snap = snapshot::path_for(&f.path);
            let Some((i, bad)) = corrupted(good, at, value, cut) else {
                return;
            };
            std::fs::write(&snap, &bad).unwrap();
            let o = replay::open_path(&f.path, ID, &f.home).unwrap();
            assert_eq!(&o.state, &f.full);
            assert!(o.snapshot.is_err(), "a snapshot changed at byte {i} (cut: {cut}) was used");
            let (r, _, _) = snapshot::read::<IncidentOnly>(&f.path, ID, &f.home).unwrap();
            assert_eq!(&r.state.0, &f.full.incident);
            let s = snapshot::summarize(&f.path, ID, &f.home).unwrap();
            assert_eq!(s, snapshot::summary(&f.full.incident, f.all.len() as u64));
            std::fs::write(&snap, good).unwrap();
        });
    }

    /// The same for `show --json` from a snapshot with nothing after its prefix: a damaged
    /// snapshot is never printed from.
    #[test]
    fn any_corruption_of_the_snapshot_is_never_shown(
        at in any::<prop::sample::Index>(), value in any::<u8>(), cut in any::<bool>(),
    ) {
        thread_local! {
            static F: (Fixture, Vec<u8>, String) = {
                let f = fixture(1100, 1100);
                let good = std::fs::read(snapshot::path_for(&f.path)).unwrap();
                let json = full_json(&f);
                (f, good, json)
            };
        }
        F.with(|(f, good, json)| {
            let snap = snapshot::path_for(&f.path);
            let Some((i, bad)) = corrupted(good, at, value, cut) else {
                return;
            };
            std::fs::write(&snap, &bad).unwrap();
            match snapshot_json(f) {
                Err(_) => {}
                // (A change the checks cannot see, e.g. JSON whitespace in the header,
                // would still have to show the same incident.)
                Ok(shown) => assert_eq!(&shown, json, "byte {i} changed (cut: {cut})"),
            }
            std::fs::write(&snap, good).unwrap();
            assert_eq!(&snapshot_json(f).unwrap(), json);
        });
    }
}

/// `show --json` of the fixture's incident, as the full replay gives it.
fn full_json(f: &Fixture) -> String {
    commandpost::cli::out::to_json(&f.full.incident).unwrap()
}

/// The incident's JSON straight from the snapshot (`show --json` when nothing follows the
/// prefix), re-formatted as `show --json` prints it; or why not.
fn snapshot_json(f: &Fixture) -> Result<String, Rejected> {
    let j = snapshot::incident_json(&f.path, ID, &f.home)?;
    Ok(commandpost::cli::out::to_json(&j).unwrap())
}

#[test]
fn show_json_from_a_snapshot_with_nothing_after_it_is_the_full_replays() {
    // A journal that is exactly the snapshot's prefix: the snapshot's JSON is printed.
    let f = fixture(1500, 1500);
    assert_eq!(snapshot_json(&f).unwrap(), full_json(&f));
    assert_eq!(open_checked(&f), Ok(()));
    // One event more: the snapshot is decoded and the event folded (the normal read).
    let g = fixture(1500, 1499);
    assert_eq!(snapshot_json(&g), Err(Rejected::Stale));
    // A torn last line after the prefix: not from the snapshot either.
    let mut j = std::fs::OpenOptions::new()
        .append(true)
        .open(&f.path)
        .unwrap();
    j.write_all(b"{\"seq\": 15").unwrap();
    drop(j);
    assert_eq!(snapshot_json(&f), Err(Rejected::Stale));
}

#[test]
fn show_json_prints_the_same_with_or_without_a_snapshot() {
    let f = fixture(1200, 1200);
    let dir = f.path.parent().unwrap().parent().unwrap().parent().unwrap();
    let show = || {
        let out = cli_common::cp(dir)
            .args(["show", "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let with = show();
    assert_eq!(with, format!("{}\n", full_json(&f)));
    std::fs::remove_file(snapshot::path_for(&f.path)).unwrap();
    assert_eq!(show(), with);
}

/// Every fault of the tests above, on a journal with nothing after the prefix: the
/// snapshot's JSON is never printed from a snapshot that is not used.
#[test]
fn show_json_never_prints_from_a_snapshot_that_fails_a_check() {
    let f = fixture(1500, 1500);
    let (header, body) = header_and_body(&f.path);
    let expect_err = |what: &str| {
        let r = snapshot_json(&f);
        assert!(r.is_err(), "{what}: the snapshot's JSON was used");
        assert_eq!(
            snapshot::read::<IncidentOnly>(&f.path, ID, &f.home)
                .unwrap()
                .0
                .state
                .0,
            f.full.incident
        );
    };
    let mut b = body.clone();
    let i = b.len() / 3;
    b[i] ^= 0x01;
    write_snapshot(&f.path, &header, &b);
    expect_err("a changed body byte");
    let (h, b) = edited(&header, &body, |state| {
        state["unshown"]["last_seq"] = json!(5)
    });
    write_snapshot(&f.path, &h, &b);
    expect_err("another last seq");
    for (field, value) in [
        ("title", json!("Another title")),
        ("id", json!("INC-OTHER")),
        ("state", json!("resolved")),
        ("opened_at", json!("2020-01-01T00:00:00Z")),
        ("ic", json!("Nobody")),
    ] {
        write_snapshot(
            &f.path,
            &with_field(&header, &["summary", field], value),
            &body,
        );
        expect_err(field);
    }
    // The incident changed (digests recomputed): it no longer agrees with the summary.
    let (h, b) = edited(&header, &body, |state| {
        state["incident"]["title"] = json!("Forged")
    });
    write_snapshot(&f.path, &h, &b);
    expect_err("a forged title");
    // Not JSON after the incident.
    let mut b = body.clone();
    b.truncate(b.len() - 1);
    write_snapshot(&f.path, &redigest(&header, &b), &b);
    expect_err("a body cut short");
    let b = b"{\"incident\": 1, \"unshown\": {\"last_seq\": 1}}".to_vec();
    write_snapshot(&f.path, &redigest(&header, &b), &b);
    expect_err("a body that is not the state");
    for (k, v) in [
        ("format", json!(snapshot::FORMAT + 1)),
        ("source", json!("another build")),
        ("incident", json!("INC-OTHER")),
        ("home", json!("")),
    ] {
        write_snapshot(&f.path, &with_field(&header, &[k], v), &body);
        expect_err(k);
    }
    // The journal's prefix changed (same length): the prefix digest no longer matches.
    write_snapshot(&f.path, &header, &body);
    assert_eq!(snapshot_json(&f).unwrap(), full_json(&f));
    let mut journal = std::fs::read(&f.path).unwrap();
    let at = journal.len() / 2;
    journal[at] = if journal[at] == b'a' { b'b' } else { b'a' };
    std::fs::write(&f.path, &journal).unwrap();
    assert!(snapshot_json(&f).is_err(), "a changed prefix");
}

/// The cockpit's executor keeps the snapshot (`shell::keep`): what it saves on exit is the
/// full replay, the next open uses it; a remote event stops the keeping.
#[test]
fn the_cockpit_keeper_saves_a_snapshot_equal_to_the_full_replay() {
    use commandpost::shell::keep::Keeper;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let home = store.ensure_origin().unwrap().as_str().to_string();
    let path = store.journal_path(ID);
    write_journal(&path, &lines(2_500));
    let mut o = replay::open_path(&path, ID, &home).unwrap();
    assert_eq!(o.snapshot, Err(Rejected::Missing));
    let mut keeper = Keeper::new(ID, &home, o.state.outbox.clone(), o.last_key.clone(), 0);
    let mut inc = o.state.incident.clone();
    let t: jiff::Timestamp = "2026-11-21T06:00:00Z".parse().unwrap();
    for i in 0..5 {
        let evs = o
            .journal
            .append(
                "Alice",
                t,
                commandpost::domain::Payload::NoteAdded {
                    text: format!("from the cockpit {i}"),
                },
            )
            .unwrap();
        for e in &evs {
            inc.apply(e);
        }
        keeper.fold(&evs);
        // Not due yet (5 events since the start).
        keeper.tick(&o.journal, &inc);
    }
    assert!(
        !snapshot::path_for(&path).exists(),
        "saved before it was due"
    );
    keeper.finish(&o.journal, &inc);
    let back = replay::open_path(&path, ID, &home).unwrap();
    assert_eq!((&back.snapshot, back.replayed), (&Ok(()), 0));
    assert_eq!(back.state, reference(&path, &home));
    drop(o);

    // A remote event (another cockpit's, ingested): the keeper saves nothing more.
    let mut o = back;
    let mut keeper = Keeper::new(ID, &home, o.state.outbox.clone(), o.last_key.clone(), 0);
    let mut inc = o.state.incident.clone();
    append(
        &path,
        &[remote(
            2_506,
            OTHER,
            1,
            3_000,
            "note_added",
            json!({"text": "elsewhere"}),
        )],
    );
    let evs = o.journal.poll().unwrap();
    assert_eq!(evs.len(), 1);
    for e in &evs {
        inc.apply(e);
    }
    keeper.fold(&evs);
    let before = std::fs::read(snapshot::path_for(&path)).unwrap();
    keeper.finish(&o.journal, &inc);
    assert_eq!(std::fs::read(snapshot::path_for(&path)).unwrap(), before);
    // The next open extends the old snapshot by the remote event, in merge order.
    let again = replay::open_path(&path, ID, &home).unwrap();
    assert_eq!(again.state, reference(&path, &home));
}

/// The cockpit decodes the snapshot of the incident it will most likely open while it finds
/// the current one (`snapshot::ahead`): opening that journal with it is opening it plainly,
/// every check included, and opening another journal leaves it unused.
#[test]
fn a_snapshot_decoded_ahead_is_checked_like_one_opened_then() {
    let f = fixture(2400, 2000);
    assert!(f.full.incident.state.is_open(), "the fixture ends open");
    // Used: the state is the full replay's, through the snapshot.
    let ahead = snapshot::ahead::<State>(&f.path, ID, &f.home).unwrap();
    assert!(ahead.is_some());
    let o = replay::open_ahead(&f.store, ID, ahead).unwrap();
    assert_eq!(o.snapshot, Ok(()));
    assert_eq!(o.replayed, 400);
    assert_eq!(o.state, f.full);
    drop(o);
    // For another data dir origin, or another journal: not used, that journal's own
    // snapshot is.
    let g = fixture(2300, 2000);
    let theirs = snapshot::ahead::<State>(&g.path, ID, &g.home).unwrap();
    let o = replay::open_ahead(&f.store, ID, theirs).unwrap();
    assert_eq!(o.snapshot, Ok(()));
    assert_eq!(o.state, f.full);
    drop(o);
    // The journal changed inside its prefix after the decoding began: stale, replayed whole.
    let original = std::fs::read(&f.path).unwrap();
    let ahead = snapshot::ahead::<State>(&f.path, ID, &f.home).unwrap();
    let mut other = lines(2400);
    for l in other.iter_mut().skip(1) {
        *l = l.replace("note ", "other note ");
    }
    write_journal(&f.path, &other);
    let o = replay::open_ahead(&f.store, ID, ahead).unwrap();
    assert_eq!(o.snapshot, Err(Rejected::Stale));
    assert_eq!(o.state, reference(&f.path, &f.home));
    assert_ne!(o.state, f.full);
    drop(o);
    // The snapshot replaced by garbage after the decoding began: the decoded one is still
    // the replay of a prefix the journal holds, so it is used and the state is right.
    std::fs::write(&f.path, &original).unwrap();
    let snap = snapshot::path_for(&f.path);
    let good = std::fs::read(&snap).unwrap();
    let ahead = snapshot::ahead::<State>(&f.path, ID, &f.home).unwrap();
    std::fs::write(&snap, b"garbage\n").unwrap();
    let o = replay::open_ahead(&f.store, ID, ahead).unwrap();
    assert_eq!(o.snapshot, Ok(()), "the snapshot decoded ahead was used");
    assert_eq!(o.replayed, 400);
    assert_eq!(o.state, f.full);
    drop(o);
    // A damaged body: found by the decoding ahead, the journal replayed whole.
    let mut bad = good.clone();
    let last = bad.len() - 2;
    bad[last] ^= 1;
    std::fs::write(&snap, &bad).unwrap();
    let ahead = snapshot::ahead::<State>(&f.path, ID, &f.home).unwrap();
    let o = replay::open_ahead(&f.store, ID, ahead).unwrap();
    assert!(
        matches!(o.snapshot, Err(Rejected::Body(_))),
        "{:?}",
        o.snapshot
    );
    assert_eq!(o.state, f.full);
    // No snapshot: nothing is decoded ahead, and why.
    std::fs::remove_file(&snap).unwrap();
    assert_eq!(
        snapshot::ahead::<State>(&f.path, ID, &f.home).err(),
        Some(Rejected::Missing)
    );
}

/// A snapshot that says its incident is resolved is not decoded ahead: the cockpit opens
/// the current incident, which is an open one.
#[test]
fn a_resolved_incident_is_not_decoded_ahead() {
    let n = (1000..2400)
        .find(|&n| !full_state_after(n).incident.state.is_open())
        .expect("the generated journal resolves the incident somewhere");
    let f = fixture(n, n);
    assert!(!f.full.incident.state.is_open());
    assert_eq!(open_checked(&f), Ok(()));
    assert!(
        snapshot::ahead::<State>(&f.path, ID, &f.home)
            .unwrap()
            .is_none()
    );
}

fn full_state_after(n: usize) -> State {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    write_journal(&path, &lines(n));
    reference(&path, "")
}

/// Sets the journal's modification time a minute back: a journal left alone since (what a
/// reader's check of its prefix may be remembered for, in that process).
fn settle(path: &Path) {
    let f = std::fs::File::options().append(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(60))
        .unwrap();
}

/// What finding out the current incident folded (events follow its snapshot) is kept by
/// `show` for reading it: the journal is checked to still start with what was read then,
/// and only what follows is folded; anything else reads as without it.
#[test]
fn a_read_goes_on_from_what_finding_the_current_incident_folded() {
    let f = fixture(2500, 2300);
    let home = f.home.as_str();
    let kept = |f: &Fixture| {
        let (id, kept) = f.store.current_kept(true).unwrap().unwrap();
        assert_eq!(id, ID);
        kept.expect("a journal with events after its snapshot is folded to summarise it")
    };
    let reference_incident = |f: &Fixture| reference(&f.path, home).incident;
    // Nothing kept unless asked; what is kept is the full replay.
    assert!(f.store.current_kept(false).unwrap().unwrap().1.is_none());
    let k = kept(&f);
    assert_eq!(k.incident(), &f.full.incident);
    let (r, end, torn) = snapshot::read_kept(&f.path, ID, home, Some(k)).unwrap();
    assert_eq!((&r.snapshot, r.replayed, torn), (&Ok(()), 0, false));
    assert_eq!(r.state.0, f.full.incident);
    assert_eq!(end.lines, f.all.len());
    // Events appended since are folded on, in a journal just written and in a settled one.
    let more = lines(f.all.len() + 20);
    assert_eq!(more[..f.all.len()], f.all[..]);
    for (n, settled) in [(10, false), (10, true)] {
        if settled {
            settle(&f.path);
        }
        let k = kept(&f);
        let before = Journal::read(&f.path).unwrap().0.len();
        append(&f.path, &more[before..before + n]);
        let (r, end, _) = snapshot::read_kept(&f.path, ID, home, Some(k)).unwrap();
        assert_eq!((&r.snapshot, r.replayed), (&Ok(()), n as u64));
        assert_eq!(end.lines, before + n);
        assert_eq!(r.state.0, reference_incident(&f));
    }
}

/// What finding out the current incident kept is not used for another journal, incident
/// or data dir origin, nor when the journal changed since or an event sorts before it.
#[test]
fn a_read_does_not_go_on_from_what_was_kept_when_the_journal_changed() {
    let f = fixture(2500, 2300);
    let home = f.home.as_str();
    let kept = |f: &Fixture| f.store.current_kept(true).unwrap().unwrap().1.unwrap();
    let reference_incident = |f: &Fixture| reference(&f.path, home).incident;
    // The journal changed under what was kept (one byte of the prefix, same length, the
    // same modification time): read whole, as with a stale snapshot.
    settle(&f.path);
    let modified = std::fs::metadata(&f.path).unwrap().modified().unwrap();
    let original = std::fs::read(&f.path).unwrap();
    let k = kept(&f);
    let mut changed = original.clone();
    let mid: usize = f.all[..1000].iter().map(|l| l.len() + 1).sum();
    let at = mid + f.all[1000].find("note").map_or(10, |i| i + 1);
    changed[at] = if changed[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&f.path, &changed).unwrap();
    std::fs::File::options()
        .append(true)
        .open(&f.path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    match snapshot::read_kept(&f.path, ID, home, Some(k)) {
        Ok((r, _, _)) => {
            assert_eq!(r.snapshot, Err(Rejected::Stale));
            assert_eq!(r.state.0, reference_incident(&f));
        }
        Err(e) => assert!(e.to_string().contains("damaged"), "{e}"),
    }
    std::fs::write(&f.path, &original).unwrap();
    // Kept from another journal, incident or data dir origin: not used.
    let k = kept(&f);
    let (r, _, _) = snapshot::read_kept(&f.path, ID, "another origin", Some(k)).unwrap();
    assert!(
        matches!(r.snapshot, Err(Rejected::OtherHome(_))),
        "{:?}",
        r.snapshot
    );
    let k = kept(&f);
    let copy = f.path.with_file_name("copy.jsonl");
    std::fs::copy(&f.path, &copy).unwrap();
    let (r, _, _) = snapshot::read_kept(&copy, ID, home, Some(k)).unwrap();
    assert_eq!(r.snapshot, Err(Rejected::Missing));
    assert_eq!(r.state.0, reference_incident(&f));
    // An event that sorts before what was kept: the journal is replayed in merge order.
    let k = kept(&f);
    let seq = Journal::read(&f.path).unwrap().0.len() as u64 + 1;
    let late = remote(
        seq,
        OTHER,
        1,
        700,
        "title_changed",
        json!({"title": "A title from the other cockpit"}),
    );
    append(&f.path, std::slice::from_ref(&late));
    let (r, _, _) = snapshot::read_kept(&f.path, ID, home, Some(k)).unwrap();
    assert_eq!(r.snapshot, Err(Rejected::OutOfOrder));
    assert_eq!(r.state.0, reference_incident(&f));
}

/// `show` (text and JSON) of an incident with events after its snapshot prints what it
/// prints without the snapshot.
#[test]
fn show_with_events_after_the_snapshot_prints_the_full_replays() {
    let f = fixture(1300, 1100);
    let dir = f.path.parent().unwrap().parent().unwrap().parent().unwrap();
    let show = |json: bool| {
        let mut cmd = cli_common::cp(dir);
        cmd.arg("show");
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let (json, text) = (show(true), show(false));
    assert_eq!(json, format!("{}\n", full_json(&f)));
    std::fs::remove_file(snapshot::path_for(&f.path)).unwrap();
    assert_eq!((show(true), show(false)), (json, text));
}
