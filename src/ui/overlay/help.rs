//! The help overlay, generated from the live keymap: every key of the main screen, then
//! the keys that work the same in every dialog.

use crate::app::actions::{Action, Scope};
use crate::app::model::Model;
use crate::app::overlay::help::Help;
use crate::app::overlay::step::Layer;
use crate::ui::text::{self, fit, truncate, word_wrap};
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

/// Widest a key column gets: wider keys are cut (`↑ k Ctrl-p` fits).
const KEY_COLS: usize = 10;

/// One entry's screen rows at `col_w` columns: the keys, then the description wrapped
/// under itself (never cut with `…`), each row exactly `col_w` wide.
fn cell(
    theme: &Theme,
    (k, d): &(String, String),
    key_w: usize,
    col_w: usize,
) -> Vec<Line<'static>> {
    let desc_w = col_w.saturating_sub(key_w + 2).max(1);
    word_wrap(d, desc_w)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let key = if i == 0 {
                fit(k, key_w)
            } else {
                fit("", key_w)
            };
            Line::from(vec![
                Span::styled(key, theme.key()),
                Span::raw(" "),
                Span::raw(fit(&part, desc_w)),
                Span::raw(" "),
            ])
        })
        .collect()
}

/// A list in two columns (down the left, then the right) when `two`, else one; an entry
/// whose description wraps takes as many rows as it needs, its neighbour padded.
fn columns(
    theme: &Theme,
    list: &[(String, String)],
    two: bool,
    key_w: usize,
    col_w: usize,
) -> Vec<Line<'static>> {
    if !two {
        return list
            .iter()
            .flat_map(|e| cell(theme, e, key_w, col_w))
            .collect();
    }
    let half = list.len().div_ceil(2);
    let (a, b) = list.split_at(half.min(list.len()));
    let mut out = Vec::new();
    for i in 0..half {
        let left = a
            .get(i)
            .map(|e| cell(theme, e, key_w, col_w))
            .unwrap_or_default();
        let right = b
            .get(i)
            .map(|e| cell(theme, e, key_w, col_w))
            .unwrap_or_default();
        for r in 0..left.len().max(right.len()) {
            let mut spans = left
                .get(r)
                .map(|l| l.spans.clone())
                .unwrap_or_else(|| vec![Span::raw(" ".repeat(col_w))]);
            if let Some(l) = right.get(r) {
                spans.extend(l.spans.clone());
            }
            out.push(Line::from(spans));
        }
    }
    out
}

pub fn render(m: &Model, theme: &Theme, h: &Help, f: &mut Buffer) {
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
    // The key column as wide as the widest key (at most KEY_COLS): room for the words.
    let key_w = items
        .iter()
        .chain(&fixed)
        .map(|(k, _)| text::width(k))
        .max()
        .unwrap_or(1)
        .min(KEY_COLS);
    // Two columns when there is room, else one; descriptions wrap, the text scrolls.
    let two = inner.width >= 60;
    let col_w = if two { inner.width / 2 } else { inner.width } as usize;
    let mut lines = columns(theme, &items, two, key_w, col_w);
    lines.push(Line::styled("In dialogs and always", theme.bold()));
    lines.extend(columns(theme, &fixed, two, key_w, col_w));
    lines.push(Line::raw(""));
    for l in word_wrap(
        "Every change is journaled before it shows. Announcements go to the outbox.",
        inner.width as usize,
    ) {
        lines.push(Line::styled(l, theme.dim()));
    }
    let all = lines.len();
    let rows = inner.height as usize;
    if all <= rows {
        f.render_widget(Paragraph::new(lines), inner);
        return;
    }
    // More than fits: the last row says where the view is and which keys move it.
    let view = rows.saturating_sub(1);
    let top = (h.scroll as usize).min(all - view);
    let key = |a: Action| m.keymap.first(a).map(|k| k.to_string()).unwrap_or_default();
    let place = if top + view >= all {
        format!(
            "▲ more above · {} {} scroll",
            key(Action::Up),
            key(Action::PageUp)
        )
    } else {
        format!(
            "▼ more below · {} {} scroll",
            key(Action::Down),
            key(Action::PageDown)
        )
    };
    let mut shown: Vec<Line> = lines.into_iter().skip(top).take(view).collect();
    shown.push(Line::styled(
        truncate(
            &format!("{place} · rows {}-{} of {all}", top + 1, top + view),
            inner.width as usize,
        ),
        theme.dim(),
    ));
    f.render_widget(Paragraph::new(shown), inner);
}
