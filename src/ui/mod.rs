//! The view: `render(&Model, &Theme, &mut Frame)`. Reads, never mutates,
//! never does IO. One file per region; one per overlay in `overlay/`.

mod checklist;
pub mod drill;
mod header;
pub mod health;
pub mod overlay;
mod roster;
mod status_bar;
pub mod text;
pub mod theme;
mod timeline;
pub mod widgets;

use crate::app::model::{MIN_HEIGHT, MIN_WIDTH, Model};
use crate::app::overlay::Overlay;
pub use overlay::help::entries as help_entries;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
pub use theme::Theme;
use widgets::Canvas;

/// Width from which roster and timeline sit side by side.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 120;

/// Draws the whole cockpit into the frame.
pub fn render(m: &Model, theme: &Theme, frame: &mut ratatui::Frame) {
    draw(m, theme, frame.buffer_mut());
}

/// Draws the whole cockpit into a buffer (the area is the screen). What reaches the terminal
/// then goes through the one sanitiser ([`crate::term::Scrubbed`]).
pub fn draw(m: &Model, theme: &Theme, f: &mut Buffer) {
    let area = f.screen();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(area, theme, f);
        return;
    }
    if m.inc.is_none() {
        overlay::edit::new_incident(m, theme, f);
        // The alerts view (and its confirmation) over the first screen.
        if let Some(o) = m
            .overlay
            .as_ref()
            .filter(|o| !matches!(o, Overlay::Edit(_)))
        {
            overlay::render(m, theme, o, f);
        }
        return;
    }
    let head_rows = if health::shown(m) { 3 } else { 2 };
    let [head, check, body, status] = Layout::vertical([
        Constraint::Length(head_rows),
        Constraint::Length(7),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(m, theme, head, f);
    checklist::render(m, theme, check, f);
    if area.width >= SIDE_BY_SIDE_MIN_WIDTH {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                .spacing(1)
                .areas(body);
        roster::render(m, theme, left, f);
        timeline::render(m, theme, right, f);
    } else {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(body);
        roster::render(m, theme, top, f);
        timeline::render(m, theme, bottom, f);
    }
    status_bar::render(m, theme, status, f);
    if let Some(o) = &m.overlay {
        overlay::render(m, theme, o, f);
    }
}

fn too_small(area: Rect, theme: &Theme, f: &mut Buffer) {
    let lines = vec![
        Line::styled("Terminal too small", theme.bad()),
        Line::raw(format!(
            "need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}",
            area.width, area.height
        )),
        Line::raw("enlarge the window; q quits"),
    ];
    let h = (lines.len() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    let r = Rect::new(area.x, y, area.width, h);
    f.render_widget(
        Paragraph::new(lines).alignment(ratatui::layout::Alignment::Center),
        r,
    );
}
