//! The data directory: `<data_dir>/incidents/<id>/journal.jsonl`.

use super::file::{Journal, JournalError, Opened};
use super::origin::{Origin, OriginError};
use super::snapshot::Kept;
use crate::domain::event::{Event, Payload, Severity};
use crate::domain::incident::{self, DomainError, Incident};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("no incident {0:?} in {1} (see `commandpost list`)")]
    NoSuchIncident(String, PathBuf),
    #[error(
        "no open incident in {0}: start one with `commandpost new \"<title>\"` or pick one with --incident ID"
    )]
    NoOpenIncident(PathBuf),
    #[error("invalid incident id {0:?}: use letters, digits, '-' and '_'")]
    BadId(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The incident that would be current cannot be read: never "no open
    /// incident" (a new one must not be opened over it unawares).
    #[error(
        "incident {id} cannot be read: {source}\n  (until then, act on another incident with \
         --incident ID; `commandpost list` shows them)"
    )]
    Unreadable {
        id: String,
        #[source]
        source: Box<StoreError>,
    },
    #[error(transparent)]
    Origin(#[from] OriginError),
}

/// Every incident's summary, and the unreadable ones by id.
type Scan = (Vec<IncidentSummary>, Vec<(String, StoreError)>);

/// One line of `commandpost list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub id: String,
    pub title: String,
    pub state: Severity,
    pub opened_at: Timestamp,
    pub ic: Option<String>,
    pub events: u64,
}

#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// Whether `id` is a usable incident id (a directory name).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !id.starts_with('-')
}

impl From<super::snapshot::OpenError> for StoreError {
    fn from(e: super::snapshot::OpenError) -> Self {
        match e {
            super::snapshot::OpenError::Journal(e) => StoreError::Journal(e),
            super::snapshot::OpenError::Domain(e) => StoreError::Domain(e),
        }
    }
}

impl Store {
    pub fn new(data_dir: impl Into<PathBuf>) -> Store {
        Store {
            root: data_dir.into(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn incidents_dir(&self) -> PathBuf {
        self.root.join("incidents")
    }

    pub fn incident_dir(&self, id: &str) -> PathBuf {
        self.incidents_dir().join(id)
    }

    pub fn journal_path(&self, id: &str) -> PathBuf {
        self.incident_dir(id).join("journal.jsonl")
    }

    /// This data dir's replication origin, if it has one (never creates it).
    pub fn origin(&self) -> Result<Option<Origin>, StoreError> {
        Ok(super::origin::read(&self.root)?)
    }

    /// This data dir's origin, made now if it has none.
    pub fn ensure_origin(&self) -> Result<Origin, StoreError> {
        Ok(super::origin::load_or_create(&self.root)?)
    }

    /// The origin local events sort under (see `domain::merge`): this data dir's,
    /// or `""` if it has none yet (then its journals hold no remote events either).
    pub fn home(&self) -> String {
        match self.origin() {
            Ok(Some(o)) => o.as_str().to_string(),
            Ok(None) => String::new(),
            Err(e) => {
                tracing::warn!(%e, "origin unreadable; local events sort as origin \"\"");
                String::new()
            }
        }
    }

    /// Replays an incident's events (any order) in merge order.
    pub fn replay(&self, events: &[Event]) -> Result<Incident, DomainError> {
        crate::domain::merge::replay(events, &self.home())
    }

    /// `<incident_dir>/sync.json`: the sync cursor and watermark (see `sync::sidecar`).
    pub fn sidecar_path(&self, id: &str) -> PathBuf {
        self.incident_dir(id).join("sync.json")
    }

    /// Opens a new incident with `opener` as IC. The id is the date and this data dir's
    /// word (`INC-20261121-kato`, see [`Origin::word`]): two laptops opening incidents
    /// the same day get different ids, short enough to read aloud; a second incident
    /// the same day here is `-2`, and so on.
    pub fn create(
        &self,
        title: &str,
        opener: &str,
        now: Timestamp,
    ) -> Result<(Journal, Event), StoreError> {
        let origin = self.ensure_origin()?;
        let base = format!("INC-{}-{}", now.strftime("%Y%m%d"), origin.word());
        let dir = self.incidents_dir();
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.clone(),
            source,
        })?;
        for n in 1..1000 {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let payload = incident::open(&id, title, opener)?;
            // create_dir is atomic: two processes never get the same id.
            match std::fs::create_dir(self.incident_dir(&id)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => {
                    return Err(StoreError::Io {
                        path: self.incident_dir(&id),
                        source,
                    });
                }
            }
            return Ok(Journal::create(
                &self.journal_path(&id),
                opener,
                now,
                payload,
            )?);
        }
        Err(StoreError::BadId(base))
    }

    /// The journal path of an existing incident, or why there is none.
    pub fn existing_journal(&self, id: &str) -> Result<PathBuf, StoreError> {
        if !valid_id(id) {
            return Err(StoreError::BadId(id.to_string()));
        }
        let path = self.journal_path(id);
        if !path.exists() {
            return Err(StoreError::NoSuchIncident(
                id.to_string(),
                self.root.clone(),
            ));
        }
        Ok(path)
    }

    /// Reads an incident without changing anything (no lock, no repair): its
    /// events, their replay, and whether an incomplete last line follows
    /// (left for the next writer to move aside). For read-only commands.
    pub fn read(&self, id: &str) -> Result<(Vec<Event>, Incident, bool), StoreError> {
        let (events, torn) = Journal::read(&self.existing_journal(id)?)?;
        let inc = self.replay(&events)?;
        Ok((events, inc, torn))
    }

    /// Opens an incident's journal for writing (repairing a torn tail under
    /// the lock) and replays it, keeping the events.
    pub fn open(&self, id: &str) -> Result<(Opened, Incident), StoreError> {
        let opened = Journal::open(&self.existing_journal(id)?)?;
        let inc = self.replay(&opened.events)?;
        Ok((opened, inc))
    }

    /// Opens an incident's journal and replays it without keeping the
    /// events (for long journals). Returns the journal, the incident and any
    /// recovery warnings.
    pub fn open_replayed(&self, id: &str) -> Result<(Journal, Incident, Vec<String>), StoreError> {
        replay_file_merged(&self.existing_journal(id)?, &self.home())
    }

    /// Ids of every incident, by name, last first (by opening time: [`Store::list`]).
    pub fn ids(&self) -> Result<Vec<String>, StoreError> {
        let dir = self.incidents_dir();
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(StoreError::Io { path: dir, source }),
        };
        let mut ids: Vec<String> = rd
            .filter_map(Result::ok)
            .filter(|e| e.path().join("journal.jsonl").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|id| valid_id(id))
            .collect();
        ids.sort_by(|a, b| b.cmp(a));
        Ok(ids)
    }

