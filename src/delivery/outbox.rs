//! The durable outbox: every outbound message is a journal event before its first attempt;
//! each attempt and each outcome is a journal event too. After a crash or a restart,
//! undelivered messages resume from the journal (an attempt without an outcome is retried
//! with the same idempotency key). Backends are delivered by independent workers; a
//! per-(incident, backend) lock file keeps two processes from delivering the same message.
//!
//! - [`OutboxEvent`](crate::domain::outbound::OutboxEvent): the journal payload
//!   (`Payload::Outbox`), pure data in `domain::outbound`.
//! - [`OutboxState`]: pure replay of those events (for the cockpit, `outbox --json`).
//! - [`Outbox`]: queues messages and runs the workers until done or a deadline.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

use super::backend::{Backend, DeliveryContext, DeliveryError};
use super::http::human_duration;
use super::retry::RetryPolicy;
use crate::domain::event::{Event, Payload};
use crate::domain::outbound::{
    AttemptResult, MessageKind, OutboundMessage, OutboxEvent, message_id_for,
};
use crate::journal::{Journal, JournalError};

/// Where one delivery (message x backend) stands.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeliveryStatus {
    Queued,
    /// An attempt was journaled and has no outcome yet: under way, or interrupted by a crash
    /// (then retried with the same idempotency key).
    Sending {
        attempt: u32,
    },
    Retrying {
        reason: String,
        retry_at: Timestamp,
    },
    Delivered {
        detail: String,
    },
    Failed {
        reason: String,
    },
    Dropped,
}

impl DeliveryStatus {
    /// Still to be delivered.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            DeliveryStatus::Queued
                | DeliveryStatus::Sending { .. }
                | DeliveryStatus::Retrying { .. }
        )
    }

    /// `queued`, `sending`, `delivered`, `retrying in 12s: reason`, `failed: reason`, `dropped`.
    pub fn label(&self, now: Timestamp) -> String {
        match self {
            DeliveryStatus::Queued => "queued".into(),
            DeliveryStatus::Sending { .. } => "sending".into(),
            DeliveryStatus::Retrying { reason, retry_at } => {
                let wait = retry_at.duration_since(now);
                if wait.is_positive() {
                    let secs = wait.as_secs() + i64::from(wait.subsec_nanos() > 0);
                    format!("retrying in {secs}s: {reason}")
                } else {
                    format!("retrying: {reason}")
                }
            }
            DeliveryStatus::Delivered { .. } => "delivered".into(),
            DeliveryStatus::Failed { reason } => format!("failed: {reason}"),
            DeliveryStatus::Dropped => "dropped".into(),
        }
    }
}

/// One delivery's record.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub parts_done: u32,
    pub updated_at: Timestamp,
}

/// A queued message and its deliveries, by backend name.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct QueuedMessage {
    pub seq: u64,
    /// The cockpit that queued it, if not this one (a replicated incident, issue 12): it
    /// is shown here, and delivered only by that cockpit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    pub queued_at: Timestamp,
    pub message: OutboundMessage,
    pub deliveries: BTreeMap<String, Delivery>,
}

/// The outbox of one incident, replayed from its journal. Pure: no IO, no clock.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxState {
    /// In queue order.
    pub messages: Vec<QueuedMessage>,
    /// The latest backend reference per backend (e.g. the Statuspage incident id).
    pub remote_refs: BTreeMap<String, String>,
    /// (origin of the queuing cockpit, `None` for this one; message id) -> position.
    /// Outbox events name messages of their own origin, so each origin has its ids.
    #[serde(skip)]
    index: BTreeMap<(Option<String>, String), usize>,
}

/// One row of `commandpost outbox [--json]` and of a run's report.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub message: String,
    /// The cockpit that queued (and delivers) it, if not this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    pub kind: MessageKind,
    pub headline: String,
    pub backend: String,
    #[serde(flatten)]
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub updated_at: Timestamp,
}

impl OutboxRow {
    /// The row of message `m`'s delivery `d` to backend `b`.
    pub fn of(m: &QueuedMessage, b: &str, d: &Delivery) -> OutboxRow {
        OutboxRow {
            message: m.message.id.clone(),
            origin: m.origin.clone(),
            kind: m.message.kind,
            headline: m.message.headline.clone(),
            backend: b.to_string(),
            status: d.status.clone(),
            attempts: d.attempts,
            updated_at: d.updated_at,
        }
    }
}

