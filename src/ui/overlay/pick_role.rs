//! Hand off which role?

use crate::app::model::Model;
use crate::app::overlay::Layer;
use crate::app::overlay::pick_role::{PickRole, RoleChoice};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, footer, list_line, popup, window};
use ratatui::buffer::Buffer;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn render(m: &Model, theme: &Theme, p: &PickRole, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    let h = (p.choices.len() as u16 + 4).min(area.height.saturating_sub(2));
    let inner = popup(f, theme, width, h, "Hand off which role?");
    let w = inner.width as usize;
    let list_h = inner.height.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    let inc = m.inc.as_ref();
    for i in window(p.choices.len(), p.sel, list_h) {
        let Some(c) = p.choices.get(i) else { continue };
        let (text, note) = match c {
            RoleChoice::Role(r) => (
                r.title(),
                inc.and_then(|inc| inc.holder(r))
                    .map_or("(vacant)".to_string(), |h| format!("now {}", h.name)),
            ),
            RoleChoice::NewGroup => ("New ops group lead…".into(), "name a new group".into()),
        };
        lines.push(list_line(theme, text, note, i == p.sel, w));
    }
    lines.push(Line::raw(""));
    lines.push(footer(theme, &m.keymap, &p.footer(&m.cx)));
    f.render_widget(Paragraph::new(lines), inner);
}
