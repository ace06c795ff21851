//! Running a drill: a throwaway incident under `<data_dir>/drills/<id>/` (its
//! journal, the sink and the score card side by side), fed by the scenario's
//! injects. [`DrillSession`] is what the cockpit drives; [`run_headless`] plays
//! a whole scenario at maximum speed with a scripted IC.

use super::clock::add;
use super::scenario::Scenario;
use super::schedule::{
    DECISION_PREFIX, DRILL_ACTOR, NOT_STARTED, backends_down, decision_note, due_injects,
    inject_payloads,
};
use super::score::{ScoreCard, score};
use super::sink::{DrillSink, Route, SinkEntry, backend_is_drill, drill_filter};
use crate::config::Config;
use crate::domain::duration;
use crate::domain::event::{Event, LoopQuestion, Payload, Severity, SitrepFields, StatusFields};
use crate::domain::incident::{self, DomainError, Incident, announcement};
use crate::domain::lint::Stage;
use crate::domain::role::Role;
use crate::journal::{Journal, JournalError};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Prefix of a drill incident's title.
pub const TITLE_PREFIX: &str = "DRILL: ";

#[derive(Debug, thiserror::Error)]
pub enum DrillError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("script at {at}: {message}")]
    Script { at: String, message: String },
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// The scenario does not fit the configuration (a `metric` inject's series).
    #[error("scenario: {0}")]
    Scenario(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DrillError + '_ {
    move |source| DrillError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `<data_dir>/drills`.
pub fn drills_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("drills")
}

/// What the scripted IC does, at an offset from the start of the drill.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedAction {
    pub at: SignedDuration,
    pub action: Action,
}

/// One thing the IC does. In a script file: `[[action]]` with `at` and `do`, e.g.
/// `{ at = "10m", do = "status", stage = "investigating", message = "..." }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Hand a role on (announced).
    Handoff {
        role: Role,
        to: String,
    },
    /// Change the state (announced).
    State {
        to: Severity,
    },
    /// Send a sitrep (journaled as `SitrepSent`; impact defaults to the incident's).
    Sitrep {
        summary: String,
        #[serde(default)]
        impact: Option<String>,
        #[serde(default)]
        actions: String,
        #[serde(default)]
        needs: String,
    },
    /// Post a status update (journaled as `StatusPosted`).
    Status {
        stage: Stage,
        message: String,
        #[serde(default)]
        workaround: String,
        /// Promise the next update this long after posting.
        #[serde(default, deserialize_with = "opt_duration")]
        next_update: Option<SignedDuration>,
    },
    /// Update the impact statement (also marks it reviewed).
    Impact {
        text: String,
    },
    /// Review checklist questions; none listed: all six (one complete pass).
    Review {
        #[serde(default)]
        questions: Vec<LoopQuestion>,
    },
    Join {
        name: String,
        #[serde(default)]
        group: Option<String>,
    },
    Release {
        name: String,
    },
    /// Start or end a break.
    Break {
        name: String,
    },
    /// Answer the latest unanswered decision of an inject.
    Decide {
        choice: String,
    },
    Note {
        text: String,
    },
}

fn opt_duration<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<SignedDuration>, D::Error> {
    duration::serde_human::deserialize(d).map(Some)
}

