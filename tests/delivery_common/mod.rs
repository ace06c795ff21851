//! Shared fixtures for the delivery integration tests (tests/delivery_*.rs).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use commandpost::delivery::backends::build_backend;
use commandpost::delivery::http::build_client;
use commandpost::delivery::{Backend, BackendConfig, BackendKind, RetryPolicy};
use commandpost::domain::outbound::{MessageKind, OutboundMessage, PageAction, StatusPayload};

pub const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

pub fn client() -> reqwest::Client {
    build_client().expect("client")
}

pub fn base(kind: MessageKind) -> OutboundMessage {
    OutboundMessage {
        id: "INC-20261121-1527.m17".into(),
        incident_id: "INC-20261121-1527".into(),
        incident_title: "Elevated API errors".into(),
        severity: "major".into(),
        kind,
        headline: "Sitrep v3".into(),
        body: "# Impact\n**EU** customers see 5xx on checkout & login\n- since 15:12 UTC\n- rollback in progress".into(),
        mention_all: false,
        status: None,
        page: None,
        test: false,
    }
}

pub fn sitrep() -> OutboundMessage {
    base(MessageKind::Sitrep)
}

pub fn announcement() -> OutboundMessage {
    OutboundMessage {
        id: "INC-20261121-1527.m18".into(),
        headline: "@all: IC -> Ricardo".into(),
        body: String::new(),
        mention_all: true,
        ..base(MessageKind::Announcement)
    }
}

pub fn status(stage: &str) -> OutboundMessage {
    OutboundMessage {
        id: format!("INC-20261121-1527.s-{stage}"),
        headline: format!("Status: {stage}"),
        body: String::new(),
        status: Some(StatusPayload {
            stage: stage.into(),
            message: if stage == "resolved" {
                "Checkout and login are working normally.".into()
            } else {
                "A fix is rolling out.".into()
            },
            workaround: (stage != "resolved").then(|| "Retry the payment.".to_string()),
            components: if stage == "resolved" {
                vec![]
            } else {
                vec![("api".into(), "partial_outage".into())]
            },
            next_update: (stage != "resolved").then(|| "15:30 UTC".to_string()),
        }),
        ..base(MessageKind::Status)
    }
}

pub fn page(action: PageAction, n: u32) -> OutboundMessage {
    OutboundMessage {
        id: format!("INC-20261121-1527.p{n}"),
        headline: "Page".into(),
        body: String::new(),
        page: Some(action),
        ..base(MessageKind::Page)
    }
}

pub fn trigger() -> OutboundMessage {
    page(
        PageAction::Trigger {
            summary: "Checkout failing in EU".into(),
            severity: "major".into(),
        },
        1,
    )
}

/// Every kind that sends over HTTP (the ones [`http_config`] builds).
pub const HTTP_KINDS: [BackendKind; 9] = [
    BackendKind::Slack,
    BackendKind::Teams,
    BackendKind::Discord,
    BackendKind::Mattermost,
    BackendKind::Matrix,
    BackendKind::Statuspage,
    BackendKind::Pagerduty,
    BackendKind::Ntfy,
    BackendKind::Webhook,
];

/// Recognisable pieces of the fake secrets [`http_config`] puts in (never to be seen in
/// output, errors or the UI).
pub const FAKE_SECRETS: [&str; 7] = [
    "SLACKSECRET0000",
    "TEAMSSIG0000",
    "DISCORDTOKEN0000",
    "MMKEY00000000",
    "MATRIXTOKEN0000",
    "SPKEY00000000",
    "R0123456789abcdef",
];

/// A config for `kind` pointing at `uri` (a wiremock server), with fake secrets.
pub fn http_config(kind: BackendKind, name: &str, uri: &str) -> BackendConfig {
    let mut c = BackendConfig::new(name, kind);
    c.sends = Some(kind.supported_kinds().to_vec());
    match kind {
        BackendKind::Slack => c.url = Some(format!("{uri}/services/T000/B000/SLACKSECRET0000")),
        BackendKind::Teams => {
            c.url = Some(format!(
                "{uri}/powerautomate/automations/direct/workflows/wf1/triggers/manual/paths/invoke?api-version=1&sig=TEAMSSIG0000"
            ))
        }
        BackendKind::Discord => c.url = Some(format!("{uri}/api/webhooks/123/DISCORDTOKEN0000")),
        BackendKind::Mattermost => c.url = Some(format!("{uri}/hooks/MMKEY00000000")),
        BackendKind::Matrix => {
            c.homeserver = Some(uri.to_string());
            c.room = Some("!room:localhost".into());
            c.access_token = Some("syt_MATRIXTOKEN0000".into());
        }
        BackendKind::Statuspage => {
            c.api_base = Some(format!("{uri}/v1"));
            c.page_id = Some("pg1".into());
            c.api_key = Some("SPKEY00000000".into());
            c.components = Some([("api".to_string(), "cmp1".to_string())].into());
        }
        BackendKind::Pagerduty => {
            c.events_url = Some(uri.to_string());
            c.routing_key = Some("R0123456789abcdef0123456789abcd".into());
        }
        BackendKind::Ntfy => c.url = Some(format!("{uri}/incidents")),
        BackendKind::Webhook => {
            c.url = Some(format!("{uri}/hook"));
            c.secret = Some(WHSEC.into());
        }
        _ => panic!("not an HTTP kind: {kind}"),
    }
    c
}

pub fn build(cfg: &BackendConfig) -> Arc<dyn Backend> {
    build_backend(cfg, &client()).unwrap_or_else(|e| panic!("{e}"))
}

/// Fast retries for tests.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_secs(3),
        multiplier: 2.0,
        jitter: 0.5,
    }
}

/// A request as a stable text: method, path and query, the named headers, pretty JSON body
/// (or the raw body), with `timestamp`-like values that change per run replaced.
pub fn describe(req: &wiremock::Request, headers: &[&str]) -> String {
    let mut s = format!("{} {}", req.method, req.url.path());
    if let Some(q) = req.url.query() {
        s.push('?');
        s.push_str(q);
    }
    s.push('\n');
    for h in headers {
        let v = req
            .headers
            .get(*h)
            .map(|v| v.to_str().unwrap_or("<non-ascii>").to_string())
            .unwrap_or_else(|| "<absent>".into());
        s.push_str(&format!("{h}: {v}\n"));
    }
    s.push('\n');
    match serde_json::from_slice::<serde_json::Value>(&req.body) {
        Ok(mut v) => {
            if let Some(t) = v.get_mut("timestamp") {
                *t = serde_json::json!("<now>");
            }
            s.push_str(&serde_json::to_string_pretty(&v).unwrap());
        }
        Err(_) => s.push_str(&String::from_utf8_lossy(&req.body)),
    }
    s
}

/// The venv with synapse and aiosmtpd, installed on first use (see `tests/test_servers`).
#[path = "../test_servers/mod.rs"]
pub mod test_servers;
#[allow(unused_imports)] // each test binary uses a subset
pub use test_servers::test_venv;

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
