//! Hostile journals (issue 15, items 1 and 2): read-only commands never write, a complete line is
//! never moved aside, a newer version's line is kept and shown, damage is reported with file and
//! line (never as "no open incident"), seq arithmetic is checked, and everything numbered is
//! numbered under the lock (parallel processes lose nothing and never share an id).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use std::io::Write;
use std::path::{Path, PathBuf};

mod cli_common;
use cli_common::cp;

fn new_incident(data: &Path) -> String {
    let out = cp(data).args(["new", "Hostile input"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn journal_path(data: &Path, id: &str) -> PathBuf {
    data.join("incidents").join(id).join("journal.jsonl")
}

fn torn_path(data: &Path, id: &str) -> PathBuf {
    data.join("incidents").join(id).join("journal.jsonl.torn")
}

fn append_raw(path: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

fn run(data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = cp(data).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An incident with a note, a sitrep and one more line appended by hand.
fn incident_with_tail(tail: &[u8]) -> (tempfile::TempDir, String, Vec<u8>) {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    assert!(run(d.path(), &["note", "first note"]).0);
    let (ok, _, err) = run(d.path(), &["sitrep", "send"]);
    assert!(ok, "{err}");
    let path = journal_path(d.path(), &id);
    append_raw(&path, tail);
    let bytes = std::fs::read(&path).unwrap();
    (d, id, bytes)
}

const READ_ONLY: &[&[&str]] = &[
    &["export"],
    &["export", "--format", "json"],
    &["postmortem"],
    &["postmortem", "--format", "json"],
    &["sitrep", "log"],
    &["sitrep", "show"],
    &["show"],
    &["show", "--json"],
    &["list"],
    &["rotation"],
    &["cleanup", "list"],
    &["outbox"],
    &["remediation", "list"],
];

/// A state this version does not know, written by a (hypothetical) version 2.
fn newer_line(seq: u64) -> String {
    format!(
        r#"{{"v":2,"seq":{seq},"ts":"2030-01-01T00:00:00Z","actor":"v2","type":"state_changed","data":{{"from":"major","to":"mitigated"}}}}"#
    )
}

#[test]
fn read_only_commands_never_write_an_incomplete_tail() {
    let (d, id, before) = incident_with_tail(br#"{"v":1,"seq":99,"ts":"2026-11-21T03:00:00Z","ac"#);
    for args in READ_ONLY {
        let (_ok, _out, err) = run(d.path(), args);
        assert!(
            std::fs::read(journal_path(d.path(), &id)).unwrap() == before,
            "`{}` changed the journal: {err}",
            args.join(" ")
        );
        assert!(
            !torn_path(d.path(), &id).exists(),
            "`{}` wrote a .torn file",
            args.join(" ")
        );
    }
    // The incomplete tail is only repaired by a writer, which says so.
    let (ok, _, err) = run(d.path(), &["note", "after the tear"]);
    assert!(ok, "{err}");
    assert!(err.contains("incomplete last line"), "{err}");
    assert!(torn_path(d.path(), &id).exists());
    let (ok, out, _) = run(d.path(), &["export"]);
    assert!(ok && out.contains("after the tear"), "{out}");
}

#[test]
fn a_newer_versions_line_is_kept_and_shown_never_moved() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    assert!(run(d.path(), &["note", "first note"]).0);
    let path = journal_path(d.path(), &id);
    append_raw(&path, format!("{}\n", newer_line(3)).as_bytes());
    let before = std::fs::read(&path).unwrap();
    for args in READ_ONLY {
        let _ = run(d.path(), args);
        assert!(
            std::fs::read(&path).unwrap() == before,
            "`{}` changed the journal",
            args.join(" ")
        );
        assert!(!torn_path(d.path(), &id).exists(), "{}", args.join(" "));
    }
    let (ok, out, err) = run(d.path(), &["export"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("written by a newer commandpost (v2); upgrade to see it"),
        "{out}"
    );
    // The post-mortem must understand every event: it refuses, naming file and line.
    let (ok, _, err) = run(d.path(), &["postmortem"]);
    assert!(!ok);
    assert!(err.contains("journal.jsonl:3"), "{err}");
    assert!(err.contains("newer commandpost"), "{err}");
    // A writer appends after it and the line stays byte for byte.
    let (ok, _, err) = run(d.path(), &["note", "after v2"]);
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&newer_line(3)), "{text}");
    assert!(text.contains(r#""seq":4"#), "{text}");
    assert!(!torn_path(d.path(), &id).exists());
}

#[test]
fn a_complete_damaged_last_line_is_refused_with_file_and_line_never_moved() {
    for tail in [
        // A known type with data this version cannot read, claiming version 1.
        r#"{"v":1,"seq":5,"ts":"2026-11-21T03:00:00Z","actor":"x","type":"state_changed","data":{"from":"nope"}}"#.to_string(),
        // A duplicated sequence number.
        r#"{"v":1,"seq":2,"ts":"2026-11-21T03:00:00Z","actor":"x","type":"note_added","data":{"text":"dup"}}"#.to_string(),
        "not json at all".to_string(),
    ] {
        let (d, id, before) = incident_with_tail(format!("{tail}\n").as_bytes());
        let path = journal_path(d.path(), &id);
        let at = format!("journal.jsonl:{}:", before.iter().filter(|&&b| b == b'\n').count());
        for args in READ_ONLY.iter().chain(&[&["note", "x"][..]]) {
            let (ok, _out, err) = run(d.path(), args);
            assert!(std::fs::read(&path).unwrap() == before, "`{}`: {err}", args.join(" "));
            assert!(!torn_path(d.path(), &id).exists(), "`{}`", args.join(" "));
            if args[0] != "list" && args[0] != "remediation" {
                assert!(!ok, "`{}` succeeded on a damaged journal", args.join(" "));
                assert!(
                    err.contains(&at),
                    "`{}`: {err}",
                    args.join(" ")
                );
                assert!(!err.contains("no open incident"), "{err}");
            }
        }
    }
}

#[test]
fn a_damaged_journal_is_reported_with_path_and_line_not_as_no_open_incident() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    assert!(run(d.path(), &["note", "a"]).0);
    assert!(run(d.path(), &["note", "b"]).0);
    let path = journal_path(d.path(), &id);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{this is not json";
    std::fs::write(&path, format!("{}\n", lines.join("\n"))).unwrap();
    for args in [
        &["show"][..],
        &["note", "c"],
        &["export"],
        &["sitrep", "log"],
    ] {
        let (ok, _, err) = run(d.path(), args);
        assert!(!ok);
        assert!(
            !err.contains("no open incident"),
            "{}: {err}",
            args.join(" ")
        );
        assert!(
            err.contains("journal.jsonl:2:"),
            "{}: {err}",
            args.join(" ")
        );
        assert!(err.contains("by hand"), "what to do: {err}");
    }
    // `list` still lists and names the damaged one.
    let (_, _, err) = run(d.path(), &["list"]);
    assert!(err.contains("journal.jsonl:2:"), "{err}");
}

#[test]
fn the_largest_sequence_number_does_not_wrap() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    let path = journal_path(d.path(), &id);
    append_raw(
        &path,
        format!(
            "{{\"v\":1,\"seq\":{},\"ts\":\"2026-11-21T03:00:00Z\",\"actor\":\"x\",\"type\":\"note_added\",\"data\":{{\"text\":\"max\"}}}}\n",
            u64::MAX
        )
        .as_bytes(),
    );
    let before = std::fs::read(&path).unwrap();
    let (ok, _, err) = run(d.path(), &["note", "acknowledged?"]);
    assert!(
        !ok,
        "a note that cannot be numbered must not be acknowledged"
    );
    assert!(err.contains("journal.jsonl"), "{err}");
    assert!(err.contains("sequence"), "{err}");
    assert!(std::fs::read(&path).unwrap() == before, "journal changed");
    let (ok, out, _) = run(d.path(), &["export"]);
    assert!(ok && out.contains("max"), "{out}");
}

/// Runs `per` commands from each of `writers` threads at once.
fn parallel(
    data: &Path,
    writers: usize,
    per: usize,
    args: impl Fn(usize, usize) -> Vec<String> + Sync,
) {
    std::thread::scope(|s| {
        for w in 0..writers {
            let args = &args;
            s.spawn(move || {
                for i in 0..per {
                    let a = args(w, i);
                    let out = cp(data).args(&a).output().unwrap();
                    assert!(
                        out.status.success(),
                        "{a:?}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            });
        }
    });
}

fn events(data: &Path, id: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(journal_path(data, id))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn assert_ts_follows_seq(evs: &[serde_json::Value]) {
    let ts: Vec<jiff::Timestamp> = evs
        .iter()
        .map(|e| e["ts"].as_str().unwrap().parse().unwrap())
        .collect();
    for w in ts.windows(2) {
        assert!(w[0] <= w[1], "time order disagrees with seq order: {w:?}");
    }
}

/// Pads the journal with `n` notes so that each command's replay takes a while: the window
/// between reading the state and taking the lock is wide, as on a long incident.
fn pad_journal(data: &Path, id: &str, n: u64) {
    let path = journal_path(data, id);
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let ts = first["ts"].as_str().unwrap();
    let mut text = String::new();
    for seq in 2..2 + n {
        text.push_str(&format!(
            "{{\"v\":1,\"seq\":{seq},\"ts\":\"{ts}\",\"actor\":\"pad\",\"type\":\"note_added\",\"data\":{{\"text\":\"padding {seq}\"}}}}\n"
        ));
    }
    append_raw(&path, text.as_bytes());
}

#[test]
fn parallel_remediation_and_hypothesis_adds_lose_nothing_and_never_share_an_id() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    pad_journal(d.path(), &id, 1000);
    parallel(d.path(), 2, 50, |w, i| {
        if i % 5 == 4 {
            vec!["hypothesis".into(), "add".into(), format!("h {w}-{i}")]
        } else {
            vec!["remediation".into(), "add".into(), format!("r {w}-{i}")]
        }
    });
    let evs = events(d.path(), &id);
    let ids = |kind: &str| -> Vec<u64> {
        evs.iter()
            .filter(|e| e["type"] == kind)
            .map(|e| e["data"]["id"].as_u64().unwrap())
            .collect()
    };
    let rem = ids("remediation_added");
    assert_eq!(rem, (1..=80).collect::<Vec<_>>(), "remediation ids");
    let hyp = ids("hypothesis_added");
    assert_eq!(hyp, (1..=20).collect::<Vec<_>>(), "hypothesis ids");
    assert_ts_follows_seq(&evs);
    // Every item is there, once.
    let (ok, out, _) = run(d.path(), &["remediation", "list", "--json"]);
    assert!(ok);
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 80);
}

#[test]
fn parallel_sitreps_get_distinct_versions() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    pad_journal(d.path(), &id, 1000);
    let template = d.path().join("sitrep.j2");
    std::fs::write(
        &template,
        "Sitrep v{{ version }} sent {{ sent_at }}: {{ summary }}\n",
    )
    .unwrap();
    let config = d.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[templates]\nsitrep = {:?}\n",
            template.display().to_string()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    parallel(d.path(), 2, 6, |_, _| {
        vec![
            "--config".into(),
            config.clone(),
            "sitrep".into(),
            "send".into(),
        ]
    });
    let evs = events(d.path(), &id);
    let versions: Vec<u64> = evs
        .iter()
        .filter(|e| e["type"] == "sitrep_sent")
        .map(|e| e["data"]["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, (1..=12).collect::<Vec<_>>());
    // The rendered text names the version it was journaled as.
    for e in evs.iter().filter(|e| e["type"] == "sitrep_sent") {
        let v = e["data"]["version"].as_u64().unwrap();
        let rendered = e["data"]["rendered"].as_str().unwrap();
        assert!(rendered.contains(&format!("v{v}")), "{rendered}");
    }
    assert_ts_follows_seq(&evs);
}
