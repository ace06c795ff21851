//! A sitrep or status form: text areas, stage, lint, problems and the preview, and what
//! the keys do to them (no IO; the domain does the work: `sitrep::prefill`, `preview`,
//! `compose`; `status::prefill`, `lint`, `preview`, `compose`; `Backend::render` feeds the
//! preview pane).

use crate::app::composer::kind::{FieldSpec, Kind, NEXT_UPDATE};
use crate::app::composer::render::{RenderJob, Rendered};
use crate::config::Config;
use crate::delivery::{Backend, setup};
use crate::domain::event::{Link, Payload, SitrepFields, StatusFields};
use crate::domain::incident::Incident;
use crate::domain::lint::{Field, Linter, Stage, Warning};
use crate::domain::outbound::{MessageKind, StatusPayload};
use crate::domain::template::{Prepared, Template};
use crate::domain::text::{one_line, strip_control};
use crate::domain::{duration, sitrep, status};
use jiff::Timestamp;
use ratatui::style::{Modifier, Style};
use ratatui_textarea::{CursorMove, TextArea, WrapMode};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

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

/// What the preview pane shows: rendered once per change, not per frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    /// `slack (slack) 1/2`, or why there is no backend view.
    pub title: String,
    pub text: String,
    pub error: bool,
    /// The template is rendering the latest change (`text` is the render before it).
    pub rendering: bool,
}

/// The form's latest template render (`app::composer::render`): asked for when what the
/// template sees changes, answered off the UI thread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendering {
    /// Renders asked for so far: the newest one's generation. An answer of another
    /// generation is stale.
    pub generation: u64,
    /// What the newest render renders and what sending it journals (`None`: none asked, or
    /// cancelled).
    pub prepared: Option<Prepared>,
    /// Its answer (`None`: under way).
    pub text: Option<Result<String, String>>,
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
    /// The latest template render and its answer: the text shown is the text sent.
    pub rendering: Rendering,
    /// A status update's structured part, for the preview.
    preview_status: Option<StatusPayload>,
    /// "Next update in 30 minutes (03:30 UTC)", or why not.
    pub next_update_note: String,
}

