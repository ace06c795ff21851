//! `config check`: every problem in a configuration text, each with file:line:col and key.
//!
//! The text is parsed into a spanned document and walked against the schema below, so
//! that unknown keys, wrong types and bad values are all reported together (serde stops
//! at the first). Values that pass are collected into a partial [`Config`] for the
//! cross-key (semantic) checks; the returned `Config` itself comes from serde, the
//! single source of truth for the shape.

use super::diagnostic::{
    Diagnostic, Diagnostics, Key, Severity, Span, Value, closest, deref_to_diagnostics,
};
use super::secret::{SECRET_KEYS, SecretRef};
use super::{Config, KeySpec, KnownPerson};
use crate::domain::lint::{LintConfigError, RuleSpec};
use crate::domain::template::{Template, TemplateKind, TemplateSpec};
use crate::domain::{duration, text};
use jiff::SignedDuration;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// Top-level keys.
pub const ROOT_KEYS: &[&str] = &[
    "cadence",
    "shifts",
    "roster",
    "people",
    "keys",
    "backends",
    "templates",
    "lint",
    "cleanup",
    "handoff",
    "rotation",
    "sync",
    "metrics",
    "alerts",
];
/// Keys of `[cadence]` (all durations).
pub const CADENCE_KEYS: &[&str] = &[
    "sitrep_investigating",
    "sitrep_confirmed",
    "sitrep_major",
    "status",
    "impact_review",
];
/// Keys of `[shifts]` (all durations).
pub const SHIFTS_KEYS: &[&str] = &["length", "warn_at", "break_after", "min_rest"];
/// Keys of `[roster]`.
pub const ROSTER_KEYS: &[&str] = &["span_of_control"];
/// Keys of `[templates]`.
pub const TEMPLATES_KEYS: &[&str] = &["sitrep", "status"];
/// Keys of `[lint]`.
pub const LINT_KEYS: &[&str] = &["disable", "rules", "third_parties", "own_names"];
/// Keys of a `[[people]]` entry.
pub const PERSON_KEYS: &[&str] = &["name", "handle", "team", "contact", "matrix"];
/// Keys of `[sync]`.
pub const SYNC_KEYS: &[&str] = &["homeserver", "user", "access_token"];

/// Why a name from the configuration cannot be used: it holds a character that would change
/// what a terminal or a reader shows (names are printed on screens, in CLI output and messages).
fn unsafe_name(s: &str) -> Option<String> {
    text::first_unsafe(s).map(|(_, c)| {
        format!(
            "contains the control character U+{:04X}: names are shown on terminals and in \
             messages, remove it",
            u32::from(c)
        )
    })
}

pub use health::{ALERTS_KEYS, METRICS_KEYS, SERIES_KEYS};

mod health;

/// Bounds of `roster.span_of_control`.
pub const SPAN_OF_CONTROL: std::ops::RangeInclusive<i64> = 1..=50;

/// Checks a configuration text. Returns the configuration if there is no error (warnings
/// allowed) and every diagnostic, sorted by position.
pub fn check(text: &str, path: &Path) -> (Option<Config>, Vec<Diagnostic>) {
    check_with(text, path, &|_| Vec::new())
}

/// Like [`check`], plus checks owned by other modules: `extra` gets the configuration as
/// far as it could be read (invalid values replaced by defaults) and returns
/// `(dotted key path, message)` errors, e.g. `("keys.handoff", "unknown action")`. Key
/// paths are located in the text (an unknown path falls back to its nearest parent).
pub fn check_with(
    text: &str,
    path: &Path,
    extra: &dyn Fn(&Config) -> Vec<(String, String)>,
) -> (Option<Config>, Vec<Diagnostic>) {
    check_with_findings(text, path, &|c: &Config| {
        extra(c)
            .into_iter()
            .map(|(key, message)| Finding::error(key, message))
            .collect()
    })
}

/// What a check owned by another module found about one key (see [`check_with_findings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// Dotted key path, e.g. `backends[0].events_url`.
    pub key: String,
    pub message: String,
    /// The closest valid key, for a misspelt one.
    pub suggestion: Option<String>,
}

