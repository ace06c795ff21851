//! Headless drills: a whole example scenario played at maximum speed with a
//! scripted IC, a real journal in a temp data dir, the sink, a golden score card,
//! and the `commandpost drill` command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use commandpost::config::Config;
use commandpost::domain::event::{LoopQuestion, Payload, Severity};
use commandpost::domain::lint::Stage;
use commandpost::domain::role::Role;
use commandpost::drill::run::{drills_dir, save_card};
use commandpost::drill::{
    Action, DrillSession, Scenario, ScriptedAction, list_drills, parse_script, run_headless,
};
use commandpost::journal::Journal;
use jiff::{SignedDuration, Timestamp};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const START: &str = "2026-11-21T04:00:00Z";

fn start() -> Timestamp {
    START.parse().unwrap()
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/drills")
        .join(name)
}

fn load(name: &str) -> Scenario {
    Scenario::load(&example(name)).unwrap().0
}

fn m(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn act(at: i64, action: Action) -> ScriptedAction {
    ScriptedAction { at: m(at), action }
}

fn handoff(at: i64, role: Role, to: &str) -> ScriptedAction {
    act(
        at,
        Action::Handoff {
            role,
            to: to.into(),
        },
    )
}

fn release(at: i64, name: &str) -> ScriptedAction {
    act(at, Action::Release { name: name.into() })
}

fn state(at: i64, to: Severity) -> ScriptedAction {
    act(at, Action::State { to })
}

fn impact(at: i64, text: &str) -> ScriptedAction {
    act(at, Action::Impact { text: text.into() })
}

/// A good but imperfect IC for the 14-hour cloud outage: rotates IC twice, Comms
/// and the database lead once; but skips one sitrep, lets one status update slip,
/// sends one with an ETA, and keeps Harold past 8 hours then releases him while he
/// leads routing.
fn cloud_outage_script() -> Vec<ScriptedAction> {
    let mut s = Vec::new();
    // Status updates every 20 minutes from +10m, with one gap (4h10m is skipped).
    let mut t = 10;
    while t <= 13 * 60 + 30 {
        if t != 250 {
            let stage = match t {
                ..50 => Stage::Investigating,
                50..540 => Stage::Identified,
                _ => Stage::Monitoring,
            };
            let message = if t == 130 {
                "Deploys and restarts fail in us-east. We expect a fix within the hour."
            } else {
                "Deploys fail in us-east and some apps are down after restarts; we keep working on it."
            };
            s.push(act(
                t,
                Action::Status {
                    stage,
                    message: message.into(),
                    workaround:
                        "Avoid deploys and restarts in us-east; apps in other regions are fine."
                            .into(),
                    next_update: None,
                },
            ));
        }
        t += 20;
    }
    s.push(act(
        13 * 60 + 50,
        Action::Status {
            stage: Stage::Resolved,
            message: "Deploys and restarts work normally again in us-east.".into(),
            workaround: String::new(),
            next_update: None,
        },
    ));
    // Sitreps: hourly while confirmed, every 30 minutes while major (1h50m to 9h20m),
    // with the one due at +3h20m sent 15 minutes late.
    let mut sitreps = vec![25, 50, 110];
    sitreps.extend(
        (140..560)
            .step_by(30)
            .map(|t| if t == 200 { 215 } else { t }),
    );
    sitreps.extend((9 * 60 + 25..14 * 60).step_by(60));
    sitreps.sort();
    sitreps.dedup();
    for t in sitreps {
        s.push(act(
            t,
            Action::Sitrep {
                summary: "Provider EC2 API degradation in us-east-1".into(),
                impact: None,
                actions: "Routing shifts traffic; database pauses provisioning".into(),
                needs: String::new(),
            },
        ));
    }
    // A complete pass of the IC loop every hour.
    for h in 0..14 {
        s.push(act(h * 60 + 55, Action::Review { questions: vec![] }));
    }
    s.push(impact(25, "Deploys fail for every customer in us-east"));
    s.push(state(50, Severity::Confirmed));
    s.push(impact(110, "3% of running apps down; deploys fail"));
    s.push(state(110, Severity::Major));
    s.push(act(
        111,
        Action::Decide {
            choice: "Maintenance mode".into(),
        },
    ));
    s.push(handoff(250, Role::OpsLead("routing".into()), "Harold"));
    s.push(release(255, "Greg"));
    s.push(handoff(350, Role::Ic, "Ricardo"));
    s.push(release(355, "Ana"));
    s.push(handoff(395, Role::Comms, "Mia"));
    s.push(release(400, "Keiko"));
    s.push(handoff(460, Role::OpsLead("database".into()), "Rodrigo"));
    s.push(release(465, "Noah"));
    s.push(release(540, "Harold"));
    s.push(impact(
        545,
        "Deploys succeed 70% of the time; every app runs",
    ));
    s.push(state(560, Severity::Confirmed));
    s.push(handoff(785, Role::Ic, "Chris"));
    s.push(release(790, "Ricardo"));
    s.push(impact(815, "No customer impact"));
    s.push(state(830, Severity::Resolved));
    s.sort_by_key(|a| a.at);
    s
}

#[test]
fn golden_score_card_of_the_cloud_outage() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = load("cloud-outage.toml");
    let card = run_headless(
        &scenario,
        &cloud_outage_script(),
        &Config::default(),
        dir.path(),
        start(),
    )
    .unwrap();
    insta::assert_snapshot!("cloud_outage_score_card", card.markdown());

    // Two IC rotations, announced.
    let ic: Vec<&str> = card
        .handoffs
        .iter()
        .filter(|h| h.role == "IC")
        .map(|h| h.announcement.as_str())
        .collect();
    assert_eq!(ic, ["@all: IC -> Ricardo", "@all: IC -> Chris"]);

    // The card is saved next to the journal, which replays to the same incident.
    let drill = drills_dir(dir.path()).join(&card.drill);
    assert_eq!(
        std::fs::read_to_string(drill.join("score.md")).unwrap(),
        card.markdown()
    );
    let (events, torn) = Journal::read(&drill.join("journal.jsonl")).unwrap();
    assert!(!torn);
    let fired = events
        .iter()
        .filter(|e| matches!(e.payload, Payload::DrillInject { .. }))
        .count();
    assert_eq!(fired, scenario.injects.len());
    assert!(
        events.windows(2).all(|w| w[0].ts <= w[1].ts),
        "time never goes back"
    );
    let inc = commandpost::domain::Incident::replay(&events).unwrap();
    assert_eq!(inc.title, "DRILL: Deploys failing in us-east");
    assert_eq!(inc.state, Severity::Resolved);
    assert_eq!(inc.ic().unwrap().name, "Chris");

    // Announcements, sitreps and status updates went to the sink, not anywhere else.
    let sink = std::fs::read_to_string(drill.join("sink.md")).unwrap();
    assert!(
        sink.contains("announcement to every backend\n\n@all: IC -> Ricardo\n"),
        "{sink}"
    );
    assert_eq!(
        sink.matches(" sitrep to ").count(),
        card.sitreps_sent,
        "one sink entry per sitrep"
    );

    let listed = list_drills(dir.path()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, card.drill);
    assert_eq!(listed[0].score, Some((card.passed, card.total)));
}

