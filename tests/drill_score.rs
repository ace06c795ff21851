//! The score card as a pure function: journals built in memory with fixed
//! clocks, scored against the doctrine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use commandpost::config::Config;
use commandpost::domain::event::{
    DrillDecision, Event, LoopQuestion, Payload, Severity, SitrepFields, StatusFields,
};
use commandpost::domain::incident::Incident;
use commandpost::domain::role::Role;
use commandpost::drill::score::{Lateness, ScoreCard};
use commandpost::drill::{Scenario, score};
use jiff::{SignedDuration, Timestamp};
use std::path::Path;

const T0: &str = "2026-11-21T02:00:00Z";

fn m(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn at(mins: i64) -> Timestamp {
    T0.parse::<Timestamp>()
        .unwrap()
        .checked_add(m(mins))
        .unwrap()
}

/// A drill journal under construction.
struct J {
    events: Vec<Event>,
}

impl J {
    fn new() -> J {
        let mut j = J { events: Vec::new() };
        j.push(
            0,
            "Ana",
            Payload::IncidentOpened {
                id: "DRILL-1".into(),
                title: "DRILL: t".into(),
                ic: "Ana".into(),
            },
        );
        j
    }

    fn push(&mut self, mins: i64, actor: &str, payload: Payload) -> &mut J {
        let seq = self.events.len() as u64 + 1;
        self.events.push(Event {
            v: 1,
            seq,
            ts: at(mins),
            actor: actor.into(),
            payload,
            rep: Default::default(),
        });
        self
    }

    fn ic(&mut self, mins: i64, p: Payload) -> &mut J {
        self.push(mins, "Ana", p)
    }

    fn sitrep(&mut self, mins: i64) -> &mut J {
        self.ic(
            mins,
            Payload::SitrepSent {
                version: 1,
                fields: SitrepFields::default(),
                rendered: "s".into(),
                ic: Some("Ana".into()),
                comms: None,
                responders: vec![],
                groups: vec![],
            },
        )
    }

    fn status(&mut self, mins: i64, stage: &str, message: &str, workaround: &str) -> &mut J {
        self.status_promising(mins, stage, message, workaround, None)
    }

    fn status_promising(
        &mut self,
        mins: i64,
        stage: &str,
        message: &str,
        workaround: &str,
        next: Option<i64>,
    ) -> &mut J {
        self.ic(
            mins,
            Payload::StatusPosted {
                fields: StatusFields {
                    stage: stage.into(),
                    message: message.into(),
                    workaround: workaround.into(),
                    components: vec![],
                    next_update_at: next.map(at),
                },
                rendered: message.into(),
            },
        )
    }

    fn state(&mut self, mins: i64, from: Severity, to: Severity) -> &mut J {
        self.ic(mins, Payload::StateChanged { from, to })
    }

    fn join(&mut self, mins: i64, name: &str) -> &mut J {
        self.push(
            mins,
            "drill",
            Payload::PersonJoined {
                name: name.into(),
                handle: None,
                contact: None,
                team: None,
                group: None,
            },
        )
    }

    fn inject(&mut self, mins: i64, kind: &str, text: &str, who: Option<&str>) -> &mut J {
        self.push(
            mins,
            "drill",
            Payload::DrillInject {
                at_offset: m(mins),
                kind: kind.into(),
                text: text.into(),
                who: who.map(str::to_string),
                group: None,
                backend: None,
                decision: None,
            },
        )
    }

    fn review_all(&mut self, mins: i64) -> &mut J {
        for question in LoopQuestion::ALL {
            self.ic(mins, Payload::QuestionReviewed { question });
        }
        self
    }

    fn card(&self, scenario: &Scenario, end_mins: i64) -> ScoreCard {
        let inc = Incident::replay(&self.events).unwrap();
        score(
            &inc,
            &self.events,
            scenario,
            &Config::default(),
            at(end_mins),
        )
    }
}

fn scenario(extra: &str) -> Scenario {
    let text = format!("title = \"Drill\"\n[[people]]\nname = \"Ana\"\n{extra}");
    Scenario::parse(&text, Path::new("s.toml")).unwrap().0
}

fn late(due: i64, sent: Option<i64>, by: i64) -> Lateness {
    Lateness {
        due: m(due),
        sent: sent.map(m),
        late_by: m(by),
    }
}

fn check<'c>(card: &'c ScoreCard, name: &str) -> &'c commandpost::drill::score::Check {
    card.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name:?} in {:#?}", card.checks))
}

