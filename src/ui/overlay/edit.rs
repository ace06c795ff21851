//! A one-line text field over the cockpit; and the first screen, when no incident is open,
//! asking for a title.

use crate::app::actions::{Action, Foot};
use crate::app::edit::LineEdit;
use crate::app::model::Model;
use crate::app::overlay::Overlay;
use crate::app::overlay::edit::Edit;
use crate::app::overlay::step::Layer;
use crate::ui::text::{fit, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, field, footer, popup};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn render(m: &Model, theme: &Theme, e: &Edit, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    let inner = popup(f, theme, width, 6, &e.kind.prompt());
    let w = inner.width as usize;
    let lines = vec![
        field(&e.input, theme, w),
        Line::raw(""),
        footer(theme, &m.keymap, &e.footer(&m.cx)),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}

/// The first screen when no incident is open: ask for a title.
pub fn new_incident(m: &Model, theme: &Theme, f: &mut Buffer) {
    let area = f.screen();
    let input = match &m.overlay {
        Some(Overlay::Edit(e)) => e.input.clone(),
        _ => LineEdit::default(),
    };
    let width = area.width.saturating_sub(6).min(76);
    let alerts = m.alerts_on();
    let inner = popup(
        f,
        theme,
        width,
        if alerts { 10 } else { 9 },
        "commandpost: no open incident",
    );
    let w = inner.width as usize;
    let mut keys = vec![Foot::label(&[Action::Confirm], "open the incident")];
    if alerts {
        keys.push(Foot::label(&[Action::FromAlert], "from a firing alert"));
    }
    keys.push(Foot::label(&[Action::Cancel], "quit"));
    let mut lines = vec![
        Line::raw(format!(
            "Open a new incident. You ({}) become the IC.",
            truncate(&m.actor, 30)
        )),
        Line::raw("Title: what is broken, in a few words."),
        Line::raw(""),
        field(&input, theme, w),
        Line::raw(""),
        if m.writing > 0 {
            Line::styled("opening…", theme.warn())
        } else {
            footer(theme, &m.keymap, &keys)
        },
    ];
    if alerts {
        lines.insert(2, first_alerts(m, theme));
    }
    f.render_widget(Paragraph::new(lines).alignment(Alignment::Left), inner);
    if let Some(fl) = &m.flash {
        let r = Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1);
        let style = if fl.error { theme.bad() } else { theme.bold() };
        f.render_widget(
            Paragraph::new(Line::styled(fit(&fl.text, area.width as usize), style)),
            r,
        );
    }
}

/// The first screen's word on the firing alerts: how many, or why they are not known.
fn first_alerts(m: &Model, theme: &Theme) -> Line<'static> {
    match m.alerts.as_ref().map(|a| &a.result) {
        None => Line::styled("alerts: asking Alertmanager…", theme.dim()),
        Some(Err(reason)) => Line::styled(
            format!("alerts: unreachable ({})", truncate(reason, 60)),
            theme.warn(),
        ),
        Some(Ok(list)) if list.is_empty() => Line::styled("alerts: none firing", theme.dim()),
        Some(Ok(list)) => Line::styled(
            format!(
                "alerts: {} firing; {} lists them to open the incident from one",
                list.len(),
                m.keymap.label(Action::FromAlert)
            ),
            theme.warn(),
        ),
    }
}
