//! Snooze a question for how long?

use crate::app::model::Model;
use crate::app::overlay::snooze::{SNOOZE_MINUTES, Snooze};
use crate::app::overlay::step::Layer;
use crate::domain::checklist::words;
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, footer, list_line, popup};
use ratatui::buffer::Buffer;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn render(m: &Model, theme: &Theme, s: &Snooze, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    let title = format!("Snooze \"{}\"", s.question.question());
    let inner = popup(f, theme, width, 8, &title);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for (i, mins) in SNOOZE_MINUTES.iter().enumerate() {
        let text = format!(
            "{}  {}",
            i + 1,
            words(jiff::SignedDuration::from_mins(*mins))
        );
        lines.push(list_line(theme, text, String::new(), i == s.sel, w));
    }
    lines.push(Line::raw(""));
    lines.push(footer(theme, &m.keymap, &s.footer(&m.cx)));
    f.render_widget(Paragraph::new(lines), inner);
}
