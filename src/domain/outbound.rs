//! What goes out, as pure data (no IO): the outbound message the cockpit and the CLI build,
//! and the outbox's journal events ([`OutboxEvent`], `Payload::Outbox`) that record each
//! delivery attempt. The delivery layer (`crate::delivery`) sends these; the domain only
//! stores and replays them, so this module imports nothing of the crate (but the
//! `named_enum!` macro).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::named::named_enum;

/// What an outbound message is; backends opt in per kind with `sends = [...]`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    Sitrep,
    Status,
    Announcement,
    Page,
}

named_enum!(MessageKind, parse: UnknownMessageKind {
    Sitrep => "sitrep",
    Status => "status",
    Announcement => "announcement",
    Page => "page",
});

/// The string is not one of `sitrep`, `status`, `announcement`, `page`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown message kind {0:?} (expected sitrep, status, announcement or page)")]
pub struct UnknownMessageKind(pub String);

/// A public status update (kind `Status`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct StatusPayload {
    /// `investigating` | `identified` | `monitoring` | `resolved`.
    pub stage: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workaround: Option<String>,
    /// (component name as configured, status): `operational`, `degraded_performance`,
    /// `partial_outage`, `major_outage`, `under_maintenance`.
    #[serde(default)]
    pub components: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_update: Option<String>,
}

/// What a page does (kind `Page`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum PageAction {
    /// `severity`: PagerDuty's `critical|error|warning|info`, or an incident severity
    /// (`investigating|confirmed|major|resolved`), mapped.
    Trigger {
        summary: String,
        severity: String,
    },
    Acknowledge,
    Resolve,
    /// A timeline-only change event (hand-offs); never notifies.
    Change {
        summary: String,
    },
}

/// One message to deliver to every backend that accepts its kind.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OutboundMessage {
    /// Stable unique id (incident id + journal seq, e.g. `INC-20261121-1527.m17`): the basis
    /// of every idempotency key (Matrix txnId, webhook-id, email Message-ID).
    pub id: String,
    pub incident_id: String,
    pub incident_title: String,
    /// `investigating` | `confirmed` | `major` | `resolved`.
    pub severity: String,
    pub kind: MessageKind,
    /// One line, e.g. `@all: IC -> Ricardo` or `Sitrep v3`.
    pub headline: String,
    /// Plain text, possibly multi-line Markdown-light (`# heading`, `**bold**`, `- item`, `` `code` ``).
    pub body: String,
    /// Ping everyone in the channel (announcements starting with `@all`).
    #[serde(default)]
    pub mention_all: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusPayload>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageAction>,
    /// `backends test`: rendered with a visible TEST marker.
    #[serde(default)]
    pub test: bool,
}

/// What the outbox writes to the journal (as `{"type":"outbox","data":{"event":...}}`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum OutboxEvent {
    /// A message to deliver to these backends. An empty `message.id` means "derived from this
    /// event": `<incident_id>.m<seq>` (see [`message_id_for`]).
    Queued {
        message: Box<OutboundMessage>,
        backends: Vec<String>,
    },
    /// Written before every attempt: an attempt without an outcome had an unknown outcome.
    Attempt {
        message: String,
        backend: String,
        attempt: u32,
    },
    Outcome {
        message: String,
        backend: String,
        attempt: u32,
        result: AttemptResult,
    },
    /// The IC gave up on a delivery.
    Dropped { message: String, backend: String },
    /// The IC asked to retry a failed (or dropped) delivery.
    Requeued { message: String, backend: String },
}

/// How one attempt ended.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AttemptResult {
    Delivered {
        detail: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remote_ref: Option<String>,
    },
    Retrying {
        reason: String,
        retry_at: Timestamp,
        #[serde(default)]
        parts_done: u32,
    },
    Failed {
        reason: String,
    },
}

impl OutboxEvent {
    /// One line for the timeline.
    pub fn describe(&self) -> String {
        match self {
            OutboxEvent::Queued { message, backends } => {
                let what = if message.headline.trim().is_empty() {
                    message.kind.to_string()
                } else {
                    format!("{} {:?}", message.kind, message.headline.trim())
                };
                if backends.is_empty() {
                    format!("Queued {what}: no backend sends {}", message.kind)
                } else {
                    format!("Queued {what} for {}", backends.join(", "))
                }
            }
            OutboxEvent::Attempt {
                message,
                backend,
                attempt,
            } => format!("Sending {message} to {backend} (attempt {attempt})"),
            OutboxEvent::Outcome {
                message,
                backend,
                result,
                ..
            } => match result {
                AttemptResult::Delivered { detail, .. } => {
                    format!("Delivered {message} to {backend}: {detail}")
                }
                AttemptResult::Retrying {
                    reason, retry_at, ..
                } => format!(
                    "{message} to {backend}: will retry at {}: {reason}",
                    retry_at.strftime("%H:%M:%S UTC")
                ),
                AttemptResult::Failed { reason } => {
                    format!("{message} to {backend} failed: {reason}")
                }
            },
            OutboxEvent::Dropped { message, backend } => {
                format!("Dropped {message} to {backend}")
            }
            OutboxEvent::Requeued { message, backend } => {
                format!("Requeued {message} to {backend}")
            }
        }
    }
}

/// The id of a queued message: its own if set, else `<incident_id>.m<seq>`.
pub fn message_id_for(message: &OutboundMessage, seq: u64) -> String {
    if message.id.trim().is_empty() {
        format!("{}.m{seq}", message.incident_id)
    } else {
        message.id.clone()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_serialize_lowercase() {
        for k in MessageKind::ALL {
            assert_eq!(k.as_str().parse::<MessageKind>(), Ok(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert!("pager".parse::<MessageKind>().is_err());
    }

    #[test]
    fn message_round_trips() {
        let m = OutboundMessage {
            id: "INC-1.m1".into(),
            incident_id: "INC-1".into(),
            incident_title: "t".into(),
            severity: "major".into(),
            kind: MessageKind::Page,
            headline: "h".into(),
            body: "b".into(),
            mention_all: false,
            status: None,
            page: Some(PageAction::Trigger {
                summary: "s".into(),
                severity: "critical".into(),
            }),
            test: false,
        };
        let j = serde_json::to_string(&m).unwrap();
        assert!(j.contains(r#""page":{"action":"trigger""#), "{j}");
        let back: OutboundMessage = serde_json::from_str(&j).unwrap();
        assert_eq!(back, m);
    }
}
