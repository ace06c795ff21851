//! The sitrep and status composers, full screen: the fields (text areas), the people or
//! the stage, lint warnings, the preview pane, the keys.

use crate::app::composer::{Form, Kind, WIDE_MIN_WIDTH};
use crate::app::keymap::Action;
use crate::app::model::Model;
use crate::app::overlay::compose::Compose;
use crate::app::overlay::step::Layer;
use crate::domain::lint::Stage;
use crate::domain::sitrep::{SitrepPeople, next_version};
use crate::domain::text::capitalised;
use crate::ui::text::{fit, put_lines, truncate, width};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, bar, foot_items, heading};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Most lines the warnings take under the form.
const MAX_WARNING_LINES: usize = 4;

pub fn render(m: &Model, theme: &Theme, c: &Compose, f: &mut Buffer) {
    let kind = c.kind;
    let area = f.screen();
    f.render_widget(Clear, area);
    let Some(form) = m.desk.form(kind) else {
        return;
    };
    let issues = issue_lines(form, theme, area.width as usize);
    let issues_h = issues.len().min(MAX_WARNING_LINES + 1) as u16;
    let [title, people, main, lint, footer_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(issues_h),
        Constraint::Length(1),
    ])
    .areas(area);
    title_line(m, theme, form, title, f);
    match kind {
        Kind::Sitrep => people_line(m, theme, people, f),
        Kind::Status => stage_line(theme, form, people, f),
    }
    let wide = area.width >= WIDE_MIN_WIDTH;
    let (form_area, preview_area) = if wide {
        let [a, b] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
            .spacing(1)
            .areas(main);
        (a, Some(b))
    } else if form.preview_open {
        let [a, b] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(main);
        (a, Some(b))
    } else {
        (main, None)
    };
    fields(theme, form, form_area, f);
    if let Some(p) = preview_area {
        preview(m, theme, form, p, f);
    }
    put_lines(f, lint, &issues);
    footer(m, theme, c, footer_area, f);
}

fn title_line(m: &Model, theme: &Theme, form: &Form, area: Rect, f: &mut Buffer) {
    let Some(inc) = &m.inc else {
        return;
    };
    let what = match form.kind {
        Kind::Sitrep => format!("Sitrep v{} (draft)", next_version(inc)),
        Kind::Status => "Public status update (draft)".to_string(),
    };
    let text = format!("{what} · {} · {}", inc.id, inc.title);
    put_lines(f, area, &[heading(theme, &text, area.width as usize)]);
}

fn people_line(m: &Model, theme: &Theme, area: Rect, f: &mut Buffer) {
    let Some(inc) = &m.inc else {
        return;
    };
    let p = SitrepPeople::from_roster(inc);
    let mut text = format!(
        "IC {} · Comms {}",
        p.ic.as_deref().unwrap_or("(none)"),
        p.comms.as_deref().unwrap_or("(none)")
    );
    if !p.responders.is_empty() {
        text.push_str(&format!(" · {}", p.responders.join(", ")));
    }
    let label = " From the roster: ";
    let room = (area.width as usize).saturating_sub(width(label));
    put_lines(
        f,
        area,
        &[Line::from(vec![
            Span::styled(label, theme.dim()),
            Span::raw(truncate(&text, room)),
        ])],
    );
}

fn stage_line(theme: &Theme, form: &Form, area: Rect, f: &mut Buffer) {
    let focused = form.focus == 0;
    let mut spans = vec![Span::styled(
        if focused { "▶ Stage: " } else { "  Stage: " },
        theme.heading(focused),
    )];
    for s in Stage::ALL {
        let name = capitalised(s.as_str());
        if s == form.stage {
            spans.push(Span::styled(format!("[{name}]"), theme.selected()));
        } else {
            spans.push(Span::styled(format!(" {name} "), theme.dim()));
        }
        spans.push(Span::raw(" "));
    }
    if focused {
        spans.push(Span::styled("←/→ change", theme.dim()));
    }
    put_lines(f, area, &[Line::from(spans)]);
}

/// Rows for each field's text: the focused one gets the room, the others
/// up to three lines (one at least).
fn heights(form: &Form, avail: u16) -> Vec<u16> {
    let focused = form.focused_field();
    let mut h: Vec<u16> = form
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let one = form.specs().get(i).is_some_and(|s| s.one_line);
            if one || Some(i) == focused {
                1
            } else {
                (a.lines().len() as u16).clamp(1, 3)
            }
        })
        .collect();
    let used: u16 = h.iter().sum();
    let mut spare = avail.saturating_sub(used);
    // The focused field (or, on the stage, the first) takes what is left,
    // after taking it back from the others down to one line each.
    let grow = focused.unwrap_or(0);
    let one_line = form.specs().get(grow).is_some_and(|s| s.one_line);
    if !one_line {
        while spare < 3 {
            let Some((j, _)) = h
                .iter()
                .enumerate()
                .filter(|(j, v)| *j != grow && **v > 1)
                .max_by_key(|(_, v)| **v)
            else {
                break;
            };
            if let Some(v) = h.get_mut(j) {
                *v -= 1;
            }
            spare += 1;
        }
        if let Some(v) = h.get_mut(grow) {
            *v += spare;
        }
    }
    h
}