impl OutboxState {
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut s = OutboxState::default();
        for e in events {
            s.apply(e);
        }
        s
    }

    /// Folds one journal event in (events that are not the outbox's are ignored). Events
    /// from another cockpit (replicated) are folded in that cockpit's namespace: shown,
    /// never delivered here.
    pub fn apply(&mut self, e: &Event) {
        let Payload::Outbox(o) = &e.payload else {
            return;
        };
        let origin = e.rep.origin.clone();
        match o {
            OutboxEvent::Queued { message, backends } => {
                // A derived id uses the seq in the queuing cockpit's journal.
                let id = message_id_for(message, e.oseq());
                let key = (origin.clone(), id.clone());
                if self.index.contains_key(&key) {
                    return;
                }
                let mut message = OutboundMessage::clone(message);
                message.id = id.clone();
                let deliveries = backends
                    .iter()
                    .map(|b| {
                        (
                            b.clone(),
                            Delivery {
                                status: DeliveryStatus::Queued,
                                attempts: 0,
                                parts_done: 0,
                                updated_at: e.ts,
                            },
                        )
                    })
                    .collect();
                self.index.insert(key, self.messages.len());
                self.messages.push(QueuedMessage {
                    seq: e.seq,
                    origin,
                    queued_at: e.ts,
                    message,
                    deliveries,
                });
            }
            OutboxEvent::Attempt {
                message,
                backend,
                attempt,
            } => {
                if let Some(d) = self.delivery_mut(&origin, message, backend) {
                    d.status = DeliveryStatus::Sending { attempt: *attempt };
                    d.attempts = d.attempts.max(*attempt);
                    d.updated_at = e.ts;
                }
            }
            OutboxEvent::Outcome {
                message,
                backend,
                attempt,
                result,
            } => {
                if let AttemptResult::Delivered {
                    remote_ref: Some(r),
                    ..
                } = result
                    && origin.is_none()
                {
                    self.remote_refs.insert(backend.clone(), r.clone());
                }
                if let Some(d) = self.delivery_mut(&origin, message, backend) {
                    d.attempts = d.attempts.max(*attempt);
                    d.updated_at = e.ts;
                    d.status = match result {
                        AttemptResult::Delivered { detail, .. } => DeliveryStatus::Delivered {
                            detail: detail.clone(),
                        },
                        AttemptResult::Retrying {
                            reason,
                            retry_at,
                            parts_done,
                        } => {
                            d.parts_done = d.parts_done.max(*parts_done);
                            DeliveryStatus::Retrying {
                                reason: reason.clone(),
                                retry_at: *retry_at,
                            }
                        }
                        AttemptResult::Failed { reason } => DeliveryStatus::Failed {
                            reason: reason.clone(),
                        },
                    };
                }
            }
            OutboxEvent::Dropped { message, backend } => {
                if let Some(d) = self.delivery_mut(&origin, message, backend)
                    && !matches!(d.status, DeliveryStatus::Delivered { .. })
                {
                    d.status = DeliveryStatus::Dropped;
                    d.updated_at = e.ts;
                }
            }
            OutboxEvent::Requeued { message, backend } => {
                if let Some(d) = self.delivery_mut(&origin, message, backend)
                    && matches!(
                        d.status,
                        DeliveryStatus::Failed { .. } | DeliveryStatus::Dropped
                    )
                {
                    d.status = DeliveryStatus::Queued;
                    d.updated_at = e.ts;
                }
            }
        }
    }

    /// Rebuilds the index by (origin, message id), which is not serialised (after
    /// deserialising).
    pub fn reindexed(mut self) -> Self {
        self.index = self
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| ((m.origin.clone(), m.message.id.clone()), i))
            .collect();
        self
    }

    fn delivery_mut(
        &mut self,
        origin: &Option<String>,
        message: &str,
        backend: &str,
    ) -> Option<&mut Delivery> {
        let i = *self.index.get(&(origin.clone(), message.to_string()))?;
        self.messages.get_mut(i)?.deliveries.get_mut(backend)
    }

    /// A message this cockpit queued.
    pub fn message(&self, id: &str) -> Option<&QueuedMessage> {
        self.index
            .get(&(None, id.to_string()))
            .and_then(|i| self.messages.get(*i))
    }

    /// Messages this cockpit queued (and delivers), in queue order.
    pub fn local(&self) -> impl Iterator<Item = &QueuedMessage> {
        self.messages.iter().filter(|m| m.origin.is_none())
    }

    pub fn delivery(&self, message: &str, backend: &str) -> Option<&Delivery> {
        self.message(message)?.deliveries.get(backend)
    }

    /// Backends with something still to deliver.
    pub fn pending_backends(&self) -> BTreeSet<String> {
        self.local()
            .flat_map(|m| m.deliveries.iter())
            .filter(|(_, d)| d.status.is_pending())
            .map(|(b, _)| b.clone())
            .collect()
    }

    /// (message id, backend) of every delivery still to be made.
    pub fn pending(&self) -> Vec<(String, String)> {
        self.local()
            .flat_map(|m| {
                m.deliveries
                    .iter()
                    .filter(|(_, d)| d.status.is_pending())
                    .map(|(b, _)| (m.message.id.clone(), b.clone()))
            })
            .collect()
    }

    /// The next delivery for `backend`, in queue order (a backend gets its messages in order).
    pub fn next_for(&self, backend: &str) -> Option<(&QueuedMessage, &Delivery)> {
        self.local().find_map(|m| {
            m.deliveries
                .get(backend)
                .filter(|d| d.status.is_pending())
                .map(|d| (m, d))
        })
    }

    /// Every delivery, in queue order then backend name.
    pub fn rows(&self) -> Vec<OutboxRow> {
        self.messages
            .iter()
            .flat_map(|m| m.deliveries.iter().map(|(b, d)| OutboxRow::of(m, b, d)))
            .collect()
    }
}

