//! What every headless command shares: the context resolved once, the one-line failure,
//! opening or reading the incident to act on, the clock for journaled changes.

use crate::config::Config;
use crate::domain::Event;
use crate::domain::event::Severity;
use crate::domain::incident::Incident;
use crate::journal::{Journal, Store};
use jiff::Timestamp;
use std::fmt;

/// A one-line error for the user, with the exit status to use.
#[derive(Debug)]
pub struct Fail(pub String);

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! fail_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Fail {
            fn from(e: $t) -> Self { Fail(e.to_string()) }
        }
    )*};
}
fail_from!(
    crate::journal::StoreError,
    crate::journal::JournalError,
    crate::domain::incident::DomainError,
    crate::config::ConfigError,
    std::io::Error,
    serde_json::Error
);

/// Everything a command needs, resolved once.
#[derive(Clone)]
pub struct Ctx {
    pub store: Store,
    pub config: Config,
    pub actor: String,
    pub incident: Option<String>,
    pub now: Timestamp,
    /// How long to wait for deliveries before exiting.
    pub wait: std::time::Duration,
}

/// Opens the incident to act on and replays it (through its snapshot when that checks out).
pub fn open(ctx: &Ctx, allow_closed: bool) -> Result<(Journal, Incident), Fail> {
    let id = ctx.store.resolve(ctx.incident.as_deref(), allow_closed)?;
    let opened = crate::replay::open(&ctx.store, &id)?;
    for w in &opened.warnings {
        super::out::err(format!("commandpost: warning: {w}"));
        tracing::warn!("{w}");
    }
    // A writer keeps the snapshot up to date.
    opened.save_if_long();
    Ok((opened.journal, opened.state.incident))
}

/// Reads the incident to act on without changing anything (read-only
/// commands): its events and their replay. An incomplete last line (an
/// interrupted write) is left for the next writer, and said.
pub fn read(ctx: &Ctx, allow_closed: bool) -> Result<(Vec<Event>, Incident), Fail> {
    let id = ctx.store.resolve(ctx.incident.as_deref(), allow_closed)?;
    let (events, inc, torn) = ctx.store.read(&id)?;
    if torn {
        torn_note(&ctx.store.journal_path(&id));
    }
    Ok((events, inc))
}

/// Like [`read`] for commands that need the incident alone: from the journal's snapshot when
/// that one checks out (see `journal::snapshot`), never keeping the events. Writes nothing.
pub fn read_incident(ctx: &Ctx, allow_closed: bool) -> Result<Incident, Fail> {
    let (id, kept) = ctx
        .store
        .resolve_kept(ctx.incident.as_deref(), allow_closed, true)?;
    read_incident_kept(ctx, &id, kept)
}

/// [`read_incident`] of incident `id`, folding on from `kept` when that was read from its
/// journal (finding out the current incident folds it when events follow its snapshot)
/// and the journal still starts with what was read then.
pub fn read_incident_kept(
    ctx: &Ctx,
    id: &str,
    kept: Option<crate::journal::snapshot::Kept>,
) -> Result<Incident, Fail> {
    let path = ctx.store.existing_journal(id)?;
    let (read, _, torn) = crate::journal::snapshot::read_kept(&path, id, &ctx.store.home(), kept)
        .map_err(crate::journal::StoreError::from)?;
    if torn {
        torn_note(&path);
    }
    Ok(read.state.0)
}

fn torn_note(path: &std::path::Path) {
    super::out::err(format!(
        "commandpost: note: {} ends with an incomplete line (an interrupted write, or one \
         under way); the next change moves it to {}",
        path.display(),
        Journal::torn_path(path).display()
    ));
}

/// The clock for journaled changes: read under the journal's lock.
pub fn clock() -> Timestamp {
    Timestamp::now()
}

pub fn state_text(s: Severity) -> String {
    match s.level() {
        Some(n) => format!("{n} {}", s.label()),
        None => s.label().to_string(),
    }
}
