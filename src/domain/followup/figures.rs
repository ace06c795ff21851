//! Key figures of one incident, shared by the post-mortem and the report.

use super::plus;
use crate::domain::event::Severity;
use crate::domain::incident::Incident;
use crate::domain::policy::Policy;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// A public status update that came later than due (or never came).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateStatus {
    /// When it was due.
    pub due: Timestamp,
    /// When it was posted; `None` if it never was.
    pub posted: Option<Timestamp>,
    pub late_by: SignedDuration,
    /// Due because the previous update promised it (`next_update_at`),
    /// rather than by the configured cadence.
    pub promised: bool,
}

/// The longest continuous stretch on duty (breaks do not end a shift).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LongestShift {
    pub name: String,
    pub start: Timestamp,
    pub length: SignedDuration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFigures {
    pub opened_at: Timestamp,
    /// The final resolution, if the incident is resolved.
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// The end of the measured period: the resolution, else the last event.
    pub end: Timestamp,
    /// The highest state reached.
    pub max_severity: Severity,
    pub to_first_status: Option<SignedDuration>,
    pub to_first_sitrep: Option<SignedDuration>,
    /// To the first change to confirmed or major.
    pub to_confirmed: Option<SignedDuration>,
    pub to_resolved: Option<SignedDuration>,
    pub handoffs: usize,
    pub ic_handoffs: usize,
    pub sitreps: usize,
    pub status_updates: usize,
    pub longest_shift: Option<LongestShift>,
    /// Shifts longer than `shifts.length`.
    pub shifts_over_limit: usize,
    pub late_status: Vec<LateStatus>,
}

impl KeyFigures {
    /// Computes the figures. A status update is due `cadence.status` after
    /// the opening or the previous update, unless the previous update
    /// promised a time (`next_update_at`). After an update at stage
    /// "resolved", none is due. If the incident ended (or the journal stops)
    /// past a due time with no update, that one counts as missed.
    pub fn of(inc: &Incident, policy: &Policy) -> KeyFigures {
        let opened = inc.opened_at;
        let since = |t: Timestamp| t.duration_since(opened);
        let resolved_at = if inc.state == Severity::Resolved {
            inc.state_changes
                .iter()
                .rev()
                .find(|c| c.to == Severity::Resolved)
                .map(|c| c.at)
        } else {
            None
        };
        let end = resolved_at.unwrap_or(inc.last_ts);
        let max_severity = inc
            .state_changes
            .iter()
            .map(|c| c.to)
            .filter(|s| s.is_open())
            .fold(Severity::Investigating, Severity::max);

        let mut longest: Option<LongestShift> = None;
        let mut over = 0;
        for p in &inc.people {
            for s in &p.shifts {
                let stop = s.end.unwrap_or(end).max(s.start);
                let length = stop.duration_since(s.start);
                if length > policy.shifts.length {
                    over += 1;
                }
                if longest.as_ref().is_none_or(|l| length > l.length) {
                    longest = Some(LongestShift {
                        name: p.name.clone(),
                        start: s.start,
                        length,
                    });
                }
            }
        }

        let mut late = Vec::new();
        let mut due = Some((plus(opened, policy.cadence.status), false));
        for s in &inc.status_updates {
            if let Some((d, promised)) = due
                && s.at > d
            {
                late.push(LateStatus {
                    due: d,
                    posted: Some(s.at),
                    late_by: s.at.duration_since(d),
                    promised,
                });
            }
            due = if s.fields.stage.trim().eq_ignore_ascii_case("resolved") {
                None
            } else {
                Some(match s.fields.next_update_at {
                    Some(t) => (t, true),
                    None => (plus(s.at, policy.cadence.status), false),
                })
            };
        }
        if let Some((d, promised)) = due
            && end > d
        {
            late.push(LateStatus {
                due: d,
                posted: None,
                late_by: end.duration_since(d),
                promised,
            });
        }

        KeyFigures {
            opened_at: opened,
            resolved_at,
            closed_at: inc.closed_at(),
            end,
            max_severity,
            to_first_status: inc.status_updates.first().map(|s| since(s.at)),
            to_first_sitrep: inc.sitreps.first().map(|s| since(s.at)),
            to_confirmed: inc
                .state_changes
                .iter()
                .find(|c| matches!(c.to, Severity::Confirmed | Severity::Major))
                .map(|c| since(c.at)),
            to_resolved: resolved_at.map(since),
            handoffs: inc.handoffs.len(),
            ic_handoffs: inc
                .handoffs
                .iter()
                .filter(|h| h.role == crate::domain::Role::Ic)
                .count(),
            sitreps: inc.sitreps.len(),
            status_updates: inc.status_updates.len(),
            longest_shift: longest,
            shifts_over_limit: over,
            late_status: late,
        }
    }

    /// Open (or journal) time from opening to the end.
    pub fn duration(&self) -> SignedDuration {
        self.end.duration_since(self.opened_at)
    }
}
