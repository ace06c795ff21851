//! The durable outbox against wiremock on 127.0.0.1 and a real journal in a temp dir:
//! queued before the first attempt, attempts and outcomes journaled, independent backends,
//! deadlines, restart, two writers, and a process killed with SIGKILL mid-delivery.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod delivery_common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use commandpost::delivery::outbox::{DeliveryStatus, Outbox};
use commandpost::delivery::{Backend, BackendKind};
use commandpost::domain::event::{Event, Payload};
use commandpost::domain::outbound::{AttemptResult, OutboundMessage, OutboxEvent};
use commandpost::journal::Journal;
use delivery_common::*;
use jiff::Timestamp;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const INCIDENT: &str = "INC-20261121-1527";

fn new_journal(dir: &Path) -> PathBuf {
    let path = dir.join("incidents").join(INCIDENT).join("journal.jsonl");
    Journal::create(
        &path,
        "ic",
        Timestamp::now(),
        Payload::IncidentOpened {
            id: INCIDENT.into(),
            title: "Elevated API errors".into(),
            ic: "Alice".into(),
        },
    )
    .unwrap();
    path
}

fn unsent(mut m: OutboundMessage) -> OutboundMessage {
    m.id = String::new(); // derived from the queued event's seq
    m
}

fn outbox_events(path: &Path) -> Vec<(u64, OutboxEvent)> {
    let (events, torn) = Journal::read(path).unwrap();
    assert!(!torn);
    events
        .into_iter()
        .filter_map(|e: Event| match e.payload {
            Payload::Outbox(o) => Some((e.seq, o)),
            _ => None,
        })
        .collect()
}

fn open(path: &Path, backends: Vec<Arc<dyn Backend>>) -> Outbox {
    Outbox::open(path, backends, "ic")
        .unwrap()
        .with_policy(fast_policy())
}

fn deadline(d: Duration) -> Option<tokio::time::Instant> {
    Some(tokio::time::Instant::now() + d)
}

async fn ok_server() -> MockServer {
    let s = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"event_id": "$e1", "id": "1"})),
        )
        .mount(&s)
        .await;
    s
}

