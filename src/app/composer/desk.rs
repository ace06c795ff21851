//! The writing desk: the sitrep and status forms in memory, the drafts read from disk at
//! start-up, which drafts changed since they were last written, the backends to preview.
//! Pure: writing a draft is a `Cmd::Draft` for the executor (at most once per tick while it
//! changes; every changed draft before quitting); a draft is dropped once the version sent
//! from it is journaled.

use crate::app::cmd::Cmd;
use crate::app::composer::form::{Backends, Form};
use crate::app::composer::kind::Kind;
use crate::app::composer::render::Rendered;
use crate::config::Config;
use crate::domain::event::Payload;
use crate::domain::incident::Incident;
use crate::domain::text::{capitalised, strip_control};
use crate::domain::{duration, sitrep, status};
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// The writing desk's state in the model.
#[derive(Debug, Clone, Default)]
pub struct Desk {
    pub sitrep: Option<Form>,
    pub status: Option<Form>,
    /// Drafts read from disk at start-up, taken by the first open.
    pub stored: BTreeMap<Kind, BTreeMap<String, String>>,
    /// Drafts changed since they were last written.
    pub unsaved: BTreeSet<Kind>,
    pub backends: Backends,
    /// Renders asked for by refreshes (`Cmd::Render`), for `update` to hand to the executor
    /// with the commands of the message that caused them.
    jobs: Vec<Cmd>,
}

/// What opening a composer did.
#[derive(Debug, Default)]
pub struct Opened {
    /// Deleting a stale draft (sent, then the cockpit died before deleting it).
    pub cmds: Vec<Cmd>,
    /// "Sitrep draft restored from 03:12 UTC".
    pub note: Option<String>,
}

impl Desk {
    pub fn form(&self, kind: Kind) -> Option<&Form> {
        match kind {
            Kind::Sitrep => self.sitrep.as_ref(),
            Kind::Status => self.status.as_ref(),
        }
    }

    pub fn form_mut(&mut self, kind: Kind) -> Option<&mut Form> {
        self.slot(kind).as_mut()
    }

    fn slot(&mut self, kind: Kind) -> &mut Option<Form> {
        match kind {
            Kind::Sitrep => &mut self.sitrep,
            Kind::Status => &mut self.status,
        }
    }

    /// Opens a composer: the draft in memory, else the one saved on disk, else a form
    /// prefilled from the incident.
    pub fn open(&mut self, kind: Kind, inc: &Incident, cfg: &Config, now: Timestamp) -> Opened {
        let mut out = Opened::default();
        if self.form(kind).is_none() {
            let values = match self.stored.remove(&kind) {
                Some(v) if already_sent(kind, &v, inc) => {
                    out.cmds.push(Cmd::Draft {
                        kind,
                        content: None,
                    });
                    prefill(kind, inc, cfg, now)
                }
                Some(v) => {
                    let when = v
                        .get("saved_at")
                        .and_then(|t| t.parse::<Timestamp>().ok())
                        .map(|t| format!(" from {}", t.strftime("%H:%M UTC")))
                        .unwrap_or_default();
                    out.note = Some(format!("{} draft restored{when}", capitalised(kind.noun())));
                    v
                }
                None => prefill(kind, inc, cfg, now),
            };
            *self.slot(kind) = Some(Form::new(kind, &values, cfg));
        }
        self.refresh(kind, inc, now);
        out
    }

    /// Recomputes an open form's lint and preview (after a change of the draft, the roster
    /// or the clock).
    pub fn refresh(&mut self, kind: Kind, inc: &Incident, now: Timestamp) {
        let Desk {
            sitrep,
            status,
            backends,
            ..
        } = self;
        let form = match kind {
            Kind::Sitrep => sitrep.as_mut(),
            Kind::Status => status.as_mut(),
        };
        if let Some(job) = form.and_then(|f| f.refresh(inc, now, backends)) {
            self.jobs.push(Cmd::Render(job));
        }
    }

    /// The renders asked for since the last call.
    pub fn take_jobs(&mut self) -> Vec<Cmd> {
        std::mem::take(&mut self.jobs)
    }

