//! The health figures through an incident: what is journaled when, what the checklist says,
//! what the post-mortem gets.

use super::live::{Live, Outcome, SeriesUpdate, Update};
use super::observe::{Observed, Why, due};
use super::*;
use crate::domain::checklist::tests::{B, clock};
use crate::domain::checklist::{Status, evaluate_with};
use crate::domain::event::{LoopQuestion, Payload, Severity};
use crate::domain::incident::Incident;
use crate::domain::policy::Policy;
use jiff::Timestamp;

fn t(min: i64) -> Timestamp {
    clock("2026-11-21T03:00:00Z")(min)
}

fn health() -> HealthPolicy {
    HealthPolicy {
        series: vec![
            SeriesSpec {
                name: "API 5xx".into(),
                format: Format::Percent,
                warn: Some(0.01),
                critical: Some(0.05),
                ..SeriesSpec::default()
            },
            SeriesSpec {
                name: "p99 latency".into(),
                format: Format::Duration,
                ..SeriesSpec::default()
            },
        ],
        factor: 2.0,
    }
}

impl B {
    /// Journals the figures (5xx ratio, latency seconds) sampled at `min`.
    fn seen(&mut self, min: i64, why: Why, err: f64, lat: f64) -> &mut Self {
        let h = health();
        let values = [err, lat]
            .iter()
            .zip(&h.series)
            .filter_map(|(v, spec)| {
                Observed::of(
                    spec,
                    Sample {
                        at: t(min),
                        value: *v,
                    },
                )
            })
            .collect();
        self.at(min, Payload::MetricsObserved { why, values })
    }
}

fn now(min: i64, err: f64, lat: f64) -> Vec<Option<Sample>> {
    vec![
        Some(Sample {
            at: t(min),
            value: err,
        }),
        Some(Sample {
            at: t(min),
            value: lat,
        }),
    ]
}

fn impact_row(inc: &Incident, current: &[Option<Sample>], min: i64) -> (Status, String) {
    let policy = Policy {
        health: health(),
        ..Policy::default()
    };
    let rows = evaluate_with(inc, &policy, current, t(min));
    let r = rows
        .into_iter()
        .find(|r| r.question == LoopQuestion::Impact)
        .unwrap_or_else(|| panic!("no impact row"));
    (r.status, r.reason)
}

fn live(points: &[(i64, f64, f64)]) -> Live {
    let h = health();
    let mut l = Live::new(&h);
    for (min, err, lat) in points {
        let s = |v: f64| {
            SeriesUpdate::new(Outcome::Samples(vec![Sample {
                at: t(*min),
                value: v,
            }]))
        };
        l.apply(
            Update {
                at: t(*min),
                result: Ok(vec![s(*err), s(*lat)]),
            },
            t(*min),
        );
    }
    l
}

#[test]
fn impact_turns_due_when_a_series_crossed_a_threshold_since_the_review() {
    let mut b = B::on(t);
    b.seen(10, Why::Milestone, 0.021, 0.3);
    b.impact(10, "EU customers see some errors");
    let inc = b.inc();
    assert_eq!(impact_row(&inc, &now(20, 0.022, 0.31), 20).0, Status::Ok);
    let (status, reason) = impact_row(&inc, &now(50, 0.094, 0.31), 50);
    assert_eq!(status, Status::Due);
    assert_eq!(
        reason,
        "API 5xx 2.1% -> 9.4% (critical) since impact reviewed 40m ago"
    );
    // Reviewing with the figures journaled first covers it.
    b.seen(51, Why::Milestone, 0.094, 0.31);
    b.reviewed(51, LoopQuestion::Impact);
    assert_eq!(
        impact_row(&b.inc(), &now(52, 0.095, 0.31), 52).0,
        Status::Ok
    );
}

#[test]
fn impact_turns_due_when_a_series_moved_by_the_factor() {
    let mut b = B::on(t);
    b.seen(10, Why::Milestone, 0.0012, 0.3);
    b.impact(11, "slow");
    let inc = b.inc();
    // Latency has no thresholds: only the factor speaks.
    let (status, reason) = impact_row(&inc, &now(30, 0.0012, 0.95), 30);
    assert_eq!(status, Status::Due);
    assert_eq!(
        reason,
        "p99 latency 300ms -> 950ms since impact reviewed 19m ago"
    );
    assert_eq!(impact_row(&inc, &now(30, 0.0012, 0.5), 30).0, Status::Ok);
    // Back to ok is a change too.
    let mut b = B::on(t);
    b.seen(10, Why::Milestone, 0.03, 0.3);
    b.impact(11, "errors");
    let (status, reason) = impact_row(&b.inc(), &now(30, 0.002, 0.3), 30);
    assert_eq!(status, Status::Due);
    assert!(
        reason.starts_with("API 5xx 3% -> 0.2% (back to ok)"),
        "{reason}"
    );
}

