//! Post-incident cleanup (doctrine section 8): unwind temporary changes and
//! check that everything is back to normal. An incident is *closed* only when
//! it is resolved and every cleanup item is done or skipped with a reason.

use super::{invalid, same_name};
use crate::domain::event::{Event, Payload, Severity};
use crate::domain::incident::{DomainError, Incident};
use crate::domain::text::one_line;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The cleanup list used when config names none (`[cleanup] items`).
pub const DEFAULT_CLEANUP_ITEMS: &[&str] = &[
    "Silenced alerts restored",
    "Maintenance modes off",
    "All monitors green",
    "All pages resolved",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CleanupOutcome {
    Done { note: Option<String> },
    Skipped { reason: String },
}

/// Who ticked or skipped an item, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupMark {
    pub at: Timestamp,
    pub by: String,
    #[serde(flatten)]
    pub outcome: CleanupOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanupState {
    /// The items; the default list until a `cleanup_opened` event fixes one.
    pub items: Vec<String>,
    /// When the list was fixed (at resolution).
    pub opened_at: Option<Timestamp>,
    /// One mark per item, in item order (`None` = still open).
    pub marks: Vec<Option<CleanupMark>>,
}

impl Default for CleanupState {
    fn default() -> Self {
        CleanupState {
            items: DEFAULT_CLEANUP_ITEMS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            opened_at: None,
            marks: vec![None; DEFAULT_CLEANUP_ITEMS.len()],
        }
    }
}

impl CleanupState {
    /// Index of an item named by its text (case-insensitive) or its 1-based
    /// number.
    pub fn find(&self, item: &str) -> Option<usize> {
        let item = item.trim();
        self.items
            .iter()
            .position(|i| i == item)
            .or_else(|| self.items.iter().position(|i| same_name(i, item)))
            .or_else(|| {
                item.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=self.items.len()).contains(n))
                    .map(|n| n - 1)
            })
    }

    /// `(item, mark)` rows, in order.
    pub fn rows(&self) -> impl Iterator<Item = (&str, Option<&CleanupMark>)> {
        self.items
            .iter()
            .zip(self.marks.iter())
            .map(|(i, m)| (i.as_str(), m.as_ref()))
    }

    /// Items neither done nor skipped.
    pub fn open_items(&self) -> Vec<&str> {
        self.rows()
            .filter(|(_, m)| m.is_none())
            .map(|(i, _)| i)
            .collect()
    }

    pub fn complete(&self) -> bool {
        self.marks.iter().all(Option::is_some)
    }

    /// When the last item was ticked or skipped, if all are.
    pub fn completed_at(&self) -> Option<Timestamp> {
        if !self.complete() {
            return None;
        }
        self.marks.iter().flatten().map(|m| m.at).max()
    }

    pub(crate) fn apply(&mut self, e: &Event) {
        let mark = |outcome| CleanupMark {
            at: e.ts,
            by: e.actor.clone(),
            outcome,
        };
        match &e.payload {
            Payload::CleanupOpened { items } => {
                self.items = items.clone();
                self.marks = vec![None; items.len()];
                self.opened_at = Some(e.ts);
            }
            Payload::CleanupItemDone { item, note } => {
                if let Some(m) = self.find(item).and_then(|i| self.marks.get_mut(i)) {
                    *m = Some(mark(CleanupOutcome::Done { note: note.clone() }));
                }
            }
            Payload::CleanupItemSkipped { item, reason } => {
                if let Some(m) = self.find(item).and_then(|i| self.marks.get_mut(i)) {
                    *m = Some(mark(CleanupOutcome::Skipped {
                        reason: reason.clone(),
                    }));
                }
            }
            _ => {}
        }
    }
}

impl Incident {
    /// Resolved, and every cleanup item done or skipped.
    pub fn closed(&self) -> bool {
        self.state == Severity::Resolved && self.followup.cleanup.complete()
    }

    /// When the incident became closed: the later of the final resolution
    /// and the last cleanup mark.
    pub fn closed_at(&self) -> Option<Timestamp> {
        if !self.closed() {
            return None;
        }
        let resolved = self
            .state_changes
            .iter()
            .rev()
            .find(|c| c.to == Severity::Resolved)
            .map(|c| c.at);
        resolved.max(self.followup.cleanup.completed_at())
    }

