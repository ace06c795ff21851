//! Headless writing desk end to end: `sitrep send|show|log`, `status post`, `lint`, in temp dirs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use predicates::prelude::*;
use std::path::{Path, PathBuf};

mod cli_common;
use cli_common::cp;

fn run(data: &Path, args: &[&str]) -> String {
    let out = cp(data).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// An incident with IC alice, Comms Keiko, two responders in the database group and a link.
fn incident(data: &Path) -> String {
    let id = run(data, &["new", "Elevated API errors"])
        .trim()
        .to_string();
    run(data, &["handoff", "comms", "Keiko"]);
    run(data, &["join", "Noah", "--group", "database"]);
    run(data, &["join", "渡辺 健", "--group", "database"]);
    run(
        data,
        &["impact", "EU customers see errors on 30% of requests"],
    );
    run(data, &["hypothesis", "add", "bad deploy of the gateway"]);
    run(
        data,
        &["link", "Status page", "https://status.example.com/i/1"],
    );
    id
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn journal(data: &Path, id: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(data.join("incidents").join(id).join("journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of_type<'a>(events: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

fn outbox(data: &Path, id: &str) -> String {
    std::fs::read_to_string(data.join("incidents").join(id).join("outbox.md")).unwrap()
}

#[test]
#[expect(
    clippy::cognitive_complexity,
    reason = "one end-to-end scenario, step by step"
)]
fn send_twice_then_log_show_and_diff() {
    let d = tempfile::tempdir().unwrap();
    let id = incident(d.path());
    let f1 = write(
        d.path(),
        "s1.toml",
        r#"summary = "API gateway errors in the EU, we're on it."
actions = "Rolling back the gateway to 2.3.0."

[[links]]
label = "Vendor ticket"
url = "https://vendor.example/t/42"
"#,
    );
    cp(d.path())
        .args(["sitrep", "send", "--file"])
        .arg(&f1)
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("API gateway errors in the EU, we're on it.\n")
                .and(predicate::str::contains(
                    "Impact: EU customers see errors on 30% of requests",
                ))
                .and(predicate::str::contains(
                    "Open issues:\n- Open question: bad deploy of the gateway",
                ))
                .and(predicate::str::contains(
                    "Vendor ticket: https://vendor.example/t/42",
                ))
                .and(predicate::str::contains(
                    "IC: alice\nComms: Keiko\nResponders: Noah, 渡辺 健",
                ))
                .and(predicate::str::contains("sitrep v1 sent")),
        );
    // The second one from stdin; fields it leaves out come from v1.
    cp(d.path())
        .args(["sitrep", "send", "--file", "-"])
        .write_stdin("summary = \"Gateway rolled back; error rate falling.\"\nneeds = \"\"\n")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Gateway rolled back; error rate falling.")
                .and(predicate::str::contains(
                    "Actions: Rolling back the gateway to 2.3.0.",
                ))
                .and(predicate::str::contains("Open issues").not())
                .and(predicate::str::contains("sitrep v2 sent")),
        );

    let events = journal(d.path(), &id);
    let sent = of_type(&events, "sitrep_sent");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["data"]["version"], 1);
    assert_eq!(sent[1]["data"]["version"], 2);
    assert_eq!(sent[1]["actor"], "alice");
    assert_eq!(sent[1]["data"]["ic"], "alice");
    assert_eq!(sent[1]["data"]["comms"], "Keiko");
    assert_eq!(sent[1]["data"]["groups"], serde_json::json!(["database"]));
    assert_eq!(
        sent[1]["data"]["responders"],
        serde_json::json!(["Noah", "渡辺 健"])
    );
    assert!(
        sent[1]["data"]["rendered"]
            .as_str()
            .unwrap()
            .starts_with("Gateway rolled back")
    );

    let ob = outbox(d.path(), &id);
    // Delivered through the default file backend, in order.
    let v1 = ob.find("Sitrep v1").expect("v1 delivered");
    let v2 = ob.find("Sitrep v2").expect("v2 delivered");
    assert!(v1 < v2, "{ob}");
    assert!(ob[v1..v2].contains("API gateway errors"), "{ob}");
    assert!(ob[v2..].contains("Gateway rolled back"), "{ob}");

    let log = run(d.path(), &["sitrep", "log"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].starts_with("v1 ") && lines[0].contains("alice"),
        "{log}"
    );
    assert!(lines[0].ends_with("API gateway errors in the EU, we're on it."));
    assert!(
        lines[1].starts_with("v2 ") && lines[1].contains("UTC"),
        "{log}"
    );

    let show = run(d.path(), &["sitrep", "show"]);
    assert!(
        show.starts_with("sitrep v2 · ") && show.contains("by alice"),
        "{show}"
    );
    assert!(show.contains("groups: database"));
    let v1 = run(d.path(), &["sitrep", "show", "--version", "1"]);
    assert!(v1.contains("API gateway errors in the EU"), "{v1}");

    let diff = run(d.path(), &["sitrep", "show", "--diff"]);
    assert!(diff.starts_with("sitrep v2 ("), "{diff}");
    assert!(diff.contains("against v1"), "{diff}");
    assert!(
        diff.contains("\n- API gateway errors in the EU, we're on it.\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+ Gateway rolled back; error rate falling.\n"),
        "{diff}"
    );
    assert!(diff.contains("\n  IC: alice\n"), "{diff}");
    assert!(diff.contains("\n- - Open question: bad deploy"), "{diff}");

    let first = run(d.path(), &["sitrep", "show", "--version", "1", "--diff"]);
    assert!(first.contains("against nothing"), "{first}");
    cp(d.path())
        .args(["sitrep", "show", "--version", "9"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no sitrep v9").and(predicate::str::contains("v2")));
}

#[test]
fn send_without_a_file_uses_the_prefill() {
    let d = tempfile::tempdir().unwrap();
    incident(d.path());
    cp(d.path())
        .args(["sitrep", "send"])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("Elevated API errors\n")
                .and(predicate::str::contains(
                    "Status page: https://status.example.com/i/1",
                ))
                .and(predicate::str::contains("sitrep v1 sent")),
        );
}

#[test]
fn log_and_show_before_any_sitrep() {
    let d = tempfile::tempdir().unwrap();
    incident(d.path());
    cp(d.path())
        .args(["sitrep", "log"])
        .assert()
        .success()
        .stdout(predicate::str::contains("No sitrep sent yet"));
    cp(d.path())
        .args(["sitrep", "show"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no sitrep has been sent"));
}

#[test]
fn bad_sitrep_files_are_reported_with_their_location_and_nothing_is_journaled() {
    let d = tempfile::tempdir().unwrap();
    let id = incident(d.path());
    let before = journal(d.path(), &id).len();
    let unknown = write(
        d.path(),
        "unknown.toml",
        "summary = \"ok\"\n\n[[links]]\nlabel = \"x\"\nurl = \"https://x.example\"\ntitle = \"no\"\n",
    );
    let p = unknown.display().to_string();
    cp(d.path())
        .args(["sitrep", "send", "--file", &p])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains(format!("{p}:6:1: unknown field `title`"))
                .and(predicate::str::contains("expected `label` or `url`")),
        );
    cp(d.path())
        .args(["sitrep", "send", "--file", "-"])
        .write_stdin("summary = \"ok\"\nsumary = \"typo\"\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "<stdin>:2:1: unknown field `sumary`",
        ));
    cp(d.path())
        .args(["sitrep", "send", "--file", "-"])
        .write_stdin("summary = \"unterminated\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("<stdin>:1:"));
    cp(d.path())
        .args(["sitrep", "send", "--file", "-"])
        .write_stdin("summary = 3\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("<stdin>:1:11: invalid type"));
    cp(d.path())
        .args(["sitrep", "send", "--file", "-"])
        .write_stdin(
            "summary = \"ok\"\n[[links]]\nlabel = \"a\"\nurl = \"https://a.example\"\n\
             [[links]]\nlabel = \"b\"\nurl = \"javascript:alert(1)\"\n",
        )
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("<stdin>:5:1: link 2:")
                .and(predicate::str::contains("is not an http(s) URL")),
        );
    cp(d.path())
        .args(["sitrep", "send", "--file", "-"])
        .write_stdin("summary = \"  \"\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("needs a summary"));
    cp(d.path())
        .args(["sitrep", "send", "--file", "/nonexistent/s.toml"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("/nonexistent/s.toml:"));
    assert_eq!(journal(d.path(), &id).len(), before);
}

#[test]
fn status_post_prints_warnings_but_posts() {
    let d = tempfile::tempdir().unwrap();
    let id = incident(d.path());
    let f = write(
        d.path(),
        "st.toml",
        r#"message = "Some API requests fail. It should be fixed within the hour."
components = { API = "partial outage", "Web dashboard" = "Degraded Performance" }
next_update = "45m"
"#,
    );
    cp(d.path())
        .args(["status", "post", "--stage", "investigating", "--file"])
        .arg(&f)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("warning: message:1:")
                .and(predicate::str::contains(": eta: "))
                .and(predicate::str::contains(
                    "\"should be fixed within the hour\"",
                ))
                .and(predicate::str::contains("warning: missing-workaround: ")),
        )
        .stdout(
            predicate::str::starts_with("Investigating: Some API requests fail.")
                .and(predicate::str::contains("- API: Partial outage"))
                .and(predicate::str::contains(
                    "- Web dashboard: Degraded performance",
                ))
                .and(predicate::str::contains("Next update in 45 minutes"))
                .and(predicate::str::contains(
                    "status update posted (investigating)",
                )),
        );
    let events = journal(d.path(), &id);
    let posted = of_type(&events, "status_posted");
    assert_eq!(posted.len(), 1);
    let data = &posted[0]["data"]["fields"];
    assert_eq!(data["stage"], "investigating");
    assert_eq!(
        data["components"],
        serde_json::json!([
            ["API", "partial_outage"],
            ["Web dashboard", "degraded_performance"]
        ])
    );
    let ts: jiff::Timestamp = posted[0]["ts"].as_str().unwrap().parse().unwrap();
    let next: jiff::Timestamp = data["next_update_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next.duration_since(ts).as_secs(), 45 * 60);
    assert!(outbox(d.path(), &id).contains("Status update: Investigating"));

    // A clean update: no warnings; components carried over; next update from the cadence (20m).
    cp(d.path())
        .args(["status", "post", "--stage", "identified", "--file", "-"])
        .write_stdin(
            "message = \"We found a faulty gateway node and removed it.\"\n\
             workaround = \"Retry failed requests.\"\n",
        )
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not())
        .stdout(predicate::str::contains("- API: Partial outage"));
    let events = journal(d.path(), &id);
    let second = of_type(&events, "status_posted")[1];
    let ts: jiff::Timestamp = second["ts"].as_str().unwrap().parse().unwrap();
    let next: jiff::Timestamp = second["data"]["fields"]["next_update_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(next.duration_since(ts).as_secs(), 20 * 60);

    // Resolved: no workaround needed, no next update promised.
    cp(d.path())
        .args(["status", "post", "--stage", "resolved", "--file", "-"])
        .write_stdin("message = \"All API requests succeed again.\"\ncomponents = { API = \"operational\" }\n")
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").not())
        .stdout(predicate::str::contains("Next update").not());
}

#[test]
fn bad_status_input_is_located_and_refused() {
    let d = tempfile::tempdir().unwrap();
    let id = incident(d.path());
    let before = journal(d.path(), &id).len();
    let post = |stage: &str, stdin: &str| {
        cp(d.path())
            .args(["status", "post", "--stage", stage, "--file", "-"])
            .write_stdin(stdin.to_string())
            .assert()
            .failure()
    };
    post(
        "identified",
        "message = \"x\"\ncomponents = { API = \"kaput\" }\n",
    )
    .stderr(
        predicate::str::contains("<stdin>:2:22: component \"API\": unknown component status")
            .and(predicate::str::contains("degraded performance")),
    );
    post("identified", "message = \"x\"\nnext_update = \"soon\"\n").stderr(
        predicate::str::contains("<stdin>:2:15: next_update: invalid duration"),
    );
    post("identified", "message = \"x\"\neta = \"5pm\"\n")
        .stderr(predicate::str::contains("<stdin>:2:1: unknown field `eta`"));
    post("identified", "workaround = \"retry\"\n")
        .stderr(predicate::str::contains("needs a message"));
    post("fixed", "message = \"x\"\n").stderr(predicate::str::contains("--stage: unknown stage"));
    cp(d.path())
        .args(["status", "post", "--stage", "identified"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--file"));
    assert_eq!(journal(d.path(), &id).len(), before);
}

#[test]
fn lint_exit_codes_text_and_json() {
    let d = tempfile::tempdir().unwrap();
    cp(d.path())
        .arg("lint")
        .write_stdin("We have no ETA yet. Next update in 30 minutes.\n")
        .assert()
        .code(0)
        .stdout("")
        .stderr("");
    cp(d.path())
        .arg("lint")
        .write_stdin("Errors on checkout.\nWe expect this to be fixed in 30 minutes.\n")
        .assert()
        .code(1)
        .stdout(
            predicate::str::starts_with("2:4: eta: ").and(predicate::str::contains(
                ": \"expect this to be fixed in 30 minutes\"",
            )),
        )
        .stderr("");
    // The missing-workaround rule is for status updates only.
    let f = write(
        d.path(),
        "t.txt",
        "The root cause is a bug in the load balancer.",
    );
    let out = cp(d.path())
        .args(["lint", "--json", "--file"])
        .arg(&f)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let list = v.as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|w| w["rule"] != "missing-workaround"));
    assert_eq!(list[0]["rule"], "root-cause");
    assert_eq!(
        (list[0]["line"].as_u64(), list[0]["col"].as_u64()),
        (Some(1), Some(5))
    );
    assert!(list[0]["reason"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(
        list[0]["excerpt"]
            .as_str()
            .unwrap()
            .starts_with("root cause is")
    );
    cp(d.path())
        .args(["lint", "--json", "--file", "-"])
        .write_stdin("All good.")
        .assert()
        .code(0)
        .stdout(predicate::str::diff("[]\n"));
    cp(d.path())
        .args(["lint", "--file", "/nonexistent/x.txt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/nonexistent/x.txt"));
}

#[test]
fn config_picks_templates_and_lint_rules() {
    let d = tempfile::tempdir().unwrap();
    incident(d.path());
    let cfg = write(
        d.path(),
        "config.toml",
        "[templates]\nsitrep = \"can\"\n\n[lint]\ndisable = [\"eta\"]\n",
    );
    cp(d.path())
        .arg("--config")
        .arg(&cfg)
        .args(["sitrep", "send"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "CONDITIONS\nElevated API errors\n",
        ));
    cp(d.path())
        .arg("--config")
        .arg(&cfg)
        .arg("lint")
        .write_stdin("This will be fixed in 30 minutes.")
        .assert()
        .code(0);

    // A custom template file with a mistake: the error names the file and the line.
    let tmpl = write(
        d.path(),
        "mine.j2",
        "{{ summary }}\n{{ incident.nope.deeper }}\n",
    );
    let cfg2 = write(
        d.path(),
        "config2.toml",
        &format!("[templates]\nsitrep = {:?}\n", tmpl.display().to_string()),
    );
    cp(d.path())
        .arg("--config")
        .arg(&cfg2)
        .args(["sitrep", "send"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "template {} line 2:",
            tmpl.display()
        )));
}

#[test]
fn config_check_reports_template_and_lint_problems_with_location() {
    let d = tempfile::tempdir().unwrap();
    let broken = write(d.path(), "broken.j2", "{{ summary }}\n{% if %}\n");
    let cfg = write(
        d.path(),
        "config.toml",
        &format!(
            "[templates]\nsitrep = \"fancy\"\nstatus = {:?}\n\n[lint]\ndisable = [\"eta\", \"nope\"]\n\n\
             [[lint.rules]]\nid = \"mine\"\nreason = \"r\"\npatterns = [\"(unclosed\"]\n",
            broken.display().to_string()
        ),
    );
    let p = cfg.display().to_string();
    cp(d.path())
        .arg("--config")
        .arg(&cfg)
        .args(["config", "check"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains(format!(
                "{p}:2:10: error: templates.sitrep: unknown built-in sitrep template \"fancy\""
            ))
            .and(predicate::str::contains(format!(
                "{p}:3:10: warning: templates.status: template {} line 2:",
                broken.display()
            )))
            .and(predicate::str::contains(format!(
                "{p}:6:19: error: lint.disable[1]"
            )))
            .and(predicate::str::contains("unknown lint rule `nope`")),
        );
}
