//! The deliveries overlay (`D`): every outbound message x backend, newest first, with where
//! it stands (queued / sending / delivered / retrying in Ns / failed: reason / dropped).

use crate::app::model::Model;
use crate::app::overlay::deliveries::DeliveryList;
use crate::app::overlay::step::Layer;
use crate::delivery::outbox::DeliveryStatus;
use crate::ui::text::{clean, fit, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, big, footer, wrap};
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const TIME_COLS: usize = 6;
const KIND_COLS: usize = 13;
const BACKEND_COLS: usize = 16;
/// Lines under the list for the selected delivery.
const DETAIL_LINES: usize = 3;

pub fn render(m: &Model, theme: &Theme, list: &DeliveryList, f: &mut Buffer) {
    let sel = list.sel;
    let rows = m.deliveries.rows();
    let title = format!(
        "Deliveries · {} messages · {} pending · {} failed",
        m.deliveries.state.messages.len(),
        m.deliveries_pending,
        m.deliveries_failed
    );
    let inner = big(f, theme, &title);
    let w = inner.width as usize;
    let list_h = inner.height.saturating_sub(2 + DETAIL_LINES as u16) as usize;
    let sel = sel.min(rows.len().saturating_sub(1));
    let rest = w.saturating_sub(2 + TIME_COLS + KIND_COLS + BACKEND_COLS + 3);
    let head_cols = rest * 2 / 5;
    let status_cols = rest.saturating_sub(head_cols);
    let mut lines = vec![Line::styled(
        format!(
            "  {}{}{} {} {}",
            fit("UTC", TIME_COLS),
            fit("kind", KIND_COLS),
            fit("message", head_cols),
            fit("backend", BACKEND_COLS),
            fit("status", status_cols)
        ),
        theme.dim(),
    )];
    if rows.is_empty() {
        lines.push(Line::styled(
            "  nothing sent yet: announcements, pages, sitreps and status updates show here",
            theme.dim(),
        ));
    }
    let start = if sel >= list_h { sel + 1 - list_h } else { 0 };
    for (i, r) in rows.iter().enumerate().skip(start).take(list_h) {
        let selected = i == sel;
        let status = r.row.status.label(m.now);
        let st_style = match &r.row.status {
            DeliveryStatus::Failed { .. } => theme.bad(),
            DeliveryStatus::Delivered { .. } => theme.good(),
            DeliveryStatus::Dropped => theme.dim(),
            _ => theme.warn(),
        };
        let (base, marker) = theme.row(selected);
        let kind = if r.row.attempts > 1 {
            format!("{} ×{}", r.row.kind, r.row.attempts)
        } else {
            r.row.kind.to_string()
        };
        lines.push(Line::from(vec![
            Span::styled(marker, base),
            Span::styled(
                fit(&r.queued_at.strftime("%H:%M").to_string(), TIME_COLS),
                if selected { base } else { theme.dim() },
            ),
            Span::styled(fit(&kind, KIND_COLS), base),
            Span::styled(
                fit(&clean(&r.row.headline), head_cols),
                base.patch(theme.bold()),
            ),
            Span::styled(" ", base),
            Span::styled(fit(&r.row.backend, BACKEND_COLS), base),
            Span::styled(" ", base),
            Span::styled(
                truncate(&clean(&status), status_cols),
                if selected { base } else { st_style },
            ),
        ]));
    }
    // The selected delivery in full under the list (statuses are cut in the table).
    let detail: Vec<String> = rows
        .get(sel)
        .map(|r| {
            // What the backend said of a delivery ("appended to …/outbox.md", "HTTP 200"):
            // where the default file backend wrote is otherwise nowhere on screen.
            let said = match &r.row.status {
                DeliveryStatus::Delivered { detail } if !detail.is_empty() => {
                    format!(": {detail}")
                }
                _ => String::new(),
            };
            let mut d = wrap(
                &format!("{}: {}{said}", r.row.backend, r.row.status.label(m.now)),
                w,
            );
            d.truncate(DETAIL_LINES - 1);
            d.push(format!(
                "{} · {} · {} attempt{} · updated {}",
                r.row.message,
                r.row.headline,
                r.row.attempts,
                if r.row.attempts == 1 { "" } else { "s" },
                r.row.updated_at.strftime("%H:%M:%S UTC")
            ));
            d
        })
        .unwrap_or_default();
    while lines.len() + DETAIL_LINES < inner.height.saturating_sub(1) as usize {
        lines.push(Line::raw(""));
    }
    for (i, d) in detail.iter().enumerate() {
        lines.push(Line::styled(
            truncate(d, w),
            if i + 1 == detail.len() {
                theme.dim()
            } else {
                theme.bold()
            },
        ));
    }
    while lines.len() < inner.height.saturating_sub(1) as usize {
        lines.push(Line::raw(""));
    }
    lines.push(footer(theme, &m.keymap, &list.footer(&m.cx)));
    f.render_widget(Paragraph::new(lines), inner);
}
