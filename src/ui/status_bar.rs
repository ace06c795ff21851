//! Status line: the last message, or key hints for the focused region;
//! pending/failed deliveries on the right.

use crate::app::keymap::Action;
use crate::app::model::{Model, Region};
use crate::ui::text::put_lines;
use crate::ui::text::{fit, width};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Hints for the focused region, from the live keymap: the region's own
/// keys first, then help and the global ones.
pub fn hints(m: &Model) -> Vec<(String, &'static str)> {
    let own: &[Action] = match m.focus {
        Region::Checklist => &[Action::Review, Action::Snooze],
        Region::Roster => &[Action::Break, Action::Release, Action::AddPerson],
        Region::Timeline => &[Action::PageUp],
    };
    let global = [
        Action::Help,
        Action::Handoff,
        Action::StateMajor,
        Action::FocusNext,
        Action::Quit,
        Action::Resolve,
        Action::Impact,
        Action::Note,
    ];
    let key = |a: Action| m.keymap.first(a).map(|k| k.to_string());
    let mut out = Vec::new();
    for &a in own.iter().chain(global.iter()) {
        let entry = match a {
            Action::StateMajor => {
                let ks: Vec<String> = [
                    Action::StateInvestigating,
                    Action::StateConfirmed,
                    Action::StateMajor,
                ]
                .into_iter()
                .filter_map(key)
                .collect();
                (!ks.is_empty()).then(|| (ks.join("/"), "state"))
            }
            Action::PageUp => match (key(Action::PageUp), key(Action::PageDown)) {
                (Some(u), Some(d)) => Some((format!("{u}/{d}"), "page")),
                _ => None,
            },
            a => key(a).map(|k| (k, a.hint())),
        };
        out.extend(entry);
    }
    out
}

pub fn render(m: &Model, theme: &Theme, area: Rect, f: &mut Buffer) {
    let w = area.width as usize;
    let right = format!(
        " sends: {} pending, {} failed ",
        m.deliveries_pending, m.deliveries_failed
    );
    let right_style = if m.deliveries_failed > 0 {
        theme.bad()
    } else {
        theme.dim()
    };
    let room = w.saturating_sub(width(&right));
    let mut spans = Vec::new();
    if m.writing > 0 {
        spans.push(Span::styled(fit(" saving…", room), theme.warn()));
    } else if let Some(fl) = &m.flash {
        let style = if fl.error { theme.bad() } else { theme.bold() };
        spans.push(Span::styled(fit(&format!(" {}", fl.text), room), style));
    } else {
        let mut used = 0;
        for (k, label) in hints(m) {
            let piece = width(&k) + width(label) + 3;
            if used + piece > room {
                continue;
            }
            spans.push(Span::raw(" "));
            spans.push(Span::styled(k, theme.key()));
            spans.push(Span::raw(format!(" {label} ")));
            used += piece;
        }
        spans.push(Span::raw(" ".repeat(room.saturating_sub(used))));
    }
    spans.push(Span::styled(right, right_style));
    put_lines(f, area, &[Line::from(spans)]);
}
