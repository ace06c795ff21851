//! The sitrep log: every sent version (newest first) with its author, time
//! and summary; Enter shows one with its line diff against the previous.

use crate::app::model::Model;
use crate::app::overlay::sitrep_log::SitrepLog;
use crate::app::overlay::step::Layer;
use crate::domain::sitrep::{DiffTag, diff};
use crate::domain::text::one_line;
use crate::ui::text::{fit, put_lines, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, bar, foot_items, heading};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub fn render(m: &Model, theme: &Theme, log: &SitrepLog, f: &mut Buffer) {
    let SitrepLog {
        sel,
        detail,
        scroll,
    } = *log;
    let area = f.screen();
    f.render_widget(Clear, area);
    let Some(inc) = &m.inc else {
        return;
    };
    let [title, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let w = area.width as usize;
    let n = inc.sitreps.len();
    // `sel` counts from the newest.
    let idx = n.saturating_sub(1).saturating_sub(sel);
    let keys = foot_items(&m.keymap, &log.footer(&m.cx));
    put_lines(f, footer, &[Line::from(bar(theme, &keys, w).0)]);

    if !detail {
        let head = format!("Sitrep log · {} · {n} version{}", inc.id, plural(n));
        put_lines(f, title, &[heading(theme, &head, w)]);
        let height = body.height as usize;
        let start = if sel >= height { sel + 1 - height } else { 0 };
        let lines: Vec<Line> = inc
            .sitreps
            .iter()
            .rev()
            .enumerate()
            .skip(start)
            .take(height)
            .map(|(i, s)| {
                let text = format!(
                    "v{:<3} {}  {}  {}",
                    s.version,
                    s.at.strftime("%Y-%m-%d %H:%M UTC"),
                    fit(&s.by, 14),
                    one_line(&s.fields.summary)
                );
                let style = if i == sel {
                    theme.selected()
                } else {
                    theme.plain()
                };
                Line::from(vec![
                    Span::styled(" ", style),
                    Span::styled(fit(&text, w.saturating_sub(1)), style),
                ])
            })
            .collect();
        put_lines(f, body, &lines);
        return;
    }

    let Some(s) = inc.sitreps.get(idx) else {
        return;
    };
    let prev = idx.checked_sub(1).and_then(|i| inc.sitreps.get(i));
    let against = prev.map_or("nothing (first version)".to_string(), |p| {
        format!("v{}", p.version)
    });
    let head = format!(
        "Sitrep v{} · {} · by {} · diff against {against}",
        s.version,
        s.at.strftime("%Y-%m-%d %H:%M UTC"),
        s.by
    );
    put_lines(f, title, &[heading(theme, &head, w)]);
    let lines: Vec<Line> = diff(prev.map_or("", |p| p.rendered.as_str()), &s.rendered)
        .iter()
        .map(|d| {
            let (mark, style) = match d.tag {
                DiffTag::Same => ("  ", theme.plain()),
                DiffTag::Added => ("+ ", theme.good()),
                DiffTag::Removed => ("- ", theme.bad()),
            };
            Line::from(vec![
                Span::styled(mark, style),
                Span::styled(truncate(&d.text, w.saturating_sub(2)), style),
            ])
        })
        .collect();
    let max = (lines.len() as u16).saturating_sub(body.height);
    f.render_widget(Paragraph::new(lines).scroll((scroll.min(max), 0)), body);
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
