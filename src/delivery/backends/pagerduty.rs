//! PagerDuty Events API v2: trigger / acknowledge / resolve with `dedup_key` = incident id
//! (so retries and repeated triggers attach to one alert), and change events (timeline only,
//! never notify) for hand-offs. A test message is sent as a change event: it pages nobody.

use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{BuildError, Common, required_secret};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::http::{Peer, execute};
use crate::delivery::render::{page_line, title_line, truncate_chars};
use crate::domain::outbound::{MessageKind, OutboundMessage, PageAction};

pub const DEFAULT_EVENTS_URL: &str = "https://events.pagerduty.com";
pub const MAX_SUMMARY_CHARS: usize = 1024;
pub const MAX_DEDUP_CHARS: usize = 255;

pub struct PagerDuty {
    common: Common,
    events_url: String,
    routing_key: SecretString,
    client: reqwest::Client,
    peer: Peer,
}

/// PagerDuty severity for a page: its own values pass through; incident severities map
/// (major -> critical, confirmed -> error, investigating -> warning, resolved -> info).
pub fn pd_severity(s: &str) -> &'static str {
    match s.trim().to_ascii_lowercase().as_str() {
        "critical" | "major" | "sev1" => "critical",
        "error" | "confirmed" | "sev2" => "error",
        "warning" | "investigating" | "sev3" => "warning",
        "info" | "resolved" => "info",
        _ => "critical",
    }
}

/// Which endpoint and what body.
#[derive(Debug, Clone, PartialEq)]
pub struct PdEvent {
    /// `/v2/enqueue` or `/v2/change/enqueue`.
    pub path: &'static str,
    pub body: serde_json::Value,
}

impl PagerDuty {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        // The full endpoint as PagerDuty documents it (`.../v2/enqueue`) or a base.
        let events_url = crate::delivery::endpoint::pagerduty_events(
            cfg.events_url.as_deref().unwrap_or(DEFAULT_EVENTS_URL),
        )
        .map_err(|e| BuildError::one(cfg, "events_url", e))?
        .url;
        let routing_key = required_secret(cfg, "routing_key", &cfg.routing_key)?;
        let peer = Peer::new(&cfg.name, &events_url, vec![routing_key.clone()]);
        Ok(PagerDuty {
            common,
            events_url,
            routing_key,
            client,
            peer,
        })
    }

    fn dedup_key(msg: &OutboundMessage) -> String {
        truncate_chars(&msg.incident_id, MAX_DEDUP_CHARS)
    }

    fn summary(msg: &OutboundMessage, text: &str) -> String {
        truncate_chars(
            &format!("{}: {}", title_line(msg), text.trim()),
            MAX_SUMMARY_CHARS,
        )
    }

    /// The event for a message (the routing key is a placeholder here; see [`Self::deliver`]).
    pub fn event(msg: &OutboundMessage, routing_key: &str) -> Result<PdEvent, String> {
        let change = |summary: String| PdEvent {
            path: "/v2/change/enqueue",
            body: json!({
                "routing_key": routing_key,
                "payload": {
                    "summary": summary,
                    "source": "commandpost",
                    "custom_details": {"incident": msg.incident_id, "message": msg.id, "headline": msg.headline},
                },
            }),
        };
        if msg.test {
            return Ok(change(Self::summary(
                msg,
                &format!("commandpost test: {}", msg.headline),
            )));
        }
        let Some(page) = msg.page.as_ref().filter(|_| msg.kind == MessageKind::Page) else {
            return Err(format!("pagerduty only sends pages, not {}", msg.kind));
        };
        Ok(match page {
            PageAction::Trigger { severity, .. } => {
                let mut details = json!({
                    "incident": msg.incident_id,
                    "title": msg.incident_title,
                    "severity": msg.severity,
                    "headline": msg.headline,
                });
                if !msg.body.trim().is_empty() {
                    details["body"] = json!(truncate_chars(&msg.body, 10_000));
                }
                PdEvent {
                    path: "/v2/enqueue",
                    body: json!({
                        "routing_key": routing_key,
                        "event_action": "trigger",
                        "dedup_key": Self::dedup_key(msg),
                        "payload": {
                            // State, id, title and the summary once (a lock screen shows it).
                            "summary": truncate_chars(&page_line(msg), MAX_SUMMARY_CHARS),
                            "source": "commandpost",
                            "severity": pd_severity(severity),
                            "custom_details": details,
                        },
                    }),
                }
            }
            PageAction::Acknowledge | PageAction::Resolve => PdEvent {
                path: "/v2/enqueue",
                body: json!({
                    "routing_key": routing_key,
                    "event_action": if matches!(page, PageAction::Acknowledge) { "acknowledge" } else { "resolve" },
                    "dedup_key": Self::dedup_key(msg),
                }),
            },
            PageAction::Change { summary } => change(Self::summary(msg, summary)),
        })
    }
}

impl Deliver for PagerDuty {
    fn common(&self) -> &Common {
        &self.common
    }
    async fn send(&self, msg: &OutboundMessage, _ctx: &DeliveryContext) -> DeliveryResult {
        let ev = Self::event(msg, self.routing_key.expose_secret())
            .map_err(|e| DeliveryError::permanent(self.peer.reason(&e)))?;
        let req = self
            .client
            .post(format!("{}{}", self.events_url, ev.path))
            .json(&ev.body);
        let r = execute(&self.peer, req, self.common.timeout).await?;
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        let status = v
            .get("status")
            .and_then(|s| s.as_str())
            .unwrap_or("accepted");
        let detail = match v.get("dedup_key").and_then(|s| s.as_str()) {
            Some(k) => format!("HTTP {}: {status}, dedup_key {k}", r.status),
            None => format!("HTTP {}: {status}", r.status),
        };
        Ok::<_, DeliveryError>(Delivered {
            remote_ref: None,
            detail,
        })
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        match Self::event(msg, "") {
            Err(e) => vec![format!("({e})")],
            Ok(ev) => {
                let b = &ev.body;
                let action = b
                    .get("event_action")
                    .and_then(|a| a.as_str())
                    .unwrap_or("change");
                let summary = b
                    .get("payload")
                    .and_then(|p| p.get("summary"))
                    .and_then(|s| s.as_str())
                    .unwrap_or("");
                let mut s = format!("PagerDuty {action}");
                if let Some(sev) = b
                    .get("payload")
                    .and_then(|p| p.get("severity"))
                    .and_then(|s| s.as_str())
                {
                    s.push_str(&format!(" ({sev})"));
                }
                if let Some(k) = b.get("dedup_key").and_then(|s| s.as_str()) {
                    s.push_str(&format!(" [{k}]"));
                }
                if !summary.is_empty() {
                    s.push_str(&format!(": {summary}"));
                }
                vec![s]
            }
        }
    }
}
