//! The status-update linter (doctrine section 6).
//!
//! A public status update SHOULD NOT give an explicit ETA for the fix, presume the root cause, or
//! shift blame, and it should tell customers how to work around the problem. The three built-in
//! rules (`eta`, `root-cause`, `blame`) are detectors in code (`lint/detect.rs`) checked against
//! real public status-page updates (`tests/data/status-updates/corpus.toml`); their ids, reasons,
//! suggested rewrites and explanations are in `assets/lint/rules.toml` (embedded at build time),
//! the third parties known by name in `assets/lint/third-parties.txt`. Rules added in config are
//! regexes, as before; the structural `missing-workaround` rule checks status updates.
//!
//! Pure: no IO, no clock. Warnings never block; the caller decides what to do with them.
//!
//! Cost: building a `Linter` parses two small embedded files (once per process) and compiles only
//! rules from config. The built-in detectors are compiled on the first lint (or
//! [`Linter::warm_up`]), once per process, and shared by every `Linter`; [`Linter::shared`] is a
//! ready-made linter with the built-in rules.
//!
//! Custom rule semantics, in short:
//! - every pattern is case-insensitive; `{{name}}` expands a named fragment from `[definitions]`;
//!   `\b` is an ASCII word boundary (keeps the fast regex engines usable on non-ASCII text);
//! - a pattern hit is dropped when an exception of the same rule matches a span overlapping it;
//! - overlapping hits of one rule are merged into one warning;
//! - `applies_to = "text"` rules run on any text, `"status"` rules on status updates only.

mod detect;
mod text;

pub mod corpus;

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::{Arc, LazyLock, OnceLock};

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use detect::{Engine, Hit, Kind};
use text::Prepared;

use crate::domain::named::named_enum;

/// The embedded built-in rules.
const BUILTIN_RULES: &str = include_str!("../../assets/lint/rules.toml");

/// The embedded list of third parties known by name.
const THIRD_PARTIES: &str = include_str!("../../assets/lint/third-parties.txt");

/// Ids of the built-in rules.
pub const ETA: &str = "eta";
pub const ROOT_CAUSE: &str = "root-cause";
pub const BLAME: &str = "blame";

/// Id of the structural rule warning on an empty workaround while the stage is not resolved.
pub const MISSING_WORKAROUND: &str = "missing-workaround";

/// How deep `{{name}}` definitions may nest (guards against cycles).
const MAX_EXPANSION_DEPTH: usize = 8;

/// Stage of a public status update (Statuspage-style).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

named_enum!(Stage, parse: ParseStageError {
    Investigating => "investigating",
    Identified => "identified",
    Monitoring => "monitoring",
    Resolved => "resolved",
});

/// A stage name that is none of `investigating`, `identified`, `monitoring`, `resolved`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stage `{0}` (expected investigating, identified, monitoring or resolved)")]
pub struct ParseStageError(pub String);

/// Where a rule applies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum AppliesTo {
    /// Any text (status updates, sitreps, `lint` on the command line).
    #[default]
    Text,
    /// Public status updates only.
    Status,
}

/// A rule as written in `assets/lint/rules.toml` or in config.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    /// One line, shown to the user.
    pub reason: String,
    /// Case-insensitive regexes; a match is a warning.
    pub patterns: Vec<String>,
    /// Case-insensitive regexes; a pattern match overlapping an exception match is dropped.
    #[serde(default)]
    pub exceptions: Vec<String>,
    #[serde(default)]
    pub applies_to: AppliesTo,
    /// A rewrite to suggest with each warning (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// Which text a warning's span points into.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The text given to [`Linter::lint_text`].
    Text,
    /// The status update's message.
    Message,
    /// The status update's workaround.
    Workaround,
    /// Not about a span of text (e.g. a missing workaround); the span is empty.
    Structural,
}

