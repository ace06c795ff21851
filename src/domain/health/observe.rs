//! What the journal keeps of the series: the figures the IC saw, at the moments that matter.
//!
//! The journal is the source of truth for what the IC saw, so the checklist's baseline ("since
//! impact reviewed") and the post-mortem's figures at opened / confirmed / resolved and the
//! peak come from journaled observations, never from asking Prometheus again later (its
//! retention, recording rules and reachability may all have changed by then; a replica or an
//! export has no Prometheus at all). Journaling every refresh would bloat the journal and the
//! synced room, so [`due`] picks the moments:
//!
//! - a milestone (the incident opened, its state changed, the impact was reviewed) with no
//!   observation since: every series' current value;
//! - a series changed level (ok / warning / critical) or moved by more than the policy's
//!   factor since it was last journaled: every series' current value;
//! - a series turned back after a new worst value (more than [`PEAK_MARGIN`] past the worst
//!   journaled): that worst sample, with its own time.
//!
//! Each rule fires once per change, so a steady incident journals nothing between
//! milestones, and a series climbing steadily adds one line per doubling.

use super::live::Live;
use super::{HealthPolicy, Level, Sample, SeriesSpec, Worse};
use crate::domain::incident::Incident;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A new worst value is journaled when it is this much past the worst journaled (5%).
pub const PEAK_MARGIN: f64 = 1.05;

/// Why figures were journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// The incident opened, changed state or had its impact reviewed.
    Milestone,
    /// A series changed level (crossed a threshold).
    Level,
    /// A series moved by more than the policy's factor.
    Moved,
    /// A series' worst value so far (journaled once it turned back).
    Peak,
}

impl Why {
    pub fn word(self) -> &'static str {
        match self {
            Why::Milestone => "figures",
            Why::Level => "threshold crossed",
            Why::Moved => "moved",
            Why::Peak => "new peak",
        }
    }
}

/// One series' value, as journaled: self-describing, so a replica or a post-mortem drafted
/// years later needs no configuration to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub series: String,
    /// Always finite. Journaled as a string (`"0.094"`): events replicate through Matrix,
    /// whose canonical JSON has no floats.
    #[serde(with = "float_text")]
    pub value: f64,
    /// The sample's time (Prometheus'), not when it was journaled.
    pub at: Timestamp,
    /// As the IC read it: `9.4%`.
    pub shown: String,
    pub level: Level,
    #[serde(default, skip_serializing_if = "is_higher")]
    pub worse: Worse,
}

/// An `f64` as its shortest round-tripping decimal text; read back from text or a number.
mod float_text {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(f64),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let v = match Raw::deserialize(d)? {
            Raw::Text(t) => t
                .trim()
                .parse::<f64>()
                .map_err(|e| D::Error::custom(format!("value {t:?}: {e}")))?,
            Raw::Number(n) => n,
        };
        if v.is_finite() {
            Ok(v)
        } else {
            Err(D::Error::custom("value: not a finite number"))
        }
    }
}

fn is_higher(w: &Worse) -> bool {
    *w == Worse::Higher
}

impl Observed {
    /// A finite sample of `spec` as journaled; `None` for NaN and infinities.
    pub fn of(spec: &SeriesSpec, s: Sample) -> Option<Observed> {
        Some(Observed {
            series: spec.name.clone(),
            value: s.value,
            at: s.at,
            shown: spec.show(s.value),
            level: spec.level(s.value)?,
            worse: spec.worse,
        })
    }

    fn worse_than(&self, other: &Observed) -> bool {
        match self.worse {
            Worse::Higher => self.value > other.value,
            Worse::Lower => self.value < other.value,
        }
    }
}

/// A journaled observation, as the incident keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    /// When it was journaled.
    pub at: Timestamp,
    pub why: Why,
    pub values: Vec<Observed>,
}

/// Every observation of the incident, in journal order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Journaled(pub Vec<Seen>);

impl Journaled {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every journaled value of `series`, in journal order.
    pub fn values<'a, 's>(
        &'a self,
        series: &'s str,
    ) -> impl Iterator<Item = (&'a Seen, &'a Observed)> + use<'a, 's> {
        self.0
            .iter()
            .flat_map(|s| s.values.iter().map(move |v| (s, v)))
            .filter(move |(_, v)| v.series == series)
    }

    /// The last journaled value of `series`.
    pub fn last(&self, series: &str) -> Option<&Observed> {
        self.values(series).last().map(|(_, v)| v)
    }

    /// The worst journaled value of `series` (the first of equals).
    pub fn worst(&self, series: &str) -> Option<&Observed> {
        self.values(series)
            .map(|(_, v)| v)
            .fold(None, |w: Option<&Observed>, v| match w {
                Some(w) if !v.worse_than(w) => Some(w),
                _ => Some(v),
            })
    }

