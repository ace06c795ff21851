//! Page: what needs someone now? With where it goes: every page backend, or the one chosen.

use crate::app::model::Model;
use crate::app::overlay::page::Page;
use crate::app::overlay::step::Layer;
use crate::ui::text::truncate;
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, field, footer, popup};
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn render(m: &Model, theme: &Theme, p: &Page, f: &mut Buffer) {
    let area = f.screen();
    let w = area.width.saturating_sub(6).min(76);
    let choices = Page::choices(&m.cx);
    // The list of choices gets what the screen has room for (the chosen one always shows).
    let room = (area.height.saturating_sub(10) as usize).max(1);
    let shown = choices.len().min(room);
    let sel = choices.iter().position(|c| *c == p.only).unwrap_or(0);
    let first = sel.saturating_sub(shown.saturating_sub(1));
    let inner = popup(
        f,
        theme,
        w,
        7 + shown as u16,
        "Page: what needs someone now? (summary)",
    );
    let width = inner.width as usize;
    let mut lines = vec![
        field(&p.input, theme, width),
        Line::raw(""),
        Line::from(vec![
            Span::raw("Goes to: "),
            Span::styled(
                truncate(&m.page_route(p.only.as_deref()), width.saturating_sub(9)),
                theme.warn(),
            ),
        ]),
    ];
    if choices.len() > 1 {
        for (i, c) in choices.iter().enumerate().skip(first).take(shown) {
            let label = match c {
                None => format!("all page backends ({})", m.page_backends().len()),
                Some(name) => format!("{name} only"),
            };
            let (mark, style) = if i == sel {
                ("› ", theme.selected())
            } else {
                ("  ", theme.plain())
            };
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(
                    truncate(&format!("{mark}{label}"), width.saturating_sub(2)),
                    style,
                ),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(footer(theme, &m.keymap, &p.footer(&m.cx)));
    f.render_widget(Paragraph::new(lines), inner);
}