#[test]
fn doing_nothing_fails_the_procedure_but_not_the_people_checks() {
    let card = J::new().card(&scenario(""), 120);
    assert_eq!(card.first_status, None);
    assert_eq!(card.first_sitrep, None);
    assert_eq!(card.sitrep_lateness, [late(60, None, 60)]);
    assert_eq!(card.status_lateness, [late(20, None, 100)]);
    assert_eq!(card.impact_lateness, [late(60, None, 60)]);
    let results: Vec<(&str, bool)> = card
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.passed))
        .collect();
    assert_eq!(
        results,
        [
            ("First status update", false),
            ("First sitrep", false),
            ("Sitreps on cadence", false),
            ("Status updates on cadence", false),
            ("Impact reviewed", false),
            ("Hand-offs announced", true),
            ("Nobody past 8h", true),
            ("No linter warnings sent anyway", true),
            ("Checklist passes", false),
        ]
    );
    assert_eq!((card.passed, card.total), (3, 9));
    assert_eq!(
        check(&card, "First status update").detail,
        "never (due by +20m)"
    );
}

#[test]
fn first_status_and_sitrep_are_timed_from_the_start() {
    // (status at, sitrep at, status passes, sitrep passes)
    let table = [
        (5, 30, true, true),
        (20, 60, true, true),
        (21, 61, false, false),
    ];
    for (st, si, st_ok, si_ok) in table {
        let mut j = J::new();
        j.status(st, "investigating", "Looking into it.", "Retry later.");
        j.sitrep(si);
        let card = j.card(&scenario(""), 90);
        assert_eq!(card.first_status, Some(m(st)));
        assert_eq!(card.first_sitrep, Some(m(si)));
        assert_eq!(check(&card, "First status update").passed, st_ok, "{st}");
        assert_eq!(check(&card, "First sitrep").passed, si_ok, "{si}");
    }
    // A drill that starts major wants its first sitrep within 30 minutes.
    let mut j = J::new();
    j.state(0, Severity::Investigating, Severity::Major)
        .sitrep(40);
    let card = j.card(&scenario(""), 60);
    let c = check(&card, "First sitrep");
    assert!(!c.passed);
    assert_eq!(c.detail, "at +40m (due by +30m) [major]");
}

#[test]
fn sitrep_cadence_follows_the_state_in_force() {
    // (state changes (at, to), sitreps, end, expected lateness)
    type Case = (
        &'static [(i64, Severity)],
        &'static [i64],
        i64,
        &'static [(i64, Option<i64>, i64)],
    );
    use Severity::*;
    let table: &[Case] = &[
        // Hourly while investigating: on time.
        (&[], &[50, 110], 150, &[]),
        // Major at 20m shortens the cadence to 30m: due 40m, sent 50m; back to
        // confirmed at 60m: due 110m, sent 115m.
        (
            &[(20, Major), (60, Confirmed)],
            &[10, 50, 115],
            120,
            &[(40, Some(50), 10), (110, Some(115), 5)],
        ),
        // Already overdue when the state goes major: due at the change.
        (&[(45, Major)], &[0, 50], 60, &[(45, Some(50), 5)]),
        // Resolved: nothing due any more.
        (&[(30, Resolved)], &[], 300, &[]),
        // Re-opened after resolution: due again from the re-opening.
        (
            &[(30, Resolved), (200, Investigating)],
            &[10],
            300,
            &[(200, None, 100)],
        ),
        // Never sent: one lateness until the end.
        (&[], &[], 200, &[(60, None, 140)]),
    ];
    for (states, sitreps, end, want) in table {
        let mut j = J::new();
        let mut from = Investigating;
        let mut events: Vec<(i64, Option<Severity>)> =
            states.iter().map(|(t, s)| (*t, Some(*s))).collect();
        events.extend(sitreps.iter().map(|t| (*t, None)));
        events.sort_by_key(|(t, s)| (*t, s.is_none()));
        for (t, s) in events {
            match s {
                Some(to) => {
                    j.state(t, from, to);
                    from = to;
                }
                None => {
                    j.sitrep(t);
                }
            }
        }
        let card = j.card(&scenario(""), *end);
        let want: Vec<Lateness> = want.iter().map(|(d, s, b)| late(*d, *s, *b)).collect();
        assert_eq!(
            card.sitrep_lateness, want,
            "states {states:?}, sitreps {sitreps:?}"
        );
    }
}

