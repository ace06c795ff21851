//! Before the loop: the store (or a throwaway demo), the incident (or a drill), the model
//! with its drafts and backends.

use crate::app::cockpit::{Cockpit, OLDER_PAGE, Older};
use crate::app::keymap::Keymap;
use crate::app::model::Model;
use crate::demo::TempDir;
use crate::drill::DrillSession;
use crate::journal::{Journal, Store, snapshot};
use crate::shell::keep::Keeper;
use crate::shell::options::{AppError, RunOptions};
use crate::shell::{drafts, drill};
use jiff::Timestamp;
use std::io::IsTerminal;

/// What the loop starts with.
pub(super) struct Started {
    pub model: Model,
    pub store: Store,
    pub journal: Option<Journal>,
    /// For an incident opened through its snapshot: who keeps it, and the outbox's reader.
    pub kept: Option<(Keeper, Journal)>,
    pub id: Option<String>,
    pub actor: String,
    pub session: Option<DrillSession>,
    /// A demo's throwaway directory, removed when this is dropped.
    pub demo_dir: Option<TempDir>,
}

pub(super) fn start(opts: RunOptions) -> Result<Started, AppError> {
    let keymap = Keymap::build(&opts.config).map_err(AppError::Keys)?;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(AppError::NotATerminal);
    }
    let mut config = opts.config;
    let (store, incident, demo_dir) = if opts.demo {
        let dir = TempDir::new().map_err(|e| AppError::Demo(e.to_string()))?;
        let store = Store::new(dir.path());
        let id = crate::demo::build(&store, &mut config, &opts.actor, Timestamp::now())
            .map_err(|e| AppError::Demo(e.to_string()))?;
        (store, Some(id), Some(dir))
    } else {
        (opts.store, opts.incident, None)
    };
    // A drill: a new incident under <data_dir>/drills/<id>/, on its own clock.
    let drill = match &opts.drill {
        Some(d) => Some(drill::open(d, &config, store.root(), Timestamp::now())?),
        None => None,
    };
    // The backends are built while the incident is read (see `drafts::backends`).
    let building = {
        let (config, root) = (config.clone(), store.root().to_path_buf());
        let (drill, demo) = (drill.is_some(), opts.demo);
        std::thread::Builder::new()
            .name("backends".into())
            .spawn(move || drafts::backends(&config, drill, demo, &root))
    };
    // The current incident is found by reading every journal's prefix; meanwhile the
    // snapshot of the one it most likely is (the newest said to be open) is decoded.
    let mut ahead = None;
    let id = match (incident, &drill) {
        (_, Some(_)) => None,
        (Some(id), None) => Some(id),
        (None, None) => {
            ahead = decode_ahead(&store);
            store.current()?
        }
    };
    let now = Timestamp::now();
    // In a drill the user plays the scenario's IC, from the drill's start.
    let (actor, at) = match &drill {
        Some((session, view)) => (session.scenario.initial.ic.clone(), view.clock.origin),
        None => (opts.actor, now),
    };
    let (mut model, journal, kept, warnings) = match (&id, &drill) {
        (_, Some((session, _))) => {
            let m = Model::new(&actor, config, keymap, session.events.clone(), at);
            (m, None, None, Vec::new())
        }
        (Some(id), None) => {
            let (cx, journal, kept, warnings) =
                restore(&store, id, ahead, &actor, config, keymap, at)?;
            (Model::restored(cx), Some(journal), kept, warnings)
        }
        (None, None) => (
            Model::new(&actor, config, keymap, Vec::new(), at),
            None,
            None,
            Vec::new(),
        ),
    };
    let session = drill.map(|(session, view)| {
        model.drill = Some(view);
        session
    });
    model.tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    model.demo = opts.demo;
    // A synced incident (issue 12): folded in the merge order every replica uses, and
    // followed live (`shell::sync`, started with the effects).
    if let Some(id) = &id
        && !model.demo
    {
        if let Some(room) = crate::shell::sync::room(&store, id) {
            model.cx.sync = Some(crate::app::sync_view::SyncView::new(&room));
        }
        model.cx.set_home(&store.home());
    }
    let backends = match building.map(std::thread::JoinHandle::join) {
        Ok(Ok(backends)) => backends,
        // (No thread, or it panicked: built here.)
        _ => drafts::backends(
            &model.config,
            model.drill.is_some(),
            model.demo,
            store.root(),
        ),
    };
    drafts::load(&mut model.cx, backends, &store, id.as_deref());
    if !warnings.is_empty() {
        model.flash = Some(crate::app::flash::Flash {
            text: warnings.join("; "),
            error: true,
            at: now,
        });
    }
    Ok(Started {
        model,
        store,
        journal,
        kept,
        id,
        actor,
        session,
        demo_dir,
    })
}

/// The snapshot of the incident that is most likely current, being decoded: the newest
/// incident if its snapshot says it is open; past the ones whose snapshots say resolved;
/// none when the newest not resolved has no usable snapshot (it may well be current).
fn decode_ahead(store: &Store) -> Option<snapshot::Ahead<crate::replay::State>> {
    let home = store.home();
    for id in store.ids().ok()? {
        match snapshot::ahead(&store.journal_path(&id), &id, &home) {
            Ok(Some(ahead)) => return Some(ahead),
            Ok(None) => {}
            Err(_) => return None,
        }
    }
    None
}

/// A restored cockpit, its journal, who keeps the snapshot with the outbox's reader, and
/// the recovery warnings.
type Restored = (Cockpit, Journal, Option<(Keeper, Journal)>, Vec<String>);

/// The cockpit on incident `id`: replayed through its journal's snapshot (`replay::open`),
/// its timeline holding the newest [`OLDER_PAGE`] events (older ones are read from the
/// journal when scrolled back to); the journal, and what keeps its snapshot.
fn restore(
    store: &Store,
    id: &str,
    ahead: Option<snapshot::Ahead<crate::replay::State>>,
    actor: &str,
    config: crate::config::Config,
    keymap: Keymap,
    now: Timestamp,
) -> Result<Restored, AppError> {
    let opened = crate::replay::open_ahead(store, id, ahead)?;
    for w in &opened.warnings {
        tracing::warn!("{w}");
    }
    let (recent, start) =
        Journal::read_back(opened.journal.path(), opened.journal.offset(), OLDER_PAGE)?;
    let older = Older {
        count: opened.journal.lines().saturating_sub(recent.len()),
        end: start,
        loading: false,
    };
    // The outbox's own reader, where this replay ended (a failure: it reads the journal).
    let reader = opened.journal.reader_at().ok();
    let keeper = Keeper::new(
        id,
        &opened.home,
        opened.state.outbox.clone(),
        opened.last_key.clone(),
        opened.replayed,
    );
    let cx = Cockpit::restored(
        actor,
        config,
        keymap,
        opened.state.incident,
        opened.state.outbox,
        recent,
        older,
        now,
    );
    Ok((
        cx,
        opened.journal,
        reader.map(|r| (keeper, r)),
        opened.warnings,
    ))
}
