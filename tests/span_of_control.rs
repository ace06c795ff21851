//! Span of control (issue 16): 50 responders on duty and no operations group all report to the
//! IC; the checklist flags it with what to do, and the roster says who reports to whom (the
//! cockpit at 80x24 and `show`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ui_common;

use commandpost::app::roster::{RosterLine, lines};
use commandpost::config::Config;
use commandpost::domain::checklist::{Status, evaluate};
use commandpost::domain::event::LoopQuestion;
use commandpost::domain::incident::Incident;
use commandpost::ui::theme::Theme;
use ui_common::*;

fn fifty() -> Script {
    let mut s = Script::open(60, "Checkout down", "Alice");
    for i in 0..50 {
        s.join(50, &format!("Responder {i:02}"), None);
    }
    s
}

fn headings(inc: &Incident) -> Vec<(String, Option<String>)> {
    lines(inc, &Config::default())
        .into_iter()
        .filter_map(|l| match l {
            RosterLine::Heading { text, note } => Some((text, note)),
            _ => None,
        })
        .collect()
}

#[test]
fn fifty_responders_without_groups_are_flagged_and_the_roster_says_they_report_to_the_ic() {
    let s = fifty();
    let inc = Incident::replay(&s.events).unwrap();
    let config = Config::default();
    let policy = config.policy();
    let support = evaluate(&inc, &policy, now())
        .into_iter()
        .find(|r| r.question == LoopQuestion::Support)
        .unwrap();
    assert_eq!(support.status, Status::Due, "{}", support.reason);
    assert!(
        support.reason.starts_with(
            "IC Alice has 50 people reporting directly (limit 7): form operations groups"
        ),
        "{}",
        support.reason
    );
    assert_eq!(
        headings(&inc)[..2],
        [
            (
                "Command".to_string(),
                Some("50 report to the IC (limit 7): form ops groups".to_string())
            ),
            (
                "Responders".to_string(),
                Some("no group: report to the IC".to_string())
            ),
        ]
    );

    // What the IC sees at 80x24.
    let m = model(s.events.clone(), "Alice");
    let screen = draw(&m, Theme::no_color(), 80, 24).backend().to_string();
    assert!(screen.contains("Groups need support? DUE"), "{screen}");
    assert!(screen.contains("IC Alice has 50 people"), "{screen}");
    assert!(screen.contains("50 report to the IC"), "{screen}");
}

#[test]
fn groups_with_leads_report_through_their_lead() {
    let mut s = fifty();
    s.lead(40, "database", "Responder 00");
    for i in 1..6 {
        s.join(40, &format!("Responder {i:02}"), Some("database"));
    }
    let inc = Incident::replay(&s.events).unwrap();
    // 50 - 6 loose ones became the group: 44 loose + the lead report to the IC.
    assert_eq!(
        headings(&inc)[0].1.as_deref(),
        Some("45 report to the IC (limit 7): form ops groups")
    );
    let d = tempfile::tempdir().unwrap();
    let store = commandpost::journal::Store::new(d.path());
    let (mut j, _) = store.create("Checkout down", "Alice", now()).unwrap();
    for e in s.events.iter().skip(1) {
        j.append(&e.actor, e.ts, e.payload.clone()).unwrap();
    }
    drop(j);
    let out = assert_cmd::Command::cargo_bin("commandpost")
        .unwrap()
        .env("COMMANDPOST_DATA_DIR", d.path())
        .env_remove("COMMANDPOST_CONFIG")
        .env("XDG_CONFIG_HOME", d.path().join("xdg"))
        .env("HOME", d.path())
        .args(["show"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Responder 03")
            && text.contains("ops:database, reports to Responder 00 (Ops database lead)"),
        "{text}"
    );
    assert!(
        text.contains("ops:database, reports to Alice (IC)")
            || text
                .lines()
                .any(|l| l.contains("Responder 00") && l.contains("reports to Alice (IC)")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("Responder 49") && l.ends_with("reports to Alice (IC)")),
        "{text}"
    );
}
