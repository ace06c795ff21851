//! The transport between a replica (the journal and its sidecar) and the incident's room:
//! push own events (one PUT in flight, oldest first, batched, 429 retry times honoured,
//! backoff 1 s doubling to 30 s with jitter when the homeserver is away), pull what others
//! sent (a parked `/sync` with a filter; a `limited` timeline's gap paged back with
//! `/messages` to the previous token), and backfill a whole room for a late joiner
//! (`/messages dir=f` from the start, then `/sync` from a token taken before).
//!
//! The replica is behind [`Replica`]; this module only speaks HTTP and keeps order.

use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;
use serde_json::Value;
use tokio::time::Instant;

use super::matrix::{Client, Dir, MatrixError, RoomEvent, messages_filter, sync_filter};
use crate::delivery::retry::RetryPolicy;

/// One room event to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Outbound {
    /// Own events carried, by their sequence numbers in this origin's journal.
    pub first: u64,
    pub last: u64,
    /// How many events it carries.
    pub count: usize,
    pub event_type: String,
    /// Deterministic: a re-send after a crash is the same room event.
    pub txn_id: String,
    pub content: Value,
    /// For a part of an oversized event: (index, total). Only the last part delivers it.
    pub part: Option<(usize, usize)>,
}

/// What receiving some room events did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Events new to the journal.
    pub new_events: usize,
    /// Events already there (sent twice, or seen again after a gap or a restart).
    pub duplicates: usize,
}

impl Received {
    pub fn add(&mut self, other: Received) {
        self.new_events += other.new_events;
        self.duplicates += other.duplicates;
    }
}

/// The replica side of the link. Calls are short (a journal append and fsync at most).
pub trait Replica: Send {
    /// The next room event to send: the one recorded as in flight if there is one (so that a
    /// restart re-sends the same transaction id), else a new batch of own events the room
    /// does not hold yet, recorded as in flight before it is returned. `None`: all sent.
    fn next_outbound(&mut self) -> Result<Option<Outbound>, String>;
    /// The room holds `out` as `event_id`.
    fn delivered(&mut self, out: &Outbound, event_id: &str) -> Result<(), String>;
    /// The homeserver refused `out` for sure (429 or another 4xx): it is not in the room, so
    /// the next outbound may be a new batch (e.g. with the events made while waiting).
    fn refused(&mut self, out: &Outbound) -> Result<(), String>;
    /// The send that [`Replica::next_outbound`] began is over (answered or not): another
    /// process of this data dir may send now.
    fn end_send(&mut self) {}
    /// Own events the room does not hold yet.
    fn unsent(&self) -> usize;
    /// Room events, oldest first; idempotent (an event seen twice changes nothing).
    fn receive(&mut self, events: &[RoomEvent]) -> Result<Received, String>;
    /// The `/sync` token to continue from; `None` before the first sync.
    fn cursor(&self) -> Option<String>;
    fn set_cursor(&mut self, next_batch: &str) -> Result<(), String>;
}

/// Why a push or pull stopped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Matrix(#[from] MatrixError),
    /// The journal or the sidecar could not be read or written.
    #[error("{0}")]
    Replica(String),
}

impl LinkError {
    pub fn is_offline(&self) -> bool {
        matches!(self, LinkError::Matrix(e) if e.is_offline())
    }
    pub fn is_transient(&self) -> bool {
        matches!(self, LinkError::Matrix(e) if e.is_transient())
    }
}

/// The room of one incident, as this account sees it.
#[derive(Clone, Debug)]
pub struct Link {
    pub client: Client,
    pub room_id: String,
    /// The inline `/sync` filter (JSON).
    filter: String,
}

/// The delay policy when the homeserver is away: 1 s doubling to 30 s, half of it random.
pub fn backoff_policy() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(30),
        multiplier: 2.0,
        jitter: 0.5,
    }
}