/// A script file: `[[action]]` entries. Returns the actions sorted by time (file
/// order among equals) or one message per bad entry.
pub fn parse_script(text: &str) -> Result<Vec<ScriptedAction>, Vec<String>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        action: Vec<toml::Spanned<toml::Table>>,
    }
    // Every message starts with the line and column it is about ("12:1: ...").
    let at_offset = |offset: usize| {
        let (line, col) = crate::config::line_col(text, offset);
        format!("{line}:{col}")
    };
    let file: File = toml::from_str(text).map_err(|e| {
        vec![format!(
            "{}: {}",
            at_offset(e.span().map_or(0, |s| s.start)),
            e.message().trim_end()
        )]
    })?;
    // Where each entry's keys are written: read again (with spans) only for an error.
    let written = std::cell::OnceCell::new();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, spanned) in file.action.into_iter().enumerate() {
        let here = at_offset(spanned.span().start);
        let keys = || {
            written
                .get_or_init(|| written_keys(text))
                .get(i)
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        // Where a key's value is written, else the entry's header.
        let at_key = |key: &str| {
            keys()
                .iter()
                .find(|k| k.name == key)
                .map_or_else(|| here.clone(), |k| at_offset(k.value))
        };
        let mut t = spanned.into_inner();
        let at = match t.remove("at") {
            Some(toml::Value::String(s)) => {
                duration::parse(&s).map_err(|e| format!("{}: action[{i}].at: {e}", at_key("at")))
            }
            Some(other) => Err(format!(
                "{}: action[{i}].at: expected a duration such as \"10m\", found {}",
                at_key("at"),
                other.type_str()
            )),
            None => Err(format!("{here}: action[{i}]: missing required key `at`")),
        };
        let action = Action::deserialize(toml::Value::Table(t)).map_err(|e| {
            let message = meant(e.message());
            let message = message.as_str();
            match culprit(message, keys()) {
                Some(k) => format!("{}: action[{i}].{}: {message}", at_offset(k.at), k.name),
                None => format!("{here}: action[{i}]: {message}"),
            }
        });
        match (at, action) {
            (Ok(at), Ok(action)) => out.push(ScriptedAction { at, action }),
            (a, b) => errors.extend(a.err().into_iter().chain(b.err())),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    out.sort_by_key(|a| a.at);
    Ok(out)
}

/// A key of an `[[action]]` as written: its name, where it and its value start, and the
/// text of its value (each item's, for an array of strings).
struct Written {
    name: String,
    at: usize,
    value: usize,
    strings: Vec<String>,
}

/// The keys of each `[[action]]`, in file order (none if the file does not parse).
fn written_keys(text: &str) -> Vec<Vec<Written>> {
    use toml::de::{DeTable, DeValue};
    let string = |v: &DeValue<'_>| match v {
        DeValue::String(s) => Some(s.to_string()),
        _ => None,
    };
    let Ok(doc) = DeTable::parse(text) else {
        return Vec::new();
    };
    let entries = doc.get_ref().iter().find_map(|(k, v)| match v.get_ref() {
        DeValue::Array(entries) if k.get_ref() == "action" => Some(entries),
        _ => None,
    });
    let keys = |t: &DeTable<'_>| -> Vec<Written> {
        t.iter()
            .map(|(k, v)| Written {
                name: k.get_ref().to_string(),
                at: k.span().start,
                value: v.span().start,
                strings: match v.get_ref() {
                    DeValue::Array(items) => {
                        items.iter().filter_map(|i| string(i.get_ref())).collect()
                    }
                    other => string(other).into_iter().collect(),
                },
            })
            .collect()
    };
    entries.map_or_else(Vec::new, |entries| {
        entries
            .iter()
            .map(|e| match e.get_ref() {
                DeValue::Table(t) => keys(t),
                _ => Vec::new(),
            })
            .collect()
    })
}

/// The key serde's `message` is about: the key of an unknown field (where the key is
/// written), or the key whose value is an unknown variant (where the value is: `do` first,
/// then a stage, a role, a state or a question). `at` of the result is where to point.
fn culprit<'k>(message: &str, keys: &'k [Written]) -> Option<Culprit<'k>> {
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
    };
    if let Some(field) = quoted("unknown field `") {
        let k = keys.iter().find(|k| k.name == field)?;
        return Some(Culprit {
            name: &k.name,
            at: k.at,
        });
    }
    let word = quoted("unknown variant `")?;
    let k = keys
        .iter()
        .filter(|k| k.strings.iter().any(|s| s == word))
        .min_by_key(|k| k.name != "do")?;
    Some(Culprit {
        name: &k.name,
        at: k.value,
    })
}

/// Serde's "unknown field/variant `x`, expected one of `a`, `b`" with the one meant, when
/// one is close: "... (did you mean `a`?)".
fn meant(message: &str) -> String {
    let word = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    let expected: Vec<&str> = message
        .split_once("expected one of ")
        .map(|(_, list)| list.split(", ").map(|w| w.trim_matches('`')).collect())
        .unwrap_or_default();
    match word.and_then(|w| super::scenario::closest(w, &expected)) {
        Some(m) => format!("{message} (did you mean `{m}`?)"),
        None => message.to_string(),
    }
}

struct Culprit<'k> {
    name: &'k str,
    at: usize,
}

