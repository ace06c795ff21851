//! The effects of a real incident: its journal (every change fsynced before it shows),
//! the delivery outbox, drafts next to the journal, the post-mortem writer.
//!
//! The delivery side is the [`Courier`] (a drill's backends marked `drill = true` use one
//! too): the outbox of the open incident and its background runner. Queueing journals the
//! message (fsync) on the executor thread, never on the UI path; a background task on the
//! tokio runtime runs the outbox (per-backend workers), so a hanging backend delays nothing
//! but itself. Every outbox event streams back as `OutboxMsg::Events`. Opening the outbox
//! runs it once: undelivered messages resume at start.

use crate::app::composer::kind::Kind;
use crate::app::deliveries::{OutboxCmd, OutboxMsg, configured_backends};
use crate::app::msg::Msg;
use crate::config::Config;
use crate::delivery::outbox::{Outbox, OutboxState};
use crate::delivery::{Backend, setup};
use crate::domain::incident::{DomainError, Incident};
use crate::domain::outbound::MessageKind;
use crate::domain::{Event, Payload};
use crate::journal::{Journal, JournalError, Store};
use crate::shell::effects::{Effects, Refused};
use crate::shell::keep::Keeper;
use crate::shell::{drafts, postmortem};
use crate::sync::follow::Follower;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the executor owns for a real incident.
pub struct RealEffects {
    pub store: Store,
    pub journal: Option<Journal>,
    /// The open incident's id (`None` until one is created).
    pub id: Option<String>,
    pub actor: String,
    /// The incident as the journal has it: appends are numbered against it under the lock.
    pub inc: Option<Incident>,
    pub config: Config,
    pub courier: Courier,
    /// Keeps the journal's snapshot (`None`: a new incident, or a short one opened whole).
    pub keeper: Option<Keeper>,
    /// A second reader of the journal standing where the cockpit's replay ended, for the
    /// outbox (which then reads nothing again).
    pub outbox_reader: Option<Journal>,
    /// The follower of a synced incident's room (`shell::sync`): nudged after own appends.
    pub follower: Option<Follower>,
    /// Where a follower started later reports (`None`: never start one, e.g. the demo).
    pub sync_tx: Option<tokio::sync::mpsc::UnboundedSender<crate::app::msg::Msg>>,
    /// A follower was started or tried once already (a failed start is not retried).
    pub sync_tried: bool,
}

impl RealEffects {
    /// A cockpit started before `sync attach` (in another terminal) notices the sidecar
    /// appearing on its journal poll and starts following the room, without a restart.
    fn follow_if_attached(&mut self) {
        if self.follower.is_some() || self.sync_tried {
            return;
        }
        let (Some(tx), Some(id)) = (&self.sync_tx, &self.id) else {
            return;
        };
        let Some(room) = crate::shell::sync::room(&self.store, id) else {
            return;
        };
        self.sync_tried = true;
        let _ = tx.send(crate::app::msg::Msg::Sync(
            crate::app::sync_view::SyncMsg::Attached(room),
        ));
        self.follower = crate::shell::sync::start(&self.store, id, &self.config, &self.actor, tx);
    }

    /// Own events are in the journal: the follower sends them now.
    fn nudge(&self, events: &[Event]) {
        if let Some(f) = &self.follower
            && events.iter().any(Event::is_local)
        {
            f.nudge();
        }
    }
}

/// Folds events into the executor's view of the incident.
fn fold(inc: &mut Option<Incident>, events: &[Event]) {
    for e in events {
        match inc {
            Some(i) => i.apply(e),
            None => *inc = Incident::replay(std::slice::from_ref(e)).ok(),
        }
    }
}

/// Why a locked append wrote nothing.
#[derive(Debug, thiserror::Error)]
enum Locked {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Domain(DomainError),
}

impl Effects for RealEffects {
    fn start(&mut self) {
        // Undelivered messages resume now.
        match (self.outbox_reader.take(), &self.keeper, &self.id) {
            (Some(reader), Some(k), _) => self.courier.open_at(reader, k.outbox().clone()),
            (_, _, Some(id)) => self.courier.open(&self.store.journal_path(id)),
            _ => {}
        }
    }

