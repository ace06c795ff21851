//! A user pastes the URL the vendor documents (the full endpoint, a base, a subscribe URL, a
//! link to a room): every HTTP backend must still reach the right path on a real HTTP server
//! on 127.0.0.1. Any request elsewhere is answered 404 and fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod delivery_common;

use commandpost::delivery::{BackendKind, DeliveryContext};
use commandpost::domain::outbound::PageAction;
use delivery_common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ctx() -> DeliveryContext {
    DeliveryContext::first()
}

/// The paths the server saw, in order.
async fn paths(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect()
}

#[tokio::test]
async fn pagerduty_events_url_as_documented_full_endpoint_or_base() {
    // PagerDuty documents https://events.eu.pagerduty.com/v2/enqueue; the base worked before.
    for pasted in [
        "/v2/enqueue",
        "/v2/enqueue/",
        "/v2/change/enqueue",
        "/v2",
        "",
        "/",
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/enqueue"))
            .respond_with(ResponseTemplate::new(202).set_body_json(json!({"status": "success"})))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v2/change/enqueue"))
            .respond_with(ResponseTemplate::new(202).set_body_json(json!({"status": "success"})))
            .mount(&server)
            .await;
        let mut cfg = http_config(BackendKind::Pagerduty, "pd", &server.uri());
        cfg.events_url = Some(format!("{}{pasted}", server.uri()));
        let b = build(&cfg);
        b.deliver(&trigger(), &ctx())
            .await
            .unwrap_or_else(|e| panic!("events_url {pasted:?}: {e}"));
        let change = page(
            PageAction::Change {
                summary: "IC handoff: Ricardo".into(),
            },
            2,
        );
        b.deliver(&change, &ctx())
            .await
            .unwrap_or_else(|e| panic!("events_url {pasted:?}: {e}"));
        assert_eq!(
            paths(&server).await,
            ["/v2/enqueue", "/v2/change/enqueue"],
            "events_url {pasted:?}"
        );
    }
}

#[tokio::test]
async fn statuspage_api_base_as_documented_or_as_an_endpoint() {
    for pasted in ["/v1", "/v1/", "/v1/pages/pg1", "/v1/pages/pg1/incidents"] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/pages/pg1/incidents"))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_json(json!({"id": "inc1", "status": "identified"})),
            )
            .mount(&server)
            .await;
        let mut cfg = http_config(BackendKind::Statuspage, "sp", &server.uri());
        cfg.api_base = Some(format!("{}{pasted}", server.uri()));
        let b = build(&cfg);
        b.deliver(&status("identified"), &ctx())
            .await
            .unwrap_or_else(|e| panic!("api_base {pasted:?}: {e}"));
        assert_eq!(
            paths(&server).await,
            ["/v1/pages/pg1/incidents"],
            "api_base {pasted:?}"
        );
    }
}

#[tokio::test]
async fn matrix_homeserver_with_or_without_slash_or_matrix_path_and_a_matrix_to_room() {
    for pasted in [
        "",
        "/",
        "/_matrix",
        "/_matrix/",
        "/_matrix/client/v3",
        "/_matrix/client/v3/",
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/_matrix/client/v3/join/%23ops:localhost"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"room_id": "!r:localhost"})),
            )
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path_regex(
                r"^/_matrix/client/v3/rooms/!r:localhost/send/m\.room\.message/[^/]+$",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"event_id": "$e"})))
            .mount(&server)
            .await;
        let mut cfg = http_config(BackendKind::Matrix, "mx", &server.uri());
        cfg.homeserver = Some(format!("{}{pasted}", server.uri()));
        // The link Element's "Share room" gives.
        cfg.room = Some("https://matrix.to/#/%23ops:localhost?via=localhost".into());
        let b = build(&cfg);
        b.deliver(&sitrep(), &ctx())
            .await
            .unwrap_or_else(|e| panic!("homeserver {pasted:?}: {e}"));
        let got = paths(&server).await;
        assert_eq!(got.len(), 2, "homeserver {pasted:?}: {got:?}");
        assert_eq!(got[0], "/_matrix/client/v3/join/%23ops:localhost");
        assert!(
            got[1].starts_with("/_matrix/client/v3/rooms/!r:localhost/send/"),
            "{got:?}"
        );
    }
}

#[tokio::test]
async fn ntfy_topic_url_with_a_subscribe_suffix() {
    for pasted in [
        "/incidents",
        "/incidents/",
        "/incidents/json",
        "/incidents/sse",
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "n1"})))
            .mount(&server)
            .await;
        let mut cfg = http_config(BackendKind::Ntfy, "ntfy", &server.uri());
        cfg.url = Some(format!("{}{pasted}", server.uri()));
        let b = build(&cfg);
        b.deliver(&sitrep(), &ctx())
            .await
            .unwrap_or_else(|e| panic!("url {pasted:?}: {e}"));
        let reqs = server.received_requests().await.unwrap();
        assert_eq!(reqs.len(), 1);
        assert_eq!(
            reqs[0].body_json::<Value>().unwrap()["topic"],
            "incidents",
            "url {pasted:?}"
        );
    }
}

#[tokio::test]
async fn discord_slack_compatible_webhook_url_sends_discord_json_to_the_webhook() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/webhooks/123/DISCORDTOKEN0000"))
        .and(query_param("wait", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "1"})))
        .mount(&server)
        .await;
    let mut cfg = http_config(BackendKind::Discord, "discord", &server.uri());
    cfg.url = Some(format!(
        "{}/api/webhooks/123/DISCORDTOKEN0000/slack",
        server.uri()
    ));
    build(&cfg).deliver(&sitrep(), &ctx()).await.unwrap();
    assert_eq!(paths(&server).await, ["/api/webhooks/123/DISCORDTOKEN0000"]);
}

#[test]
fn a_wrong_vendor_url_is_refused_with_what_to_write() {
    let mut cfg = http_config(BackendKind::Slack, "slack", "http://127.0.0.1:9");
    cfg.url = Some("https://slack.com/api/chat.postMessage".into());
    let err = commandpost::delivery::backends::build_backend(&cfg, &client())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("incoming-webhook URL"), "{err}");

    let mut cfg = http_config(BackendKind::Pagerduty, "pd", "http://127.0.0.1:9");
    cfg.events_url = Some("https://api.pagerduty.com/incidents".into());
    let err = commandpost::delivery::backends::build_backend(&cfg, &client())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("https://events.pagerduty.com/v2/enqueue"),
        "{err}"
    );
}
