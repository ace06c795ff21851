//! Header: id, title, state, elapsed, current IC and for how long, clocks.

use crate::app::model::Model;
use crate::domain::checklist::words;
use crate::domain::duration::short;
use crate::ui::text::put_lines;
use crate::ui::text::{clean, fit, truncate, width};
use crate::ui::theme::Theme;
use jiff::SignedDuration;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub fn render(m: &Model, theme: &Theme, area: Rect, f: &mut Buffer) {
    let Some(inc) = &m.inc else {
        return;
    };
    let w = area.width as usize;
    let state = match inc.state.level() {
        Some(n) => format!(" {n} {} ", inc.state.label().to_uppercase()),
        None => " RESOLVED ".to_string(),
    };
    let drill = crate::ui::drill::banner(m);
    let demo = match &drill {
        Some(b) => b.as_str(),
        None if m.demo => " DEMO: nothing is sent ",
        None => "",
    };
    let id = format!(" {} ", clean(&inc.id));
    let room = w.saturating_sub(width(&id) + width(&state) + width(demo) + 2);
    let title = truncate(&inc.title, room);
    let pad = w.saturating_sub(width(&id) + width(&title) + width(&state) + width(demo) + 1);
    let line1 = Line::from(vec![
        Span::styled(id, theme.bold()),
        Span::styled(title, theme.bold()),
        Span::raw(" ".repeat(pad)),
        Span::styled(
            demo,
            if drill.is_some() {
                crate::ui::drill::banner_style(theme)
            } else {
                theme.warn()
            },
        ),
        Span::raw(" "),
        Span::styled(state, theme.severity(inc.state)),
    ]);

    let elapsed = short(
        m.now
            .duration_since(inc.opened_at)
            .max(SignedDuration::ZERO),
    );
    let ic = match inc.ic() {
        Some(h) => format!(
            "IC {} for {}",
            clean(&h.name),
            words(m.now.duration_since(h.since).max(SignedDuration::ZERO))
        ),
        None => "IC: nobody".into(),
    };
    let utc = m.now.strftime("%H:%M:%S UTC").to_string();
    let local = m
        .now
        .to_zoned(m.tz.clone())
        .strftime("%H:%M:%S %Z")
        .to_string();
    let clocks = if local.ends_with("UTC") {
        format!("{utc} ")
    } else {
        format!("{utc} · {local} ")
    };
    // On a synced incident, an outgoing IC (a hand-off made here, on another cockpit or in
    // the room) sees plainly that the role is no longer theirs, and who has it.
    let lost = m.sync.as_ref().and_then(|_| {
        inc.standing(&m.actor)
            .lost
            .into_iter()
            .find(|l| l.role == crate::domain::role::Role::Ic)
    });
    let room = w.saturating_sub(width(&clocks));
    let spans = match lost {
        Some(l) => {
            let open = format!(" open {elapsed} · ");
            let text = fit(&clean(&l.text()), room.saturating_sub(width(&open)));
            vec![Span::raw(open), Span::styled(text, theme.bad())]
        }
        None => vec![Span::raw(fit(&format!(" open {elapsed} · {ic}"), room))],
    };
    let mut spans = spans;
    spans.push(Span::styled(clocks, theme.dim()));
    let line2 = Line::from(spans);
    let mut lines = vec![line1, line2];
    if crate::ui::health::shown(m) {
        lines.push(crate::ui::health::line(m, theme, w));
    }
    put_lines(f, area, &lines);
}
