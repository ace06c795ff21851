//! Status line: the last message, or key hints for the focused region;
//! pending/failed deliveries on the right.

use crate::app::actions::{FIRST_IN_BAR, Scope, TABLE};
use crate::app::model::{Model, Region};
use crate::ui::text::put_lines;
use crate::ui::text::{fit, width};
use crate::ui::theme::Theme;
use crate::ui::widgets::bar;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// Hints for the focused region, from the action table and the live keymap: the main
/// screen's first keys (help, sitrep, status update: up to [`FIRST_IN_BAR`]), the region's
/// own keys, then the rest of the main screen's, each in their status line order; keys with
/// the same hint side by side share it (`1/2/3 state`).
pub fn hints(m: &Model) -> Vec<(String, &'static str)> {
    let region = match m.focus {
        Region::Checklist => Scope::Checklist,
        Region::Roster => Scope::Roster,
        Region::Timeline => Scope::Timeline,
    };
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let first = |bar: u8| (1..=FIRST_IN_BAR).contains(&bar);
    let parts: [(Scope, &dyn Fn(u8) -> bool); 3] = [
        (Scope::Global, &first),
        (region, &|bar| bar > 0),
        (Scope::Global, &|bar| bar > FIRST_IN_BAR),
    ];
    for (scope, shown) in parts {
        let mut specs: Vec<_> = TABLE
            .iter()
            .filter(|s| shown(s.bar) && s.scopes.first() == Some(&scope))
            .collect();
        specs.sort_by_key(|s| s.bar);
        let mut last: Option<&str> = None;
        for s in specs {
            let Some(k) = m.keymap.first(s.action) else {
                continue;
            };
            match out.last_mut() {
                Some(e) if last == Some(s.hint) => e.0 = format!("{}/{k}", e.0),
                _ => out.push((k.to_string(), s.hint)),
            }
            last = Some(s.hint);
        }
    }
    out
}

pub fn render(m: &Model, theme: &Theme, area: Rect, f: &mut Buffer) {
    let w = area.width as usize;
    let right_style = if m.deliveries_failed > 0 {
        theme.bad()
    } else {
        theme.dim()
    };
    // The link to the incident's room: `sync: live`, `sync: offline, 7 unsent`.
    let sync = m.sync.as_ref().map(|s| {
        let style = if s.live() { theme.dim() } else { theme.warn() };
        (format!(" {} ·", crate::ui::text::clean(&s.line)), style)
    });
    let sync_w = sync.as_ref().map_or(0, |(t, _)| width(t));
    let flash_w = m.flash.as_ref().map(|fl| width(&fl.text) + 1);
    let right = sends(
        m.deliveries_pending,
        m.deliveries_failed,
        w,
        sync_w,
        flash_w,
    );
    let room = w.saturating_sub(width(&right) + sync_w);
    let mut spans = Vec::new();
    if m.writing > 0 {
        spans.push(Span::styled(fit(" saving…", room), theme.warn()));
    } else if let Some(fl) = &m.flash {
        let style = if fl.error { theme.bad() } else { theme.bold() };
        spans.push(Span::styled(fit(&format!(" {}", fl.text), room), style));
    } else {
        let items: Vec<(String, String)> = hints(m)
            .into_iter()
            .map(|(k, l)| (k, l.to_string()))
            .collect();
        let (hints, used) = bar(theme, &items, room);
        spans.extend(hints);
        spans.push(Span::raw(" ".repeat(room.saturating_sub(used))));
    }
    if let Some((text, style)) = sync {
        spans.push(Span::styled(text, style));
    }
    spans.push(Span::styled(right, right_style));
    put_lines(f, area, &[Line::from(spans)]);
}

/// The delivery counts at the right: ` sends: 2 pending, 0 failed `. A message too long
/// for the room they leave (at 80 columns) takes it: zero counts go, the rest stay short
/// (` sends: 2 pending `).
fn sends(pending: u32, failed: u32, w: usize, sync_w: usize, flash_w: Option<usize>) -> String {
    let full = format!(" sends: {pending} pending, {failed} failed ");
    match flash_w {
        Some(fw) if fw > w.saturating_sub(width(&full) + sync_w) => match (pending, failed) {
            (0, 0) => String::new(),
            (p, 0) => format!(" sends: {p} pending "),
            (0, f) => format!(" sends: {f} failed "),
            _ => full,
        },
        _ => full,
    }
}