    /// A render's answer (`Msg::Rendered`): shown if it is the latest of an open form, else
    /// dropped.
    pub fn rendered(&mut self, r: Rendered, inc: &Incident) -> bool {
        let Desk {
            sitrep,
            status,
            backends,
            ..
        } = self;
        let form = match r.kind {
            Kind::Sitrep => sitrep.as_mut(),
            Kind::Status => status.as_mut(),
        };
        form.is_some_and(|f| f.rendered(r, inc, backends))
    }

    /// The composer of `kind` closes: a render under way is killed (`Cmd::CancelRender`).
    pub fn close(&mut self, kind: Kind) -> Cmd {
        if let Some(f) = self.form_mut(kind) {
            f.cancel_render();
        }
        Cmd::CancelRender(kind)
    }

    /// The draft changed: it is written on the next tick.
    pub fn changed(&mut self, kind: Kind, inc: &Incident, now: Timestamp) {
        self.unsaved.insert(kind);
        self.refresh(kind, inc, now);
    }

    /// The command writing a draft now, if it changed since it was last written.
    pub fn save(&mut self, kind: Kind, now: Timestamp) -> Option<Result<Cmd, String>> {
        if !self.unsaved.remove(&kind) {
            return None;
        }
        let mut values = self.form(kind)?.values();
        values.insert("saved_at".into(), now.to_string());
        Some(
            toml::to_string(&values)
                .map(|content| Cmd::Draft {
                    kind,
                    content: Some(content),
                })
                .map_err(|e| e.to_string()),
        )
    }

    /// Every draft that changed (each tick, and before quitting).
    pub fn saves(&mut self, now: Timestamp) -> Vec<Result<Cmd, String>> {
        [Kind::Sitrep, Kind::Status]
            .into_iter()
            .filter_map(|k| self.save(k, now))
            .collect()
    }

    /// A sent sitrep or status update is journaled: its draft goes (in memory and on disk).
    pub fn sent(&mut self, payload: &Payload) -> Option<Cmd> {
        let kind = match payload {
            Payload::SitrepSent { .. } => Kind::Sitrep,
            Payload::StatusPosted { .. } => Kind::Status,
            _ => return None,
        };
        *self.slot(kind) = None;
        self.unsaved.remove(&kind);
        self.stored.remove(&kind);
        Some(Cmd::Draft {
            kind,
            content: None,
        })
    }
}

/// Whether a saved draft is what was last sent (its deletion was lost).
fn already_sent(kind: Kind, v: &BTreeMap<String, String>, inc: &Incident) -> bool {
    let get = |k: &str| {
        strip_control(v.get(k).map_or("", String::as_str))
            .trim()
            .to_string()
    };
    let same = |texts: &[(&str, &String)]| texts.iter().all(|(key, sent)| **sent == get(key));
    match kind {
        Kind::Sitrep => inc.last_sitrep().is_some_and(|l| same(&l.fields.texts())),
        Kind::Status => inc.last_status().is_some_and(|l| same(&l.fields.texts())),
    }
}

/// The form's starting values from the incident.
pub fn prefill(
    kind: Kind,
    inc: &Incident,
    cfg: &Config,
    now: Timestamp,
) -> BTreeMap<String, String> {
    let owned = |(key, text): (&str, &String)| (key.to_string(), text.clone());
    // A list field: one item a line.
    let lines = |items: Vec<String>| items.join("\n");
    match kind {
        Kind::Sitrep => {
            let f = sitrep::prefill(inc);
            let links = f.links.iter().map(|l| format!("{} {}", l.label, l.url));
            let links = ("links".to_string(), lines(links.collect()));
            f.texts().map(owned).into_iter().chain([links]).collect()
        }
        Kind::Status => {
            let f = status::prefill(inc);
            let label = |s: &String| {
                s.parse::<status::ComponentStatus>()
                    .map(|c| c.label().to_lowercase())
                    .unwrap_or_else(|_| s.clone())
            };
            let comps = f
                .components
                .iter()
                .map(|(n, s)| format!("{n}: {}", label(s)));
            let next = status::next_update_default(inc, &cfg.cadence, now)
                .map(|t| duration::config_form(t.duration_since(now)))
                .unwrap_or_default();
            let more = [
                ("components".to_string(), lines(comps.collect())),
                ("next_update".to_string(), next),
            ];
            f.texts().map(owned).into_iter().chain(more).collect()
        }
    }
}
