//! The cockpit keeps its journal's snapshot (`journal::snapshot`) up to date: in the
//! background every [`snapshot::EVERY`] events, and when it exits, so that the next start
//! (or command) replays only what came after.
//!
//! A snapshot must be the merge-order replay of its journal prefix. The executor folds the
//! events it reads or writes one after another, which is that replay only while each sorts
//! after the last: local events always do (their Lamport counter is the highest). The first
//! remote event (another cockpit's, ingested) or event out of merge order stops the keeping
//! for this session; the next writer that replays the journal (`replay::open`) sorts it and
//! saves a snapshot again.

use crate::delivery::OutboxState;
use crate::domain::{Event, Incident};
use crate::journal::Journal;
use crate::journal::snapshot::{self, Key, Point};
use crate::replay::StateRef;
use std::thread::JoinHandle;

/// What keeping the snapshot of one incident's journal needs besides the incident.
pub struct Keeper {
    id: String,
    home: String,
    /// The outbox, folded as the executor's incident is.
    outbox: OutboxState,
    last_key: Key,
    /// Every event folded since the start sorted after the last (and was local).
    in_order: bool,
    /// Events folded since the last snapshot.
    since: u64,
    saving: Option<JoinHandle<()>>,
}

impl Keeper {
    /// A keeper for a journal opened through `replay::open`: `outbox` and `last_key` are its
    /// replay's, `replayed` the events it replayed (a snapshot is due when that is
    /// [`snapshot::EVERY`] or more).
    pub fn new(id: &str, home: &str, outbox: OutboxState, last_key: Key, replayed: u64) -> Self {
        Keeper {
            id: id.to_string(),
            home: home.to_string(),
            outbox,
            last_key,
            in_order: true,
            since: replayed,
            saving: None,
        }
    }

    /// The outbox as folded so far.
    pub fn outbox(&self) -> &OutboxState {
        &self.outbox
    }

    /// Folds events the executor read or wrote (in journal order).
    pub fn fold(&mut self, events: &[Event]) {
        for e in events {
            if e.rep.origin.is_some() || !self.last_key.below(e, &self.home) {
                self.in_order = false;
            } else {
                self.last_key = Key::of(e, &self.home);
            }
            self.outbox.apply(e);
            self.since += 1;
        }
    }

    /// Saves a snapshot in the background when [`snapshot::EVERY`] events came since the
    /// last (and the previous one is written). `inc` is the executor's incident: the replay
    /// of everything `journal` read.
    pub fn tick(&mut self, journal: &Journal, inc: &Incident) {
        if self.since < snapshot::EVERY || self.saving.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let Some(at) = self.point(journal, inc) else {
            return;
        };
        let (path, id, home) = (
            journal.path().to_path_buf(),
            self.id.clone(),
            self.home.clone(),
        );
        let (inc, outbox) = (inc.clone(), self.outbox.clone());
        self.since = 0;
        let spawned = std::thread::Builder::new()
            .name("snapshot".into())
            .spawn(move || write(&path, &id, &home, &at, &inc, &outbox));
        match spawned {
            Ok(h) => self.saving = Some(h),
            Err(e) => tracing::warn!("cannot start writing the snapshot: {e}"),
        }
    }

    /// Saves a snapshot now if anything was folded since the last (when the cockpit exits).
    pub fn finish(mut self, journal: &Journal, inc: &Incident) {
        if let Some(h) = self.saving.take() {
            let _ = h.join();
        }
        if self.since == 0 {
            return;
        }
        if let Some(at) = self.point(journal, inc) {
            write(journal.path(), &self.id, &self.home, &at, inc, &self.outbox);
        }
    }

    /// Where the snapshot would stand, or `None` when none may be written.
    fn point(&self, journal: &Journal, inc: &Incident) -> Option<Point> {
        let resume = journal.resume_point();
        // The state must be exactly the replay of the prefix it is saved for.
        let whole = inc.last_seq == resume.last_seq && resume.lines >= snapshot::MIN_EVENTS;
        (self.in_order && whole).then(|| Point {
            resume,
            last_key: self.last_key.clone(),
        })
    }
}

fn write(
    path: &std::path::Path,
    id: &str,
    home: &str,
    at: &Point,
    inc: &Incident,
    outbox: &OutboxState,
) {
    let state = StateRef::new(inc, outbox);
    if let Err(e) = snapshot::save(path, id, home, at, inc, &state) {
        tracing::warn!(journal = %path.display(), "cannot write the snapshot: {e}");
    }
}