impl Finding {
    pub fn error(key: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            key: key.into(),
            message: message.into(),
            suggestion: None,
        }
    }
    /// An unknown key `word` at `key`; suggests the closest of `valid`.
    pub fn unknown_key(key: impl Into<String>, word: &str, valid: &[&'static str]) -> Self {
        let suggestion = closest(word, &candidates(valid));
        let message = if suggestion.is_some() {
            "unknown key".to_string()
        } else {
            format!("unknown key (valid keys: {})", valid.join(", "))
        };
        Finding {
            suggestion,
            ..Finding::error(key, message)
        }
    }
    /// An unknown `what` (e.g. "backend kind") `word` at `key`; suggests the closest of
    /// `valid`, or lists them.
    pub fn unknown_value(
        key: impl Into<String>,
        word: &str,
        what: &str,
        valid: &[&'static str],
    ) -> Self {
        let suggestion = closest(word, &candidates(valid));
        let message = if suggestion.is_some() {
            format!("unknown {what} {word:?}")
        } else {
            format!("unknown {what} {word:?} (one of: {})", valid.join(", "))
        };
        Finding {
            suggestion,
            ..Finding::error(key, message)
        }
    }
    pub fn warning(key: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(key, message)
        }
    }
    pub fn note(key: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Note,
            ..Finding::error(key, message)
        }
    }
}

/// Like [`check_with`], with findings of any severity: errors, warnings and notes (what a
/// value was understood as).
pub fn check_with_findings(
    text: &str,
    path: &Path,
    extra: &dyn Fn(&Config) -> Vec<Finding>,
) -> (Option<Config>, Vec<Diagnostic>) {
    let mut c = Checker::new(text, path);
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        c.syntax(&syntax);
        return (None, c.finish());
    }
    c.root(doc.get_ref());
    c.semantics();
    c.permissions();
    for f in extra(&c.view) {
        let span = c.span_of(&f.key);
        c.push(f.severity, span, f.key, f.message, f.suggestion);
    }
    let config = if c.has_errors() {
        None
    } else {
        match toml::from_str::<Config>(text) {
            Ok(config) => Some(config),
            Err(e) => {
                c.push(
                    Severity::Error,
                    e.span().unwrap_or(0..0),
                    String::new(),
                    e.message().to_string(),
                    None,
                );
                None
            }
        }
    };
    (config, c.finish())
}

struct Checker<'a> {
    /// The diagnostics found so far (`push`, `error`, `unknown`, ... through `Deref`).
    d: Diagnostics<'a>,
    /// Dotted key path -> span of its value (of the header, for tables).
    spans: HashMap<String, Span>,
    /// What could be read, over the defaults.
    view: Config,
    inline_secrets: bool,
}

deref_to_diagnostics!(Checker);

impl<'a> Checker<'a> {
    fn new(text: &'a str, path: &'a Path) -> Self {
        Checker {
            d: Diagnostics::new(text, path),
            spans: HashMap::new(),
            view: Config::default(),
            inline_secrets: false,
        }
    }

    fn finish(self) -> Vec<Diagnostic> {
        self.d.finish()
    }

    // Inherent, not through `Deref`, so that `self.error(self.span_of(k), ...)` borrows.
    fn error(&mut self, span: Span, key: &str, message: impl Into<String>) {
        self.d.error(span, key, message);
    }

    fn warning(&mut self, span: Span, key: &str, message: impl Into<String>) {
        self.d.warning(span, key, message);
    }

    fn record(&mut self, key_path: &str, span: Span) {
        self.spans.insert(key_path.to_string(), span);
    }

    /// The span recorded for `key_path`, else for its nearest recorded parent, else 0..0.
    fn span_of(&self, key_path: &str) -> Span {
        let mut path = key_path;
        loop {
            if let Some(span) = self.spans.get(path) {
                return span.clone();
            }
            match path.rfind(['.', '[']) {
                Some(i) => path = &path[..i],
                None => return 0..0,
            }
        }
    }

    /// A table (its span recorded).
    fn table<'v, 'i>(&mut self, key_path: &str, value: &'v Value<'i>) -> Option<&'v DeTable<'i>> {
        self.record(key_path, value.span());
        self.d.table(key_path, value)
    }

    /// The entries of table `section` (its span recorded; else a type error): each key, its
    /// value and its key path (`section.key`).
    fn entries<'v, 'i>(
        &mut self,
        section: &str,
        value: &'v Value<'i>,
    ) -> Vec<(&'v Key<'i>, &'v Value<'i>, String)> {
        let Some(t) = self.table(section, value) else {
            return Vec::new();
        };
        t.iter()
            .map(|(key, value)| (key, value, join(section, key.get_ref())))
            .collect()
    }

