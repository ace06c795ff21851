//! The drill clock (pure arithmetic on timestamps) and inject scheduling.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use commandpost::domain::event::Payload;
use commandpost::drill::schedule::{backends_down, decision_note, next_inject};
use commandpost::drill::{DrillClock, NOT_STARTED, Scenario, due_injects, inject_payloads};
use jiff::{SignedDuration, Timestamp};
use std::path::Path;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

const REAL: &str = "2026-11-21T14:00:00Z";
const SIM: &str = "2026-11-21T02:00:00Z";

#[test]
fn simulated_time_runs_at_the_speed() {
    // (speed asked, real seconds elapsed, simulated seconds elapsed)
    let table = [
        (1, 0, 0),
        (1, 90, 90),
        (10, 60, 600),
        (60, 60, 3600),
        (0, 60, 60),     // clamped to 1
        (500, 60, 3600), // clamped to 60
        (10, -30, 0),    // a real clock that went backwards does not rewind
    ];
    for (speed, real, sim) in table {
        let c = DrillClock::new(t(REAL), t(SIM), speed);
        let real_now = t(REAL).checked_add(secs(real)).unwrap();
        assert_eq!(c.elapsed(real_now), secs(sim), "speed {speed}, {real}s");
        assert_eq!(c.now_sim(real_now), t(SIM).checked_add(secs(sim)).unwrap());
    }
}

#[test]
fn changing_speed_and_pausing_never_jump() {
    let r = |s: i64| t(REAL).checked_add(secs(s)).unwrap();
    let mut c = DrillClock::new(r(0), t(SIM), 10);
    assert_eq!(c.elapsed(r(60)), secs(600));
    assert_eq!(c.set_speed(r(60), 60), 60);
    assert_eq!(c.elapsed(r(60)), secs(600), "no jump at the change");
    assert_eq!(c.elapsed(r(70)), secs(1200));
    c.pause(r(70));
    assert!(c.paused);
    assert_eq!(c.elapsed(r(1000)), secs(1200), "frozen while paused");
    assert_eq!(c.real_until(r(1000), t(SIM)), None);
    c.pause(r(2000)); // pausing twice changes nothing
    c.resume(r(1000));
    assert_eq!(c.elapsed(r(1000)), secs(1200), "resumes where it froze");
    assert_eq!(c.elapsed(r(1001)), secs(1260));
    assert!(c.toggle_pause(r(1001)));
    assert!(!c.toggle_pause(r(1005)));
    assert_eq!(c.elapsed(r(1006)), secs(1320));
}

#[test]
fn faster_and_slower_step_through_the_speeds() {
    let mut c = DrillClock::new(t(REAL), t(SIM), 1);
    let ups: Vec<u32> = (0..7).map(|_| c.faster(t(REAL))).collect();
    assert_eq!(ups, [2, 5, 10, 20, 30, 60, 60]);
    let downs: Vec<u32> = (0..7).map(|_| c.slower(t(REAL))).collect();
    assert_eq!(downs, [30, 20, 10, 5, 2, 1, 1]);
    c.set_speed(t(REAL), 7);
    assert_eq!(c.faster(t(REAL)), 10, "from between steps to the next one");
}

#[test]
fn real_time_until_a_simulated_moment() {
    let c = DrillClock::new(t(REAL), t(SIM), 60);
    let target = t(SIM).checked_add(SignedDuration::from_mins(12)).unwrap();
    assert_eq!(c.real_until(t(REAL), target), Some(secs(12)));
    let c7 = DrillClock::new(t(REAL), t(SIM), 7);
    // 100 s simulated at 7x: 14.29 s, rounded up so the target is reached on waking.
    let until = c7
        .real_until(t(REAL), t(SIM).checked_add(secs(100)).unwrap())
        .unwrap();
    assert!(
        until >= SignedDuration::from_millis(14_285) && until < secs(15),
        "{until:?}"
    );
    assert_eq!(c.real_until(t(REAL), t(SIM)), Some(SignedDuration::ZERO));
}

fn scenario() -> Scenario {
    let text = r#"
title = "T"
duration = "2h"
[[people]]
name = "Ana"
[[inject]]
at = "0m"
kind = "alert"
text = "first"
[[inject]]
at = "12m"
kind = "backend_down"
backend = "statuspage"
[[inject]]
at = "12m"
kind = "person_joins"
who = "Bo"
group = "database"
text = "Bo is here"
[[inject]]
at = "1h"
kind = "backend_up"
backend = "statuspage"
[[inject]]
at = "1h30m"
kind = "alert"
text = "last"
decision = { question = "Page the vendor?", options = ["yes", "no"] }
"#;
    Scenario::parse(text, Path::new("s.toml")).unwrap().0
}

