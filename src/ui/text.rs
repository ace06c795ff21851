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

/// Greedy word wrap to `w` columns (a word longer than a line is cut).
pub fn word_wrap(s: &str, w: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        if !cur.is_empty() && width(&cur) + 1 + width(word) > w {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out.into_iter().map(|l| truncate(&l, w)).collect()
}

/// How many screen rows `lines` take when soft-wrapped at `width` columns the way the text
/// areas wrap ([`ratatui_textarea::WrapMode::WordOrGlyph`]): at word boundaries, a word wider
/// than the field split by graphemes. At least one row per line.
pub fn wrapped_rows(lines: &[String], width: usize) -> usize {
    use unicode_segmentation::UnicodeSegmentation;
    let width = width.max(1);
    let w = |s: &str| s.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>();
    let mut rows = 0;
    for line in lines {
        let mut line_rows = 1;
        let mut used = 0;
        for word in line.split_word_bounds() {
            let ww = w(word);
            if used + ww <= width {
                used += ww;
                continue;
            }
            if used > 0 {
                line_rows += 1;
                used = 0;
            }
            if ww <= width {
                used = ww;
                continue;
            }
            // Wider than the field: split by graphemes, on rows of its own (what follows
            // starts a new row).
            for g in word.graphemes(true) {
                let gw = w(g);
                if used + gw > width && used > 0 {
                    line_rows += 1;
                    used = 0;
                }
                used += gw;
            }
            used = width;
        }
        rows += line_rows;
    }
    rows.max(1)
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

    /// The rows the text areas really draw, read back from a buffer.
    fn drawn_rows(lines: &[&str], width: u16) -> usize {
        use ratatui::widgets::Widget;
        use ratatui_textarea::{TextArea, WrapMode};
        let mut ta = TextArea::from(lines.iter().map(|l| l.to_string()));
        ta.set_wrap_mode(WrapMode::WordOrGlyph);
        let area = Rect::new(0, 0, width, 60);
        let mut buf = Buffer::empty(area);
        (&ta).render(area, &mut buf);
        (0..60u16)
            .rev()
            .find(|&y| (0..width).any(|x| buf[(x, y)].symbol().trim() != ""))
            .map_or(0, |y| y as usize + 1)
    }

    #[test]
    fn wrapped_rows_count_what_the_text_area_draws() {
        let cases: &[&[&str]] = &[
            &["short"],
            &[
                "EU customers cannot pay: about a third of card payments fail at checkout; login and browsing work; the vendor says it will be fixed by 15:00.",
            ],
            &[
                "https://status.example.com/incidents/0123456789abcdefghijklmnopqrstuvwxyz/updates see",
                "two",
            ],
            &[
                "渡辺 健 は 決済 の 障害 を 調査 中 です。 渡辺 健 は 決済 の 障害 を 調査 中 です。 終わり",
            ],
            &[
                "a line",
                "",
                "another line that is a little longer than the field is wide x",
            ],
            &["word word word word word word word word word word word word word word wordy"],
        ];
        for lines in cases {
            for width in [10u16, 17, 38, 76] {
                let owned: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                assert_eq!(
                    wrapped_rows(&owned, width as usize),
                    drawn_rows(lines, width),
                    "{lines:?} at {width}"
                );
            }
        }
    }
}
