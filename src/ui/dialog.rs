//! Dialogs over the cockpit: confirmations, pickers, text fields.

use crate::app::edit::LineEdit;
use crate::app::model::{GroupChoice, Mode, Model, PersonPurpose, RoleChoice, SNOOZE_MINUTES};
use crate::ui::Canvas;
use crate::ui::text::{clean, fit, tail, truncate, width};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

/// Draws a bordered box centred on the screen and returns its inside.
pub fn popup(f: &mut Buffer, theme: &Theme, width: u16, height: u16, title: &str) -> Rect {
    let area = f.screen();
    let w = width.min(area.width);
    let h = height.min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border())
        .title(Span::styled(
            format!(" {} ", truncate(title, w.saturating_sub(4) as usize)),
            theme.bold(),
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

fn footer<'a>(theme: &Theme, items: &[(&str, &str)]) -> Line<'a> {
    let mut spans = Vec::new();
    for (k, d) in items {
        spans.push(Span::styled(k.to_string(), theme.key()));
        spans.push(Span::raw(format!(" {d}   ")));
    }
    Line::from(spans)
}

/// The text field line: text with a reversed cell at the cursor.
fn field<'a>(input: &LineEdit, theme: &Theme, w: usize) -> Line<'a> {
    let (before, after) = input.split();
    let (cur, rest) = match after.chars().next() {
        Some(c) => (c.to_string(), after[c.len_utf8()..].to_string()),
        None => (" ".to_string(), String::new()),
    };
    let room = w.saturating_sub(3 + width(&cur));
    let before = tail(before, room);
    let rest = truncate(&rest, room.saturating_sub(width(&before)));
    Line::from(vec![
        Span::styled("> ", theme.key()),
        Span::raw(before),
        Span::styled(cur, theme.selected()),
        Span::raw(rest),
    ])
}

fn list_line<'a>(theme: &Theme, text: String, note: String, selected: bool, w: usize) -> Line<'a> {
    let marker = if selected { "› " } else { "  " };
    let name_w = (w / 2).clamp(10, 28);
    let style = if selected {
        theme.selected()
    } else {
        theme.plain()
    };
    Line::from(vec![
        Span::styled(marker, style),
        Span::styled(fit(&text, name_w), style.patch(theme.bold())),
        Span::styled(" ", style),
        Span::styled(
            fit(&note, w.saturating_sub(name_w + 3)),
            if selected { style } else { theme.dim() },
        ),
    ])
}

/// Keeps the selected entry visible in a list of `height` lines.
fn window(len: usize, sel: usize, height: usize) -> std::ops::Range<usize> {
    let start = if sel >= height { sel + 1 - height } else { 0 };
    start..len.min(start + height)
}

pub fn render(m: &Model, theme: &Theme, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    match &m.mode {
        Mode::Confirm {
            prompt, announces, ..
        } => {
            let inner = popup(f, theme, width, 8, "Confirm");
            let mut lines = vec![Line::styled(clean(prompt), theme.bold())];
            match announces {
                Some(a) => {
                    lines.push(Line::raw(""));
                    lines.push(Line::from(vec![
                        Span::raw("Announces: "),
                        Span::styled(clean(a), theme.warn()),
                    ]));
                }
                None => lines.push(Line::raw("")),
            }
            lines.push(Line::raw(""));
            lines.push(footer(
                theme,
                &[("y/Enter", "yes"), ("n/Esc", "no, change nothing")],
            ));
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
        Mode::PickRole { choices, sel } => {
            let h = (choices.len() as u16 + 4).min(area.height.saturating_sub(2));
            let inner = popup(f, theme, width, h, "Hand off which role?");
            let w = inner.width as usize;
            let list_h = inner.height.saturating_sub(2) as usize;
            let mut lines = Vec::new();
            let inc = m.inc.as_ref();
            for i in window(choices.len(), *sel, list_h) {
                let Some(c) = choices.get(i) else { continue };
                let (text, note) = match c {
                    RoleChoice::Role(r) => (
                        r.title(),
                        inc.and_then(|inc| inc.holder(r))
                            .map_or("(vacant)".to_string(), |h| format!("now {}", h.name)),
                    ),
                    RoleChoice::NewGroup => {
                        ("New ops group lead…".into(), "name a new group".into())
                    }
                };
                lines.push(list_line(theme, text, note, i == *sel, w));
            }
            lines.push(Line::raw(""));
            lines.push(footer(
                theme,
                &[("↑↓", "move"), ("Enter", "choose"), ("Esc", "cancel")],
            ));
            f.render_widget(Paragraph::new(lines), inner);
        }
        Mode::PickPerson {
            purpose,
            input,
            matches,
            sel,
        } => {
            let title = match purpose {
                PersonPurpose::Handoff(r) => format!("Hand {} to whom?", r.title()),
                PersonPurpose::Add => "Add whom to the roster?".into(),
            };
            let h = area.height.saturating_sub(4).min(16);
            let inner = popup(f, theme, width, h, &title);
            let w = inner.width as usize;
            let mut lines = vec![field(input, theme, w)];
            let list_h = inner.height.saturating_sub(3) as usize;
            if matches.is_empty() {
                lines.push(Line::styled("  nobody yet: type a name", theme.dim()));
            }
            for i in window(matches.len(), *sel, list_h) {
                let Some(c) = matches.get(i) else { continue };
                let text = if c.new {
                    format!("+ {}", c.name)
                } else {
                    c.name.clone()
                };
                lines.push(list_line(theme, text, c.note.clone(), i == *sel, w));
            }
            while lines.len() < inner.height.saturating_sub(1) as usize {
                lines.push(Line::raw(""));
            }
            lines.push(footer(
                theme,
                &[
                    ("type", "filter/new name"),
                    ("↑↓", "move"),
                    ("Enter", "choose"),
                    ("Esc", "cancel"),
                ],
            ));
            f.render_widget(Paragraph::new(lines), inner);
        }
        Mode::PickGroup { name, choices, sel } => {
            let h = (choices.len() as u16 + 4).min(area.height.saturating_sub(2));
            let inner = popup(
                f,
                theme,
                width,
                h,
                &format!("Add {} to which group?", clean(name)),
            );
            let w = inner.width as usize;
            let list_h = inner.height.saturating_sub(2) as usize;
            let mut lines = Vec::new();
            for i in window(choices.len(), *sel, list_h) {
                let Some(c) = choices.get(i) else { continue };
                let (text, note) = match c {
                    GroupChoice::NoGroup => ("No group".to_string(), "responder".to_string()),
                    GroupChoice::Group(g) => (
                        format!("ops:{g}"),
                        m.inc
                            .as_ref()
                            .and_then(|inc| inc.groups.get(g))
                            .map_or(String::new(), |g| format!("{} people", g.members.len())),
                    ),
                    GroupChoice::NewGroup => ("New group…".into(), "name it next".into()),
                };
                lines.push(list_line(theme, text, note, i == *sel, w));
            }
            lines.push(Line::raw(""));
            lines.push(footer(
                theme,
                &[("↑↓", "move"), ("Enter", "choose"), ("Esc", "cancel")],
            ));
            f.render_widget(Paragraph::new(lines), inner);
        }
        Mode::Snooze { question, sel } => {
            let inner = popup(
                f,
                theme,
                width,
                8,
                &format!("Snooze \"{}\"", question.question()),
            );
            let w = inner.width as usize;
            let mut lines = Vec::new();
            for (i, mins) in SNOOZE_MINUTES.iter().enumerate() {
                let text = format!(
                    "{}  {}",
                    i + 1,
                    crate::domain::checklist::words(jiff::SignedDuration::from_mins(*mins))
                );
                lines.push(list_line(theme, text, String::new(), i == *sel, w));
            }
            lines.push(Line::raw(""));
            lines.push(footer(theme, &[("1-3/Enter", "snooze"), ("Esc", "cancel")]));
            f.render_widget(Paragraph::new(lines), inner);
        }
        Mode::Edit { kind, input } => {
            let inner = popup(f, theme, width, 6, &kind.prompt());
            let w = inner.width as usize;
            let lines = vec![
                field(input, theme, w),
                Line::raw(""),
                footer(theme, &[("Enter", "save"), ("Esc", "cancel")]),
            ];
            f.render_widget(Paragraph::new(lines), inner);
        }
        Mode::Normal | Mode::Help { .. } | Mode::Panel(_) => {}
        Mode::Compose(_) | Mode::ComposeSend(_) | Mode::SitrepLog { .. } => {}
        Mode::DrillDecision(d) => crate::ui::drill::decision(d, theme, f),
    }
}

/// The first screen when no incident is open: ask for a title.
pub fn new_incident(m: &Model, theme: &Theme, f: &mut Buffer) {
    let area = f.screen();
    let input = match &m.mode {
        Mode::Edit { input, .. } => input.clone(),
        _ => LineEdit::default(),
    };
    let width = area.width.saturating_sub(6).min(76);
    let inner = popup(f, theme, width, 9, "commandpost: no open incident");
    let w = inner.width as usize;
    let lines = vec![
        Line::raw(format!(
            "Open a new incident. You ({}) become the IC.",
            truncate(&m.actor, 30)
        )),
        Line::raw("Title: what is broken, in a few words."),
        Line::raw(""),
        field(&input, theme, w),
        Line::raw(""),
        if m.writing > 0 {
            Line::styled("opening…", theme.warn())
        } else {
            footer(theme, &[("Enter", "open the incident"), ("Esc", "quit")])
        },
    ];
    f.render_widget(Paragraph::new(lines).alignment(Alignment::Left), inner);
    if let Some(fl) = &m.flash {
        let r = Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1);
        let style = if fl.error { theme.bad() } else { theme.bold() };
        f.render_widget(
            Paragraph::new(Line::styled(fit(&fl.text, area.width as usize), style)),
            r,
        );
    }
}
