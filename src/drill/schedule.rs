//! Which injects fire when, and what each one journals.

use super::scenario::{Inject, InjectKind, Scenario};
use crate::domain::event::Payload;
use jiff::SignedDuration;

/// The actor of events the drill itself journals (injects, the opening roster).
pub const DRILL_ACTOR: &str = "drill";

/// Pass as `sim_elapsed_prev` before the first call, so that injects at `0m` fire.
pub const NOT_STARTED: SignedDuration = SignedDuration::from_secs(-1);

/// The injects due in the simulated interval `(prev, now]`, in scenario order.
/// Calling it with consecutive intervals fires each inject exactly once.
pub fn due_injects(
    scenario: &Scenario,
    sim_elapsed_prev: SignedDuration,
    sim_elapsed_now: SignedDuration,
) -> Vec<&Inject> {
    scenario
        .injects
        .iter()
        .filter(|i| i.at > sim_elapsed_prev && i.at <= sim_elapsed_now)
        .collect()
}

/// The next inject after `sim_elapsed` (for a runner that sleeps until then).
pub fn next_inject(scenario: &Scenario, sim_elapsed: SignedDuration) -> Option<&Inject> {
    scenario.injects.iter().find(|i| i.at > sim_elapsed)
}

/// What a fired inject journals: always a [`Payload::DrillInject`] for the timeline;
/// a `person_joins` also puts the person on the roster.
pub fn inject_payloads(inject: &Inject) -> Vec<Payload> {
    let mut out = vec![Payload::DrillInject {
        at_offset: inject.at,
        kind: inject.kind.as_str().to_string(),
        text: inject.text.clone(),
        who: inject.who.clone(),
        group: inject.group.clone(),
        backend: inject.backend.clone(),
        decision: inject.decision.clone(),
    }];
    if inject.kind == InjectKind::PersonJoins
        && let Some(name) = &inject.who
    {
        out.push(Payload::PersonJoined {
            name: name.clone(),
            handle: None,
            contact: None,
            team: None,
            group: inject.group.clone(),
        });
    }
    out
}

/// The note the IC's answer to an inject's decision is journaled as; the score
/// card recognises it.
pub fn decision_note(question: &str, choice: &str) -> String {
    format!("{DECISION_PREFIX}{question} -> {choice}")
}

/// Prefix of [`decision_note`].
pub const DECISION_PREFIX: &str = "Drill decision: ";

/// Backends down at `sim_elapsed` according to the scenario's `backend_down` /
/// `backend_up` injects, sorted.
pub fn backends_down(scenario: &Scenario, sim_elapsed: SignedDuration) -> Vec<String> {
    let mut down: Vec<String> = Vec::new();
    for i in scenario.injects.iter().filter(|i| i.at <= sim_elapsed) {
        let Some(b) = &i.backend else { continue };
        match i.kind {
            InjectKind::BackendDown if !down.contains(b) => down.push(b.clone()),
            InjectKind::BackendUp => down.retain(|d| d != b),
            _ => {}
        }
    }
    down.sort();
    down
}
