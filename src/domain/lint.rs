//! The status-update linter (doctrine section 6).
//!
//! A public status update SHOULD NOT give an explicit ETA for the fix, presume the root cause, or
//! shift blame, and it should tell customers how to work around the problem. This module checks a
//! text against rules loaded from `assets/lint/rules.toml` (embedded at build time), plus the
//! structural `missing-workaround` rule for status updates.
//!
//! Pure: no IO, no clock. Warnings never block; the caller decides what to do with them.
//!
//! Rule semantics, in short (the rules file documents them in full):
//! - every pattern is case-insensitive; `{{name}}` expands a named fragment from `[definitions]`;
//!   `\b` is an ASCII word boundary (keeps the fast regex engines usable on non-ASCII text);
//! - a pattern hit is dropped when an exception of the same rule matches a span overlapping it;
//! - overlapping hits of one rule are merged into one warning;
//! - `applies_to = "text"` rules run on any text, `"status"` rules on status updates only.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

/// The embedded built-in rules.
const BUILTIN_RULES: &str = include_str!("../../assets/lint/rules.toml");

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

impl Stage {
    /// All stages, in order.
    pub const ALL: [Stage; 4] = [
        Stage::Investigating,
        Stage::Identified,
        Stage::Monitoring,
        Stage::Resolved,
    ];

    /// The lowercase name, as in config files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Investigating => "investigating",
            Stage::Identified => "identified",
            Stage::Monitoring => "monitoring",
            Stage::Resolved => "resolved",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage name that is none of `investigating`, `identified`, `monitoring`, `resolved`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stage `{0}` (expected investigating, identified, monitoring or resolved)")]
pub struct ParseStageError(pub String);

impl FromStr for Stage {
    type Err = ParseStageError;

    /// Case-insensitive, surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| ParseStageError(s.to_string()))
    }
}

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
}

/// The rules file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    definitions: BTreeMap<String, String>,
    #[serde(default)]
    rule: Vec<RuleSpec>,
    #[serde(default)]
    structural: Vec<StructuralSpec>,
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
}

/// Compiled lint rules.
#[derive(Debug, Clone)]
pub struct Linter {
    rules: Vec<CompiledRule>,
    /// Reason of the enabled `missing-workaround` rule.
    missing_workaround: Option<String>,
    /// Enabled rule ids, in file order then config order.
    ids: Vec<String>,
}

impl Linter {
    /// The built-in rules, all enabled.
    pub fn builtin() -> Result<Linter, LintConfigError> {
        Linter::with_overrides(&[], &[])
    }

    /// The built-in rules plus `extra`, minus the rules whose id is in `disabled`.
    ///
    /// Errors name the culprit: an unknown id in `disabled`, a bad regex (with its rule id), an
    /// id defined twice, a rule with no patterns.
    pub fn with_overrides(
        extra: &[RuleSpec],
        disabled: &[String],
    ) -> Result<Linter, LintConfigError> {
        let file: RulesFile =
            toml::from_str(BUILTIN_RULES).map_err(|e| LintConfigError::Builtin(e.to_string()))?;

        let mut all_ids: Vec<&str> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let ids_in_order = file
            .rule
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

        // Every rule is compiled, enabled or not, so a bad config is reported either way.
        let mut rules = Vec::new();
        for spec in file.rule.iter().chain(extra) {
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
            rules,
            missing_workaround,
            ids,
        })
    }

    /// Lints any text with the `applies_to = "text"` rules (not the status-only ones).
    pub fn lint_text(&self, text: &str) -> Vec<Warning> {
        let mut out = Vec::new();
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
            });
        }
        sort(&mut out);
        out
    }

    /// Ids of the enabled rules: built-in ones in file order, then those from config.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.ids.iter().map(String::as_str).collect()
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
    fn stage_round_trips() {
        for stage in Stage::ALL {
            assert_eq!(stage.to_string().parse::<Stage>().unwrap(), stage);
        }
        assert_eq!(" Monitoring ".parse::<Stage>().unwrap(), Stage::Monitoring);
        assert!("issue".parse::<Stage>().is_err());
    }
}