/// A drill under way: its incident, journal, sink and which injects have fired.
#[derive(Debug)]
pub struct DrillSession {
    pub scenario: Scenario,
    pub id: String,
    pub dir: PathBuf,
    pub start: Timestamp,
    pub inc: Incident,
    pub events: Vec<Event>,
    journal: Journal,
    sink: DrillSink,
    /// Backends that receive sink entries (every `[[backends]]` not marked `drill = true`).
    sink_to: String,
    /// Simulated time up to which injects have fired.
    fired_until: SignedDuration,
}

impl DrillSession {
    /// Opens the drill's incident at simulated time `start`: a new directory
    /// `<data_dir>/drills/DRILL-YYYYMMDD-HHMMSS`, the roster, roles, state and
    /// impact of the scenario. No inject has fired yet.
    pub fn start(
        scenario: &Scenario,
        cfg: &Config,
        data_dir: &Path,
        start: Timestamp,
    ) -> Result<DrillSession, DrillError> {
        let configured: Vec<&str> = cfg.metrics.series.iter().map(|s| s.name.as_str()).collect();
        let unknown = super::schedule::unknown_series(scenario, &configured);
        if !unknown.is_empty() {
            return Err(DrillError::Scenario(unknown.join("; ")));
        }
        let root = drills_dir(data_dir);
        std::fs::create_dir_all(&root).map_err(io(&root))?;
        let base = format!("DRILL-{}", start.strftime("%Y%m%d-%H%M%S"));
        let mut n = 1;
        let (id, dir) = loop {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let dir = root.join(&id);
            match std::fs::create_dir(&dir) {
                Ok(()) => break (id, dir),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(io(&dir)(e)),
            }
        };
        let ic = scenario.initial.ic.clone();
        let title = format!("{TITLE_PREFIX}{}", scenario.initial.title);
        let opening = incident::open(&id, &title, &ic)?;
        let (journal, first) = Journal::create(&dir.join("journal.jsonl"), &ic, start, opening)?;
        let inc = Incident::replay([&first])?;
        let sink_names: Vec<String> = cfg
            .backends
            .iter()
            .filter(|b| drill_filter(backend_is_drill(b)) == Route::Sink)
            .filter_map(|b| {
                b.get("name")
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
            })
            .collect();
        let mut s = DrillSession {
            scenario: scenario.clone(),
            id,
            sink: DrillSink::new(&dir),
            dir,
            start,
            inc,
            events: vec![first],
            journal,
            sink_to: match (sink_names.is_empty(), cfg.backends.is_empty()) {
                (false, _) => sink_names.join(", "),
                (true, true) => "every backend".to_string(),
                // Each one gets it for real, marked as a drill: kept here for the record.
                (true, false) => "no backend (each is drill = true: sent for real)".to_string(),
            },
            fired_until: NOT_STARTED,
        };
        for p in &scenario.people {
            if p.name != ic || p.group.is_some() {
                s.append(
                    DRILL_ACTOR,
                    start,
                    Payload::PersonJoined {
                        name: p.name.clone(),
                        handle: None,
                        contact: None,
                        team: None,
                        group: p.group.clone(),
                    },
                )?;
            }
            if let Some(role) = &p.role {
                s.append(
                    DRILL_ACTOR,
                    start,
                    Payload::RoleHandedOff {
                        role: role.clone(),
                        from: None,
                        to: p.name.clone(),
                    },
                )?;
            }
        }
        if scenario.initial.state != Severity::Investigating {
            s.append(
                DRILL_ACTOR,
                start,
                Payload::StateChanged {
                    from: Severity::Investigating,
                    to: scenario.initial.state,
                },
            )?;
        }
        if !scenario.initial.impact.trim().is_empty() {
            s.append(
                DRILL_ACTOR,
                start,
                Payload::ImpactUpdated {
                    text: scenario.initial.impact.trim().to_string(),
                },
            )?;
        }
        Ok(s)
    }

    /// The sink this drill writes to.
    pub fn sink(&self) -> &DrillSink {
        &self.sink
    }

    pub fn journal_path(&self) -> &Path {
        self.journal.path()
    }

    /// Simulated time since the start.
    pub fn elapsed(&self, now: Timestamp) -> SignedDuration {
        now.duration_since(self.start)
    }

    /// Whether the scenario's time is up at `now`.
    pub fn is_over(&self, now: Timestamp) -> bool {
        self.elapsed(now) >= self.scenario.duration
    }