/// Consecutive failures and the delay they call for.
#[derive(Debug, Default, Clone)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    pub fn reset(&mut self) {
        self.failures = 0;
    }
    /// The delay after one more failure (a server hint wins, clamped to 30 s).
    pub fn next(&mut self, hint: Option<Duration>) -> Duration {
        self.failures = self.failures.saturating_add(1);
        backoff_policy().next_delay(self.failures, hint, &mut rand::rng())
    }
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// The outcome of [`Link::push`].
#[derive(Debug, Default)]
pub struct Pushed {
    /// Room events sent.
    pub room_events: usize,
    /// Own events they carried.
    pub events: usize,
    /// Own events still not in the room.
    pub left: usize,
    /// Why it stopped before sending everything.
    pub stopped: Option<LinkError>,
}

fn lock<R>(r: &Mutex<R>) -> std::sync::MutexGuard<'_, R> {
    r.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Most pages read back to fill one gap (1,000 events each).
const MAX_GAP_PAGES: usize = 1_000;

impl Link {
    pub fn new(client: Client, room_id: &str) -> Link {
        Link::with_timeline_limit(client, room_id, 100)
    }

    /// A link whose `/sync` returns at most `limit` timeline events (more make a gap).
    pub fn with_timeline_limit(client: Client, room_id: &str, limit: u32) -> Link {
        Link {
            client,
            room_id: room_id.to_string(),
            filter: sync_filter(room_id, limit).to_string(),
        }
    }

    /// Sends one room event (the next outbound), if any. Returns the events it carried.
    pub async fn push_one<R: Replica>(&self, r: &Mutex<R>) -> Result<Option<usize>, LinkError> {
        let res = self.send_next(r).await;
        lock(r).end_send();
        res
    }

    async fn send_next<R: Replica>(&self, r: &Mutex<R>) -> Result<Option<usize>, LinkError> {
        let out = lock(r).next_outbound().map_err(LinkError::Replica)?;
        let Some(out) = out else {
            return Ok(None);
        };
        let sent = self
            .client
            .send(&self.room_id, &out.event_type, &out.txn_id, &out.content)
            .await;
        let event_id = match sent {
            Ok(id) => id,
            Err(e) => {
                // A definite refusal was not persisted: the batch may be composed again.
                // Anything else (no answer, a 5xx) keeps it in flight, to be re-sent as is.
                if matches!(e.status(), Some(400..=499)) {
                    lock(r).refused(&out).map_err(LinkError::Replica)?;
                }
                return Err(e.into());
            }
        };
        lock(r)
            .delivered(&out, &event_id)
            .map_err(LinkError::Replica)?;
        Ok(Some(out.count))
    }

    /// Sends own events until none is left or `deadline` passes: one PUT in flight, in order.
    /// A 429 waits the server's retry time; an unreachable homeserver or a server error waits
    /// 1 s doubling to 30 s (jittered). Stops at the deadline with what is left.
    pub async fn push<R: Replica>(
        &self,
        r: &Mutex<R>,
        deadline: Instant,
        backoff: &mut Backoff,
    ) -> Pushed {
        let mut p = Pushed::default();
        loop {
            match self.push_one(r).await {
                Ok(Some(n)) => {
                    backoff.reset();
                    p.room_events += 1;
                    p.events += n;
                }
                Ok(None) => break,
                Err(e) if e.is_transient() => {
                    let hint = match &e {
                        LinkError::Matrix(m) => m.retry_after(),
                        _ => None,
                    };
                    let wait = backoff.next(hint);
                    if Instant::now() + wait > deadline {
                        p.stopped = Some(e);
                        break;
                    }
                    tracing::debug!(wait_ms = wait.as_millis() as u64, "sync push waits: {e}");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    p.stopped = Some(e);
                    break;
                }
            }
        }
        p.left = lock(r).unsent();
        p
    }

