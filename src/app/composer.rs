//! The writing desk in the cockpit: the sitrep composer, the public status
//! composer, their send confirmation and the sitrep log.
//!
//! Pure like `update`: the domain does the work (`sitrep::prefill`,
//! `preview`, `compose`; `status::prefill`, `lint`, `preview`, `compose`),
//! `Backend::render` feeds the preview pane. Drafts live in
//! [`Model::desk`] (Esc keeps them), are written by the executor
//! (`Cmd::Draft`, at most once per tick while they change) to
//! `<incident dir>/drafts/`, read back at start-up ([`read_drafts`]) and
//! deleted once the sent version is journaled.

use crate::app::cmd::Cmd;
use crate::app::keymap::{Action, Key, Scope};
use crate::app::model::{Mode, Model};
use crate::app::update::{flash_error, flash_info};
use crate::config::Config;
use crate::delivery::{Backend, BackendConfig};
use crate::domain::event::{Link, Payload, SitrepFields, StatusFields};
use crate::domain::incident::Incident;
use crate::domain::lint::{Field, Linter, Stage, Warning};
use crate::domain::outbound::{MessageKind, OutboundMessage, StatusPayload};
use crate::domain::template::Template;
use crate::domain::text::{one_line, strip_control};
use crate::domain::{duration, sitrep, status};
use crossterm::event::{KeyCode, KeyEvent};
use jiff::Timestamp;
use ratatui::style::{Modifier, Style};
use ratatui_textarea::{CursorMove, TextArea, WrapMode};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Sitrep,
    Status,
}

impl Kind {
    /// The draft's file in `<incident dir>/drafts/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::Sitrep => "sitrep.toml",
            Kind::Status => "status.toml",
        }
    }

    pub fn message_kind(self) -> MessageKind {
        match self {
            Kind::Sitrep => MessageKind::Sitrep,
            Kind::Status => MessageKind::Status,
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Kind::Sitrep => "sitrep",
            Kind::Status => "status update",
        }
    }

    fn specs(self) -> &'static [FieldSpec] {
        match self {
            Kind::Sitrep => &SITREP_FIELDS,
            Kind::Status => &STATUS_FIELDS,
        }
    }
}

/// One text field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Key in the draft file.
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// Enter moves on instead of breaking the line; pasted lines are joined.
    pub one_line: bool,
}

const fn spec(key: &'static str, label: &'static str, hint: &'static str) -> FieldSpec {
    FieldSpec {
        key,
        label,
        hint,
        one_line: false,
    }
}

pub const SITREP_FIELDS: [FieldSpec; 5] = [
    spec("summary", "Summary", "what is broken"),
    spec("impact", "Impact", "how widespread"),
    spec("actions", "Actions", "what is being done"),
    spec("needs", "Needs", "open issues, what would help"),
    spec("links", "Links", "one per line: label url"),
];

pub const STATUS_FIELDS: [FieldSpec; 4] = [
    spec("message", "Message", "what is broken, what is being done"),
    spec(
        "workaround",
        "Workaround",
        "what customers can do meanwhile",
    ),
    spec(
        "components",
        "Components",
        "one per line: Name: operational | degraded performance | partial outage | major outage | under maintenance",
    ),
    FieldSpec {
        key: "next_update",
        label: "Next update",
        hint: "e.g. 30m; empty promises nothing",
        one_line: true,
    },
];

/// Index of the next-update field in [`STATUS_FIELDS`].
const NEXT_UPDATE: usize = 3;

/// The backends the preview renders for, built once at start-up.
#[derive(Clone, Default)]
pub struct Backends {
    pub list: Vec<Arc<dyn Backend>>,
    /// Why the configured backends could not be built.
    pub error: Option<String>,
    /// Where messages go instead, when that is not a backend (a drill).
    pub instead: Option<String>,
}

impl fmt::Debug for Backends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.list.iter().map(|b| b.name()).collect();
        f.debug_struct("Backends")
            .field("list", &names)
            .field("error", &self.error)
            .field("instead", &self.instead)
            .finish()
    }
}

impl Backends {
    /// The names of the backends that send `kind`.
    pub fn for_kind(&self, kind: MessageKind) -> Vec<&Arc<dyn Backend>> {
        self.list.iter().filter(|b| b.accepts(kind)).collect()
    }
}

