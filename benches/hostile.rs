//! Work that input controls stays linear (issue 15, item 3): replaying 20,000 `person_joined`
//! (every one into the same group), 20,000 hypotheses and remediation items added then closed,
//! and validating a status update with 100,000 components. On main before the fix these took
//! 12 s and over a minute (a scan of everyone per event); the targets are for a release build on
//! the 2-core CI machine. Prints OK or OVER per case.
//! Run: `cargo bench --bench hostile`
#![allow(clippy::unwrap_used, clippy::panic)] // benchmark harness, not product code

use commandpost::domain::event::{Event, FORMAT_VERSION, Payload, StatusFields};
use commandpost::domain::incident::{self, Incident};
use commandpost::domain::status;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};

fn t0() -> Timestamp {
    "2026-11-21T00:00:00Z".parse().unwrap()
}

fn events(payloads: impl Iterator<Item = Payload>) -> Vec<Event> {
    std::iter::once(incident::open("INC-1", "Bench", "Alice").unwrap())
        .chain(payloads)
        .enumerate()
        .map(|(i, payload)| Event {
            v: FORMAT_VERSION,
            seq: i as u64 + 1,
            ts: t0() + SignedDuration::from_millis(i as i64),
            actor: "Alice".into(),
            payload,
            rep: Default::default(),
        })
        .collect()
}

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn report(name: &str, took: Duration, target: Duration) -> bool {
    let ok = took <= target;
    println!(
        "{name:<52} median {:>9.2} ms  target < {:>6} ms  {}",
        took.as_secs_f64() * 1e3,
        target.as_millis(),
        if ok { "OK" } else { "OVER" }
    );
    ok
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench`-less args: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 2_000 } else { 20_000 };
    let runs = if quick { 1 } else { 5 };
    let mut ok = true;

    let people = events((0..n).map(|i| Payload::PersonJoined {
        name: format!("Responder {i}"),
        handle: None,
        contact: None,
        team: None,
        group: Some("database".into()),
    }));
    let took = median(runs, || {
        let inc = Incident::replay(&people).unwrap();
        assert_eq!(inc.people.len(), n + 1);
        assert_eq!(inc.group_of("Responder 7"), Some("database"));
    });
    ok &= report(
        &format!("replay {n} person_joined into one group"),
        took,
        Duration::from_millis(200),
    );

    let items = events(
        (1..=n as u32)
            .flat_map(|id| {
                [
                    Payload::HypothesisAdded {
                        id,
                        text: format!("hypothesis {id}"),
                        origin: None,
                    },
                    Payload::RemediationAdded {
                        id,
                        text: format!("fix {id}"),
                        owner: None,
                        origin: None,
                    },
                ]
            })
            .chain((1..=n as u32).flat_map(|id| {
                [
                    Payload::HypothesisRuledOut {
                        id,
                        reason: None,
                        of: None,
                    },
                    Payload::RemediationDone {
                        id,
                        note: None,
                        of: None,
                    },
                ]
            })),
    );
    let took = median(runs, || {
        let inc = Incident::replay(&items).unwrap();
        assert!(inc.hypotheses.iter().all(|h| h.ruled_out.is_some()));
        assert!(inc.followup.remediations.iter().all(|r| r.is_done()));
    });
    ok &= report(
        &format!("replay {n} hypotheses and remediations, closed"),
        took,
        Duration::from_millis(200),
    );

    let components = n * 5;
    let fields = StatusFields {
        stage: "investigating".into(),
        message: "Some requests fail".into(),
        components: (0..components)
            .map(|i| (format!("component {i}"), "partial outage".into()))
            .collect(),
        ..StatusFields::default()
    };
    let took = median(runs, || {
        let built = status::build(&fields, t0()).unwrap();
        assert_eq!(built.components.len(), components);
    });
    ok &= report(
        &format!("validate a status update with {components} components"),
        took,
        Duration::from_millis(300),
    );
    if !ok && !quick {
        std::process::exit(1);
    }
}
