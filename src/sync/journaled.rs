//! The journal-backed side of the link: own events above the sidecar's watermark go out in
//! batches (readable notices for what people read), room events come in through the
//! replica's idempotent ingest, people's `@all:` commands are recorded once, redactions are
//! kept in the sidecar. The in-flight batch is written to the sidecar before its PUT, so a
//! restart after kill -9 re-sends the same transaction id: one room event.

use std::path::PathBuf;

use jiff::Timestamp;

use super::envelope::{self, Incoming, Outgoing};
use super::ingest::{self, Arrival};
use super::link::{self, Outbound, Received};
use super::matrix::RoomEvent;
use super::sidecar::{self, FileLock, InFlight, Redaction, Sidecar};
use super::wire::WireEvent;
use crate::domain::event::Event;
use crate::domain::identity::Origin;
use crate::domain::policy::KnownPerson;
use crate::journal::{Journal, Store};

/// One incident's journal and sidecar, as the link sees them.
pub struct Journaled {
    pub store: Store,
    pub id: String,
    pub home: Origin,
    journal: Journal,
    /// Every event of the journal, in journal order.
    events: Vec<Event>,
    pub sidecar: Sidecar,
    sidecar_path: PathBuf,
    people: Vec<KnownPerson>,
    actor: String,
    /// Events appended since [`Journaled::take_new`] (received or recorded here).
    new: Vec<Event>,
    /// This journal lacks own events the room holds (restored from an old backup): nothing
    /// is published until that is sorted out.
    pub own_missing: Vec<u64>,
    /// Why the last ingest refused some events.
    pub refused: Vec<String>,
    parts: envelope::Parts,
    /// Held from composing a batch until its answer is recorded ([`sidecar::SEND_LOCK_NAME`]).
    send_lock: Option<FileLock>,
}

/// How long a send waits for another process of this data dir that is sending.
const SEND_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);
/// How long a sidecar write waits for another's read-modify-write (held for one fsync).
const SIDECAR_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Sidecar key: parts of oversized events received, waiting for the rest.
const PARTS_OPEN: &str = "parts_open";
/// Sidecar key: the next part to send of an own oversized event, `{"oseq": N, "next": I}`.
const PART_NEXT: &str = "part_next";

/// The part index of a part's transaction id (`...-p3`).
fn part_of_txn(txn: &str) -> Option<usize> {
    let (_, i) = txn.rsplit_once("-p")?;
    i.parse().ok()
}

fn s<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

impl Journaled {
    /// Opens incident `id` of `store` for syncing.
    pub fn open(
        store: &Store,
        id: &str,
        people: Vec<KnownPerson>,
        actor: &str,
    ) -> Result<Journaled, String> {
        let home = store.ensure_origin().map_err(s)?;
        let opened = Journal::open(&store.journal_path(id)).map_err(s)?;
        let sidecar_path = store.sidecar_path(id);
        let (mut sidecar, warning) =
            Sidecar::load(&sidecar_path, Some(home.as_str())).map_err(s)?;
        if let Some(w) = warning {
            tracing::warn!("{w}");
        }
        sidecar.origin = Some(home.as_str().to_string());
        let parts = sidecar
            .extra
            .get(PARTS_OPEN)
            .map(envelope::Parts::from_json)
            .unwrap_or_default();
        Ok(Journaled {
            store: store.clone(),
            id: id.to_string(),
            home,
            journal: opened.journal,
            events: opened.events,
            sidecar,
            sidecar_path,
            people,
            actor: actor.to_string(),
            new: Vec::new(),
            own_missing: Vec::new(),
            refused: Vec::new(),
            parts,
            send_lock: None,
        })
    }

