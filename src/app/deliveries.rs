//! Delivery in the cockpit.
//!
//! - [`Deliveries`]: the per-message, per-backend view in the model, folded (purely) from the
//!   outbox's journal events as they arrive, whichever way they arrive.
//! - [`OutboxCmd`] / [`OutboxMsg`]: what `update` asks and what comes back.
//! - The executor's side is `shell::real::Courier`.

use crate::config::Config;
use crate::delivery::outbox::{DeliveryStatus, OutboxRow, OutboxState};
use crate::delivery::setup;
use crate::domain::Event;
use crate::domain::outbound::{MessageKind, OutboundMessage};
use jiff::Timestamp;
use std::path::Path;

/// The outbox as the cockpit shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deliveries {
    pub state: OutboxState,
    /// The last journal sequence number folded in (events arrive from two streams, the
    /// outbox's own and the journal poll; each is in order, so older ones are skipped).
    pub last_seq: u64,
}

/// One line of the deliveries overlay: a message to one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    pub queued_at: Timestamp,
    pub row: OutboxRow,
}

impl Deliveries {
    pub fn replay(events: &[Event]) -> Deliveries {
        let mut d = Deliveries::default();
        for e in events {
            d.apply(e);
        }
        d
    }

    /// Folds one journal event in; `true` if it was new.
    pub fn apply(&mut self, e: &Event) -> bool {
        if e.seq <= self.last_seq {
            return false;
        }
        self.last_seq = e.seq;
        self.state.apply(e);
        true
    }

    /// Replaces the view with the outbox's own replay when that one is newer.
    pub fn snapshot(&mut self, state: OutboxState, seq: u64) {
        if seq >= self.last_seq {
            self.state = state;
            self.last_seq = seq;
        }
    }

    /// (pending, failed) deliveries of this cockpit (another cockpit's, in a replicated
    /// incident, are its own to deliver).
    pub fn counts(&self) -> (u32, u32) {
        let mut pending = 0;
        let mut failed = 0;
        for m in self.state.local() {
            for d in m.deliveries.values() {
                if d.status.is_pending() {
                    pending += 1;
                } else if matches!(d.status, DeliveryStatus::Failed { .. }) {
                    failed += 1;
                }
            }
        }
        (pending, failed)
    }

    /// Every delivery, newest message first (backends in name order).
    pub fn rows(&self) -> Vec<DeliveryRow> {
        let mut out = Vec::new();
        for m in self.state.messages.iter().rev() {
            for (b, d) in &m.deliveries {
                out.push(DeliveryRow {
                    queued_at: m.queued_at,
                    row: OutboxRow::of(m, b, d),
                });
            }
        }
        out
    }

    /// Pending or failed deliveries, one line each (for the hand-off brief).
    pub fn open_lines(&self, now: Timestamp) -> Vec<String> {
        self.rows()
            .into_iter()
            .rev()
            .filter(|r| {
                r.row.status.is_pending() || matches!(r.row.status, DeliveryStatus::Failed { .. })
            })
            .map(|r| {
                format!(
                    "{} {:?} to {}: {}",
                    r.row.kind,
                    r.row.headline,
                    r.row.backend,
                    r.row.status.label(now)
                )
            })
            .collect()
    }

    /// Whether a page is open (triggered and not resolved).
    pub fn page_open(&self) -> bool {
        setup::page_open(&self.state)
    }
}

/// Whether an outbox event belongs on the timeline: what was queued, what failed, what the
/// IC dropped or retried. Attempts and successful or retried outcomes are in the deliveries
/// overlay (`D`), not in the timeline.
pub fn on_timeline(e: &Event) -> bool {
    use crate::domain::outbound::{AttemptResult, OutboxEvent};
    match &e.payload {
        crate::domain::Payload::Outbox(o) => match o {
            OutboxEvent::Attempt { .. } => false,
            OutboxEvent::Outcome { result, .. } => matches!(result, AttemptResult::Failed { .. }),
            _ => true,
        },
        _ => true,
    }
}

/// What `update` asks of the outbox. (A few per key press: the size does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxCmd {
    /// Journals the message as queued (to `only` backends, else to every backend that sends
    /// its kind), then delivers it in the background.
    Send {
        msg: OutboundMessage,
        only: Option<Vec<String>>,
    },
    /// Requeues a failed (or dropped) delivery and delivers it again.
    Retry { message: String, backend: String },
    /// Gives up on a delivery.
    Drop { message: String, backend: String },
}

/// What comes back from the outbox.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxMsg {
    /// Events the outbox journaled (or read), in order.
    Events(Vec<Event>),
    /// The outbox's replay when it opened, with the journal's last sequence number.
    Snapshot { state: OutboxState, seq: u64 },
    /// Done: what to tell the IC.
    Done(String),
    /// Could not queue, retry or drop, or a problem with delivery itself.
    Failed(String),
}

/// (name, kinds it sends) for every backend the cockpit will use, from the configuration
/// alone (no IO). Invalid entries are left out (the config checker reports them).
pub fn configured_backends(cfg: &Config) -> Vec<(String, Vec<MessageKind>)> {
    match setup::backend_configs(cfg, Path::new("")) {
        Ok(v) => v.into_iter().map(|b| (b.name.clone(), b.sends())).collect(),
        Err(_) => cfg
            .backends
            .iter()
            .filter_map(|t| crate::delivery::BackendConfig::from_table(t).ok())
            .map(|b| (b.name.clone(), b.sends()))
            .collect(),
    }
}