/// What went wrong with the outbox itself (not with a delivery).
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{path}: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no message {0:?} in the outbox")]
    NoSuchMessage(String),
    #[error("message {0:?} is not queued for backend {1:?}")]
    NoSuchDelivery(String, String),
    #[error("the outbox worker stopped unexpectedly")]
    Worker,
}

/// The result of [`Outbox::run`]: the deliveries that were pending when it started (and any
/// queued while it ran), as they stand now.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxReport {
    pub rows: Vec<OutboxRow>,
    /// Problems that kept deliveries from being attempted (unknown backend, journal errors).
    pub problems: Vec<String>,
}

impl OutboxReport {
    /// Every reported delivery is delivered (or dropped).
    pub fn all_done(&self) -> bool {
        self.rows.iter().all(|r| !r.status.is_pending())
    }
    pub fn pending(&self) -> usize {
        self.rows.iter().filter(|r| r.status.is_pending()).count()
    }
    pub fn failed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| matches!(r.status, DeliveryStatus::Failed { .. }))
            .count()
    }

    /// Per backend, one line per message: `incident-room  delivered  sitrep "Sitrep v3"`.
    pub fn text(&self, now: Timestamp) -> String {
        let width = self
            .rows
            .iter()
            .map(|r| r.backend.chars().count())
            .max()
            .unwrap_or(0);
        let mut out: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{:<width$}  {} {:?}: {}",
                    r.backend,
                    r.kind,
                    r.headline,
                    r.status.label(now)
                )
            })
            .collect();
        out.extend(self.problems.iter().cloned());
        out.join("\n")
    }
}

struct Shared {
    journal: Journal,
    state: OutboxState,
}

struct Inner {
    shared: Mutex<Shared>,
    lock_dir: PathBuf,
    backends: Vec<Arc<dyn Backend>>,
    policy: RetryPolicy,
    actor: String,
    notify: Option<UnboundedSender<Event>>,
}

/// The outbox of one incident journal.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

/// How often a worker retries a backend lock held by another process.
const LOCK_POLL: Duration = Duration::from_millis(100);

impl Outbox {
    /// An outbox on an open journal whose events (all of them, from the start) built `state`.
    pub fn new(
        journal: Journal,
        state: OutboxState,
        backends: Vec<Arc<dyn Backend>>,
        actor: impl Into<String>,
    ) -> Self {
        let lock_dir = journal
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Outbox {
            inner: Arc::new(Inner {
                shared: Mutex::new(Shared { journal, state }),
                lock_dir,
                backends,
                policy: RetryPolicy::default(),
                actor: actor.into(),
                notify: None,
            }),
        }
    }

