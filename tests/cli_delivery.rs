//! Headless commands deliver through configured backends before exiting
//! (real HTTP servers on 127.0.0.1), keep what fails queued, and `outbox
//! flush` delivers it later exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use predicates::prelude::*;
use std::path::Path;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn cp(data: &Path, cfg: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("commandpost").unwrap();
    c.env("COMMANDPOST_DATA_DIR", data)
        .env("COMMANDPOST_CONFIG", cfg)
        .env("HOME", data)
        .env("USER", "alice");
    c
}

async fn run(c: assert_cmd::Command) -> assert_cmd::assert::Assert {
    let mut c = c;
    tokio::task::spawn_blocking(move || c.assert())
        .await
        .unwrap()
}

fn write_cfg(dir: &Path, body: &str) -> std::path::PathBuf {
    let p = dir.join("config.toml");
    std::fs::write(&p, body).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn announcement_reaches_slack_once_and_is_journaled() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let d = tempfile::tempdir().unwrap();
    slack_cfg(&d, &server).await;
    let cfg = d.path().join("config.toml");
    run({
        let mut c = cp(d.path(), &cfg);
        c.args(["new", "API errors"]);
        c
    })
    .await
    .success();
    run({
        let mut c = cp(d.path(), &cfg);
        c.args(["state", "confirmed"]);
        c
    })
    .await
    .success()
    .stderr(predicate::str::contains("room").and(predicate::str::contains("delivered")));

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "exactly one post");
    let body: serde_json::Value = serde_json::from_slice(&reqs[0].body).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains("<!channel>") && text.contains("Incident Confirmed"),
        "{text}"
    );
    // The secret URL is not in the journal.
    let id = std::fs::read_dir(d.path().join("incidents"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let journal = std::fs::read_to_string(id.join("journal.jsonl")).unwrap();
    assert!(
        !journal.contains(&server.uri()),
        "no webhook URL in the journal"
    );
    assert!(journal.contains(r#""type":"outbox""#));
}

/// The webhook URL is a secret: configured through a file: reference.
async fn slack_cfg(d: &tempfile::TempDir, server: &MockServer) {
    let secret = d.path().join("slack-url");
    std::fs::write(&secret, format!("{}/hook", server.uri())).unwrap();
    write_cfg(
        d.path(),
        &format!(
            "[[backends]]\nname = \"room\"\nkind = \"slack\"\nurl = \"file:{}\"\nsends = [\"announcement\", \"sitrep\"]\n",
            secret.display()
        ),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_backend_stays_queued_then_flush_delivers_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let d = tempfile::tempdir().unwrap();
    slack_cfg(&d, &server).await;
    let cfg = d.path().join("config.toml");
    run({
        let mut c = cp(d.path(), &cfg);
        c.args(["new", "API errors"]);
        c
    })
    .await
    .success();
    run({
        let mut c = cp(d.path(), &cfg);
        c.args(["--wait", "1s", "handoff", "comms", "Keiko"]);
        c
    })
    .await
    .success()
    .stderr(predicate::str::contains("still queued"));
    let out = {
        let mut c = cp(d.path(), &cfg);
        c.args(["outbox", "--json"]);
        tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap()
    };
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_ne!(rows[0]["status"], "delivered", "{rows}");

    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    run({
        let mut c = cp(d.path(), &cfg);
        c.args(["outbox", "flush"]);
        c
    })
    .await
    .success();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "delivered exactly once after the flush");
    run({
        let mut c = cp(d.path(), &cfg);
        c.args(["outbox", "flush"]);
        c
    })
    .await
    .success();
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "nothing sent twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn page_triggers_and_resolving_resolves_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/enqueue"))
        .respond_with(ResponseTemplate::new(202).set_body_string(r#"{"status":"success"}"#))
        .mount(&server)
        .await;
    let d = tempfile::tempdir().unwrap();
    let cfg = write_cfg(
        d.path(),
        &format!(
            "[[backends]]\nname = \"pd\"\nkind = \"pagerduty\"\nrouting_key = \"env:CP_TEST_PD_KEY\"\nevents_url = \"{}\"\n",
            server.uri()
        ),
    );
    let with_key = |mut c: assert_cmd::Command| {
        c.env("CP_TEST_PD_KEY", "R0UT1NGKEY0000000000000000000000");
        c
    };
    let id = {
        let mut c = with_key(cp(d.path(), &cfg));
        c.args(["new", "DB down"]);
        let out = tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    run({
        let mut c = with_key(cp(d.path(), &cfg));
        c.args(["page", "primary database unreachable"]);
        c
    })
    .await
    .success();
    run({
        let mut c = with_key(cp(d.path(), &cfg));
        c.args(["state", "resolved"]);
        c
    })
    .await
    .success();
    let reqs = server.received_requests().await.unwrap();
    let bodies: Vec<serde_json::Value> = reqs
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let actions: Vec<&str> = bodies
        .iter()
        .map(|b| b["event_action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(actions, ["trigger", "resolve"], "{bodies:?}");
    assert!(bodies.iter().all(|b| b["dedup_key"] == id.as_str()));
    assert!(
        bodies[0]["payload"]["summary"]
            .as_str()
            .unwrap()
            .contains("primary database unreachable")
    );
}

#[test]
fn backends_list_and_test_use_the_default_file_backend() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write_cfg(d.path(), "");
    cp(d.path(), &cfg)
        .arg("backends")
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("outbox-file"));
    cp(d.path(), &cfg).args(["new", "x"]).assert().success();
    cp(d.path(), &cfg)
        .args(["backends", "test"])
        .assert()
        .success()
        .stderr(predicate::str::contains("delivered"));
    cp(d.path(), &cfg)
        .args(["backends", "test", "nope"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no backend named"));
    cp(d.path(), &cfg)
        .args(["--wait", "soon", "list"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--wait"));
}

/// Issue 16: PagerDuty documents its endpoint as the full URL; pasted as such, `page` reached
/// `.../v2/enqueue/v2/enqueue` and every page failed.
#[tokio::test(flavor = "multi_thread")]
async fn page_reaches_pagerduty_with_events_url_pasted_as_the_documented_full_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/enqueue"))
        .respond_with(ResponseTemplate::new(202).set_body_string(r#"{"status":"success"}"#))
        .mount(&server)
        .await;
    let d = tempfile::tempdir().unwrap();
    let cfg = write_cfg(
        d.path(),
        &format!(
            "[[backends]]\nname = \"pd\"\nkind = \"pagerduty\"\nrouting_key = \"env:CP_TEST_PD_KEY\"\nevents_url = \"{}/v2/enqueue\"\n",
            server.uri()
        ),
    );
    let with_key = |mut c: assert_cmd::Command| {
        c.env("CP_TEST_PD_KEY", "R0UT1NGKEY0000000000000000000000");
        c
    };
    run(with_key({
        let mut c = cp(d.path(), &cfg);
        c.args(["new", "DB down"]);
        c
    }))
    .await
    .success();
    run(with_key({
        let mut c = cp(d.path(), &cfg);
        c.args(["page", "primary database unreachable"]);
        c
    }))
    .await
    .success()
    .stderr(predicate::str::contains("delivered"));
    let reqs = server.received_requests().await.unwrap();
    let paths: Vec<&str> = reqs.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/v2/enqueue"]);
}

/// `config check` says what each pasted URL was understood as (on stdout, as notes), checks
/// each backend entry against its kind, and never prints a secret URL.
#[test]
fn config_check_says_what_each_pasted_url_is_understood_as() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write_cfg(
        d.path(),
        "[[backends]]\nname = \"pd\"\nkind = \"pagerduty\"\nrouting_key = \"env:CP_TEST_PD_KEY\"\n\
         events_url = \"https://events.eu.pagerduty.com/v2/enqueue\"\n\
         [[backends]]\nname = \"pd-base\"\nkind = \"pagerduty\"\nrouting_key = \"env:CP_TEST_PD_KEY\"\n\
         events_url = \"https://events.pagerduty.com\"\n\
         [[backends]]\nname = \"sp\"\nkind = \"statuspage\"\npage_id = \"pg1\"\napi_key = \"env:CP_TEST_PD_KEY\"\n\
         api_base = \"https://api.statuspage.io\"\n\
         [[backends]]\nname = \"mx\"\nkind = \"matrix\"\nhomeserver = \"https://matrix.example.org/_matrix/client/v3\"\n\
         room = \"https://matrix.to/#/%23ops:example.org\"\naccess_token = \"env:CP_TEST_PD_KEY\"\n\
         [[backends]]\nname = \"ntfy\"\nkind = \"ntfy\"\nurl = \"env:CP_TEST_NTFY\"\n",
    );
    let p = cfg.display().to_string();
    let out = cp(d.path(), &cfg)
        .env("CP_TEST_PD_KEY", "R0UT1NGKEY0000000000000000000000")
        .env("CP_TEST_NTFY", "ntfy.sh/s3cret-topic/json")
        .args(["config", "check"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for want in [
        format!(
            "{p}:5:14: note: backends[0].events_url: the full endpoint URL: pages go to \
             https://events.eu.pagerduty.com/v2/enqueue"
        ),
        format!(
            "{p}:10:14: note: backends[1].events_url: the base URL: pages go to \
             https://events.pagerduty.com/v2/enqueue"
        ),
        format!(
            "{p}:16:12: note: backends[2].api_base: the API base, API version /v1 added: \
             incidents go to https://api.statuspage.io/v1/pages/pg1/incidents"
        ),
        format!("{p}:20:14: note: backends[3].homeserver: the homeserver URL (the /_matrix/"),
        format!("{p}:21:8: note: backends[3].room: a matrix.to link to the alias #ops:example.org"),
        format!(
            "{p}:26:7: note: backends[4].url: a topic URL: messages are published to its topic \
             (https:// assumed, the /json suffix dropped)"
        ),
    ] {
        assert!(stdout.contains(&want), "missing {want:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"));

    // A missing required key, a typo'd key and a refused URL are errors with their line.
    let cfg = write_cfg(
        d.path(),
        "[[backends]]\nname = \"pd\"\nkind = \"pagerduty\"\nevnts_url = \"https://events.pagerduty.com\"\n\
         [[backends]]\nname = \"pd2\"\nkind = \"pagerduty\"\nrouting_key = \"env:CP_TEST_PD_KEY\"\n\
         events_url = \"https://api.pagerduty.com\"\n",
    );
    let out = cp(d.path(), &cfg)
        .env("CP_TEST_PD_KEY", "R0UT1NGKEY0000000000000000000000")
        .args(["config", "check"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for want in [
        format!("{p}:4:13: error: backends[0].evnts_url: unknown key (did you mean `events_url`?)"),
        format!("{p}:1:1: error: backends[0].routing_key: required for kind pagerduty"),
        format!("{p}:9:14: error: backends[1].events_url: is PagerDuty's REST API"),
    ] {
        assert!(stderr.contains(&want), "missing {want:?} in:\n{stderr}");
    }
}