/// One finding.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Rule id, e.g. `eta`.
    pub rule: String,
    /// One-line reason, shown to the user.
    pub reason: String,
    /// Byte range into the text of `field`; always on char boundaries. Empty for structural rules.
    pub span: Range<usize>,
    /// The text of the span.
    pub excerpt: String,
    pub field: Field,
    /// A rewrite that follows the doctrine, e.g. `Next update by 16:00 UTC.` for an ETA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// Invalid rules (built-in or from config).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LintConfigError {
    #[error("the built-in lint rules do not parse: {0}")]
    Builtin(String),
    #[error("lint rule `{rule}`: invalid regex `{pattern}`: {message}")]
    BadRegex {
        rule: String,
        pattern: String,
        message: String,
    },
    #[error("lint rule `{rule}`: unknown definition `{{{{{name}}}}}`")]
    UnknownDefinition { rule: String, name: String },
    #[error("lint rule `{0}` has no patterns")]
    NoPatterns(String),
    #[error("a lint rule has an empty id")]
    EmptyId,
    #[error("lint rule id `{0}` is defined twice")]
    DuplicateRule(String),
    #[error("cannot disable unknown lint rule `{0}`")]
    UnknownRule(String),
    #[error("lint: third party name `{0}` is empty or not plain text")]
    BadThirdParty(String),
}

/// The rules file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    definitions: BTreeMap<String, String>,
    #[serde(default)]
    builtin: Vec<BuiltinSpec>,
    #[serde(default)]
    structural: Vec<StructuralSpec>,
}

/// A built-in rule as described in `assets/lint/rules.toml`.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
struct BuiltinSpec {
    id: String,
    reason: String,
    suggestion: String,
    explain: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StructuralSpec {
    id: String,
    reason: String,
}

#[derive(Debug, Clone)]
struct CompiledRule {
    id: String,
    reason: String,
    patterns: Vec<Regex>,
    exceptions: Vec<Regex>,
    applies_to: AppliesTo,
    suggestion: Option<String>,
}

/// The parsed rules file and the third-party list, parsed once per process.
struct Builtins {
    file: RulesFile,
    third_parties: Vec<String>,
}

static BUILTINS: LazyLock<Result<Builtins, LintConfigError>> = LazyLock::new(|| {
    let file: RulesFile =
        toml::from_str(BUILTIN_RULES).map_err(|e| LintConfigError::Builtin(e.to_string()))?;
    for id in [ETA, ROOT_CAUSE, BLAME] {
        if !file.builtin.iter().any(|b| b.id == id) {
            return Err(LintConfigError::Builtin(format!("no built-in rule `{id}`")));
        }
    }
    Ok(Builtins {
        file,
        third_parties: parse_name_list(THIRD_PARTIES),
    })
});

/// The detectors, compiled on first use (not when a `Linter` is built) and then kept.
#[derive(Debug)]
struct LazyEngine {
    names: Vec<String>,
    cell: OnceLock<Option<Engine>>,
}

impl LazyEngine {
    fn new(names: Vec<String>) -> LazyEngine {
        LazyEngine {
            names,
            cell: OnceLock::new(),
        }
    }

    /// The compiled detectors; `None` only if the built-in patterns do not compile (a bug that
    /// the unit tests catch): then the built-in rules stay silent.
    fn get(&self) -> Option<&Engine> {
        self.cell
            .get_or_init(|| Engine::new(&self.names).ok())
            .as_ref()
    }
}

/// The detectors for the built-in third-party list, shared by every `Linter` of the process.
static ENGINE: LazyLock<Arc<LazyEngine>> = LazyLock::new(|| {
    let names = BUILTINS
        .as_ref()
        .map(|b| b.third_parties.clone())
        .unwrap_or_default();
    Arc::new(LazyEngine::new(names))
});

static SHARED: LazyLock<Result<Linter, LintConfigError>> = LazyLock::new(Linter::builtin);

/// Names from a list file: one a line, `#` starts a comment, lower case.
fn parse_name_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// What to build a [`Linter`] from, beyond the built-in rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct LintOptions<'a> {
    /// Extra rules (`[[lint.rules]]`).
    pub extra: &'a [RuleSpec],
    /// Rule ids to disable (`[lint] disable`).
    pub disabled: &'a [String],
    /// More third parties the `blame` rule knows by name (`[lint] third_parties`).
    pub third_parties: &'a [String],
    /// The writer's own names (`[lint] own_names`): never taken for a third party.
    pub own_names: &'a [String],
}