/// The configured backends, or the default (Markdown to the incident's
/// `outbox.md`) when none is configured. Secrets are resolved here: call it
/// outside `update`.
pub fn build_backends(cfg: &Config, data_dir: &Path) -> Backends {
    let cfgs: Result<Vec<BackendConfig>, String> = if cfg.backends.is_empty() {
        Ok(vec![BackendConfig::default_file(data_dir)])
    } else {
        cfg.backends.iter().map(BackendConfig::from_table).collect()
    };
    let fail = |e: String| Backends {
        list: Vec::new(),
        error: Some(e),
        instead: None,
    };
    let cfgs = match cfgs {
        Ok(c) => c,
        Err(e) => return fail(format!("config: {e}")),
    };
    let client = match crate::delivery::http::build_client() {
        Ok(c) => c,
        Err(e) => return fail(format!("HTTP client: {e}")),
    };
    match crate::delivery::backends::build_backends(&cfgs, &client) {
        Ok(list) => Backends {
            list,
            error: None,
            instead: None,
        },
        Err(errs) => fail(
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// What the preview pane shows: rendered once per change, not per frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    /// `slack (slack) 1/2`, or why there is no backend view.
    pub title: String,
    pub text: String,
    pub error: bool,
}

/// A sitrep or status form: text areas, lint, problems, preview.
#[derive(Debug, Clone)]
pub struct Form {
    pub kind: Kind,
    pub areas: Vec<TextArea<'static>>,
    /// Focused slot. A status update's slot 0 is the stage, then its fields.
    pub focus: usize,
    pub stage: Stage,
    template: Result<Template, String>,
    linter: Result<Linter, String>,
    /// Lint findings, with the index of the field they point into.
    pub warnings: Vec<(Option<usize>, Warning)>,
    /// What stops sending (a bad link line, an unknown component status).
    pub problems: Vec<String>,
    /// Which backend the preview shows.
    pub preview_sel: usize,
    /// Below 120 columns the preview is shown on demand.
    pub preview_open: bool,
    pub preview: Preview,
    /// "Next update in 30 minutes (03:30 UTC)", or why not.
    pub next_update_note: String,
}

impl Form {
    fn new(kind: Kind, values: &BTreeMap<String, String>, cfg: &Config) -> Form {
        let areas = kind
            .specs()
            .iter()
            .map(|s| {
                let text = strip_control(values.get(s.key).map(String::as_str).unwrap_or(""));
                let mut a = TextArea::from(text.split('\n').map(str::to_string));
                a.set_placeholder_text(s.hint);
                a.set_placeholder_style(Style::default().add_modifier(Modifier::DIM));
                a.set_wrap_mode(WrapMode::WordOrGlyph);
                a.set_cursor_line_style(Style::default());
                a.set_search_style(
                    Style::default().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
                );
                a.set_max_histories(200);
                a.move_cursor(CursorMove::Bottom);
                a.move_cursor(CursorMove::End);
                a
            })
            .collect();
        let stage = values
            .get("stage")
            .and_then(|s| s.parse().ok())
            .unwrap_or(Stage::Investigating);
        let template = match kind {
            Kind::Sitrep => cfg.sitrep_template(),
            Kind::Status => cfg.status_template(),
        }
        .map_err(|e| e.to_string());
        let mut f = Form {
            kind,
            areas,
            focus: 0,
            stage,
            template,
            linter: cfg.linter().map_err(|e| e.to_string()),
            warnings: Vec::new(),
            problems: Vec::new(),
            preview_sel: 0,
            preview_open: false,
            preview: Preview::default(),
            next_update_note: String::new(),
        };
        // A status update starts on its message: the stage is usually right.
        f.set_focus(if kind == Kind::Status { 1 } else { 0 });
        f
    }

    pub fn specs(&self) -> &'static [FieldSpec] {
        self.kind.specs()
    }

    /// Focusable slots: the fields, plus the stage for a status update.
    pub fn slots(&self) -> usize {
        self.areas.len() + usize::from(self.kind == Kind::Status)
    }

    /// The field at a slot (`None`: the stage).
    pub fn field_at(&self, slot: usize) -> Option<usize> {
        match self.kind {
            Kind::Sitrep => Some(slot),
            Kind::Status => slot.checked_sub(1),
        }
    }

    /// The slot of a field.
    pub fn slot_of(&self, field: usize) -> usize {
        field + usize::from(self.kind == Kind::Status)
    }

    pub fn focused_field(&self) -> Option<usize> {
        self.field_at(self.focus)
    }

    /// The text of field `i`.
    pub fn text(&self, i: usize) -> String {
        self.areas
            .get(i)
            .map(|a| a.lines().join("\n"))
            .unwrap_or_default()
    }

    pub fn set_focus(&mut self, slot: usize) {
        self.focus = slot.min(self.slots().saturating_sub(1));
        let focused = self.focused_field();
        for (i, a) in self.areas.iter_mut().enumerate() {
            a.set_cursor_style(if Some(i) == focused {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            });
        }
    }

    /// The draft as saved: every field, and the stage.
    pub fn values(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = self
            .specs()
            .iter()
            .enumerate()
            .map(|(i, s)| (s.key.to_string(), self.text(i)))
            .collect();
        if self.kind == Kind::Status {
            out.insert("stage".into(), self.stage.as_str().into());
        }
        out
    }

    /// The sitrep fields, and what is wrong with the links.
    pub fn sitrep_fields(&self) -> (SitrepFields, Vec<String>) {
        let mut problems = Vec::new();
        let mut links = Vec::new();
        for (n, line) in self.text(4).lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match line.rsplit_once(char::is_whitespace) {
                Some((label, url)) if !label.trim().is_empty() => links.push(Link {
                    label: label.trim().to_string(),
                    url: url.to_string(),
                }),
                _ => problems.push(format!(
                    "Links line {}: write a label, then the url (\"Ticket https://…\")",
                    n + 1
                )),
            }
        }
        let f = SitrepFields {
            summary: self.text(0),
            impact: self.text(1),
            actions: self.text(2),
            needs: self.text(3),
            links,
        };
        (f, problems)
    }

    /// The status fields as of `now`, and what is wrong with components or
    /// the next update.
    pub fn status_fields(&self, now: Timestamp) -> (StatusFields, Vec<String>) {
        let mut problems = Vec::new();
        let mut components = Vec::new();
        for (n, line) in self.text(2).lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match line.rsplit_once(':') {
                Some((name, st)) if !name.trim().is_empty() => {
                    match st.parse::<status::ComponentStatus>() {
                        Ok(c) => components.push((name.trim().to_string(), c.as_str().to_string())),
                        Err(e) => problems.push(format!("Components line {}: {e}", n + 1)),
                    }
                }
                _ => problems.push(format!(
                    "Components line {}: write \"Name: status\" (e.g. \"API: partial outage\")",
                    n + 1
                )),
            }
        }
        let next = self.text(NEXT_UPDATE);
        let next_update_at = if next.trim().is_empty() {
            None
        } else {
            match duration::parse(&next) {
                Ok(d) if d > jiff::SignedDuration::ZERO => now.checked_add(d).ok(),
                Ok(_) => {
                    problems.push("Next update: must be later than now".into());
                    None
                }
                Err(e) => {
                    problems.push(format!("Next update: {e}"));
                    None
                }
            }
        };
        let f = StatusFields {
            stage: self.stage.as_str().to_string(),
            message: self.text(0),
            workaround: self.text(1),
            components,
            next_update_at,
        };
        (f, problems)
    }

    /// Recomputes problems, lint (highlighted in the fields) and the
    /// preview. Called when the draft (or the incident) changes.
    fn refresh(&mut self, inc: &Incident, now: Timestamp, backends: &Backends) {
        let linter = self.linter.as_ref().ok();
        let (body, warnings, problems, status_payload) = match self.kind {
            Kind::Sitrep => {
                let (fields, problems) = self.sitrep_fields();
                let mut warnings = Vec::new();
                if let Some(l) = linter {
                    for (i, t) in [
                        &fields.summary,
                        &fields.impact,
                        &fields.actions,
                        &fields.needs,
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        warnings.extend(l.lint_text(t).into_iter().map(|w| (Some(i), w)));
                    }
                }
                let body = match &self.template {
                    Ok(t) => sitrep::preview(inc, &fields, t, now).map_err(|e| e.to_string()),
                    Err(e) => Err(e.clone()),
                };
                (body, warnings, problems, None)
            }
            Kind::Status => {
                let (fields, problems) = self.status_fields(now);
                let warnings = linter
                    .map(|l| {
                        status::lint(l, &fields)
                            .into_iter()
                            .map(|w| {
                                let i = match w.field {
                                    Field::Message => Some(0),
                                    Field::Workaround => Some(1),
                                    Field::Text | Field::Structural => None,
                                };
                                (i, w)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                self.next_update_note = match fields.next_update_at {
                    Some(t) => format!(
                        "Next update in {} ({})",
                        status::words(t.duration_since(now)),
                        t.strftime("%H:%M UTC")
                    ),
                    None => "No next update promised".into(),
                };
                let body = match &self.template {
                    Ok(t) => status::preview(inc, &fields, t, now).map_err(|e| e.to_string()),
                    Err(e) => Err(e.clone()),
                };
                (body, warnings, problems, Some(status_payload(&fields)))
            }
        };
        // Highlight each warning's text where it stands.
        for (i, a) in self.areas.iter_mut().enumerate() {
            let pats: BTreeSet<String> = warnings
                .iter()
                .filter(|(f, w)| *f == Some(i) && !w.excerpt.is_empty())
                .map(|(_, w)| regex::escape(&w.excerpt))
                .collect();
            let pat = pats.into_iter().collect::<Vec<_>>().join("|");
            let _ = a.set_search_pattern(pat);
        }
        self.warnings = warnings;
        self.problems = problems;
        self.preview = match body {
            Err(e) => Preview {
                title: "template error".into(),
                text: e,
                error: true,
            },
            Ok(text) => self.render_preview(inc, text, status_payload, backends),
        };
    }

    fn render_preview(
        &mut self,
        inc: &Incident,
        text: String,
        status: Option<StatusPayload>,
        backends: &Backends,
    ) -> Preview {
        let kind = self.kind.message_kind();
        let list = backends.for_kind(kind);
        if list.is_empty() {
            let why = match (&backends.error, &backends.instead) {
                (Some(e), _) => format!("backends: {e}"),
                (None, Some(i)) => i.clone(),
                (None, None) => format!("no backend sends {}s: text only", kind.as_str()),
            };
            return Preview {
                title: why,
                text,
                error: backends.error.is_some(),
            };
        }
        self.preview_sel %= list.len();
        let Some(b) = list.get(self.preview_sel) else {
            return Preview::default();
        };
        let msg = OutboundMessage {
            id: "preview".into(),
            incident_id: inc.id.clone(),
            incident_title: inc.title.clone(),
            severity: inc.state.label().to_string(),
            kind,
            headline: headline(self.kind, inc, self.stage),
            body: text,
            mention_all: false,
            status,
            page: None,
            test: false,
        };
        Preview {
            title: format!(
                "{} ({}) {}/{}",
                b.name(),
                b.kind().as_str(),
                self.preview_sel + 1,
                list.len()
            ),
            text: b.render(&msg).join("\n\n────────\n\n"),
            error: false,
        }
    }
}

/// The one-line headline of what is sent.
fn headline(kind: Kind, inc: &Incident, stage: Stage) -> String {
    match kind {
        Kind::Sitrep => format!("Sitrep v{}", sitrep::next_version(inc)),
        Kind::Status => format!("Status update: {}", capitalised(stage.as_str())),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn status_payload(f: &StatusFields) -> StatusPayload {
    StatusPayload {
        stage: f.stage.clone(),
        message: f.message.clone(),
        workaround: Some(f.workaround.clone()).filter(|w| !w.trim().is_empty()),
        components: f.components.clone(),
        next_update: f
            .next_update_at
            .map(|t| t.strftime("%H:%M UTC").to_string()),
    }
}

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
}

impl Desk {
    pub fn form(&self, kind: Kind) -> Option<&Form> {
        match kind {
            Kind::Sitrep => self.sitrep.as_ref(),
            Kind::Status => self.status.as_ref(),
        }
    }

    fn slot(&mut self, kind: Kind) -> &mut Option<Form> {
        match kind {
            Kind::Sitrep => &mut self.sitrep,
            Kind::Status => &mut self.status,
        }
    }
}

/// The "send this?" step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub kind: Kind,
    /// `Send sitrep v3?`
    pub title: String,
    /// Where it goes: `name (kind)` per backend, or why nowhere.
    pub to: Vec<String>,
    /// Facts worth a second look (the people named, the promised update).
    pub notes: Vec<String>,
    /// Lint warnings, one line each.
    pub warnings: Vec<String>,
}

// ----- opening, closing, ticking --------------------------------------------

/// Opens a composer: the draft in memory, else the one saved on disk, else
/// a form prefilled from the incident.
pub fn open(m: &mut Model, kind: Kind) -> Vec<Cmd> {
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let mut cmds = Vec::new();
    if m.desk.form(kind).is_none() {
        let values = match m.desk.stored.remove(&kind) {
            // Sent, then the cockpit died before deleting it.
            Some(v) if already_sent(kind, &v, inc) => {
                cmds.push(Cmd::Draft {
                    kind,
                    content: None,
                });
                prefill(kind, inc, &m.config, m.now)
            }
            Some(v) => {
                let when = v
                    .get("saved_at")
                    .and_then(|t| t.parse::<Timestamp>().ok())
                    .map(|t| format!(" from {}", t.strftime("%H:%M UTC")))
                    .unwrap_or_default();
                flash_info(
                    m,
                    format!("{} draft restored{when}", capitalised(kind.noun())),
                );
                v
            }
            None => prefill(kind, inc, &m.config, m.now),
        };
        *m.desk.slot(kind) = Some(Form::new(kind, &values, &m.config));
    }
    refresh(m, kind);
    m.mode = Mode::Compose(kind);
    cmds
}

/// Whether a saved draft is what was last sent (its deletion was lost).
fn already_sent(kind: Kind, v: &BTreeMap<String, String>, inc: &Incident) -> bool {
    let get = |k: &str| {
        strip_control(v.get(k).map_or("", String::as_str))
            .trim()
            .to_string()
    };
    match kind {
        Kind::Sitrep => inc.last_sitrep().is_some_and(|l| {
            let f = &l.fields;
            [&f.summary, &f.impact, &f.actions, &f.needs]
                .into_iter()
                .zip(["summary", "impact", "actions", "needs"])
                .all(|(sent, key)| *sent == get(key))
        }),
        Kind::Status => inc.last_status().is_some_and(|l| {
            l.fields.message == get("message")
                && l.fields.workaround == get("workaround")
                && l.fields.stage == get("stage")
        }),
    }
}

/// The form's starting values from the incident.
pub fn prefill(
    kind: Kind,
    inc: &Incident,
    cfg: &Config,
    now: Timestamp,
) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    match kind {
        Kind::Sitrep => {
            let f = sitrep::prefill(inc);
            v.insert("summary".into(), f.summary);
            v.insert("impact".into(), f.impact);
            v.insert("actions".into(), f.actions);
            v.insert("needs".into(), f.needs);
            let links: Vec<String> = f
                .links
                .iter()
                .map(|l| format!("{} {}", l.label, l.url))
                .collect();
            v.insert("links".into(), links.join("\n"));
        }
        Kind::Status => {
            let f = status::prefill(inc);
            v.insert("stage".into(), f.stage);
            v.insert("message".into(), f.message);
            v.insert("workaround".into(), f.workaround);
            let comps: Vec<String> = f
                .components
                .iter()
                .map(|(n, s)| {
                    let label = s
                        .parse::<status::ComponentStatus>()
                        .map(|c| c.label().to_lowercase())
                        .unwrap_or_else(|_| s.clone());
                    format!("{n}: {label}")
                })
                .collect();
            v.insert("components".into(), comps.join("\n"));
            let next = status::next_update_default(inc, &cfg.cadence, now)
                .map(|t| duration::config_form(t.duration_since(now)))
                .unwrap_or_default();
            v.insert("next_update".into(), next);
        }
    }
    v
}

/// Recomputes an open form's lint and preview (after a change of the draft,
/// the roster or the clock).
fn refresh(m: &mut Model, kind: Kind) {
    let Some(inc) = m.inc.as_ref() else {
        return;
    };
    let form = match kind {
        Kind::Sitrep => m.desk.sitrep.as_mut(),
        Kind::Status => m.desk.status.as_mut(),
    };
    if let Some(f) = form {
        f.refresh(inc, m.now, &m.desk.backends);
    }
}

fn changed(m: &mut Model, kind: Kind) {
    m.desk.unsaved.insert(kind);
    refresh(m, kind);
}

/// The command writing a draft now, if it changed since it was last written.
fn save(m: &mut Model, kind: Kind) -> Option<Cmd> {
    if !m.desk.unsaved.remove(&kind) {
        return None;
    }
    let mut values = m.desk.form(kind)?.values();
    values.insert("saved_at".into(), m.now.to_string());
    match toml::to_string(&values) {
        Ok(content) => Some(Cmd::Draft {
            kind,
            content: Some(content),
        }),
        Err(e) => {
            flash_error(m, format!("draft NOT saved: {e}"));
            None
        }
    }
}

/// Every tick: write the drafts that changed (so a draft is on disk at
/// most a second after the last key).
pub fn tick(m: &mut Model) -> Vec<Cmd> {
    [Kind::Sitrep, Kind::Status]
        .into_iter()
        .filter_map(|k| save(m, k))
        .collect()
}

/// Before quitting: write every changed draft.
pub fn flush(m: &mut Model) -> Vec<Cmd> {
    tick(m)
}

/// An event this cockpit asked for is on disk: a sent sitrep or status
/// update drops its draft and is queued for delivery.
pub fn journaled(m: &mut Model, payload: &Payload) -> Vec<Cmd> {
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let (kind, headline, body, status) = match payload {
        Payload::SitrepSent {
            version, rendered, ..
        } => (
            Kind::Sitrep,
            format!("Sitrep v{version}"),
            rendered.clone(),
            None,
        ),
        Payload::StatusPosted { fields, rendered } => (
            Kind::Status,
            format!("Status update: {}", capitalised(&fields.stage)),
            rendered.clone(),
            Some(status_payload(fields)),
        ),
        _ => return Vec::new(),
    };
    let send = Cmd::Send(OutboundMessage {
        id: String::new(),
        incident_id: inc.id.clone(),
        incident_title: inc.title.clone(),
        severity: inc.state.label().to_string(),
        kind: kind.message_kind(),
        headline,
        body,
        mention_all: false,
        status,
        page: None,
        test: false,
    });
    *m.desk.slot(kind) = None;
    m.desk.unsaved.remove(&kind);
    m.desk.stored.remove(&kind);
    vec![
        Cmd::Draft {
            kind,
            content: None,
        },
        send,
    ]
}

/// The incident changed (any writer): an open composer's preview follows.
pub fn incident_changed(m: &mut Model) {
    match &m.mode {
        Mode::Compose(k) => {
            let k = *k;
            refresh(m, k);
        }
        Mode::ComposeSend(c) => {
            let k = c.kind;
            refresh(m, k);
        }
        _ => {}
    }
}

// ----- keys -------------------------------------------------------------------

/// Keys in the composer modes and the sitrep log.
pub fn on_key(m: &mut Model, mode: Mode, k: KeyEvent) -> Vec<Cmd> {
    match mode {
        Mode::Compose(kind) => compose_key(m, kind, k),
        Mode::ComposeSend(c) => confirm_key(m, c, k),
        Mode::SitrepLog {
            sel,
            detail,
            scroll,
        } => log_key(m, sel, detail, scroll, k),
        other => {
            m.mode = other;
            Vec::new()
        }
    }
}

fn is_ctrl_c(k: &KeyEvent) -> bool {
    Key::from_event(k) == Key::ctrl('c')
}

fn compose_key(m: &mut Model, kind: Kind, k: KeyEvent) -> Vec<Cmd> {
    m.mode = Mode::Compose(kind);
    if k.code == KeyCode::Esc || is_ctrl_c(&k) {
        m.mode = Mode::Normal;
        let key = m
            .keymap
            .first(match kind {
                Kind::Sitrep => Action::Sitrep,
                Kind::Status => Action::StatusUpdate,
            })
            .map_or_else(String::new, |k| format!(": {k} reopens it"));
        flash_info(m, format!("{} draft kept{key}", capitalised(kind.noun())));
        return save(m, kind).into_iter().collect();
    }
    let action = m
        .keymap
        .action(Key::from_event(&k))
        .filter(|a| a.scope() == Scope::Composer);
    match action {
        Some(Action::Send) => return ask_send(m, kind),
        Some(Action::PreviewNext) => {
            let wide = m.size.0 >= WIDE_MIN_WIDTH;
            let n = m.desk.backends.for_kind(kind.message_kind()).len().max(1);
            if let Some(f) = m.desk.slot(kind).as_mut() {
                if !wide && !f.preview_open {
                    f.preview_open = true;
                } else if !wide && f.preview_sel + 1 >= n {
                    // Past the last backend: the preview closes again.
                    f.preview_open = false;
                    f.preview_sel = 0;
                } else {
                    f.preview_sel = (f.preview_sel + 1) % n;
                }
            }
            refresh(m, kind);
            return Vec::new();
        }
        Some(Action::StageNext) if kind == Kind::Status => {
            cycle_stage(m, 1);
            return Vec::new();
        }
        _ => {}
    }
    let Some(form) = m.desk.slot(kind).as_mut() else {
        m.mode = Mode::Normal;
        return Vec::new();
    };
    match k.code {
        KeyCode::Tab => {
            let n = form.slots();
            form.set_focus((form.focus + 1) % n);
            return Vec::new();
        }
        KeyCode::BackTab => {
            let n = form.slots();
            form.set_focus((form.focus + n - 1) % n);
            return Vec::new();
        }
        _ => {}
    }
    let Some(i) = form.focused_field() else {
        // The stage selector.
        match k.code {
            KeyCode::Left | KeyCode::Up => cycle_stage(m, -1),
            KeyCode::Right | KeyCode::Down | KeyCode::Char(' ') | KeyCode::Enter => {
                cycle_stage(m, 1)
            }
            KeyCode::Char(c) => {
                let c = c.to_ascii_lowercase();
                if let Some(s) = Stage::ALL.into_iter().find(|s| s.as_str().starts_with(c)) {
                    set_stage(m, s);
                }
            }
            _ => {}
        }
        return Vec::new();
    };
    let one_line = form.specs().get(i).is_some_and(|s| s.one_line);
    if one_line && k.code == KeyCode::Enter {
        let n = form.slots();
        form.set_focus((form.focus + 1) % n);
        return Vec::new();
    }
    let Some(area) = form.areas.get_mut(i) else {
        return Vec::new();
    };
    if area.input(k) {
        if one_line && area.lines().len() > 1 {
            let joined = one_line_text(&area.lines().join(" "));
            *area = replaced(area, &joined);
        }
        changed(m, kind);
    }
    Vec::new()
}

/// Width from which the preview sits beside the form.
pub const WIDE_MIN_WIDTH: u16 = 120;

fn one_line_text(s: &str) -> String {
    one_line(s)
}

/// A text area like `old` (styles kept) holding `text`.
fn replaced(old: &TextArea<'static>, text: &str) -> TextArea<'static> {
    let mut a = old.clone();
    a.select_all();
    a.cut();
    a.insert_str(text);
    a
}

fn set_stage(m: &mut Model, stage: Stage) {
    let Some(f) = m.desk.status.as_mut() else {
        return;
    };
    if f.stage == stage {
        return;
    }
    let was = f.stage;
    f.stage = stage;
    // Resolved promises no next update; leaving it brings the default back.
    if let Some(inc) = &m.inc {
        let default = status::next_update_default(inc, &m.config.cadence, m.now)
            .map(|t| duration::config_form(t.duration_since(m.now)))
            .unwrap_or_default();
        let next = f.text(NEXT_UPDATE);
        let new = if stage == Stage::Resolved && next == default {
            Some(String::new())
        } else if was == Stage::Resolved && next.trim().is_empty() {
            Some(default)
        } else {
            None
        };
        if let (Some(new), Some(a)) = (new, f.areas.get_mut(NEXT_UPDATE)) {
            *a = replaced(a, &new);
        }
    }
    changed(m, Kind::Status);
}

fn cycle_stage(m: &mut Model, by: isize) {
    let Some(f) = &m.desk.status else {
        return;
    };
    let n = Stage::ALL.len() as isize;
    let i = Stage::ALL.iter().position(|s| *s == f.stage).unwrap_or(0) as isize;
    let j = (i + by).rem_euclid(n) as usize;
    if let Some(s) = Stage::ALL.get(j) {
        set_stage(m, *s);
    }
}

/// Bracketed paste into the focused field: a pasted newline is text, never
/// a send.
pub fn paste(m: &mut Model, kind: Kind, s: &str) -> Vec<Cmd> {
    let Some(form) = m.desk.slot(kind).as_mut() else {
        return Vec::new();
    };
    let Some(i) = form.focused_field() else {
        flash_info(m, "Paste ignored: Tab to a text field first".into());
        return Vec::new();
    };
    let one_line = form.specs().get(i).is_some_and(|s| s.one_line);
    // Terminals (and tmux) paste line breaks as CR: they are newlines.
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let clean = if one_line {
        one_line_text(&s)
    } else {
        strip_control(&s)
    };
    if let Some(a) = form.areas.get_mut(i)
        && !clean.is_empty()
        && a.insert_str(&clean)
    {
        changed(m, kind);
    }
    Vec::new()
}

/// Ctrl-S: build what would be sent; ask.
fn ask_send(m: &mut Model, kind: Kind) -> Vec<Cmd> {
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let Some(form) = m.desk.form(kind) else {
        return Vec::new();
    };
    if let Some(p) = form.problems.first() {
        let more = match form.problems.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        flash_error(m, format!("cannot send yet: {p}{more}"));
        return Vec::new();
    }
    let payload = match compose(form, inc, m.now) {
        Ok(p) => p,
        Err(e) => {
            flash_error(m, format!("cannot send yet: {e}"));
            return Vec::new();
        }
    };
    let list = m.desk.backends.for_kind(kind.message_kind());
    let mut to: Vec<String> = list
        .iter()
        .map(|b| format!("{} ({})", b.name(), b.kind().as_str()))
        .collect();
    if let Some(e) = &m.desk.backends.error {
        to.push(format!("NOT to the configured backends: {e}"));
    } else if let Some(i) = &m.desk.backends.instead {
        to.push(i.clone());
    } else if to.is_empty() {
        to.push(format!(
            "nowhere: no backend sends {}s (it is journaled only)",
            kind.message_kind().as_str()
        ));
    }
    let mut notes = Vec::new();
    let title = match &payload {
        Payload::SitrepSent {
            version,
            ic,
            comms,
            responders,
            ..
        } => {
            notes.push(format!(
                "Names IC {}, Comms {}, {} responder{}",
                ic.as_deref().unwrap_or("(none)"),
                comms.as_deref().unwrap_or("(none)"),
                responders.len(),
                if responders.len() == 1 { "" } else { "s" }
            ));
            format!("Send sitrep v{version}?")
        }
        Payload::StatusPosted { fields, .. } => {
            notes.push(match fields.next_update_at {
                Some(t) => format!(
                    "Promises the next update in {} ({})",
                    status::words(t.duration_since(m.now)),
                    t.strftime("%H:%M UTC")
                ),
                None => "Promises no next update".into(),
            });
            format!(
                "Post the public status update ({})?",
                capitalised(&fields.stage)
            )
        }
        _ => String::new(),
    };
    let warnings = form
        .warnings
        .iter()
        .map(|(i, w)| warning_line(form, *i, w))
        .collect();
    m.mode = Mode::ComposeSend(Confirmation {
        kind,
        title,
        to,
        notes,
        warnings,
    });
    Vec::new()
}

/// `Message: eta “fixed in 30 minutes”: reason`, or the reason alone.
pub fn warning_line(form: &Form, field: Option<usize>, w: &Warning) -> String {
    match field.and_then(|i| form.specs().get(i)) {
        Some(s) if !w.excerpt.is_empty() => {
            format!("{}: “{}”: {}", s.label, one_line(&w.excerpt), w.reason)
        }
        _ => w.reason.clone(),
    }
}

fn compose(form: &Form, inc: &Incident, now: Timestamp) -> Result<Payload, String> {
    let template = form.template.as_ref().map_err(Clone::clone)?;
    match form.kind {
        Kind::Sitrep => {
            let (f, _) = form.sitrep_fields();
            sitrep::compose(inc, &f, template, now).map_err(|e| e.to_string())
        }
        Kind::Status => {
            let (f, _) = form.status_fields(now);
            status::compose(inc, &f, template, now).map_err(|e| e.to_string())
        }
    }
}

fn confirm_key(m: &mut Model, c: Confirmation, k: KeyEvent) -> Vec<Cmd> {
    match k.code {
        KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
            let kind = c.kind;
            // Built again against the incident as it is now (another writer
            // may have sent a version meanwhile).
            let p = match (&m.inc, m.desk.form(kind)) {
                (Some(inc), Some(f)) => compose(f, inc, m.now),
                _ => Err("nothing to send".into()),
            };
            match p {
                Ok(p) => {
                    m.mode = Mode::Normal;
                    m.writing += 1;
                    vec![Cmd::Append(p)]
                }
                Err(e) => {
                    m.mode = Mode::Compose(kind);
                    flash_error(m, format!("NOT sent: {e}"));
                    Vec::new()
                }
            }
        }
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
            m.mode = Mode::Compose(c.kind);
            flash_info(m, "Not sent: back to the draft".into());
            Vec::new()
        }
        _ if is_ctrl_c(&k) => {
            m.mode = Mode::Compose(c.kind);
            flash_info(m, "Not sent: back to the draft".into());
            Vec::new()
        }
        _ => {
            m.mode = Mode::ComposeSend(c);
            Vec::new()
        }
    }
}

// ----- the sitrep log ---------------------------------------------------------

/// Opens the sitrep log (newest first).
pub fn open_log(m: &mut Model) -> Vec<Cmd> {
    let n = m.inc.as_ref().map_or(0, |i| i.sitreps.len());
    if n == 0 {
        let key = m
            .keymap
            .first(Action::Sitrep)
            .map_or_else(String::new, |k| format!(": {k} writes the first"));
        flash_info(m, format!("No sitrep sent yet{key}"));
        return Vec::new();
    }
    m.mode = Mode::SitrepLog {
        sel: 0,
        detail: false,
        scroll: 0,
    };
    Vec::new()
}

fn log_key(m: &mut Model, sel: usize, detail: bool, scroll: u16, k: KeyEvent) -> Vec<Cmd> {
    let n = m.inc.as_ref().map_or(0, |i| i.sitreps.len());
    let last = n.saturating_sub(1);
    let close = k.code == KeyCode::Char('q') || is_ctrl_c(&k);
    m.mode = if close {
        Mode::Normal
    } else if detail {
        match k.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Backspace => Mode::SitrepLog {
                sel,
                detail: false,
                scroll: 0,
            },
            KeyCode::Up | KeyCode::Char('k') => Mode::SitrepLog {
                sel,
                detail,
                scroll: scroll.saturating_sub(1),
            },
            KeyCode::Down | KeyCode::Char('j') => Mode::SitrepLog {
                sel,
                detail,
                scroll: scroll.saturating_add(1),
            },
            KeyCode::PageUp => Mode::SitrepLog {
                sel,
                detail,
                scroll: scroll.saturating_sub(10),
            },
            KeyCode::PageDown | KeyCode::Char(' ') => Mode::SitrepLog {
                sel,
                detail,
                scroll: scroll.saturating_add(10),
            },
            // Older / newer version.
            KeyCode::Left | KeyCode::Char('h') => Mode::SitrepLog {
                sel: (sel + 1).min(last),
                detail,
                scroll: 0,
            },
            KeyCode::Right | KeyCode::Char('l') => Mode::SitrepLog {
                sel: sel.saturating_sub(1),
                detail,
                scroll: 0,
            },
            _ => Mode::SitrepLog {
                sel,
                detail,
                scroll,
            },
        }
    } else {
        match k.code {
            KeyCode::Esc => Mode::Normal,
            KeyCode::Up | KeyCode::Char('k') => Mode::SitrepLog {
                sel: sel.saturating_sub(1),
                detail,
                scroll,
            },
            KeyCode::Down | KeyCode::Char('j') => Mode::SitrepLog {
                sel: (sel + 1).min(last),
                detail,
                scroll,
            },
            KeyCode::Home => Mode::SitrepLog {
                sel: 0,
                detail,
                scroll,
            },
            KeyCode::End => Mode::SitrepLog {
                sel: last,
                detail,
                scroll,
            },
            KeyCode::Enter | KeyCode::Right | KeyCode::Char(' ') => Mode::SitrepLog {
                sel,
                detail: true,
                scroll: 0,
            },
            _ if Key::from_event(&k)
                == m.keymap.first(Action::SitrepLog).unwrap_or(Key::plain('L')) =>
            {
                Mode::Normal
            }
            _ => Mode::SitrepLog {
                sel,
                detail,
                scroll,
            },
        }
    };
    Vec::new()
}

