//! Long incidents and after: rotation proposals, warm hand-offs, cleanup,
//! remediation, the post-mortem draft and the report over many incidents.
//!
//! Pure functions over the replayed [`Incident`] (and, for the post-mortem,
//! its events). Nothing here reads a clock or a file: `now` is passed in and
//! the post-mortem template is embedded.

pub mod cleanup;
pub mod figures;
pub mod handoff;
pub mod postmortem;
pub mod remediation;
pub mod report;
pub mod rotation;

use crate::domain::duration;
use crate::domain::event::{Event, Payload};
use crate::domain::incident::{DomainError, Incident};
use crate::domain::role::Role;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use cleanup::{CleanupMark, CleanupOutcome, CleanupState, DEFAULT_CLEANUP_ITEMS};
pub use figures::{KeyFigures, LateStatus};
pub use handoff::{PendingHandoff, announcement_body, handoff_brief};
pub use postmortem::{PostmortemData, postmortem};
pub use remediation::{Remediation, RemediationRow, open_remediations};
pub use report::{Report, render_table, report};
pub use rotation::{
    Candidate, Load, Proposal, Urgency, loads, propose, propose_all, work_last_24h,
};

/// Follow-up state carried on [`Incident::followup`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FollowUp {
    /// Hand-offs proposed and not yet acknowledged, by role.
    pub pending_handoffs: BTreeMap<Role, PendingHandoff>,
    pub cleanup: CleanupState,
    pub remediations: Vec<Remediation>,
    /// Where each remediation number is in `remediations` (replay stays linear).
    #[serde(skip)]
    pub(crate) remediation_at: std::collections::HashMap<u32, Vec<usize>>,
}

/// Folds one follow-up event into the incident. Tolerant like
/// [`Incident::apply`]: events that no longer fit are ignored.
pub(crate) fn apply(inc: &mut Incident, e: &Event) {
    match &e.payload {
        Payload::HandoffProposed {
            role,
            from,
            to,
            brief,
        } => {
            if !inc.cas_handoff(e, role, (from.as_deref(), to), true) {
                return;
            }
            if inc.followup.pending_handoffs.contains_key(role) {
                let phrase = format!("{} proposing it to {to} instead", e.actor);
                inc.note_pending_end(e, role, phrase);
            }
            inc.followup.pending_handoffs.insert(
                role.clone(),
                PendingHandoff {
                    role: role.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    brief: brief.clone(),
                    at: e.ts,
                    by: e.actor.clone(),
                },
            );
        }
        Payload::HandoffAcknowledged { role, by } => {
            // Counts only while its proposal is pending (and meant for `by`).
            let Some(p) = inc
                .followup
                .pending_handoffs
                .get(role)
                .filter(|p| same_name(&p.to, by))
            else {
                inc.handoff_lost(e, role, "acknowledgement");
                return;
            };
            let to = p.to.clone();
            inc.followup.pending_handoffs.remove(role);
            inc.note_pending_end(e, role, format!("{to} acknowledging it"));
            // The hand-off happens now, exactly as a direct one would.
            let from = inc.holder(role).map(|h| h.name.clone());
            let handed = Event {
                payload: Payload::RoleHandedOff {
                    role: role.clone(),
                    from,
                    to,
                },
                ..e.clone()
            };
            inc.apply(&handed);
        }
        Payload::HandoffCancelled { role, .. } => {
            if inc.followup.pending_handoffs.remove(role).is_some() {
                inc.note_pending_end(e, role, format!("{} withdrawing it", e.actor));
            } else {
                inc.handoff_lost(e, role, "withdrawal");
            }
        }
        Payload::CleanupOpened { .. }
        | Payload::CleanupItemDone { .. }
        | Payload::CleanupItemSkipped { .. } => inc.followup.cleanup.apply(e),
        Payload::RemediationAdded { .. }
        | Payload::RemediationAssigned { .. }
        | Payload::RemediationDone { .. } => remediation::apply(&mut inc.followup, e),
        _ => {}
    }
}