    /// The tables of the array of tables `path` (`[[people]]`), as
    /// [`Diagnostics::tables`], with the spans of the array and of every entry recorded.
    fn tables<'v, 'i>(
        &mut self,
        path: &str,
        value: &'v Value<'i>,
    ) -> Vec<(usize, String, &'v Value<'i>, &'v DeTable<'i>)> {
        self.record(path, value.span());
        let spans = &mut self.spans;
        self.d.tables(path, value, |p, span| {
            spans.insert(p.to_string(), span);
        })
    }

    /// An array (its span recorded); else a type error saying `expected`.
    fn array<'v, 'i>(
        &mut self,
        key_path: &str,
        value: &'v Value<'i>,
        expected: &str,
    ) -> Option<&'v [Value<'i>]> {
        self.record(key_path, value.span());
        self.d.array(key_path, value, expected)
    }

    /// A string (its span recorded).
    fn string<'v>(&mut self, key_path: &str, value: &'v Value<'_>) -> Option<&'v str> {
        self.record(key_path, value.span());
        self.d.str(key_path, value)
    }

    fn root(&mut self, root: &DeTable<'_>) {
        for (key, value) in root.iter() {
            let name: &str = key.get_ref();
            match name {
                "cadence" => self.durations("cadence", value, CADENCE_KEYS),
                "shifts" => self.durations("shifts", value, SHIFTS_KEYS),
                "roster" => self.roster(value),
                "people" => self.people(value),
                "keys" => self.keys(value),
                "backends" => self.backends(value),
                "cleanup" => self.section(name, value, |c, v| c.cleanup = v),
                "handoff" => self.section(name, value, |c, v| c.handoff = v),
                "rotation" => self.section(name, value, |c, v| c.rotation = v),
                "templates" => self.templates(value),
                "lint" => self.lint(value),
                "sync" => self.sync(value),
                "metrics" => self.metrics(value),
                "alerts" => self.alerts(value),
                _ => {
                    let candidates = root_candidates();
                    self.unknown(&join("", name), key, &candidates);
                }
            }
        }
    }

    /// A section whose shape serde checks on its own (errors keep their span).
    fn section<T: serde::de::DeserializeOwned>(
        &mut self,
        name: &str,
        value: &Value<'_>,
        set: impl FnOnce(&mut Config, T),
    ) {
        self.record(name, value.span());
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(v) => set(&mut self.view, v),
            Err(e) => {
                let span = e.span().unwrap_or_else(|| value.span());
                self.error(span, name, e.message().to_string());
            }
        }
    }

    fn durations(&mut self, table: &str, value: &Value<'_>, known: &[&'static str]) {
        let Some(t) = self.table(table, value) else {
            return;
        };
        for (key, value) in t.iter() {
            let key_path = join(table, key.get_ref());
            if !known.contains(&key.get_ref().as_ref()) {
                self.unknown(&key_path, key, &candidates(known));
                continue;
            }
            self.record(&key_path, value.span());
            let Some(raw) = value.get_ref().as_str() else {
                self.type_error(&key_path, value, "a duration such as \"45m\" or \"8h\"");
                continue;
            };
            match duration::parse(raw) {
                Ok(d) => {
                    if let Some(field) = duration_field(&mut self.view, &key_path) {
                        *field = d;
                    }
                }
                Err(message) => self.error(value.span(), &key_path, message),
            }
        }
    }

    fn roster(&mut self, value: &Value<'_>) {
        let Some(t) = self.table("roster", value) else {
            return;
        };
        for (key, value) in t.iter() {
            let key_path = join("roster", key.get_ref());
            if !ROSTER_KEYS.contains(&key.get_ref().as_ref()) {
                self.unknown(&key_path, key, &candidates(ROSTER_KEYS));
                continue;
            }
            self.record(&key_path, value.span());
            if !value.get_ref().is_integer() {
                self.type_error(&key_path, value, "an integer");
                continue;
            }
            match i64::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(n) if SPAN_OF_CONTROL.contains(&n) => {
                    self.view.roster.span_of_control = usize::try_from(n).unwrap_or(1);
                }
                Ok(n) => self.error(
                    value.span(),
                    &key_path,
                    format!(
                        "must be between {} and {} (ICS suggests 3 to 7), found {n}",
                        SPAN_OF_CONTROL.start(),
                        SPAN_OF_CONTROL.end()
                    ),
                ),
                Err(e) => self.error(value.span(), &key_path, e.message()),
            }
        }
    }

    fn people(&mut self, value: &Value<'_>) {
        // Lower-cased name / handle -> index of the first person with it.
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut handles: HashMap<String, usize> = HashMap::new();
        let mut matrix_ids: HashMap<String, usize> = HashMap::new();
        for (i, item_path, item, t) in self.tables("people", value) {
            let mut person = KnownPerson::named("");
            let mut name_ok = false;
            for (key, value) in t.iter() {
                let field: &str = key.get_ref();
                let key_path = join(&item_path, field);
                if !PERSON_KEYS.contains(&field) {
                    self.unknown(&key_path, key, &candidates(PERSON_KEYS));
                    continue;
                }
                let Some(s) = self.string(&key_path, value) else {
                    continue;
                };
                if field != "contact"
                    && let Some(msg) = unsafe_name(s)
                {
                    self.error(value.span(), &key_path, msg);
                    continue;
                }
                match field {
                    "name" => match text::clean_name(s) {
                        Ok(clean) => {
                            let folded = clean.to_lowercase();
                            if let Some(first) = names.get(&folded) {
                                let msg =
                                    format!("duplicate person {clean:?} (also people[{first}])");
                                self.error(value.span(), &key_path, msg);
                            } else {
                                names.insert(folded, i);
                            }
                            person.name = clean;
                            name_ok = true;
                        }
                        Err(message) => self.error(value.span(), &key_path, message),
                    },
                    "handle" => {
                        let folded = s.trim().to_lowercase();
                        if let Some(first) = handles.get(&folded) {
                            let msg = format!("handle {s:?} is also people[{first}]'s");
                            self.warning(value.span(), &key_path, msg);
                        } else if !folded.is_empty() {
                            handles.insert(folded, i);
                        }
                        person.handle = Some(s.to_string());
                    }
                    "team" => person.team = Some(s.to_string()),
                    "matrix" => match matrix_user_id(s) {
                        Ok(id) => {
                            let folded = id.to_lowercase();
                            if let Some(first) = matrix_ids.get(&folded) {
                                let msg = format!("Matrix user {id:?} is also people[{first}]'s");
                                self.error(value.span(), &key_path, msg);
                            } else {
                                matrix_ids.insert(folded, i);
                            }
                            person.matrix = Some(id);
                        }
                        Err(message) => self.error(value.span(), &key_path, message),
                    },
                    _ => person.contact = Some(s.to_string()),
                }
            }
            if !t.contains_key("name") {
                self.error(item.span(), &item_path, "missing required key `name`");
            }
            if name_ok {
                self.view.people.push(person);
            }
        }
    }

    fn keys(&mut self, value: &Value<'_>) {
        for (key, value, key_path) in self.entries("keys", value) {
            let action: &str = key.get_ref();
            self.record(&key_path, value.span());
            let spec = match value.get_ref() {
                DeValue::String(s) => Some(KeySpec::One(s.to_string())),
                DeValue::Array(items) => {
                    let mut keys = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let item_path = format!("{key_path}[{i}]");
                        if let Some(s) = self.string(&item_path, item) {
                            keys.push(s.to_string());
                        }
                    }
                    (keys.len() == items.len()).then_some(KeySpec::Many(keys))
                }
                _ => {
                    self.type_error(
                        &key_path,
                        value,
                        "a key such as \"h\" or a list such as [\"h\", \"ctrl-h\"]",
                    );
                    None
                }
            };
            if let Some(spec) = spec {
                self.view.keys.insert(action.to_string(), spec);
            }
        }
    }

    fn backends(&mut self, value: &Value<'_>) {
        let mut names: HashMap<String, usize> = HashMap::new();
        for (i, item_path, item, t) in self.tables("backends", value) {
            for (key, value) in t.iter() {
                self.record_tree(&join(&item_path, key.get_ref()), value);
            }
            if let Some(value) = t.get("name") {
                let key_path = join(&item_path, "name");
                if let Some(name) = self.string(&key_path, value) {
                    if let Some(msg) = unsafe_name(name) {
                        self.error(value.span(), &key_path, msg);
                    } else if let Some(first) = names.get(name) {
                        let msg =
                            format!("duplicate backend name {name:?} (also backends[{first}])");
                        self.error(value.span(), &key_path, msg);
                    } else {
                        names.insert(name.to_string(), i);
                    }
                }
            }
            for secret_key in SECRET_KEYS {
                if let Some(value) = t.get(*secret_key) {
                    self.secret(&join(&item_path, secret_key), value);
                }
            }
            if let Ok(table) = toml::Table::deserialize(ValueDeserializer::from(item.clone())) {
                self.view.backends.push(table);
            }
        }
    }

    /// `[templates]`: a known built-in, or a template file that reads and compiles (warned
    /// otherwise: a broken template must not stop the cockpit from starting).
    fn templates(&mut self, value: &Value<'_>) {
        for (key, value, key_path) in self.entries("templates", value) {
            let field: &str = key.get_ref();
            let kind = match field {
                "sitrep" => TemplateKind::Sitrep,
                "status" => TemplateKind::Status,
                _ => {
                    self.unknown(&key_path, key, &candidates(TEMPLATES_KEYS));
                    continue;
                }
            };
            let Some(raw) = self.string(&key_path, value) else {
                continue;
            };
            match TemplateSpec::parse(raw, kind) {
                Err(e) => {
                    self.error(value.span(), &key_path, e.to_string());
                    continue;
                }
                Ok(TemplateSpec::Builtin(_)) => {}
                Ok(TemplateSpec::File(p)) if p.is_relative() && !p.starts_with("~") => {
                    let msg = "relative template path: it is resolved from the working \
                               directory, not from the configuration file; use an absolute path";
                    self.warning(value.span(), &key_path, msg);
                }
                Ok(TemplateSpec::File(_)) => {
                    if let Err(e) = Template::resolve(raw, kind, super::read_template) {
                        self.warning(value.span(), &key_path, e.to_string());
                    }
                }
            }
            match kind {
                TemplateKind::Sitrep => self.view.templates.sitrep = raw.to_string(),
                TemplateKind::Status => self.view.templates.status = raw.to_string(),
            }
        }
    }

    /// `[lint]`: `disable` (rule ids) and `[[lint.rules]]`; the rules are compiled with the
    /// built-in ones so that bad regexes, unknown or duplicate ids are reported here.
    fn lint(&mut self, value: &Value<'_>) {
        for (key, value, key_path) in self.entries("lint", value) {
            let field: &str = key.get_ref();
            match field {
                "disable" => {
                    let Some(items) = self.array(&key_path, value, "an array of rule ids") else {
                        continue;
                    };
                    for (i, item) in items.iter().enumerate() {
                        if let Some(id) = self.string(&format!("{key_path}[{i}]"), item) {
                            self.view.lint.disable.push(id.to_string());
                        }
                    }
                }
                "third_parties" | "own_names" => {
                    let Some(items) = self.array(&key_path, value, "an array of names") else {
                        continue;
                    };
                    for (i, item) in items.iter().enumerate() {
                        if let Some(name) = self.string(&format!("{key_path}[{i}]"), item) {
                            if field == "third_parties" {
                                self.view.lint.third_parties.push(name.to_string());
                            } else {
                                self.view.lint.own_names.push(name.to_string());
                            }
                        }
                    }
                }
                "rules" => {
                    let expected = "an array of tables ([[lint.rules]])";
                    let Some(items) = self.array(&key_path, value, expected) else {
                        continue;
                    };
                    for (i, item) in items.iter().enumerate() {
                        let item_path = format!("{key_path}[{i}]");
                        self.record_tree(&item_path, item);
                        match RuleSpec::deserialize(ValueDeserializer::from(item.clone())) {
                            Ok(rule) => self.view.lint.rules.push(rule),
                            Err(e) => {
                                let span = e.span().unwrap_or_else(|| item.span());
                                self.error(span, &item_path, e.message());
                            }
                        }
                    }
                }
                _ => self.unknown(&key_path, key, &candidates(LINT_KEYS)),
            }
        }
        let lint = self.view.lint.clone();
        // Nothing overridden: the built-in rules are valid (tested) and are not compiled here,
        // so that loading the configuration never builds the linter. Overrides are compiled
        // (with the built-in rules) to report their mistakes; the result is kept for
        // `Config::linter`.
        if lint.rules.is_empty()
            && lint.disable.is_empty()
            && lint.third_parties.is_empty()
            && lint.own_names.is_empty()
        {
            return;
        }
        if let Err(e) = super::linter_for(&lint) {
            let rule_index = |id: &str| lint.rules.iter().rposition(|r| r.id == id);
            let key_path = match &e {
                LintConfigError::UnknownRule(id) => lint
                    .disable
                    .iter()
                    .position(|d| d == id)
                    .map(|i| format!("lint.disable[{i}]")),
                LintConfigError::BadThirdParty(name) => lint
                    .third_parties
                    .iter()
                    .position(|n| n == name)
                    .map(|i| format!("lint.third_parties[{i}]"))
                    .or_else(|| {
                        lint.own_names
                            .iter()
                            .position(|n| n == name)
                            .map(|i| format!("lint.own_names[{i}]"))
                    }),
                LintConfigError::BadRegex { rule, .. }
                | LintConfigError::UnknownDefinition { rule, .. }
                | LintConfigError::NoPatterns(rule)
                | LintConfigError::DuplicateRule(rule) => {
                    rule_index(rule).map(|i| format!("lint.rules[{i}]"))
                }
                _ => None,
            }
            .unwrap_or_else(|| "lint".to_string());
            self.error(self.span_of(&key_path), &key_path, e.to_string());
        }
    }

    fn sync(&mut self, value: &Value<'_>) {
        for (key, value, key_path) in self.entries("sync", value) {
            let field: &str = key.get_ref();
            if !SYNC_KEYS.contains(&field) {
                self.unknown(&key_path, key, &candidates(SYNC_KEYS));
                continue;
            }
            if field == "access_token" {
                self.record(&key_path, value.span());
                self.secret(&key_path, value);
                if let Some(s) = value.get_ref().as_str() {
                    self.view.sync.access_token = Some(s.to_string());
                }
                continue;
            }
            let Some(s) = self.string(&key_path, value) else {
                continue;
            };
            match field {
                "homeserver" => match parse_homeserver(s) {
                    Ok(_) => self.view.sync.homeserver = Some(s.to_string()),
                    Err(message) => self.error(value.span(), &key_path, message),
                },
                _ => match matrix_user_id(s) {
                    Ok(id) => self.view.sync.user = Some(id),
                    Err(message) => self.error(value.span(), &key_path, message),
                },
            }
        }
        if self.view.sync.access_token.is_some() && self.view.sync.homeserver.is_none() {
            self.error(
                value.span(),
                "sync",
                "access_token needs homeserver (the URL of the homeserver that issued it)",
            );
        }
    }

    /// A secret-bearing value: a reference that resolves, or an inline secret (warned).
    fn secret(&mut self, key_path: &str, value: &Value<'_>) {
        let Some(raw) = value.get_ref().as_str() else {
            self.type_error(
                key_path,
                value,
                "a string (env:NAME, file:/path or the secret)",
            );
            return;
        };
        let secret = SecretRef::parse(raw);
        if let Err(e) = secret.validate() {
            self.error(value.span(), key_path, e.to_string());
            return;
        }
        match &secret {
            SecretRef::Inline(_) => {
                if !raw.is_empty() {
                    self.inline_secrets = true;
                    let msg = format!("inline secret in {key_path}: use env:NAME or file:/path");
                    self.warning(value.span(), key_path, msg);
                }
            }
            SecretRef::File(p) if p.is_relative() => {
                let msg = "relative secret file path: it is resolved from the working \
                           directory, not from the configuration file; use an absolute path";
                self.warning(value.span(), key_path, msg);
            }
            _ => {
                if let Err(e) = secret.resolve() {
                    self.warning(value.span(), key_path, e.to_string());
                }
            }
        }
    }

    fn record_tree(&mut self, key_path: &str, value: &Value<'_>) {
        self.record(key_path, value.span());
        match value.get_ref() {
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    self.record_tree(&join(key_path, k.get_ref()), v);
                }
            }
            DeValue::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    self.record_tree(&format!("{key_path}[{i}]"), v);
                }
            }
            _ => {}
        }
    }

    /// Checks across keys, on the values that could be read.
    fn semantics(&mut self) {
        let c = self.view.cadence;
        let s = self.view.shifts;
        let positive = [
            ("cadence.sitrep_investigating", c.sitrep_investigating),
            ("cadence.sitrep_confirmed", c.sitrep_confirmed),
            ("cadence.sitrep_major", c.sitrep_major),
            ("cadence.status", c.status),
            ("cadence.impact_review", c.impact_review),
            ("shifts.length", s.length),
            ("shifts.warn_at", s.warn_at),
            ("shifts.break_after", s.break_after),
        ];
        for (key, d) in positive {
            if d <= SignedDuration::ZERO {
                self.error(self.span_of(key), key, "must be longer than zero");
            }
        }
        let short = |d: SignedDuration| duration::config_form(d);
        if s.warn_at >= s.length && s.length > SignedDuration::ZERO {
            let blame = self.blame("shifts.warn_at", "shifts.length");
            let msg = format!(
                "warn_at ({}) must be shorter than length ({})",
                short(s.warn_at),
                short(s.length)
            );
            self.error(self.span_of(blame), blame, msg);
        }
        if s.break_after >= s.length && s.length > SignedDuration::ZERO {
            let blame = self.blame("shifts.break_after", "shifts.length");
            let msg = format!(
                "break_after ({}) is not shorter than length ({}): no break will be suggested",
                short(s.break_after),
                short(s.length)
            );
            self.warning(self.span_of(blame), blame, msg);
        }
    }

    /// `first` if it is written in the file, else `second`.
    fn blame(&self, first: &'static str, second: &'static str) -> &'static str {
        if self.spans.contains_key(first) || !self.spans.contains_key(second) {
            first
        } else {
            second
        }
    }

    /// A file holding inline secrets must not be readable by group or others.
    fn permissions(&mut self) {
        #[cfg(unix)]
        if self.inline_secrets {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(self.path) {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    let p = self.path.display();
                    let msg = format!(
                        "{p} holds inline secrets and is readable by group or others \
                         (mode {mode:03o}): run `chmod 600 {p}`"
                    );
                    self.warning(0..0, "", msg);
                }
            }
        }
    }
}

