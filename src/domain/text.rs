//! Text hygiene for anything that came from outside and will be drawn.

/// Removes control characters (C0, DEL, C1) except newline and tab; tabs
/// become a single space. Used on every string before it reaches the screen.
pub fn strip_control(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            // Bidi overrides can make a line read differently than it is.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            c => Some(c),
        })
        .collect()
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
