//! The journal side of replication: remote events in, local events out.
//!
//! [`ingest`] appends remote events through the journal's lock with one fsync, keeping
//! their origin, oseq and Lamport counter; it is idempotent by `(origin, oseq)`, so a
//! re-read of the room (a lost sidecar, a gap filled twice, two cockpits translating the
//! same thing) changes nothing. [`unsent`] lists the local events above the watermark:
//! the journal is the offline queue.

use super::order;
use super::origin::Origin;
use super::wire::{WireError, WireEvent};
use crate::domain::event::Event;
use crate::journal::{Journal, JournalError};
use std::collections::HashSet;

/// A remote event as it arrived: the event and the Matrix event id that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    pub event: WireEvent,
    pub eid: Option<String>,
}

/// What [`ingest`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ingested {
    /// Events other local writers appended since this journal handle's last read.
    pub foreign: Vec<Event>,
    /// The remote events newly appended, in the order written (merge order among them).
    pub appended: Vec<Event>,
    /// Already in the journal (or twice in this arrival).
    pub duplicates: usize,
    /// This data dir's own events coming back from the room.
    pub own: usize,
    /// This data dir's own events (by oseq) that its journal does not have: the journal
    /// was restored from an older copy after publishing. New local events would reuse
    /// these identities, so the transport must not publish until this is resolved.
    pub own_missing: Vec<u64>,
    /// Refused events (not canonical, unreadable payload, bad identity), with the reason.
    pub refused: Vec<String>,
    /// Some appended event sorts before an event already held: a cockpit holding the
    /// state must refold (see [`super::Replica`]).
    pub refold: bool,
}

/// Appends the remote events in `arrivals` that the journal does not hold yet (by
/// `(origin, oseq)`), under the journal's lock with one fsync. `home` is this data dir's
/// origin: its own events coming back are not appended again.
pub fn ingest(
    journal: &mut Journal,
    home: &Origin,
    arrivals: &[Arrival],
) -> Result<Ingested, JournalError> {
    let mut out = Ingested::default();
    let mut sorted: Vec<&Arrival> = arrivals.iter().collect();
    sorted.sort_by_key(|a| (a.event.lc, a.event.origin.clone(), a.event.oseq));
    let (foreign, appended) = journal.append_many_with(|j| {
        let mut seen: HashSet<(&str, u64)> = HashSet::new();
        let mut new = Vec::new();
        let mut seq = j.last_seq();
        let max_lc = j.max_lc();
        for a in &sorted {
            let w = &a.event;
            if w.origin == home.as_str() {
                if w.oseq > j.last_seq() {
                    out.own_missing.push(w.oseq);
                } else {
                    out.own += 1;
                }
                continue;
            }
            if j.has_remote(&w.origin, w.oseq) || !seen.insert((&w.origin, w.oseq)) {
                out.duplicates += 1;
                continue;
            }
            if w.lc < 2 {
                // Only the incident's opening has Lamport counter 1 (it is line 1 of a
                // joined journal, never ingested after).
                out.refused.push(format!(
                    "event {}/{}: Lamport counter {} belongs to the incident's opening",
                    w.origin, w.oseq, w.lc
                ));
                continue;
            }
            match w.to_event(seq + 1, a.eid.as_deref()) {
                Ok(e) => {
                    seq += 1;
                    if e.lc() <= max_lc {
                        out.refold = true;
                    }
                    new.push(e);
                }
                Err(err) => out.refused.push(refusal(&err)),
            }
        }
        new
    })?;
    out.own_missing.sort_unstable();
    out.own_missing.dedup();
    out.foreign = foreign;
    out.appended = appended;
    if !out.refused.is_empty() {
        tracing::warn!(refused = ?out.refused, "remote events refused");
    }
    Ok(out)
}

fn refusal(err: &WireError) -> String {
    err.to_string()
}

/// The local events of `events` (a journal's, in journal order) above `watermark`, in
/// the wire form, in oseq order: what is still to be sent to the room. With watermark 0,
/// the whole journal's local events (what `sync attach` publishes).
pub fn unsent(
    events: &[Event],
    home: &Origin,
    watermark: u64,
) -> Result<Vec<WireEvent>, WireError> {
    let mut prev = 0;
    let mut out = Vec::new();
    for e in events.iter().filter(|e| e.is_local()) {
        if e.seq > watermark {
            out.push(WireEvent::from_event(e, home, prev)?);
        }
        prev = e.seq;
    }
    Ok(out)
}