/// Parses a homeserver URL (`https://matrix.example.org`, a trailing slash or not).
pub fn parse_homeserver(url: &str) -> Result<reqwest::Url, String> {
    super::health::http_url(url, &format!("homeserver {url:?}"))
}

/// A Matrix user id as written in `[[people]] matrix` or `[sync] user`: `@local:server`.
pub fn matrix_user_id(s: &str) -> Result<String, String> {
    let t = s.trim();
    let ok = t.len() <= 255
        && t.starts_with('@')
        && t.split_once(':')
            .is_some_and(|(local, server)| local.len() > 1 && !server.is_empty())
        && !t.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{s:?} is not a Matrix user id: write it as \"@name:example.org\""
        ))
    }
}

fn duration_field<'c>(config: &'c mut Config, key_path: &str) -> Option<&'c mut SignedDuration> {
    let c = &mut config.cadence;
    let s = &mut config.shifts;
    Some(match key_path {
        "cadence.sitrep_investigating" => &mut c.sitrep_investigating,
        "cadence.sitrep_confirmed" => &mut c.sitrep_confirmed,
        "cadence.sitrep_major" => &mut c.sitrep_major,
        "cadence.status" => &mut c.status,
        "cadence.impact_review" => &mut c.impact_review,
        "shifts.length" => &mut s.length,
        "shifts.warn_at" => &mut s.warn_at,
        "shifts.break_after" => &mut s.break_after,
        "shifts.min_rest" => &mut s.min_rest,
        _ => return None,
    })
}

