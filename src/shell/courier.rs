//! The executor's delivery side: the outbox of the open incident and its background runner.
//! Queueing journals the message (fsync) on the executor thread, never on the UI path; a
//! background task on the tokio runtime runs the outbox (per-backend workers), so a hanging
//! backend delays nothing but itself. Every outbox event streams back as
//! `OutboxMsg::Events`. Opening the outbox runs it once: undelivered messages resume at start.

use crate::app::deliveries::{OutboxCmd, OutboxMsg, configured_backends};
use crate::app::msg::Msg;
use crate::config::Config;
use crate::delivery::outbox::{Outbox, OutboxState};
use crate::delivery::{Backend, setup};
use crate::domain::Event;
use crate::domain::outbound::MessageKind;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc;

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

    fn usable_backends(&self) -> Vec<Arc<dyn Backend>> {
        match &self.backends {
            Ok(b) => b.clone(),
            Err(e) => {
                self.send(OutboxMsg::Failed(format!(
                    "delivery is off: {e} (messages are queued and go out once the config is fixed)"
                )));
                Vec::new()
            }
        }
    }

    /// Opens the outbox of the journal at `path` and starts delivering what is pending.
    pub fn open(&mut self, path: &Path) {
        let backends = self.usable_backends();
        // Read before opening: the snapshot then covers at least up to `seq` (events after it
        // may be folded twice, which replays to the same state).
        let seq = crate::journal::Journal::read(path)
            .ok()
            .and_then(|(evs, _)| evs.last().map(|e| e.seq))
            .unwrap_or(0);
        match Outbox::open(path, backends, self.actor.clone()) {
            Ok(o) => self.begin(o, seq),
            Err(e) => self.send(OutboxMsg::Failed(format!("outbox: {e}"))),
        }
    }

    /// Like [`Courier::open`] for a journal already read: `journal` stands where `state` (its
    /// outbox) was replayed to (a second reader of the cockpit's journal, opened from its
    /// snapshot): nothing is read again.
    pub fn open_at(&mut self, journal: crate::journal::Journal, state: OutboxState) {
        let backends = self.usable_backends();
        let seq = journal.last_seq();
        let outbox = Outbox::new(journal, state, backends, self.actor.clone());
        self.begin(outbox, seq);
    }

    fn begin(&mut self, outbox: Outbox, seq: u64) {
        let (ev_tx, ev_rx) = mpsc::unbounded_channel::<Event>();
        let outbox = outbox.with_notify(ev_tx);
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
