//! What every part of the view draws with: the canvas, boxes over the cockpit, footers and
//! key hints generated from the keymap, a text field, lists, scrolled text.

use crate::app::actions::{Action, Foot};
use crate::app::edit::LineEdit;
use crate::app::keymap::Keymap;
use crate::app::model::{Model, Region};
use crate::ui::text::{fit, tail, truncate, width};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

/// Drawing on a buffer: what the regions need from a frame.
pub(crate) trait Canvas {
    fn screen(&self) -> Rect;
    fn render_widget<W: ratatui::widgets::Widget>(&mut self, widget: W, area: Rect);
}

impl Canvas for Buffer {
    fn screen(&self) -> Rect {
        self.area
    }

    fn render_widget<W: ratatui::widgets::Widget>(&mut self, widget: W, area: Rect) {
        widget.render(area.intersection(self.area), self);
    }
}

/// Draws a bordered box centred on the screen and returns its inside.
pub fn popup(f: &mut Buffer, theme: &Theme, width: u16, height: u16, title: &str) -> Rect {
    let area = f.screen();
    let w = width.min(area.width);
    let h = height.min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" {} ", truncate(title, w.saturating_sub(4) as usize)),
            theme.bold(),
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

/// The area a large overlay takes: most of the screen.
pub fn big(f: &mut Buffer, theme: &Theme, title: &str) -> Rect {
    let area = f.screen();
    let w = area.width.saturating_sub(4).min(160);
    let h = area.height.saturating_sub(2);
    popup(f, theme, w, h, title)
}

/// The keys of `actions` as shown: the first key of each, joined by `/` (`↑↓` for up and
/// down, `↑↓ PgUp/PgDn`).
pub fn keys_text(km: &Keymap, actions: &[Action]) -> String {
    let keys: Vec<String> = actions
        .iter()
        .filter_map(|a| km.first(*a))
        .map(|k| k.to_string())
        .collect();
    keys.join("/").replace("↑/↓", "↑↓").replace("↑↓/", "↑↓ ")
}

/// Footer items as (keys, label), from the live keymap and the table's hints.
pub fn foot_items(km: &Keymap, items: &[Foot]) -> Vec<(String, String)> {
    items
        .iter()
        .filter_map(|item| {
            let (keys, label) = match item {
                Foot::Keys(actions, label) => (
                    keys_text(km, actions),
                    label
                        .or_else(|| actions.first().map(|a| a.hint()))
                        .unwrap_or_default()
                        .to_string(),
                ),
                Foot::AllKeys(a, label) => {
                    let keys: Vec<String> = km.keys(*a).iter().map(|k| k.to_string()).collect();
                    (keys.join("/"), label.unwrap_or(a.hint()).to_string())
                }
                Foot::Numbered(n, actions, label) => (
                    format!("1-{n}/{}", keys_text(km, actions)),
                    label.to_string(),
                ),
                Foot::Note(keys, label) => (keys.clone(), label.clone()),
            };
            (!keys.is_empty()).then_some((keys, label))
        })
        .collect()
}

/// A footer of key hints under a dialog or an overlay: `key label   key label`.
pub fn footer<'a>(theme: &Theme, km: &Keymap, items: &[Foot]) -> Line<'a> {
    footer_line(theme, &foot_items(km, items))
}

/// [`footer`] from (keys, label) pairs.
pub fn footer_line<'a>(theme: &Theme, items: &[(String, String)]) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, (k, d)) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("   "));
        }
        spans.push(Span::styled(k.clone(), theme.key()));
        if !d.is_empty() {
            spans.push(Span::raw(format!(" {d}")));
        }
    }
    Line::from(spans)
}

/// Key hints on a bar (the status line, a full-screen view's last line): ` key label `
/// each, as many as fit in `room` columns; the columns used.
pub fn bar<'a>(theme: &Theme, items: &[(String, String)], room: usize) -> (Vec<Span<'a>>, usize) {
    let mut spans = Vec::new();
    let mut used = 0;
    for (k, label) in items {
        let piece = width(k) + width(label) + 3;
        if used + piece > room {
            continue;
        }
        spans.push(Span::raw(" "));
        spans.push(Span::styled(k.clone(), theme.key()));
        spans.push(Span::raw(format!(" {label} ")));
        used += piece;
    }
    (spans, used)
}

/// Draws `lines` in `area` with the footer of key hints on its last row (the lines padded
/// or cut to the rows above it).
pub fn with_footer<'a>(f: &mut Buffer, area: Rect, mut lines: Vec<Line<'a>>, footer: Line<'a>) {
    lines.resize(area.height.saturating_sub(1) as usize, Line::raw(""));
    lines.push(footer);
    f.render_widget(Paragraph::new(lines), area);
}

/// A text field: `> text` with a reversed cell at the cursor.
pub fn field<'a>(input: &LineEdit, theme: &Theme, w: usize) -> Line<'a> {
    let (before, after) = input.split();
    let (cur, rest) = match after.chars().next() {
        Some(c) => (c.to_string(), after[c.len_utf8()..].to_string()),
        None => (" ".to_string(), String::new()),
    };
    let room = w.saturating_sub(3 + width(&cur));
    let before = tail(before, room);
    let rest = truncate(&rest, room.saturating_sub(width(&before)));
    Line::from(vec![
        Span::styled("> ", theme.key()),
        Span::raw(before),
        Span::styled(cur, theme.selected()),
        Span::raw(rest),
    ])
}

