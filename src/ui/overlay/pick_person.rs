//! Hand to whom? / Add whom? The name typed, then the matches.

use crate::app::model::Model;
use crate::app::overlay::pick_person::PickPerson;
use crate::app::overlay::step::{Layer, PersonPurpose};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, field, footer, list_line, popup, window};
use ratatui::buffer::Buffer;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn render(m: &Model, theme: &Theme, p: &PickPerson, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    let title = match &p.purpose {
        PersonPurpose::Handoff(r) => format!("Hand {} to whom?", r.title()),
        PersonPurpose::Add => "Add whom to the roster?".into(),
    };
    let h = area.height.saturating_sub(4).min(16);
    let inner = popup(f, theme, width, h, &title);
    let w = inner.width as usize;
    let mut lines = vec![field(&p.input, theme, w)];
    let list_h = inner.height.saturating_sub(3) as usize;
    if p.matches.is_empty() {
        lines.push(Line::styled("  nobody yet: type a name", theme.dim()));
    }
    for i in window(p.matches.len(), p.sel, list_h) {
        let Some(c) = p.matches.get(i) else { continue };
        let text = if c.new {
            format!("+ {}", c.name)
        } else {
            c.name.clone()
        };
        lines.push(list_line(theme, text, c.note.clone(), i == p.sel, w));
    }
    while lines.len() < inner.height.saturating_sub(1) as usize {
        lines.push(Line::raw(""));
    }
    lines.push(footer(theme, &m.keymap, &p.footer(&m.cx)));
    f.render_widget(Paragraph::new(lines), inner);
}
