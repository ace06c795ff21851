//! End-to-end: `commandpost drill <scenario> --speed 60` in a real terminal
//! (tmux): the banner, an inject in the timeline, the decision prompt, the
//! clock keys, then Q and the score card. Skipped (loudly) without tmux.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod tmux_common;
use tmux_common::{BIN, Tmux};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/drills")
        .join(name)
}

/// The one drill directory under `<data>/drills`.
fn drill_dir(data: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(data.join("drills"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.into_iter().next().unwrap()
}

#[test]
fn drill_in_the_cockpit_at_60x() {
    let Some(t) = Tmux::start("drill") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    t.shell(&format!(
        "{BIN} --data-dir {} drill {} --speed 60; echo EXIT=$?",
        data.display(),
        example("db-failover.toml").display()
    ));

    // The banner from the first frame; the alert at +0s in the timeline.
    t.wait_for("DRILL 60x");
    t.wait_for("DRILL +0s alert: Primary database db-main-1 unreachable");
    // At 60x, Priya's message (+2m) comes after about 2 s and asks for a decision.
    let s = t.wait_for("DRILL: a decision is needed");
    assert!(s.contains("Fail over to db-main-2 now?"), "{s}");
    // The message that asks is in the timeline too (the prompt can be drawn one frame before
    // the timeline has read the journaled inject back).
    t.wait_for("DRILL +2m group_message (ops:database, Priya)");
    t.text("1");
    t.wait_for("Drill decision: Fail over to db-main-2 now? -> fail over now");

    // Pause: the banner says so and the simulated clock stands still.
    t.text(".");
    let s = t.wait_for("DRILL PAUSED");
    let clock = |s: &str| {
        s.lines()
            .nth(1)
            .and_then(|l| l.split_whitespace().rev().nth(1).map(str::to_string))
            .unwrap_or_default()
    };
    let paused_at = clock(&s);
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(clock(&t.screen()), paused_at, "paused");
    t.text(".");
    t.wait_for("Drill running at 60x");
    t.text("-");
    t.wait_for("DRILL 30x");

    // The help lists the drill keys.
    t.text("?");
    let s = t.wait_for("drill: end it and score");
    assert!(s.contains("drill: pause/resume the clock"), "{s}");
    t.text("q");

    // Q ends the drill: the card is printed once the terminal is restored.
    t.text("Q");
    t.wait_for("End the drill now and score it?");
    t.text("y");
    let s = t.wait_for("EXIT=0");
    assert!(s.contains("score.md"), "{s}");
    let dir = drill_dir(&data);
    let md = std::fs::read_to_string(dir.join("score.md")).unwrap();
    assert!(md.contains("Database failover"), "{md}");
    assert!(
        md.contains("| +2m | Fail over to db-main-2 now? | fail over now |"),
        "{md}"
    );
    assert!(dir.join("score.json").is_file());
    assert!(dir.join("journal.jsonl").is_file());

    // The drill is listed with its score; it is not an incident.
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .args(["drill", "--list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.contains("Database failover"), "{list}");
    let out = Command::new(BIN)
        .arg("--data-dir")
        .arg(&data)
        .args(["list"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("DRILL"));
}