#[test]
fn the_example_script_plays_the_failover_with_a_clean_card() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("scripts/db-failover.toml")).unwrap();
    let script = parse_script(&text).unwrap();
    let card = run_headless(
        &load("db-failover.toml"),
        &script,
        &Config::default(),
        dir.path(),
        start(),
    )
    .unwrap();
    assert_eq!((card.passed, card.total), (11, 11), "{}", card.markdown());
    assert_eq!(card.decisions[0].answer.as_deref(), Some("fail over now"));
}

#[test]
fn a_backend_down_in_the_scenario_marks_sink_entries_undelivered() {
    let dir = tempfile::tempdir().unwrap();
    let script = vec![
        act(
            5,
            Action::Status {
                stage: Stage::Investigating,
                message: "We are investigating unusual logins.".into(),
                workaround: "Sign out and in again.".into(),
                next_update: Some(m(30)),
            },
        ),
        act(
            15,
            Action::Status {
                stage: Stage::Investigating,
                message: "Still investigating.".into(),
                workaround: "Sign out and in again.".into(),
                next_update: None,
            },
        ),
    ];
    let mut cfg = Config::default();
    let backends: toml::Table =
        toml::from_str("[[b]]\nname = \"statuspage\"\n[[b]]\nname = \"chat\"\ndrill = true\n")
            .unwrap();
    cfg.backends = backends["b"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_table().unwrap().clone())
        .collect();
    let card = run_headless(
        &load("security-statuspage-down.toml"),
        &script,
        &cfg,
        dir.path(),
        start(),
    )
    .unwrap();
    let sink =
        std::fs::read_to_string(drills_dir(dir.path()).join(&card.drill).join("sink.md")).unwrap();
    let entries: Vec<&str> = sink.split("\n## ").collect();
    assert_eq!(entries.len(), 2, "{sink}");
    assert!(
        entries[0].contains("(+5m) status to statuspage\n"),
        "{sink}"
    );
    assert!(!entries[0].contains("NOT DELIVERED"), "{sink}");
    assert!(entries[0].contains("Next update by 04:35 UTC"), "{sink}");
    assert!(
        entries[1].contains("> NOT DELIVERED: down in this drill: statuspage"),
        "{sink}"
    );
}

