//! The help overlay, generated from the live keymap.

use crate::app::keymap::Action;
use crate::app::model::Model;
use crate::ui::Canvas;
use crate::ui::dialog::popup;
use crate::ui::text::{fit, truncate};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Keys that work the same everywhere and in dialogs (not remappable).
pub const FIXED: &[(&str, &str)] = &[
    ("y / Enter", "confirm a dialog"),
    ("n / Esc", "cancel a dialog"),
    ("↑↓ / Tab", "move in a list"),
    ("Ctrl-c", "quit (asks first)"),
    ("Ctrl-z", "suspend (fg resumes)"),
];

/// The help text as (keys, description) lines.
pub fn entries(m: &Model) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (a, keys) in &m.keymap.bindings {
        if keys.is_empty() || (a.drill_only() && m.drill.is_none()) {
            continue;
        }
        let k: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        out.push((k.join(" "), a.describe().to_string()));
    }
    debug_assert!(out.len() <= Action::ALL.len());
    out
}

pub fn render(m: &Model, theme: &Theme, scroll: u16, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(4).min(120);
    let height = area.height.saturating_sub(2);
    let inner = popup(
        f,
        theme,
        width,
        height,
        "Keys (from your keymap) · Esc closes",
    );
    let items = entries(m);
    let fixed: Vec<(String, String)> = FIXED
        .iter()
        .map(|(k, d)| (k.to_string(), d.to_string()))
        .collect();
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
    let mut lines: Vec<Line> = Vec::new();
    if two {
        let half = items.len().div_ceil(2);
        let (a, b) = items.split_at(half.min(items.len()));
        for i in 0..half {
            let mut spans = a.get(i).map(cell).unwrap_or_default();
            if let Some(e) = b.get(i) {
                spans.extend(cell(e));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::styled("In dialogs and always", theme.bold()));
        let half = fixed.len().div_ceil(2);
        let (a, b) = fixed.split_at(half.min(fixed.len()));
        for i in 0..half {
            let mut spans = a.get(i).map(cell).unwrap_or_default();
            if let Some(e) = b.get(i) {
                spans.extend(cell(e));
            }
            lines.push(Line::from(spans));
        }
    } else {
        lines.extend(items.iter().map(|e| Line::from(cell(e))));
        lines.push(Line::styled("In dialogs and always", theme.bold()));
        lines.extend(fixed.iter().map(|e| Line::from(cell(e))));
    }
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
