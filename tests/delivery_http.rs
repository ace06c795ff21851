//! Every HTTP backend against a real HTTP server on 127.0.0.1 (wiremock): exact method, path,
//! headers and JSON body for each message kind; error classification; no secret in errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod delivery_common;

use std::time::Duration;

use commandpost::delivery::backends::discord::Discord;
use commandpost::delivery::backends::matrix::txn_id;
use commandpost::delivery::backends::webhook::{sign, signing_key, webhook_id};
use commandpost::delivery::{BackendKind, DeliveryContext, DeliveryError};
use commandpost::domain::outbound::{MessageKind, PageAction};
use delivery_common::*;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn joined(reqs: &[Request], headers: &[&str]) -> String {
    reqs.iter()
        .map(|r| describe(r, headers))
        .collect::<Vec<_>>()
        .join("\n\n----\n\n")
}

fn ctx() -> DeliveryContext {
    DeliveryContext::first()
}

#[tokio::test]
async fn slack_every_kind() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/services/T000/B000/SLACKSECRET0000"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(4)
        .mount(&server)
        .await;
    let b = build(&http_config(BackendKind::Slack, "room", &server.uri()));
    for m in [sitrep(), status("identified"), announcement(), trigger()] {
        assert!(b.accepts(m.kind));
        let d = b.deliver(&m, &ctx()).await.unwrap();
        assert_eq!(d.detail, "HTTP 200");
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        reqs[2].body_json::<Value>().unwrap(),
        json!({"text": "*[MAJOR] INC-20261121-1527 · Elevated API errors*\n<!channel>: IC -&gt; Ricardo"})
    );
    insta::assert_snapshot!("slack", joined(&reqs, &["content-type"]));
}

#[tokio::test]
async fn teams_every_kind_as_adaptive_card() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/powerautomate/automations/direct/workflows/wf1/triggers/manual/paths/invoke",
        ))
        .and(query_param("api-version", "1"))
        .and(query_param("sig", "TEAMSSIG0000"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(202))
        .expect(4)
        .mount(&server)
        .await;
    let b = build(&http_config(BackendKind::Teams, "teams", &server.uri()));
    for m in [sitrep(), status("identified"), announcement(), trigger()] {
        b.deliver(&m, &ctx()).await.unwrap();
    }
    let reqs = server.received_requests().await.unwrap();
    let card: Value = reqs[2].body_json().unwrap();
    assert_eq!(card["type"], "message");
    assert_eq!(
        card["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["attachments"][0]["content"]["type"], "AdaptiveCard");
    assert_eq!(
        card["attachments"][0]["content"]["body"][1]["text"],
        "**@all**: IC -> Ricardo"
    );
    insta::assert_snapshot!("teams", joined(&reqs, &["content-type"]));
}

#[tokio::test]
async fn discord_every_kind_with_allowed_mentions() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/webhooks/123/DISCORDTOKEN0000"))
        .and(query_param("wait", "true"))
        .and(header("content-type", "application/json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "111", "content": "…"})),
        )
        .expect(4)
        .mount(&server)
        .await;
    let b = build(&http_config(BackendKind::Discord, "discord", &server.uri()));
    for m in [sitrep(), status("identified"), announcement(), trigger()] {
        let d = b.deliver(&m, &ctx()).await.unwrap();
        assert_eq!(d.detail, "HTTP 200, message 111");
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        reqs[2].body_json::<Value>().unwrap(),
        json!({
            "content": "**[MAJOR] INC-20261121-1527 · Elevated API errors**\n@everyone: IC -> Ricardo",
            "allowed_mentions": {"parse": ["everyone"]}
        })
    );
    assert_eq!(
        reqs[0].body_json::<Value>().unwrap()["allowed_mentions"],
        json!({"parse": []})
    );
    insta::assert_snapshot!("discord", joined(&reqs, &["content-type"]));
}

#[tokio::test]
async fn discord_splits_at_2000_and_a_retry_resumes_after_the_delivered_parts() {
    let server = MockServer::start().await;
    let mut m = sitrep();
    m.body = (0..300)
        .map(|i| format!("- line {i:04} of a long sitrep\n"))
        .collect();
    let parts = Discord::contents(&m);
    assert_eq!(
        parts.len(),
        5,
        "{:?}",
        parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>()
    );
    assert!(parts.iter().all(|p| p.chars().count() <= 2000));
    // Part 2 fails once with a 500.
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"content": parts[1]})))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "1"})))
        .with_priority(2)
        .mount(&server)
        .await;
    let b = build(&http_config(BackendKind::Discord, "discord", &server.uri()));
    let err = b.deliver(&m, &ctx()).await.unwrap_err();
    let DeliveryError::Retryable {
        parts_done, reason, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*parts_done, 1);
    assert!(
        reason.contains("HTTP 500") && reason.contains("part 2/5"),
        "{reason}"
    );
    let again = DeliveryContext {
        attempt: 2,
        parts_done: 1,
        remote_ref: None,
    };
    let d = b.deliver(&m, &again).await.unwrap();
    assert_eq!(d.detail, "HTTP 200, 5 parts (1 resumed), message 1");
    // Each part reached the server with a 200 exactly once, in order.
    let ok: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.body_json::<Value>().unwrap()["content"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ok.len(), 6);
    assert_eq!(ok[0], parts[0]);
    assert_eq!(ok[1], parts[1]); // the 500
    assert_eq!(&ok[2..], &parts[1..]);
}

