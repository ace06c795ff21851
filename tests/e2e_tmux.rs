//! End-to-end in a real terminal: the built binary in a tmux pane, driven
//! by keys. Skipped (loudly) when tmux is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::domain::event::Severity;
use commandpost::domain::{Payload, Role};
use commandpost::journal::Store;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod tmux_common;
use tmux_common::Tmux;

fn stty(t: &Tmux, dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    // The needle is computed by the shell, so the typed line cannot match.
    t.shell(&format!(
        "stty -g > {}; echo SAVED-$((40+2))-{file}",
        path.display()
    ));
    t.wait_for(&format!("SAVED-42-{file}"));
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn handoff_state_quit_restart_and_kill_9() {
    let Some(t) = Tmux::start("flow") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let before = stty(&t, dir.path(), "before");

    // First start: no incident, the cockpit asks for a title.
    t.cockpit(&data, "Alice");
    t.wait_for("no open incident");
    t.text("Payments API down");
    t.keys(&["Enter"]);
    t.wait_for("1 INVESTIGATING");

    // Hand IC to Ricardo by keys. A key shows at once, not on the next tick.
    let start = Instant::now();
    t.text("h");
    t.wait_for("Hand off which role?");
    let latency = start.elapsed();
    assert!(
        latency < Duration::from_millis(1500),
        "key took {latency:?}"
    );
    t.keys(&["Enter"]);
    t.wait_for("Hand IC to whom?");
    t.text("Ricardo");
    t.wait_for("+ Ricardo");
    t.keys(&["Enter"]);
    t.wait_for("Announces: @all: IC -> Ricardo");
    t.text("y");
    t.wait_for("IC Ricardo for");

    // State 2, confirmed.
    t.text("2");
    t.wait_for("Set state 2 CONFIRMED?");
    t.text("y");
    t.wait_for("state 2 CONFIRMED (was investigating)");

    // Another writer (a headless command) appends: shown within 2 s.
    let store = Store::new(&data);
    let id = store.current().unwrap().expect("an open incident");
    let (mut opened, _) = store.open(&id).unwrap();
    opened
        .journal
        .append(
            "bob",
            jiff::Timestamp::now(),
            Payload::NoteAdded {
                text: "written from another terminal".into(),
            },
        )
        .unwrap();
    let start = Instant::now();
    t.wait_for("note: written from another terminal");
    let seen = start.elapsed();
    assert!(seen < Duration::from_millis(2500), "took {seen:?}");

    // Quit (asks first).
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
    assert_eq!(
        stty(&t, dir.path(), "after-quit"),
        before,
        "terminal modes restored"
    );

    // The journal has what was shown.
    let (opened, inc) = store.open(&id).unwrap();
    assert_eq!(inc.ic().map(|h| h.name.as_str()), Some("Ricardo"));
    assert_eq!(inc.state, Severity::Confirmed);
    let kinds: Vec<String> = opened
        .events
        .iter()
        .map(|e| e.payload.kind())
        .filter(|k| k != "outbox")
        .collect();
    assert_eq!(
        kinds,
        [
            "incident_opened",
            "role_handed_off",
            "state_changed",
            "note_added"
        ]
    );
    assert!(matches!(
        &opened.events[1].payload,
        Payload::RoleHandedOff { role: Role::Ic, to, .. } if to == "Ricardo"
    ));
    // Both announcements went through the outbox to the default file backend, once each.
    let deadline = Instant::now() + Duration::from_secs(10);
    let outbox = loop {
        let text = std::fs::read_to_string(store.outbox_file(&id)).unwrap_or_default();
        if text.matches("<!-- commandpost:").count() >= 2 || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(outbox.contains("@all: IC -> Ricardo"), "{outbox}");
    assert!(outbox.contains("@all: Incident Confirmed"), "{outbox}");
    assert_eq!(outbox.matches("<!-- commandpost:").count(), 2, "{outbox}");
    let st = commandpost::delivery::OutboxState::replay(&opened.events);
    assert_eq!(st.messages.len(), 2);

    // Restart: the same incident, with the new IC.
    t.shell("clear");
    t.cockpit(&data, "Ricardo");
    let s = t.wait_for("IC Ricardo for");
    assert!(s.contains("Payments API down"), "{s}");
    assert!(s.contains("2 CONFIRMED"), "{s}");

    // kill -9: nothing can restore the terminal; a reset must.
    let pid = t.child_pid().expect("cockpit pid");
    Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    t.wait_for("EXIT=137");
    t.shell("stty sane; printf '\\033[?2004l\\033[?1049l\\033[?25h'; clear; echo RESET-$((40+2))");
    t.wait_for("RESET-42");
    t.shell("echo usable-$((6*7))");
    t.wait_for("usable-42");
    // The journal reopens (nothing torn) and the cockpit resumes.
    let (_, inc) = store.open(&id).unwrap();
    assert_eq!(inc.ic().map(|h| h.name.as_str()), Some("Ricardo"));
    t.cockpit(&data, "Ricardo");
    t.wait_for("IC Ricardo for");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
}

#[test]
fn sigterm_sighup_and_ctrl_z_restore_the_terminal() {
    let Some(t) = Tmux::start("signals") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Store::new(&data);
    store
        .create("Disk alarms", "Alice", jiff::Timestamp::now())
        .unwrap();
    let before = stty(&t, dir.path(), "before");

    // The cockpit exits with the signal's default status (128 + n) after
    // restoring the terminal.
    for (sig, name, status) in [("-TERM", "term", "EXIT=143"), ("-HUP", "hup", "EXIT=129")] {
        t.shell("clear");
        t.cockpit(&data, "Alice");
        t.wait_for("Event loop");
        let pid = t.child_pid().expect("cockpit pid");
        Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
        let s = t.wait_for(status);
        assert!(!s.contains("Event loop"), "alternate screen left:\n{s}");
        assert_eq!(stty(&t, dir.path(), name), before, "modes after SIG{sig}");
    }

    // Ctrl-Z gives the shell back; fg resumes and redraws.
    t.shell("clear");
    t.cockpit(&data, "Alice");
    t.wait_for("Event loop");
    t.keys(&["C-z"]);
    t.wait_gone("Event loop");
    assert_eq!(
        stty(&t, dir.path(), "suspended"),
        before,
        "modes while suspended"
    );
    t.shell("fg");
    t.wait_for("Event loop");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    // (`echo EXIT` already ran when the job stopped.)
    t.wait_gone("Event loop");
    assert_eq!(
        stty(&t, dir.path(), "resumed"),
        before,
        "modes after resume and quit"
    );
}
