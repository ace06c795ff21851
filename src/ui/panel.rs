//! The overlays of `app::panel`: one function each here or in its own file (deliveries,
//! rotation, cleanup); this file has the small ones (page, confirmation) and the scrollable
//! text panels (hand-off brief, post-mortem).

use crate::app::edit::LineEdit;
use crate::app::model::Model;
use crate::app::panel::Panel;
use crate::ui::Canvas;
use crate::ui::dialog::popup;
use crate::ui::text::{clean, tail, truncate, width};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(m: &Model, theme: &Theme, p: &Panel, f: &mut Buffer) {
    match p {
        Panel::Deliveries { sel } => super::deliveries::render(m, theme, *sel, f),
        Panel::Rotation { scroll } => super::rotation::render(m, theme, *scroll, f),
        Panel::Cleanup { sel } => super::cleanup::render(m, theme, *sel, None, f),
        Panel::SkipReason { item, sel, input } => {
            super::cleanup::render(m, theme, *sel, Some((item, input)), f)
        }
        Panel::Remediation { sel } => super::remediation::render(m, theme, *sel, None, f),
        Panel::RemediationInput { step, sel, input } => {
            super::remediation::render(m, theme, *sel, Some((step, input)), f)
        }
        Panel::Page { input } => page(m, theme, input, f),
        Panel::Confirm {
            prompt,
            detail,
            back,
            ..
        } => {
            if let Some(b) = back {
                render(m, theme, b, f);
            }
            confirm(theme, prompt, detail, f);
        }
        Panel::Brief {
            role,
            from,
            to,
            text,
            scroll,
        } => {
            let incoming = crate::domain::followup::same_name(to, &m.actor);
            let title = format!(
                "Hand-off brief: {} {} -> {to} (waiting for acknowledgement)",
                role.title(),
                from.as_deref().unwrap_or("(vacant)")
            );
            let pending = m
                .inc
                .as_ref()
                .is_some_and(|inc| inc.followup.pending_handoffs.contains_key(role));
            let foot: Vec<(String, String)> = if incoming && pending {
                vec![
                    ("A".into(), "acknowledge and take over".into()),
                    ("↑↓ PgUp/PgDn".into(), "scroll".into()),
                    ("Esc".into(), "close".into()),
                ]
            } else if pending {
                vec![
                    (
                        format!("waiting for {to}"),
                        "(A in their cockpit, or `commandpost ack`)".into(),
                    ),
                    ("x".into(), "withdraw".into()),
                    ("Esc".into(), "close".into()),
                ]
            } else {
                vec![
                    ("no longer pending".into(), String::new()),
                    ("Esc".into(), "close".into()),
                ]
            };
            text_panel(theme, &title, text, *scroll, &foot, f);
        }
        Panel::Postmortem { path, text, scroll } => {
            let foot = vec![
                (format!("written to {path}"), String::new()),
                ("↑↓ PgUp/PgDn".into(), "scroll".into()),
                ("Esc".into(), "close".into()),
            ];
            text_panel(theme, "Post-mortem draft", text, *scroll, &foot, f);
        }
    }
}

/// The area a large overlay takes: most of the screen.
pub fn big(f: &mut Buffer, theme: &Theme, title: &str) -> Rect {
    let area = f.screen();
    let w = area.width.saturating_sub(4).min(160);
    let h = area.height.saturating_sub(2);
    popup(f, theme, w, h, title)
}

/// Fits `lines` to the `body_h` rows above a footer (padding or cutting),
/// then adds the footer of key hints.
pub fn fit_with_footer<'a>(
    mut lines: Vec<Line<'a>>,
    body_h: usize,
    theme: &Theme,
    items: &[(String, String)],
) -> Vec<Line<'a>> {
    lines.resize(body_h, Line::raw(""));
    lines.push(footer(theme, items));
    lines
}

pub fn footer<'a>(theme: &Theme, items: &[(String, String)]) -> Line<'a> {
    let mut spans = Vec::new();
    for (k, d) in items {
        spans.push(Span::styled(k.clone(), theme.key()));
        if d.is_empty() {
            spans.push(Span::raw("   "));
        } else {
            spans.push(Span::raw(format!(" {d}   ")));
        }
    }
    Line::from(spans)
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
    foot: &[(String, String)],
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
    lines.push(footer(theme, foot));
    f.render_widget(Paragraph::new(lines), inner);
}

fn page(m: &Model, theme: &Theme, input: &LineEdit, f: &mut Buffer) {
    let area = f.screen();
    let w = area.width.saturating_sub(6).min(76);
    let inner = popup(f, theme, w, 8, "Page: what needs someone now? (summary)");
    let to = crate::app::panel::page_backends(m);
    let lines = vec![
        field(input, theme, inner.width as usize),
        Line::raw(""),
        Line::from(vec![
            Span::raw("Goes to: "),
            Span::styled(truncate(&to.join(", "), inner.width as usize), theme.warn()),
        ]),
        Line::raw(""),
        footer(
            theme,
            &[
                ("Enter".into(), "review, then confirm".into()),
                ("Esc".into(), "cancel".into()),
            ],
        ),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}

fn confirm(theme: &Theme, prompt: &str, detail: &[String], f: &mut Buffer) {
    let area = f.screen();
    let w = area.width.saturating_sub(6).min(76);
    let h = (detail.len() as u16 + 7).min(area.height);
    let inner = popup(f, theme, w, h, "Confirm");
    let mut lines = vec![Line::styled(clean(prompt), theme.bold()), Line::raw("")];
    for d in detail {
        lines.push(Line::styled(clean(d), theme.warn()));
    }
    lines.push(Line::raw(""));
    lines.push(footer(
        theme,
        &[
            ("y/Enter".into(), "yes".into()),
            ("n/Esc".into(), "no, change nothing".into()),
        ],
    ));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