/// How many local events are above `watermark`.
pub fn unsent_count(events: &[Event], watermark: u64) -> usize {
    events
        .iter()
        .filter(|e| e.is_local() && e.seq > watermark)
        .count()
}

/// The `(origin, prev)` pairs named by `arrivals` that neither the journal nor the
/// arrivals hold: events of another cockpit this one has not seen (a gap to fill by
/// paging back, or a redacted event).
pub fn missing_predecessors(
    journal: &Journal,
    home: &Origin,
    arrivals: &[Arrival],
) -> Vec<(String, u64)> {
    let here: HashSet<(&str, u64)> = arrivals
        .iter()
        .map(|a| (a.event.origin.as_str(), a.event.oseq))
        .collect();
    let mut out: Vec<(String, u64)> = arrivals
        .iter()
        .map(|a| &a.event)
        .filter(|w| w.prev > 0 && w.origin != home.as_str())
        .filter(|w| {
            !journal.has_remote(&w.origin, w.prev) && !here.contains(&(w.origin.as_str(), w.prev))
        })
        .map(|w| (w.origin.clone(), w.prev))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why `join` could not build the incident here.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error(
        "the room holds no opening of an incident (an `incident_opened` event with Lamport counter 1): is it an incident room attached by commandpost?"
    )]
    NoOpening,
    #[error("the room holds {0} incident openings; commandpost keeps one incident per room")]
    SeveralOpenings(usize),
    #[error(
        "incident {0} is already in this data dir: it is followed already (or, if it was made here, attach it instead of joining)"
    )]
    Exists(String),
    #[error("{0}")]
    Store(#[from] crate::journal::StoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("the incident's opening cannot be used: {0}")]
    Opening(#[from] WireError),
}

/// Builds an incident from another cockpit's events (`sync join`): finds the opening in
/// `arrivals`, creates `<data_dir>/incidents/<id>/journal.jsonl` with it as line 1 (its
/// origin kept), and ingests the rest. Refuses if the incident is here already.
pub fn join(
    store: &crate::journal::Store,
    home: &Origin,
    arrivals: &[Arrival],
) -> Result<(String, Journal, Ingested), JoinError> {
    let openings: Vec<&Arrival> = arrivals
        .iter()
        .filter(|a| a.event.kind == "incident_opened" && a.event.lc == 1)
        .collect();
    let first = match openings.as_slice() {
        [] => return Err(JoinError::NoOpening),
        [one] => *one,
        many => {
            let ids: HashSet<(&str, u64)> = many.iter().map(|a| a.event.id()).collect();
            if ids.len() > 1 {
                return Err(JoinError::SeveralOpenings(ids.len()));
            }
            many[0]
        }
    };
    let opening = first.event.to_event(1, first.eid.as_deref())?;
    let crate::domain::event::Payload::IncidentOpened { id, .. } = &opening.payload else {
        return Err(JoinError::NoOpening);
    };
    let id = id.clone();
    let dir = store.incident_dir(&id);
    if !crate::journal::store::valid_id(&id) {
        return Err(crate::journal::StoreError::BadId(id).into());
    }
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|source| crate::journal::StoreError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(JoinError::Exists(id));
        }
        Err(source) => {
            return Err(crate::journal::StoreError::Io { path: dir, source }.into());
        }
    }
    let (mut journal, _) = Journal::create_from(&store.journal_path(&id), opening)?;
    let got = ingest(&mut journal, home, arrivals)?;
    Ok((id, journal, got))
}

