//! Add a person to which group?

use crate::app::model::Model;
use crate::app::overlay::Layer;
use crate::app::overlay::pick_group::{GroupChoice, PickGroup};
use crate::ui::text::clean;
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, footer, list_line, popup, window};
use ratatui::buffer::Buffer;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn render(m: &Model, theme: &Theme, p: &PickGroup, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    let h = (p.choices.len() as u16 + 4).min(area.height.saturating_sub(2));
    let title = format!("Add {} to which group?", clean(&p.name));
    let inner = popup(f, theme, width, h, &title);
    let w = inner.width as usize;
    let list_h = inner.height.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    for i in window(p.choices.len(), p.sel, list_h) {
        let Some(c) = p.choices.get(i) else { continue };
        let (text, note) = match c {
            GroupChoice::NoGroup => ("No group".to_string(), "responder".to_string()),
            GroupChoice::Group(g) => (
                format!("ops:{g}"),
                m.inc
                    .as_ref()
                    .and_then(|inc| inc.groups.get(g))
                    .map_or(String::new(), |g| format!("{} people", g.members.len())),
            ),
            GroupChoice::NewGroup => ("New group…".into(), "name it next".into()),
        };
        lines.push(list_line(theme, text, note, i == p.sel, w));
    }
    lines.push(Line::raw(""));
    lines.push(footer(theme, &m.keymap, &p.footer(&m.cx)));
    f.render_widget(Paragraph::new(lines), inner);
}