    /// Whether the incident is attached to a room.
    pub fn room_id(&self) -> Option<&str> {
        self.sidecar.room_id.as_deref()
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    fn incident_dir(&self) -> PathBuf {
        self.sidecar_path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Writes the sidecar: under its lock, read what another process of this data dir wrote
    /// (a cockpit and a headless command both sync), merge, write. The watermark never steps
    /// back; the in-flight batch and the part being sent belong to the process holding the
    /// send lock; redactions are the union.
    pub fn save(&mut self) -> Result<(), String> {
        let dir = self.incident_dir();
        let _lock = FileLock::acquire(&dir, sidecar::LOCK_NAME, SIDECAR_LOCK_WAIT)
            .map_err(s)?
            .ok_or_else(|| {
                format!(
                    "{}: another commandpost process holds {} for more than {} s",
                    self.sidecar_path.display(),
                    sidecar::LOCK_NAME,
                    SIDECAR_LOCK_WAIT.as_secs()
                )
            })?;
        self.merge_from_disk(self.send_lock.is_none())?;
        self.sidecar.save(&self.sidecar_path).map_err(s)
    }

    /// Folds in the sidecar as another process of this data dir left it; with `sending`,
    /// also the in-flight batch and the part being sent (what the holder of the send lock
    /// owns: this process does not, or has just taken it).
    fn merge_from_disk(&mut self, sending: bool) -> Result<(), String> {
        let (disk, _) = Sidecar::load(&self.sidecar_path, Some(self.home.as_str())).map_err(s)?;
        self.sidecar.acknowledge(disk.watermark);
        if sending {
            self.sidecar.in_flight = disk.in_flight;
            match disk.extra.get(PART_NEXT) {
                Some(p) => {
                    self.sidecar.extra.insert(PART_NEXT.into(), p.clone());
                }
                None => {
                    self.sidecar.extra.remove(PART_NEXT);
                }
            }
        }
        for r in disk.redactions {
            if !self.sidecar.redactions.iter().any(|x| x.eid == r.eid) {
                self.sidecar.redactions.push(r);
            }
        }
        Ok(())
    }

    /// Reads what other writers appended to the journal.
    pub fn refresh(&mut self) -> Result<(), String> {
        let got = self.journal.poll().map_err(s)?;
        self.events.extend(got);
        Ok(())
    }

    /// Events appended since the last call (for a cockpit to show).
    pub fn take_new(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.new)
    }

    /// Records a contact with the homeserver (`sync status` says live or offline from it).
    pub fn contact(&mut self, result: Result<(), &str>) {
        let now = Timestamp::now();
        match result {
            Ok(()) => self.sidecar.contact.ok_at = Some(now),
            Err(e) => {
                self.sidecar.contact.error_at = Some(now);
                self.sidecar.contact.error = Some(e.to_string());
            }
        }
    }

    /// Own events the room does not hold yet, ready for the envelope.
    fn pending(&self) -> Result<Vec<Outgoing>, String> {
        let wires = ingest::unsent(&self.events, &self.home, self.sidecar.watermark).map_err(s)?;
        let notices: std::collections::HashMap<u64, envelope::Notice> = self
            .events
            .iter()
            .filter(|e| e.is_local() && e.seq > self.sidecar.watermark)
            .filter_map(|e| envelope::notice_for(&e.payload).map(|n| (e.seq, n)))
            .collect();
        wires
            .into_iter()
            .map(|w| {
                let line = serde_json::to_string(&w).map_err(s)?;
                Ok(Outgoing {
                    oseq: w.oseq,
                    notice: notices.get(&w.oseq).cloned(),
                    line,
                })
            })
            .collect()
    }

    fn arrivals(&mut self, lines: Vec<String>, eid: &str) -> Vec<Arrival> {
        let mut out = Vec::new();
        for l in lines {
            match serde_json::from_str::<WireEvent>(&l) {
                Ok(event) => out.push(Arrival {
                    event,
                    eid: Some(eid.to_string()),
                }),
                Err(e) => self
                    .refused
                    .push(format!("{eid}: an event that does not decode: {e}")),
            }
        }
        out
    }

    /// Receives one room event.
    fn receive_one(&mut self, ev: &RoomEvent, got: &mut Received) -> Result<(), String> {
        let arrivals = match self.parts.lines(envelope::classify(ev, &self.id)) {
            Ok((event_id, lines)) => {
                // Parts still waiting for the rest are kept across restarts.
                if self.parts.is_empty() {
                    self.sidecar.extra.remove(PARTS_OPEN);
                } else {
                    self.sidecar
                        .extra
                        .insert(PARTS_OPEN.into(), self.parts.to_json());
                }
                self.arrivals(lines, &event_id)
            }
            Err(Incoming::Human {
                event_id,
                sender,
                body,
                ..
            }) => {
                let msgtype = ev
                    .content
                    .get("msgtype")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default();
                let text = super::room::RoomText {
                    event_id: &event_id,
                    sender: &sender,
                    msgtype,
                    body: &body,
                };
                let inc = self.store.replay(&self.events).map_err(s)?;
                if let Some(p) = super::room::translate(&text, &self.people, &inc) {
                    let appended = self
                        .journal
                        .append(&self.actor, Timestamp::now(), p)
                        .map_err(s)?;
                    got.new_events += 1;
                    self.events.extend(appended.iter().cloned());
                    self.new.extend(appended);
                }
                Vec::new()
            }
            Err(Incoming::Redaction {
                sender, redacts, ..
            }) => {
                self.redacted(redacts, sender);
                Vec::new()
            }
            Err(Incoming::Redacted { event_id, sender }) => {
                self.redacted(event_id, sender);
                Vec::new()
            }
            Err(Incoming::Encrypted { event_id }) => {
                self.refused.push(format!(
                    "the room was made end-to-end encrypted ({event_id}): commandpost stops publishing"
                ));
                Vec::new()
            }
            Err(Incoming::Ignored | Incoming::Lines { .. } | Incoming::Part { .. }) => Vec::new(),
        };
        if arrivals.is_empty() {
            return Ok(());
        }
        let res = ingest::ingest(&mut self.journal, &self.home, &arrivals).map_err(s)?;
        self.own_missing.extend(res.own_missing.iter().copied());
        self.refused.extend(res.refused.iter().cloned());
        got.new_events += res.appended.len();
        got.duplicates += res.duplicates + res.own;
        if let Some(last) = res.appended.last() {
            self.sidecar.last_received = Some(sidecar::Received {
                at: Timestamp::now(),
                origin: last.origin_or(self.home.as_str()).to_string(),
                oseq: last.oseq(),
                actor: last.actor.clone(),
                kind: last.payload.kind(),
                eid: Some(ev.event_id.clone()),
            });
        }
        self.events.extend(res.foreign.iter().cloned());
        self.events.extend(res.appended.iter().cloned());
        self.new.extend(res.foreign);
        self.new.extend(res.appended);
        Ok(())
    }

    /// Event `eid` was redacted by `by` (noted once).
    fn redacted(&mut self, eid: String, by: String) {
        if !self.sidecar.redactions.iter().any(|x| x.eid == eid) {
            self.sidecar.redactions.push(Redaction {
                eid,
                by,
                at: Timestamp::now(),
            });
        }
    }

    /// The next part to send of own event `oseq` if it is an oversized one being sent.
    fn part_next(&self, oseq: Option<u64>) -> usize {
        let Some(p) = self.sidecar.extra.get(PART_NEXT) else {
            return 0;
        };
        match (p.get("oseq").and_then(serde_json::Value::as_u64), oseq) {
            (Some(a), Some(b)) if a == b => p
                .get("next")
                .and_then(serde_json::Value::as_u64)
                .map_or(0, |n| n as usize),
            _ => 0,
        }
    }

    /// Whether the room turned encrypted (nothing more is published then).
    pub fn encrypted(&self) -> bool {
        self.refused
            .iter()
            .any(|r| r.contains("end-to-end encrypted"))
    }
}

impl link::Replica for Journaled {
    fn next_outbound(&mut self) -> Result<Option<Outbound>, String> {
        if self.send_lock.is_none() {
            let dir = self.incident_dir();
            let Some(l) =
                FileLock::acquire(&dir, sidecar::SEND_LOCK_NAME, SEND_LOCK_WAIT).map_err(s)?
            else {
                return Err(
                    "another commandpost process on this data dir is sending (it sends these too)"
                        .into(),
                );
            };
            // What the last sender recorded (watermark, in-flight batch), then this one's
            // own events the journal holds now.
            self.merge_from_disk(true)?;
            self.send_lock = Some(l);
        }
        self.refresh()?;
        if !self.own_missing.is_empty() {
            return Err(format!(
                "this journal lacks own events {:?} that the room holds (restored from an older \
                 copy?): nothing is published until the journal is complete",
                self.own_missing
            ));
        }
        if self.encrypted() {
            return Err(
                "the room is end-to-end encrypted now: commandpost does not publish to it".into(),
            );
        }
        let pending = self.pending()?;
        let mut from = 0;
        let mut max = usize::MAX;
        let mut txn = None;
        let mut part = self.part_next(pending.first().map(|o| o.oseq));
        if let Some(f) = self.sidecar.in_flight.clone() {
            // The same events again, under the same txnId: one room event after a crash.
            if let Some(i) = pending.iter().position(|o| o.oseq == f.first)
                && pending.iter().any(|o| o.oseq == f.last)
            {
                from = i;
                max = pending[i..].iter().take_while(|o| o.oseq <= f.last).count();
                if let Some(p) = part_of_txn(&f.txn) {
                    part = p;
                }
                txn = Some(f.txn);
            } else {
                self.sidecar.in_flight = None;
            }
        }
        let Some(b) =
            envelope::next_batch(&self.id, self.home.as_str(), &pending[from..], max, part)
        else {
            return Ok(None);
        };
        // A part counts as an event sent only when it is the last one.
        let count = match b.part {
            Some((i, n)) if i + 1 < n => 0,
            _ => b.count,
        };
        let out = Outbound {
            first: b.first,
            last: b.last,
            count,
            event_type: b.event_type.to_string(),
            txn_id: txn.unwrap_or(b.txn_id),
            content: b.content,
            part: b.part,
        };
        self.sidecar.in_flight = Some(InFlight {
            first: out.first,
            last: out.last,
            txn: out.txn_id.clone(),
        });
        self.save()?;
        Ok(Some(out))
    }

