//! A long incident in a real terminal (issue 14): the cockpit opens it from its journal's
//! newest events (and its snapshot, once there is one), pages older events in when the
//! timeline is scrolled back to them, and leaves a snapshot on a clean exit that the next
//! start uses (decoded while the cockpit looks for the current incident). Skipped (loudly)
//! when tmux is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::domain::event::Event;
use commandpost::domain::{Payload, Role};
use commandpost::journal::Store;
use commandpost::journal::snapshot::{self, Rejected};
use std::io::Write;
use std::time::{Duration, Instant};

mod tmux_common;
use tmux_common::Tmux;

const EVENTS: u64 = 5_000;

/// A journal of `EVENTS` events: the opening, a hand-off, then numbered notes
/// ("note 17: ..."), three seconds apart and ending now.
fn long_journal(store: &Store) -> String {
    let id = "INC-20261121-0300";
    let path = store.journal_path(id);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let now = jiff::Timestamp::now();
    for seq in 1..=EVENTS {
        let payload = match seq {
            1 => Payload::opened(id, "Long incident", "Alice"),
            2 => Payload::RoleHandedOff {
                role: Role::OpsLead("database".into()),
                from: None,
                to: "Keiko".into(),
            },
            s => Payload::NoteAdded {
                text: format!("note {s}: replica lag {}ms", s % 900),
            },
        };
        let ts = now - jiff::SignedDuration::from_secs((EVENTS - seq) as i64 * 3);
        let e = Event::new(seq, ts, "Alice", payload);
        writeln!(f, "{}", e.to_line().unwrap()).unwrap();
    }
    f.flush().unwrap();
    id.to_string()
}

fn wait_for_file(path: &std::path::Path) -> bool {
    let waited = Instant::now();
    while !path.exists() && waited.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    path.exists()
}

#[test]
fn a_long_incident_pages_its_timeline_and_leaves_a_snapshot_the_next_start_uses() {
    let Some(t) = Tmux::start("long") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Store::new(&data);
    let id = long_journal(&store);
    let path = store.journal_path(&id);
    let snap = snapshot::path_for(&path);
    assert!(!snap.exists());

    t.cockpit(&data, "Alice");
    // Every event counts, though only the newest are read.
    t.wait_for(&format!("{EVENTS} events"));
    t.wait_for(&format!("note {EVENTS}:"));
    // A full replay without a snapshot writes one in the background.
    assert!(wait_for_file(&snap), "no snapshot after a full replay");

    // Scroll the timeline far back: events older than the ones read at start come in.
    t.keys(&["Tab", "Tab"]);
    for _ in 0..12 {
        t.tmux(&["send-keys", "-t", "t", "-N", "10", "PageDown"]);
        std::thread::sleep(Duration::from_millis(30));
    }
    t.wait_until("an event older than the first thousand", |s| {
        s.lines().any(|l| {
            l.split("note ")
                .nth(1)
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| n < EVENTS - 1_000)
        })
    });

    // A note from the keyboard, then quit: the snapshot left covers everything.
    t.text("n");
    t.wait_for("Note for the timeline");
    t.text("written before quitting");
    t.keys(&["Enter"]);
    t.wait_gone("Note for the timeline");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");

    let home = store.home();
    let opened = commandpost::replay::open_path(&path, &id, &home).unwrap();
    assert_eq!(opened.snapshot, Ok(()), "the exit snapshot is used");
    assert_eq!(opened.replayed, 0, "nothing left to replay");
    assert_eq!(opened.state.incident.last_seq, EVENTS + 1);
    let kept = std::fs::read(&snap).unwrap();
    let full = {
        std::fs::remove_file(&snap).unwrap();
        let o = commandpost::replay::open_path(&path, &id, &home).unwrap();
        assert_eq!(o.snapshot, Err(Rejected::Missing));
        o.state
    };
    assert_eq!(
        opened.state, full,
        "the snapshot is the full replay's state"
    );
    assert_eq!(
        full.incident.notes.last().map(|n| n.text.as_str()),
        Some("written before quitting")
    );
    drop(opened);

    // The next start reads the snapshot (decoded ahead: this is the newest open incident):
    // the same incident, with the note, and nothing replayed but the journal's tail.
    std::fs::write(&snap, &kept).unwrap();
    let before = std::fs::metadata(&snap).unwrap().modified().unwrap();
    t.shell("clear");
    t.cockpit(&data, "Alice");
    t.wait_for(&format!("{} events", EVENTS + 1));
    t.wait_for("written before quitting");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
    let o = commandpost::replay::open_path(&path, &id, &home).unwrap();
    assert_eq!(o.snapshot, Ok(()));
    assert_eq!(o.state, full, "the second session changed nothing");
    // Opened through the snapshot, nothing new to save: the snapshot was not rewritten
    // by a full replay at start.
    assert_eq!(
        std::fs::metadata(&snap).unwrap().modified().unwrap(),
        before
    );
}
