//! What `commandpost sync status` and the cockpit's status line say. Pure: the journal's
//! events, the replayed incident, the sidecar and `now` in; words and numbers out.

use super::ingest::unsent_count;
use super::sidecar::{Received, Sidecar};
use crate::domain::event::Event;
use crate::domain::incident::Incident;
use crate::domain::replicated::span;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// A transport that heard from the homeserver this recently is live (a parked `/sync`
/// returns at least every 30 s).
pub const LIVE_WITHIN: SignedDuration = SignedDuration::from_secs(90);

/// Whether this cockpit is in touch with the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Liveness {
    /// The incident is not attached to a room.
    NotAttached,
    /// Heard from the homeserver at `ok_at`.
    Live { ok_at: Timestamp },
    /// The last request failed.
    Offline { since: Timestamp, reason: String },
    /// Attached, but no recent contact either way (no cockpit or command is following).
    Idle { last_contact: Option<Timestamp> },
}

/// From the sidecar's contact record, at `now`.
pub fn liveness(s: &Sidecar, now: Timestamp) -> Liveness {
    if s.room_id.is_none() {
        return Liveness::NotAttached;
    }
    let c = &s.contact;
    match (c.ok_at, c.error_at) {
        (ok, Some(err)) if ok.is_none_or(|ok| err >= ok) => Liveness::Offline {
            since: err,
            reason: c.error.clone().unwrap_or_else(|| "unknown error".into()),
        },
        (Some(ok), _) if now.duration_since(ok) <= LIVE_WITHIN => Liveness::Live { ok_at: ok },
        (ok, _) => Liveness::Idle { last_contact: ok },
    }
}

/// `sync status` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    pub incident: String,
    pub room_id: Option<String>,
    pub origin: Option<String>,
    pub liveness: Liveness,
    /// Local events not yet acknowledged by the homeserver.
    pub unsent: usize,
    /// When the oldest of them was made.
    pub oldest_unsent_at: Option<Timestamp>,
    pub last_received: Option<Received>,
    /// Remote events in the journal.
    pub received_total: usize,
    /// Conflicts in words, oldest first.
    pub conflicts: Vec<String>,
    /// Rejected room commands in words, oldest first.
    pub rejected: Vec<String>,
    /// Events redacted in the room (kept in the journal).
    pub redactions: usize,
}

/// Builds the status of a synced (or not yet synced) incident.
pub fn status(inc: &Incident, events: &[Event], sidecar: &Sidecar, now: Timestamp) -> SyncStatus {
    let unsent = unsent_count(events, sidecar.watermark);
    let oldest_unsent_at = events
        .iter()
        .find(|e| e.is_local() && e.seq > sidecar.watermark)
        .map(|e| e.ts);
    SyncStatus {
        incident: inc.id.clone(),
        room_id: sidecar.room_id.clone(),
        origin: sidecar.origin.clone(),
        liveness: liveness(sidecar, now),
        unsent,
        oldest_unsent_at,
        last_received: sidecar.last_received.clone(),
        received_total: events.iter().filter(|e| !e.is_local()).count(),
        conflicts: inc.conflicts.iter().map(|c| c.text.clone()).collect(),
        rejected: inc.rejected_room_commands().map(|o| o.text()).collect(),
        redactions: sidecar.redactions.len(),
    }
}

impl SyncStatus {
    /// The cockpit's status-line words: `sync: live`, `sync: offline, 7 unsent`,
    /// `sync: live, 2 unsent`, `sync: idle`; `None` when not attached.
    pub fn line(&self) -> Option<String> {
        let state = match &self.liveness {
            Liveness::NotAttached => return None,
            Liveness::Live { .. } => "live",
            Liveness::Offline { .. } => "offline",
            Liveness::Idle { .. } => "idle",
        };
        Some(if self.unsent == 0 {
            format!("sync: {state}")
        } else {
            format!("sync: {state}, {} unsent", self.unsent)
        })
    }