// ----- drafts on disk -----------------------------------------------------------

/// `<incident dir>/drafts`.
pub fn drafts_dir(incident_dir: &Path) -> PathBuf {
    incident_dir.join("drafts")
}

/// Writes (fsynced, then renamed into place) or deletes a draft.
pub fn write_draft(incident_dir: &Path, kind: Kind, content: Option<&str>) -> std::io::Result<()> {
    use std::io::Write;
    let dir = drafts_dir(incident_dir);
    let path = dir.join(kind.file_name());
    match content {
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        Some(text) => {
            std::fs::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".{}.tmp", kind.file_name()));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, &path)?;
            // The rename itself is durable once the directory is synced.
            if let Ok(d) = std::fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        }
    }
}

/// The drafts saved for an incident; unreadable ones are reported, not lost
/// (the file stays until a send replaces it).
pub fn read_drafts(incident_dir: &Path) -> (BTreeMap<Kind, BTreeMap<String, String>>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for kind in [Kind::Sitrep, Kind::Status] {
        let path = drafts_dir(incident_dir).join(kind.file_name());
        match std::fs::read_to_string(&path) {
            Ok(text) => match toml::from_str::<BTreeMap<String, String>>(&text) {
                Ok(v) => {
                    out.insert(kind, v);
                }
                Err(e) => errors.push(format!("{}: {}", path.display(), e.message())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    (out, errors)
}

/// At start-up: the backends to preview and the incident's saved drafts.
pub fn load(m: &mut Model, store: &crate::journal::Store, id: Option<&str>) {
    // A drill sends nothing (its executor writes the sink); the demo only
    // to its throwaway outbox file.
    m.desk.backends = if m.drill.is_some() {
        Backends {
            instead: Some("drill: written to the drill's sink.md, nothing is sent".into()),
            ..Backends::default()
        }
    } else if m.demo {
        build_backends(&Config::default(), store.root())
    } else {
        build_backends(&m.config, store.root())
    };
    if let Some(id) = id {
        let (drafts, errors) = read_drafts(&store.incident_dir(id));
        m.desk.stored = drafts;
        if !errors.is_empty() {
            flash_error(m, format!("draft unreadable: {}", errors.join("; ")));
        }
    }
}
