//! Configuration problems with file:line:column, the dotted key and a suggestion.

use std::fmt;
use std::path::PathBuf;

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
