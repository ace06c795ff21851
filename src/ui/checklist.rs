//! The IC event loop: six questions, their derived status and the reason.

use crate::app::model::{Model, Region};
use crate::domain::checklist::{Status, progress};
use crate::ui::text::put_lines;
use crate::ui::text::{fit, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::region_title;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

const QUESTION_COLS: usize = 21;
const STATUS_COLS: usize = 8;

pub fn render(m: &Model, theme: &Theme, area: Rect, f: &mut Buffer) {
    let Some(inc) = &m.inc else {
        return;
    };
    let (passes, done) = progress(inc);
    let attention = m.rows.iter().filter(|r| r.status.needs_attention()).count();
    let extra = format!(
        "{attention} need attention · pass {}: {done} of 6 reviewed · {passes} {} done",
        passes + 1,
        if passes == 1 { "pass" } else { "passes" }
    );
    let mut lines = vec![region_title(m, theme, Region::Checklist, extra, area.width)];
    let focused = m.focus == Region::Checklist;
    let w = area.width as usize;
    for (i, row) in m.rows.iter().enumerate() {
        let selected = i == m.check_sel;
        let marker = if selected { "› " } else { "  " };
        let q = fit(row.question.question(), QUESTION_COLS);
        let status = fit(row.status.label(), STATUS_COLS - 1);
        let room = w.saturating_sub(2 + QUESTION_COLS + STATUS_COLS + 1);
        let reason = truncate(&row.reason, room);
        let base = if selected && focused {
            theme.selected()
        } else if row.status == Status::Ok {
            theme.plain()
        } else {
            theme.bold()
        };
        lines.push(Line::from(vec![
            Span::styled(marker, base),
            Span::styled(q, base),
            Span::styled(status, theme.status(row.status)),
            Span::styled("  ", base),
            Span::styled(
                reason,
                if selected && focused {
                    base
                } else {
                    theme.plain()
                },
            ),
        ]));
    }
    put_lines(f, area, &lines);
}