/// One line describing a follow-up event (for the cockpit timeline and
/// `describe`); `None` for any other payload.
pub fn describe(p: &Payload) -> Option<String> {
    let opt = |s: &Option<String>| s.as_deref().map(|s| format!(": {s}")).unwrap_or_default();
    Some(match p {
        Payload::HandoffProposed { role, to, .. } => {
            format!(
                "Hand-off of {} to {to} proposed (waiting for acknowledgement)",
                role.title()
            )
        }
        Payload::HandoffAcknowledged { role, by } => {
            format!("{by} acknowledged the hand-off: {} -> {by}", role.title())
        }
        Payload::HandoffCancelled { role, reason } => {
            format!("Hand-off of {} cancelled{}", role.title(), opt(reason))
        }
        Payload::CleanupOpened { items } => format!("Cleanup opened: {}", items.join(", ")),
        Payload::CleanupItemDone { item, note } => format!("Cleanup done: {item}{}", opt(note)),
        Payload::CleanupItemSkipped { item, reason } => {
            format!("Cleanup skipped: {item}: {reason}")
        }
        Payload::RemediationAdded {
            id, text, owner, ..
        } => format!(
            "Remediation #{id}: {text}{}",
            owner
                .as_deref()
                .map(|o| format!(" (owner {o})"))
                .unwrap_or_default()
        ),
        Payload::RemediationAssigned { id, owner, .. } => {
            format!("Remediation #{id} assigned to {owner}")
        }
        Payload::RemediationDone { id, note, .. } => {
            format!("Remediation #{id} done{}", opt(note))
        }
        _ => return None,
    })
}

pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim() == b.trim() || a.trim().to_lowercase() == b.trim().to_lowercase()
}

pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// `t + d`, saturating at the ends of time.
pub(crate) fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.saturating_add(d).unwrap_or(t)
}

/// `t - d`, saturating at the ends of time.
pub(crate) fn minus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.saturating_sub(d).unwrap_or(t)
}

/// `2026-11-21 23:58 UTC`.
pub fn utc(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// `23:58 UTC` (time of day only).
pub fn utc_hm(t: Timestamp) -> String {
    t.strftime("%H:%M UTC").to_string()
}

/// Whole hours as `9h`, anything else as [`duration::short`] (`1h05m`, `45m`).
pub fn hours(d: SignedDuration) -> String {
    let s = d.as_secs();
    if s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else {
        duration::short(d)
    }
}

/// Median of durations (the lower middle for an even count), `None` if empty.
pub fn median(mut v: Vec<SignedDuration>) -> Option<SignedDuration> {
    if v.is_empty() {
        return None;
    }
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v.get(n / 2).copied()
    } else {
        let (a, b) = (v.get(n / 2 - 1).copied(), v.get(n / 2).copied());
        a.zip(b)
            .map(|(a, b)| SignedDuration::from_secs((a.as_secs() + b.as_secs()) / 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_only_follow_up_events() {
        let d = describe(&Payload::CleanupItemSkipped {
            item: "All pages resolved".into(),
            reason: "kept open".into(),
        });
        assert_eq!(
            d.as_deref(),
            Some("Cleanup skipped: All pages resolved: kept open")
        );
        assert_eq!(describe(&Payload::NoteAdded { text: "x".into() }), None);
    }

    #[test]
    fn hours_prefers_whole_hours() {
        assert_eq!(hours(SignedDuration::from_hours(9)), "9h");
        assert_eq!(hours(SignedDuration::ZERO), "0h");
        assert_eq!(hours(SignedDuration::from_mins(90)), "1h30m");
        assert_eq!(hours(SignedDuration::from_mins(45)), "45m");
    }

    #[test]
    fn median_of_even_and_odd() {
        let m = |xs: &[i64]| {
            median(xs.iter().map(|&s| SignedDuration::from_secs(s)).collect()).map(|d| d.as_secs())
        };
        assert_eq!(m(&[]), None);
        assert_eq!(m(&[5, 1, 3]), Some(3));
        assert_eq!(m(&[4, 1, 3, 10]), Some(3));
    }
}