/// One enabled built-in rule.
#[derive(Debug, Clone)]
struct BuiltinRule {
    kind: Kind,
    id: &'static str,
    reason: String,
    suggestion: String,
}

/// Compiled lint rules. Cheap to clone (the built-in detectors are shared).
#[derive(Debug, Clone)]
pub struct Linter {
    builtins: Vec<BuiltinRule>,
    engine: Arc<LazyEngine>,
    own_names: Vec<String>,
    rules: Vec<CompiledRule>,
    /// Reason of the enabled `missing-workaround` rule.
    missing_workaround: Option<String>,
    /// Enabled rule ids, in file order then config order.
    ids: Vec<String>,
}

/// What a built-in rule looks for, for `lint --explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub id: String,
    pub reason: String,
    /// Several lines.
    pub text: String,
    /// The suggestion template (`{time}`, `{party}` are filled in per warning).
    pub suggestion: String,
}

impl Linter {
    /// The built-in rules, all enabled.
    pub fn builtin() -> Result<Linter, LintConfigError> {
        Linter::with_options(&LintOptions::default())
    }

    /// A linter with the built-in rules, built once per process and shared: the cheap handle
    /// for callers that do not apply `[lint]` config.
    pub fn shared() -> Result<&'static Linter, LintConfigError> {
        SHARED.as_ref().map_err(Clone::clone)
    }

    /// The built-in rules plus `extra`, minus the rules whose id is in `disabled`.
    ///
    /// Errors name the culprit: an unknown id in `disabled`, a bad regex (with its rule id), an
    /// id defined twice, a rule with no patterns.
    pub fn with_overrides(
        extra: &[RuleSpec],
        disabled: &[String],
    ) -> Result<Linter, LintConfigError> {
        Linter::with_options(&LintOptions {
            extra,
            disabled,
            ..LintOptions::default()
        })
    }

    /// The built-in rules with `[lint]` config applied (see [`LintOptions`]).
    pub fn with_options(options: &LintOptions<'_>) -> Result<Linter, LintConfigError> {
        let builtins = BUILTINS.as_ref().map_err(Clone::clone)?;
        let file = &builtins.file;
        let LintOptions {
            extra,
            disabled,
            third_parties,
            own_names,
        } = *options;

        let mut all_ids: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let ids_in_order = file
            .builtin
            .iter()
            .map(|r| r.id.as_str())
            .chain(file.structural.iter().map(|s| s.id.as_str()))
            .chain(extra.iter().map(|r| r.id.as_str()));
        for id in ids_in_order {
            if id.trim().is_empty() {
                return Err(LintConfigError::EmptyId);
            }
            if !seen.insert(id) {
                return Err(LintConfigError::DuplicateRule(id.to_string()));
            }
            all_ids.push(id);
        }
        for s in &file.structural {
            if s.id != MISSING_WORKAROUND {
                return Err(LintConfigError::Builtin(format!(
                    "unknown structural rule `{}`",
                    s.id
                )));
            }
        }
        if let Some(unknown) = disabled.iter().find(|d| !seen.contains(d.as_str())) {
            return Err(LintConfigError::UnknownRule(unknown.clone()));
        }
        let is_enabled = |id: &str| !disabled.iter().any(|d| d == id);

        let mut enabled_builtins = Vec::new();
        for b in &file.builtin {
            let (kind, id) = match b.id.as_str() {
                ETA => (Kind::Eta, ETA),
                ROOT_CAUSE => (Kind::Cause, ROOT_CAUSE),
                BLAME => (Kind::Blame, BLAME),
                other => {
                    return Err(LintConfigError::Builtin(format!(
                        "unknown built-in rule `{other}`"
                    )));
                }
            };
            if is_enabled(id) {
                enabled_builtins.push(BuiltinRule {
                    kind,
                    id,
                    reason: b.reason.clone(),
                    suggestion: b.suggestion.clone(),
                });
            }
        }
        for name in third_parties.iter().chain(own_names) {
            let plain = name.trim();
            if plain.is_empty() || plain.chars().any(char::is_control) {
                return Err(LintConfigError::BadThirdParty(name.clone()));
            }
        }
        let engine = if third_parties.is_empty() {
            ENGINE.clone()
        } else {
            let mut names = builtins.third_parties.clone();
            names.extend(third_parties.iter().map(|n| n.trim().to_lowercase()));
            Arc::new(LazyEngine::new(names))
        };

        // Every rule from config is compiled, enabled or not, so a bad config is reported either
        // way.
        let mut rules = Vec::new();
        for spec in extra {
            let compiled = compile_rule(spec, &file.definitions)?;
            if is_enabled(&spec.id) {
                rules.push(compiled);
            }
        }
        let missing_workaround = file
            .structural
            .iter()
            .find(|s| s.id == MISSING_WORKAROUND && is_enabled(&s.id))
            .map(|s| s.reason.clone());
        let ids = all_ids
            .into_iter()
            .filter(|id| is_enabled(id))
            .map(str::to_string)
            .collect();
        Ok(Linter {
            builtins: enabled_builtins,
            engine,
            own_names: own_names.iter().map(|n| n.trim().to_lowercase()).collect(),
            rules,
            missing_workaround,
            ids,
        })
    }

    /// The same rules, with these names taken for the writer's own (never a third party).
    pub fn with_own_names(&self, names: &[String]) -> Linter {
        let mut linter = self.clone();
        linter.own_names = names.iter().map(|n| n.trim().to_lowercase()).collect();
        linter
    }

    /// What a built-in rule looks for (`lint --explain`); `None` for other ids.
    pub fn explain(id: &str) -> Option<Explanation> {
        let builtins = BUILTINS.as_ref().ok()?;
        let b = builtins.file.builtin.iter().find(|b| b.id == id)?;
        Some(Explanation {
            id: b.id.clone(),
            reason: b.reason.clone(),
            text: b.explain.trim().to_string(),
            suggestion: b.suggestion.clone(),
        })
    }

    /// Compiles the built-in detectors now if they are not yet (they are compiled on the first
    /// lint otherwise): for a caller that wants its first lint to be fast, e.g. from a
    /// background thread at start.
    pub fn warm_up(&self) {
        let _ = self.engine.get();
    }

    /// Ids of the built-in rules, in file order.
    pub fn builtin_ids() -> Vec<&'static str> {
        vec![ETA, ROOT_CAUSE, BLAME]
    }

    /// Lints any text with the `applies_to = "text"` rules (not the status-only ones).
    pub fn lint_text(&self, text: &str) -> Vec<Warning> {
        let mut out = Vec::new();
        self.scan_builtins(text, Field::Text, &mut out);
        for rule in self
            .rules
            .iter()
            .filter(|r| r.applies_to == AppliesTo::Text)
        {
            scan(rule, text, Field::Text, &mut out);
        }
        sort(&mut out);
        out
    }

    /// Lints a public status update: every rule on the message and on the workaround, plus the
    /// `missing-workaround` rule. Sorted by field (message, workaround, structural), then by span.
    pub fn lint_status(&self, stage: Stage, message: &str, workaround: &str) -> Vec<Warning> {
        let mut out = Vec::new();
        self.scan_builtins(message, Field::Message, &mut out);
        self.scan_builtins(workaround, Field::Workaround, &mut out);
        for rule in &self.rules {
            scan(rule, message, Field::Message, &mut out);
            scan(rule, workaround, Field::Workaround, &mut out);
        }
        if let Some(reason) = &self.missing_workaround
            && stage != Stage::Resolved
            && workaround.trim().is_empty()
        {
            out.push(Warning {
                rule: MISSING_WORKAROUND.to_string(),
                reason: reason.clone(),
                span: 0..0,
                excerpt: String::new(),
                field: Field::Structural,
                suggestion: None,
            });
        }
        sort(&mut out);
        out
    }

    /// Ids of the enabled rules: built-in ones in file order, then those from config.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.ids.iter().map(String::as_str).collect()
    }

    /// Runs the enabled built-in detectors over one text, appending their warnings.
    fn scan_builtins(&self, text: &str, field: Field, out: &mut Vec<Warning>) {
        if self.builtins.is_empty() || text.trim().is_empty() {
            return;
        }
        let Some(engine) = self.engine.get() else {
            return;
        };
        let prepared = Prepared::new(text);
        let hits = engine.detect(&prepared, &self.own_names);
        for rule in &self.builtins {
            let mut mine: Vec<&Hit> = hits.iter().filter(|h| h.kind == rule.kind).collect();
            mine.sort_by_key(|h| (h.span.start, h.span.end));
            let mut merged: Vec<(Range<usize>, Option<Range<usize>>)> = Vec::new();
            for hit in mine {
                match merged.last_mut() {
                    Some((last, _)) if hit.span.start < last.end => {
                        last.end = last.end.max(hit.span.end);
                    }
                    _ => merged.push((hit.span.clone(), hit.detail.clone())),
                }
            }
            for (span, detail) in merged {
                let span = trim_span(text, prepared.original(span));
                if span.is_empty() {
                    continue;
                }
                let detail = detail
                    .map(|d| prepared.original(d))
                    .and_then(|d| text.get(d))
                    .map(|d| d.trim().to_string());
                out.push(Warning {
                    rule: rule.id.to_string(),
                    reason: rule.reason.clone(),
                    excerpt: text.get(span.clone()).unwrap_or_default().to_string(),
                    span,
                    field,
                    suggestion: Some(suggest(rule, detail.as_deref())),
                });
            }
        }
    }
}

