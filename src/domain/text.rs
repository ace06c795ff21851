//! Text hygiene for anything that came from outside and will be shown: the one sanitiser.
//!
//! [`is_unsafe`] says which characters can change what a terminal or a reader shows; every
//! output uses it: [`strip_control`] for the screen, plain CLI output, Markdown and files, and
//! JSON output escapes the same characters as `\uXXXX` (lossless; see `cli::out`).

use std::borrow::Cow;

/// A character that must never reach an output as is: C0 controls (ESC starts terminal
/// sequences), DEL, C1 controls (U+009B is a one-byte CSI that some terminals obey), and the
/// bidi formatting characters that reorder what is shown (U+202E makes "txt.exe" read
/// "exe.txt"), and the Unicode line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Removes every [`is_unsafe`] character except newline and tab; tabs become a single space,
/// the Unicode line and paragraph separators a newline. Used on every string before it reaches
/// the screen, a terminal or a file a person reads.
pub fn strip_control(s: &str) -> String {
    safe(s).into_owned()
}

/// [`strip_control`] without copying a string that is already clean.
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\n' | '\u{2028}' | '\u{2029}' => Some('\n'),
                '\t' => Some(' '),
                c if is_unsafe(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// The first [`is_unsafe`] character of `s` and its byte offset, for validating names (a tab
/// or a newline counts).
pub fn first_unsafe(s: &str) -> Option<(usize, char)> {
    s.char_indices().find(|&(_, c)| is_unsafe(c))
}

/// Like [`strip_control`] but also folds newlines into spaces, for one-line fields.
pub fn one_line(s: &str) -> String {
    strip_control(s)
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first letter in upper case: `investigating` -> `Investigating`.
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Validates a person's or role holder's name: non-empty after trimming,
/// no control characters, at most 80 characters.
pub fn clean_name(raw: &str) -> Result<String, String> {
    let name = one_line(raw).trim().to_string();
    if name.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if name.chars().count() > 80 {
        return Err(format!(
            "name is too long ({} characters, at most 80)",
            name.chars().count()
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escape_sequences_and_keeps_unicode() {
        assert_eq!(
            strip_control("José\u{1b}[31m 渡辺 健 🚒\u{7}"),
            "José[31m 渡辺 健 🚒"
        );
        assert_eq!(strip_control("a\tb\r\nc"), "a b\nc");
        assert_eq!(strip_control("x\u{202E}y\u{9b}z"), "xyz");
        assert_eq!(strip_control("a\u{200F}b\u{2028}c\u{061C}"), "ab\nc");
        assert!(matches!(safe("plain 渡辺\nline"), Cow::Borrowed(_)));
        assert_eq!(first_unsafe("ok\u{1b}[2J"), Some((2, '\u{1b}')));
        assert_eq!(first_unsafe("tab\tand\nnewline are not"), Some((3, '\t')));
    }

    #[test]
    fn one_line_folds_newlines() {
        assert_eq!(one_line(" a \n\n b\n"), "a b");
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(clean_name("  Ricardo ").as_deref(), Ok("Ricardo"));
        assert!(clean_name(" \n ").is_err());
        assert!(clean_name(&"x".repeat(81)).is_err());
    }
}

/// Display width of a string in terminal cells (CJK and emoji count as 2).
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Pads `s` with spaces to `cells` terminal cells (never truncates).
pub fn pad(s: &str, cells: usize) -> String {
    let w = width(s);
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

#[cfg(test)]
mod width_tests {
    use super::*;

    #[test]
    fn pads_by_display_width() {
        assert_eq!(pad("渡辺 健", 10), "渡辺 健   ");
        assert_eq!(pad("José", 6), "José  ");
        assert_eq!(width("🚒x"), 3);
        assert_eq!(pad("toolong", 3), "toolong");
    }
}
