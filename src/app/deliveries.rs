//! Delivery in the cockpit.
//!
//! - [`Deliveries`]: the per-message, per-backend view in the model, folded (purely) from the
//!   outbox's journal events as they arrive, whichever way they arrive.
//! - [`OutboxCmd`] / [`OutboxMsg`]: what `update` asks and what comes back.
//! - [`Courier`]: the executor's side. Queueing journals the message (fsync) on the executor
//!   thread, never on the UI path; a background task on the tokio runtime runs the outbox
//!   (per-backend workers), so a hanging backend delays nothing but itself. Every outbox event
//!   streams back as [`OutboxMsg::Events`]. Opening the outbox runs it once: undelivered
//!   messages resume at start.

use crate::app::msg::Msg;
use crate::config::Config;
use crate::delivery::outbox::{DeliveryStatus, Outbox, OutboxRow, OutboxState};
use crate::delivery::{Backend, setup};
use crate::domain::Event;
use crate::domain::incident::Incident;
use crate::domain::outbound::{MessageKind, OutboundMessage};
use jiff::Timestamp;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc;

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
                    row: OutboxRow {
                        message: m.message.id.clone(),
                        origin: m.origin.clone(),
                        kind: m.message.kind,
                        headline: m.message.headline.clone(),
                        backend: b.clone(),
                        status: d.status.clone(),
                        attempts: d.attempts,
                        updated_at: d.updated_at,
                    },
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

