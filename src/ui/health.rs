//! The header's health line (issue 17): each series' current value and a sparkline of the
//! last hour, coloured by threshold and marked in words (`WARN`, `CRIT`: what NO_COLOR keeps);
//! `metrics: unreachable since 03:12 (reason)` while Prometheus does not answer; a series'
//! own error (Prometheus' message) next to it.

use crate::app::model::Model;
use crate::domain::health::live::{Live, Reach, SeriesLive, sparkline};
use crate::domain::health::{HealthPolicy, Level, SeriesSpec};
use crate::ui::text::{clean, truncate, width};
use crate::ui::theme::Theme;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Buckets of the sparkline (five minutes each over the hour).
pub const SPARK_BUCKETS: usize = 12;

/// Whether the header has a health line (`[metrics]` series or `[alerts]`).
pub fn shown(m: &Model) -> bool {
    !m.config.metrics.series.is_empty() || m.alerts_on()
}

/// `alerts: 2 firing (!)`, `alerts: unreachable (reason)`; `None` without `[alerts]`.
fn alerts_text(m: &Model, theme: &Theme) -> Option<(String, Style)> {
    if !m.alerts_on() {
        return None;
    }
    let key = m.keymap.label(crate::app::actions::Action::Alerts);
    Some(match m.alerts.as_ref().map(|a| &a.result) {
        None => ("alerts: asking…".into(), theme.dim()),
        Some(Err(reason)) => (
            format!("alerts: unreachable ({})", clean(reason)),
            theme.bad(),
        ),
        Some(Ok(list)) => {
            let active = list
                .iter()
                .filter(|a| a.state == crate::domain::alert::AlertState::Active)
                .count();
            let style = if active > 0 {
                theme.bad()
            } else {
                theme.plain()
            };
            (format!("alerts: {active} firing ({key})"), style)
        }
    })
}

/// The health line, `w` columns wide.
pub fn line(m: &Model, theme: &Theme, w: usize) -> Line<'static> {
    let policy = m.config.metrics.policy();
    let live = &m.health;
    let mut spans: Vec<Span<'static>> = vec![Span::raw(" ")];
    let mut used = 1;
    let mut push = |spans: &mut Vec<Span<'static>>, text: String, style: Style| {
        let room = w.saturating_sub(used);
        if room == 0 {
            return;
        }
        // Whole when it fits (truncate would drop the separating spaces).
        let text = if width(&text) <= room {
            text
        } else {
            truncate(&text, room)
        };
        used += width(&text);
        spans.push(Span::styled(text, style));
    };
    match &live.reach {
        Reach::Down { since, reason } => {
            let at = since.to_zoned(m.tz.clone()).strftime("%H:%M").to_string();
            push(
                &mut spans,
                format!("metrics: unreachable since {at} ({}) ", clean(reason)),
                theme.bad(),
            );
            push(&mut spans, " ".into(), theme.plain());
        }
        Reach::Waiting if live.updated.is_none() && m.drill.is_none() => {
            push(
                &mut spans,
                "metrics: asking Prometheus… ".into(),
                theme.dim(),
            );
        }
        _ => {}
    }
    let stale = matches!(live.reach, Reach::Down { .. });
    let alerts = alerts_text(m, theme);
    if let Some((text, style)) = &alerts
        && policy.series.is_empty()
    {
        push(&mut spans, text.clone(), *style);
    }
    for (i, spec) in policy.series.iter().enumerate() {
        if i > 0 {
            push(&mut spans, " · ".into(), theme.dim());
        }
        let Some(s) = live.series.get(i) else {
            continue;
        };
        for (text, style) in series_spans(m, &policy, live, i, spec, s, theme, stale) {
            push(&mut spans, text, style);
        }
    }
    if let Some((text, style)) = alerts
        && !policy.series.is_empty()
    {
        push(&mut spans, " · ".into(), theme.dim());
        push(&mut spans, text, style);
    }
    Line::from(spans)
}

/// One series: `API 5xx 9.4% CRIT ▁▁▂▅█`, `API 5xx error: parse error…`, `API 5xx no data`.
#[allow(clippy::too_many_arguments)]
fn series_spans(
    m: &Model,
    policy: &HealthPolicy,
    live: &Live,
    i: usize,
    spec: &SeriesSpec,
    s: &SeriesLive,
    theme: &Theme,
    stale: bool,
) -> Vec<(String, Style)> {
    let mut out = vec![(format!("{} ", clean(&spec.name)), theme.bold())];
    if let Some(e) = &s.error {
        out.push((format!("error: {}", clean(e)), theme.bad()));
        return out;
    }
    if s.empty {
        out.push(("no data".into(), theme.dim()));
        return out;
    }
    let Some(last) = s.last() else {
        out.push(("–".into(), theme.dim()));
        return out;
    };
    let level = spec.level(last.value);
    let style = if stale {
        theme.dim()
    } else {
        level_style(theme, level)
    };
    out.push((spec.show(last.value), style));
    match level {
        Some(Level::Ok) => {}
        Some(l) => out.push((format!(" {}", l.mark()), style)),
        None => out.push((" ?".into(), theme.warn())),
    }
    // Where bad is higher, the bars are scaled to the critical (else warning) threshold.
    let top = (spec.worse == crate::domain::health::Worse::Higher)
        .then_some(spec.critical.or(spec.warn))
        .flatten();
    let spark = sparkline(&live.buckets(policy, i, SPARK_BUCKETS, m.now), top);
    if spark.trim().is_empty() {
        return out;
    }
    out.push((" ".into(), theme.plain()));
    out.push((spark, style));
    out
}

fn level_style(theme: &Theme, level: Option<Level>) -> Style {
    match level {
        Some(Level::Critical) => theme.bad(),
        Some(Level::Warn) => theme.warn(),
        Some(Level::Ok) => theme.good(),
        None => theme.dim(),
    }
}