/// `parent.key`, quoting `key` unless it is a bare TOML key.
fn join(parent: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// (word to compare, suggestion) pairs for the keys of one table.
fn candidates(known: &[&'static str]) -> Vec<(&'static str, String)> {
    known.iter().map(|k| (*k, k.to_string())).collect()
}

/// Top-level keys, then nested scalar keys as dotted keys (`status` at the top level is
/// probably `cadence.status`).
fn root_candidates() -> Vec<(&'static str, String)> {
    let mut out = candidates(ROOT_KEYS);
    for (table, keys) in [
        ("cadence", CADENCE_KEYS),
        ("shifts", SHIFTS_KEYS),
        ("roster", ROSTER_KEYS),
    ] {
        out.extend(keys.iter().map(|k| (*k, format!("{table}.{k}"))));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The schema here and the serde structs must describe the same keys.
    #[test]
    fn schema_matches_the_serde_structs() {
        let mut config = Config::default();
        config.people.push(KnownPerson {
            name: "Ana".into(),
            handle: Some("@ana".into()),
            team: Some("db".into()),
            contact: Some("ana@example.com".into()),
            matrix: Some("@ana:example.org".into()),
        });
        config.sync = crate::config::SyncConfig {
            homeserver: Some("https://matrix.example.org".into()),
            user: Some("@ana:example.org".into()),
            access_token: Some("env:CP_TEST_MATRIX_TOKEN".into()),
        };
        config.metrics = crate::config::health::MetricsConfig {
            prometheus: Some("http://127.0.0.1:9090".into()),
            bearer_token: Some("env:CP_TEST_PROM_TOKEN".into()),
            series: vec![crate::config::health::SeriesConfig {
                name: "API 5xx".into(),
                query: "up".into(),
                format: crate::domain::health::Format::Percent,
                unit: Some("of requests".into()),
                warn: Some(0.01),
                critical: Some(0.05),
                worse: Some(crate::domain::health::Worse::Higher),
            }],
            ..Default::default()
        };
        config.alerts = crate::config::health::AlertsConfig {
            alertmanager: Some("http://127.0.0.1:9093".into()),
            bearer_token: Some("env:CP_TEST_AM_TOKEN".into()),
            matchers: vec!["service=\"api\"".into()],
            ..Default::default()
        };
        config.keys.insert(
            "quit".into(),
            KeySpec::Many(vec!["q".into(), "ctrl-c".into()]),
        );
        let text = toml::to_string(&config).unwrap_or_default();
        let doc: toml::Table = toml::from_str(&text).unwrap_or_default();
        let keys = |t: &toml::Value| -> Vec<String> {
            t.as_table()
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default()
        };
        let root: Vec<String> = doc.keys().cloned().collect();
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let owned = |ks: &[&str]| sorted(ks.iter().map(|k| k.to_string()).collect());
        assert_eq!(sorted(root), owned(ROOT_KEYS));
        assert_eq!(sorted(keys(&doc["cadence"])), owned(CADENCE_KEYS));
        assert_eq!(sorted(keys(&doc["shifts"])), owned(SHIFTS_KEYS));
        assert_eq!(sorted(keys(&doc["roster"])), owned(ROSTER_KEYS));
        assert_eq!(sorted(keys(&doc["people"][0])), owned(PERSON_KEYS));
        assert_eq!(sorted(keys(&doc["templates"])), owned(TEMPLATES_KEYS));
        assert_eq!(sorted(keys(&doc["lint"])), owned(LINT_KEYS));
        assert_eq!(sorted(keys(&doc["sync"])), owned(SYNC_KEYS));
        assert_eq!(sorted(keys(&doc["metrics"])), owned(METRICS_KEYS));
        assert_eq!(
            sorted(keys(&doc["metrics"]["series"][0])),
            owned(SERIES_KEYS)
        );
        assert_eq!(sorted(keys(&doc["alerts"])), owned(ALERTS_KEYS));

        let (checked, diagnostics) = check(&text, Path::new("s.toml"));
        // The token's variable is not set here: only that is reported.
        let diagnostics: Vec<_> = diagnostics
            .into_iter()
            .filter(|d| !d.message.contains("CP_TEST_"))
            .collect();
        assert_eq!(diagnostics, vec![]);
        assert_eq!(checked, Some(config));
    }

    #[test]
    fn the_view_agrees_with_serde() {
        let text = "[cadence]\nstatus = \"15m\"\n[shifts]\nlength = \"10h\"\n\
                    [roster]\nspan_of_control = 5\n[[people]]\nname = \" Ana \"\n";
        let mut c = Checker::new(text, Path::new("v.toml"));
        let (doc, errors) = DeTable::parse_recoverable(text);
        assert!(errors.is_empty());
        c.root(doc.get_ref());
        let serde: Option<Config> = toml::from_str(text).ok();
        let mut view = c.view.clone();
        // The view holds the cleaned name; serde the raw one.
        view.people[0].name = " Ana ".into();
        assert_eq!(Some(view), serde);
    }

    #[test]
    fn keys_are_quoted_when_not_bare() {
        assert_eq!(join("", "cadence"), "cadence");
        assert_eq!(join("keys", "a.b"), "keys.\"a.b\"");
        assert_eq!(join("people[0]", "näme"), "people[0].\"näme\"");
    }

    #[test]
    fn closest_prefers_near_keys_and_refuses_far_ones() {
        let c = candidates(CADENCE_KEYS);
        assert_eq!(closest("sitrep_majr", &c).as_deref(), Some("sitrep_major"));
        assert_eq!(closest("STATUS", &c).as_deref(), Some("status"));
        assert_eq!(closest("colour", &c), None);
    }
}