impl Form {
    pub fn new(kind: Kind, values: &BTreeMap<String, String>, cfg: &Config) -> Form {
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
            rendering: Rendering::default(),
            preview_status: None,
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
        for (n, line) in filled_lines(&self.text(4)) {
            match line.rsplit_once(char::is_whitespace) {
                Some((label, url)) if !label.trim().is_empty() => links.push(Link {
                    label: label.trim().to_string(),
                    url: url.to_string(),
                }),
                _ => problems.push(format!(
                    "Links line {n}: write a label, then the url (\"Ticket https://…\")"
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
        for (n, line) in filled_lines(&self.text(2)) {
            match line.rsplit_once(':') {
                Some((name, st)) if !name.trim().is_empty() => {
                    match st.parse::<status::ComponentStatus>() {
                        Ok(c) => components.push((name.trim().to_string(), c.as_str().to_string())),
                        Err(e) => problems.push(format!("Components line {n}: {e}")),
                    }
                }
                _ => problems.push(format!(
                    "Components line {n}: write \"Name: status\" (e.g. \"API: partial outage\")"
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

    /// Recomputes problems, lint (highlighted in the fields) and the preview. Called when
    /// the draft (or the incident, or the minute) changes. The template's render is a job for
    /// the executor (`Cmd::Render`), asked for only when what the template sees changed.
    pub fn refresh(
        &mut self,
        inc: &Incident,
        now: Timestamp,
        backends: &Backends,
    ) -> Option<RenderJob> {
        let linter = self.linter.as_ref().ok();
        let (prepared, warnings, problems, status_payload) = match self.kind {
            Kind::Sitrep => {
                let (fields, problems) = self.sitrep_fields();
                let mut warnings = Vec::new();
                if let Some(l) = linter {
                    for (i, (_, t)) in fields.texts().into_iter().enumerate() {
                        warnings.extend(l.lint_text(t).into_iter().map(|w| (Some(i), w)));
                    }
                }
                (sitrep::prepare(inc, &fields, now), warnings, problems, None)
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
                (
                    status::prepare(inc, &fields, now),
                    warnings,
                    problems,
                    Some(setup::status_payload(&fields)),
                )
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
        self.preview_status = status_payload;
        let job = self.ask_render(prepared);
        self.show(inc, backends);
        job
    }

    /// A render of `prepared`, unless the latest one renders the same context.
    fn ask_render(&mut self, prepared: Prepared) -> Option<RenderJob> {
        let Ok(template) = &self.template else {
            self.rendering.prepared = None;
            return None;
        };
        let same = self
            .rendering
            .prepared
            .as_ref()
            .is_some_and(|p| p.context == prepared.context);
        if same {
            return None;
        }
        self.rendering.generation += 1;
        self.rendering.text = None;
        let job = RenderJob {
            kind: self.kind,
            generation: self.rendering.generation,
            template: template.clone(),
            context: prepared.context.clone(),
        };
        self.rendering.prepared = Some(prepared);
        Some(job)
    }

    /// A render's answer: shown if it is the latest asked for (whether it was).
    pub fn rendered(&mut self, r: Rendered, inc: &Incident, backends: &Backends) -> bool {
        if r.generation != self.rendering.generation
            || self.rendering.prepared.is_none()
            || self.rendering.text.is_some()
        {
            return false;
        }
        self.rendering.text = Some(r.text);
        self.show(inc, backends);
        true
    }

    /// The composer closes: a render under way is dropped (its answer will be stale), and
    /// the next refresh asks again.
    pub fn cancel_render(&mut self) {
        if self.rendering.prepared.is_some() && self.rendering.text.is_none() {
            self.rendering.generation += 1;
            self.rendering.prepared = None;
        }
    }

    /// What sending journals: the text of the latest render, the one the preview shows
    /// (`generation`: the render the IC confirmed). Never renders again.
    pub fn to_send(&self, generation: u64) -> Result<Payload, String> {
        self.template.as_ref().map_err(Clone::clone)?;
        if generation != self.rendering.generation {
            return Err(
                "the preview changed since you confirmed it (the incident or the clock moved): \
                 look at it again, then send"
                    .into(),
            );
        }
        let Some(p) = &self.rendering.prepared else {
            return Err("the preview is not rendered yet".into());
        };
        p.send.as_ref().map_err(Clone::clone)?;
        match &self.rendering.text {
            None => {
                Err("the message is still rendering: send again in a moment (Esc leaves)".into())
            }
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(text)) => p.payload(text),
        }
    }

    /// The preview pane from the latest render (while one is under way: the one before).
    fn show(&mut self, inc: &Incident, backends: &Backends) {
        self.preview = match (&self.template, &self.rendering.text) {
            (Err(e), _) | (Ok(_), Some(Err(e))) => Preview {
                title: "template error".into(),
                text: e.clone(),
                error: true,
                rendering: false,
            },
            (Ok(_), Some(Ok(text))) => {
                let text = text.clone();
                let status = self.preview_status.clone();
                self.render_preview(inc, text, status, backends)
            }
            (Ok(_), None) => Preview {
                title: if self.preview.error {
                    String::new()
                } else {
                    self.preview.title.clone()
                },
                text: if self.preview.error {
                    String::new()
                } else {
                    self.preview.text.clone()
                },
                error: false,
                rendering: true,
            },
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
                rendering: false,
            };
        }
        self.preview_sel %= list.len();
        let Some(b) = list.get(self.preview_sel) else {
            return Preview::default();
        };
        let headline = match self.kind {
            Kind::Sitrep => setup::sitrep_headline(sitrep::next_version(inc)),
            Kind::Status => setup::status_headline(self.stage.as_str()),
        };
        let mut msg = setup::message(inc, kind, &headline, &text);
        msg.id = "preview".into();
        msg.status = status;
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
            rendering: false,
        }
    }
}

impl Form {
    /// Moves the focus `by` slots (wrapping).
    pub fn focus_step(&mut self, by: isize) {
        let n = self.slots() as isize;
        let j = (self.focus as isize + by).rem_euclid(n.max(1)) as usize;
        self.set_focus(j);
    }

    /// Sets the stage of a status update; resolved promises no next update, leaving it
    /// brings `default_next` back. Whether it changed.
    pub fn set_stage(&mut self, stage: Stage, default_next: &str) -> bool {
        if self.stage == stage {
            return false;
        }
        let was = self.stage;
        self.stage = stage;
        let next = self.text(NEXT_UPDATE);
        let new = if stage == Stage::Resolved && next == default_next {
            Some(String::new())
        } else if was == Stage::Resolved && next.trim().is_empty() {
            Some(default_next.to_string())
        } else {
            None
        };
        if let (Some(new), Some(a)) = (new, self.areas.get_mut(NEXT_UPDATE)) {
            *a = replaced(a, &new);
        }
        true
    }

    /// The stage `by` steps from this one (wrapping).
    pub fn stage_step(&self, by: isize) -> Stage {
        let n = Stage::ALL.len() as isize;
        let i = Stage::ALL
            .iter()
            .position(|s| *s == self.stage)
            .unwrap_or(0) as isize;
        Stage::ALL
            .get((i + by).rem_euclid(n) as usize)
            .copied()
            .unwrap_or(self.stage)
    }

    /// A key typed into the focused field; whether the text changed.
    pub fn input(&mut self, k: &crossterm::event::KeyEvent) -> bool {
        let Some(i) = self.focused_field() else {
            return false;
        };
        let one = self.specs().get(i).is_some_and(|s| s.one_line);
        let Some(area) = self.areas.get_mut(i) else {
            return false;
        };
        if !area.input(*k) {
            return false;
        }
        if one && area.lines().len() > 1 {
            let joined = one_line(&area.lines().join(" "));
            *area = replaced(area, &joined);
        }
        true
    }

    /// Whether the focused field is one line (Enter moves on).
    pub fn focused_one_line(&self) -> bool {
        self.focused_field()
            .and_then(|i| self.specs().get(i))
            .is_some_and(|s| s.one_line)
    }

    /// Bracketed paste into the focused field (`None`: the focus is on the stage): a pasted
    /// newline is text, never a send. Whether the text changed.
    pub fn paste(&mut self, s: &str) -> Option<bool> {
        let i = self.focused_field()?;
        let one = self.specs().get(i).is_some_and(|s| s.one_line);
        // Terminals (and tmux) paste line breaks as CR: they are newlines.
        let s = s.replace("\r\n", "\n").replace('\r', "\n");
        let clean = if one { one_line(&s) } else { strip_control(&s) };
        Some(match self.areas.get_mut(i) {
            Some(a) => !clean.is_empty() && a.insert_str(&clean),
            None => false,
        })
    }

    /// `Message: eta “fixed in 30 minutes”: reason`, or the reason alone.
    pub fn warning_line(&self, field: Option<usize>, w: &Warning) -> String {
        match field.and_then(|i| self.specs().get(i)) {
            Some(s) if !w.excerpt.is_empty() => {
                format!("{}: “{}”: {}", s.label, one_line(&w.excerpt), w.reason)
            }
            _ => w.reason.clone(),
        }
    }
}

/// A text area like `old` (styles kept) holding `text`.
fn replaced(old: &TextArea<'static>, text: &str) -> TextArea<'static> {
    let mut a = old.clone();
    a.select_all();
    a.cut();
    a.insert_str(text);
    a
}

/// The lines of a multi-line field that are not blank, trimmed, with their numbers from 1.
fn filled_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
}