#[tokio::test]
async fn queued_before_the_first_attempt_then_delivered_once_per_backend() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_journal(dir.path());
    let slack = ok_server().await;
    let matrix = ok_server().await;
    let file_cfg = commandpost::delivery::BackendConfig::default_file(dir.path());
    let backends = vec![
        build(&http_config(
            BackendKind::Slack,
            "incident-room",
            &slack.uri(),
        )),
        build(&http_config(BackendKind::Matrix, "matrix", &matrix.uri())),
        build(&file_cfg),
        // A pager: does not send sitreps, so it is not queued for one.
        build(&http_config(BackendKind::Pagerduty, "pd", &slack.uri())),
    ];
    let ob = open(&path, backends);
    let queued = ob.queue(unsent(sitrep())).unwrap();
    assert_eq!(
        queued.id,
        format!("{INCIDENT}.m2"),
        "incident id + the queued event's seq"
    );
    let report = ob.run(deadline(Duration::from_secs(10))).await.unwrap();
    assert!(report.all_done(), "{report:?}");
    assert_eq!(report.rows.len(), 3);
    assert!(report.problems.is_empty());
    let text = report.text(Timestamp::now());
    assert!(
        text.contains("incident-room  sitrep \"Sitrep v3\": delivered"),
        "{text}"
    );

    assert_eq!(slack.received_requests().await.unwrap().len(), 1);
    assert_eq!(matrix.received_requests().await.unwrap().len(), 1);
    let md = std::fs::read_to_string(
        dir.path()
            .join("incidents")
            .join(INCIDENT)
            .join("outbox.md"),
    )
    .unwrap();
    assert_eq!(
        md.matches(&format!("<!-- commandpost:{INCIDENT}.m2 -->"))
            .count(),
        1
    );

    // The journal: queued first, then per backend an attempt before its outcome.
    let evs = outbox_events(&path);
    let OutboxEvent::Queued { backends, message } = &evs[0].1 else {
        panic!("{evs:?}")
    };
    assert_eq!(backends, &["incident-room", "matrix", "outbox-file"]);
    assert_eq!(message.id, "", "the id is derived, not stored");
    for b in ["incident-room", "matrix", "outbox-file"] {
        let mine: Vec<&OutboxEvent> = evs
            .iter()
            .map(|(_, e)| e)
            .filter(|e| matches!(e, OutboxEvent::Attempt { backend, .. } | OutboxEvent::Outcome { backend, .. } if backend == b))
            .collect();
        assert_eq!(mine.len(), 2, "{b}: {mine:?}");
        assert!(matches!(mine[0], OutboxEvent::Attempt { attempt: 1, .. }));
        assert!(matches!(
            mine[1],
            OutboxEvent::Outcome {
                result: AttemptResult::Delivered { .. },
                ..
            }
        ));
    }
    // Nothing is left: a second run does nothing.
    let again = ob.run(deadline(Duration::from_secs(5))).await.unwrap();
    assert!(again.rows.is_empty());
    assert_eq!(slack.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_hanging_backend_never_delays_another_and_stays_queued_at_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_journal(dir.path());
    let fast = ok_server().await;
    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&slow)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&slow)
        .await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let ob = Outbox::open(
        &path,
        vec![
            build(&http_config(BackendKind::Webhook, "slow-hook", &slow.uri())),
            build(&http_config(BackendKind::Slack, "fast", &fast.uri())),
        ],
        "ic",
    )
    .unwrap()
    .with_policy(fast_policy())
    .with_notify(tx);
    let t = Instant::now();
    let msg = ob.queue(unsent(sitrep())).unwrap();
    let run = tokio::spawn({
        let ob = ob.clone();
        async move { ob.run(deadline(Duration::from_millis(1500))).await.unwrap() }
    });
    // The fast backend's outcome arrives long before the slow one's timeout or the deadline.
    let fast_done = loop {
        let e = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if let Payload::Outbox(OutboxEvent::Outcome {
            backend,
            result: AttemptResult::Delivered { .. },
            ..
        }) = &e.payload
            && backend == "fast"
        {
            break t.elapsed();
        }
    };
    assert!(
        fast_done < Duration::from_millis(1400),
        "fast backend waited: {fast_done:?}"
    );
    let report = run.await.unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "the run ends at its deadline"
    );
    let slow_row = report
        .rows
        .iter()
        .find(|r| r.backend == "slow-hook")
        .unwrap();
    assert!(slow_row.status.is_pending(), "{slow_row:?}");
    assert!(
        slow_row
            .status
            .label(Timestamp::now())
            .contains("still in flight at the deadline"),
        "{slow_row:?}"
    );
    // The next run (the cockpit, or `outbox flush`) delivers it with the same webhook-id.
    let report = ob.run(deadline(Duration::from_secs(10))).await.unwrap();
    assert!(report.all_done(), "{report:?}");
    let reqs = slow.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    let id = |r: &Request| {
        r.headers
            .get("webhook-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(id(&reqs[0]), id(&reqs[1]));
    assert_eq!(
        ob.state().delivery(&msg.id, "slow-hook").unwrap().attempts,
        2
    );
}

#[tokio::test]
async fn retry_after_past_the_deadline_stays_queued_and_is_honoured_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_journal(dir.path());
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let backends = || {
        vec![build(&http_config(
            BackendKind::Mattermost,
            "mm",
            &server.uri(),
        ))]
    };
    let ob = open(&path, backends());
    let msg = ob.queue(unsent(sitrep())).unwrap();
    let report = ob.run(deadline(Duration::from_millis(800))).await.unwrap();
    assert_eq!(report.pending(), 1);
    let label = report.rows[0].status.label(Timestamp::now());
    assert!(
        label.starts_with("retrying in 2s: mm (127.0.0.1:"),
        "{label}"
    );
    drop(ob);

    // A restart: the retry time comes from the journal; nothing is sent before it.
    let ob = open(&path, backends());
    assert!(matches!(
        ob.state().delivery(&msg.id, "mm").unwrap().status,
        DeliveryStatus::Retrying { .. }
    ));
    let t = Instant::now();
    let report = ob.run(deadline(Duration::from_secs(10))).await.unwrap();
    assert!(report.all_done(), "{report:?}");
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured across the restart"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(ob.state().delivery(&msg.id, "mm").unwrap().attempts, 2);
}

#[tokio::test]
async fn permanent_failures_are_not_retried_until_the_ic_requeues_or_drops() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_journal(dir.path());
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": "Unknown Webhook", "code": 10015})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let ob = open(
        &path,
        vec![build(&http_config(
            BackendKind::Discord,
            "discord",
            &server.uri(),
        ))],
    );
    let msg = ob.queue(unsent(announcement())).unwrap();
    let report = ob.run(deadline(Duration::from_secs(5))).await.unwrap();
    assert_eq!(report.failed(), 1);
    let label = report.rows[0].status.label(Timestamp::now());
    assert!(
        label.starts_with("failed: discord (127.0.0.1:")
            && label.ends_with("HTTP 404: Unknown Webhook"),
        "{label}"
    );
    assert!(
        ob.run(deadline(Duration::from_secs(1)))
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    ob.requeue(&msg.id, "discord").unwrap();
    let report = ob.run(deadline(Duration::from_secs(5))).await.unwrap();
    assert!(report.all_done());
    assert_eq!(
        report.rows[0].status,
        DeliveryStatus::Delivered {
            detail: "HTTP 204".into()
        }
    );
    assert!(ob.requeue("INC-nope.m1", "discord").is_err());
    ob.drop_delivery(&msg.id, "discord").unwrap();
    // Dropping a delivered message changes nothing.
    assert!(matches!(
        ob.state().delivery(&msg.id, "discord").unwrap().status,
        DeliveryStatus::Delivered { .. }
    ));
}

