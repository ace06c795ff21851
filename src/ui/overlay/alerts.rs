//! The firing alerts (`!`): one block per alert (name, severity, since, silenced or
//! inhibited; summary; labels), the selected one marked, attached ones said so; Alertmanager's
//! trouble on top.

use crate::app::model::Model;
use crate::app::overlay::alerts::{Alerts, listed};
use crate::app::overlay::step::Layer;
use crate::ui::text::{clean, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::{Canvas, big, footer};
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The view's lines, `w` columns wide.
pub fn lines<'a>(m: &Model, theme: &Theme, a: &Alerts, w: usize) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    match m.alerts.as_ref().map(|u| &u.result) {
        None if m.alerts_on() => {
            out.push(Line::styled("asking Alertmanager…", theme.dim()));
        }
        None => out.push(Line::styled(
            "no Alertmanager configured: set [alerts] alertmanager = \"http://host:9093\"",
            theme.warn(),
        )),
        Some(Err(reason)) => out.push(Line::styled(
            truncate(&format!("alerts: unreachable ({})", clean(reason)), w),
            theme.bad(),
        )),
        Some(Ok(list)) if list.is_empty() => out.push(Line::raw("no alerts firing")),
        Some(Ok(_)) => {}
    }
    let attached: Vec<&str> = m
        .inc
        .as_ref()
        .map(|i| {
            i.alerts
                .iter()
                .map(|x| x.alert.fingerprint.as_str())
                .collect()
        })
        .unwrap_or_default();
    for (i, alert) in listed(&m.cx).iter().enumerate() {
        let selected = i == a.sel;
        let marker = if selected { "› " } else { "  " };
        let base = if selected {
            theme.selected()
        } else {
            theme.bold()
        };
        let sev = alert.severity().unwrap_or_else(|| "-".into());
        let sev_style = match sev.to_lowercase().as_str() {
            "critical" | "page" | "error" => theme.bad(),
            "warning" | "warn" => theme.warn(),
            _ => theme.plain(),
        };
        let mut tail = format!(
            "  since {}",
            alert.starts_at.to_zoned(m.tz.clone()).strftime("%H:%M")
        );
        let quiet = alert.suppressed();
        if !quiet.is_empty() {
            tail.push_str(&format!(" · {quiet}"));
        }
        if attached.contains(&alert.fingerprint.as_str()) {
            tail.push_str(" · attached");
        }
        out.push(Line::from(vec![
            Span::styled(marker, base),
            Span::styled(clean(&alert.name()), base),
            Span::raw(" "),
            Span::styled(format!("[{}]", clean(&sev)), sev_style),
            Span::raw(truncate(&tail, w.saturating_sub(30))),
        ]));
        out.push(Line::raw(truncate(&format!("    {}", alert.summary()), w)));
        let labels = alert.label_text();
        if !labels.is_empty() {
            out.push(Line::styled(
                truncate(&format!("    {labels}"), w),
                theme.dim(),
            ));
        }
    }
    out
}

pub fn render(m: &Model, theme: &Theme, a: &Alerts, f: &mut Buffer) {
    let n = listed(&m.cx).len();
    let inner = big(f, theme, &format!("Alerts · {n} firing"));
    let w = inner.width as usize;
    let body_h = inner.height.saturating_sub(1) as usize;
    let all = lines(m, theme, a, w);
    // Keep the selected alert in view (three lines at most each).
    let start = (a.sel * 3 + 3).saturating_sub(body_h).min(all.len());
    let mut out: Vec<Line> = all.into_iter().skip(start).take(body_h).collect();
    while out.len() < body_h {
        out.push(Line::raw(""));
    }
    out.push(footer(theme, &m.keymap, &a.footer(&m.cx)));
    f.render_widget(Paragraph::new(out), inner);
}
