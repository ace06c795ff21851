//! The report over many incidents (`commandpost report [--since 30d]`):
//! counts, durations, medians of the key figures, hand-offs, long shifts,
//! status-update lateness. Serializable for `--json` (durations in seconds).

use super::figures::KeyFigures;
use super::{hours, median, utc};
use crate::domain::event::Severity;
use crate::domain::incident::Incident;
use crate::domain::policy::Policy;
use crate::domain::text::one_line;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::fmt::Write as _;

/// One incident's line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub id: String,
    pub title: String,
    pub opened_at: Timestamp,
    pub state: Severity,
    pub max_severity: Severity,
    pub closed: bool,
    /// Opening to resolution; `None` while open.
    pub duration_secs: Option<i64>,
    pub to_first_status_secs: Option<i64>,
    pub to_first_sitrep_secs: Option<i64>,
    pub to_confirmed_secs: Option<i64>,
    pub to_resolved_secs: Option<i64>,
    pub handoffs: usize,
    pub longest_shift_secs: Option<i64>,
    pub shifts_over_limit: usize,
    pub status_updates: usize,
    pub late_status_updates: usize,
    pub worst_late_secs: Option<i64>,
}

/// Counts of incidents by the highest state they reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct BySeverity {
    pub investigating: usize,
    pub confirmed: usize,
    pub major: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub since: Timestamp,
    pub now: Timestamp,
    pub incidents: usize,
    pub open: usize,
    pub resolved: usize,
    /// Resolved and cleaned up.
    pub closed: usize,
    pub by_severity: BySeverity,
    pub median_duration_secs: Option<i64>,
    pub longest_duration_secs: Option<i64>,
    pub median_to_first_status_secs: Option<i64>,
    pub median_to_first_sitrep_secs: Option<i64>,
    pub median_to_confirmed_secs: Option<i64>,
    pub median_to_resolved_secs: Option<i64>,
    pub handoffs: usize,
    pub median_handoffs: Option<usize>,
    /// Shifts longer than `shifts.length`.
    pub shifts_over_limit: usize,
    pub shift_limit_secs: i64,
    pub status_updates: usize,
    /// Late or missed status updates against the cadence / promises.
    pub late_status_updates: usize,
    pub median_late_by_secs: Option<i64>,
    pub worst_late_by_secs: Option<i64>,
    /// Newest first.
    pub rows: Vec<ReportRow>,
}

fn secs(d: Option<SignedDuration>) -> Option<i64> {
    d.map(|d| d.as_secs())
}

/// The report over `incidents` opened between `since` and `now`.
pub fn report(incidents: &[Incident], since: Timestamp, now: Timestamp, policy: &Policy) -> Report {
    let mut rows = Vec::new();
    let mut figs: Vec<KeyFigures> = Vec::new();
    for inc in incidents
        .iter()
        .filter(|i| i.opened_at >= since && i.opened_at <= now)
    {
        let k = KeyFigures::of(inc, policy);
        rows.push(ReportRow {
            id: inc.id.clone(),
            title: inc.title.clone(),
            opened_at: inc.opened_at,
            state: inc.state,
            max_severity: k.max_severity,
            closed: inc.closed(),
            duration_secs: secs(k.to_resolved),
            to_first_status_secs: secs(k.to_first_status),
            to_first_sitrep_secs: secs(k.to_first_sitrep),
            to_confirmed_secs: secs(k.to_confirmed),
            to_resolved_secs: secs(k.to_resolved),
            handoffs: k.handoffs,
            longest_shift_secs: k.longest_shift.as_ref().map(|l| l.length.as_secs()),
            shifts_over_limit: k.shifts_over_limit,
            status_updates: k.status_updates,
            late_status_updates: k.late_status.len(),
            worst_late_secs: k.late_status.iter().map(|l| l.late_by.as_secs()).max(),
        });
        figs.push(k);
    }
    let med = |f: fn(&KeyFigures) -> Option<SignedDuration>| {
        secs(median(figs.iter().filter_map(f).collect()))
    };
    let mut by = BySeverity::default();
    for k in &figs {
        match k.max_severity {
            Severity::Major => by.major += 1,
            Severity::Confirmed => by.confirmed += 1,
            _ => by.investigating += 1,
        }
    }
    let lates: Vec<SignedDuration> = figs
        .iter()
        .flat_map(|k| k.late_status.iter().map(|l| l.late_by))
        .collect();
    let mut handoff_counts: Vec<usize> = figs.iter().map(|k| k.handoffs).collect();
    handoff_counts.sort_unstable();
    let mut r = Report {
        since,
        now,
        incidents: rows.len(),
        open: rows.iter().filter(|r| r.state.is_open()).count(),
        resolved: rows.iter().filter(|r| !r.state.is_open()).count(),
        closed: rows.iter().filter(|r| r.closed).count(),
        by_severity: by,
        median_duration_secs: med(|k| k.to_resolved),
        longest_duration_secs: rows.iter().filter_map(|r| r.duration_secs).max(),
        median_to_first_status_secs: med(|k| k.to_first_status),
        median_to_first_sitrep_secs: med(|k| k.to_first_sitrep),
        median_to_confirmed_secs: med(|k| k.to_confirmed),
        median_to_resolved_secs: med(|k| k.to_resolved),
        handoffs: figs.iter().map(|k| k.handoffs).sum(),
        median_handoffs: handoff_counts
            .get(handoff_counts.len().saturating_sub(1) / 2)
            .copied(),
        shifts_over_limit: figs.iter().map(|k| k.shifts_over_limit).sum(),
        shift_limit_secs: policy.shifts.length.as_secs(),
        status_updates: figs.iter().map(|k| k.status_updates).sum(),
        late_status_updates: lates.len(),
        median_late_by_secs: secs(median(lates.clone())),
        worst_late_by_secs: secs(lates.iter().max().copied()),
        rows,
    };
    r.rows
        .sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
    r
}

