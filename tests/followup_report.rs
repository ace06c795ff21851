//! The report over many incidents: the recorded two-day incident, a short
//! one, one still open, and one too old to count.

#![allow(clippy::unwrap_used)]

use commandpost::config::Config;
use commandpost::domain::Incident;
use commandpost::domain::event::{Event, FORMAT_VERSION, Payload, Severity, StatusFields};
use commandpost::domain::followup::report::{render_table, report};
use jiff::Timestamp;

const JOURNAL: &str = include_str!("data/followup_midnight.jsonl");

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn build(id: &str, start: &str, steps: &[(&str, Payload)]) -> Incident {
    let mut events = vec![Event {
        v: FORMAT_VERSION,
        seq: 1,
        ts: t(start),
        actor: "Bob".into(),
        payload: Payload::IncidentOpened {
            id: id.into(),
            title: format!("{id} title"),
            ic: "Bob".into(),
        },
        rep: Default::default(),
    }];
    for (i, (ts, p)) in steps.iter().enumerate() {
        events.push(Event {
            v: FORMAT_VERSION,
            seq: i as u64 + 2,
            ts: t(ts),
            actor: "Bob".into(),
            payload: p.clone(),
            rep: Default::default(),
        });
    }
    Incident::replay(&events).unwrap()
}

fn state(from: Severity, to: Severity) -> Payload {
    Payload::StateChanged { from, to }
}

fn status(stage: &str) -> Payload {
    Payload::StatusPosted {
        fields: StatusFields {
            stage: stage.into(),
            message: "m".into(),
            ..Default::default()
        },
        rendered: String::new(),
    }
}

fn incidents() -> Vec<Incident> {
    let recorded: Vec<Event> = JOURNAL
        .lines()
        .map(|l| Event::from_line(l).unwrap())
        .collect();
    vec![
        Incident::replay(&recorded).unwrap(),
        build(
            "INC-20261125-0900",
            "2026-11-25T09:00:00Z",
            &[
                ("2026-11-25T09:05:00Z", status("investigating")),
                (
                    "2026-11-25T09:10:00Z",
                    state(Severity::Investigating, Severity::Confirmed),
                ),
                (
                    "2026-11-25T10:00:00Z",
                    state(Severity::Confirmed, Severity::Resolved),
                ),
                ("2026-11-25T10:01:00Z", status("resolved")),
            ],
        ),
        build(
            "INC-20261130-1400",
            "2026-11-30T14:00:00Z",
            &[("2026-11-30T14:50:00Z", status("investigating"))],
        ),
        build(
            "INC-20261001-0000",
            "2026-10-01T00:00:00Z",
            &[(
                "2026-10-01T01:00:00Z",
                state(Severity::Investigating, Severity::Resolved),
            )],
        ),
    ]
}

#[test]
fn report_over_the_last_30_days() {
    let r = report(
        &incidents(),
        t("2026-11-01T00:00:00Z"),
        t("2026-12-01T00:00:00Z"),
        &Config::default().policy(),
    );
    assert_eq!((r.incidents, r.open, r.resolved, r.closed), (3, 1, 2, 1));
    assert_eq!(
        (
            r.by_severity.investigating,
            r.by_severity.confirmed,
            r.by_severity.major
        ),
        (1, 1, 1)
    );
    insta::assert_snapshot!("report_table", render_table(&r));
    let json = serde_json::to_value(&r).unwrap();
    // The median of 1h and 19h28m.
    assert_eq!(json["median_duration_secs"], 10 * 3600 + 14 * 60);
    assert_eq!(json["rows"][0]["id"], "INC-20261130-1400");
    // The open one: first update 50m after opening, 30m late; its journal
    // ends there, so no missed update is counted after it.
    assert_eq!(json["rows"][0]["late_status_updates"], 1);
    assert_eq!(json["rows"][0]["worst_late_secs"], 30 * 60);
}

#[test]
fn empty_report() {
    let r = report(
        &[],
        t("2026-11-01T00:00:00Z"),
        t("2026-12-01T00:00:00Z"),
        &Config::default().policy(),
    );
    assert_eq!(
        render_table(&r),
        "Incidents opened 2026-11-01 00:00 UTC .. 2026-12-01 00:00 UTC (30d): 0 (0 open, 0 resolved, 0 closed)\n"
    );
}
