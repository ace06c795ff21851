//! A cockpit's live link to the incident's room, on a thread of its own (the UI never waits
//! on the network): a `/sync` parked up to 30 s on the homeserver brings others' events as
//! soon as they are sent (no polling loop: an idle cockpit costs nothing), and own events
//! are pushed as soon as the cockpit says it appended some ([`Follower::nudge`]). What
//! arrives is reported through the callback: new journal events and the status line.

use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use super::link::{Backoff, Link, Replica};
use super::matrix::SYNC_TIMEOUT;
use crate::domain::event::Event;

/// A replica a follower can drive: the link's side, plus what the cockpit is told.
pub trait Followed: Replica + 'static {
    /// Events appended since the last call (received, or room commands recorded here).
    fn take_new(&mut self) -> Vec<Event>;
    /// Records a contact with the homeserver, or why there was none.
    fn contact(&mut self, result: Result<(), &str>);
    /// Persists the replica's sync state (cursor, watermark, contact).
    fn persist(&mut self) -> Result<(), String>;
}

/// How long stopping a follower waits for its thread.
const STOP_GRACE: Duration = Duration::from_millis(500);

/// What the follower tells the cockpit.
#[derive(Debug, Clone)]
pub enum News {
    /// Events appended to the journal from the room (others', and room commands).
    Events(Vec<Event>),
    /// The status line's sync part changed, e.g. `sync: live`, `sync: offline, 7 unsent`.
    Line(String),
}

/// The running follower. Dropping it stops it (within one request).
pub struct Follower {
    nudge: Arc<tokio::sync::Notify>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Closed when the thread is done (so dropping waits a bounded time).
    done: Option<std::sync::mpsc::Receiver<()>>,
}

impl Follower {
    /// Own events were appended: push them now.
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        // The thread saves the sync state and ends within one request; a homeserver (or a
        // name lookup) that hangs must not hold up quitting: wait a bounded time, then leave
        // the thread to the process's exit.
        let finished = self
            .done
            .take()
            .is_none_or(|d| d.recv_timeout(STOP_GRACE) != Err(RecvTimeoutError::Timeout));
        if let Some(t) = self.thread.take()
            && finished
        {
            let _ = t.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The status line's sync part.
pub fn line(live: bool, unsent: usize, reason: Option<&str>) -> String {
    match (live, unsent) {
        (true, 0) => "sync: live".into(),
        (true, n) => format!("sync: live, {n} unsent"),
        (false, n) => format!(
            "sync: offline, {n} unsent{}",
            reason.map(|r| format!(" ({r})")).unwrap_or_default()
        ),
    }
}

/// Starts following: `on_news` is called from the follower's thread.
pub fn follow<R: Followed>(
    replica: R,
    link: Link,
    on_news: impl Fn(News) + Send + Sync + 'static,
) -> std::io::Result<Follower> {
    let nudge = Arc::new(tokio::sync::Notify::new());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let n2 = nudge.clone();
    let (done_tx, done) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || {
            // Dropped when the thread ends, however it ends.
            let _done = done_tx;
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    on_news(News::Line(format!("sync: stopped ({e})")));
                    return;
                }
            };
            rt.block_on(run(replica, link, n2, stop_rx, Arc::new(on_news)));
            // A name lookup still blocked on a hanging resolver is not waited for.
            rt.shutdown_timeout(STOP_GRACE);
        })?;
    Ok(Follower {
        nudge,
        stop: Some(stop_tx),
        thread: Some(thread),
        done: Some(done),
    })
}

struct Shared<R> {
    r: Mutex<R>,
    /// (live, reason) as last seen by either loop.
    state: Mutex<(bool, Option<String>)>,
    last_line: Mutex<String>,
}

