//! Problems in a TOML file (the configuration, a drill scenario) with file:line:column, the
//! dotted key and a suggestion; and [`Diagnostics`], the collector both checkers share.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

/// A byte range of the checked text.
pub(crate) type Span = Range<usize>;
/// A key of a parsed TOML document, with its span.
pub(crate) type Key<'i> = Spanned<DeString<'i>>;
/// A value of a parsed TOML document, with its span.
pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// How similar (Jaro-Winkler, case-insensitive) a misspelt word must be to a valid one for
/// it to be suggested.
pub(crate) const SUGGEST_AT: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    /// Not a problem: what a value was understood as (`config check` prints it on stdout).
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// One problem in a configuration file.
///
/// Displays as `file:line:col: error: key: message (did you mean `x`?)`; the `key: ` part
/// is left out for problems that belong to no key (syntax errors, file permissions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub col: usize,
    /// Dotted key path, e.g. `cadence.status` or `people[2].name`; empty if none.
    pub key: String,
    pub message: String,
    /// The closest valid key, for a misspelt one.
    pub suggestion: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn is_note(&self) -> bool {
        self.severity == Severity::Note
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: ",
            self.path.display(),
            self.line,
            self.col,
            self.severity
        )?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The suggestion of `candidates` (compared text, suggestion) whose compared text is the
/// most similar to `word` (Jaro-Winkler, case-insensitive), if at least `threshold`.
pub(crate) fn closest_above<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = (&'c str, &'c str)>,
    threshold: f64,
) -> Option<String> {
    let word = word.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for (compare, suggestion) in candidates {
        let score = strsim::jaro_winkler(&word, &compare.to_lowercase());
        if score >= threshold && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, suggestion));
        }
    }
    best.map(|(_, s)| s.to_string())
}

/// The closest of `candidates` (compared text, suggestion) to `word`, if close enough
/// ([`SUGGEST_AT`]).
pub(crate) fn closest(word: &str, candidates: &[(&str, String)]) -> Option<String> {
    closest_above(
        word,
        candidates.iter().map(|(c, s)| (*c, s.as_str())),
        SUGGEST_AT,
    )
}

/// Collects the diagnostics of one TOML text, each at file:line:col with its dotted key:
/// syntax errors (at most one per line), unknown keys with the closest valid one, type
/// errors saying what was expected and found. The configuration and scenario checkers
/// build on it (they deref to it).
pub(crate) struct Diagnostics<'a> {
    pub(crate) text: &'a str,
    pub(crate) path: &'a Path,
    list: Vec<Diagnostic>,
}

/// `Deref`/`DerefMut` to [`Diagnostics`] for a checker that keeps them in its field `d`,
/// so its own methods call `self.error(...)`, `self.table(...)` directly.
macro_rules! deref_to_diagnostics {
    ($checker:ident) => {
        impl<'a> std::ops::Deref for $checker<'a> {
            type Target = $crate::config::diagnostic::Diagnostics<'a>;
            fn deref(&self) -> &Self::Target {
                &self.d
            }
        }

        impl std::ops::DerefMut for $checker<'_> {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.d
            }
        }
    };
}
pub(crate) use deref_to_diagnostics;

impl<'a> Diagnostics<'a> {
    pub(crate) fn new(text: &'a str, path: &'a Path) -> Self {
        Diagnostics {
            text,
            path,
            list: Vec::new(),
        }
    }

    pub(crate) fn push(
        &mut self,
        severity: Severity,
        span: Span,
        key: impl Into<String>,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) {
        let (line, col) = line_col(self.text, span.start);
        self.list.push(Diagnostic {
            severity,
            path: self.path.to_path_buf(),
            line,
            col,
            key: key.into(),
            message: message.into(),
            suggestion,
        });
    }

    pub(crate) fn error(&mut self, span: Span, key: &str, message: impl Into<String>) {
        self.push(Severity::Error, span, key, message, None);
    }