/// A small box with a text field over what is drawn: the field, a blank line, the footer.
pub fn field_popup(f: &mut Buffer, theme: &Theme, title: &str, input: &LineEdit, foot: Line<'_>) {
    let area = f.screen();
    let pw = area.width.saturating_sub(6).min(72);
    let inner = popup(f, theme, pw, 6, title);
    let lines = vec![
        field(input, theme, inner.width as usize),
        Line::raw(""),
        foot,
    ];
    f.render_widget(Paragraph::new(lines), inner);
}

/// A picker over what is drawn: its `entries` (name, note) around the selected one, a blank
/// line, the footer.
pub fn picker(
    f: &mut Buffer,
    theme: &Theme,
    title: &str,
    entries: &[(String, String)],
    sel: usize,
    foot: Line<'_>,
) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    let h = (entries.len() as u16 + 4).min(area.height.saturating_sub(2));
    let inner = popup(f, theme, width, h, title);
    let w = inner.width as usize;
    let list_h = inner.height.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = window(entries.len(), sel, list_h)
        .filter_map(|i| {
            let (text, note) = entries.get(i)?;
            Some(list_line(theme, text.clone(), note.clone(), i == sel, w))
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(foot);
    f.render_widget(Paragraph::new(lines), inner);
}

/// One entry of a picker: `› name  note`.
pub fn list_line<'a>(
    theme: &Theme,
    text: String,
    note: String,
    selected: bool,
    w: usize,
) -> Line<'a> {
    let name_w = (w / 2).clamp(10, 28);
    let (style, marker) = theme.row(selected);
    Line::from(vec![
        Span::styled(marker, style),
        Span::styled(fit(&text, name_w), style.patch(theme.bold())),
        Span::styled(" ", style),
        Span::styled(
            fit(&note, w.saturating_sub(name_w + 3)),
            if selected { style } else { theme.dim() },
        ),
    ])
}

/// Keeps the selected entry visible in a list of `height` lines.
pub fn window(len: usize, sel: usize, height: usize) -> std::ops::Range<usize> {
    let start = if sel >= height { sel + 1 - height } else { 0 };
    start..len.min(start + height)
}

/// Splits `text` into screen lines of at most `w` columns (hard wrap).
pub fn wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out = Vec::new();
    for line in text.lines() {
        // Control characters out, indentation kept (lists, code in the post-mortem).
        let line: String = line
            .replace('\t', "    ")
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if width(&line) <= w {
            out.push(line);
            continue;
        }
        let mut cur = String::new();
        let mut cw = 0;
        for c in line.chars() {
            let c_w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if cw + c_w > w {
                out.push(std::mem::take(&mut cur));
                cw = 0;
            }
            cur.push(c);
            cw += c_w;
        }
        out.push(cur);
    }
    out
}

/// A scrollable text overlay; the scroll offset is clamped to the text.
pub fn text_panel(
    theme: &Theme,
    title: &str,
    text: &str,
    scroll: u16,
    foot: Line<'_>,
    f: &mut Buffer,
) {
    let inner = big(f, theme, title);
    let w = inner.width as usize;
    let body_h = inner.height.saturating_sub(2) as usize;
    let all = wrap(text, w);
    let max = all.len().saturating_sub(body_h);
    let start = (scroll as usize).min(max);
    let mut lines: Vec<Line> = all
        .iter()
        .skip(start)
        .take(body_h)
        .map(|l| Line::raw(l.clone()))
        .collect();
    while lines.len() < body_h {
        lines.push(Line::raw(""));
    }
    let pos = if all.len() > body_h {
        format!(
            "lines {}-{} of {}",
            start + 1,
            (start + body_h).min(all.len()),
            all.len()
        )
    } else {
        String::new()
    };
    lines.push(Line::styled(pos, theme.dim()));
    lines.push(foot);
    f.render_widget(Paragraph::new(lines), inner);
}

/// A heading bar: a space, then the text, filling the width.
pub(crate) fn heading<'a>(theme: &Theme, text: &str, w: usize) -> Line<'a> {
    Line::from(vec![
        Span::styled(" ", theme.heading(true)),
        Span::styled(fit(text, w.saturating_sub(1)), theme.heading(true)),
    ])
}

/// The title line of a region: reversed when focused.
pub(crate) fn region_title<'a>(
    m: &Model,
    theme: &Theme,
    region: Region,
    extra: String,
    width: u16,
) -> Line<'a> {
    let focused = m.focus == region && m.overlay.is_none();
    let marker = if focused { "▶ " } else { "  " };
    let text = if extra.is_empty() {
        format!("{marker}{}", region.title())
    } else {
        format!("{marker}{} · {extra}", region.title())
    };
    Line::styled(fit(&text, width as usize), theme.heading(focused))
}
