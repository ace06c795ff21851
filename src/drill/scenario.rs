//! Drill scenarios: a TOML file of people and timed injects, checked like the
//! configuration (every problem with file:line:col, the dotted key and, for a
//! misspelt key or value, the closest valid one).
//!
//! ```toml
//! title = "Database failover"
//! description = "The primary dies; the replica takes over."
//! duration = "1h30m"
//!
//! [initial]
//! title = "Elevated API errors"
//! state = "investigating"
//! impact = ""
//! ic = "Ana"
//!
//! [[people]]
//! name = "Ana"
//! on_duty_since = "-2h"
//!
//! [[inject]]
//! at = "12m"
//! kind = "group_message"
//! group = "database"
//! who = "Noah"
//! text = "replication lag 40s"
//! decision = { question = "Fail over now?", options = ["yes", "wait"] }
//! ```

use crate::config::diagnostic::{
    Diagnostics, Key, SUGGEST_AT, Span, Value, closest_above, deref_to_diagnostics,
};
use crate::config::{Diagnostic, Severity as Level, line_col};
use crate::domain::event::{DrillDecision, Severity};
use crate::domain::named::named_enum;
use crate::domain::role::{Role, valid_group};
use crate::domain::text::{clean_name, strip_control};
use crate::domain::{duration, text::one_line};
use jiff::SignedDuration;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use toml::de::{DeTable, DeValue};

/// Top-level keys of a scenario.
pub const SCENARIO_KEYS: &[&str] = &[
    "title",
    "description",
    "duration",
    "initial",
    "people",
    "inject",
];
/// Keys of `[initial]`.
pub const INITIAL_KEYS: &[&str] = &["title", "state", "impact", "ic"];
/// Keys of a `[[people]]` entry.
pub const PERSON_KEYS: &[&str] = &["name", "group", "role", "on_duty_since"];
/// Keys of an `[[inject]]` entry.
pub const INJECT_KEYS: &[&str] = &[
    "at", "kind", "text", "who", "group", "backend", "state", "decision", "series", "value",
    "name", "severity", "labels",
];
/// Keys of an inject's `decision`.
pub const DECISION_KEYS: &[&str] = &["question", "options"];

/// How long a drill lasts when the scenario does not say: the last inject plus this.
pub const DEFAULT_TAIL: SignedDuration = SignedDuration::from_mins(30);

/// What an inject is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InjectKind {
    /// A monitoring alert fires.
    Alert,
    /// An operations group reports (needs `group`).
    GroupMessage,
    /// Customer impact changes (the IC should review the impact statement).
    ImpactChange,
    /// A person joins the response (needs `who`; they go on the roster).
    PersonJoins,
    /// A person stops answering (needs `who`).
    PersonQuiet,
    /// A person asks for relief (needs `who`).
    ReliefRequest,
    /// A delivery backend goes down (needs `backend`).
    BackendDown,
    /// A delivery backend is back (needs `backend`).
    BackendUp,
    /// A hint that the state should change (optional `state`: the expected one).
    StateHint,
    /// A customer reports something.
    CustomerReport,
    /// A product health series takes a value (needs `series`, one of the configuration's
    /// `[[metrics.series]]`, and `value`): the header, its sparkline and "Impact understood?"
    /// follow it as if Prometheus had said it.
    Metric,
}

named_enum!(InjectKind {
    Alert => "alert",
    GroupMessage => "group_message",
    ImpactChange => "impact_change",
    PersonJoins => "person_joins",
    PersonQuiet => "person_quiet",
    ReliefRequest => "relief_request",
    BackendDown => "backend_down",
    BackendUp => "backend_up",
    StateHint => "state_hint",
    CustomerReport => "customer_report",
    Metric => "metric",
});