    /// Opens the journal at `path` (recovering a torn tail) and replays its outbox.
    pub fn open(
        path: &Path,
        backends: Vec<Arc<dyn Backend>>,
        actor: impl Into<String>,
    ) -> Result<Self, OutboxError> {
        let mut state = OutboxState::default();
        let (journal, _warnings) = Journal::open_with(path, |e| state.apply(&e))?;
        Ok(Outbox::new(journal, state, backends, actor))
    }

    fn inner_mut(&mut self) -> Option<&mut Inner> {
        Arc::get_mut(&mut self.inner)
    }

    /// Uses `policy` for backoff (before the outbox is shared or run).
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        if let Some(i) = self.inner_mut() {
            i.policy = policy;
        }
        self
    }

    /// Sends every event the outbox journals (and every foreign event it reads) to `tx`,
    /// e.g. the cockpit's message channel.
    pub fn with_notify(mut self, tx: UnboundedSender<Event>) -> Self {
        if let Some(i) = self.inner_mut() {
            i.notify = Some(tx);
        }
        self
    }

    pub fn backends(&self) -> &[Arc<dyn Backend>] {
        &self.inner.backends
    }

    /// A snapshot of the outbox as this process knows it.
    pub fn state(&self) -> OutboxState {
        match self.inner.shared.lock() {
            Ok(s) => s.state.clone(),
            Err(p) => p.into_inner().state.clone(),
        }
    }

    /// Reads what other writers appended to the journal since the last read.
    pub fn refresh(&self) -> Result<Vec<Event>, OutboxError> {
        self.inner
            .with_shared(|s| s.journal.poll().map_err(OutboxError::from))
    }

    /// Journals `msg` as queued for every configured backend that sends its kind (fsynced,
    /// before any attempt). An empty `msg.id` is derived from the event: returns the message
    /// as journaled, id included.
    pub fn queue(&self, msg: OutboundMessage) -> Result<OutboundMessage, OutboxError> {
        let names: Vec<String> = self
            .inner
            .backends
            .iter()
            .filter(|b| b.accepts(msg.kind))
            .map(|b| b.name().to_string())
            .collect();
        self.queue_to(msg, names)
    }

    /// Like [`Outbox::queue`] but for the named backends only, whatever their `sends`
    /// (`commandpost backends test NAME`, `page --backend NAME`).
    pub fn queue_to(
        &self,
        msg: OutboundMessage,
        backends: Vec<String>,
    ) -> Result<OutboundMessage, OutboxError> {
        let events = self.inner.append(OutboxEvent::Queued {
            message: Box::new(msg.clone()),
            backends,
        })?;
        let seq = events.last().map(|e| e.seq).unwrap_or_default();
        Ok(OutboundMessage {
            id: message_id_for(&msg, seq),
            ..msg
        })
    }

    /// The IC gives up on a pending or failed delivery.
    pub fn drop_delivery(&self, message: &str, backend: &str) -> Result<(), OutboxError> {
        self.rule(message, backend, |message, backend| OutboxEvent::Dropped {
            message,
            backend,
        })
    }

    /// The IC retries a failed or dropped delivery (the next [`Outbox::run`] attempts it).
    pub fn requeue(&self, message: &str, backend: &str) -> Result<(), OutboxError> {
        self.rule(message, backend, |message, backend| OutboxEvent::Requeued {
            message,
            backend,
        })
    }

    /// Journals the IC's ruling on one delivery (`make` of the message id and the backend)
    /// once it is checked that there is such a delivery.
    fn rule(
        &self,
        message: &str,
        backend: &str,
        make: impl FnOnce(String, String) -> OutboxEvent,
    ) -> Result<(), OutboxError> {
        self.refresh()?;
        let st = self.state();
        let m = st
            .message(message)
            .ok_or_else(|| OutboxError::NoSuchMessage(message.into()))?;
        if !m.deliveries.contains_key(backend) {
            return Err(OutboxError::NoSuchDelivery(message.into(), backend.into()));
        }
        self.inner
            .append(make(message.into(), backend.into()))
            .map(|_| ())
    }

    /// Delivers everything pending, one independent worker per backend, until nothing is
    /// left or `deadline` (a headless command's `--wait`; `None` waits for every retry).
    /// A delivery whose next attempt falls after the deadline stays queued.
    pub async fn run(
        &self,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<OutboxReport, OutboxError> {
        self.refresh()?;
        let before: BTreeSet<(String, String)> = self.state().pending().into_iter().collect();
        let mut problems = Vec::new();
        let mut workers = Vec::new();
        for name in self.state().pending_backends() {
            match self.inner.backends.iter().find(|b| b.name() == name) {
                Some(b) => {
                    let inner = Arc::clone(&self.inner);
                    let b = Arc::clone(b);
                    workers.push(tokio::spawn(async move { inner.worker(b, deadline).await }));
                }
                None => problems.push(format!(
                    "backend {name:?} is not configured: its messages stay queued"
                )),
            }
        }
        for w in futures::future::join_all(workers).await {
            match w {
                Ok(Ok(())) => {}
                Ok(Err(e)) => problems.push(e.to_string()),
                Err(_) => problems.push(OutboxError::Worker.to_string()),
            }
        }
        self.refresh()?;
        let st = self.state();
        let rows = st
            .rows()
            .into_iter()
            .filter(|r| {
                before.contains(&(r.message.clone(), r.backend.clone())) || r.status.is_pending()
            })
            .collect();
        Ok(OutboxReport { rows, problems })
    }
}