    fn create(&mut self, title: &str) -> Result<Vec<Event>, Refused> {
        let (j, ev) = self
            .store
            .create(title, &self.actor, Timestamp::now())
            .map_err(|e| Refused::new(e.to_string()))?;
        self.journal = Some(j);
        if let Payload::IncidentOpened { id, .. } = &ev.payload {
            self.id = Some(id.clone());
            self.courier.open(&self.store.journal_path(id));
        }
        fold(&mut self.inc, std::slice::from_ref(&ev));
        Ok(vec![ev])
    }

    fn append(&mut self, p: Payload) -> Result<Vec<Event>, Refused> {
        let Some(j) = self.journal.as_mut() else {
            return Err(Refused::new("no incident is open"));
        };
        // Numbered under the journal's lock against the incident as it is then (another
        // cockpit or a script may have added items meanwhile).
        let inc = &mut self.inc;
        let p = crate::domain::numbered::stamp(p, || self.store.home());
        let mut seen = Vec::new();
        let appended = j.append_with(&self.actor, Timestamp::now, |new, _now| {
            fold(inc, new);
            seen.extend_from_slice(new);
            match inc.as_ref() {
                Some(i) => i.renumber(p).map_err(Locked::Domain),
                None => Ok(p),
            }
        });
        match appended {
            Ok(events) => {
                fold(
                    &mut self.inc,
                    events.last().map(std::slice::from_ref).unwrap_or_default(),
                );
                self.keep(&events);
                self.nudge(&events);
                Ok(events)
            }
            Err(e) => {
                self.keep(&seen);
                Err(Refused {
                    error: e.to_string(),
                    seen,
                })
            }
        }
    }

    fn outbox(&mut self, c: OutboxCmd) -> OutboxMsg {
        self.courier.run(c)
    }

    fn draft(&mut self, kind: Kind, content: Option<&str>) -> Result<(), String> {
        match self.id.as_deref() {
            Some(id) => drafts::write_draft(&self.store.incident_dir(id), kind, content)
                .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    fn postmortem(
        &mut self,
        tz: Option<TimeZone>,
        reply: &mpsc::UnboundedSender<Msg>,
    ) -> Option<Msg> {
        let Some(id) = &self.id else {
            return Some(Msg::Postmortem(Err("no incident is open".into())));
        };
        let (store, id, cfg, tx) = (
            self.store.clone(),
            id.clone(),
            self.config.clone(),
            reply.clone(),
        );
        // Off the executor: a long journal must not hold up appends.
        let spawned = std::thread::Builder::new()
            .name("postmortem".into())
            .spawn(move || {
                let r = postmortem::write_postmortem(&store, &id, &cfg, tz.as_ref());
                let _ = tx.send(Msg::Postmortem(r));
            });
        spawned.err().map(|e| Msg::Postmortem(Err(e.to_string())))
    }

    fn poll(&mut self) -> Result<Vec<Event>, String> {
        let Some(j) = self.journal.as_mut() else {
            return Ok(Vec::new());
        };
        let events = j.poll().map_err(|e| e.to_string())?;
        self.follow_if_attached();
        fold(&mut self.inc, &events);
        self.keep(&events);
        // Own events another writer put there (the courier's delivery records, a headless
        // command): the room gets them too.
        self.nudge(&events);
        Ok(events)
    }

    fn older(&mut self, end: u64, max: usize) -> Result<(Vec<Event>, u64), String> {
        let Some(j) = self.journal.as_ref() else {
            return Ok((Vec::new(), 0));
        };
        Journal::read_back(j.path(), end, max).map_err(|e| e.to_string())
    }

    fn finish(mut self: Box<Self>) -> Option<String> {
        if let (Some(k), Some(j), Some(inc)) = (self.keeper.take(), &self.journal, &self.inc) {
            k.finish(j, inc);
        }
        None
    }
}

impl RealEffects {
    /// Events read or written: the snapshot keeper follows (and saves one when due).
    fn keep(&mut self, events: &[Event]) {
        if let (Some(k), Some(j), Some(inc)) = (self.keeper.as_mut(), &self.journal, &self.inc) {
            k.fold(events);
            k.tick(j, inc);
        }
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