impl<R: Followed> Shared<R> {
    fn report(&self, on_news: &(dyn Fn(News) + Send + Sync)) {
        let unsent = lock(&self.r).unsent();
        let (live, reason) = lock(&self.state).clone();
        let l = line(live, unsent, reason.as_deref());
        let mut last = lock(&self.last_line);
        if *last != l {
            *last = l.clone();
            on_news(News::Line(l));
        }
    }

    fn set(&self, live: bool, reason: Option<String>) {
        *lock(&self.state) = (live, reason.clone());
        let mut r = lock(&self.r);
        match &reason {
            None => r.contact(Ok(())),
            Some(e) => r.contact(Err(e)),
        }
    }
}

async fn run<R: Followed>(
    replica: R,
    link: Link,
    nudge: Arc<tokio::sync::Notify>,
    stop: tokio::sync::oneshot::Receiver<()>,
    on_news: Arc<dyn Fn(News) + Send + Sync>,
) {
    let shared = Arc::new(Shared {
        r: Mutex::new(replica),
        state: Mutex::new((false, None)),
        last_line: Mutex::new(String::new()),
    });
    shared.report(&*on_news);
    let puller = {
        let (shared, link, on_news) = (shared.clone(), link.clone(), on_news.clone());
        let nudge = nudge.clone();
        async move {
            let mut backoff = Backoff::default();
            // The first pull answers at once (catches up); the next ones park.
            let mut timeout = Duration::ZERO;
            loop {
                match link.pull(&shared.r, timeout).await {
                    Ok(got) => {
                        backoff.reset();
                        let was_offline = !lock(&shared.state).0;
                        shared.set(true, None);
                        let new = lock(&shared.r).take_new();
                        if !new.is_empty() {
                            tracing::debug!(events = new.len(), at = %Timestamp::now(), "sync: received");
                            on_news(News::Events(new));
                        }
                        if got.new_events > 0 || was_offline {
                            // Room commands recorded here, or back online: send what waits.
                            nudge.notify_one();
                        }
                        shared.report(&*on_news);
                        timeout = SYNC_TIMEOUT;
                    }
                    Err(e) => {
                        shared.set(false, Some(short_reason(&e.to_string())));
                        shared.report(&*on_news);
                        let wait = backoff.next(None);
                        tracing::info!(wait_ms = wait.as_millis() as u64, "sync pull: {e}");
                        tokio::time::sleep(wait).await;
                        timeout = Duration::ZERO;
                    }
                }
                let _ = lock(&shared.r).persist();
            }
        }
    };
    let pusher = {
        let (shared, link, on_news) = (shared.clone(), link.clone(), on_news.clone());
        async move {
            let mut backoff = Backoff::default();
            loop {
                // Long deadline: the loop itself retries (with backoff) until all is sent.
                let deadline = tokio::time::Instant::now() + Duration::from_secs(3600);
                let p = link.push(&shared.r, deadline, &mut backoff).await;
                if p.room_events > 0 {
                    shared.set(true, None);
                }
                if let Some(e) = &p.stopped {
                    shared.set(false, Some(short_reason(&e.to_string())));
                }
                shared.report(&*on_news);
                if p.left > 0 && p.stopped.is_some() {
                    // A permanent refusal or a replica error: try again later, or when nudged.
                    let wait = backoff.next(None);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = nudge.notified() => {}
                    }
                } else {
                    nudge.notified().await;
                }
            }
        }
    };
    tokio::select! {
        () = puller => {}
        () = pusher => {}
        _ = stop => {}
    }
    let _ = lock(&shared.r).persist();
}

fn short_reason(s: &str) -> String {
    let one: String = s.chars().filter(|c| !c.is_control()).take(80).collect();
    one
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_live_or_offline_and_what_waits() {
        assert_eq!(line(true, 0, None), "sync: live");
        assert_eq!(line(false, 7, None), "sync: offline, 7 unsent");
        assert_eq!(
            line(false, 1, Some("cannot connect")),
            "sync: offline, 1 unsent (cannot connect)"
        );
    }
}