    fn delivered(&mut self, out: &Outbound, _event_id: &str) -> Result<(), String> {
        self.sidecar.in_flight = None;
        match out.part {
            Some((i, n)) if i + 1 < n => {
                self.sidecar.extra.insert(
                    PART_NEXT.into(),
                    serde_json::json!({"oseq": out.first, "next": i + 1}),
                );
            }
            _ => {
                self.sidecar.extra.remove(PART_NEXT);
                self.sidecar.acknowledge(out.last);
            }
        }
        self.contact(Ok(()));
        self.save()
    }

    fn refused(&mut self, _out: &Outbound) -> Result<(), String> {
        self.sidecar.in_flight = None;
        self.save()
    }

    fn end_send(&mut self) {
        self.send_lock = None;
    }

    fn unsent(&self) -> usize {
        ingest::unsent_count(&self.events, self.sidecar.watermark)
    }

    fn receive(&mut self, events: &[RoomEvent]) -> Result<Received, String> {
        let mut got = Received::default();
        for ev in events {
            self.receive_one(ev, &mut got)?;
        }
        Ok(got)
    }

    fn cursor(&self) -> Option<String> {
        self.sidecar.since.clone()
    }

    fn set_cursor(&mut self, next_batch: &str) -> Result<(), String> {
        self.sidecar.since = Some(next_batch.to_string());
        self.contact(Ok(()));
        self.save()
    }
}

/// Room events collected by a late joiner before its journal exists.
#[derive(Default)]
pub struct Collect {
    pub events: Vec<RoomEvent>,
    pub cursor: Option<String>,
}

impl link::Replica for Collect {
    fn next_outbound(&mut self) -> Result<Option<Outbound>, String> {
        Ok(None)
    }
    fn delivered(&mut self, _: &Outbound, _: &str) -> Result<(), String> {
        Ok(())
    }
    fn refused(&mut self, _: &Outbound) -> Result<(), String> {
        Ok(())
    }
    fn unsent(&self) -> usize {
        0
    }
    fn receive(&mut self, events: &[RoomEvent]) -> Result<Received, String> {
        self.events.extend(events.iter().cloned());
        Ok(Received {
            new_events: events.len(),
            duplicates: 0,
        })
    }
    fn cursor(&self) -> Option<String> {
        self.cursor.clone()
    }
    fn set_cursor(&mut self, next_batch: &str) -> Result<(), String> {
        self.cursor = Some(next_batch.to_string());
        Ok(())
    }
}

impl Collect {
    /// The replicated events of `incident` (or, with `None`, of the one incident the room
    /// carries) as arrivals, and the redactions seen.
    pub fn arrivals(&self, incident: Option<&str>) -> (Vec<Arrival>, Vec<String>) {
        let mut out = Vec::new();
        let mut notes = Vec::new();
        let mut parts = envelope::Parts::default();
        let incident = incident.map(str::to_string).or_else(|| self.incident());
        let Some(incident) = incident else {
            return (out, notes);
        };
        for ev in &self.events {
            let (eid, lines) = match parts.lines(envelope::classify(ev, &incident)) {
                Ok(carried) => carried,
                Err(Incoming::Redacted { event_id, sender }) => {
                    notes.push(format!(
                        "{sender} redacted event {event_id} in the room: what it carried is not readable from the room"
                    ));
                    continue;
                }
                Err(_) => continue,
            };
            for l in lines {
                match serde_json::from_str::<WireEvent>(&l) {
                    Ok(event) => out.push(Arrival {
                        event,
                        eid: Some(eid.clone()),
                    }),
                    Err(e) => notes.push(format!("{eid}: an event that does not decode: {e}")),
                }
            }
        }
        (out, notes)
    }

