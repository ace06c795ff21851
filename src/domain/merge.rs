//! Merge order (issue 12): `(lc, origin, oseq)`. Every replica holding the same events folds them in
//! this order and so reaches the same state, whatever order they arrived in and whichever
//! homeserver delivered them.
//!
//! A journal holds its events in arrival order. In a journal of local events only the two
//! orders agree (each local event's `lc` is above every earlier one's), so replay streams
//! as before; an ingested event that sorts before the tail makes the next replay sort.
//! `home` is this data dir's origin: a local event's origin in the key.

use crate::domain::event::{Event, Payload};
use crate::domain::incident::{DomainError, Incident};
use std::cmp::Ordering;
use std::collections::HashSet;

/// Where an event sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MergeKey<'a> {
    pub lc: u64,
    pub origin: &'a str,
    pub oseq: u64,
}

/// The merge key of `e` in a journal whose local origin is `home`.
pub fn key<'a>(e: &'a Event, home: &'a str) -> MergeKey<'a> {
    MergeKey {
        lc: e.lc(),
        origin: e.origin_or(home),
        oseq: e.oseq(),
    }
}

/// Compares two events of one journal in merge order.
pub fn cmp(a: &Event, b: &Event, home: &str) -> Ordering {
    key(a, home).cmp(&key(b, home))
}

/// Whether `events` (in journal order) are already in merge order.
pub fn is_merge_ordered(events: &[Event], home: &str) -> bool {
    events
        .windows(2)
        .all(|w| cmp(&w[0], &w[1], home) == Ordering::Less)
}

/// The events in merge order, each identity once (the first copy in journal order wins;
/// ingest never writes a duplicate, but a replica must not depend on that).
pub fn merge_ordered<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    home: &str,
) -> Vec<&'a Event> {
    let mut seen: HashSet<(&str, u64)> = HashSet::new();
    let mut out: Vec<&Event> = events
        .into_iter()
        .filter(|e| seen.insert((e.origin_or(home), e.oseq())))
        .collect();
    out.sort_by(|a, b| cmp(a, b, home));
    opening_first(&mut out);
    out
}

/// The incident's opening folds first whatever its key (ingest refuses remote events
/// with a Lamport counter of 1, but a replay must not depend on that).
fn opening_first<E: std::borrow::Borrow<Event>>(events: &mut [E]) {
    let is_opening = |e: &E| matches!(e.borrow().payload, Payload::IncidentOpened { .. });
    if let Some(i) = events.iter().position(is_opening)
        && i > 0
    {
        events[..=i].rotate_right(1);
    }
}

/// Replays events (in any order, duplicates allowed) in merge order.
pub fn replay<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    home: &str,
) -> Result<Incident, DomainError> {
    Incident::replay(merge_ordered(events, home))
}

/// What [`Replica::insert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folded {
    /// Already held (same identity): nothing changed.
    Duplicate,
    /// Sorted after every held event: folded in incrementally.
    Appended,
    /// Sorted before the tail: the incident was folded again from the start.
    Refolded,
}

/// An incident's events held in merge order with the state they fold to: what a cockpit
/// following a synced incident keeps. Local events always append (their Lamport counter
/// is the highest); a remote event that sorts before the tail refolds (replay is pure).
#[derive(Debug, Clone)]
pub struct Replica {
    home: String,
    events: Vec<Event>,
    ids: HashSet<(String, u64)>,
    inc: Incident,
}

impl Replica {
    /// Builds the replica from a journal's events (any order).
    pub fn new(home: &str, events: Vec<Event>) -> Result<Replica, DomainError> {
        let mut ids = HashSet::new();
        let mut kept: Vec<Event> = events
            .into_iter()
            .filter(|e| ids.insert((e.origin_or(home).to_string(), e.oseq())))
            .collect();
        kept.sort_by(|a, b| cmp(a, b, home));
        opening_first(&mut kept);
        let inc = Incident::replay(&kept)?;
        Ok(Replica {
            home: home.to_string(),
            events: kept,
            ids,
            inc,
        })
    }

    pub fn incident(&self) -> &Incident {
        &self.inc
    }