#[test]
fn before_any_review_the_alarming_figures_are_in_the_reason() {
    let b = B::on(t);
    let (status, reason) = impact_row(&b.inc(), &now(5, 0.094, 0.3), 5);
    assert_eq!(status, Status::Unknown);
    assert_eq!(reason, "never reviewed; API 5xx 9.4% (critical)");
    let mut b = B::on(t);
    b.impact(1, "x");
    // Reviewed before any figure was journaled: the first one journaled after is the
    // baseline (no DUE flickering on while it is being written).
    let (status, reason) = impact_row(&b.inc(), &now(5, 0.094, 0.3), 5);
    assert_eq!(status, Status::Ok, "{reason}");
    // No figures at all: the checklist works as before.
    assert_eq!(impact_row(&b.inc(), &[], 5).0, Status::Ok);
}

#[test]
fn journaled_at_milestones_crossings_moves_and_peaks_only() {
    let h = health();
    let mut b = B::on(t);
    // Nothing journaled yet: the first figures are the opening milestone.
    let l = live(&[(1, 0.02, 0.3)]);
    let d = due(&b.inc(), &h, &l);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, Why::Milestone);
    b.seen(1, Why::Milestone, 0.02, 0.3);
    // Steady: nothing.
    assert!(due(&b.inc(), &h, &live(&[(1, 0.02, 0.3), (2, 0.021, 0.31)])).is_empty());
    // Crossing into critical.
    let d = due(&b.inc(), &h, &live(&[(2, 0.021, 0.3), (3, 0.06, 0.31)]));
    assert_eq!(d.iter().map(|d| d.0).collect::<Vec<_>>(), [Why::Level]);
    b.seen(3, Why::Level, 0.06, 0.31);
    // Rising within critical: not yet a peak (no turn), not a move by 2x.
    assert!(due(&b.inc(), &h, &live(&[(3, 0.06, 0.3), (4, 0.09, 0.31)])).is_empty());
    // Turned back: the worst sample is journaled with its own time.
    let d = due(&b.inc(), &h, &live(&[(4, 0.09, 0.3), (5, 0.08, 0.31)]));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, Why::Peak);
    assert_eq!(d[0].1.len(), 1);
    assert_eq!((d[0].1[0].shown.as_str(), d[0].1[0].at), ("9%", t(4)));
    b.at(
        5,
        Payload::MetricsObserved {
            why: Why::Peak,
            values: d[0].1.clone(),
        },
    );
    // A wiggle within 5% of the peak is not a new one.
    assert!(due(&b.inc(), &h, &live(&[(6, 0.092, 0.3), (7, 0.08, 0.31)])).is_empty());
    // A state change is a milestone: figures again.
    b.at(
        8,
        Payload::StateChanged {
            from: Severity::Investigating,
            to: Severity::Resolved,
        },
    );
    let d = due(&b.inc(), &h, &live(&[(9, 0.004, 0.3)]));
    assert_eq!(d.iter().map(|d| d.0).collect::<Vec<_>>(), [Why::Milestone]);
    b.seen(9, Why::Milestone, 0.004, 0.3);
    // Resolved and journaled since: nothing more.
    assert!(due(&b.inc(), &h, &live(&[(10, 0.5, 9.0)])).is_empty());
}

#[test]
fn nan_and_missing_values_are_never_journaled() {
    let h = health();
    let b = B::on(t);
    assert!(due(&b.inc(), &h, &live(&[(1, f64::NAN, f64::INFINITY)])).is_empty());
    let d = due(&b.inc(), &h, &live(&[(1, f64::NAN, 0.3)]));
    assert_eq!(d[0].1.len(), 1);
    assert_eq!(d[0].1[0].series, "p99 latency");
}

#[test]
fn postmortem_rows_take_the_nearest_figure_to_each_milestone_and_the_peak() {
    let mut b = B::on(t);
    b.seen(1, Why::Milestone, 0.021, 0.3);
    b.at(
        14,
        Payload::StateChanged {
            from: Severity::Investigating,
            to: Severity::Confirmed,
        },
    );
    b.seen(14, Why::Milestone, 0.05, 0.4);
    b.seen(30, Why::Peak, 0.094, 0.9);
    b.at(
        70,
        Payload::StateChanged {
            from: Severity::Confirmed,
            to: Severity::Resolved,
        },
    );
    b.seen(70, Why::Milestone, 0.002, 0.25);
    let rows = milestones::rows(&b.inc());
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r.series, "API 5xx");
    assert_eq!(r.opened, "2.1% (03:01 UTC)");
    assert_eq!(r.confirmed, "5% (03:14 UTC)");
    assert_eq!(r.resolved, "0.2% (04:10 UTC)");
    assert_eq!(r.peak, "9.4% (03:30 UTC)");
    assert_eq!(rows[1].peak, "900ms (03:30 UTC)");
}
