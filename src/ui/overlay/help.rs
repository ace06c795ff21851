//! The help overlay, generated from the live keymap: every key of the main screen, then
//! the keys that work the same in every dialog.

use crate::app::actions::{Action, Scope};
use crate::app::model::Model;
use crate::app::overlay::help::Help;
use crate::app::overlay::step::Layer;
use crate::ui::text::{fit, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, foot_items, popup};
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The keys that work the same in every dialog (and always), with what they do.
const ALWAYS: &[(&[Action], Option<&str>)] = &[
    (&[Action::Yes, Action::Confirm], None),
    (&[Action::No, Action::Cancel], None),
    (
        &[Action::Up, Action::Down, Action::FocusNext],
        Some("move in a list"),
    ),
    (&[Action::Interrupt], None),
    (&[Action::Suspend], None),
];

/// The help text as (keys, description) lines: the main screen's keys.
pub fn entries(m: &Model) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (a, keys) in &m.keymap.bindings {
        let main = a.scopes().iter().any(|s| s.space() == Scope::Global);
        if keys.is_empty() || !main || a.reserved() || (a.drill_only() && m.drill.is_none()) {
            continue;
        }
        let k: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        out.push((k.join(" "), a.describe().to_string()));
    }
    out
}

/// The keys of every dialog, as (keys, description) lines.
fn always(m: &Model) -> Vec<(String, String)> {
    ALWAYS
        .iter()
        .map(|(actions, what)| {
            let keys: Vec<String> = actions
                .iter()
                .filter_map(|a| m.keymap.first(*a))
                .map(|k| k.to_string())
                .collect();
            let what = what.or_else(|| actions.first().map(|a| a.describe()));
            (
                keys.join(" / ").replace("↑ / ↓", "↑↓"),
                what.unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub fn render(m: &Model, theme: &Theme, h: &Help, f: &mut Buffer) {
    let scroll = h.scroll;
    let area = f.screen();
    let width = area.width.saturating_sub(4).min(120);
    let height = area.height.saturating_sub(2);
    let closes = foot_items(&m.keymap, &h.footer(&m.cx))
        .into_iter()
        .map(|(k, d)| format!("{k} {d}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let inner = popup(
        f,
        theme,
        width,
        height,
        &format!("Keys (from your keymap) · {closes}"),
    );
    let items = entries(m);
    let fixed = always(m);
    let key_cols = 10;
    // Two columns when there is room, else one (scrollable).
    let two = inner.width >= 60;
    let col_w = if two { inner.width / 2 } else { inner.width } as usize;
    let cell = |(k, d): &(String, String)| -> Vec<Span<'static>> {
        vec![
            Span::styled(fit(k, key_cols), theme.key()),
            Span::raw(" "),
            Span::raw(fit(d, col_w.saturating_sub(key_cols + 2))),
            Span::raw(" "),
        ]
    };
    // A list in two columns (down the left, then the right) when there is room, else one.
    let columns = |list: &[(String, String)]| -> Vec<Line> {
        if !two {
            return list.iter().map(|e| Line::from(cell(e))).collect();
        }
        let half = list.len().div_ceil(2);
        let (a, b) = list.split_at(half.min(list.len()));
        (0..half)
            .map(|i| {
                let mut spans = a.get(i).map(cell).unwrap_or_default();
                if let Some(e) = b.get(i) {
                    spans.extend(cell(e));
                }
                Line::from(spans)
            })
            .collect()
    };
    let mut lines = columns(&items);
    lines.push(Line::styled("In dialogs and always", theme.bold()));
    lines.extend(columns(&fixed));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        truncate(
            "Every change is journaled before it shows. Announcements go to the outbox.",
            inner.width as usize,
        ),
        theme.dim(),
    ));
    let max_scroll = (lines.len() as u16).saturating_sub(inner.height);
    f.render_widget(
        Paragraph::new(lines).scroll((scroll.min(max_scroll), 0)),
        inner,
    );
}