    /// The full text of `sync status`.
    pub fn render(&self, now: Timestamp) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let ago = |t: Timestamp| format!("{} ago", span(now.duration_since(t)));
        let _ = writeln!(s, "Incident: {}", self.incident);
        match &self.room_id {
            Some(r) => {
                let _ = writeln!(s, "Room: {r}");
            }
            None => {
                let _ = writeln!(s, "Room: not attached (commandpost sync attach ROOM)");
            }
        }
        let state = match &self.liveness {
            Liveness::NotAttached => "not attached".to_string(),
            Liveness::Live { ok_at } => format!("live (heard from the homeserver {})", ago(*ok_at)),
            Liveness::Offline { since, reason } => {
                format!(
                    "offline since {} ({}): {reason}",
                    since.strftime("%H:%M:%S UTC"),
                    ago(*since)
                )
            }
            Liveness::Idle { last_contact } => match last_contact {
                Some(t) => format!("idle (last contact {})", ago(*t)),
                None => "idle (no contact yet)".to_string(),
            },
        };
        let _ = writeln!(s, "State: {state}");
        match self.oldest_unsent_at {
            Some(t) if self.unsent > 0 => {
                let _ = writeln!(s, "Unsent: {} (oldest made {})", self.unsent, ago(t));
            }
            _ => {
                let _ = writeln!(s, "Unsent: 0");
            }
        }
        match &self.last_received {
            Some(r) => {
                let _ = writeln!(
                    s,
                    "Last received: {} from {} ({}), {} ({} events received in all)",
                    r.kind,
                    r.actor,
                    r.origin,
                    ago(r.at),
                    self.received_total
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "Last received: nothing yet ({} in the journal)",
                    self.received_total
                );
            }
        }
        let list = |s: &mut String, title: &str, rows: &[String]| {
            if rows.is_empty() {
                let _ = writeln!(s, "{title}: none");
            } else {
                let _ = writeln!(s, "{title}:");
                for r in rows {
                    let _ = writeln!(s, "  - {r}");
                }
            }
        };
        list(&mut s, "Conflicts", &self.conflicts);
        list(&mut s, "Rejected room commands", &self.rejected);
        if self.redactions > 0 {
            let _ = writeln!(
                s,
                "Redacted in the room: {} (kept in the journal)",
                self.redactions
            );
        }
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::Payload;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn unsent_liveness_and_words() {
        let evs: Vec<Event> = (1..=9)
            .map(|i| {
                let p = if i == 1 {
                    Payload::opened("INC-1", "t", "Alice")
                } else {
                    Payload::NoteAdded { text: "n".into() }
                };
                Event::new(i, t("2026-11-21T14:00:00Z"), "Alice", p)
            })
            .collect();
        let inc = Incident::replay(&evs).unwrap();
        let now = t("2026-11-21T14:10:00Z");
        let mut sc = Sidecar::default();
        assert_eq!(status(&inc, &evs, &sc, now).line(), None);
        sc.room_id = Some("!r:hs".into());
        sc.watermark = 2;
        sc.contact.ok_at = Some(t("2026-11-21T14:09:50Z"));
        let st = status(&inc, &evs, &sc, now);
        assert_eq!(st.unsent, 7);
        assert_eq!(st.line().as_deref(), Some("sync: live, 7 unsent"));
        sc.contact.error_at = Some(t("2026-11-21T14:09:55Z"));
        sc.contact.error = Some("connection refused".into());
        let st = status(&inc, &evs, &sc, now);
        assert_eq!(st.line().as_deref(), Some("sync: offline, 7 unsent"));
        let text = st.render(now);
        assert!(
            text.contains("offline since 14:09:55 UTC (5 s ago): connection refused"),
            "{text}"
        );
        assert!(
            text.contains("Unsent: 7 (oldest made 10 min ago)"),
            "{text}"
        );
        sc.contact.ok_at = Some(t("2026-11-21T14:05:00Z"));
        sc.contact.error_at = None;
        sc.watermark = 9;
        assert_eq!(
            status(&inc, &evs, &sc, now).line().as_deref(),
            Some("sync: idle")
        );
    }
}
