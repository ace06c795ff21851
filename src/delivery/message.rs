//! The outbound message model: what the rest of the app constructs and the journal stores.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an outbound message is; backends opt in per kind with `sends = [...]`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    Sitrep,
    Status,
    Announcement,
    Page,
}

impl MessageKind {
    pub const ALL: [MessageKind; 4] = [
        MessageKind::Sitrep,
        MessageKind::Status,
        MessageKind::Announcement,
        MessageKind::Page,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Sitrep => "sitrep",
            MessageKind::Status => "status",
            MessageKind::Announcement => "announcement",
            MessageKind::Page => "page",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The string is not one of `sitrep`, `status`, `announcement`, `page`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown message kind {0:?} (expected sitrep, status, announcement or page)")]
pub struct UnknownMessageKind(pub String);

impl FromStr for MessageKind {
    type Err = UnknownMessageKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sitrep" => Ok(MessageKind::Sitrep),
            "status" => Ok(MessageKind::Status),
            "announcement" => Ok(MessageKind::Announcement),
            "page" => Ok(MessageKind::Page),
            _ => Err(UnknownMessageKind(s.to_string())),
        }
    }
}

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