    /// Summaries of every incident, newest first. Unreadable journals are
    /// reported as errors in the second list rather than hiding the others.
    pub fn list(&self) -> Result<(Vec<IncidentSummary>, Vec<String>), StoreError> {
        let ((out, errors), _) = self.scan(false)?;
        Ok((
            out,
            errors.into_iter().map(|(_, e)| e.to_string()).collect(),
        ))
    }

    /// Like [`Store::list`], the unreadable ones by id; with `keep`, the incident folded
    /// to summarise the newest open one (see [`Store::current_kept`]).
    fn scan(&self, keep: bool) -> Result<(Scan, Option<Kept>), StoreError> {
        let mut out: Vec<IncidentSummary> = Vec::new();
        let mut errors = Vec::new();
        let home = self.home();
        // The newest open incident so far, and what was folded to summarise it.
        let mut best: Option<(Timestamp, String, Option<Kept>)> = None;
        for id in self.ids()? {
            // Listing never writes: recovery happens when an incident is opened. A long
            // journal is summarised from its snapshot when that one checks out.
            match super::snapshot::summarize_kept(&self.journal_path(&id), &id, &home) {
                Ok((s, kept)) => {
                    let newer = best
                        .as_ref()
                        .is_none_or(|(at, bid, _)| (s.opened_at, &s.id) > (*at, bid));
                    if keep && s.state.is_open() && newer {
                        best = Some((s.opened_at, s.id.clone(), kept));
                    }
                    out.push(s)
                }
                Err(e) => errors.push((id, StoreError::from(e))),
            }
        }
        out.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
        Ok(((out, errors), best.and_then(|(_, _, kept)| kept)))
    }

    /// The current incident: the most recently opened one that is still open.
    /// An unreadable journal that could be it (opened later than the newest
    /// open incident, or there is no open one) is an error naming its file
    /// and line, never "no open incident".
    pub fn current(&self) -> Result<Option<String>, StoreError> {
        self.current_kept(false).map(|c| c.map(|(id, _)| id))
    }

    /// [`Store::current`]; with `keep`, also the incident folded to find it out, when its
    /// summary needed one (a journal with events after its snapshot): reading it again
    /// through [`super::snapshot::read_kept`] folds only what was appended since.
    pub fn current_kept(&self, keep: bool) -> Result<Option<(String, Option<Kept>)>, StoreError> {
        let ((list, errors), kept) = self.scan(keep)?;
        let current = list.into_iter().find(|s| s.state.is_open());
        // Ids sort by opening time; the newest unreadable one comes first.
        let mut errors = errors;
        errors.sort_by(|a, b| b.0.cmp(&a.0));
        if let Some((id, e)) = errors.into_iter().next()
            && current.as_ref().is_none_or(|c| id > c.id)
        {
            return Err(StoreError::Unreadable {
                id,
                source: Box::new(e),
            });
        }
        Ok(current.map(|s| (s.id, kept)))
    }

