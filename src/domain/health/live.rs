//! What the cockpit knows of the series right now: the last hour of samples per series (for
//! the sparkline), a series' own error (a query Prometheus refused, with its message), and
//! whether Prometheus answers at all ("metrics: unreachable since 03:12 (reason)").
//!
//! Fed by [`Update`]s (from the Prometheus poller, or a drill's injects); read by the header,
//! the checklist ([`Live::current`]) and what gets journaled (`observe`).

use super::{HealthPolicy, Level, Polled, Sample};
use jiff::{SignedDuration, Timestamp};
use std::collections::VecDeque;

/// How much history the sparkline covers.
pub const WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// The most samples kept per series (a 1 s refresh over an hour, with room).
const MAX_SAMPLES: usize = 4000;

/// Whether Prometheus answers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Reach {
    /// No answer yet (the first query is under way).
    #[default]
    Waiting,
    /// The last round of queries got answers.
    Up,
    /// No answer since `since`: why, in words (never a secret).
    Down { since: Timestamp, reason: String },
}

/// What one query of one series gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The samples, oldest first (one for an instant query, up to an hour's for a range).
    Samples(Vec<Sample>),
    /// An empty result: the query matched nothing.
    Empty,
    /// Prometheus refused or failed this query: its own message (a syntax error, a timeout).
    Failed(String),
}

/// One round of queries: per series, in policy order; or why Prometheus could not be asked
/// at all.
pub type Update = Polled<Vec<SeriesUpdate>>;

/// One series' answer in a round.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesUpdate {
    pub outcome: Outcome,
    /// A warning about the answer (several series came back: the first is shown).
    pub note: Option<String>,
}

impl SeriesUpdate {
    pub fn new(outcome: Outcome) -> SeriesUpdate {
        SeriesUpdate {
            outcome,
            note: None,
        }
    }
}

/// One series as the cockpit sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesLive {
    /// The last hour, oldest first (finite or not: a NaN shows as a gap).
    pub history: VecDeque<Sample>,
    /// The latest answer was an empty result.
    pub empty: bool,
    /// Prometheus' message for this series' query, while it fails.
    pub error: Option<String>,
    pub note: Option<String>,
}

impl SeriesLive {
    pub fn last(&self) -> Option<Sample> {
        self.history.back().copied()
    }

    /// The latest finite value, if the latest answer had one.
    pub fn current(&self) -> Option<Sample> {
        if self.empty || self.error.is_some() {
            return None;
        }
        self.last().filter(|s| s.value.is_finite())
    }

    fn push(&mut self, s: Sample) {
        // Answers may overlap (a range, then instants): keep the history in time order.
        match self.history.back() {
            Some(last) if s.at < last.at => return,
            Some(last) if s.at == last.at => {
                self.history.pop_back();
            }
            _ => {}
        }
        self.history.push_back(s);
        while self.history.len() > MAX_SAMPLES {
            self.history.pop_front();
        }
    }

    fn forget_before(&mut self, t: Timestamp) {
        while self.history.front().is_some_and(|s| s.at < t) {
            self.history.pop_front();
        }
    }

    fn apply(&mut self, u: SeriesUpdate) {
        self.note = u.note;
        match u.outcome {
            Outcome::Samples(samples) => {
                self.error = None;
                self.empty = samples.is_empty();
                for s in samples {
                    self.push(s);
                }
            }
            Outcome::Empty => {
                self.error = None;
                self.empty = true;
            }
            Outcome::Failed(e) => self.error = Some(e),
        }
    }
}

/// The cockpit's view of every series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Live {
    /// In policy order.
    pub series: Vec<SeriesLive>,
    pub reach: Reach,
    /// When the last answer came.
    pub updated: Option<Timestamp>,
}

impl Live {
    pub fn new(policy: &HealthPolicy) -> Live {
        Live {
            series: vec![SeriesLive::default(); policy.series.len()],
            ..Live::default()
        }
    }

    /// Folds a round of answers in; `now` trims the history to the last hour.
    pub fn apply(&mut self, u: Update, now: Timestamp) {
        match u.result {
            Ok(answers) => {
                self.reach = Reach::Up;
                self.updated = Some(u.at);
                for (s, a) in self.series.iter_mut().zip(answers) {
                    s.apply(a);
                }
            }
            Err(reason) => {
                let since = match &self.reach {
                    Reach::Down { since, .. } => *since,
                    _ => u.at,
                };
                self.reach = Reach::Down { since, reason };
            }
        }
        let from = now.checked_sub(WINDOW).unwrap_or(now);
        for s in &mut self.series {
            s.forget_before(from);
        }
    }

    /// A drill's injected value for series `i`: as if Prometheus had said it.
    pub fn inject(&mut self, i: usize, s: Sample) {
        if let Some(series) = self.series.get_mut(i) {
            series.error = None;
            series.empty = false;
            series.push(s);
            self.reach = Reach::Up;
            self.updated = Some(s.at);
        }
    }

    /// The latest finite value of each series (policy order), for the checklist.
    pub fn current(&self) -> Vec<Option<Sample>> {
        self.series.iter().map(SeriesLive::current).collect()
    }

    /// The worst level among the current values.
    pub fn worst(&self, policy: &HealthPolicy) -> Option<Level> {
        policy
            .series
            .iter()
            .zip(&self.series)
            .filter_map(|(spec, s)| spec.level(s.current()?.value))
            .max()
    }