#[tokio::test]
async fn mattermost_every_kind_and_only_announcements_ping() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/MMKEY00000000"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(5)
        .mount(&server)
        .await;
    let b = build(&http_config(BackendKind::Mattermost, "mm", &server.uri()));
    let mut sneaky = sitrep();
    sneaky.id = "INC-20261121-1527.m19".into();
    sneaky.body = "cc @channel and @all".into();
    for m in [
        sitrep(),
        status("identified"),
        announcement(),
        trigger(),
        sneaky,
    ] {
        b.deliver(&m, &ctx()).await.unwrap();
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        reqs[2].body_json::<Value>().unwrap(),
        json!({"text": "#### [MAJOR] INC-20261121-1527 · Elevated API errors\n@all: IC -> Ricardo"})
    );
    let text = reqs[4].body_json::<Value>().unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(text.contains("@\u{2060}channel and @\u{2060}all"), "{text}");
    insta::assert_snapshot!("mattermost", joined(&reqs, &["content-type"]));
}

#[tokio::test]
async fn matrix_every_kind_as_notice_with_deterministic_txn_id() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(header("authorization", "Bearer syt_MATRIXTOKEN0000"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"event_id": "$ev1"})))
        .expect(5)
        .mount(&server)
        .await;
    let b = build(&http_config(BackendKind::Matrix, "matrix", &server.uri()));
    for m in [
        sitrep(),
        status("identified"),
        announcement(),
        trigger(),
        sitrep(),
    ] {
        let d = b.deliver(&m, &ctx()).await.unwrap();
        assert_eq!(d.detail, "event $ev1");
    }
    let reqs = server.received_requests().await.unwrap();
    let txn = txn_id(&sitrep());
    assert_eq!(txn, "cp_INC-20261121-1527_m17_".to_string() + &txn[25..]);
    assert_eq!(
        reqs[0].url.path(),
        format!("/_matrix/client/v3/rooms/!room:localhost/send/m.room.message/{txn}")
    );
    // The same message sent again reuses its txnId (the homeserver dedupes it).
    assert_eq!(reqs[4].url.path(), reqs[0].url.path());
    assert_ne!(reqs[1].url.path(), reqs[0].url.path());
    assert_eq!(
        reqs[2].body_json::<Value>().unwrap(),
        json!({
            "msgtype": "m.notice",
            "body": "[MAJOR] INC-20261121-1527 · Elevated API errors\n@room: IC -> Ricardo",
            "format": "org.matrix.custom.html",
            "formatted_body": "<b>[MAJOR] INC-20261121-1527 · Elevated API errors</b><br>\n@room: IC -&gt; Ricardo",
            "m.mentions": {"room": true}
        })
    );
    assert_eq!(
        reqs[0].body_json::<Value>().unwrap()["m.mentions"],
        json!({})
    );
    insta::assert_snapshot!(
        "matrix",
        joined(&reqs[..4], &["authorization", "content-type"])
    );
}

#[tokio::test]
async fn matrix_joins_a_room_alias_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/_matrix/client/v3/join/%23incidents:localhost"))
        .and(body_json(json!({})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"room_id": "!abc:localhost"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!(
            "/_matrix/client/v3/rooms/!abc:localhost/send/m.room.message/{}",
            txn_id(&sitrep())
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"event_id": "$e"})))
        .expect(2)
        .mount(&server)
        .await;
    let mut cfg = http_config(BackendKind::Matrix, "matrix", &server.uri());
    cfg.room = Some("#incidents:localhost".into());
    let b = build(&cfg);
    b.deliver(&sitrep(), &ctx()).await.unwrap();
    b.deliver(&sitrep(), &ctx()).await.unwrap();
}

