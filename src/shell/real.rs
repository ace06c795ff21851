//! The effects of a real incident: its journal (every change fsynced before it shows),
//! the delivery outbox, drafts next to the journal, the post-mortem writer.

use crate::app::composer::kind::Kind;
use crate::app::deliveries::{OutboxCmd, OutboxMsg};
use crate::app::msg::Msg;
use crate::config::Config;
use crate::domain::incident::{DomainError, Incident};
use crate::domain::{Event, Payload};
use crate::journal::{Journal, JournalError, Store};
use crate::shell::courier::Courier;
use crate::shell::effects::{Effects, Refused};
use crate::shell::keep::Keeper;
use crate::shell::{drafts, postmortem};
use crate::sync::follow::Follower;
use jiff::Timestamp;
use jiff::tz::TimeZone;
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
}

impl RealEffects {
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