    /// One `/sync` from the replica's cursor, parked up to `timeout`; what arrived is
    /// received in order, a gap (`limited`) first filled from `/messages`. With no cursor
    /// yet, the whole room is read first ([`Link::backfill`]).
    pub async fn pull<R: Replica>(
        &self,
        r: &Mutex<R>,
        timeout: Duration,
    ) -> Result<Received, LinkError> {
        let since = lock(r).cursor();
        let Some(since) = since else {
            return self.backfill(r).await;
        };
        let reply = self
            .client
            .sync(Some(&since), &self.filter, timeout)
            .await?;
        let mut got = Received::default();
        if let Some(room) = reply.rooms.join.get(&self.room_id) {
            let tl = &room.timeline;
            if tl.limited
                && let Some(prev) = &tl.prev_batch
            {
                let gap = self.gap(prev, &since).await?;
                tracing::info!(events = gap.len(), "sync gap filled from /messages");
                got.add(lock(r).receive(&gap).map_err(LinkError::Replica)?);
            }
            got.add(lock(r).receive(&tl.events).map_err(LinkError::Replica)?);
        }
        lock(r)
            .set_cursor(&reply.next_batch)
            .map_err(LinkError::Replica)?;
        Ok(got)
    }

    /// The events between the `/sync` token `since` and `prev_batch`, oldest first.
    async fn gap(&self, prev_batch: &str, since: &str) -> Result<Vec<RoomEvent>, MatrixError> {
        let filter = messages_filter();
        let mut out = Vec::new();
        let mut from = prev_batch.to_string();
        for _ in 0..MAX_GAP_PAGES {
            let page = self
                .client
                .messages_to(
                    &self.room_id,
                    Some(&from),
                    Some(since),
                    Dir::Backward,
                    1000,
                    Some(&filter),
                )
                .await?;
            let done = page.chunk.is_empty();
            out.extend(page.chunk);
            match page.end {
                Some(end) if !done && end != from => from = end,
                _ => break,
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Reads the whole room, oldest first, into the replica, then continues from a `/sync`
    /// token taken before reading (events sent meanwhile come again and are received once).
    pub async fn backfill<R: Replica>(&self, r: &Mutex<R>) -> Result<Received, LinkError> {
        let token = self
            .client
            .sync(
                None,
                &sync_filter(&self.room_id, 1).to_string(),
                Duration::ZERO,
            )
            .await?
            .next_batch;
        let filter = messages_filter();
        let mut got = Received::default();
        let mut from: Option<String> = None;
        loop {
            let page = self
                .client
                .messages(
                    &self.room_id,
                    from.as_deref(),
                    Dir::Forward,
                    1000,
                    Some(&filter),
                )
                .await?;
            let empty = page.chunk.is_empty();
            got.add(lock(r).receive(&page.chunk).map_err(LinkError::Replica)?);
            match page.end {
                Some(end) if !empty && from.as_deref() != Some(end.as_str()) => from = Some(end),
                _ => break,
            }
        }
        lock(r).set_cursor(&token).map_err(LinkError::Replica)?;
        Ok(got)
    }
}

/// A random delay in `0..max` (spreads retries of many cockpits).
pub fn jitter(max: Duration) -> Duration {
    let ms = max.as_millis().min(u64::MAX as u128) as u64;
    if ms == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::rng().random_range(0..ms))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_thirty_seconds_and_honours_hints() {
        let mut b = Backoff::default();
        let first = b.next(None);
        assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
        for _ in 0..10 {
            b.next(None);
        }
        let late = b.next(None);
        assert!(late >= Duration::from_secs(15) && late <= Duration::from_secs(30));
        assert_eq!(
            b.next(Some(Duration::from_millis(4820))),
            Duration::from_millis(4820)
        );
        assert_eq!(
            b.next(Some(Duration::from_secs(90))),
            Duration::from_secs(30)
        );
        b.reset();
        assert_eq!(b.failures(), 0);
    }
}
