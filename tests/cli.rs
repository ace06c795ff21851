//! Headless commands end to end, in temp data dirs, including error paths.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use predicates::prelude::*;
use std::path::Path;

mod cli_common;
use cli_common::cp;

fn new_incident(data: &Path) -> String {
    let out = cp(data)
        .args(["new", "Elevated API errors"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn journal(data: &Path, id: &str) -> String {
    std::fs::read_to_string(data.join("incidents").join(id).join("journal.jsonl")).unwrap()
}

#[test]
fn new_prints_only_the_id_and_opener_is_ic() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    assert!(
        id.starts_with("INC-") && !id.contains(char::is_whitespace),
        "{id:?}"
    );
    let j = journal(d.path(), &id);
    assert!(j.contains(r#""type":"incident_opened""#) && j.contains(r#""ic":"alice""#));
    cp(d.path())
        .arg("show")
        .assert()
        .success()
        .stdout(predicate::str::contains("IC").and(predicate::str::contains("alice")));
}

#[test]
fn a_second_incident_in_the_same_minute_gets_its_own_id() {
    let d = tempfile::tempdir().unwrap();
    let a = new_incident(d.path());
    let b = new_incident(d.path());
    assert_ne!(a, b);
}

#[test]
fn full_headless_flow_is_journaled_and_announced() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    cp(d.path())
        .args(["join", "Ricardo", "--group", "database"])
        .assert()
        .success();
    cp(d.path())
        .args(["join", "渡辺 健", "--group", "database"])
        .assert()
        .success();
    cp(d.path())
        .args(["handoff", "ic", "Ricardo"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@all: IC -> Ricardo"));
    cp(d.path())
        .args(["state", "confirmed"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@all: Incident Confirmed"));
    cp(d.path())
        .args(["--as", "Ricardo", "impact", "EU customers see 5xx"])
        .assert()
        .success();
    cp(d.path())
        .args(["note", "vendor ticket opened"])
        .assert()
        .success();
    cp(d.path())
        .args(["link", "AWS", "https://support.example/case/1"])
        .assert()
        .success();
    cp(d.path())
        .args(["break", "渡辺 健"])
        .assert()
        .success()
        .stdout(predicate::str::contains("on a break"));
    cp(d.path())
        .args(["break", "渡辺 健"])
        .assert()
        .success()
        .stdout(predicate::str::contains("back from break"));
    cp(d.path()).args(["release", "渡辺 健"]).assert().success();
    cp(d.path())
        .args(["hypothesis", "add", "bad deploy"])
        .assert()
        .success();
    cp(d.path())
        .args([
            "hypothesis",
            "rule-out",
            "1",
            "--reason",
            "rolled back, no change",
        ])
        .assert()
        .success();

    let j = journal(d.path(), &id);
    let changes = j
        .lines()
        .filter(|l| !l.contains(r#""type":"outbox""#))
        .count();
    assert_eq!(changes, 13);
    // Each of the two announcements was queued, attempted and delivered.
    assert_eq!(
        j.lines()
            .filter(|l| l.contains(r#""type":"outbox""#))
            .count(),
        6
    );
    assert!(j.contains(r#""actor":"Ricardo""#));
    let outbox =
        std::fs::read_to_string(d.path().join("incidents").join(&id).join("outbox.md")).unwrap();
    assert!(outbox.contains("@all: IC -> Ricardo") && outbox.contains("@all: Incident Confirmed"));

    let show = cp(d.path()).args(["show", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["state"], "confirmed");
    assert_eq!(v["roles"]["ic"]["name"], "Ricardo");
    assert_eq!(v["impact"]["text"], "EU customers see 5xx");

    cp(d.path())
        .args(["export", "--format", "md"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("IC -> Ricardo (was alice)")
                .and(predicate::str::contains("## Timeline")),
        );
    let ex = cp(d.path())
        .args(["export", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&ex.stdout).unwrap();
    assert_eq!(v["events"].as_array().map(Vec::len), Some(19));

    cp(d.path())
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains(&id).and(predicate::str::contains("2 confirmed")));
    let l = cp(d.path()).args(["list", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&l.stdout).unwrap();
    assert_eq!(v[0]["ic"], "Ricardo");
}

#[test]
fn resolve_then_reopen() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    cp(d.path())
        .args(["state", "resolved"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@all: Incident Resolved"));
    cp(d.path())
        .args(["note", "x"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no open incident"));
    cp(d.path())
        .args(["--incident", &id, "note", "after the fact"])
        .assert()
        .success();
    cp(d.path())
        .args(["state", "major"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("re-opened as investigating"));
    cp(d.path())
        .args(["state", "investigating"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Re-opened"));
}

fn one_line_error(args: &[&str], data: &Path, needle: &str) {
    let out = cp(data).args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(needle),
        "{args:?}: {err:?} should mention {needle:?}"
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line, got {err:?}"
    );
    assert!(err.starts_with("commandpost: "), "{err:?}");
}

#[test]
fn every_error_is_one_clear_line_and_nonzero() {
    let d = tempfile::tempdir().unwrap();
    one_line_error(&["note", "x"], d.path(), "no open incident");
    one_line_error(&["show"], d.path(), "no open incident");
    new_incident(d.path());
    one_line_error(&["state", "sev1"], d.path(), "unknown state");
    one_line_error(
        &["state", "investigating"],
        d.path(),
        "already investigating",
    );
    one_line_error(&["handoff", "boss", "Bob"], d.path(), "unknown role");
    one_line_error(&["handoff", "ic", "alice"], d.path(), "already holds IC");
    one_line_error(
        &["handoff", "ops:", "Bob"],
        d.path(),
        "group name cannot be empty",
    );
    one_line_error(&["handoff", "ic", "   "], d.path(), "name cannot be empty");
    one_line_error(&["release", "Nobody"], d.path(), "no one named");
    one_line_error(&["release", "alice"], d.path(), "is the IC");
    one_line_error(&["break", "Nobody"], d.path(), "no one named");
    one_line_error(&["impact", " "], d.path(), "impact: cannot be empty");
    one_line_error(&["note", ""], d.path(), "note: cannot be empty");
    one_line_error(&["link", "x", "ftp://x"], d.path(), "not an http(s) URL");
    one_line_error(
        &["join", "Bob", "--group", "a b"],
        d.path(),
        "invalid group name",
    );
    one_line_error(
        &["--incident", "INC-nope", "show"],
        d.path(),
        "no incident \"INC-nope\"",
    );
    one_line_error(
        &["--incident", "../etc", "show"],
        d.path(),
        "invalid incident id",
    );
    one_line_error(
        &["hypothesis", "rule-out", "7"],
        d.path(),
        "no hypothesis #7",
    );
    one_line_error(
        &["--as", "", "note", "x"],
        d.path(),
        "--as: a name cannot be empty",
    );
}

#[test]
fn damaged_journal_is_reported_with_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    cp(d.path()).args(["note", "one"]).assert().success();
    cp(d.path()).args(["note", "two"]).assert().success();
    let p = d.path().join("incidents").join(&id).join("journal.jsonl");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replacen("\"note_added\"", "\"note_added", 1);
    std::fs::write(&p, &text).unwrap();
    one_line_error(
        &["--incident", &id, "show"],
        d.path(),
        "journal.jsonl:2: damaged journal line",
    );
    assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
}

#[test]
fn torn_tail_is_recovered_with_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    let p = d.path().join("incidents").join(&id).join("journal.jsonl");
    let mut bytes = std::fs::read(&p).unwrap();
    bytes.extend_from_slice(br#"{"v":1,"seq":2,"ts":"2026"#);
    std::fs::write(&p, bytes).unwrap();
    cp(d.path())
        .args(["note", "still works"])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").and(predicate::str::contains(".torn")));
    assert!(
        journal(d.path(), &id)
            .lines()
            .nth(1)
            .unwrap()
            .contains("still works")
    );
}

#[test]
fn bad_config_is_reported_with_location() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("bad.toml");
    std::fs::write(&cfg, "[cadence]\nstatus = \"20 parsecs\"\n").unwrap();
    cp(d.path())
        .args(["--config", cfg.to_str().unwrap(), "list"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("bad.toml:2:10").and(predicate::str::contains("unknown unit")),
        );
    let missing = d.path().join("missing.toml");
    cp(d.path())
        .args(["--config", missing.to_str().unwrap(), "list"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn config_init_writes_a_default_that_checks_clean() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("cfg").join("config.toml");
    let c = cfg.to_str().unwrap();
    cp(d.path())
        .args(["--config", c, "config", "init"])
        .assert()
        .success();
    cp(d.path())
        .args(["--config", c, "config", "init"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("already exists"));
    cp(d.path())
        .args(["--config", c, "config", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok"));
}

#[test]
fn help_and_completions() {
    let d = tempfile::tempdir().unwrap();
    cp(d.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("handoff"));
    cp(d.path())
        .args(["handoff", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ops:<group>"));
    cp(d.path())
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("commandpost"));
    cp(d.path()).arg("frobnicate").assert().code(2);
}

#[test]
fn logs_go_to_the_data_dir_not_the_terminal() {
    let d = tempfile::tempdir().unwrap();
    new_incident(d.path());
    let log = std::fs::read_to_string(d.path().join("logs").join("commandpost.log")).unwrap();
    assert!(log.contains("start"), "{log}");
    cp(d.path())
        .args(["-v", "list"])
        .assert()
        .success()
        .stderr(predicate::str::contains("INFO"));
}

#[test]
fn show_and_export_take_the_incident_id_as_an_argument() {
    let d = tempfile::tempdir().unwrap();
    let first = new_incident(d.path());
    let out = cp(d.path())
        .args(["new", "Second incident"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let second = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_ne!(first, second);
    // The id written after `show` picks that incident, not the current (newest) one.
    cp(d.path())
        .args(["show", &first])
        .assert()
        .success()
        .stdout(predicate::str::contains("Elevated API errors"))
        .stdout(predicate::str::contains("Second incident").not());
    let json = cp(d.path())
        .args(["show", &first, "--json"])
        .output()
        .unwrap();
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["id"], first.as_str(), "{v}");
    cp(d.path())
        .args(["export", &first])
        .assert()
        .success()
        .stdout(predicate::str::contains("Elevated API errors"));
    // The same id twice is fine; two different ones are refused, in one line.
    cp(d.path())
        .args(["--incident", &first, "show", &first])
        .assert()
        .success();
    one_line_error(
        &["--incident", &second, "show", &first],
        d.path(),
        "two incidents given",
    );
    one_line_error(&["show", "INC-nope"], d.path(), "no incident \"INC-nope\"");
}

#[test]
fn a_handoff_to_someone_on_a_break_says_so_after_it() {
    let d = tempfile::tempdir().unwrap();
    new_incident(d.path());
    cp(d.path()).args(["join", "Bob"]).assert().success();
    cp(d.path())
        .args(["handoff", "comms", "Bob"])
        .assert()
        .success()
        .stderr(predicate::str::contains("on a break").not());
    cp(d.path()).args(["break", "Bob"]).assert().success();
    cp(d.path())
        .args(["handoff", "comms", "alice"])
        .assert()
        .success();
    // Done, then said: the cockpit asks first; the command line tells after.
    cp(d.path())
        .args(["handoff", "comms", "Bob"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@all: Comms -> Bob"))
        .stderr(predicate::str::contains(
            "commandpost: note: Bob is on a break.",
        ));
}
