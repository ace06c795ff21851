//! The journal in words, newest first; dates shown when it spans days.

use crate::app::model::{Model, Region};
use crate::app::sync_view;
use crate::domain::describe::describe;
use crate::ui::text::put_lines;
use crate::ui::text::{fit, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::region_title;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const ACTOR_COLS: usize = 10;

pub fn render(m: &Model, theme: &Theme, area: Rect, f: &mut Buffer) {
    // The journal's first event (the incident's opening), in memory or not.
    let first = m
        .inc
        .as_ref()
        .map(|i| i.opened_at)
        .or_else(|| m.events.first().map(|e| e.ts))
        .map(|t| t.strftime("%Y-%m-%d").to_string());
    let today = m.now.strftime("%Y-%m-%d").to_string();
    let spans_days = first.as_ref().is_some_and(|d| *d != today)
        || m.events
            .last()
            .is_some_and(|e| e.ts.strftime("%Y-%m-%d").to_string() != today);
    let extra = if m.timeline_scroll > 0 {
        format!(
            "{} events, newest first, UTC · scrolled {} back",
            m.event_count(),
            m.timeline_scroll
        )
    } else {
        format!("{} events, newest first, UTC", m.event_count())
    };
    let mut lines = vec![region_title(m, theme, Region::Timeline, extra, area.width)];
    let height = area.height.saturating_sub(1) as usize;
    let w = area.width as usize;
    let focused = m.focus == Region::Timeline;
    for (i, e) in m
        .events
        .iter()
        .filter(|e| crate::app::deliveries::on_timeline(e))
        .rev()
        .skip(m.timeline_scroll)
        .take(height)
        .enumerate()
    {
        let when = if spans_days {
            e.ts.strftime("%m-%d %H:%M").to_string()
        } else {
            e.ts.strftime("%H:%M").to_string()
        };
        // A hand-off that lost a race, a room command and what became of it: in words.
        let outcome = m.inc.as_ref().and_then(|inc| sync_view::outcome(inc, e));
        let (bad, text) = outcome.unwrap_or_else(|| match &m.inc {
            Some(inc) => (false, crate::domain::numbered::describe_in(inc, &e.payload)),
            None => (false, describe(&e.payload)),
        });
        let used = 1 + when.len() + 1 + ACTOR_COLS + 1;
        let style = if focused && i == 0 {
            theme.selected()
        } else if bad {
            theme.bad()
        } else {
            theme.plain()
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {when} "), theme.dim()),
            Span::styled(fit(&e.actor, ACTOR_COLS), theme.bold()),
            Span::raw(" "),
            Span::styled(truncate(&text, w.saturating_sub(used)), style),
        ]));
    }
    // Older events are still in the journal: say so where they will appear.
    if m.older.count > 0 && lines.len() <= height {
        let what = if m.older.loading {
            "loading"
        } else {
            "scroll down to read them"
        };
        lines.push(Line::from(Span::styled(
            format!(" … {} older events ({what})", m.older.count),
            theme.dim(),
        )));
    }
    put_lines(f, area, &lines);
}