fn fields(theme: &Theme, form: &Form, area: Rect, f: &mut Buffer) {
    let n = form.areas.len() as u16;
    let avail = area.height.saturating_sub(n);
    let hs = heights(form, avail);
    let mut y = area.y;
    let bottom = area.y + area.height;
    let focused = form.focused_field();
    for (i, (a, spec)) in form.areas.iter().zip(form.specs()).enumerate() {
        if y >= bottom {
            break;
        }
        let is_focus = Some(i) == focused;
        let warned = form.warnings.iter().any(|(fi, _)| *fi == Some(i));
        let mut spans = vec![Span::styled(
            format!("{}{}", if is_focus { "▶ " } else { "  " }, spec.label),
            theme.heading(is_focus),
        )];
        if warned {
            spans.push(Span::styled(" ⚠", theme.warn()));
        }
        if is_focus {
            spans.push(Span::styled(format!(" · {}", spec.hint), theme.dim()));
        }
        put_lines(f, Rect::new(area.x, y, area.width, 1), &[Line::from(spans)]);
        y += 1;
        let h = hs
            .get(i)
            .copied()
            .unwrap_or(1)
            .min(bottom.saturating_sub(y));
        if h == 0 {
            break;
        }
        let mut r = Rect::new(area.x + 2, y, area.width.saturating_sub(2), h);
        if spec.key == "next_update" {
            // "20m  → Next update in 20 minutes (03:20 UTC)"
            let field_w = 12.min(r.width);
            let note = Rect::new(r.x + field_w, y, r.width.saturating_sub(field_w), 1);
            put_lines(
                f,
                note,
                &[Line::styled(
                    format!("→ {}", form.next_update_note),
                    theme.bold(),
                )],
            );
            r.width = field_w;
        }
        f.render_widget(a, r);
        y += h;
    }
}

fn preview(m: &Model, theme: &Theme, form: &Form, area: Rect, f: &mut Buffer) {
    let key = m
        .keymap
        .first(Action::PreviewNext)
        .map(|k| format!(" · {k} next"))
        .unwrap_or_default();
    let title = format!(" Preview · {}{key} ", form.preview.title);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            truncate(&title, area.width.saturating_sub(2) as usize),
            if form.preview.error {
                theme.bad()
            } else {
                theme.bold()
            },
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line> = form
        .preview
        .text
        .lines()
        .map(|l| Line::raw(l.to_string()))
        .collect();
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// Problems (they stop sending) then lint warnings (they never do).
fn issue_lines<'a>(form: &Form, theme: &Theme, w: usize) -> Vec<Line<'a>> {
    let mut out: Vec<Line> = Vec::new();
    for p in &form.problems {
        out.push(Line::from(vec![
            Span::styled(" ✗ ", theme.bad()),
            Span::styled(truncate(p, w.saturating_sub(3)), theme.bad()),
        ]));
    }
    for (i, wrn) in &form.warnings {
        let label = i
            .and_then(|i| form.specs().get(i))
            .map(|s| format!("{}: ", s.label))
            .unwrap_or_default();
        let mut spans = vec![Span::styled(" ⚠ ", theme.warn())];
        let mut used = 3;
        if !wrn.excerpt.is_empty() {
            let ex = format!("“{}”", truncate(&wrn.excerpt, 40));
            used += width(&label) + width(&ex) + 1;
            spans.push(Span::raw(label));
            spans.push(Span::styled(ex, theme.warn().patch(theme.bold())));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::raw(truncate(&wrn.reason, w.saturating_sub(used))));
        out.push(Line::from(spans));
    }
    if out.len() > MAX_WARNING_LINES + 1 {
        let more = out.len() - MAX_WARNING_LINES;
        out.truncate(MAX_WARNING_LINES);
        out.push(Line::styled(
            format!(" … and {more} more (the send confirmation lists them all)"),
            theme.dim(),
        ));
    }
    out
}

fn footer(m: &Model, theme: &Theme, c: &Compose, area: Rect, f: &mut Buffer) {
    let w = area.width as usize;
    if let Some(fl) = &m.flash {
        let style = if fl.error { theme.bad() } else { theme.bold() };
        put_lines(
            f,
            area,
            &[Line::styled(fit(&format!(" {}", fl.text), w), style)],
        );
        return;
    }
    let items = foot_items(&m.keymap, &c.footer(&m.cx));
    // In order, as many as fit (the first ones matter most).
    let mut fitting = Vec::new();
    let mut used = 0;
    for (k, label) in items {
        used += width(&k) + width(&label) + 3;
        if used > w {
            break;
        }
        fitting.push((k, label));
    }
    put_lines(f, area, &[Line::from(bar(theme, &fitting, w).0)]);
}
