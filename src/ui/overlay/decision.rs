//! Drill only: the decision an inject asks for, over the cockpit.

use crate::app::model::Model;
use crate::app::overlay::decision::Decision;
use crate::app::overlay::step::Layer;
use crate::ui::text::{clean, fit, word_wrap};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, footer, popup};
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The decision prompt over the cockpit.
pub fn render(m: &Model, theme: &Theme, d: &Decision, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    let h = (d.options.len() as u16 + 8).min(area.height.saturating_sub(2));
    let inner = popup(f, theme, width, h, "DRILL: a decision is needed");
    let w = inner.width as usize;
    let mut lines: Vec<Line> = word_wrap(&clean(&d.question), w)
        .into_iter()
        .map(|l| Line::styled(l, theme.bold()))
        .collect();
    lines.push(Line::raw(""));
    for (i, o) in d.options.iter().enumerate() {
        let selected = i == d.sel;
        let (style, marker) = theme.row(selected);
        let text = if i < 9 {
            format!("{} {}", i + 1, clean(o))
        } else {
            format!("  {}", clean(o))
        };
        lines.push(Line::from(vec![
            Span::styled(marker, style),
            Span::styled(fit(&text, w.saturating_sub(2)), style),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(footer(theme, &m.keymap, &d.footer(&m.cx)));
    f.render_widget(Paragraph::new(lines), inner);
}