impl InjectKind {
    /// The keys this kind must have (besides `at` and `kind`).
    pub fn required(self) -> &'static [&'static str] {
        match self {
            InjectKind::Alert
            | InjectKind::ImpactChange
            | InjectKind::StateHint
            | InjectKind::CustomerReport => &["text"],
            InjectKind::GroupMessage => &["group", "text"],
            InjectKind::PersonJoins | InjectKind::PersonQuiet | InjectKind::ReliefRequest => {
                &["who"]
            }
            InjectKind::BackendDown | InjectKind::BackendUp => &["backend"],
            InjectKind::Metric => &["series", "value"],
        }
    }

    /// The optional keys this kind uses (`text` and `decision` are always allowed).
    fn optional(self) -> &'static [&'static str] {
        match self {
            InjectKind::GroupMessage => &["who"],
            InjectKind::PersonJoins => &["group"],
            InjectKind::StateHint => &["state", "who"],
            // An alert also fires in the alerts view (`!`): `text` is its summary.
            InjectKind::Alert => &["who", "name", "severity", "labels"],
            InjectKind::CustomerReport | InjectKind::ImpactChange => &["who"],
            _ => &[],
        }
    }
}

impl FromStr for InjectKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InjectKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| format!("unknown inject kind {s:?}"))
    }
}

/// The incident as the drill opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Initial {
    /// The incident's title (the drill prefixes it with `DRILL: `).
    pub title: String,
    pub state: Severity,
    /// The impact statement at the start; empty if unknown.
    pub impact: String,
    /// Who opens the incident and is IC at the start.
    pub ic: String,
}

/// A responder on the roster when the drill starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrillPerson {
    pub name: String,
    pub group: Option<String>,
    /// A role held from the start (the IC's is set by `initial.ic`).
    pub role: Option<Role>,
    /// When their shift began, relative to the start of the drill (zero or negative).
    #[serde(with = "duration::serde_human")]
    pub on_duty_since: SignedDuration,
}

/// One timed event of the scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inject {
    /// When it fires, from the start of the drill.
    #[serde(with = "duration::serde_human")]
    pub at: SignedDuration,
    pub kind: InjectKind,
    pub text: String,
    pub who: Option<String>,
    pub group: Option<String>,
    pub backend: Option<String>,
    /// For `state_hint`: the state the hint calls for.
    pub state: Option<Severity>,
    pub decision: Option<DrillDecision>,
    /// For `metric`: the series (by name) and its value.
    pub series: Option<String>,
    pub value: Option<f64>,
    /// For `alert`: its `alertname` (default `DrillAlert`), `severity` and other labels.
    pub name: Option<String>,
    pub severity: Option<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    /// The line of its `[[inject]]` header in the scenario file.
    pub line: usize,
}

/// A checked scenario. Injects are sorted by time (file order among equals).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub title: String,
    pub description: String,
    /// How long the drill lasts (simulated time).
    #[serde(with = "duration::serde_human")]
    pub duration: SignedDuration,
    pub initial: Initial,
    pub people: Vec<DrillPerson>,
    pub injects: Vec<Inject>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Every diagnostic of the file, one per line when displayed.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    /// Not a regular file, too large, not UTF-8 (with line:column), or unreadable.
    #[error(transparent)]
    File(#[from] crate::files::ReadError),
}

impl Scenario {
    /// Reads and checks a scenario file. Returns it with its warnings, or every diagnostic.
    pub fn load(path: &Path) -> Result<(Scenario, Vec<Diagnostic>), ScenarioError> {
        let text = crate::files::read_text(path, crate::files::MAX_SCENARIO, "drill scenario")?;
        Scenario::parse(&text, path)
    }

    /// Checks a scenario text; `path` is only used in diagnostics.
    pub fn parse(text: &str, path: &Path) -> Result<(Scenario, Vec<Diagnostic>), ScenarioError> {
        match check(text, path) {
            (Some(s), warnings) => Ok((s, warnings)),
            (None, diagnostics) => Err(ScenarioError::Invalid(diagnostics)),
        }
    }