    fn append(
        &mut self,
        actor: &str,
        now: Timestamp,
        payload: Payload,
    ) -> Result<Vec<Event>, DrillError> {
        let events = self.journal.append(actor, now, payload)?;
        for e in &events {
            self.inc.apply(e);
        }
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    /// Writes a message to the drill's sink (what a drill "sends").
    pub fn to_sink(&self, now: Timestamp, kind: &str, text: &str) -> Result<(), DrillError> {
        self.to_sink_for(now, kind, None, text)
    }

    /// [`DrillSession::to_sink`] naming the backends it would have gone to (`None`: every
    /// backend not marked `drill = true`).
    pub fn to_sink_for(
        &self,
        now: Timestamp,
        kind: &str,
        to: Option<&str>,
        text: &str,
    ) -> Result<(), DrillError> {
        let down = backends_down(&self.scenario, self.elapsed(now));
        let why = (!down.is_empty()).then(|| format!("down in this drill: {}", down.join(", ")));
        let entry = SinkEntry {
            at: now,
            offset: format!("+{}", duration::short(self.elapsed(now))),
            kind,
            to: to.unwrap_or(&self.sink_to),
            undelivered: why.as_deref(),
            text,
        };
        self.sink.deliver(&entry).map_err(io(self.sink.path()))
    }

    /// Reads what other writers (the cockpit, a headless command) appended to the
    /// drill's journal since the last read, so that the score sees it.
    pub fn sync(&mut self) -> Result<Vec<Event>, DrillError> {
        let events = self.journal.poll()?;
        for e in &events {
            self.inc.apply(e);
        }
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    /// Journals a change the IC made; announcements, sitreps and status updates
    /// also go to the sink. Returns the new events.
    pub fn record(
        &mut self,
        actor: &str,
        now: Timestamp,
        payload: Payload,
    ) -> Result<Vec<Event>, DrillError> {
        let sink = match &payload {
            Payload::SitrepSent { rendered, .. } => Some(("sitrep", rendered.clone())),
            Payload::StatusPosted { rendered, .. } => Some(("status", rendered.clone())),
            p => announcement(p).map(|a| ("announcement", a)),
        };
        let events = self.append(actor, now, payload)?;
        if let Some((kind, text)) = sink {
            self.to_sink(now, kind, &text)?;
        }
        Ok(events)
    }

    /// Fires the injects due up to simulated time `now` and journals them (each at
    /// its own time, never before the last event). Returns the new events.
    pub fn advance(&mut self, now: Timestamp) -> Result<Vec<Event>, DrillError> {
        let elapsed = self.elapsed(now);
        if elapsed <= self.fired_until {
            return Ok(Vec::new());
        }
        let due: Vec<_> = due_injects(&self.scenario, self.fired_until, elapsed)
            .into_iter()
            .cloned()
            .collect();
        self.fired_until = elapsed;
        let mut out = Vec::new();
        for inject in due {
            let at = add(self.start, inject.at).max(self.inc.last_ts);
            for p in inject_payloads(&inject) {
                out.extend(self.append(DRILL_ACTOR, at, p)?);
            }
        }
        Ok(out)
    }

    /// Who acts for the IC now.
    fn ic(&self) -> String {
        self.inc
            .ic()
            .map_or_else(|| self.scenario.initial.ic.clone(), |h| h.name.clone())
    }

    /// Performs one scripted action at simulated time `now`.
    pub fn act(&mut self, now: Timestamp, action: &Action) -> Result<(), DrillError> {
        let at = format!("+{}", duration::short(self.elapsed(now)));
        let fail = |m: String| DrillError::Script {
            at: at.clone(),
            message: m,
        };
        let inc = &self.inc;
        let ic = self.ic();
        let domain = |r: Result<Payload, DomainError>| r.map_err(|e| fail(e.to_string()));
        let (actor, payloads) = match action {
            Action::Handoff { role, to } => (ic, vec![domain(inc.cmd_handoff(role, to))?]),
            Action::State { to } => (ic, vec![domain(inc.cmd_set_state(*to))?]),
            Action::Impact { text } => (ic, vec![domain(inc.cmd_impact(text))?]),
            Action::Note { text } => (ic, vec![domain(inc.cmd_note(text))?]),
            Action::Join { name, group } => (
                ic,
                vec![domain(inc.cmd_join(
                    name,
                    group.as_deref(),
                    None,
                    None,
                    None,
                ))?],
            ),
            Action::Release { name } => (ic, vec![domain(inc.cmd_release(name))?]),
            Action::Break { name } => (ic, vec![domain(inc.cmd_toggle_break(name))?]),
            Action::Review { questions } => {
                let qs = if questions.is_empty() {
                    LoopQuestion::ALL.to_vec()
                } else {
                    questions.clone()
                };
                (
                    ic,
                    qs.into_iter()
                        .map(|question| Payload::QuestionReviewed { question })
                        .collect(),
                )
            }
            Action::Sitrep {
                summary,
                impact,
                actions,
                needs,
            } => {
                let fields = SitrepFields {
                    summary: summary.clone(),
                    impact: impact.clone().unwrap_or_else(|| inc.impact.text.clone()),
                    actions: actions.clone(),
                    needs: needs.clone(),
                    links: Vec::new(),
                };
                (ic, vec![sitrep_payload(inc, fields)])
            }
            Action::Status {
                stage,
                message,
                workaround,
                next_update,
            } => {
                let fields = StatusFields {
                    stage: stage.as_str().to_string(),
                    message: message.clone(),
                    workaround: workaround.clone(),
                    components: Vec::new(),
                    next_update_at: next_update.map(|d| add(now, d)),
                };
                let rendered = render_status(&fields);
                let actor = inc.holder(&Role::Comms).map_or(ic, |h| h.name.clone());
                (actor, vec![Payload::StatusPosted { fields, rendered }])
            }
            Action::Decide { choice } => {
                let (question, options) = self
                    .open_decision()
                    .ok_or_else(|| fail("no decision is waiting for an answer".into()))?;
                let chosen = options
                    .iter()
                    .find(|o| o.eq_ignore_ascii_case(choice.trim()))
                    .ok_or_else(|| {
                        fail(format!(
                            "{choice:?} is not an option of {question:?} ({})",
                            options.join(", ")
                        ))
                    })?;
                (
                    ic,
                    vec![domain(inc.cmd_note(&decision_note(&question, chosen)))?],
                )
            }
        };
        for p in payloads {
            self.record(&actor, now, p)?;
        }
        Ok(())
    }

    /// The latest fired decision without an answer: (question, options).
    pub fn open_decision(&self) -> Option<(String, Vec<String>)> {
        open_decision(&self.events, &self.inc).map(|d| (d.question, d.options))
    }

    /// Scores the drill as of simulated time `end` and saves the card
    /// (`score.md`, `score.json`) next to the journal.
    pub fn finish(&self, cfg: &Config, end: Timestamp) -> Result<ScoreCard, DrillError> {
        let card = score(&self.inc, &self.events, &self.scenario, cfg, end);
        save_card(&self.dir, &card)?;
        Ok(card)
    }
}

/// A decision an inject asked for that nobody has answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDecision {
    /// The journal sequence number of the inject that asked.
    pub seq: u64,
    pub question: String,
    pub options: Vec<String>,
}

/// The latest fired decision in `events` without an answer (a
/// [`decision_note`] in `inc` at or after it). Pure: the cockpit uses it on its
/// model, [`DrillSession::open_decision`] on the session.
pub fn open_decision(events: &[Event], inc: &Incident) -> Option<OpenDecision> {
    events.iter().rev().find_map(|e| match &e.payload {
        Payload::DrillInject {
            decision: Some(d), ..
        } => {
            let prefix = format!("{DECISION_PREFIX}{} -> ", d.question);
            let answered = inc
                .notes
                .iter()
                .any(|n| n.at >= e.ts && n.text.starts_with(&prefix));
            (!answered).then(|| OpenDecision {
                seq: e.seq,
                question: d.question.clone(),
                options: d.options.clone(),
            })
        }
        _ => None,
    })
}

/// A sitrep payload for the incident as it is, with a simple rendering.
pub fn sitrep_payload(inc: &Incident, fields: SitrepFields) -> Payload {
    let ic = inc.ic().map(|h| h.name.clone());
    let comms = inc.holder(&Role::Comms).map(|h| h.name.clone());
    let responders: Vec<String> = inc
        .on_duty()
        .map(|p| p.name.clone())
        .filter(|n| Some(n) != ic.as_ref() && Some(n) != comms.as_ref())
        .collect();
    let groups: Vec<String> = inc.groups.keys().cloned().collect();
    let version = u32::try_from(inc.sitreps.len())
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    let mut rendered = format!("Sitrep v{version}: {}\n", fields.summary);
    for (label, v) in [
        ("Impact", &fields.impact),
        ("Actions", &fields.actions),
        ("Needs", &fields.needs),
    ] {
        if !v.trim().is_empty() {
            rendered.push_str(&format!("{label}: {}\n", v.trim()));
        }
    }
    rendered.push_str(&format!(
        "IC: {}. Comms: {}.",
        ic.as_deref().unwrap_or("-"),
        comms.as_deref().unwrap_or("-")
    ));
    if !responders.is_empty() {
        rendered.push_str(&format!(" {}.", responders.join(", ")));
    }
    Payload::SitrepSent {
        version,
        fields,
        rendered,
        ic,
        comms,
        responders,
        groups,
    }
}

/// A status update as posted (simple rendering).
pub fn render_status(fields: &StatusFields) -> String {
    let mut s = format!("[{}] {}", fields.stage, fields.message.trim());
    if !fields.workaround.trim().is_empty() {
        s.push_str(&format!("\nWorkaround: {}", fields.workaround.trim()));
    }
    if let Some(next) = fields.next_update_at {
        s.push_str(&format!("\nNext update by {}", next.strftime("%H:%M UTC")));
    }
    s
}

/// Plays a whole scenario at maximum speed from simulated time `start`, with the
/// scripted IC: injects and actions in time order (at the same offset, injects
/// first). Writes the drill's journal, sink and score card under
/// `<data_dir>/drills/<id>/` and returns the card.
pub fn run_headless(
    scenario: &Scenario,
    script: &[ScriptedAction],
    cfg: &Config,
    data_dir: &Path,
    start: Timestamp,
) -> Result<ScoreCard, DrillError> {
    let mut s = DrillSession::start(scenario, cfg, data_dir, start)?;
    let mut actions: Vec<&ScriptedAction> = script
        .iter()
        .filter(|a| a.at <= scenario.duration)
        .collect();
    actions.sort_by_key(|a| a.at);
    for a in actions {
        let now = add(start, a.at);
        s.advance(now)?;
        s.act(now, &a.action)?;
    }
    let end = add(start, scenario.duration);
    s.advance(end)?;
    s.finish(cfg, end)
}

/// Writes `score.md` and `score.json` into a drill's directory.
pub fn save_card(dir: &Path, card: &ScoreCard) -> Result<(), DrillError> {
    let md = dir.join("score.md");
    std::fs::write(&md, card.markdown()).map_err(io(&md))?;
    let json = dir.join("score.json");
    std::fs::write(&json, serde_json::to_string_pretty(card)?).map_err(io(&json))?;
    Ok(())
}

/// One line of `commandpost drill --list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PastDrill {
    pub id: String,
    pub scenario: String,
    pub started_at: Option<Timestamp>,
    /// (passed, total); `None`: the drill has no score card (not finished).
    pub score: Option<(usize, usize)>,
    /// The Markdown score card.
    pub card: PathBuf,
}

/// Every drill under `<data_dir>/drills`, newest first.
pub fn list_drills(data_dir: &Path) -> Result<Vec<PastDrill>, DrillError> {
    #[derive(Deserialize)]
    struct Head {
        drill: String,
        scenario: String,
        started_at: Timestamp,
        passed: usize,
        total: usize,
    }
    let root = drills_dir(data_dir);
    let rd = match std::fs::read_dir(&root) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(&root)(e)),
    };
    let mut out = Vec::new();
    for entry in rd.filter_map(Result::ok) {
        let dir = entry.path();
        if !dir.join("journal.jsonl").is_file() {
            continue;
        }
        let id = entry.file_name().to_string_lossy().into_owned();
        let head: Option<Head> = std::fs::read_to_string(dir.join("score.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        out.push(match head {
            Some(h) => PastDrill {
                id: h.drill,
                scenario: h.scenario,
                started_at: Some(h.started_at),
                score: Some((h.passed, h.total)),
                card: dir.join("score.md"),
            },
            None => PastDrill {
                id,
                scenario: String::new(),
                started_at: None,
                score: None,
                card: dir.join("score.md"),
            },
        });
    }
    out.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(out)
}
