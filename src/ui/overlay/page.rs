//! Page: what needs someone now? With where it goes.

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
    let inner = popup(f, theme, w, 8, "Page: what needs someone now? (summary)");
    let to = m.page_backends();
    let lines = vec![
        field(&p.input, theme, inner.width as usize),
        Line::raw(""),
        Line::from(vec![
            Span::raw("Goes to: "),
            Span::styled(truncate(&to.join(", "), inner.width as usize), theme.warn()),
        ]),
        Line::raw(""),
        footer(theme, &m.keymap, &p.footer(&m.cx)),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}