/// The suggested rewrite of a built-in rule's warning.
fn suggest(rule: &BuiltinRule, detail: Option<&str>) -> String {
    match rule.kind {
        Kind::Eta => {
            let time = detail.unwrap_or("");
            let is_clock = time.chars().any(|c| c.is_ascii_digit())
                && (time.contains(':')
                    || time.to_ascii_lowercase().contains("utc")
                    || time.to_ascii_lowercase().contains("am")
                    || time.to_ascii_lowercase().contains("pm")
                    || time.chars().filter(char::is_ascii_digit).count() >= 3);
            let is_duration = !is_clock
                && ["minute", "min", "hour", "hr", "day", "week", "the hour"]
                    .iter()
                    .any(|u| time.to_ascii_lowercase().contains(u))
                && !time.to_ascii_lowercase().contains("end of");
            if is_clock {
                rule.suggestion.replace("{time}", time)
            } else if is_duration {
                let d = time
                    .trim_start_matches(|c: char| c == '~' || c.is_whitespace())
                    .to_string();
                format!("Next update in {d}.")
            } else {
                rule.suggestion.replace("{time}", "15:30 UTC")
            }
        }
        Kind::Blame => {
            let party = detail
                .filter(|p| !p.is_empty())
                .unwrap_or("our provider")
                .trim_end_matches("'s")
                .trim_end_matches("’s");
            rule.suggestion.replace("{party}", party)
        }
        Kind::Cause => rule.suggestion.clone(),
    }
}

