//! The one confirmation, over what it was asked from: the question, what to look at twice
//! (what is announced, where it goes, lint warnings), `y`/`n`.

use crate::app::intent::Tone;
use crate::app::model::Model;
use crate::app::overlay::Overlay;
use crate::app::overlay::confirm::Confirm;
use crate::app::overlay::step::Layer;
use crate::domain::text::strip_control;
use crate::ui::text::clean;
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, foot_items, popup};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(m: &Model, theme: &Theme, c: &Confirm<Overlay>, f: &mut Buffer) {
    let area = f.screen();
    let w = area.width.saturating_sub(4).min(90);
    let inner_w = w.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = vec![Line::styled(clean(&c.prompt), theme.bold()), Line::raw("")];
    for d in &c.detail {
        lines.push(match d.tone {
            // Indentation kept ("  → slack (slack)").
            Tone::Plain => Line::raw(strip_control(&d.text).replace('\n', " ")),
            Tone::Warn => Line::styled(clean(&d.text), theme.warn()),
            Tone::Lint => Line::from(vec![
                Span::styled("⚠ ", theme.warn()),
                Span::raw(clean(&d.text)),
            ]),
        });
    }
    lines.push(Line::raw(""));
    let mut last = Vec::new();
    if let Some(q) = c.intent.question(c.warned()) {
        last.push(Span::styled(q, theme.bold()));
        last.push(Span::raw("  "));
    }
    for (i, (k, d)) in foot_items(&m.keymap, &c.footer(&m.cx))
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            last.push(Span::raw("   "));
        }
        last.push(Span::styled(k, theme.key()));
        last.push(Span::raw(format!(" {d}")));
    }
    // Sized to the text as it wraps (a long path wraps at its spaces into more rows than
    // its width says); the question and its keys keep the bottom rows whatever happens
    // above them, so `y`/`n` is always on screen.
    let width = u16::try_from(inner_w).unwrap_or(u16::MAX).max(1);
    let body = Paragraph::new(lines).wrap(Wrap { trim: false });
    let ask = Paragraph::new(Line::from(last)).wrap(Wrap { trim: false });
    let (body_rows, ask_rows) = (body.line_count(width), ask.line_count(width));
    let rows = u16::try_from(body_rows.saturating_add(ask_rows)).unwrap_or(u16::MAX);
    let h = rows.saturating_add(2).min(area.height);
    let inner = popup(f, theme, w, h, "Confirm");
    let ask_h = u16::try_from(ask_rows)
        .unwrap_or(u16::MAX)
        .min(inner.height);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(ask_h)]).areas(inner);
    f.render_widget(body, top);
    f.render_widget(ask, bottom);
}