    /// The person with this name (exact, then case-insensitive).
    pub fn person(&self, name: &str) -> Option<&DrillPerson> {
        self.people.iter().find(|p| p.name == name).or_else(|| {
            let folded = name.to_lowercase();
            self.people.iter().find(|p| p.name.to_lowercase() == folded)
        })
    }
}

/// Checks a scenario text: the scenario if there is no error (warnings allowed), and
/// every diagnostic sorted by position.
pub fn check(text: &str, path: &Path) -> (Option<Scenario>, Vec<Diagnostic>) {
    let mut c = Checker {
        d: Diagnostics::new(text, path),
    };
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        c.syntax(&syntax);
        return (None, c.d.finish());
    }
    let scenario = c.root(doc.get_ref());
    let ok = !c.has_errors();
    (scenario.filter(|_| ok), c.d.finish())
}

/// The scenario's own checks over the shared TOML diagnostics (`push`, `error`,
/// `type_error`, `table`, ... through `Deref`).
struct Checker<'a> {
    d: Diagnostics<'a>,
}

deref_to_diagnostics!(Checker);

/// A partly read inject, before the cross-checks.
struct RawInject {
    span: Span,
    path: String,
    inject: Inject,
    /// Spans of the keys given, for later errors.
    spans: HashMap<&'static str, Span>,
}

