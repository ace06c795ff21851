//! Width-correct text helpers: every string that reaches the screen goes
//! through `clean` (control characters stripped) and is measured in
//! terminal columns, never bytes or chars.

use crate::domain::text::one_line;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Strips control characters and folds lines.
pub fn clean(s: &str) -> String {
    one_line(s)
}

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `w` columns, ending with `…` when cut.
pub fn truncate(s: &str, w: usize) -> String {
    let s = clean(s);
    if width(&s) <= w {
        return s;
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > w - 1 {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// Exactly `w` columns: truncated, then padded with spaces.
pub fn fit(s: &str, w: usize) -> String {
    let mut t = truncate(s, w);
    let pad = w.saturating_sub(width(&t));
    t.extend(std::iter::repeat_n(' ', pad));
    t
}

/// Exactly `w` columns, right-aligned.
pub fn fit_right(s: &str, w: usize) -> String {
    let t = truncate(s, w);
    let pad = w.saturating_sub(width(&t));
    let mut out: String = std::iter::repeat_n(' ', pad).collect();
    out.push_str(&t);
    out
}

/// The last `w` columns of `s` (for a field scrolled to its cursor).
pub fn tail(s: &str, w: usize) -> String {
    let mut cols = 0;
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        let cw = UnicodeWidthChar::width(c).unwrap_or(0);
        if cols + cw > w {
            break;
        }
        cols += cw;
        start = i;
    }
    s[start..].to_string()
}

/// Draws lines top to bottom in `area`, clipped at its edges: an unwrapped
/// `Paragraph` without the per-character grapheme work for ASCII text (most
/// of a frame). Other text goes through ratatui's width-aware path.
pub fn put_lines(buf: &mut Buffer, area: Rect, lines: &[Line<'_>]) {
    let area = area.intersection(buf.area);
    for (row, line) in lines.iter().enumerate().take(area.height as usize) {
        let y = area.y + row as u16;
        let right = area.right();
        let mut x = area.x;
        for span in &line.spans {
            if x >= right {
                break;
            }
            let style = line.style.patch(span.style);
            let s: &str = &span.content;
            if s.is_ascii() {
                for b in s.bytes() {
                    if x >= right {
                        break;
                    }
                    if b.is_ascii_control() {
                        continue;
                    }
                    if let Some(cell) = buf.cell_mut((x, y)) {
                        cell.set_char(char::from(b)).set_style(style);
                    }
                    x += 1;
                }
            } else {
                let (nx, _) = buf.set_stringn(x, y, s, usize::from(right - x), style);
                x = nx;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_columns_not_chars() {
        assert_eq!(width("渡辺 健"), 7);
        assert_eq!(fit("José", 6), "José  ");
        assert_eq!(width(&fit("渡辺 健", 6)), 6);
        assert_eq!(fit("渡辺 健", 6), "渡辺 …");
        assert_eq!(width(&fit("🚒 Ana", 4)), 4);
        assert_eq!(fit("a\u{1b}[31mb", 8), "a[31mb  ");
        assert_eq!(fit_right("7h", 4), "  7h");
        assert_eq!(tail("abc渡辺", 4), "渡辺");
    }
}
