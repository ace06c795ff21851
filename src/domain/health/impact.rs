//! "Impact understood?" against the figures: since the impact was last reviewed, did a series
//! cross a threshold or move by more than the policy's factor? The baseline is what the
//! journal says the IC had at the review ([`super::observe::Journaled::at`]).

use super::observe::floor;
use super::{HealthPolicy, Level, Sample, SeriesSpec};
use crate::domain::incident::Incident;

/// One series that changed since the review.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub series: String,
    /// At the review (`None`: no figure was journaled for it then).
    pub from: Option<String>,
    pub to: String,
    pub level: Level,
    /// It crossed a threshold (else it moved by the factor).
    pub crossed: bool,
    /// The current sample's time.
    pub at: jiff::Timestamp,
}

impl Change {
    /// `API 5xx 2.1% -> 9.4% (critical)`, `API 5xx 9.4% (critical; not seen at the review)`.
    pub fn text(&self) -> String {
        let level = match (self.crossed, self.level) {
            (true, Level::Ok) => " (back to ok)".to_string(),
            (true, l) => format!(" ({l})"),
            (false, _) => String::new(),
        };
        match &self.from {
            Some(from) => format!("{} {from} -> {}{level}", self.series, self.to),
            None => format!(
                "{} {} ({}; not seen at the review)",
                self.series, self.to, self.level
            ),
        }
    }
}

/// The series that changed since the impact was last reviewed (none before a review).
/// `current` is each series' latest finite value, in policy order.
pub fn changes(inc: &Incident, policy: &HealthPolicy, current: &[Option<Sample>]) -> Vec<Change> {
    let Some(reviewed) = inc.impact.reviewed_at else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (spec, s) in policy.series.iter().zip(current) {
        let Some(s) = s else { continue };
        let Some(level) = spec.level(s.value) else {
            continue;
        };
        let to = spec.show(s.value);
        let change = |from: Option<String>, crossed: bool| Change {
            series: spec.name.clone(),
            from,
            to: to.clone(),
            level,
            crossed,
            at: s.at,
        };
        match inc.health.at(&spec.name, reviewed) {
            // Nothing journaled of it yet: the figure being journaled now is the baseline
            // (`Journaled::at` takes the first after a review), so it is no news.
            None => {}
            Some(b) if b.level != level => out.push(change(Some(b.shown.clone()), true)),
            Some(b) => {
                let f = floor(spec);
                let (x, y) = (b.value.abs().max(f), s.value.abs().max(f));
                if x.max(y) / x.min(y) > policy.factor {
                    out.push(change(Some(b.shown.clone()), false));
                }
            }
        }
    }
    out
}

/// Each series with a current figure that has a level (finite): its spec, value and level.
fn levelled<'a>(
    policy: &'a HealthPolicy,
    current: &'a [Option<Sample>],
) -> impl Iterator<Item = (&'a SeriesSpec, f64, Level)> + 'a {
    policy.series.iter().zip(current).filter_map(|(spec, s)| {
        let v = (*s)?.value;
        Some((spec, v, spec.level(v)?))
    })
}

/// The current figures past a threshold, for an impact not reviewed yet:
/// `API 5xx 9.4% (critical)`.
pub fn alarming(policy: &HealthPolicy, current: &[Option<Sample>]) -> Vec<String> {
    levelled(policy, current)
        .filter(|(_, _, level)| *level > Level::Ok)
        .map(|(spec, v, level)| format!("{} {} ({level})", spec.name, spec.show(v)))
        .collect()
}

/// Every series' current figure in one line for a sitrep or an impact statement:
/// `API 5xx 9.4% (critical), p99 latency 320ms` (series without a value are left out).
pub fn figures_line(policy: &HealthPolicy, current: &[Option<Sample>]) -> Option<String> {
    let parts: Vec<String> = levelled(policy, current)
        .map(|(spec, v, level)| {
            let mark = match level {
                Level::Ok => String::new(),
                l => format!(" ({l})"),
            };
            format!("{} {}{mark}", spec.name, spec.show(v))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}