#[test]
fn script_errors_name_the_action_and_the_offset() {
    let errors = parse_script(
        "[[action]]\nat = \"5m\"\ndo = \"status\"\nstage = \"investigating\"\nmesage = \"x\"\n\
         [[action]]\ndo = \"review\"\n[[action]]\nat = \"1h\"\ndo = \"dance\"\n\
         [[action]]\nat = \"2h\"\ndo = \"status\"\nmessage = \"m\"\nstage = \"investigatin\"\n\
         [[action]]\nat = \"soon\"\ndo = \"note\"\ntext = \"n\"\n",
    )
    .unwrap_err();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    // Each names the line and column of what is wrong: the misspelt key, the unknown
    // value, or the [[action]] that lacks a key.
    assert!(
        errors[0].starts_with("5:1: action[0].mesage: unknown field `mesage`"),
        "{errors:#?}"
    );
    assert_eq!(errors[1], "6:1: action[1]: missing required key `at`");
    assert!(
        errors[2].starts_with("10:6: action[2].do: unknown variant `dance`"),
        "{errors:#?}"
    );
    assert!(
        errors[3].starts_with("15:9: action[3].stage: unknown variant `investigatin`"),
        "{errors:#?}"
    );
    assert!(errors[4].starts_with("17:6: action[4].at: "), "{errors:#?}");
    // The word meant, when one is close.
    assert!(
        errors[0].ends_with("(did you mean `message`?)"),
        "{errors:#?}"
    );
    assert!(
        errors[3].ends_with("(did you mean `investigating`?)"),
        "{errors:#?}"
    );
    assert!(!errors[2].contains("did you mean"), "{errors:#?}");
    let syntax = parse_script("[[action]]\nat = \"5m\"\ndo = \n").unwrap_err();
    assert!(syntax[0].starts_with("3:"), "{syntax:#?}");

    let dir = tempfile::tempdir().unwrap();
    let bad = vec![act(
        5,
        Action::Handoff {
            role: Role::Ic,
            to: "Sam".into(),
        },
    )];
    let err = run_headless(
        &load("db-failover.toml"),
        &bad,
        &Config::default(),
        dir.path(),
        start(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "script at +5m: Sam already holds IC");
    let decide = vec![act(
        1,
        Action::Decide {
            choice: "yes".into(),
        },
    )];
    let err = run_headless(
        &load("db-failover.toml"),
        &decide,
        &Config::default(),
        dir.path(),
        start(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "script at +1m: no decision is waiting for an answer"
    );
}

#[test]
fn a_session_advances_with_the_clock_and_journals_injects_at_their_time() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = load("db-failover.toml");
    let mut s = DrillSession::start(&scenario, &Config::default(), dir.path(), start()).unwrap();
    // Opening: the IC, Priya in database with its lead role, Lee as Comms.
    assert_eq!(s.inc.ic().unwrap().name, "Sam");
    assert_eq!(s.inc.holder(&Role::Comms).unwrap().name, "Lee");
    assert_eq!(s.inc.group_of("Priya"), Some("database"));
    let at = |mins: i64| start().checked_add(m(mins)).unwrap();
    let first = s.advance(at(0)).unwrap();
    assert_eq!(first.len(), 1);
    // A coarse tick fires everything due since, each at its own time.
    let next = s.advance(at(10)).unwrap();
    let times: Vec<Timestamp> = next.iter().map(|e| e.ts).collect();
    assert_eq!(times, [at(2), at(4), at(5)]);
    assert!(s.advance(at(10)).unwrap().is_empty(), "fired once");
    assert_eq!(
        s.open_decision(),
        Some((
            "Fail over to db-main-2 now?".to_string(),
            vec![
                "fail over now".to_string(),
                "wait for the primary".to_string()
            ]
        ))
    );
    s.act(
        at(11),
        &Action::Decide {
            choice: "WAIT FOR THE PRIMARY".into(),
        },
    )
    .unwrap();
    assert_eq!(s.open_decision(), None);
    assert_eq!(
        s.inc.notes.last().unwrap().text,
        "Drill decision: Fail over to db-main-2 now? -> wait for the primary"
    );
    s.act(
        at(12),
        &Action::Review {
            questions: vec![LoopQuestion::Impact],
        },
    )
    .unwrap();
    // Another writer on the same journal (the cockpit) is read back before scoring.
    let mut other = Journal::open(s.journal_path()).unwrap().journal;
    other
        .append(
            "Sam",
            at(13),
            Payload::QuestionReviewed {
                question: LoopQuestion::Support,
            },
        )
        .unwrap();
    let synced = s.sync().unwrap();
    assert_eq!(synced.len(), 1);
    assert_eq!(s.events.last().unwrap().ts, at(13));
    assert!(!s.is_over(at(59)));
    assert!(s.is_over(at(60)));
    let card = s.finish(&Config::default(), at(30)).unwrap();
    assert_eq!(card.length, m(30));
    assert!(s.dir.join("score.json").is_file());
    save_card(&s.dir, &card).unwrap();
}

#[test]
fn the_drill_command_checks_plays_and_lists() {
    let dir = tempfile::tempdir().unwrap();
    let base = || {
        let mut c = Command::cargo_bin("commandpost").unwrap();
        c.env("COMMANDPOST_DATA_DIR", dir.path())
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("USER", "tester");
        c
    };
    base()
        .args(["drill", "--list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("No drills in"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "title = \"x\"\n[[people]]\nname = \"A\"\n[[inject]]\nat = \"5m\"\nkind = \"alrt\"\ntext = \"t\"\n",
    )
    .unwrap();
    let out = base()
        .args(["drill"])
        .arg(&bad)
        .arg("--check")
        .assert()
        .failure();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("bad.toml:6:8: error: inject[0].kind: unknown inject kind \"alrt\" (did you mean `alert`?)"),
        "{stderr}"
    );

    base()
        .args(["drill"])
        .arg(example("db-failover.toml"))
        .arg("--check")
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "ok (3 people, 10 injects over 1h00m)",
        ));

    base()
        .args(["drill"])
        .arg(example("db-failover.toml"))
        .arg("--script")
        .arg(example("scripts/db-failover.toml"))
        .assert()
        .success()
        .stdout(predicates::str::contains("**Score: 11/11 checks passed**"));

    base()
        .args(["drill"])
        .arg(example("db-failover.toml"))
        .args(["--speed", "61"])
        .assert()
        .failure();

    base()
        .args(["drill"])
        .arg(example("db-failover.toml"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("the cockpit needs a terminal"));

    base().args(["drill", "--list"]).assert().success().stdout(
        predicates::str::contains("11/11").and(predicates::str::contains("Database failover")),
    );
}