impl Checker<'_> {
    fn unknown(&mut self, key_path: &str, key: &Key<'_>, known: &[&str]) {
        let candidates: Vec<(&str, String)> = known.iter().map(|k| (*k, k.to_string())).collect();
        self.d.unknown(key_path, key, &candidates);
    }

    /// A string, without control characters and surrounding blanks.
    fn string(&mut self, key_path: &str, value: &Value<'_>) -> Option<String> {
        let s = self.str(key_path, value)?;
        Some(strip_control(s).trim().to_string())
    }

    /// A non-empty one-line string.
    fn line(&mut self, key_path: &str, value: &Value<'_>) -> Option<String> {
        let s = one_line(&self.string(key_path, value)?);
        if s.is_empty() {
            self.error(value.span(), key_path, "cannot be empty");
            return None;
        }
        Some(s)
    }

    fn duration(
        &mut self,
        key_path: &str,
        value: &Value<'_>,
        signed: bool,
    ) -> Option<SignedDuration> {
        let raw = self.string(key_path, value)?;
        let (negative, body) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw.strip_prefix('+').unwrap_or(&raw)),
        };
        match duration::parse(body) {
            Ok(_) if negative && !signed => {
                let msg = format!("must not be negative, found {raw:?}");
                self.error(value.span(), key_path, msg);
                None
            }
            Ok(d) => Some(if negative { -d } else { d }),
            Err(message) => {
                self.error(value.span(), key_path, message);
                None
            }
        }
    }

    fn state(&mut self, key_path: &str, value: &Value<'_>) -> Option<Severity> {
        let raw = self.string(key_path, value)?;
        match raw.parse::<Severity>() {
            Ok(s) => Some(s),
            Err(message) => {
                let states = ["investigating", "confirmed", "major", "resolved"];
                let sugg = closest(&raw, &states);
                self.push(Level::Error, value.span(), key_path, message, sugg);
                None
            }
        }
    }

    /// An inline table of one-line strings: `labels = { service = "api" }`.
    fn labels(
        &mut self,
        key_path: &str,
        value: &Value<'_>,
    ) -> Option<std::collections::BTreeMap<String, String>> {
        let t = self.table(key_path, value)?;
        let mut out = std::collections::BTreeMap::new();
        let mut ok = true;
        for (key, v) in t.iter() {
            let name = one_line(key.get_ref());
            match self.line(&format!("{key_path}.{name}"), v) {
                Some(s) if !name.is_empty() => {
                    out.insert(name, s);
                }
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn group(&mut self, key_path: &str, value: &Value<'_>) -> Option<String> {
        let raw = self.string(key_path, value)?;
        match valid_group(&raw) {
            Ok(g) => Some(g),
            Err(message) => {
                self.error(value.span(), key_path, message);
                None
            }
        }
    }

    fn root(&mut self, root: &DeTable<'_>) -> Option<Scenario> {
        let mut title = None;
        let mut description = String::new();
        let mut duration = None;
        let mut initial = None;
        let mut people = Vec::new();
        let mut raw_injects = Vec::new();
        let mut people_span = 0..0;
        let mut people_given = false;
        for (key, value) in root.iter() {
            let name: &str = key.get_ref();
            match name {
                "title" => title = self.line("title", value),
                "description" => {
                    description = self.string("description", value).unwrap_or_default()
                }
                "duration" => {
                    duration = self.duration("duration", value, false);
                    if duration == Some(SignedDuration::ZERO) {
                        self.error(value.span(), "duration", "must be longer than zero");
                        duration = None;
                    }
                }
                "initial" => initial = Some(value),
                "people" => {
                    people_span = value.span();
                    people_given = matches!(value.get_ref(), DeValue::Array(a) if !a.is_empty());
                    people = self.people(value);
                }
                "inject" => raw_injects = self.injects(value),
                _ => self.unknown(name, key, SCENARIO_KEYS),
            }
        }
        if !root.contains_key("title") {
            self.error(0..0, "title", "missing required key `title`");
        }
        if !people_given {
            self.error(
                people_span,
                "people",
                "a scenario needs at least one [[people]] entry (the IC)",
            );
        }
        let initial = match initial {
            Some(v) => self.initial(v, &people),
            None => {
                let ic = people.first().map(|p| p.name.clone());
                ic.map(|ic| Initial {
                    title: title.clone().unwrap_or_default(),
                    state: Severity::Investigating,
                    impact: String::new(),
                    ic,
                })
            }
        };
        let mut injects = self.cross_check(raw_injects, &people);
        injects.sort_by_key(|i| i.at);
        let last = injects.last().map_or(SignedDuration::ZERO, |i| i.at);
        let duration = match duration {
            Some(d) => {
                for i in injects.iter().filter(|i| i.at > d) {
                    let msg = format!(
                        "fires at {} after the drill ends (duration = {}): it will never fire",
                        duration::config_form(i.at),
                        duration::config_form(d)
                    );
                    let span = self.line_span(i.line);
                    self.warning(span, "inject.at", msg);
                }
                d
            }
            None => last + DEFAULT_TAIL,
        };
        Some(Scenario {
            title: title?,
            description,
            duration,
            initial: initial?,
            people,
            injects,
        })
    }

    /// The byte offset of the start of a 1-based line.
    fn line_span(&self, line: usize) -> Span {
        let start: usize = self
            .text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        start..start
    }

    fn initial(&mut self, value: &Value<'_>, people: &[DrillPerson]) -> Option<Initial> {
        let t = self.table("initial", value)?;
        let mut out = Initial {
            title: String::new(),
            state: Severity::Investigating,
            impact: String::new(),
            ic: people.first().map(|p| p.name.clone()).unwrap_or_default(),
        };
        let mut ok = true;
        for (key, value) in t.iter() {
            let field: &str = key.get_ref();
            let key_path = format!("initial.{field}");
            match field {
                "title" => match self.line(&key_path, value) {
                    Some(s) if s.chars().count() <= 200 => out.title = s,
                    Some(_) => {
                        self.error(value.span(), &key_path, "too long (at most 200 characters)");
                        ok = false;
                    }
                    None => ok = false,
                },
                "state" => match self.state(&key_path, value) {
                    Some(Severity::Resolved) => {
                        self.error(value.span(), &key_path, "a drill cannot start resolved");
                        ok = false;
                    }
                    Some(s) => out.state = s,
                    None => ok = false,
                },
                "impact" => out.impact = self.string(&key_path, value).unwrap_or_default(),
                "ic" => match self.line(&key_path, value) {
                    Some(name) => {
                        match people.iter().find(|p| p.name.eq_ignore_ascii_case(&name)) {
                            Some(p) => out.ic = p.name.clone(),
                            None => {
                                let names: Vec<&str> =
                                    people.iter().map(|p| p.name.as_str()).collect();
                                let msg = format!("{name:?} is not in [[people]]");
                                self.push(
                                    Level::Error,
                                    value.span(),
                                    &key_path,
                                    msg,
                                    closest_name(&name, &names),
                                );
                                ok = false;
                            }
                        }
                    }
                    None => ok = false,
                },
                _ => {
                    self.unknown(&key_path, key, INITIAL_KEYS);
                    ok = false;
                }
            }
        }
        if !t.contains_key("title") {
            self.error(value.span(), "initial", "missing required key `title`");
            ok = false;
        }
        (ok && !out.ic.is_empty()).then_some(out)
    }

    fn people(&mut self, value: &Value<'_>) -> Vec<DrillPerson> {
        let mut out: Vec<DrillPerson> = Vec::new();
        for (_, item_path, item, t) in self.d.tables("people", value, |_, _| {}) {
            let mut person = DrillPerson {
                name: String::new(),
                group: None,
                role: None,
                on_duty_since: SignedDuration::ZERO,
            };
            let mut ok = true;
            for (key, value) in t.iter() {
                let field: &str = key.get_ref();
                let key_path = format!("{item_path}.{field}");
                match field {
                    "name" => {
                        let Some(raw) = self.string(&key_path, value) else {
                            ok = false;
                            continue;
                        };
                        match clean_name(&raw) {
                            Ok(name) => {
                                if let Some(j) = out
                                    .iter()
                                    .position(|p| p.name.to_lowercase() == name.to_lowercase())
                                {
                                    let msg =
                                        format!("duplicate person {name:?} (also people[{j}])");
                                    self.error(value.span(), &key_path, msg);
                                    ok = false;
                                }
                                person.name = name;
                            }
                            Err(message) => {
                                self.error(value.span(), &key_path, message);
                                ok = false;
                            }
                        }
                    }
                    "group" => match self.group(&key_path, value) {
                        Some(g) => person.group = Some(g),
                        None => ok = false,
                    },
                    "role" => {
                        let Some(raw) = self.string(&key_path, value) else {
                            ok = false;
                            continue;
                        };
                        match raw.parse::<Role>() {
                            Ok(Role::Ic) => {
                                let msg = "the IC is set by `initial.ic`, not by a role";
                                self.error(value.span(), &key_path, msg);
                                ok = false;
                            }
                            Ok(r) => person.role = Some(r),
                            Err(message) => {
                                let roles = ["comms", "deputy", "scribe", "ops:"];
                                let sugg = closest(&raw, &roles);
                                self.push(Level::Error, value.span(), &key_path, message, sugg);
                                ok = false;
                            }
                        }
                    }
                    "on_duty_since" => match self.duration(&key_path, value, true) {
                        Some(d) if d > SignedDuration::ZERO => {
                            let msg = "must be zero or negative (e.g. \"-6h\": on duty for six hours when the drill starts)";
                            self.error(value.span(), &key_path, msg);
                            ok = false;
                        }
                        Some(d) => person.on_duty_since = d,
                        None => ok = false,
                    },
                    _ => {
                        self.unknown(&key_path, key, PERSON_KEYS);
                        ok = false;
                    }
                }
            }
            if !t.contains_key("name") {
                self.error(item.span(), &item_path, "missing required key `name`");
                ok = false;
            }
            if ok {
                out.push(person);
            }
        }
        out
    }

    fn injects(&mut self, value: &Value<'_>) -> Vec<RawInject> {
        let mut out = Vec::new();
        for (_, item_path, item, t) in self.d.tables("inject", value, |_, _| {}) {
            let (line, _) = line_col(self.text, item.span().start);
            let mut raw = RawInject {
                span: item.span(),
                path: item_path.clone(),
                inject: Inject {
                    at: SignedDuration::ZERO,
                    kind: InjectKind::Alert,
                    text: String::new(),
                    who: None,
                    group: None,
                    backend: None,
                    state: None,
                    decision: None,
                    series: None,
                    value: None,
                    name: None,
                    severity: None,
                    labels: Default::default(),
                    line,
                },
                spans: HashMap::new(),
            };
            let mut ok = true;
            for (key, value) in t.iter() {
                let field: &str = key.get_ref();
                let key_path = format!("{item_path}.{field}");
                let Some(known) = INJECT_KEYS.iter().find(|k| **k == field) else {
                    self.unknown(&key_path, key, INJECT_KEYS);
                    ok = false;
                    continue;
                };
                raw.spans.insert(known, key.span());
                let inj = &mut raw.inject;
                let good = match field {
                    "at" => self.duration(&key_path, value, false).map(|d| inj.at = d),
                    "kind" => {
                        let Some(s) = self.string(&key_path, value) else {
                            ok = false;
                            continue;
                        };
                        match s.parse::<InjectKind>() {
                            Ok(k) => {
                                inj.kind = k;
                                Some(())
                            }
                            Err(message) => {
                                let kinds: Vec<&str> =
                                    InjectKind::ALL.iter().map(|k| k.as_str()).collect();
                                let (msg, sugg) = match closest(&s, &kinds) {
                                    Some(sugg) => (message, Some(sugg)),
                                    None => {
                                        (format!("{message} (kinds: {})", kinds.join(", ")), None)
                                    }
                                };
                                self.push(Level::Error, value.span(), &key_path, msg, sugg);
                                None
                            }
                        }
                    }
                    "text" => self.string(&key_path, value).map(|s| inj.text = s),
                    "who" => self
                        .line(&key_path, value)
                        .and_then(|s| match clean_name(&s) {
                            Ok(n) => Some(n),
                            Err(m) => {
                                self.error(value.span(), &key_path, m);
                                None
                            }
                        })
                        .map(|s| inj.who = Some(s)),
                    "group" => self.group(&key_path, value).map(|g| inj.group = Some(g)),
                    "backend" => self.line(&key_path, value).map(|b| inj.backend = Some(b)),
                    "state" => self.state(&key_path, value).map(|s| inj.state = Some(s)),
                    "series" => self.line(&key_path, value).map(|s| inj.series = Some(s)),
                    "value" => self.number(&key_path, value).map(|v| inj.value = Some(v)),
                    "name" => self.line(&key_path, value).map(|s| inj.name = Some(s)),
                    "severity" => self.line(&key_path, value).map(|s| inj.severity = Some(s)),
                    "labels" => self.labels(&key_path, value).map(|l| inj.labels = l),
                    _ => self
                        .decision(&key_path, value)
                        .map(|d| inj.decision = Some(d)),
                };
                ok &= good.is_some();
            }
            for required in ["at", "kind"] {
                if !t.contains_key(required) {
                    let msg = format!("missing required key `{required}`");
                    self.error(item.span(), &item_path, msg);
                    ok = false;
                }
            }
            if ok {
                out.push(raw);
            }
        }
        out
    }

    fn decision(&mut self, key_path: &str, value: &Value<'_>) -> Option<DrillDecision> {
        let t = self.table(key_path, value)?;
        let mut question = None;
        let mut options = Vec::new();
        let mut ok = true;
        for (key, v) in t.iter() {
            let field: &str = key.get_ref();
            let path = format!("{key_path}.{field}");
            match field {
                "question" => question = self.line(&path, v),
                "options" => match v.get_ref() {
                    DeValue::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            match self.line(&format!("{path}[{i}]"), item) {
                                Some(o) if options.contains(&o) => {
                                    self.error(
                                        item.span(),
                                        &path,
                                        format!("duplicate option {o:?}"),
                                    );
                                    ok = false;
                                }
                                Some(o) => options.push(o),
                                None => ok = false,
                            }
                        }
                        if items.len() < 2 {
                            self.error(v.span(), &path, "a decision needs at least two options");
                            ok = false;
                        }
                    }
                    _ => {
                        self.type_error(&path, v, "an array of strings");
                        ok = false;
                    }
                },
                _ => {
                    self.unknown(&path, key, DECISION_KEYS);
                    ok = false;
                }
            }
        }
        for required in DECISION_KEYS {
            if !t.contains_key(*required) {
                self.error(
                    value.span(),
                    key_path,
                    format!("missing required key `{required}`"),
                );
                ok = false;
            }
        }
        let question = question?;
        ok.then_some(DrillDecision { question, options })
    }

    /// Checks of each inject against its kind and against the roster.
    fn cross_check(&mut self, raw: Vec<RawInject>, people: &[DrillPerson]) -> Vec<Inject> {
        // Who can be named: the roster, and anyone who joins (from the time they join).
        let known: Vec<String> = people.iter().map(|p| p.name.clone()).collect();
        let mut joins: Vec<(SignedDuration, String)> = raw
            .iter()
            .filter(|r| r.inject.kind == InjectKind::PersonJoins)
            .filter_map(|r| r.inject.who.clone().map(|w| (r.inject.at, w)))
            .collect();
        joins.sort();
        let mut out = Vec::new();
        for r in raw {
            let kind = r.inject.kind;
            let mut ok = true;
            for required in kind.required() {
                let missing = match *required {
                    "text" => r.inject.text.is_empty(),
                    "who" => r.inject.who.is_none(),
                    "group" => r.inject.group.is_none(),
                    "series" => r.inject.series.is_none(),
                    "value" => r.inject.value.is_none(),
                    _ => r.inject.backend.is_none(),
                };
                if missing {
                    let msg = format!("an inject of kind {kind} needs `{required}`");
                    self.error(r.span.clone(), &r.path, msg);
                    ok = false;
                }
            }
            for (key, span) in &r.spans {
                let used = ["at", "kind", "text", "decision"].contains(key)
                    || kind.required().contains(key)
                    || kind.optional().contains(key);
                if !used {
                    let msg = format!("`{key}` is not used by kind {kind}: it is ignored");
                    self.warning(span.clone(), &format!("{}.{key}", r.path), msg);
                }
            }
            if let Some(who) = &r.inject.who {
                let joined_before = joins.iter().any(|(at, n)| n == who && *at <= r.inject.at);
                let on_roster = known.iter().any(|n| n.eq_ignore_ascii_case(who));
                let span = r.spans.get("who").cloned().unwrap_or(r.span.clone());
                let key = format!("{}.who", r.path);
                match kind {
                    InjectKind::PersonJoins if on_roster => {
                        let msg = format!("{who:?} is already on the roster at the start");
                        self.warning(span, &key, msg);
                    }
                    InjectKind::PersonQuiet | InjectKind::ReliefRequest
                        if !on_roster && !joined_before =>
                    {
                        let names: Vec<&str> = known
                            .iter()
                            .map(String::as_str)
                            .chain(joins.iter().map(|(_, n)| n.as_str()))
                            .collect();
                        let msg = format!(
                            "{who:?} is not on the roster at {} (not in [[people]], no earlier person_joins)",
                            duration::config_form(r.inject.at)
                        );
                        let sugg = closest_name(who, &names);
                        self.push(Level::Error, span, &key, msg, sugg);
                        ok = false;
                    }
                    _ => {}
                }
            }
            if ok {
                out.push(r.inject);
            }
        }
        out
    }
}

/// The closest word by Jaro-Winkler similarity (case-insensitive), if close enough.
/// (The same rule as the configuration checker's.)
pub(crate) fn closest(word: &str, candidates: &[&str]) -> Option<String> {
    closest_above(word, candidates.iter().map(|c| (*c, *c)), SUGGEST_AT)
}

/// [`closest`] for people's names, which are short: a lower bar ("Anne" -> "Ana").
fn closest_name(word: &str, candidates: &[&str]) -> Option<String> {
    closest_above(word, candidates.iter().map(|c| (*c, *c)), 0.75)
}