    /// The figure of `series` the IC had at `t` (journal time): the last journaled at or
    /// before it, else the first after (a review made from the command line is followed by
    /// the cockpit's milestone observation).
    pub fn at(&self, series: &str, t: Timestamp) -> Option<&Observed> {
        let before = self
            .values(series)
            .filter(|(s, _)| s.at <= t)
            .last()
            .map(|(_, v)| v);
        before.or_else(|| self.values(series).find(|(s, _)| s.at > t).map(|(_, v)| v))
    }

    /// When the last observation was journaled.
    pub fn latest(&self) -> Option<Timestamp> {
        self.0.last().map(|s| s.at)
    }
}

/// The latest milestone: opened, last state change, last impact review.
pub fn milestone(inc: &Incident) -> Timestamp {
    let state = inc.state_changes.last().map(|c| c.at);
    [Some(inc.opened_at), state, inc.impact.reviewed_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(inc.opened_at)
}

/// Every series' current value, for journaling with `why`; `None` when none has one.
pub fn snapshot(policy: &HealthPolicy, live: &Live) -> Option<Vec<Observed>> {
    let values: Vec<Observed> = policy
        .series
        .iter()
        .zip(live.current())
        .filter_map(|(spec, s)| Observed::of(spec, s?))
        .collect();
    (!values.is_empty()).then_some(values)
}

/// What to journal after the live view changed (see the module documentation), in order.
pub fn due(inc: &Incident, policy: &HealthPolicy, live: &Live) -> Vec<(Why, Vec<Observed>)> {
    let j = &inc.health;
    let resolved_at = (!inc.is_open()).then(|| milestone(inc));
    if resolved_at.is_some_and(|r| j.latest().is_some_and(|l| l >= r)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(now) = snapshot(policy, live) {
        let why = if j.latest().is_none_or(|l| l < milestone(inc)) {
            Some(Why::Milestone)
        } else if now
            .iter()
            .any(|v| j.last(&v.series).is_some_and(|o| o.level != v.level))
        {
            Some(Why::Level)
        } else if now.iter().any(|v| moved(policy, j.last(&v.series), v)) {
            Some(Why::Moved)
        } else {
            None
        };
        out.extend(why.map(|w| (w, now)));
    }
    if resolved_at.is_none() {
        let peaks = peaks(policy, live, j);
        if !peaks.is_empty() {
            out.push((Why::Peak, peaks));
        }
    }
    out
}

/// Whether `v` is more than the factor away from `last` (either way).
fn moved(policy: &HealthPolicy, last: Option<&Observed>, v: &Observed) -> bool {
    let Some(last) = last else {
        return true;
    };
    let floor = policy.spec(&v.series).map_or(f64::MIN_POSITIVE, floor);
    let (a, b) = (last.value.abs().max(floor), v.value.abs().max(floor));
    a.max(b) / a.min(b) > policy.factor
}

/// Below this, values count as zero when comparing by factor: a tenth of the smallest
/// threshold (0 -> 0.01% is no move for a series warned at 1%).
pub fn floor(spec: &SeriesSpec) -> f64 {
    let smallest = [spec.warn, spec.critical]
        .into_iter()
        .flatten()
        .map(f64::abs)
        .filter(|t| *t > 0.0)
        .fold(f64::INFINITY, f64::min);
    if smallest.is_finite() {
        smallest * 0.1
    } else {
        f64::MIN_POSITIVE
    }
}

/// Per series: the sample before the latest, when it was a turn (worse than the latest) and
/// a new worst past the margin.
fn peaks(policy: &HealthPolicy, live: &Live, j: &Journaled) -> Vec<Observed> {
    let mut out = Vec::new();
    for (spec, series) in policy.series.iter().zip(&live.series) {
        let mut finite = series.history.iter().rev().filter(|s| s.value.is_finite());
        let (Some(latest), Some(prev)) = (finite.next(), finite.next()) else {
            continue;
        };
        if !spec.worse_than(prev.value, latest.value) {
            continue;
        }
        let Some(p) = Observed::of(spec, *prev) else {
            continue;
        };
        let new_worst = match j.worst(&spec.name) {
            None => true,
            Some(w) => p.at > w.at && past_margin(spec, p.value, w.value),
        };
        if new_worst {
            out.push(p);
        }
    }
    out
}

fn past_margin(spec: &SeriesSpec, v: f64, worst: f64) -> bool {
    match spec.worse {
        Worse::Higher if worst > 0.0 => v > worst * PEAK_MARGIN,
        Worse::Higher => v > worst,
        Worse::Lower if worst > 0.0 => v < worst / PEAK_MARGIN,
        Worse::Lower => v < worst,
    }
}