#[test]
fn status_cadence_honours_promises_and_stops_after_the_resolved_post() {
    let mut j = J::new();
    j.status_promising(5, "investigating", "Looking.", "Retry.", Some(55))
        .status(60, "identified", "Found it.", "Retry.")
        .status(70, "resolved", "Fixed.", "")
        .state(71, Severity::Investigating, Severity::Resolved);
    let card = j.card(&scenario(""), 180);
    assert_eq!(card.status_lateness, [late(55, Some(60), 5)]);
    assert_eq!(card.status_updates_sent, 3);
    assert_eq!(
        check(&card, "Status updates on cadence").detail,
        "3 sent, late 1 time(s), worst 5m"
    );
}

#[test]
fn shifts_count_time_on_duty_before_the_drill() {
    let s = scenario("on_duty_since = \"-6h\"\n[[people]]\nname = \"Bo\"\n");
    let mut j = J::new();
    j.join(0, "Bo").join(30, "Cy");
    let card = j.card(&s, 180);
    assert_eq!(card.overruns.len(), 1, "{:#?}", card.overruns);
    let o = &card.overruns[0];
    assert_eq!(o.person, "Ana");
    assert_eq!(o.on_duty_since, "-6h00m");
    assert_eq!(o.past_limit_at, m(120));
    assert_eq!(o.until, None);
    assert_eq!(o.over_by, m(60));
    let c = check(&card, "Nobody past 8h");
    assert!(!c.passed);
    assert_eq!(c.detail, "over: Ana (+1h00m)");

    // Handing IC over and leaving ends the overrun.
    let mut j = J::new();
    j.join(0, "Bo")
        .ic(
            100,
            Payload::RoleHandedOff {
                role: Role::Ic,
                from: Some("Ana".into()),
                to: "Bo".into(),
            },
        )
        .push(150, "Bo", Payload::PersonReleased { name: "Ana".into() });
    let card = j.card(&s, 180);
    assert_eq!(card.overruns[0].until, Some(m(150)));
    assert_eq!(card.overruns[0].over_by, m(30));
    assert_eq!(card.handoffs.len(), 1);
    assert_eq!(card.handoffs[0].announcement, "@all: IC -> Bo");
}

#[test]
fn releasing_a_role_holder_without_a_hand_off_leaves_the_role_vacant() {
    let mut j = J::new();
    j.join(0, "Keiko")
        .push(
            0,
            "drill",
            Payload::RoleHandedOff {
                role: Role::Comms,
                from: None,
                to: "Keiko".into(),
            },
        )
        .ic(
            30,
            Payload::PersonReleased {
                name: "Keiko".into(),
            },
        );
    let card = j.card(&scenario(""), 60);
    assert_eq!(
        card.handoffs,
        [],
        "the drill's own set-up is not a hand-off"
    );
    assert_eq!(card.vacated.len(), 1);
    assert_eq!(
        (card.vacated[0].role.as_str(), card.vacated[0].at),
        ("Comms", m(30))
    );
    let c = check(&card, "Hand-offs announced");
    assert!(!c.passed);
    assert!(c.detail.contains("1 role(s) left vacant"), "{}", c.detail);
}