    /// The incident to act on: `explicit` if given, else the current one.
    /// With `allow_closed`, falls back to the most recent incident.
    pub fn resolve(
        &self,
        explicit: Option<&str>,
        allow_closed: bool,
    ) -> Result<String, StoreError> {
        self.resolve_kept(explicit, allow_closed, false)
            .map(|(id, _)| id)
    }

    /// [`Store::resolve`]; with `keep`, also the incident folded to find out the current
    /// one, if any (see [`Store::current_kept`]), for a command that reads it next.
    pub fn resolve_kept(
        &self,
        explicit: Option<&str>,
        allow_closed: bool,
        keep: bool,
    ) -> Result<(String, Option<Kept>), StoreError> {
        if let Some(id) = explicit {
            return Ok((id.to_string(), None));
        }
        if let Some(current) = self.current_kept(keep)? {
            return Ok(current);
        }
        if allow_closed && let Some(s) = self.list()?.0.into_iter().next() {
            return Ok((s.id, None));
        }
        Err(StoreError::NoOpenIncident(self.root.clone()))
    }

    /// The file the built-in file backend and announcements write to.
    pub fn outbox_file(&self, id: &str) -> PathBuf {
        self.incident_dir(id).join("outbox.md")
    }
}

/// Opens the journal at `path` and folds its events into an incident as
/// they stream in (a journal of local events; see [`replay_file_merged`]).
pub fn replay_file(path: &Path) -> Result<(Journal, Incident, Vec<String>), StoreError> {
    replay_file_merged(path, "")
}

/// Opens the journal at `path` and replays it in merge order (`home`: this data dir's
/// origin). Events stream into the incident while they arrive in merge order (always,
/// for a journal of local events); if one arrives out of it (an ingested event that
/// sorts earlier), the journal is read again and replayed sorted.
pub fn replay_file_merged(
    path: &Path,
    home: &str,
) -> Result<(Journal, Incident, Vec<String>), StoreError> {
    use crate::domain::merge as order;
    let mut inc: Option<Incident> = None;
    let mut first_err = None;
    // Merge key of the last event folded: (lc, origin, oseq).
    let mut tail: Option<(u64, String, u64)> = None;
    let mut sorted = true;
    let (journal, warnings) = Journal::open_with(path, |e| {
        if !sorted {
            return;
        }
        let k = order::key(&e, home);
        let key = (k.lc, k.origin.to_string(), k.oseq);
        if tail.as_ref().is_some_and(|t| *t >= key) {
            sorted = false;
            return;
        }
        tail = Some(key);
        match &mut inc {
            Some(i) => i.apply(&e),
            None => match Incident::replay([&e]) {
                Ok(i) => inc = Some(i),
                Err(err) => {
                    first_err.get_or_insert(err);
                }
            },
        }
    })?;
    if !sorted {
        let (events, _) = Journal::read(path)?;
        return Ok((journal, order::replay(&events, home)?, warnings));
    }
    match (inc, first_err) {
        (Some(i), _) => Ok((journal, i, warnings)),
        (None, Some(e)) => Err(e.into()),
        (None, None) => Err(DomainError::NotOpened.into()),
    }
}

/// Journals `payload` (stamped `now`, or later: see [`Journal::append`]) and
/// folds the new events into `inc`; returns them (foreign ones first).
pub fn record(
    journal: &mut Journal,
    inc: &mut Incident,
    actor: &str,
    now: Timestamp,
    payload: Payload,
) -> Result<Vec<Event>, JournalError> {
    record_with(journal, inc, actor, || now, |_, _| Ok(payload))
}

/// The locked append over the incident: under the journal's lock, folds in
/// what other writers appended, reads `clock`, and asks `make` for the
/// payload given the incident as it is now and that time. Ids, versions and
/// the time are therefore allocated under the lock: parallel writers never
/// share one. Returns the new events (foreign ones first, ours last).
pub fn record_with<E: From<JournalError>>(
    journal: &mut Journal,
    inc: &mut Incident,
    actor: &str,
    clock: impl FnOnce() -> Timestamp,
    make: impl FnOnce(&Incident, Timestamp) -> Result<Payload, E>,
) -> Result<Vec<Event>, E> {
    let events = journal.append_with(actor, clock, |new, now| {
        for e in new {
            inc.apply(e);
        }
        make(inc, now)
    })?;
    if let Some(own) = events.last() {
        inc.apply(own);
    }
    Ok(events)
}
