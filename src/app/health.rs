//! Product health in the cockpit (issue 17): a round of Prometheus' answers (or a drill's
//! injected values) folds into the live view, the checklist is re-evaluated with the current
//! figures, and the figures that matter are journaled (`domain::health::observe::due`: at
//! milestones, threshold crossings, moves by the factor, new peaks), so the checklist's
//! baseline and the post-mortem come from the journal.

use crate::app::cmd::Cmd;
use crate::app::model::Model;
use crate::domain::Payload;
use crate::domain::health::live::Update;
use crate::domain::health::observe;

/// A round of answers from the poller.
pub fn on_update(m: &mut Model, u: Update) -> Vec<Cmd> {
    let now = m.now;
    m.health.apply(u, now);
    m.refresh();
    observe_due(m)
}

/// Journals what is due of the figures (nothing while an observation is being written, so
/// the same figures are never journaled twice).
pub fn observe_due(m: &mut Model) -> Vec<Cmd> {
    if m.observing > 0 {
        return Vec::new();
    }
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let policy = m.config.metrics.policy();
    if policy.is_empty() {
        return Vec::new();
    }
    let due = observe::due(inc, &policy, &m.health);
    if due.is_empty() {
        return Vec::new();
    }
    let mut cmds = Vec::new();
    for (why, values) in due {
        m.observing += 1;
        cmds.extend(m.append(Ok(Payload::MetricsObserved { why, values })));
    }
    cmds
}

/// After our own change is on disk: an observation written clears the way for the next.
pub fn after_own(m: &mut Model, last: Option<&crate::domain::Event>) {
    if last.is_some_and(|e| matches!(e.payload, Payload::MetricsObserved { .. })) {
        m.observing = m.observing.saturating_sub(1);
    }
}
