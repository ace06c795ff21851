//! Which injects fire when, and what each one journals.

use super::scenario::{Inject, InjectKind, Scenario};
use crate::domain::alert::Alert;
use crate::domain::event::Payload;
use crate::domain::health::Sample;
use jiff::{SignedDuration, Timestamp};

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
        text: inject_text(inject),
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

/// What the timeline says of an inject: its `text`; for a `metric` inject, which needs
/// none, what it sets (`API 5xx at 0.094`) rather than nothing.
fn inject_text(inject: &Inject) -> String {
    match (&inject.kind, &inject.series, inject.value) {
        (InjectKind::Metric, Some(series), Some(value)) if inject.text.trim().is_empty() => {
            format!("{series} at {value}")
        }
        _ => inject.text.clone(),
    }
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

/// The series `metric` injects name that the configuration does not have, each once with
/// the lines naming it: `series "X" (line 34, 54) is not in [[metrics.series]] (configured:
/// A, B)`; empty when all are configured.
pub fn unknown_series(scenario: &Scenario, configured: &[&str]) -> Vec<String> {
    let list = if configured.is_empty() {
        "none: add [[metrics.series]] with the same name to the configuration".to_string()
    } else {
        format!("configured: {}", configured.join(", "))
    };
    let mut unknown: Vec<(&str, Vec<String>)> = Vec::new();
    for i in scenario
        .injects
        .iter()
        .filter(|i| i.kind == InjectKind::Metric)
    {
        let Some(name) = i.series.as_deref().filter(|n| !configured.contains(n)) else {
            continue;
        };
        match unknown.iter_mut().find(|(n, _)| *n == name) {
            Some((_, lines)) => lines.push(i.line.to_string()),
            None => unknown.push((name, vec![i.line.to_string()])),
        }
    }
    unknown
        .into_iter()
        .map(|(name, lines)| {
            format!(
                "series {name:?} (line {}) is not in [[metrics.series]] ({list})",
                lines.join(", ")
            )
        })
        .collect()
}

/// The values `metric` injects give in the simulated interval `(prev, now]`: series
/// index (in `series` order), and the sample at the drill's `origin` plus its time.
pub fn metric_samples(
    scenario: &Scenario,
    series: &[&str],
    origin: Timestamp,
    prev: SignedDuration,
    now: SignedDuration,
) -> Vec<(usize, Sample)> {
    due_injects(scenario, prev, now)
        .into_iter()
        .filter(|i| i.kind == InjectKind::Metric)
        .filter_map(|i| {
            let at = origin.checked_add(i.at).ok()?;
            let idx = series
                .iter()
                .position(|s| Some(*s) == i.series.as_deref())?;
            Some((
                idx,
                Sample {
                    at,
                    value: i.value?,
                },
            ))
        })
        .collect()
}

/// The alerts firing at `sim_elapsed`: one per `alert` inject fired so far, most pressing
/// first (as Alertmanager's list in the alerts view). Its fingerprint is stable: the same
/// labels give the same fingerprint, as in Alertmanager.
pub fn alerts_firing(
    scenario: &Scenario,
    origin: Timestamp,
    sim_elapsed: SignedDuration,
) -> Vec<Alert> {
    let mut out: Vec<Alert> = Vec::new();
    for i in scenario
        .injects
        .iter()
        .filter(|i| i.kind == InjectKind::Alert && i.at <= sim_elapsed)
    {
        let mut labels = i.labels.clone();
        labels.insert(
            "alertname".into(),
            i.name.clone().unwrap_or_else(|| "DrillAlert".into()),
        );
        if let Some(sev) = &i.severity {
            labels.insert("severity".into(), sev.clone());
        }
        let fingerprint = fingerprint(&labels);
        if out.iter().any(|a| a.fingerprint == fingerprint) {
            continue;
        }
        out.push(Alert {
            fingerprint,
            labels,
            annotations: [("summary".to_string(), i.text.clone())].into(),
            starts_at: origin.checked_add(i.at).unwrap_or(origin),
            ..Alert::default()
        });
    }
    crate::domain::alert::sort(&mut out);
    out
}

/// Whether the scenario fires alerts (the drill's header then shows `alerts: N firing`).
pub fn has_alerts(scenario: &Scenario) -> bool {
    scenario.injects.iter().any(|i| i.kind == InjectKind::Alert)
}

/// 16 hex digits from the labels (FNV-1a over `k=v` lines): stable across runs and builds.
fn fingerprint(labels: &std::collections::BTreeMap<String, String>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for b in k.bytes().chain([b'=']).chain(v.bytes()).chain([b'\n']) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