#[test]
fn a_quiet_role_holder_must_be_relieved_of_the_role() {
    // (hand-off after the quiet inject, passes)
    for (after, ok) in [(Some(10), true), (Some(20), false), (None, false)] {
        let mut j = J::new();
        j.join(0, "Greg")
            .join(0, "Harold")
            .push(
                0,
                "drill",
                Payload::RoleHandedOff {
                    role: Role::OpsLead("routing".into()),
                    from: None,
                    to: "Greg".into(),
                },
            )
            .inject(60, "person_quiet", "silent", Some("Greg"));
        if let Some(a) = after {
            j.ic(
                60 + a,
                Payload::RoleHandedOff {
                    role: Role::OpsLead("routing".into()),
                    from: Some("Greg".into()),
                    to: "Harold".into(),
                },
            );
        }
        let card = j.card(&scenario(""), 120);
        assert_eq!(card.quiet_holders.len(), 1);
        assert_eq!(card.quiet_holders[0].after, after.map(m));
        assert_eq!(check(&card, "Hand-offs announced").passed, ok, "{after:?}");
    }
    // Someone without a role going quiet is not a hand-off matter.
    let mut j = J::new();
    j.join(0, "Harold")
        .inject(60, "person_quiet", "silent", Some("Harold"));
    assert_eq!(j.card(&scenario(""), 120).quiet_holders, []);
}

#[test]
fn relief_requests_are_answered_by_a_break_a_release_or_a_hand_off() {
    let s = scenario(
        "[[people]]\nname = \"Bo\"\n[[people]]\nname = \"Cy\"\n[[people]]\nname = \"Di\"\n",
    );
    let mut j = J::new();
    j.join(0, "Bo").join(0, "Cy").join(0, "Di").join(0, "Ed");
    j.inject(10, "relief_request", "tired", Some("Bo"))
        .ic(20, Payload::BreakStarted { name: "Bo".into() });
    j.inject(30, "relief_request", "tired", Some("Cy"))
        .ic(75, Payload::PersonReleased { name: "Cy".into() });
    j.inject(40, "relief_request", "tired", Some("Di"));
    j.inject(50, "relief_request", "tired", Some("Ana")).ic(
        55,
        Payload::RoleHandedOff {
            role: Role::Ic,
            from: Some("Ana".into()),
            to: "Ed".into(),
        },
    );
    let card = j.card(&s, 120);
    let got: Vec<(SignedDuration, Option<SignedDuration>, Option<&str>, bool)> = card
        .relief_requests
        .iter()
        .map(|r| (r.at, r.after, r.how.as_deref(), r.in_time))
        .collect();
    assert_eq!(
        got,
        [
            (m(10), Some(m(10)), Some("break"), true),
            (m(30), Some(m(45)), Some("released"), false),
            (m(40), None, None, false),
            (m(50), Some(m(5)), Some("IC handed to Ed"), true),
        ]
    );
    assert_eq!(
        check(&card, "Relief requests answered").detail,
        "2/4 within 30m"
    );
}

#[test]
fn linter_warnings_in_sent_status_updates_are_counted() {
    let mut j = J::new();
    j.status(
        5,
        "investigating",
        "We expect this to be fixed in 30 minutes.",
        "Retry later.",
    )
    .status(
        25,
        "identified",
        "We found the problem and are fixing it.",
        "",
    )
    .status(
        45,
        "investigating",
        "Errors are back to normal.",
        "Nothing to do.",
    );
    let card = j.card(&scenario(""), 60);
    let rules: Vec<(SignedDuration, &str)> = card
        .lint_sent_anyway
        .iter()
        .map(|l| (l.at, l.rule.as_str()))
        .collect();
    assert_eq!(rules, [(m(5), "eta"), (m(25), "missing-workaround")]);
    let c = check(&card, "No linter warnings sent anyway");
    assert!(!c.passed);
    assert_eq!(c.detail, "2 warning(s) in 3 status update(s)");

    // The rules are those of `[lint]`: a disabled rule does not count.
    let mut cfg = Config::default();
    cfg.lint.disable = vec!["eta".into()];
    let inc = Incident::replay(&j.events).unwrap();
    let card = score(&inc, &j.events, &scenario(""), &cfg, at(60));
    let rules: Vec<&str> = card
        .lint_sent_anyway
        .iter()
        .map(|l| l.rule.as_str())
        .collect();
    assert_eq!(rules, ["missing-workaround"]);
}