/// The journal's events in merge order (for a replay or a `show`).
pub fn merged<'a>(events: &'a [Event], home: &str) -> Vec<&'a Event> {
    order::merge_ordered(events, home)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::Payload;
    use crate::domain::role::Role;
    use jiff::Timestamp;

    fn now() -> Timestamp {
        "2026-11-21T14:00:00Z".parse().unwrap()
    }

    /// A journal at `path` in which Alice opened INC-1.
    fn opened(path: &std::path::Path) -> (Journal, Event) {
        let p = Payload::opened("INC-1", "t", "Alice");
        Journal::create(path, "Alice", now(), p).unwrap()
    }

    fn o(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    /// Two journals (two data dirs): A opens, both make events, each ingests the other's.
    #[test]
    fn two_journals_exchange_events_once() {
        let dir = tempfile::tempdir().unwrap();
        let (a_home, b_home) = (o("aaaaaaaa"), o("bbbbbbbb"));
        let (mut a, _) = opened(&dir.path().join("a.jsonl"));
        a.append("Alice", now(), Payload::NoteAdded { text: "one".into() })
            .unwrap();
        let a_events = Journal::read(a.path()).unwrap().0;
        let out: Vec<Arrival> = unsent(&a_events, &a_home, 0)
            .unwrap()
            .into_iter()
            .map(|event| Arrival { event, eid: None })
            .collect();
        assert_eq!(
            out.iter().map(|a| a.event.prev).collect::<Vec<_>>(),
            vec![0, 1]
        );

        // B joins: builds its journal from the room.
        let store_b = crate::journal::Store::new(dir.path().join("b"));
        let (id, mut b, got) = join(&store_b, &b_home, &out[..1]).unwrap();
        assert_eq!((id.as_str(), got.appended.len()), ("INC-1", 0));
        let b_path = b.path().to_path_buf();
        let got = ingest(&mut b, &b_home, &out).unwrap();
        assert_eq!(got.appended.len(), 1);
        assert_eq!(got.duplicates, 1);
        // Joining again is refused: the incident is here already.
        assert!(matches!(
            join(&store_b, &b_home, &out),
            Err(JoinError::Exists(_))
        ));
        // Again: nothing.
        let again = ingest(&mut b, &b_home, &out).unwrap();
        assert_eq!((again.appended.len(), again.duplicates), (0, 2));

        // B hands IC to Ricardo; its Lamport counter is above A's events.
        let evs = b
            .append(
                "Ricardo",
                now(),
                Payload::RoleHandedOff {
                    role: Role::Ic,
                    from: Some("Alice".into()),
                    to: "Ricardo".into(),
                },
            )
            .unwrap();
        let handed = evs.last().unwrap();
        assert_eq!((handed.seq, handed.lc()), (3, 3));
        let b_events = Journal::read(&b_path).unwrap().0;
        let b_out: Vec<Arrival> = unsent(&b_events, &b_home, 0)
            .unwrap()
            .into_iter()
            .map(|event| Arrival {
                event,
                eid: Some("$b3".into()),
            })
            .collect();
        assert_eq!(b_out.len(), 1);
        assert_eq!(
            (b_out[0].event.origin.as_str(), b_out[0].event.oseq),
            ("bbbbbbbb", 3)
        );
        // A gets B's hand-off, and its own two events back: one appended, two own.
        let mut with_echo = out.clone();
        with_echo.extend(b_out);
        let got = ingest(&mut a, &a_home, &with_echo).unwrap();
        assert_eq!((got.appended.len(), got.own, got.duplicates), (1, 2, 0));
        assert_eq!(got.appended[0].rep.eid.as_deref(), Some("$b3"));
        // Both replay to the same state.
        let a_all = Journal::read(a.path()).unwrap().0;
        let b_all = Journal::read(&b_path).unwrap().0;
        let sa = order::replay(&a_all, a_home.as_str()).unwrap();
        let sb = order::replay(&b_all, b_home.as_str()).unwrap();
        assert_eq!(sa.ic().unwrap().name, "Ricardo");
        assert_eq!(
            serde_json::to_value(&sa).unwrap(),
            serde_json::to_value(&sb).unwrap()
        );
        // A's next local event sorts after everything it has seen.
        let next = a
            .append("Alice", now(), Payload::NoteAdded { text: "x".into() })
            .unwrap();
        assert_eq!(next.last().unwrap().lc(), 4);
        // Unsent after a watermark: only what is above it.
        let a_all = Journal::read(a.path()).unwrap().0;
        let rest = unsent(&a_all, &a_home, 2).unwrap();
        assert_eq!(
            rest.iter().map(|w| (w.oseq, w.prev)).collect::<Vec<_>>(),
            vec![(4, 2)]
        );
        assert_eq!(unsent_count(&a_all, 2), 1);
    }

    #[test]
    fn own_events_the_journal_lacks_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let home = o("aaaaaaaa");
        let (mut j, first) = opened(&dir.path().join("j.jsonl"));
        let mut w = WireEvent::from_event(&first, &home, 0).unwrap();
        w.oseq = 9;
        let got = ingest(
            &mut j,
            &home,
            &[Arrival {
                event: w,
                eid: None,
            }],
        )
        .unwrap();
        assert_eq!(got.own_missing, vec![9]);
        assert!(got.appended.is_empty());
    }
}