#[test]
fn each_inject_fires_exactly_once_whatever_the_tick() {
    let s = scenario();
    for step_secs in [1, 59, 60, 61, 600, 7200] {
        let mut prev = NOT_STARTED;
        let mut fired = Vec::new();
        let mut now = SignedDuration::ZERO;
        while prev < s.duration {
            fired.extend(due_injects(&s, prev, now).into_iter().map(|i| i.at));
            prev = now;
            now += secs(step_secs);
        }
        let want: Vec<SignedDuration> = s.injects.iter().map(|i| i.at).collect();
        assert_eq!(fired, want, "step {step_secs}s");
    }
}

#[test]
fn due_injects_is_half_open_and_in_order() {
    let s = scenario();
    let m = SignedDuration::from_mins;
    let kinds = |prev, now| -> Vec<String> {
        due_injects(&s, prev, now)
            .iter()
            .map(|i| i.kind.to_string())
            .collect()
    };
    assert_eq!(kinds(NOT_STARTED, m(0)), ["alert"]);
    assert_eq!(kinds(m(0), m(11)), Vec::<String>::new());
    assert_eq!(kinds(m(11), m(12)), ["backend_down", "person_joins"]);
    assert_eq!(kinds(m(12), m(12)), Vec::<String>::new());
    assert_eq!(
        kinds(m(30), m(10)),
        Vec::<String>::new(),
        "backwards: nothing"
    );
    assert_eq!(next_inject(&s, m(12)).map(|i| i.at), Some(m(60)));
    assert_eq!(next_inject(&s, m(90)), None);
}

#[test]
fn injects_journal_a_timeline_event_and_joins_put_people_on_duty() {
    let s = scenario();
    let joins = &s.injects[2];
    let payloads = inject_payloads(joins);
    assert_eq!(payloads.len(), 2);
    let Payload::DrillInject {
        at_offset,
        kind,
        who,
        group,
        ..
    } = &payloads[0]
    else {
        panic!("{payloads:?}")
    };
    assert_eq!(*at_offset, SignedDuration::from_mins(12));
    assert_eq!(kind, "person_joins");
    assert_eq!(who.as_deref(), Some("Bo"));
    assert_eq!(group.as_deref(), Some("database"));
    assert!(
        matches!(&payloads[1], Payload::PersonJoined { name, group: Some(g), .. } if name == "Bo" && g == "database")
    );
    assert_eq!(inject_payloads(&s.injects[0]).len(), 1);
}

#[test]
fn backends_go_down_and_up_with_the_injects() {
    let s = scenario();
    let m = SignedDuration::from_mins;
    assert_eq!(backends_down(&s, m(11)), Vec::<String>::new());
    assert_eq!(backends_down(&s, m(12)), ["statuspage"]);
    assert_eq!(backends_down(&s, m(60)), Vec::<String>::new());
    assert_eq!(decision_note("Q?", "yes"), "Drill decision: Q? -> yes");
}

#[test]
fn drill_injects_describe_themselves_in_the_timeline() {
    let s = scenario();
    let p = inject_payloads(&s.injects[4]).remove(0);
    let e = commandpost::domain::Event {
        v: 1,
        seq: 2,
        ts: t(SIM),
        actor: "drill".into(),
        payload: p,
        rep: Default::default(),
    };
    assert_eq!(
        commandpost::domain::describe::describe(&e.payload),
        "DRILL +1h30m alert: last (decide: Page the vendor? yes / no)"
    );
    let line = e.to_line().unwrap();
    assert!(line.contains(r#""at_offset":"1h30m""#), "{line}");
    assert_eq!(commandpost::domain::Event::from_line(&line).unwrap(), e);
}

/// Before: the example drill's `metric` injects (written without `text`, as the scenario
/// format allows) showed in the timeline as `DRILL +0s metric:` and nothing more. Now a
/// metric inject without text says what it sets.
#[test]
fn metric_injects_without_text_say_what_they_set() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/drills/api-errors.toml");
    let (s, _) = Scenario::load(&path).unwrap();
    let described: Vec<String> = s
        .injects
        .iter()
        .map(|i| commandpost::domain::describe::describe(&inject_payloads(i).remove(0)))
        .collect();
    assert!(
        described.contains(&"DRILL +0s metric: API 5xx at 0.021".to_string()),
        "{described:#?}"
    );
    assert!(
        described.contains(&"DRILL +0s metric: p99 latency at 0.32".to_string()),
        "{described:#?}"
    );
    // An alert with its own text keeps it.
    assert!(
        described.contains(&"DRILL +3m alert: API 5xx above 5% in eu-west".to_string()),
        "{described:#?}"
    );
    for d in &described {
        assert!(!d.trim_end().ends_with(':'), "says nothing: {d:?}");
    }
}