impl Inner {
    fn with_shared(
        &self,
        f: impl FnOnce(&mut Shared) -> Result<Vec<Event>, OutboxError>,
    ) -> Result<Vec<Event>, OutboxError> {
        let mut guard = match self.shared.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let events = f(&mut guard)?;
        for e in &events {
            guard.state.apply(e);
            if let Some(tx) = &self.notify {
                let _ = tx.send(e.clone());
            }
        }
        Ok(events)
    }

    /// Appends (fsynced) and folds in what it returns (foreign events first, then ours).
    fn append(&self, ev: OutboxEvent) -> Result<Vec<Event>, OutboxError> {
        self.with_shared(|s| {
            // Stamped under the journal's lock (time order follows seq order).
            s.journal
                .append_with(&self.actor, Timestamp::now, |_, _| {
                    Ok::<_, crate::journal::JournalError>(Payload::Outbox(ev))
                })
                .map_err(OutboxError::from)
        })
    }

    async fn append_async(self: &Arc<Self>, ev: OutboxEvent) -> Result<(), OutboxError> {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || me.append(ev).map(|_| ()))
            .await
            .map_err(|_| OutboxError::Worker)?
    }

    async fn refresh_async(self: &Arc<Self>) -> Result<(), OutboxError> {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            me.with_shared(|s| s.journal.poll().map_err(OutboxError::from))
                .map(|_| ())
        })
        .await
        .map_err(|_| OutboxError::Worker)?
    }

    fn lock_path(&self, backend: &str) -> PathBuf {
        let safe: String = backend
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.lock_dir.join(format!(".outbox-{safe}.lock"))
    }

    /// Takes the cross-process lock for this incident's deliveries to `backend`, waiting for
    /// another process to finish; `None` if the deadline comes first.
    async fn lock(
        &self,
        backend: &str,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<Option<File>, OutboxError> {
        let path = self.lock_path(backend);
        let err = |source| OutboxError::Lock {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(err)?;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(file)),
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => return Err(err(e)),
            }
            if deadline.is_some_and(|d| tokio::time::Instant::now() + LOCK_POLL > d) {
                return Ok(None);
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }

    fn snapshot_next(&self, backend: &str) -> Option<(OutboundMessage, Delivery, Option<String>)> {
        let guard = match self.shared.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let (m, d) = guard.state.next_for(backend)?;
        Some((
            m.message.clone(),
            d.clone(),
            guard.state.remote_refs.get(backend).cloned(),
        ))
    }

    async fn worker(
        self: Arc<Self>,
        backend: Arc<dyn Backend>,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<(), OutboxError> {
        let name = backend.name().to_string();
        loop {
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return Ok(());
            }
            let Some(lock) = self.lock(&name, deadline).await? else {
                return Ok(());
            };
            // Holding the lock: what other processes journaled is final for this backend.
            self.refresh_async().await?;
            let Some((msg, delivery, remote_ref)) = self.snapshot_next(&name) else {
                return Ok(());
            };
            let now = Timestamp::now();
            if let DeliveryStatus::Retrying { retry_at, .. } = &delivery.status {
                let wait = retry_at.duration_since(now);
                if wait.is_positive() {
                    drop(lock); // let another process in while we wait
                    let wait = Duration::try_from(wait).unwrap_or_default();
                    let wake = tokio::time::Instant::now() + wait;
                    if deadline.is_some_and(|d| wake > d) {
                        return Ok(());
                    }
                    tokio::time::sleep_until(wake).await;
                    continue;
                }
            }
            let attempt = delivery.attempts + 1;
            self.append_async(OutboxEvent::Attempt {
                message: msg.id.clone(),
                backend: name.clone(),
                attempt,
            })
            .await?;
            let ctx = DeliveryContext {
                remote_ref,
                attempt,
                parts_done: delivery.parts_done,
            };
            let fut = backend.deliver(&msg, &ctx);
            let result = match deadline {
                Some(d) => match tokio::time::timeout_at(d, fut).await {
                    Ok(r) => r,
                    Err(_) => Err(DeliveryError::Retryable {
                        reason: format!(
                            "{name}: still in flight at the deadline (outcome unknown)"
                        ),
                        retry_after: Some(Duration::ZERO),
                        parts_done: delivery.parts_done,
                    }),
                },
                None => fut.await,
            };
            let result = match result {
                Ok(d) => AttemptResult::Delivered {
                    detail: d.detail,
                    remote_ref: d.remote_ref,
                },
                Err(DeliveryError::Permanent { reason }) => AttemptResult::Failed { reason },
                Err(DeliveryError::Retryable {
                    reason,
                    retry_after,
                    parts_done,
                }) => {
                    let delay = self
                        .policy
                        .next_delay(attempt, retry_after, &mut rand::rng());
                    let retry_at = SignedDuration::try_from(delay)
                        .ok()
                        .and_then(|d| Timestamp::now().checked_add(d).ok())
                        .unwrap_or_else(Timestamp::now);
                    tracing::info!(backend = %name, message = %msg.id, attempt, "delivery will be retried in {}", human_duration(delay));
                    AttemptResult::Retrying {
                        reason,
                        retry_at,
                        parts_done: parts_done.max(delivery.parts_done),
                    }
                }
            };
            self.append_async(OutboxEvent::Outcome {
                message: msg.id.clone(),
                backend: name.clone(),
                attempt,
                result,
            })
            .await?;
            drop(lock);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::delivery::render::tests::msg;

    fn ev(seq: u64, o: OutboxEvent) -> Event {
        Event {
            v: 1,
            seq,
            ts: Timestamp::from_second(1_800_000_000 + seq as i64).unwrap(),
            actor: "ic".into(),
            payload: Payload::Outbox(o),
            rep: Default::default(),
        }
    }

    /// Attempt `n` of `INC-42.m5` on `backend`.
    fn attempt(backend: &str, n: u32) -> OutboxEvent {
        OutboxEvent::Attempt {
            message: "INC-42.m5".into(),
            backend: backend.into(),
            attempt: n,
        }
    }

    /// The first attempt of `INC-42.m5` on `backend` delivered it as `remote_ref`.
    fn delivered(backend: &str, detail: &str, remote_ref: &str) -> OutboxEvent {
        let result = AttemptResult::Delivered {
            detail: detail.into(),
            remote_ref: Some(remote_ref.into()),
        };
        outcome("INC-42.m5", backend, 1, result)
    }

    /// How attempt `n` of `message` on `backend` ended.
    fn outcome(message: &str, backend: &str, n: u32, result: AttemptResult) -> OutboxEvent {
        OutboxEvent::Outcome {
            message: message.into(),
            backend: backend.into(),
            attempt: n,
            result,
        }
    }

    /// A replicated incident (issue 12): another cockpit's messages are shown with their
    /// deliveries as that cockpit reports them, never delivered here, and their derived
    /// ids (from their own journal's seq) never collide with this cockpit's.
    #[test]
    fn another_cockpits_messages_are_shown_never_delivered() {
        let remote = |seq: u64, oseq: u64, o: OutboxEvent| {
            let mut e = ev(seq, o);
            e.rep = crate::domain::event::Rep {
                origin: Some("laptopa".into()),
                oseq: Some(oseq),
                lc: Some(oseq),
                eid: None,
            };
            e
        };
        let mut m = msg(MessageKind::Page);
        m.id = String::new();
        let queued = |m: &OutboundMessage| OutboxEvent::Queued {
            message: Box::new(m.clone()),
            backends: vec!["pagerduty".into()],
        };
        let events = [
            // Laptop A queued a page as its event 5; it arrives here as line 3.
            remote(3, 5, queued(&m)),
            // This cockpit queues its own page as line 5: same derived id `INC-42.m5`.
            ev(5, queued(&m)),
            remote(6, 6, delivered("pagerduty", "202", "dedup-a")),
        ];
        let st = OutboxState::replay(&events);
        assert_eq!(st.messages.len(), 2);
        assert_eq!(st.messages[0].origin.as_deref(), Some("laptopa"));
        assert!(matches!(
            st.messages[0].deliveries["pagerduty"].status,
            DeliveryStatus::Delivered { .. }
        ));
        // Ours is still queued and is the only one this cockpit delivers.
        assert_eq!(
            st.pending(),
            vec![("INC-42.m5".to_string(), "pagerduty".to_string())]
        );
        assert_eq!(
            st.message("INC-42.m5").map(|q| q.origin.clone()),
            Some(None)
        );
        assert!(
            st.next_for("pagerduty")
                .is_some_and(|(q, _)| q.origin.is_none())
        );
        // Another cockpit's backend reference is not ours to reuse.
        assert!(st.remote_refs.is_empty());
        let rows = st.rows();
        assert_eq!(rows[0].origin.as_deref(), Some("laptopa"));
        assert_eq!(rows[1].origin, None);
    }

    #[test]
    fn replay_tracks_each_delivery() {
        let mut m = msg(MessageKind::Sitrep);
        m.id = String::new();
        let events = [
            ev(
                5,
                OutboxEvent::Queued {
                    message: Box::new(m),
                    backends: vec!["slack".into(), "status".into()],
                },
            ),
            ev(6, attempt("slack", 1)),
            ev(
                7,
                outcome(
                    "INC-42.m5",
                    "slack",
                    1,
                    AttemptResult::Retrying {
                        reason: "HTTP 503".into(),
                        retry_at: Timestamp::from_second(1_800_000_100).unwrap(),
                        parts_done: 0,
                    },
                ),
            ),
            ev(8, attempt("status", 1)),
            ev(9, delivered("status", "HTTP 201", "sp1")),
        ];
        let st = OutboxState::replay(&events);
        assert_eq!(st.messages[0].message.id, "INC-42.m5");
        assert_eq!(
            st.remote_refs.get("status").map(String::as_str),
            Some("sp1")
        );
        let now = Timestamp::from_second(1_800_000_090).unwrap();
        let rows = st.rows();
        assert_eq!(rows[0].backend, "slack");
        assert_eq!(rows[0].status.label(now), "retrying in 10s: HTTP 503");
        assert_eq!(rows[1].status.label(now), "delivered");
        assert_eq!(
            st.pending(),
            vec![("INC-42.m5".to_string(), "slack".to_string())]
        );
        assert!(st.next_for("status").is_none());

        // A crash after the attempt was journaled: the delivery is still pending.
        let mut st2 = OutboxState::replay(&events[..2]);
        assert_eq!(
            st2.delivery("INC-42.m5", "slack").unwrap().status,
            DeliveryStatus::Sending { attempt: 1 }
        );
        assert_eq!(st2.next_for("slack").unwrap().1.attempts, 1);
        // Drop and requeue.
        st2.apply(&ev(
            10,
            OutboxEvent::Dropped {
                message: "INC-42.m5".into(),
                backend: "slack".into(),
            },
        ));
        assert_eq!(
            st2.delivery("INC-42.m5", "slack").unwrap().status,
            DeliveryStatus::Dropped
        );
        st2.apply(&ev(
            11,
            OutboxEvent::Requeued {
                message: "INC-42.m5".into(),
                backend: "slack".into(),
            },
        ));
        assert_eq!(
            st2.delivery("INC-42.m5", "slack").unwrap().status,
            DeliveryStatus::Queued
        );
    }

    #[test]
    fn events_round_trip_through_the_journal_format() {
        let e = ev(
            3,
            outcome(
                "INC-42.m2",
                "pd",
                2,
                AttemptResult::Failed {
                    reason:
                        "pd (events.pagerduty.com): HTTP 400: Event object format is unrecognized"
                            .into(),
                },
            ),
        );
        let line = e.to_line().unwrap();
        assert!(
            line.contains(r#""type":"outbox","data":{"#) && line.contains(r#""event":"outcome""#),
            "{line}"
        );
        assert_eq!(Event::from_line(&line).unwrap(), e);
    }
}
