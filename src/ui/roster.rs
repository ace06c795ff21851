//! The roster: command roles, operations groups, responders and who is
//! available; everyone with an 8-hour shift bar, clock and break info.

use crate::app::model::{Model, Region};
use crate::app::roster::{RosterLine, lines, selectable};
use crate::config::Config;
use crate::domain::checklist::words;
use crate::domain::duration::short;
use crate::domain::incident::Person;
use crate::ui::text::put_lines;
use crate::ui::text::{fit, fit_right, truncate};
use crate::ui::theme::{Level, Theme};
use crate::ui::widgets::region_title;
use jiff::{SignedDuration, Timestamp};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const LABEL_COLS: usize = 7;
const NAME_COLS: usize = 16;
pub const BAR_CELLS: usize = 8;

/// A person's shift as shown: fraction of the limit, level, words.
pub struct ShiftView {
    pub filled: usize,
    pub level: Level,
    pub clock: String,
    pub flag: &'static str,
    pub rest: String,
}

pub fn shift_view(p: &Person, cfg: &Config, now: Timestamp) -> ShiftView {
    let zero = SignedDuration::ZERO;
    let on = p
        .on_duty_since()
        .map_or(zero, |s| now.duration_since(s).max(zero));
    let len = cfg.shifts.length.as_secs().max(1);
    let filled =
        ((on.as_secs() * BAR_CELLS as i64 + len / 2) / len).clamp(0, BAR_CELLS as i64) as usize;
    let level = if on >= cfg.shifts.length {
        Level::Over
    } else if on >= cfg.shifts.warn_at {
        Level::Warn
    } else {
        Level::Fine
    };
    let on_break = p.on_break();
    let flag = match (on_break, level) {
        (true, _) => "BREAK",
        (false, Level::Over) => "OVER",
        (false, Level::Warn) => "WARN",
        (false, Level::Fine) => "",
    };
    let rest = if on_break {
        let since = p
            .current_shift()
            .and_then(|s| s.breaks.last())
            .map_or(zero, |b| now.duration_since(b.start).max(zero));
        format!("on break {}", words(since))
    } else {
        let had_break = p.current_shift().is_some_and(|s| !s.breaks.is_empty());
        let since = p
            .last_rest()
            .map_or(zero, |r| now.duration_since(r).max(zero));
        if had_break {
            format!("break {} ago", words(since))
        } else {
            format!("no break {}", words(since))
        }
    };
    ShiftView {
        filled,
        level,
        clock: short(on),
        flag,
        rest,
    }
}

pub fn render(m: &Model, theme: &Theme, area: Rect, f: &mut Buffer) {
    let Some(inc) = &m.inc else {
        return;
    };
    let all = lines(inc, &m.config);
    let sel = selectable(&all);
    let on_duty = inc.on_duty().count();
    let on_break = inc.on_duty().filter(|p| p.on_break()).count();
    let extra = format!(
        "{on_duty} on duty, {on_break} on break, {} groups",
        inc.groups.len()
    );
    let mut out = vec![region_title(m, theme, Region::Roster, extra, area.width)];
    let focused = m.focus == Region::Roster;
    let sel_line = sel
        .get(m.roster_sel.min(sel.len().saturating_sub(1)))
        .map(|(i, _)| *i);
    let height = area.height.saturating_sub(1) as usize;
    let offset = match sel_line {
        Some(s) if s >= height => s + 1 - height,
        _ => 0,
    };
    let w = area.width as usize;
    for (i, line) in all.iter().enumerate().skip(offset).take(height) {
        let selected = focused && Some(i) == sel_line;
        out.push(draw_line(m, theme, line, selected, w));
    }
    put_lines(f, area, &out);
}

fn draw_line<'a>(
    m: &Model,
    theme: &Theme,
    line: &RosterLine,
    selected: bool,
    w: usize,
) -> Line<'a> {
    match line {
        RosterLine::Heading { text, note } => {
            let warn = note
                .as_deref()
                .is_some_and(|n| n.contains("NO LEAD") || n.contains("limit"));
            let mut spans = vec![Span::styled(
                format!(" {}", truncate(text, w)),
                theme.bold(),
            )];
            if let Some(n) = note {
                spans.push(Span::raw("  "));
                let room = w.saturating_sub(text.len() + 3);
                spans.push(Span::styled(
                    truncate(n, room),
                    if warn { theme.warn() } else { theme.dim() },
                ));
            }
            Line::from(spans)
        }
        RosterLine::Vacant { label } => Line::from(vec![
            Span::raw("  "),
            Span::styled(fit(label, LABEL_COLS), theme.dim()),
            Span::raw(" "),
            Span::styled("(vacant)", theme.dim()),
        ]),
        RosterLine::Pending { label, to } => Line::from(vec![
            Span::raw("  "),
            Span::styled(fit(label, LABEL_COLS), theme.warn()),
            Span::raw(" "),
            Span::styled(
                truncate(
                    &format!("-> {to}: hand-off pending, waits for {to} to acknowledge"),
                    w.saturating_sub(LABEL_COLS + 3),
                ),
                theme.warn(),
            ),
        ]),
        RosterLine::Available { names } => {
            let text = names.join(", ");
            Line::from(Span::styled(
                format!("  {}", truncate(&text, w.saturating_sub(2))),
                theme.plain(),
            ))
        }
        RosterLine::Person { label, name } => {
            let Some(p) = m.inc.as_ref().and_then(|i| i.person(name)) else {
                return Line::raw(format!("  {}", truncate(name, w.saturating_sub(2))));
            };
            let v = shift_view(p, &m.config, m.now);
            let (base, marker) = theme.row(selected);
            let bar_style = theme.level(v.level);
            let filled: String = "█".repeat(v.filled);
            let empty: String = "░".repeat(BAR_CELLS - v.filled);
            let used = 2 + LABEL_COLS + 1 + NAME_COLS + 1 + BAR_CELLS + 1 + 6 + 1 + 5 + 1;
            let rest = truncate(&v.rest, w.saturating_sub(used));
            let flag_style = match v.flag {
                "BREAK" => theme.warn(),
                "" => theme.plain(),
                _ => theme.level(v.level),
            };
            Line::from(vec![
                Span::styled(marker, base),
                Span::styled(fit(label, LABEL_COLS), base),
                Span::styled(" ", base),
                Span::styled(fit(name, NAME_COLS), base.patch(theme.bold())),
                Span::styled(" ", base),
                Span::styled(filled, bar_style),
                Span::styled(empty, theme.dim()),
                Span::styled(" ", base),
                Span::styled(fit_right(&v.clock, 6), base),
                Span::styled(" ", base),
                Span::styled(fit(v.flag, 5), flag_style),
                Span::styled(" ", base),
                Span::styled(rest, theme.dim()),
            ])
        }
    }
}
