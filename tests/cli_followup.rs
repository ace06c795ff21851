//! Headless follow-up commands: warm hand-off with acknowledgement, rotation,
//! cleanup after resolving, remediation, post-mortem and report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use predicates::prelude::*;

mod cli_common;
use cli_common::cp;

#[test]
fn handoff_waits_for_acknowledgement_when_configured() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("c.toml");
    std::fs::write(&cfg, "[handoff]\nrequire_ack = true\n").unwrap();
    let c = cfg.to_str().unwrap();
    cp(d.path())
        .args(["--config", c, "new", "DB down"])
        .assert()
        .success();
    cp(d.path())
        .args(["--config", c, "handoff", "ic", "Ricardo"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Hand-off brief")
                .and(predicate::str::contains("waiting for Ricardo")),
        )
        .stdout(predicate::str::contains("@all: IC -> Ricardo").not());
    let show = cp(d.path())
        .args(["--config", c, "show", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(
        v["roles"]["ic"]["name"], "alice",
        "the outgoing IC keeps command until the ack"
    );
    cp(d.path())
        .args(["--config", c, "--as", "Bob", "ack"])
        .assert()
        .failure();
    cp(d.path())
        .args(["--config", c, "--as", "Ricardo", "ack"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@all: IC -> Ricardo"));
    let show = cp(d.path())
        .args(["--config", c, "show", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["roles"]["ic"]["name"], "Ricardo");
    // The announcement carries the brief as its body (default file backend).
    let inc_dir = std::fs::read_dir(d.path().join("incidents"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let outbox = std::fs::read_to_string(inc_dir.join("outbox.md")).unwrap();
    let at = outbox.find("@all: IC -> Ricardo").expect("announced");
    assert!(outbox[at..].contains("Hand-off brief"), "{outbox}");
}

#[test]
fn rotation_explains_the_proposal() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("c.toml");
    std::fs::write(&cfg, "[[people]]\nname = \"Keiko\"\n").unwrap();
    let c = cfg.to_str().unwrap();
    cp(d.path())
        .args(["--config", c, "new", "DB down"])
        .assert()
        .success();
    cp(d.path())
        .args(["--config", c, "rotation"])
        .assert()
        .success()
        .stdout(predicate::str::contains("IC: alice").and(predicate::str::contains("Keiko")));
}

#[test]
fn resolve_cleanup_remediation_postmortem_report() {
    let d = tempfile::tempdir().unwrap();
    cp(d.path())
        .args(["new", "Elevated API errors"])
        .assert()
        .success();
    cp(d.path()).args(["state", "confirmed"]).assert().success();
    cp(d.path())
        .args(["handoff", "ic", "Ricardo"])
        .assert()
        .success();
    cp(d.path()).args(["state", "resolved"]).assert().success();
    cp(d.path())
        .args(["cleanup", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("[ ] 1. Silenced alerts restored")
                .and(predicate::str::contains("open")),
        );
    cp(d.path())
        .args(["cleanup", "done", "1"])
        .assert()
        .success();
    cp(d.path())
        .args([
            "cleanup",
            "skip",
            "2",
            "--reason",
            "no maintenance mode was used",
        ])
        .assert()
        .success();
    cp(d.path())
        .args(["cleanup", "skip", "3"])
        .assert()
        .failure();
    cp(d.path())
        .args(["cleanup", "done", "All monitors green"])
        .assert()
        .success();
    cp(d.path())
        .args(["cleanup", "done", "4", "--note", "PD incident resolved"])
        .assert()
        .success();
    cp(d.path())
        .args(["cleanup", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("closed")
                .and(predicate::str::contains("[-] skipped: no maintenance mode")),
        );

    cp(d.path())
        .args([
            "remediation",
            "add",
            "Alert on replication lag",
            "--owner",
            "Keiko",
        ])
        .assert()
        .success();
    cp(d.path())
        .args(["remediation", "add", "Runbook for failover"])
        .assert()
        .success();
    cp(d.path())
        .args(["remediation", "done", "1"])
        .assert()
        .success();
    cp(d.path())
        .args(["remediation", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Runbook for failover")
                .and(predicate::str::contains("replication lag").not()),
        );

    cp(d.path())
        .args(["postmortem"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Elevated API errors")
                .and(predicate::str::contains("Ricardo")),
        )
        .stdout(predicate::str::contains("Alert on replication lag"));
    let pm = cp(d.path())
        .args(["postmortem", "--format", "json"])
        .output()
        .unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&pm.stdout).is_ok());
    cp(d.path())
        .args(["postmortem", "--tz", "Mars/Olympus"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--tz"));

    let r = cp(d.path()).args(["report", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["incidents"], 1);
    cp(d.path())
        .args(["report", "--since", "7d"])
        .assert()
        .success();
    cp(d.path())
        .args(["report", "--since", "soon"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--since"));
}
