//! The rotation view (`o`): for IC, Comms and the roles the config names, who holds it and
//! since when, when their shift ends, the proposed next holder with the reason; then
//! everyone's work and rest in the last 24 hours.

use crate::app::model::Model;
use crate::app::overlay::rotation::Rotation;
use crate::app::overlay::step::Layer;
use crate::domain::followup::rotation::breaks_hint;
use crate::domain::followup::{self, Urgency, hours, loads, propose_all};
use crate::domain::role::Role;
use crate::ui::text::{clean, fit, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, big, footer};
use ratatui::buffer::Buffer;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const ROLE_COLS: usize = 18;
const INDENT: &str = "    ";
const NAME_COLS: usize = 18;

/// The roles of `[rotation] roles` (unparsable ones are left out: `config check` names them).
pub fn config_roles(m: &Model) -> Vec<Role> {
    m.config
        .rotation
        .roles
        .iter()
        .filter_map(|r| r.parse::<Role>().ok())
        .collect()
}

/// The view's lines (also what the snapshot tests read).
pub fn lines<'a>(m: &Model, theme: &Theme, w: usize) -> Vec<Line<'a>> {
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let now = m.now;
    let proposals = propose_all(
        inc,
        &config_roles(m),
        &m.config.people,
        &m.config.shifts,
        now,
    );
    let mut out = Vec::new();
    let hints: Vec<String> = proposals
        .iter()
        .filter_map(|p| breaks_hint(p, &m.config.shifts, now))
        .collect();
    for h in &hints {
        out.push(Line::styled(truncate(&format!("! {h}"), w), theme.bad()));
    }
    if !hints.is_empty() {
        out.push(Line::raw(""));
    }
    for p in &proposals {
        let (flag, style): (&str, Style) = match p.urgency {
            Urgency::Vacant => ("VACANT", theme.warn()),
            Urgency::Fine => ("", theme.plain()),
            Urgency::DueSoon => ("DUE SOON", theme.warn()),
            Urgency::Overdue => ("OVERDUE", theme.bad()),
        };
        let holder = p.holder.as_deref().unwrap_or("(vacant)");
        let mut facts = Vec::new();
        if let Some(s) = p.since {
            facts.push(format!("holds it since {}", followup::utc_hm(s)));
        }
        if let Some(on) = p.on_duty_since {
            facts.push(format!("on duty {}", hours(now.duration_since(on))));
        }
        if let Some(end) = p.shift_ends_at {
            let d = end.duration_since(now);
            facts.push(if d.is_negative() {
                format!(
                    "{} shift ended {} ({} ago)",
                    hours(m.config.shifts.length),
                    followup::utc_hm(end),
                    hours(-d)
                )
            } else {
                format!("shift ends {} (in {})", followup::utc_hm(end), hours(d))
            })
        }
        let facts = facts.join(", ");
        let room = w.saturating_sub(ROLE_COLS + flag.len() + 1);
        out.push(Line::from(vec![
            Span::styled(fit(&p.role.title(), ROLE_COLS), theme.bold()),
            Span::styled(fit(&clean(holder), room), theme.bold()),
            Span::raw(" "),
            Span::styled(flag.to_string(), style),
        ]));
        let sub = w.saturating_sub(INDENT.len());
        if !facts.is_empty() {
            out.push(Line::from(vec![
                Span::raw(INDENT),
                Span::raw(truncate(&facts, sub)),
            ]));
        }
        if let Some(to) = &p.pending_to {
            out.push(Line::from(vec![
                Span::raw(INDENT),
                Span::styled(
                    truncate(
                        &format!(
                            "pending hand-off to {} (waiting for acknowledgement)",
                            clean(to)
                        ),
                        sub,
                    ),
                    theme.warn(),
                ),
            ]));
        }
        let next = match &p.next {
            Some(_) => format!("next: {}", clean(&p.reason)),
            None => clean(&p.reason),
        };
        out.push(Line::from(vec![
            Span::raw(INDENT),
            Span::styled(
                truncate(&next, sub),
                if p.next.is_some() {
                    theme.plain()
                } else {
                    theme.warn()
                },
            ),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!(
            "{}{}{}{}roles",
            fit("Last 24h", NAME_COLS),
            fit("now", 20),
            fit("worked", 10),
            fit("rested", 10),
        ),
        theme.dim(),
    ));
    for l in loads(inc, now) {
        let state = if l.on_break {
            "on break".to_string()
        } else if let Some(d) = l.on_duty_for {
            format!("on duty {}", hours(d))
        } else if let Some(d) = l.off_duty_for {
            format!("off duty {}", hours(d))
        } else {
            "off duty".to_string()
        };
        let roles: Vec<String> = l.roles.iter().map(Role::title).collect();
        let style = if l.worked_24h >= followup::rotation::MAX_WORK_IN_24H {
            theme.bad()
        } else {
            theme.plain()
        };
        out.push(Line::from(vec![
            Span::styled(fit(&clean(&l.name), NAME_COLS), theme.bold()),
            Span::raw(fit(&state, 20)),
            Span::styled(fit(&hours(l.worked_24h), 10), style),
            Span::raw(fit(&hours(l.rested_24h), 10)),
            Span::raw(truncate(
                &roles.join(", "),
                w.saturating_sub(NAME_COLS + 40),
            )),
        ]));
    }
    out
}

pub fn render(m: &Model, theme: &Theme, r: &Rotation, f: &mut Buffer) {
    let scroll = r.scroll;
    let inner = big(
        f,
        theme,
        &format!(
            "Rotation · shifts of {} · rest at least {}",
            hours(m.config.shifts.length),
            hours(m.config.shifts.min_rest)
        ),
    );
    let w = inner.width as usize;
    let body_h = inner.height.saturating_sub(1) as usize;
    let all = lines(m, theme, w);
    let start = (scroll as usize).min(all.len().saturating_sub(body_h));
    let mut out: Vec<Line> = all.into_iter().skip(start).take(body_h).collect();
    while out.len() < body_h {
        out.push(Line::raw(""));
    }
    out.push(footer(theme, &m.keymap, &r.footer(&m.cx)));
    f.render_widget(Paragraph::new(out), inner);
}