    /// The incident the room's machine events are about (the first one seen).
    pub fn incident(&self) -> Option<String> {
        self.events.iter().find_map(|e| {
            e.content
                .get(envelope::KEY)
                .and_then(|m| m.get("incident"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        })
    }
}

impl super::follow::Followed for Journaled {
    fn take_new(&mut self) -> Vec<Event> {
        Journaled::take_new(self)
    }
    fn contact(&mut self, result: Result<(), &str>) {
        Journaled::contact(self, result);
    }
    fn persist(&mut self) -> Result<(), String> {
        self.save()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::Payload;
    use crate::sync::link::Replica as _;

    fn room_event(n: usize, content: serde_json::Value) -> RoomEvent {
        RoomEvent {
            event_id: format!("$e{n}"),
            kind: super::super::matrix::EVENT_TYPE.into(),
            sender: "@a:x".into(),
            origin_server_ts: 1,
            content,
            state_key: None,
            redacts: None,
            unsigned: serde_json::Value::Null,
        }
    }

    #[test]
    fn a_receiver_restarted_between_parts_still_puts_the_event_together() {
        let (ta, tb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (Store::new(ta.path()), Store::new(tb.path()));
        let (mut j, _) = a.create("Big", "alice", Timestamp::now()).unwrap();
        // Bigger than any note the cockpit lets through: the wire does not care.
        j.append(
            "alice",
            Timestamp::now(),
            Payload::NoteAdded {
                text: "x".repeat(150_000),
            },
        )
        .unwrap();
        let home_a = a.ensure_origin().unwrap();
        let events = Journal::open(j.path()).unwrap().events;
        let wires = ingest::unsent(&events, &home_a, 0).unwrap();
        let id = match &events[0].payload {
            Payload::IncidentOpened { id, .. } => id.clone(),
            _ => panic!(),
        };
        let opening = Arrival {
            event: wires[0].clone(),
            eid: None,
        };
        let home_b = b.ensure_origin().unwrap();
        ingest::join(&b, &home_b, &[opening]).unwrap();
        let big = Outgoing::new(2, serde_json::to_string(&wires[1]).unwrap());
        let n = envelope::next_batch(&id, home_a.as_str(), std::slice::from_ref(&big), 1, 0)
            .unwrap()
            .part
            .unwrap()
            .1;
        assert!(n >= 3);
        let part = |i| {
            room_event(
                i,
                envelope::next_batch(&id, home_a.as_str(), std::slice::from_ref(&big), 1, i)
                    .unwrap()
                    .content,
            )
        };
        {
            let mut r = Journaled::open(&b, &id, vec![], "bob").unwrap();
            let got = r.receive(&[part(0), part(1)]).unwrap();
            assert_eq!(got.new_events, 0);
            r.save().unwrap();
        }
        let mut r = Journaled::open(&b, &id, vec![], "bob").unwrap();
        let rest: Vec<RoomEvent> = (2..n).map(part).collect();
        assert_eq!(r.receive(&rest).unwrap().new_events, 1);
        let inc = b.replay(r.events()).unwrap();
        assert_eq!(inc.notes.last().unwrap().text.len(), 150_000);
        assert!(!r.sidecar.extra.contains_key(PARTS_OPEN));
    }
}
