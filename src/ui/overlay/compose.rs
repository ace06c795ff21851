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
use crate::ui::text::{fit, put_lines, truncate, width, word_wrap, wrapped_rows};
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

/// Rows for each field's text, shared by content: each field gets the rows its text takes
/// soft-wrapped at `text_w` columns; when they do not all fit, every field is capped at the
/// same height, the largest that fits (so a long field cannot squeeze the others to one
/// line), the focused field served first with what is left; spare rows go to the focused
/// field (room to type), or on the stage or a one-line field to the first multi-line one.
pub fn heights(form: &Form, avail: u16, text_w: u16) -> Vec<u16> {
    let focused = form.focused_field();
    let need: Vec<u16> = form
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if form.specs().get(i).is_some_and(|s| s.one_line) {
                1
            } else {
                u16::try_from(wrapped_rows(a.lines(), text_w as usize)).unwrap_or(u16::MAX)
            }
        })
        .collect();
    share(&need, avail, focused, |i| {
        form.specs().get(i).is_some_and(|s| s.one_line)
    })
}

/// [`heights`] on the rows each field needs.
fn share(
    need: &[u16],
    avail: u16,
    focused: Option<usize>,
    one_line: impl Fn(usize) -> bool,
) -> Vec<u16> {
    let total: u32 = need.iter().map(|&n| u32::from(n)).sum();
    let mut h: Vec<u16> = if total <= u32::from(avail) {
        need.to_vec()
    } else {
        // The largest common cap that fits (at least one row each).
        let fits = |cap: u16| -> bool {
            need.iter()
                .map(|&n| u32::from(n.min(cap).max(1)))
                .sum::<u32>()
                <= u32::from(avail)
        };
        let most = need.iter().copied().max().unwrap_or(1);
        let mut cap = 1;
        while cap < most && fits(cap + 1) {
            cap += 1;
        }
        let mut h: Vec<u16> = need.iter().map(|&n| n.min(cap).max(1)).collect();
        // What is left under the cap, to the focused field first, then in order.
        let mut left = u32::from(avail).saturating_sub(h.iter().map(|&v| u32::from(v)).sum());
        let order = focused.into_iter().chain(0..need.len());
        for i in order {
            while left > 0 && h[i] < need[i] {
                h[i] += 1;
                left -= 1;
            }
        }
        h
    };
    let used: u32 = h.iter().map(|&v| u32::from(v)).sum();
    let spare = u16::try_from(u32::from(avail).saturating_sub(used)).unwrap_or(0);
    // To the focused field, else (the stage, or a one-line field) the first multi-line one.
    let grow = focused
        .filter(|&i| !one_line(i))
        .or_else(|| (0..need.len()).find(|&i| !one_line(i)));
    if spare > 0
        && let Some(v) = grow.and_then(|i| h.get_mut(i))
    {
        *v += spare;
    }
    h
}

fn fields(theme: &Theme, form: &Form, area: Rect, f: &mut Buffer) {
    let n = form.areas.len() as u16;
    let avail = area.height.saturating_sub(n);
    let hs = heights(form, avail, area.width.saturating_sub(2));
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
    let title = match (form.preview.rendering, form.preview.title.as_str()) {
        (true, "") => format!(" Preview · rendering…{key} "),
        (true, t) => format!(" Preview · {t} · rendering…{key} "),
        (false, t) => format!(" Preview · {t}{key} "),
    };
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

/// Problems (they stop sending) then lint warnings (they never do), in at most
/// `MAX_WARNING_LINES + 1` rows. A problem wraps (it says what to type instead, e.g. the five
/// component statuses, and is the only place that says it); a warning keeps one row (the
/// send confirmation shows it whole).
fn issue_lines<'a>(form: &Form, theme: &Theme, w: usize) -> Vec<Line<'a>> {
    let mut items: Vec<Vec<Line>> = Vec::new();
    for p in &form.problems {
        let rows = word_wrap(p, w.saturating_sub(3).max(1));
        items.push(
            rows.into_iter()
                .enumerate()
                .map(|(i, r)| {
                    Line::from(vec![
                        Span::styled(if i == 0 { " ✗ " } else { "   " }, theme.bad()),
                        Span::styled(r, theme.bad()),
                    ])
                })
                .collect(),
        );
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
        items.push(vec![Line::from(spans)]);
    }
    if items.iter().map(Vec::len).sum::<usize>() <= MAX_WARNING_LINES + 1 {
        return items.concat();
    }
    let mut out: Vec<Line> = Vec::new();
    let mut shown = 0;
    for it in &items {
        if out.len() + it.len() > MAX_WARNING_LINES {
            break;
        }
        out.extend(it.iter().cloned());
        shown += 1;
    }
    if shown == 0 {
        // One problem longer than the rows: as much of it as fits.
        out.extend(items[0].iter().take(MAX_WARNING_LINES).cloned());
        shown = 1;
    }
    out.push(Line::styled(
        format!(
            " … and {} more (the send confirmation lists them all)",
            items.len() - shown
        ),
        theme.dim(),
    ));
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

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn height_is_shared_by_content() {
        let none = |_| false;
        // Everything fits: each its rows, the rest to the focused field.
        assert_eq!(share(&[3, 2, 1, 1, 1], 16, Some(2), none), [3, 2, 9, 1, 1]);
        // On the stage (no field focused) the rest goes to the first field.
        assert_eq!(share(&[1, 1, 1], 5, None, none), [3, 1, 1]);
        // Too much: a common cap, so a long field cannot squeeze the others to a line.
        assert_eq!(
            share(&[10, 10, 1, 1, 1], 12, Some(2), none),
            [5, 4, 1, 1, 1]
        );
        // The focused field is served first from what is left under the cap.
        assert_eq!(
            share(&[10, 10, 1, 1, 1], 12, Some(1), none),
            [4, 5, 1, 1, 1]
        );
        // Never below one row each, even when that overflows (the caller clips).
        assert_eq!(share(&[5, 5, 5], 2, Some(0), none), [1, 1, 1]);
        // A one-line focused field does not grow: the first multi-line one does.
        assert_eq!(share(&[1, 2], 6, Some(0), |i| i == 0), [1, 5]);
    }
}
