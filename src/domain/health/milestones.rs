//! Each series at the incident's milestones (opened, confirmed, resolved) and at its worst,
//! from the journaled observations (see `observe` for why the journal, not Prometheus).

use super::observe::{Journaled, Observed};
use crate::domain::event::Severity;
use crate::domain::incident::Incident;
use jiff::Timestamp;
use serde::Serialize;

/// One row of the post-mortem's health table. Each cell is `9.4% (03:14 UTC)`: the value and
/// the time of the sample, or `not seen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeriesRow {
    pub series: String,
    pub opened: String,
    pub confirmed: String,
    pub resolved: String,
    pub peak: String,
}

/// The milestones of an incident: opened, first confirmed (or worse), resolved.
pub fn moments(inc: &Incident) -> [Option<Timestamp>; 3] {
    let confirmed = inc
        .state_changes
        .iter()
        .find(|c| matches!(c.to, Severity::Confirmed | Severity::Major))
        .map(|c| c.at);
    let resolved = inc
        .state_changes
        .iter()
        .rev()
        .find(|c| c.to == Severity::Resolved)
        .map(|c| c.at)
        .filter(|_| !inc.is_open());
    [Some(inc.opened_at), confirmed, resolved]
}

/// The rows, one per series journaled, in the order they first appear.
pub fn rows(inc: &Incident) -> Vec<SeriesRow> {
    let j = &inc.health;
    let mut names: Vec<&str> = Vec::new();
    for v in j.0.iter().flat_map(|s| &s.values) {
        if !names.contains(&v.series.as_str()) {
            names.push(&v.series);
        }
    }
    let [opened, confirmed, resolved] = moments(inc);
    names
        .into_iter()
        .map(|name| {
            let at = |m: Option<Timestamp>| cell(m.and_then(|m| nearest(j, name, m)));
            SeriesRow {
                series: name.to_string(),
                opened: at(opened),
                confirmed: at(confirmed),
                resolved: at(resolved),
                peak: cell(j.worst(name)),
            }
        })
        .collect()
}

/// The value of `series` journaled nearest to `t`.
fn nearest<'a>(j: &'a Journaled, series: &'a str, t: Timestamp) -> Option<&'a Observed> {
    j.values(series)
        .min_by_key(|(s, _)| t.duration_since(s.at).abs())
        .map(|(_, v)| v)
}

fn cell(v: Option<&Observed>) -> String {
    match v {
        Some(v) => format!(
            "{} ({})",
            crate::domain::text::one_line(&v.shown),
            v.at.strftime("%H:%M UTC")
        ),
        None => "not seen".into(),
    }
}