#[tokio::test]
async fn two_writers_never_deliver_the_same_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_journal(dir.path());
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(150)))
        .mount(&server)
        .await;
    let backends = || {
        vec![build(&http_config(
            BackendKind::Slack,
            "room",
            &server.uri(),
        ))]
    };
    // Two journal handles and lock files, as two processes (a cockpit and `outbox flush`) have.
    let a = open(&path, backends());
    let b = open(&path, backends());
    let mut ids = Vec::new();
    for n in 0..4 {
        let mut m = unsent(sitrep());
        m.headline = format!("Sitrep v{n}");
        ids.push(a.queue(m).unwrap().id);
    }
    b.refresh().unwrap();
    let (ra, rb) = tokio::join!(
        a.run(deadline(Duration::from_secs(10))),
        b.run(deadline(Duration::from_secs(10)))
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra.all_done() && rb.all_done(), "{ra:?} {rb:?}");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 4, "each message exactly once");
    // In queue order.
    let heads: Vec<String> = reqs
        .iter()
        .map(|r| {
            r.body_json::<serde_json::Value>().unwrap()["text"]
                .as_str()
                .unwrap()
                .lines()
                .nth(1)
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(heads, ["Sitrep v0", "Sitrep v1", "Sitrep v2", "Sitrep v3"]);
    let delivered = outbox_events(&path)
        .iter()
        .filter(|(_, e)| {
            matches!(
                e,
                OutboxEvent::Outcome {
                    result: AttemptResult::Delivered { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!(delivered, 4);
}

const CHILD_ENV: &str = "COMMANDPOST_TEST_OUTBOX_CHILD";

/// Not a test on its own: the child process of the SIGKILL test (does nothing otherwise).
#[tokio::test]
async fn sigkill_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let v: serde_json::Value = serde_json::from_str(&spec).unwrap();
    let path = PathBuf::from(v["journal"].as_str().unwrap());
    let backends = vec![
        build(&http_config(
            BackendKind::Webhook,
            "hook",
            v["hook"].as_str().unwrap(),
        )),
        build(&http_config(
            BackendKind::Matrix,
            "matrix",
            v["matrix"].as_str().unwrap(),
        )),
    ];
    let ob = open(&path, backends);
    ob.run(None).await.unwrap(); // hangs on the servers until killed
    panic!("the child was meant to be killed mid-delivery");
}

#[tokio::test]
async fn killed_with_sigkill_mid_delivery_then_restarted_delivers_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = new_journal(dir.path());
    let mut servers = Vec::new();
    for _ in 0..2 {
        let s = MockServer::start().await;
        // The first request hangs (the process dies while waiting); later ones succeed.
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(60)))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&s)
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"event_id": "$e1"})))
            .expect(1)
            .mount(&s)
            .await;
        servers.push(s);
    }
    let backends = || {
        vec![
            build(&http_config(
                BackendKind::Webhook,
                "hook",
                &servers[0].uri(),
            )),
            build(&http_config(
                BackendKind::Matrix,
                "matrix",
                &servers[1].uri(),
            )),
        ]
    };
    let msg = open(&path, backends()).queue(unsent(sitrep())).unwrap();

    let spec = json!({"journal": path, "hook": servers[0].uri(), "matrix": servers[1].uri()});
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "sigkill_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, spec.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    loop {
        let n0 = servers[0].received_requests().await.unwrap().len();
        let n1 = servers[1].received_requests().await.unwrap().len();
        if n0 == 1 && n1 == 1 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the child never sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // The journal holds the attempts without outcomes.
    let ob = open(&path, backends());
    for b in ["hook", "matrix"] {
        assert_eq!(
            ob.state().delivery(&msg.id, b).unwrap().status,
            DeliveryStatus::Sending { attempt: 1 }
        );
    }
    let report = ob.run(deadline(Duration::from_secs(10))).await.unwrap();
    assert!(report.all_done(), "{report:?}");
    for s in &servers {
        s.verify().await; // exactly one successful delivery each
    }
    // The retry after the unknown outcome reused the idempotency keys.
    let hook = servers[0].received_requests().await.unwrap();
    let id = |r: &Request| {
        r.headers
            .get("webhook-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(id(&hook[0]), id(&hook[1]));
    let mx = servers[1].received_requests().await.unwrap();
    assert_eq!(mx[0].url.path(), mx[1].url.path(), "same Matrix txnId");
    let attempts: Vec<u32> = outbox_events(&path)
        .iter()
        .filter_map(|(_, e)| match e {
            OutboxEvent::Attempt {
                backend, attempt, ..
            } if backend == "hook" => Some(*attempt),
            _ => None,
        })
        .collect();
    assert_eq!(attempts, [1, 2]);
}