    /// Series `i`'s history in `buckets` equal slices of the hour before `now`, each the
    /// worst finite value in it (so a spike shows), `None` where there was none.
    pub fn buckets(
        &self,
        policy: &HealthPolicy,
        i: usize,
        buckets: usize,
        now: Timestamp,
    ) -> Vec<Option<f64>> {
        let mut out = vec![None; buckets];
        let (Some(series), Some(spec)) = (self.series.get(i), policy.series.get(i)) else {
            return out;
        };
        let window = WINDOW.as_secs_f64();
        for s in series.history.iter().filter(|s| s.value.is_finite()) {
            // A sample a little ahead of `now` (the cockpit's clock ticks once a second) is
            // the latest.
            let age = now.duration_since(s.at).as_secs_f64().max(0.0);
            if !(0.0..window).contains(&age) || buckets == 0 {
                continue;
            }
            let k = buckets - 1 - ((age / window) * buckets as f64) as usize;
            if let Some(slot) = out.get_mut(k) {
                *slot = Some(match *slot {
                    Some(v) if !spec.worse_than(s.value, v) => v,
                    _ => s.value,
                });
            }
        }
        out
    }
}

/// Eight-level block characters for a sparkline of `values` (gaps as spaces), scaled from
/// zero (or the lowest value, if negative) to the highest, or to `top` when that is higher:
/// a series whose critical threshold is `top` draws 2.1% of a 5% threshold as a half bar
/// and a full bar only at or past it, so a rise shows even when the hour holds one value.
pub fn sparkline(values: &[Option<f64>], top: Option<f64>) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite = values.iter().flatten().copied();
    let lo = finite.clone().fold(0.0_f64, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let hi = match top.filter(|t| t.is_finite() && *t > lo) {
        Some(t) if hi.is_finite() => hi.max(t),
        _ => hi,
    };
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if hi <= lo => BARS[0],
            Some(v) => {
                let k = ((v - lo) / (hi - lo) * 7.0).round().clamp(0.0, 7.0) as usize;
                BARS.get(k).copied().unwrap_or('█')
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{Format, SeriesSpec};
    use super::*;

    fn t(min: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + min * 60).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn policy() -> HealthPolicy {
        HealthPolicy {
            series: vec![SeriesSpec {
                name: "API 5xx".into(),
                format: Format::Percent,
                warn: Some(0.01),
                critical: Some(0.05),
                ..SeriesSpec::default()
            }],
            factor: 2.0,
        }
    }

    /// One poll's answer at minute `m`, applied at `m`.
    fn round(l: &mut Live, m: i64, result: Result<Vec<SeriesUpdate>, String>) {
        l.apply(Update { at: t(m), result }, t(m));
    }

    fn samples(v: &[(i64, f64)]) -> SeriesUpdate {
        SeriesUpdate::new(Outcome::Samples(
            v.iter()
                .map(|(m, value)| Sample {
                    at: t(*m),
                    value: *value,
                })
                .collect(),
        ))
    }

    #[test]
    fn unreachable_keeps_its_first_moment_and_the_last_values() {
        let mut l = Live::new(&policy());
        round(&mut l, 0, Ok(vec![samples(&[(0, 0.02)])]));
        for m in [1, 2] {
            round(&mut l, m, Err(format!("connection refused {m}")));
        }
        assert_eq!(
            l.reach,
            Reach::Down {
                since: t(1),
                reason: "connection refused 2".into()
            }
        );
        assert_eq!(l.current()[0].map(|s| s.value), Some(0.02));
        round(&mut l, 3, Ok(vec![samples(&[(3, 0.03)])]));
        assert_eq!(l.reach, Reach::Up);
    }

    #[test]
    fn a_failing_query_or_nan_has_no_current_value_but_keeps_history() {
        let mut l = Live::new(&policy());
        round(&mut l, 0, Ok(vec![samples(&[(0, 0.02)])]));
        let failed = SeriesUpdate::new(Outcome::Failed("parse error".into()));
        round(&mut l, 1, Ok(vec![failed]));
        assert_eq!(l.current(), vec![None]);
        assert_eq!(l.series[0].history.len(), 1);
        round(&mut l, 2, Ok(vec![samples(&[(2, f64::NAN)])]));
        assert_eq!(l.current(), vec![None]);
        assert_eq!(l.series[0].error, None);
    }

    #[test]
    fn history_is_an_hour_in_time_order() {
        let mut l = Live::new(&policy());
        let range: Vec<(i64, f64)> = (0..90).map(|m| (m, m as f64 / 1000.0)).collect();
        round(&mut l, 90, Ok(vec![samples(&range)]));
        // An instant answer older than the range's last sample is ignored.
        round(&mut l, 90, Ok(vec![samples(&[(50, 9.0)])]));
        let h = &l.series[0].history;
        assert_eq!(h.front().map(|s| s.at), Some(t(30)));
        assert_eq!(h.back().map(|s| s.value), Some(0.089));
        let b = l.buckets(&policy(), 0, 6, t(90));
        assert_eq!(b.len(), 6);
        assert!(b.iter().all(Option::is_some), "{b:?}");
        assert_eq!(b[5], Some(0.089));
    }

    #[test]
    fn sparkline_scales_and_shows_gaps() {
        assert_eq!(
            sparkline(&[Some(0.0), Some(1.0), None, Some(0.5)], None),
            "▁█ ▅"
        );
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)], None), "██");
        assert_eq!(sparkline(&[Some(0.0), Some(0.0)], None), "▁▁");
        assert_eq!(sparkline(&[None, None], None), "  ");
        assert_eq!(sparkline(&[], None), "");
        // Scaled to the critical threshold: one value of the hour below it is not a full
        // bar; past it, it is.
        assert_eq!(sparkline(&[None, Some(0.021)], Some(0.05)), " ▄");
        assert_eq!(sparkline(&[None, Some(0.094)], Some(0.05)), " █");
        assert_eq!(sparkline(&[Some(0.021), Some(0.094)], Some(0.05)), "▃█");
        assert_eq!(sparkline(&[None, None], Some(0.05)), "  ");
    }
}
