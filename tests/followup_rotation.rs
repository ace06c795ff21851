//! Rotation proposals and the hand-off brief against the recorded two-day
//! journal, replayed up to fixed clocks.

#![allow(clippy::unwrap_used)]

use commandpost::config::{Config, KnownPerson};
use commandpost::domain::followup::handoff::handoff_brief;
use commandpost::domain::followup::rotation::{Urgency, breaks_hint, propose};
use commandpost::domain::{Event, Incident, Role};
use jiff::Timestamp;

const JOURNAL: &str = include_str!("data/followup_midnight.jsonl");

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn at(now: &str) -> Incident {
    let events: Vec<Event> = JOURNAL
        .lines()
        .map(|l| Event::from_line(l).unwrap())
        .filter(|e| e.ts <= t(now))
        .collect();
    Incident::replay(&events).unwrap()
}

fn known(names: &[&str]) -> Vec<KnownPerson> {
    names
        .iter()
        .map(|n| KnownPerson {
            name: n.to_string(),
            handle: None,
            team: None,
            contact: None,
            matrix: None,
        })
        .collect()
}

#[test]
fn table_of_proposals_over_the_night() {
    // (clock, role, known from config, holder, urgency, proposed, reason)
    type Row<'a> = (
        &'a str,
        Role,
        &'a [&'a str],
        &'a str,
        Urgency,
        Option<&'a str>,
        &'a str,
    );
    let rows: &[Row] = &[
        (
            "2026-11-22T03:20:00Z",
            Role::Ic,
            &["Ricardo", "Chris"],
            "Alice",
            Urgency::DueSoon,
            Some("Ricardo"),
            "Ricardo: not yet on this incident, 0h worked in last 24h",
        ),
        (
            "2026-11-22T03:20:00Z",
            Role::Ic,
            &[],
            "Alice",
            Urgency::DueSoon,
            None,
            "nobody eligible: Chris: off duty only 3h19m (needs 8h rest), 3h47m worked in last 24h; \
             Keiko: on duty 3h22m, holds Comms; Eve: on duty 4h40m; \
             Dana: on duty 7h02m, holds Ops db lead; Alice: on duty 7h08m, holds IC",
        ),
        (
            "2026-11-22T08:04:00Z",
            Role::Comms,
            &[],
            "Keiko",
            Urgency::Overdue,
            Some("Chris"),
            "Chris: off duty 8h03m, 3h47m worked in last 24h",
        ),
    ];
    for (now, role, people, holder, urgency, next, reason) in rows {
        let inc = at(now);
        let p = propose(
            &inc,
            role,
            &known(people),
            &Config::default().shifts,
            t(now),
        );
        assert_eq!(p.holder.as_deref(), Some(*holder), "{now} {role}");
        assert_eq!(p.urgency, *urgency, "{now} {role}");
        assert_eq!(p.next.as_deref(), *next, "{now} {role}");
        assert_eq!(p.reason, *reason, "{now} {role}");
    }
}

#[test]
fn breaks_row_names_who_hands_to_whom() {
    let now = "2026-11-22T03:20:00Z";
    let inc = at(now);
    let cfg = Config::default();
    let p = propose(&inc, &Role::Ic, &known(&["Ricardo"]), &cfg.shifts, t(now));
    assert_eq!(
        breaks_hint(&p, &cfg.shifts, t(now)).as_deref(),
        Some("Alice must hand IC to Ricardo by 04:12 UTC (in 52m)")
    );
    // Once proposed, the row names the pending hand-off.
    let inc = at("2026-11-22T03:55:00Z");
    let p = propose(&inc, &Role::Ic, &[], &cfg.shifts, t("2026-11-22T03:55:00Z"));
    assert_eq!(p.pending_to.as_deref(), Some("Ricardo"));
    assert_eq!(
        breaks_hint(&p, &cfg.shifts, t("2026-11-22T03:55:00Z")).as_deref(),
        Some("Alice must hand IC to Ricardo (waiting for acknowledgement) by 04:12 UTC (in 17m)")
    );
}

#[test]
fn brief_at_the_ic_handoff() {
    let now = "2026-11-22T03:50:00Z";
    let inc = at(now);
    let brief = handoff_brief(&inc, &[], &[], t(now));
    assert!(brief.contains("State: major since 2026-11-21 21:30 UTC (6h20m); opened 2026-11-21 20:12 UTC (7h38m ago)."), "{brief}");
    assert!(brief.contains("Promised to customers (at 2026-11-22 03:00 UTC): next update by 2026-11-22 04:00 UTC (in 10m)."), "{brief}");
    assert!(
        brief.contains("  Comms Keiko (since 2026-11-21 23:58 UTC, on duty 3h52m)"),
        "{brief}"
    );
    assert!(brief.contains("Responders: Eve (db)"), "{brief}");
}