fn sort(warnings: &mut [Warning]) {
    warnings.sort_by(|a, b| {
        (a.field, a.span.start, a.span.end, &a.rule).cmp(&(
            b.field,
            b.span.start,
            b.span.end,
            &b.rule,
        ))
    });
}

/// Runs one rule over one text, appending its warnings.
fn scan(rule: &CompiledRule, text: &str, field: Field, out: &mut Vec<Warning>) {
    let mut hits: Vec<Range<usize>> = Vec::new();
    for re in &rule.patterns {
        for m in re.find_iter(text) {
            let span = trim_span(text, m.range());
            if !span.is_empty() {
                hits.push(span);
            }
        }
    }
    if hits.is_empty() {
        return;
    }
    if !rule.exceptions.is_empty() {
        let excepted: Vec<Range<usize>> = rule
            .exceptions
            .iter()
            .flat_map(|re| re.find_iter(text).map(|m| m.range()))
            .collect();
        hits.retain(|hit| !excepted.iter().any(|e| overlaps(hit, e)));
    }
    hits.sort_by_key(|h| (h.start, h.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(hits.len());
    for hit in hits {
        match merged.last_mut() {
            Some(last) if hit.start < last.end => last.end = last.end.max(hit.end),
            _ => merged.push(hit),
        }
    }
    out.extend(merged.into_iter().map(|span| Warning {
        rule: rule.id.clone(),
        reason: rule.reason.clone(),
        excerpt: text.get(span.clone()).unwrap_or_default().to_string(),
        span,
        field,
        suggestion: rule.suggestion.clone(),
    }));
}

/// Whether a hit overlaps an exception match (an empty exception match counts as a point).
fn overlaps(hit: &Range<usize>, exception: &Range<usize>) -> bool {
    let end = exception.end.max(exception.start + 1);
    exception.start < hit.end && hit.start < end
}

/// Shrinks a span to exclude leading and trailing whitespace (stays on char boundaries).
fn trim_span(text: &str, span: Range<usize>) -> Range<usize> {
    let Some(s) = text.get(span.clone()) else {
        return span.start..span.start;
    };
    let start = span.start + (s.len() - s.trim_start().len());
    let end = span.start + s.trim_end().len();
    if end <= start {
        start..start
    } else {
        start..end
    }
}

fn compile_rule(
    spec: &RuleSpec,
    definitions: &BTreeMap<String, String>,
) -> Result<CompiledRule, LintConfigError> {
    if spec.patterns.is_empty() {
        return Err(LintConfigError::NoPatterns(spec.id.clone()));
    }
    let compile_all = |sources: &[String]| -> Result<Vec<Regex>, LintConfigError> {
        sources
            .iter()
            .map(|p| compile_pattern(&spec.id, p, definitions))
            .collect()
    };
    Ok(CompiledRule {
        id: spec.id.clone(),
        reason: spec.reason.clone(),
        patterns: compile_all(&spec.patterns)?,
        exceptions: compile_all(&spec.exceptions)?,
        applies_to: spec.applies_to,
        suggestion: spec.suggestion.clone(),
    })
}

fn compile_pattern(
    rule: &str,
    pattern: &str,
    definitions: &BTreeMap<String, String>,
) -> Result<Regex, LintConfigError> {
    let expanded = expand(rule, pattern, definitions, 0)?;
    RegexBuilder::new(&ascii_word_boundaries(&expanded))
        .case_insensitive(true)
        .size_limit(32 * (1 << 20))
        .build()
        .map_err(|e| LintConfigError::BadRegex {
            rule: rule.to_string(),
            pattern: pattern.to_string(),
            message: e.to_string(),
        })
}

/// Replaces each `{{name}}` by `(?:definition)`, recursively. Escaped braces are left alone.
fn expand(
    rule: &str,
    pattern: &str,
    definitions: &BTreeMap<String, String>,
    depth: usize,
) -> Result<String, LintConfigError> {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let escaped_len = rest[1..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&rest[..1 + escaped_len]);
            rest = &rest[1 + escaped_len..];
        } else if let Some(after) = rest.strip_prefix("{{")
            && let Some(close) = after.find("}}")
        {
            let name = &after[..close];
            let unknown = || LintConfigError::UnknownDefinition {
                rule: rule.to_string(),
                name: name.to_string(),
            };
            let fragment = definitions.get(name).ok_or_else(unknown)?;
            if depth >= MAX_EXPANSION_DEPTH {
                return Err(unknown());
            }
            out.push_str("(?:");
            out.push_str(&expand(rule, fragment, definitions, depth + 1)?);
            out.push(')');
            rest = &after[close + 2..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

/// Turns `\b` and `\B` into their ASCII forms (`\b{start}` and the like are left alone).
///
/// With Unicode word boundaries the regex crate's DFAs give up on any non-ASCII byte (a curly
/// quote, an accent, an emoji) and fall back to a much slower engine.
fn ascii_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(b @ ('b' | 'B')) if chars.peek() != Some(&'{') => {
                out.push_str("(?-u:\\");
                out.push(b);
                out.push(')');
            }
            Some(next) => {
                out.push('\\');
                out.push(next);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn defs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn expands_nested_definitions() {
        let d = defs(&[("a", "x{{b}}"), ("b", "y|z")]);
        assert_eq!(expand("r", "^{{a}}$", &d, 0).unwrap(), "^(?:x(?:y|z))$");
        assert_eq!(expand("r", r"\{{a}}", &d, 0).unwrap(), r"\{{a}}");
    }

    #[test]
    fn unknown_and_cyclic_definitions_are_errors() {
        let d = defs(&[("loop", "{{loop}}")]);
        assert!(matches!(
            expand("r", "{{nope}}", &d, 0),
            Err(LintConfigError::UnknownDefinition { .. })
        ));
        assert!(expand("r", "{{loop}}", &d, 0).is_err());
    }

    #[test]
    fn word_boundaries_become_ascii() {
        assert_eq!(ascii_word_boundaries(r"\bx\B"), r"(?-u:\b)x(?-u:\B)");
        assert_eq!(ascii_word_boundaries(r"\\b\b{start}"), r"\\b\b{start}");
        // The result compiles as a Unicode-mode `Regex` and never splits a char.
        let re = Regex::new(&ascii_word_boundaries(r"\bfix\b")).unwrap();
        let text = "éfix fix🚀";
        for m in re.find_iter(text) {
            assert!(text.is_char_boundary(m.start()) && text.is_char_boundary(m.end()));
        }
    }

    #[test]
    fn overlapping_hits_of_one_rule_merge() {
        let linter = Linter::builtin().unwrap();
        let w = linter.lint_text("It should be resolved by 5pm, within the hour.");
        let eta: Vec<_> = w.iter().filter(|w| w.rule == "eta").collect();
        assert!(!eta.is_empty());
        for pair in eta.windows(2) {
            assert!(pair[0].span.end <= pair[1].span.start);
        }
    }

    #[test]
    fn trim_span_stays_on_boundaries() {
        let text = " é ";
        assert_eq!(trim_span(text, 0..text.len()), 1..3);
        assert_eq!(trim_span(text, 0..1), 1..1);
    }

    #[test]
    fn builtin_detectors_compile() {
        let builtins = BUILTINS.as_ref().unwrap();
        assert!(Engine::new(&builtins.third_parties).is_ok());
        assert!(ENGINE.get().is_some());
    }

    #[test]
    fn stage_round_trips() {
        for stage in Stage::ALL {
            assert_eq!(stage.to_string().parse::<Stage>().unwrap(), stage);
        }
        assert_eq!(" Monitoring ".parse::<Stage>().unwrap(), Stage::Monitoring);
        assert!("issue".parse::<Stage>().is_err());
    }
}
