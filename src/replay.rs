//! An incident opened for work: its journal replayed (in merge order) into the incident and
//! its outbox, through the journal's snapshot (`journal::snapshot`), which writers keep up
//! to date.
//!
//! Headless commands and the cockpit open incidents here, so a long incident costs only the
//! events since its last snapshot. A writer saves a snapshot when its replay went through at
//! least [`snapshot::EVERY`] events; the cockpit also every that many events and when it
//! exits. Readers never write one (read-only commands never write: issue 15).

use crate::delivery::outbox::OutboxState;
use crate::domain::event::Event;
use crate::domain::incident::{DomainError, Incident, Unshown};
use crate::domain::merge;
use crate::journal::snapshot::{self, Fold, Key, Point, Rejected};
use crate::journal::{Journal, Resume, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a journal replays into: the incident and its outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub incident: Incident,
    pub outbox: OutboxState,
}

/// The snapshot body of a [`State`] (and of [`snapshot::IncidentOnly`], which reads only
/// the first two parts).
#[derive(Serialize)]
pub struct StateRef<'a> {
    pub incident: &'a Incident,
    pub unshown: Unshown,
    pub outbox: &'a OutboxState,
}

impl<'a> StateRef<'a> {
    pub fn new(incident: &'a Incident, outbox: &'a OutboxState) -> Self {
        StateRef {
            incident,
            unshown: incident.unshown(),
            outbox,
        }
    }
}

#[derive(Deserialize)]
struct StateBody {
    incident: Incident,
    unshown: Unshown,
    outbox: OutboxState,
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let b = StateBody::deserialize(d)?;
        Ok(State {
            incident: b.incident.with_unshown(b.unshown),
            outbox: b.outbox.reindexed(),
        })
    }
}

impl Fold for State {
    fn first(e: &Event) -> Result<Self, DomainError> {
        let mut outbox = OutboxState::default();
        outbox.apply(e);
        Ok(State {
            incident: Incident::replay([e])?,
            outbox,
        })
    }
    fn apply(&mut self, e: &Event) {
        self.incident.apply(e);
        self.outbox.apply(e);
    }
    fn full(events: &[Event], home: &str) -> Result<Self, DomainError> {
        // The outbox folds in journal order (its message ids are journal seqs; only this
        // data dir's messages are delivered from it).
        Ok(State {
            incident: merge::replay(events, home)?,
            outbox: OutboxState::replay(events),
        })
    }
    fn incident(&self) -> &Incident {
        &self.incident
    }
    fn incident_mut(&mut self) -> &mut Incident {
        &mut self.incident
    }
}

/// An incident's journal, open, with what it replays into.
#[derive(Debug)]
pub struct Opened {
    pub journal: Journal,
    pub state: State,
    /// The largest merge key folded in.
    pub last_key: Key,
    /// Recovery notes (e.g. a torn last line moved aside).
    pub warnings: Vec<String>,
    /// Events replayed (those after the snapshot's prefix when one was used).
    pub replayed: u64,
    /// Whether a snapshot was used, or why not.
    pub snapshot: Result<(), Rejected>,
    /// This data dir's origin (local events sort under it).
    pub home: String,
    /// The id the incident was opened as.
    pub id: String,
}

/// Opens incident `id` of `store` for writing (repairing a torn tail under the lock) and
/// replays its journal, from its snapshot when that one checks out. (A writer then keeps
/// the snapshot up to date: [`Opened::save_if_long`].)
pub fn open(store: &Store, id: &str) -> Result<Opened, StoreError> {
    let path = store.existing_journal(id)?;
    open_path(&path, id, &store.home())
}

/// [`open`] for the journal at `path`, opened as incident `id` in a data dir whose origin is
/// `home`.
pub fn open_path(path: &Path, id: &str, home: &str) -> Result<Opened, StoreError> {
    open_path_ahead(path, id, home, None)
}

/// [`open`] with a snapshot being decoded [`snapshot::ahead`] (used if it is this one's).
pub fn open_ahead(
    store: &Store,
    id: &str,
    ahead: Option<snapshot::Ahead<State>>,
) -> Result<Opened, StoreError> {
    let path = store.existing_journal(id)?;
    open_path_ahead(&path, id, &store.home(), ahead)
}

fn open_path_ahead(
    path: &Path,
    id: &str,
    home: &str,
    ahead: Option<snapshot::Ahead<State>>,
) -> Result<Opened, StoreError> {
    let (journal, replayed, warnings) = snapshot::open_ahead::<State>(path, id, home, ahead)?;
    Ok(Opened {
        journal,
        state: replayed.state,
        last_key: replayed.last_key,
        warnings,
        replayed: replayed.replayed,
        snapshot: replayed.snapshot,
        home: home.to_string(),
        id: id.to_string(),
    })
}

/// Reads incident `id` without changing anything (no lock, no repair, no snapshot written):
/// the state, where the journal's good prefix ends, and whether an incomplete last line
/// follows.
pub fn read(store: &Store, id: &str) -> Result<(State, Resume, bool), StoreError> {
    let path = store.existing_journal(id)?;
    let (replayed, end, torn) = snapshot::read::<State>(&path, id, &store.home())?;
    Ok((replayed.state, end, torn))
}

impl Opened {
    /// Writes a new snapshot if this replay went through [`snapshot::EVERY`] events or more
    /// (none was used, or it was far behind).
    pub fn save_if_long(&self) {
        if self.replayed >= snapshot::EVERY {
            self.save();
        }
    }

    /// Writes the snapshot of everything read so far (`state` must be its replay).
    pub fn save(&self) {
        save(
            &self.journal,
            &self.id,
            &self.home,
            &self.last_key,
            &StateRef::new(&self.state.incident, &self.state.outbox),
        );
    }
}

/// Writes the snapshot of `journal` (incident `id`, data dir origin `home`) for `state`,
/// which must be the merge-order replay of everything `journal` has read, `last_key` its
/// largest merge key. Failing to write one is not an error: it is logged.
pub fn save(journal: &Journal, id: &str, home: &str, last_key: &Key, state: &StateRef<'_>) {
    let resume = journal.resume_point();
    if resume.lines < snapshot::MIN_EVENTS {
        return;
    }
    // A state that did not fold the prefix's last event (a duplicate identity, which a
    // replica drops: ingest never writes one) gets no snapshot: a snapshot's state always
    // ends at its prefix's last seq, which is what reading one checks.
    if state.incident.last_seq != resume.last_seq {
        tracing::info!(journal = %journal.path().display(), "no snapshot: the journal holds a duplicate event");
        return;
    }
    let at = Point {
        resume,
        last_key: last_key.clone(),
    };
    if let Err(e) = snapshot::save(journal.path(), id, home, &at, state.incident, state) {
        tracing::warn!(journal = %journal.path().display(), "cannot write the snapshot: {e}");
    }
}
