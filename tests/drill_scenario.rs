//! Drill scenarios: the examples parse; every problem is reported with
//! file:line:col, key and, where it helps, the closest valid key or value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use commandpost::domain::event::Severity;
use commandpost::domain::role::Role;
use commandpost::drill::scenario::{InjectKind, check};
use commandpost::drill::{Scenario, ScenarioError};
use jiff::SignedDuration;
use std::path::Path;

const HEAD: &str = "title = \"T\"\n[[people]]\nname = \"Ana\"\n";

/// Every diagnostic of `text` (checked as `s.toml`), displayed.
fn lines(text: &str) -> Vec<String> {
    check(text, Path::new("s.toml"))
        .1
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn parse(text: &str) -> Scenario {
    match Scenario::parse(text, Path::new("s.toml")) {
        Ok((s, _)) => s,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn every_example_scenario_parses_without_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/drills");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let (s, warnings) = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(warnings, vec![], "{}", path.display());
        assert!(!s.injects.is_empty());
        assert!(s.injects.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(s.injects.iter().all(|i| i.at <= s.duration));
        seen += 1;
    }
    assert!(seen >= 3, "at least three example scenarios");
}

#[test]
fn the_long_example_forces_two_ic_rotations() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/drills/cloud-outage.toml");
    let (s, _) = Scenario::load(&path).unwrap();
    assert_eq!(s.duration, SignedDuration::from_hours(14));
    let ic = s.person(&s.initial.ic).unwrap();
    // 14 hours plus time already on duty is more than two 8-hour shifts would allow one IC.
    let on = s.duration - ic.on_duty_since;
    assert!(on > SignedDuration::from_hours(8) * 2 - SignedDuration::from_hours(2));
    let reliefs = s
        .injects
        .iter()
        .filter(|i| i.kind == InjectKind::ReliefRequest)
        .count();
    assert!(reliefs >= 2);
}

#[test]
fn a_full_scenario_is_read_into_its_parts() {
    let text = r#"
title = "Failover"
description = "d"
duration = "1h"

[initial]
title = "Writes failing"
state = "2"
impact = "all writes"
ic = "ana"

[[people]]
name = "Ana"
on_duty_since = "-6h"

[[people]]
name = "Priya"
group = "Database"
role = "ops:database"

[[inject]]
at = "30m"
kind = "state_hint"
state = "major"
text = "worse"

[[inject]]
at = "2m"
kind = "group_message"
group = "database"
who = "Priya"
text = "lag 40s"
decision = { question = "Fail over?", options = ["yes", "no"] }
"#;
    let s = parse(text);
    assert_eq!(s.title, "Failover");
    assert_eq!(s.duration, SignedDuration::from_hours(1));
    assert_eq!(s.initial.state, Severity::Confirmed);
    assert_eq!(s.initial.ic, "Ana", "the IC is matched case-insensitively");
    assert_eq!(s.people[0].on_duty_since, SignedDuration::from_hours(-6));
    assert_eq!(s.people[1].group.as_deref(), Some("database"));
    assert_eq!(s.people[1].role, Some(Role::OpsLead("database".into())));
    // Sorted by time, whatever the file order.
    assert_eq!(s.injects[0].at, SignedDuration::from_mins(2));
    assert_eq!(s.injects[0].kind, InjectKind::GroupMessage);
    assert_eq!(s.injects[0].line, 27);
    assert_eq!(
        s.injects[0].decision.as_ref().unwrap().options,
        ["yes", "no"]
    );
    assert_eq!(s.injects[1].state, Some(Severity::Major));
}

#[test]
fn defaults_first_person_is_ic_and_duration_is_last_inject_plus_30m() {
    let s = parse(&format!(
        "{HEAD}[[inject]]\nat = \"1h10m\"\nkind = \"alert\"\ntext = \"x\"\n"
    ));
    assert_eq!(s.initial.ic, "Ana");
    assert_eq!(s.initial.title, "T");
    assert_eq!(s.initial.state, Severity::Investigating);
    assert_eq!(s.duration, SignedDuration::from_mins(100));
}

/// (top-level keys before HEAD, tables after it, expected diagnostic lines)
const TABLE: &[(&str, &str, &[&str])] = &[
    (
        "titel = \"x\"\n",
        "",
        &["s.toml:1:1: error: titel: unknown key (did you mean `title`?)"],
    ),
    (
        "",
        "[[inject]]\nat = \"5m\"\nkind = \"alrt\"\ntext = \"x\"\n",
        &[
            "s.toml:6:8: error: inject[0].kind: unknown inject kind \"alrt\" (did you mean `alert`?)",
        ],
    ),
    (
        "",
        "[[inject]]\nat = \"5m\"\nkind = \"group_message\"\ntext = \"x\"\n",
        &["s.toml:4:1: error: inject[0]: an inject of kind group_message needs `group`"],
    ),
    (
        "",
        "[[inject]]\nat = \"-5m\"\nkind = \"alert\"\ntext = \"x\"\n",
        &["s.toml:5:6: error: inject[0].at: must not be negative, found \"-5m\""],
    ),
    (
        "",
        "[[inject]]\nat = \"5x\"\nkind = \"alert\"\ntext = \"x\"\n",
        &[
            "s.toml:5:6: error: inject[0].at: invalid duration \"5x\": unknown unit \"x\" (use d, h, m or s)",
        ],
    ),
    (
        "",
        "[[inject]]\nkind = \"alert\"\ntext = \"x\"\nwhen = \"5m\"\n",
        &[
            "s.toml:4:1: error: inject[0]: missing required key `at`",
            "s.toml:7:1: error: inject[0].when: unknown key (valid keys: at, kind, text, who, group, backend, state, decision, series, value, name, severity, labels)",
        ],
    ),
    (
        "",
        "[[inject]]\nat = 5\nkind = \"alert\"\ntext = \"x\"\n",
        &["s.toml:5:6: error: inject[0].at: expected a string, found integer"],
    ),
    (
        "",
        "[[inject]]\nat = \"5m\"\nkind = \"relief_request\"\nwho = \"Anna\"\n",
        &[
            "s.toml:7:1: error: inject[0].who: \"Anna\" is not on the roster at 5m (not in [[people]], no earlier person_joins) (did you mean `Ana`?)",
        ],
    ),
    (
        "",
        "[[inject]]\nat = \"5m\"\nkind = \"alert\"\ntext = \"x\"\nbackend = \"slack\"\n",
        &[
            "s.toml:8:1: warning: inject[0].backend: `backend` is not used by kind alert: it is ignored",
        ],
    ),
    (
        "",
        "[[inject]]\nat = \"5m\"\nkind = \"state_hint\"\nstate = \"majr\"\ntext = \"x\"\n",
        &[
            "s.toml:7:9: error: inject[0].state: unknown state \"majr\": expected investigating, confirmed, major or resolved (did you mean `major`?)",
        ],
    ),
    (
        "",
        "[[inject]]\nat = \"5m\"\nkind = \"alert\"\ntext = \"x\"\ndecision = { question = \"Q?\", options = [\"only\"] }\n",
        &["s.toml:8:41: error: inject[0].decision.options: a decision needs at least two options"],
    ),
    (
        "duration = \"1h\"\n",
        "[[inject]]\nat = \"2h\"\nkind = \"alert\"\ntext = \"x\"\n",
        &[
            "s.toml:5:1: warning: inject.at: fires at 2h after the drill ends (duration = 1h): it will never fire",
        ],
    ),
    (
        "",
        "[initial]\ntitle = \"x\"\nic = \"Anne\"\n",
        &["s.toml:6:6: error: initial.ic: \"Anne\" is not in [[people]] (did you mean `Ana`?)"],
    ),
    (
        "",
        "[initial]\ntitle = \"x\"\nstate = \"resolved\"\n",
        &["s.toml:6:9: error: initial.state: a drill cannot start resolved"],
    ),
    (
        "",
        "[[people]]\nname = \"Bo\"\non_duty_since = \"6h\"\nrole = \"comm\"\n",
        &[
            "s.toml:6:17: error: people[1].on_duty_since: must be zero or negative (e.g. \"-6h\": on duty for six hours when the drill starts)",
            "s.toml:7:8: error: people[1].role: unknown role \"comm\": expected ic, comms, deputy, scribe or ops:<group> (did you mean `comms`?)",
        ],
    ),
    (
        "",
        "[[people]]\nname = \"ANA\"\n",
        &["s.toml:5:8: error: people[1].name: duplicate person \"ANA\" (also people[0])"],
    ),
    (
        "",
        "[[inject]]\nat = \"5m\"\nkind = \"person_joins\"\nwho = \"Ana\"\n",
        &["s.toml:7:1: warning: inject[0].who: \"Ana\" is already on the roster at the start"],
    ),
];

#[test]
fn problems_are_located_with_key_and_suggestion() {
    for (top, body, want) in TABLE {
        let text = format!("{top}{HEAD}{body}");
        assert_eq!(lines(&text), *want, "for:\n{text}");
    }
}

#[test]
fn errors_reject_the_scenario_and_warnings_do_not() {
    let warn = format!(
        "{HEAD}[[inject]]\nat = \"5m\"\nkind = \"alert\"\ntext = \"x\"\nwho = \"Ana\"\nbackend = \"b\"\n"
    );
    assert!(check(&warn, Path::new("s.toml")).0.is_some());
    let err = format!("{HEAD}[[inject]]\nat = \"5m\"\nkind = \"alert\"\n");
    let Err(ScenarioError::Invalid(d)) = Scenario::parse(&err, Path::new("s.toml")) else {
        panic!("expected an invalid scenario");
    };
    assert_eq!(
        d[0].to_string(),
        "s.toml:4:1: error: inject[0]: an inject of kind alert needs `text`"
    );
}

#[test]
fn a_person_who_joins_earlier_can_ask_for_relief_later_but_not_before() {
    let join = "[[inject]]\nat = \"1h\"\nkind = \"person_joins\"\nwho = \"Bo\"\n";
    let ok =
        format!("{HEAD}{join}[[inject]]\nat = \"2h\"\nkind = \"relief_request\"\nwho = \"Bo\"\n");
    assert_eq!(lines(&ok), Vec::<String>::new());
    let early =
        format!("{HEAD}{join}[[inject]]\nat = \"30m\"\nkind = \"person_quiet\"\nwho = \"Bo\"\n");
    let got = lines(&early);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].contains("\"Bo\" is not on the roster at 30m"),
        "{got:#?}"
    );
}

#[test]
fn missing_title_people_and_syntax_errors() {
    assert_eq!(
        lines("description = \"x\"\n"),
        [
            "s.toml:1:1: error: title: missing required key `title`",
            "s.toml:1:1: error: people: a scenario needs at least one [[people]] entry (the IC)",
        ]
    );
    let got = lines("title = \"x\"\n[[people]\nname = \"A\"\n");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].starts_with("s.toml:2:"), "{got:#?}");
}

#[test]
fn control_characters_are_stripped_from_text() {
    let s = parse(&format!(
        "{HEAD}[[inject]]\nat = \"1m\"\nkind = \"alert\"\ntext = \"boom\\u001b[31m red\"\n"
    ));
    assert_eq!(s.injects[0].text, "boom[31m red");
}