    /// Fixes the cleanup checklist, normally right after resolving, from
    /// config (`[cleanup] items`; empty means [`DEFAULT_CLEANUP_ITEMS`]).
    /// Journaling it again starts the checklist over.
    pub fn cmd_open_cleanup(&self, items: &[String]) -> Result<Payload, DomainError> {
        let mut out: Vec<String> = Vec::new();
        for i in items {
            let i = one_line(i);
            if i.is_empty() {
                return Err(invalid("cleanup item", "cannot be empty"));
            }
            if i.chars().count() > 200 {
                return Err(invalid("cleanup item", "too long (at most 200 characters)"));
            }
            if !out.iter().any(|o| same_name(o, &i)) {
                out.push(i);
            }
        }
        if out.is_empty() {
            out = DEFAULT_CLEANUP_ITEMS
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        Ok(Payload::CleanupOpened { items: out })
    }

    fn cleanup_item(&self, item: &str) -> Result<(usize, String), DomainError> {
        let c = &self.followup.cleanup;
        let idx = c.find(item).ok_or_else(|| {
            invalid(
                "cleanup item",
                format!(
                    "no item {:?}; items: {}",
                    item.trim(),
                    c.items
                        .iter()
                        .enumerate()
                        .map(|(n, i)| format!("{} {i}", n + 1))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let name = c.items.get(idx).cloned().unwrap_or_default();
        if let Some(Some(m)) = c.marks.get(idx) {
            let what = match m.outcome {
                CleanupOutcome::Done { .. } => "done",
                CleanupOutcome::Skipped { .. } => "skipped",
            };
            return Err(invalid(
                "cleanup item",
                format!("{name:?} was already {what} by {}", m.by),
            ));
        }
        Ok((idx, name))
    }

    /// Ticks a cleanup item (by text or number).
    pub fn cmd_cleanup_done(&self, item: &str, note: Option<&str>) -> Result<Payload, DomainError> {
        let (_, item) = self.cleanup_item(item)?;
        Ok(Payload::CleanupItemDone {
            item,
            note: note.map(one_line).filter(|n| !n.is_empty()),
        })
    }

    /// Skips a cleanup item; a reason is required.
    pub fn cmd_cleanup_skip(&self, item: &str, reason: &str) -> Result<Payload, DomainError> {
        let (_, item) = self.cleanup_item(item)?;
        let reason = one_line(reason);
        if reason.is_empty() {
            return Err(invalid("reason", "skipping a cleanup item needs a reason"));
        }
        Ok(Payload::CleanupItemSkipped { item, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or_default()
    }

    fn step(inc: &mut Incident, ts: &str, p: Result<Payload, DomainError>) {
        let p = p.unwrap_or_else(|e| panic!("{e}"));
        let seq = inc.last_seq + 1;
        inc.apply(&Event {
            v: 1,
            seq,
            ts: t(ts),
            actor: "Alice".into(),
            payload: p,
            rep: Default::default(),
        });
    }

    fn opened() -> Incident {
        let e = Event::new(
            1,
            t("2026-11-21T20:00:00Z"),
            "Alice",
            Payload::opened("I", "x", "Alice"),
        );
        Incident::replay([&e]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn closed_only_when_resolved_and_clean() {
        let mut inc = opened();
        assert!(!inc.closed());
        let r = inc.cmd_set_state(Severity::Resolved);
        step(&mut inc, "2026-11-21T22:00:00Z", r);
        let o = inc.cmd_open_cleanup(&[]);
        step(&mut inc, "2026-11-21T22:00:00Z", o);
        assert_eq!(inc.followup.cleanup.open_items().len(), 4);
        assert!(!inc.closed());
        for (n, item) in ["1", "maintenance modes off", "All monitors green"]
            .iter()
            .enumerate()
        {
            let d = inc.cmd_cleanup_done(item, Some("checked"));
            step(&mut inc, &format!("2026-11-21T22:1{n}:00Z"), d);
        }
        assert!(inc.cmd_cleanup_done("1", None).is_err());
        assert!(inc.cmd_cleanup_skip("4", " ").is_err());
        assert!(inc.cmd_cleanup_done("9", None).is_err());
        assert!(!inc.closed());
        let s = inc.cmd_cleanup_skip("4", "PagerDuty down, resolved by hand tomorrow");
        step(&mut inc, "2026-11-21T23:30:00Z", s);
        assert!(inc.closed());
        assert_eq!(inc.closed_at(), Some(t("2026-11-21T23:30:00Z")));
    }

    #[test]
    fn config_items_replace_the_defaults() {
        let mut inc = opened();
        let o = inc.cmd_open_cleanup(&["Feature flag off".into(), "feature flag OFF".into()]);
        step(&mut inc, "2026-11-21T21:00:00Z", o);
        assert_eq!(inc.followup.cleanup.items, vec!["Feature flag off"]);
        let d = inc.cmd_cleanup_done("feature flag off", None);
        step(&mut inc, "2026-11-21T21:05:00Z", d);
        assert!(inc.followup.cleanup.complete());
        assert!(!inc.closed(), "not resolved yet");
        let r = inc.cmd_set_state(Severity::Resolved);
        step(&mut inc, "2026-11-21T21:10:00Z", r);
        assert_eq!(inc.closed_at(), Some(t("2026-11-21T21:10:00Z")));
    }
}