    /// The events in merge order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn home(&self) -> &str {
        &self.home
    }

    /// Folds one more event in (from the journal: local or ingested).
    pub fn insert(&mut self, e: Event) -> Folded {
        let id = (e.origin_or(&self.home).to_string(), e.oseq());
        if !self.ids.insert(id) {
            return Folded::Duplicate;
        }
        let after_tail = self
            .events
            .last()
            .is_none_or(|t| cmp(t, &e, &self.home) == Ordering::Less);
        if after_tail {
            self.inc.apply(&e);
            self.events.push(e);
            return Folded::Appended;
        }
        let at = self
            .events
            .partition_point(|x| cmp(x, &e, &self.home) == Ordering::Less);
        self.events.insert(at, e);
        opening_first(&mut self.events);
        if let Ok(inc) = Incident::replay(&self.events) {
            self.inc = inc;
        }
        Folded::Refolded
    }

    /// Folds several events in; refolds at most once.
    pub fn extend(&mut self, events: impl IntoIterator<Item = Event>) -> Folded {
        let mut result = Folded::Duplicate;
        let mut refold = false;
        for e in events {
            let id = (e.origin_or(&self.home).to_string(), e.oseq());
            if self.ids.contains(&id) {
                continue;
            }
            let after_tail = self
                .events
                .last()
                .is_none_or(|t| cmp(t, &e, &self.home) == Ordering::Less);
            if after_tail && !refold {
                self.insert(e);
                result = Folded::Appended;
            } else {
                self.ids.insert(id);
                self.events.push(e);
                refold = true;
            }
        }
        if refold {
            let home = self.home.clone();
            self.events.sort_by(|a, b| cmp(a, b, &home));
            opening_first(&mut self.events);
            if let Ok(inc) = Incident::replay(&self.events) {
                self.inc = inc;
            }
            result = Folded::Refolded;
        }
        result
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::Rep;
    use crate::domain::role::Role;

    fn ev(origin: Option<&str>, seq: u64, oseq: u64, lc: u64, p: Payload) -> Event {
        let mut e = Event::new(seq, "2026-11-21T14:00:00Z".parse().unwrap(), "x", p);
        e.rep = Rep {
            origin: origin.map(str::to_string),
            oseq: Some(oseq),
            lc: Some(lc),
            eid: None,
        };
        e
    }

    fn opening() -> Event {
        Event::new(
            1,
            "2026-11-21T14:00:00Z".parse().unwrap(),
            "Alice",
            Payload::opened("INC-1", "t", "Alice"),
        )
    }

    fn handoff(to: &str) -> Payload {
        Payload::RoleHandedOff {
            role: Role::Ic,
            from: Some("Alice".into()),
            to: to.into(),
        }
    }

    #[test]
    fn local_journals_are_already_in_merge_order() {
        let evs: Vec<Event> = (1..5)
            .map(|i| {
                Event::new(
                    i,
                    "2026-11-21T14:00:00Z".parse().unwrap(),
                    "a",
                    Payload::NoteAdded { text: "n".into() },
                )
            })
            .collect();
        assert!(is_merge_ordered(&evs, "home"));
    }

    #[test]
    fn a_late_event_that_sorts_first_refolds() {
        // Home "mmmm": its hand-off (lc 2) ties with "aaaa"'s (lc 2), which sorts first.
        let mut r = Replica::new("mmmm", vec![opening()]).unwrap();
        assert_eq!(
            r.insert(ev(None, 2, 2, 2, handoff("Ricardo"))),
            Folded::Appended
        );
        assert_eq!(r.incident().ic().unwrap().name, "Ricardo");
        assert_eq!(
            r.insert(ev(Some("aaaa"), 3, 2, 2, handoff("Ben"))),
            Folded::Refolded
        );
        assert_eq!(r.incident().ic().unwrap().name, "Ben");
        assert_eq!(r.incident().conflicts.len(), 1);
        // The same event again changes nothing.
        assert_eq!(
            r.insert(ev(Some("aaaa"), 4, 2, 2, handoff("Ben"))),
            Folded::Duplicate
        );
        // The other replica ("aaaa"'s), holding the same events, agrees.
        let there = replay(
            &[
                opening(),
                ev(None, 2, 2, 2, handoff("Ben")),
                ev(Some("mmmm"), 3, 2, 2, handoff("Ricardo")),
            ],
            "aaaa",
        )
        .unwrap();
        let mut here = r.incident().clone();
        here.last_seq = there.last_seq;
        assert_eq!(
            serde_json::to_value(&here).unwrap(),
            serde_json::to_value(&there).unwrap()
        );
    }
}