#[tokio::test]
async fn statuspage_creates_then_patches_then_resolves() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/pages/pg1/incidents"))
        .and(header("authorization", "OAuth SPKEY00000000"))
        .and(body_json(json!({"incident": {
            "name": "Elevated API errors",
            "status": "investigating",
            "body": "A fix is rolling out.\n\nWorkaround: Retry the payment.\n\nNext update: 15:30 UTC",
            "component_ids": ["cmp1"],
            "components": {"cmp1": "partial_outage"},
            "impact_override": "major",
            "deliver_notifications": true
        }})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "sp1", "status": "investigating"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/pages/pg1/incidents/sp1"))
        .and(header("authorization", "OAuth SPKEY00000000"))
        .and(body_json(json!({"incident": {
            "status": "identified",
            "body": "A fix is rolling out.\n\nWorkaround: Retry the payment.\n\nNext update: 15:30 UTC",
            "components": {"cmp1": "partial_outage"}
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "sp1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/pages/pg1/incidents/sp1"))
        .and(body_json(json!({"incident": {
            "status": "resolved",
            "body": "Checkout and login are working normally.",
            "components": {"cmp1": "operational"}
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "sp1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/pages/pg1"))
        .and(header("authorization", "OAuth SPKEY00000000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "pg1"})))
        .expect(1)
        .mount(&server)
        .await;
    let b = build(&http_config(
        BackendKind::Statuspage,
        "status",
        &server.uri(),
    ));
    assert!(b.accepts(MessageKind::Status) && !b.accepts(MessageKind::Sitrep));
    let d = b.deliver(&status("investigating"), &ctx()).await.unwrap();
    assert_eq!(d.remote_ref.as_deref(), Some("sp1"));
    assert_eq!(d.detail, "HTTP 201: created incident sp1");
    let later = DeliveryContext {
        remote_ref: d.remote_ref.clone(),
        attempt: 1,
        parts_done: 0,
    };
    let d = b.deliver(&status("identified"), &later).await.unwrap();
    assert_eq!(d.remote_ref.as_deref(), Some("sp1"));
    b.deliver(&status("resolved"), &later).await.unwrap();
    // A test only checks the credentials.
    let mut t = status("identified");
    t.test = true;
    let d = b.deliver(&t, &ctx()).await.unwrap();
    assert!(d.detail.contains("not posted publicly"), "{}", d.detail);
    insta::assert_snapshot!(
        "statuspage",
        joined(
            &server.received_requests().await.unwrap(),
            &["authorization", "content-type"]
        )
    );
}

#[tokio::test]
async fn statuspage_retry_after_unknown_outcome_finds_the_created_incident() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/pages/pg1/incidents/unresolved"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "other", "name": "Something else"},
            {"id": "sp9", "name": "Elevated API errors"}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "dup"})))
        .expect(0)
        .mount(&server)
        .await;
    let b = build(&http_config(
        BackendKind::Statuspage,
        "status",
        &server.uri(),
    ));
    let second = DeliveryContext {
        remote_ref: None,
        attempt: 2,
        parts_done: 0,
    };
    let d = b.deliver(&status("investigating"), &second).await.unwrap();
    assert_eq!(d.remote_ref.as_deref(), Some("sp9"));
}

#[tokio::test]
async fn pagerduty_trigger_acknowledge_resolve_change_and_test() {
    let server = MockServer::start().await;
    let key = "R0123456789abcdef0123456789abcd";
    let accepted = ResponseTemplate::new(202).set_body_json(
        json!({"status": "success", "message": "Event processed", "dedup_key": "INC-20261121-1527"}),
    );
    Mock::given(method("POST"))
        .and(path("/v2/enqueue"))
        .and(body_json(json!({
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": "INC-20261121-1527",
            "payload": {
                "summary": "[MAJOR] INC-20261121-1527 · Elevated API errors: Checkout failing in EU",
                "source": "commandpost",
                "severity": "critical",
                "custom_details": {
                    "incident": "INC-20261121-1527",
                    "title": "Elevated API errors",
                    "severity": "major",
                    "headline": "Page"
                }
            }
        })))
        .respond_with(accepted.clone())
        .expect(1)
        .mount(&server)
        .await;
    for action in ["acknowledge", "resolve"] {
        Mock::given(method("POST"))
            .and(path("/v2/enqueue"))
            .and(body_json(json!({"routing_key": key, "event_action": action, "dedup_key": "INC-20261121-1527"})))
            .respond_with(accepted.clone())
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/v2/change/enqueue"))
        .and(body_partial_json(
            json!({"routing_key": key, "payload": {"source": "commandpost"}}),
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"status": "success"})))
        .expect(2)
        .mount(&server)
        .await;
    let b = build(&http_config(BackendKind::Pagerduty, "pd", &server.uri()));
    assert!(b.accepts(MessageKind::Page) && !b.accepts(MessageKind::Sitrep));
    let d = b.deliver(&trigger(), &ctx()).await.unwrap();
    assert_eq!(d.detail, "HTTP 202: success, dedup_key INC-20261121-1527");
    b.deliver(&page(PageAction::Acknowledge, 2), &ctx())
        .await
        .unwrap();
    b.deliver(&page(PageAction::Resolve, 3), &ctx())
        .await
        .unwrap();
    b.deliver(
        &page(
            PageAction::Change {
                summary: "IC handoff: Ricardo".into(),
            },
            4,
        ),
        &ctx(),
    )
    .await
    .unwrap();
    let mut t = trigger();
    t.test = true;
    b.deliver(&t, &ctx()).await.unwrap();
    // A sitrep is not something PagerDuty takes.
    let e = b.deliver(&sitrep(), &ctx()).await.unwrap_err();
    assert!(!e.is_retryable());
    insta::assert_snapshot!(
        "pagerduty",
        joined(
            &server.received_requests().await.unwrap(),
            &["content-type"]
        )
    );
}

#[tokio::test]
async fn ntfy_json_publish_every_kind_with_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("authorization", "Bearer tk_NTFYTOKEN0000"))
        .and(header("content-type", "application/json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "n1", "event": "message"})),
        )
        .expect(4)
        .mount(&server)
        .await;
    let mut cfg = http_config(BackendKind::Ntfy, "ntfy", &server.uri());
    cfg.access_token = Some("tk_NTFYTOKEN0000".into());
    let b = build(&cfg);
    for m in [sitrep(), status("identified"), announcement(), trigger()] {
        let d = b.deliver(&m, &ctx()).await.unwrap();
        assert_eq!(d.detail, "HTTP 200: message n1");
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(
        reqs[2].body_json::<Value>().unwrap(),
        json!({
            "topic": "incidents",
            "title": "[MAJOR] INC-20261121-1527 · Elevated API errors",
            "message": "@all: IC -> Ricardo",
            "priority": 4,
            "tags": ["commandpost", "announcement", "major"],
            "markdown": true
        })
    );
    assert_eq!(reqs[3].body_json::<Value>().unwrap()["priority"], 5);
    insta::assert_snapshot!("ntfy", joined(&reqs, &["authorization", "content-type"]));
}

#[tokio::test]
async fn webhook_standard_webhooks_headers_and_signature() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(5)
        .mount(&server)
        .await;
    let b = build(&http_config(BackendKind::Webhook, "hook", &server.uri()));
    for m in [
        sitrep(),
        status("identified"),
        announcement(),
        trigger(),
        sitrep(),
    ] {
        b.deliver(&m, &ctx()).await.unwrap();
    }
    let reqs = server.received_requests().await.unwrap();
    let key = signing_key(WHSEC).unwrap();
    for r in &reqs {
        let h = |n: &str| r.headers.get(n).unwrap().to_str().unwrap().to_string();
        let ts: u64 = h("webhook-timestamp").parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(now.abs_diff(ts) < 60);
        assert_eq!(
            h("webhook-signature"),
            sign(&key, &h("webhook-id"), ts, &r.body)
        );
        assert!(!h("webhook-id").contains('.'));
    }
    let id = |i: usize| {
        reqs[i]
            .headers
            .get("webhook-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(id(0), webhook_id(&sitrep()));
    assert_eq!(id(4), id(0), "same message, same webhook-id");
    assert_ne!(id(1), id(0));
    let v: Value = reqs[0].body_json().unwrap();
    assert_eq!(v["type"], "incident.sitrep");
    assert_eq!(v["data"]["incident_id"], "INC-20261121-1527");
    insta::assert_snapshot!(
        "webhook",
        joined(&reqs[..4], &["content-type", "webhook-id"])
    );
}

/// Answers 400 and echoes everything it got (URL, headers, body): a worst-case server.
struct Echo(u16);
impl Respond for Echo {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        ResponseTemplate::new(self.0).set_body_string(format!(
            "bad request to {} with {:?} and {}",
            req.url,
            req.headers,
            String::from_utf8_lossy(&req.body)
        ))
    }
}

/// The fake secrets [`http_config`] puts in, and a secret path piece (ntfy's topic).
const SECRET_PIECES: [&str; 8] = [
    FAKE_SECRETS[0],
    FAKE_SECRETS[1],
    FAKE_SECRETS[2],
    FAKE_SECRETS[3],
    FAKE_SECRETS[4],
    FAKE_SECRETS[5],
    FAKE_SECRETS[6],
    "incidents\"",
];

fn msg_for(kind: BackendKind) -> commandpost::domain::outbound::OutboundMessage {
    match kind {
        BackendKind::Statuspage => status("identified"),
        BackendKind::Pagerduty => trigger(),
        _ => sitrep(),
    }
}

#[tokio::test]
async fn errors_are_classified_and_never_carry_a_secret() {
    for (status, retryable) in [
        (400, false),
        (401, false),
        (404, false),
        (429, true),
        (503, true),
    ] {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(Echo(status))
            .mount(&server)
            .await;
        let port = server.address().port();
        for kind in HTTP_KINDS {
            let b = build(&http_config(kind, "b1", &server.uri()));
            let e = b.deliver(&msg_for(kind), &ctx()).await.unwrap_err();
            assert_eq!(e.is_retryable(), retryable, "{kind} {status}: {e:?}");
            let reason = e.reason();
            assert!(
                reason.starts_with(&format!(
                    "b1 (127.0.0.1:{port}): HTTP {status}: bad request to"
                )),
                "{reason}"
            );
            for s in SECRET_PIECES {
                assert!(!reason.contains(s), "{kind}: secret {s} in {reason}");
            }
            assert!(!reason.contains(WHSEC), "{reason}");
        }
    }
}

#[tokio::test]
async fn transport_errors_name_backend_and_host_only() {
    let port = free_port(); // nothing listens there
    for kind in HTTP_KINDS {
        let b = build(&http_config(
            kind,
            "b1",
            &format!("http://127.0.0.1:{port}"),
        ));
        let e = b.deliver(&msg_for(kind), &ctx()).await.unwrap_err();
        assert_eq!(
            e,
            DeliveryError::Retryable {
                reason: format!("b1 (127.0.0.1:{port}): cannot connect (connection refused)"),
                retry_after: None,
                parts_done: 0
            },
            "{kind}"
        );
    }
}

#[tokio::test]
async fn rate_limit_hints_from_headers_and_bodies() {
    let server = MockServer::start().await;
    Mock::given(path("/api/webhooks/123/DISCORDTOKEN0000"))
        .respond_with(ResponseTemplate::new(429).set_body_json(
            json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(429).set_body_json(
            json!({"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 4820}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/services/T000/B000/SLACKSECRET0000"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "7")
                .set_body_string("rate_limited"),
        )
        .mount(&server)
        .await;
    let hint = |e: DeliveryError| match e {
        DeliveryError::Retryable { retry_after, .. } => retry_after,
        p => panic!("{p:?}"),
    };
    let d = build(&http_config(BackendKind::Discord, "d", &server.uri()));
    assert_eq!(
        hint(d.deliver(&sitrep(), &ctx()).await.unwrap_err()),
        Some(Duration::from_millis(1500))
    );
    let m = build(&http_config(BackendKind::Matrix, "m", &server.uri()));
    let e = m.deliver(&sitrep(), &ctx()).await.unwrap_err();
    assert!(
        e.reason().contains("M_LIMIT_EXCEEDED Too Many Requests"),
        "{e}"
    );
    assert_eq!(hint(e), Some(Duration::from_millis(4820)));
    let s = build(&http_config(BackendKind::Slack, "s", &server.uri()));
    assert_eq!(
        hint(s.deliver(&sitrep(), &ctx()).await.unwrap_err()),
        Some(Duration::from_secs(7))
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/services/T000/B000/SLACKSECRET0000"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/elsewhere", server.uri())),
        )
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let s = build(&http_config(BackendKind::Slack, "s", &server.uri()));
    let e = s.deliver(&sitrep(), &ctx()).await.unwrap_err();
    assert!(!e.is_retryable());
    assert!(e.reason().contains("HTTP 302"), "{e}");
}

#[test]
fn render_previews_every_kind_without_failing() {
    let long = {
        let mut m = sitrep();
        m.body = "x".repeat(100_000);
        m
    };
    for kind in HTTP_KINDS {
        let b = build(&http_config(kind, "b", "http://127.0.0.1:9"));
        for m in [
            sitrep(),
            status("identified"),
            announcement(),
            trigger(),
            long.clone(),
        ] {
            let parts = b.render(&m);
            assert!(
                !parts.is_empty() && parts.iter().all(|p| !p.is_empty()),
                "{kind}"
            );
        }
    }
}