/// An announcement about `inc` (`@all: IC -> Ricardo`), with an optional body (the hand-off
/// brief).
pub fn announcement(inc: &Incident, text: &str, body: &str) -> OutboundMessage {
    setup::message(inc, MessageKind::Announcement, text, body)
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

/// The executor's delivery side: the outbox of the open incident and its background runner.
pub struct Courier {
    handle: tokio::runtime::Handle,
    backends: Result<Vec<Arc<dyn Backend>>, String>,
    /// The configured backends by name, for queueing when they could not be built.
    configured: Vec<(String, Vec<MessageKind>)>,
    actor: String,
    tx: mpsc::UnboundedSender<Msg>,
    outbox: Option<Outbox>,
    kick: Option<mpsc::UnboundedSender<()>>,
}

impl Courier {
    /// Builds the backends (the embedded file backend under `data_dir` when none is
    /// configured). Nothing is delivered until [`Courier::open`].
    pub fn new(
        handle: tokio::runtime::Handle,
        config: &Config,
        data_dir: &Path,
        actor: &str,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Courier {
        let backends = setup::build(config, data_dir);
        Courier::with_backends(handle, backends, config, actor, tx)
    }

    /// With backends already built (or why they could not be); `config` names them.
    pub fn with_backends(
        handle: tokio::runtime::Handle,
        backends: Result<Vec<Arc<dyn Backend>>, String>,
        config: &Config,
        actor: &str,
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Courier {
        Courier {
            handle,
            backends,
            configured: configured_backends(config),
            actor: actor.to_string(),
            tx,
            outbox: None,
            kick: None,
        }
    }

    pub fn backends(&self) -> &[Arc<dyn Backend>] {
        match &self.backends {
            Ok(b) => b,
            Err(_) => &[],
        }
    }

    fn send(&self, m: OutboxMsg) {
        let _ = self.tx.send(Msg::Outbox(m));
    }

    /// Opens the outbox of the journal at `path` and starts delivering what is pending.
    pub fn open(&mut self, path: &Path) {
        let backends = match &self.backends {
            Ok(b) => b.clone(),
            Err(e) => {
                self.send(OutboxMsg::Failed(format!(
                    "delivery is off: {e} (messages are queued and go out once the config is fixed)"
                )));
                Vec::new()
            }
        };
        // Read before opening: the snapshot then covers at least up to `seq` (events after it
        // may be folded twice, which replays to the same state).
        let seq = crate::journal::Journal::read(path)
            .ok()
            .and_then(|(evs, _)| evs.last().map(|e| e.seq))
            .unwrap_or(0);
        let (ev_tx, ev_rx) = mpsc::unbounded_channel::<Event>();
        let outbox = match Outbox::open(path, backends, self.actor.clone()) {
            Ok(o) => o.with_notify(ev_tx),
            Err(e) => {
                self.send(OutboxMsg::Failed(format!("outbox: {e}")));
                return;
            }
        };
        let state = outbox.state();
        self.send(OutboxMsg::Snapshot { state, seq });
        let (kick_tx, kick_rx) = mpsc::unbounded_channel::<()>();
        self.handle.spawn(forward(ev_rx, self.tx.clone()));
        self.handle
            .spawn(runner(outbox.clone(), kick_rx, self.tx.clone()));
        self.outbox = Some(outbox);
        self.kick = Some(kick_tx);
    }

    fn kick(&self) {
        if let Some(k) = &self.kick {
            let _ = k.send(());
        }
    }

    /// Runs one command (journal writes are fsynced here, on the executor thread) and
    /// answers with what to tell the IC.
    pub fn run(&mut self, cmd: OutboxCmd) -> OutboxMsg {
        let Some(ob) = &self.outbox else {
            return OutboxMsg::Failed("NOT queued: no outbox is open".into());
        };
        let done = match cmd {
            OutboxCmd::Send { msg, only } => {
                let what = if msg.headline.trim().is_empty() {
                    msg.kind.to_string()
                } else {
                    format!("{} {:?}", msg.kind, msg.headline.trim())
                };
                let r = match (only, &self.backends) {
                    (Some(names), _) => ob.queue_to(msg, names),
                    (None, Ok(_)) => ob.queue(msg),
                    // Backends that could not be built (a missing secret): queued to them by
                    // name all the same, delivered once the configuration is fixed.
                    (None, Err(_)) => {
                        let names = self
                            .configured
                            .iter()
                            .filter(|(_, sends)| sends.contains(&msg.kind))
                            .map(|(n, _)| n.clone())
                            .collect();
                        ob.queue_to(msg, names)
                    }
                };
                match r {
                    Ok(m) => {
                        let to: Vec<String> = ob
                            .state()
                            .message(&m.id)
                            .map(|q| q.deliveries.keys().cloned().collect())
                            .unwrap_or_default();
                        if to.is_empty() {
                            return OutboxMsg::Failed(format!(
                                "{what}: no backend sends {} (see [[backends]] sends)",
                                m.kind
                            ));
                        }
                        Ok(format!("Queued {what} for {}", to.join(", ")))
                    }
                    Err(e) => Err(format!("{what} NOT queued: {e}")),
                }
            }
            OutboxCmd::Retry { message, backend } => ob
                .requeue(&message, &backend)
                .map(|()| format!("Retrying {message} to {backend}"))
                .map_err(|e| format!("cannot retry: {e}")),
            OutboxCmd::Drop { message, backend } => ob
                .drop_delivery(&message, &backend)
                .map(|()| format!("Dropped {message} to {backend}: it will not be sent"))
                .map_err(|e| format!("cannot drop: {e}")),
        };
        match done {
            Ok(text) => {
                self.kick();
                OutboxMsg::Done(text)
            }
            Err(e) => OutboxMsg::Failed(e),
        }
    }
}

/// Streams the outbox's events to the cockpit, a burst as one message.
async fn forward(mut rx: mpsc::UnboundedReceiver<Event>, tx: mpsc::UnboundedSender<Msg>) {
    while let Some(e) = rx.recv().await {
        let mut batch = vec![e];
        while let Ok(e) = rx.try_recv() {
            batch.push(e);
        }
        if tx.send(Msg::Outbox(OutboxMsg::Events(batch))).is_err() {
            break;
        }
    }
}

/// Runs the outbox now (what is pending from before resumes) and again after every queue:
/// a run starts workers only for backends with something pending when it starts. Concurrent
/// runs are safe (per-backend locks); a run for a hanging backend lasts until it answers.
async fn runner(ob: Outbox, mut kick: mpsc::UnboundedReceiver<()>, tx: mpsc::UnboundedSender<Msg>) {
    loop {
        let ob2 = ob.clone();
        let tx2 = tx.clone();
        tokio::spawn(async move {
            let problems = match ob2.run(None).await {
                Ok(report) => report.problems,
                Err(e) => vec![e.to_string()],
            };
            for p in problems {
                let _ = tx2.send(Msg::Outbox(OutboxMsg::Failed(p)));
            }
        });
        if kick.recv().await.is_none() {
            return;
        }
        while kick.try_recv().is_ok() {}
    }
}