fn h(s: Option<i64>) -> String {
    s.map(|s| hours(SignedDuration::from_secs(s)))
        .unwrap_or_else(|| "-".into())
}

/// The report as a plain-text table.
pub fn render_table(r: &Report) -> String {
    let mut o = String::new();
    let span = r.now.duration_since(r.since);
    let span = if span.as_secs() % 86_400 == 0 {
        format!("{}d", span.as_secs() / 86_400)
    } else {
        hours(span)
    };
    let _ = writeln!(
        o,
        "Incidents opened {} .. {} ({span}): {} ({} open, {} resolved, {} closed)",
        utc(r.since),
        utc(r.now),
        r.incidents,
        r.open,
        r.resolved,
        r.closed
    );
    if r.incidents == 0 {
        return o;
    }
    let b = &r.by_severity;
    let _ = writeln!(
        o,
        "By highest state: investigating {}, confirmed {}, major {}",
        b.investigating, b.confirmed, b.major
    );
    let _ = writeln!(
        o,
        "Duration (resolved): median {}, longest {}",
        h(r.median_duration_secs),
        h(r.longest_duration_secs)
    );
    let _ = writeln!(
        o,
        "Medians: first status update {}, first sitrep {}, confirmed {}, resolved {}",
        h(r.median_to_first_status_secs),
        h(r.median_to_first_sitrep_secs),
        h(r.median_to_confirmed_secs),
        h(r.median_to_resolved_secs)
    );
    let _ = writeln!(
        o,
        "Hand-offs: {} (median {} per incident)",
        r.handoffs,
        r.median_handoffs.unwrap_or(0)
    );
    let _ = writeln!(
        o,
        "Shifts over {}: {}",
        h(Some(r.shift_limit_secs)),
        r.shifts_over_limit
    );
    let _ = writeln!(
        o,
        "Status updates: {} posted, {} late or missed (median {} late, worst {})",
        r.status_updates,
        r.late_status_updates,
        h(r.median_late_by_secs),
        h(r.worst_late_by_secs)
    );
    let _ = writeln!(o);
    let id_w = r.rows.iter().map(|x| x.id.len()).max().unwrap_or(2).max(2);
    let _ = writeln!(
        o,
        "{:<id_w$}  {:<13}  {:<13}  {:>8}  {:>10}  {:>10}  {:>9}  {:>4}  {:>4}  Title",
        "ID",
        "State",
        "Highest",
        "Duration",
        "1st status",
        "1st sitrep",
        "Hand-offs",
        "Long",
        "Late"
    );
    for x in &r.rows {
        let state = if x.closed {
            "closed".to_string()
        } else {
            x.state.label().to_string()
        };
        let _ = writeln!(
            o,
            "{:<id_w$}  {:<13}  {:<13}  {:>8}  {:>10}  {:>10}  {:>9}  {:>4}  {:>4}  {}",
            x.id,
            state,
            x.max_severity.label(),
            h(x.duration_secs),
            h(x.to_first_status_secs),
            h(x.to_first_sitrep_secs),
            x.handoffs,
            x.shifts_over_limit,
            x.late_status_updates,
            one_line(&x.title)
        );
    }
    o
}