#[test]
fn impact_is_reviewed_on_cadence_and_after_each_change() {
    // (review after the change at 30m, passes)
    for (after, ok) in [(10, true), (15, true), (16, false)] {
        let mut j = J::new();
        j.ic(
            5,
            Payload::ImpactUpdated {
                text: "EU only".into(),
            },
        )
        .inject(30, "impact_change", "now US too", None)
        .ic(
            30 + after,
            Payload::QuestionReviewed {
                question: LoopQuestion::Impact,
            },
        );
        let card = j.card(&scenario(""), 60);
        assert_eq!(card.impact_changes[0].after, Some(m(after)));
        assert_eq!(
            card.impact_changes[0].how.as_deref(),
            Some("impact reviewed")
        );
        assert_eq!(check(&card, "Impact reviewed").passed, ok, "{after}");
    }
    // The drill's own initial impact is not a review by the IC.
    let mut j = J::new();
    j.push(0, "drill", Payload::ImpactUpdated { text: "x".into() });
    let card = j.card(&scenario(""), 90);
    assert_eq!(card.impact_lateness, [late(60, None, 30)]);
}

#[test]
fn checklist_passes_expect_one_per_hour() {
    // (passes, drill minutes, passes the check)
    for (passes, end, ok) in [
        (0, 30, false),
        (1, 30, true),
        (1, 150, false),
        (2, 150, true),
    ] {
        let mut j = J::new();
        for k in 0..passes {
            j.review_all(10 + k * 50);
        }
        let card = j.card(&scenario(""), end);
        assert_eq!(card.loop_passes, passes as u32);
        assert_eq!(
            check(&card, "Checklist passes").passed,
            ok,
            "{passes} in {end}m"
        );
    }
}

#[test]
fn state_hints_and_decisions_are_scored_when_the_drill_has_them() {
    let s = scenario(concat!(
        "[[inject]]\nat = \"10m\"\nkind = \"state_hint\"\nstate = \"major\"\ntext = \"worse\"\n",
        "[[inject]]\nat = \"40m\"\nkind = \"state_hint\"\nstate = \"confirmed\"\ntext = \"better\"\n",
    ));
    let mut j = J::new();
    j.inject(10, "state_hint", "worse", None)
        .state(20, Severity::Investigating, Severity::Major)
        .inject(40, "state_hint", "better", None)
        .push(
            45,
            "drill",
            Payload::DrillInject {
                at_offset: m(45),
                kind: "alert".into(),
                text: "vendor?".into(),
                who: None,
                group: None,
                backend: None,
                decision: Some(DrillDecision {
                    question: "Page the vendor?".into(),
                    options: vec!["yes".into(), "no".into()],
                }),
            },
        )
        .ic(
            50,
            Payload::NoteAdded {
                text: "Drill decision: Page the vendor? -> yes".into(),
            },
        );
    let card = j.card(&s, 60);
    let hints: Vec<(Option<SignedDuration>, bool)> = card
        .state_hints
        .iter()
        .map(|r| (r.after, r.in_time))
        .collect();
    assert_eq!(hints, [(Some(m(10)), true), (None, false)]);
    assert!(!check(&card, "State hints acted on").passed);
    assert_eq!(card.decisions.len(), 1);
    assert_eq!(card.decisions[0].answer.as_deref(), Some("yes"));
    assert_eq!(card.decisions[0].after, Some(m(5)));
    assert!(check(&card, "Decisions taken").passed);
}

#[test]
fn the_card_renders_as_markdown_and_serializes_with_human_durations() {
    let mut j = J::new();
    j.status(25, "investigating", "ETA 5pm | maybe", "Retry.");
    let card = j.card(&scenario(""), 60);
    let md = card.markdown();
    assert!(md.starts_with("# Drill score card: Drill\n"), "{md}");
    assert!(
        md.contains("| First status update | FAIL | at +25m (due by +20m) |"),
        "{md}"
    );
    assert!(
        md.contains("| +1h00m | not by the end | 0s |")
            || md.contains("## Sitreps: lateness\n\nNever late."),
        "{md}"
    );
    assert!(md.contains("| +25m | eta | ETA 5pm |"), "{md}");
    assert!(md.contains("- **Score: "), "{md}");
    let json = serde_json::to_value(&card).unwrap();
    assert_eq!(json["first_status"], "25m");
    assert_eq!(json["first_sitrep"], serde_json::Value::Null);
    assert_eq!(json["length"], "1h");
    assert_eq!(json["status_lateness"][0]["due"], "20m");
}
