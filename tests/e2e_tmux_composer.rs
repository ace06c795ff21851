//! End-to-end, the writing desk: the built binary in a tmux pane writes a
//! sitrep by keys (with a bracketed paste holding newlines), sends it, and
//! the journal and the outbox have it; a draft survives kill -9 and a
//! restart. Skipped (loudly) when tmux is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::domain::Payload;
use commandpost::journal::Store;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod tmux_common;
use tmux_common::{BIN, Tmux};

/// Opens an incident headlessly with Keiko as Comms and Noah on duty.
fn incident(data: &Path) -> (Store, String) {
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(["--data-dir", data.to_str().unwrap(), "--as", "Alice"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    };
    run(&["new", "Checkout API returns 502"]);
    run(&["handoff", "comms", "Keiko"]);
    run(&["join", "Noah"]);
    let store = Store::new(data);
    let id = store.current().unwrap().expect("an open incident");
    (store, id)
}

#[test]
fn a_sitrep_written_by_keys_is_journaled_then_queued() {
    let Some(t) = Tmux::start("sitrep") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (store, id) = incident(&data);
    t.cockpit(&data, "Alice");
    t.wait_for("Checkout API returns 502");

    t.text("s");
    let s = t.wait_for("Sitrep v1 (draft)");
    assert!(s.contains("IC Alice · Comms Keiko · Noah"), "{s}");
    // Actions: typed, then a pasted block whose newlines must not send.
    t.keys(&["Tab", "Tab"]);
    t.wait_for("▶ Actions");
    t.text("Failing over the DB.");
    t.keys(&["Enter"]);
    t.paste("Drained eu-west-1.\nRolled back deploy 4711.\n");
    t.wait_for("Rolled back deploy 4711.");
    std::thread::sleep(Duration::from_millis(300));
    let s = t.screen();
    assert!(!s.contains("Send sitrep v1?"), "a paste never sends:\n{s}");
    assert!(
        store.open(&id).unwrap().1.sitreps.is_empty(),
        "nothing journaled before Ctrl-S"
    );

    t.keys(&["C-s"]);
    let s = t.wait_for("Send sitrep v1?");
    assert!(s.contains("→ outbox-file (file)"), "{s}");
    t.text("y");
    t.wait_for("Queued for announcement: Sitrep v1");

    let (opened, inc) = store.open(&id).unwrap();
    let sent: Vec<&Payload> = opened
        .events
        .iter()
        .map(|e| &e.payload)
        .filter(|p| p.kind() == "sitrep_sent")
        .collect();
    let [
        Payload::SitrepSent {
            version,
            fields,
            rendered,
            ..
        },
    ] = sent.as_slice()
    else {
        panic!("one sitrep_sent: {sent:?}")
    };
    assert_eq!(*version, 1);
    assert_eq!(
        fields.actions,
        "Failing over the DB.\nDrained eu-west-1.\nRolled back deploy 4711."
    );
    assert!(rendered.contains("IC: Alice"), "{rendered}");
    assert_eq!(inc.sitreps.len(), 1);
    // Queued in the durable outbox (journaled after the sitrep), then
    // delivered by the default file backend.
    let kinds: Vec<String> = opened.events.iter().map(|e| e.payload.kind()).collect();
    let sent_at = kinds.iter().position(|k| k == "sitrep_sent").unwrap();
    let queued = opened
        .events
        .iter()
        .position(
            |e| matches!(&e.payload, Payload::Outbox(o) if format!("{o:?}").contains("Sitrep v1")),
        )
        .unwrap_or_else(|| panic!("no outbox event for Sitrep v1: {kinds:?}"));
    assert!(queued > sent_at, "{kinds:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let outbox = loop {
        let text = std::fs::read_to_string(store.outbox_file(&id)).unwrap_or_default();
        if text.contains("Rolled back deploy 4711.") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(outbox.contains("Sitrep v1"), "{outbox}");
    assert!(outbox.contains("Rolled back deploy 4711."), "{outbox}");
    assert!(
        !store.incident_dir(&id).join("drafts/sitrep.toml").exists(),
        "the sent draft is deleted"
    );

    // The log lists it.
    t.text("L");
    t.wait_for("Sitrep log");
    t.keys(&["Enter"]);
    t.wait_for("diff against nothing");
    t.text("q");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
}

#[test]
fn a_draft_survives_kill_9_and_a_restart() {
    let Some(t) = Tmux::start("draft") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (store, id) = incident(&data);
    let draft = store.incident_dir(&id).join("drafts/status.toml");
    t.cockpit(&data, "Alice");
    t.wait_for("Checkout API returns 502");

    t.text("u");
    t.wait_for("Public status update (draft)");
    t.text("Payments fail for some EU customers.");
    t.wait_for("Payments fail for some EU customers.");
    // Written within about a second of the last key, without closing.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&draft).is_ok_and(|s| s.contains("EU customers")) {
        assert!(Instant::now() < deadline, "draft not written");
        std::thread::sleep(Duration::from_millis(100));
    }

    let pid = t.child_pid().expect("cockpit pid");
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    t.wait_for("EXIT=137");
    t.shell("stty sane; printf '\\033[?2004l\\033[?1049l\\033[?25h'; clear; echo RESET-$((40+2))");
    t.wait_for("RESET-42");

    t.cockpit(&data, "Alice");
    t.wait_for("Checkout API returns 502");
    t.text("u");
    let s = t.wait_for("Payments fail for some EU customers.");
    assert!(s.contains("Public status update (draft)"), "{s}");
    // Esc keeps it; quitting leaves it on disk.
    t.keys(&["Escape"]);
    t.wait_for("draft kept");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
    assert!(
        std::fs::read_to_string(&draft)
            .unwrap()
            .contains("EU customers")
    );
}

/// Issue 16: at 80x24 a long impact line showed only its tail ("fixed by 15:00.") while the
/// summary took most of the height. Every multi-line field soft-wraps and the height is shared
/// by content: every field shows all that was typed, focused or not.
#[test]
fn long_fields_wrap_and_every_field_shows_what_was_typed_at_80x24() {
    let Some(t) = Tmux::start("wrap") else {
        return;
    };
    t.tmux(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let _ = incident(&data);
    t.cockpit(&data, "Alice");
    t.wait_for("Checkout API returns 502");
    t.text("s");
    t.wait_for("Sitrep v1 (draft)");
    let summary = "Checkout returns 502 for a third of requests since 14:02 UTC; the payment \
                   provider's EU endpoint times out and our retries pile up behind it.";
    let impact = "EU customers cannot pay: about a third of card payments fail at checkout; \
                  login and browsing work; the vendor says it will be fixed by 15:00.";
    let actions = "Failing over to the US endpoint; rate-limiting retries.";
    t.text(summary);
    t.keys(&["Tab"]);
    t.wait_for("▶ Impact");
    t.text(impact);
    t.keys(&["Tab"]);
    t.wait_for("▶ Actions");
    t.text(actions);
    t.wait_for("rate-limiting retries.");
    // Every field's whole text is on screen, in order (compared without whitespace: wrapping
    // turns a space into a line break).
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    // Every field of the form has its heading on screen (a squeezed field loses it).
    let headings = |s: &str| {
        ["Summary", "Impact", "Actions", "Needs", "Links"]
            .iter()
            .all(|h| {
                s.lines()
                    .any(|l| l.trim_start_matches(['▶', ' ']).starts_with(h))
            })
    };
    let shows_all = |s: &str, fields: &[&str]| {
        let screen = squeeze(s);
        headings(s) && fields.iter().all(|f| screen.contains(&squeeze(f)))
    };
    let s = t.wait_until("every field in full", |s| {
        shows_all(s, &[summary, impact, actions])
    });
    assert!(s.contains("15:00.") && s.contains("EU customers"), "{s}");
    // And back on the summary (the impact unfocused, its cursor at its end): still all there
    // (waited for: a capture can catch a frame half written).
    t.keys(&["BTab", "BTab"]);
    t.wait_for("▶ Summary");
    t.wait_until("every field in full, the summary focused", |s| {
        s.contains("▶ Summary") && shows_all(s, &[summary, impact, actions])
    });
    t.keys(&["Escape"]);
    t.wait_gone("Sitrep v1 (draft)");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
}
