//! Post-mortem golden tests from a recorded journal: an incident opened at
//! 20:12 UTC on 2026-11-21 and resolved at 15:40 UTC the next day, with an
//! acknowledged IC hand-off, two Comms rotations, cleanup and remediation.

#![allow(clippy::unwrap_used)]

use commandpost::config::Config;
use commandpost::domain::followup::figures::KeyFigures;
use commandpost::domain::followup::postmortem::{PostmortemData, postmortem};
use commandpost::domain::{Event, Incident};
use commandpost::journal::Store;
use jiff::tz::{self, TimeZone};

const JOURNAL: &str = include_str!("data/followup_midnight.jsonl");
const ID: &str = "INC-20261121-2012";

/// Opens the recorded journal through the real store (from a temp copy).
fn recorded() -> (Incident, Vec<Event>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let path = store.journal_path(ID);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, JOURNAL).unwrap();
    let (opened, inc) = store.open(ID).unwrap();
    assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
    (inc, opened.events)
}

#[test]
fn postmortem_of_an_incident_spanning_midnight() {
    let (inc, events) = recorded();
    let md = postmortem(&inc, &events, &Config::default().policy(), None).unwrap();
    insta::assert_snapshot!("postmortem_midnight", md);
}

#[test]
fn timeline_can_show_a_local_time_zone() {
    let (inc, events) = recorded();
    let tz = TimeZone::fixed(tz::offset(-5));
    let data = PostmortemData::build(&inc, &events, &Config::default().policy(), Some(&tz));
    let first = &data.timeline[0];
    assert_eq!(first.utc, "2026-11-21 20:12");
    assert_eq!(first.local.as_deref(), Some("2026-11-21 15:12 -05"));
    let md = postmortem(&inc, &events, &Config::default().policy(), Some(&tz)).unwrap();
    assert!(md.contains("| 2026-11-22 04:02 | 2026-11-21 23:02 -05 | @all: IC -> Ricardo (acknowledged by Ricardo) |"), "{md}");
}

#[test]
fn key_figures_of_the_recorded_incident() {
    let (inc, _) = recorded();
    let k = KeyFigures::of(&inc, &Config::default().policy());
    let mins = |d: Option<jiff::SignedDuration>| d.map(|d| d.as_secs() / 60);
    assert_eq!(mins(k.to_first_status), Some(13));
    assert_eq!(mins(k.to_first_sitrep), Some(28));
    assert_eq!(mins(k.to_confirmed), Some(23));
    assert_eq!(mins(k.to_resolved), Some(19 * 60 + 28));
    assert_eq!((k.handoffs, k.ic_handoffs), (5, 1));
    let longest = k.longest_shift.unwrap();
    assert_eq!(
        (longest.name.as_str(), longest.length.as_secs() / 60),
        ("Dana", 18 * 60 + 12)
    );
    assert!(inc.closed());
    assert_eq!(
        inc.closed_at().map(|t| t.to_string()).as_deref(),
        Some("2026-11-22T16:30:00Z")
    );
    let late: Vec<(String, i64)> = k
        .late_status
        .iter()
        .map(|l| (l.due.to_string(), l.late_by.as_secs() / 60))
        .collect();
    assert_eq!(
        late,
        vec![
            ("2026-11-21T20:45:00Z".to_string(), 2),
            ("2026-11-22T00:30:00Z".to_string(), 22),
            ("2026-11-22T01:48:00Z".to_string(), 17),
            ("2026-11-22T12:00:00Z".to_string(), 1),
        ]
    );
}

#[test]
fn json_form_serializes() {
    let (inc, events) = recorded();
    let data = PostmortemData::build(&inc, &events, &Config::default().policy(), None);
    let v = serde_json::to_value(&data).unwrap();
    assert_eq!(v["id"], ID);
    assert_eq!(v["remediation"].as_array().map(Vec::len), Some(2));
}