    pub(crate) fn warning(&mut self, span: Span, key: &str, message: impl Into<String>) {
        self.push(Severity::Warning, span, key, message, None);
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    /// Every diagnostic, by position.
    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| (d.line, d.col));
        self.list
    }

    /// Syntax errors, at most one per line: the parser's recovery tends to cascade.
    pub(crate) fn syntax(&mut self, errors: &[toml::de::Error]) {
        let mut errors: Vec<_> = errors
            .iter()
            .map(|e| (e.span().unwrap_or(0..0), e.message().to_string()))
            .collect();
        errors.sort_by_key(|(span, _)| span.start);
        let mut last_line = 0;
        for (span, message) in errors {
            let (line, _) = line_col(self.text, span.start);
            if line != last_line {
                last_line = line;
                self.error(span, "", message);
            }
        }
    }

    /// An unknown key: the closest of `candidates` (compared text, suggestion) if there is
    /// one, else the list of valid keys (the undotted suggestions).
    pub(crate) fn unknown(&mut self, key_path: &str, key: &Key<'_>, candidates: &[(&str, String)]) {
        let suggestion = closest(key.get_ref(), candidates);
        let message = if suggestion.is_some() {
            "unknown key".to_string()
        } else {
            let valid: Vec<&str> = candidates
                .iter()
                .filter(|(_, s)| !s.contains('.'))
                .map(|(_, s)| s.as_str())
                .collect();
            format!("unknown key (valid keys: {})", valid.join(", "))
        };
        self.push(Severity::Error, key.span(), key_path, message, suggestion);
    }

    pub(crate) fn type_error(&mut self, key_path: &str, value: &Value<'_>, expected: &str) {
        let found = value.get_ref().type_str();
        self.error(
            value.span(),
            key_path,
            format!("expected {expected}, found {found}"),
        );
    }

    /// A finite number (an integer or a float), else an error at its place.
    pub(crate) fn number(&mut self, key_path: &str, value: &Value<'_>) -> Option<f64> {
        use serde::Deserialize;
        let v = value.get_ref();
        if !(v.is_integer() || v.is_float()) {
            self.type_error(key_path, value, "a number such as 0.05");
            return None;
        }
        match f64::deserialize(toml::de::ValueDeserializer::from(value.clone())) {
            Ok(n) if n.is_finite() => Some(n),
            Ok(_) => {
                self.error(value.span(), key_path, "must be a finite number");
                None
            }
            Err(e) => {
                self.error(value.span(), key_path, e.message());
                None
            }
        }
    }

    pub(crate) fn table<'v, 'i>(
        &mut self,
        key_path: &str,
        value: &'v Value<'i>,
    ) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => {
                self.type_error(key_path, value, "a table");
                None
            }
        }
    }

    /// The tables of the array of tables `path` (`[[people]]`; else a type error), each with
    /// its index, its path (`people[3]`) and its value; an entry that is not a table is
    /// reported and left out. `seen` is told every entry's path and span, tables or not.
    pub(crate) fn tables<'v, 'i>(
        &mut self,
        path: &str,
        value: &'v Value<'i>,
        mut seen: impl FnMut(&str, Span),
    ) -> Vec<(usize, String, &'v Value<'i>, &'v DeTable<'i>)> {
        let expected = format!("an array of tables ([[{path}]])");
        let Some(items) = self.array(path, value, &expected) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let item_path = format!("{path}[{i}]");
                seen(&item_path, item.span());
                let t = self.table(&item_path, item)?;
                Some((i, item_path, item, t))
            })
            .collect()
    }

    /// An array; else a type error saying `expected`.
    pub(crate) fn array<'v, 'i>(
        &mut self,
        key_path: &str,
        value: &'v Value<'i>,
        expected: &str,
    ) -> Option<&'v [Value<'i>]> {
        match value.get_ref() {
            DeValue::Array(a) => Some(a),
            _ => {
                self.type_error(key_path, value, expected);
                None
            }
        }
    }

    pub(crate) fn str<'v>(&mut self, key_path: &str, value: &'v Value<'_>) -> Option<&'v str> {
        let s = value.get_ref().as_str();
        if s.is_none() {
            self.type_error(key_path, value, "a string");
        }
        s
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn displays_with_and_without_key_and_suggestion() {
        let mut d = Diagnostic {
            severity: Severity::Error,
            path: PathBuf::from("c.toml"),
            line: 3,
            col: 1,
            key: "cadence.sitrep_confirmd".into(),
            message: "unknown key".into(),
            suggestion: Some("sitrep_confirmed".into()),
        };
        assert_eq!(
            d.to_string(),
            "c.toml:3:1: error: cadence.sitrep_confirmd: unknown key (did you mean `sitrep_confirmed`?)"
        );
        d.key.clear();
        d.suggestion = None;
        d.severity = Severity::Warning;
        assert_eq!(d.to_string(), "c.toml:3:1: warning: unknown key");
    }

    #[test]
    fn line_col_counts_characters() {
        let t = "a = 1\nné = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, t.find('=').map_or(0, |i| i)), (1, 3));
        assert_eq!(line_col(t, 10), (2, 4));
        assert_eq!(line_col(t, 999), (3, 1));
    }
}
