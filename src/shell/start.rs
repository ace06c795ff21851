//! Before the loop: the store (or a throwaway demo), the incident (or a drill), the model
//! with its drafts and backends.

use crate::app::keymap::Keymap;
use crate::app::model::Model;
use crate::demo::TempDir;
use crate::drill::DrillSession;
use crate::journal::{Journal, Store};
use crate::shell::options::{AppError, RunOptions};
use crate::shell::{drafts, drill};
use jiff::Timestamp;
use std::io::IsTerminal;

/// What the loop starts with.
pub(super) struct Started {
    pub model: Model,
    pub store: Store,
    pub journal: Option<Journal>,
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
    let id = match (incident, &drill) {
        (_, Some(_)) => None,
        (Some(id), None) => Some(id),
        (None, None) => store.current()?,
    };
    let (journal, events, warnings) = match (&id, &drill) {
        (_, Some((session, _))) => (None, session.events.clone(), Vec::new()),
        (Some(id), None) => {
            let (opened, _) = store.open(id)?;
            for w in &opened.warnings {
                tracing::warn!("{w}");
            }
            (Some(opened.journal), opened.events, opened.warnings)
        }
        (None, None) => (None, Vec::new(), Vec::new()),
    };
    let now = Timestamp::now();
    // In a drill the user plays the scenario's IC, from the drill's start.
    let (actor, at) = match &drill {
        Some((session, view)) => (session.scenario.initial.ic.clone(), view.clock.origin),
        None => (opts.actor, now),
    };
    let mut model = Model::new(&actor, config, keymap, events, at);
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
    drafts::load(&mut model.cx, &store, id.as_deref());
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
        id,
        actor,
        session,
        demo_dir,
    })
}
