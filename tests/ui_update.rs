//! `update()` tables: message sequences in, model and commands out, with a
//! fixed `now`. Nothing shows before the journal says it is written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

mod ui_common;

use commandpost::app::intent::{Detail, Intent};
use commandpost::app::model::Region;
use commandpost::app::overlay::Overlay;
use commandpost::app::overlay::confirm::Confirm;
use commandpost::app::overlay::edit::Edit;
use commandpost::app::overlay::help::Help;
use commandpost::app::overlay::pick_group::PickGroup;
use commandpost::app::overlay::pick_person::PickPerson;
use commandpost::app::overlay::pick_role::PickRole;
use commandpost::app::overlay::snooze::Snooze;
use commandpost::app::{Cmd, Msg, update};
use commandpost::config::{Config, KeySpec};
use commandpost::domain::event::{FORMAT_VERSION, LoopQuestion, Severity};
use commandpost::domain::{Event, Payload, Role};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
use ui_common::*;

fn k(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn typed(s: &str) -> Vec<Msg> {
    s.chars().map(k).collect()
}

/// Feeds messages, returning every command produced.
fn feed(m: &mut commandpost::app::Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    msgs.into_iter().flat_map(|msg| update(m, msg)).collect()
}

/// What the executor would answer to an append: the event on disk.
fn journaled(m: &commandpost::app::Model, actor: &str, payload: Payload, own: bool) -> Msg {
    let seq = m.inc.as_ref().map_or(1, |i| i.last_seq + 1);
    Msg::Journaled {
        events: vec![Event {
            v: FORMAT_VERSION,
            seq,
            ts: m.now,
            actor: actor.into(),
            payload,
            rep: Default::default(),
        }],
        own,
    }
}

fn only_append(cmds: &[Cmd]) -> Payload {
    match cmds {
        [Cmd::Append(p)] => p.clone(),
        other => panic!("expected one append, got {other:?}"),
    }
}

/// What a confirmation says it announces.
fn announces(detail: &[Detail]) -> Option<&str> {
    detail
        .iter()
        .find_map(|d| d.text.strip_prefix("Announces: "))
}

#[test]
fn handoff_by_keys_is_confirmed_journaled_then_shown_and_announced() {
    let mut m = model(new_incident(), "Alice");
    assert!(feed(&mut m, [k('h')]).is_empty());
    assert!(
        matches!(m.overlay, Some(Overlay::PickRole(PickRole { sel: 0, .. }))),
        "IC first"
    );
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(matches!(
        m.overlay,
        Some(Overlay::PickPerson(PickPerson { .. }))
    ));
    let cmds = feed(&mut m, typed("Ricardo"));
    assert!(cmds.is_empty());
    feed(&mut m, [code(KeyCode::Enter)]);
    let Some(Overlay::Confirm(Confirm { intent, detail, .. })) = &m.overlay else {
        panic!("expected a confirmation, got {:?}", m.overlay)
    };
    assert_eq!(*intent, Intent::Handoff(Role::Ic, "Ricardo".into()));
    assert_eq!(announces(detail), Some("@all: IC -> Ricardo"));

    let p = only_append(&feed(&mut m, [k('y')]));
    assert_eq!(
        p,
        Payload::RoleHandedOff {
            role: Role::Ic,
            from: Some("Alice".into()),
            to: "Ricardo".into()
        }
    );
    // Not shown until the journal answers.
    assert_eq!(
        m.inc.as_ref().and_then(|i| i.ic()).map(|h| h.name.as_str()),
        Some("Alice")
    );
    assert_eq!(m.writing, 1);

    let msg = journaled(&m, "Alice", p, true);
    let cmds = feed(&mut m, [msg]);
    // The one road to the outbox, the message built by the one builder.
    let announce = commandpost::delivery::setup::announcement(
        m.inc.as_ref().unwrap(),
        "@all: IC -> Ricardo",
        "",
    );
    assert_eq!(
        cmds,
        vec![Cmd::Outbox(commandpost::app::deliveries::OutboxCmd::Send {
            msg: announce,
            only: None
        })]
    );
    assert_eq!(
        m.inc.as_ref().and_then(|i| i.ic()).map(|h| h.name.as_str()),
        Some("Ricardo")
    );
    assert_eq!(m.writing, 0);
    assert!(
        m.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("IC -> Ricardo"))
    );
}

#[test]
fn state_change_asks_first_and_no_cancels() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('3')]);
    assert!(matches!(
        &m.overlay,
        Some(Overlay::Confirm(Confirm { intent: Intent::SetState(Severity::Major), detail, .. }))
            if announces(detail) == Some("@all: Incident Major")
    ));
    assert!(feed(&mut m, [k('n')]).is_empty());
    assert_eq!(m.overlay, None);
    feed(&mut m, [k('2')]);
    let p = only_append(&feed(&mut m, [code(KeyCode::Enter)]));
    assert_eq!(
        p,
        Payload::StateChanged {
            from: Severity::Investigating,
            to: Severity::Confirmed
        }
    );
}

#[test]
fn confirmation_is_revalidated_against_events_that_arrived_meanwhile() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('2')]);
    // Someone else confirms the incident from another terminal.
    let other = journaled(
        &m,
        "bob",
        Payload::StateChanged {
            from: Severity::Investigating,
            to: Severity::Confirmed,
        },
        false,
    );
    feed(&mut m, [other]);
    assert!(
        matches!(m.overlay, Some(Overlay::Confirm(Confirm { .. }))),
        "dialog stays open"
    );
    let cmds = feed(&mut m, [k('y')]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(
        m.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("already confirmed"))
    );
}

#[test]
fn keys_typed_while_saving_wait_for_the_journal() {
    let mut m = model(new_incident(), "Alice");
    let p = only_append(&feed(&mut m, [k(' ')]));
    assert_eq!(
        p,
        Payload::QuestionReviewed {
            question: LoopQuestion::Support
        }
    );
    // The next key arrives before the fsync returned: it waits.
    assert!(feed(&mut m, [k('j'), k(' ')]).is_empty());
    assert_eq!(m.deferred.len(), 2);
    let msg = journaled(&m, "Alice", p, true);
    let cmds = feed(&mut m, [msg]);
    assert_eq!(
        cmds,
        vec![Cmd::Append(Payload::QuestionReviewed {
            question: LoopQuestion::Breaks
        })]
    );
}

#[test]
fn a_failed_append_changes_nothing_and_says_so() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k(' ')]);
    feed(&mut m, [Msg::JournalFailed("disk full".into())]);
    assert_eq!(m.writing, 0);
    assert!(m.inc.as_ref().is_some_and(|i| i.marks.is_empty()));
    assert!(
        m.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("NOT SAVED: disk full"))
    );
}

#[test]
fn snooze_offers_30m_1h_2h() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('j'), k('j'), k('j'), k('j'), k('z')]);
    assert!(matches!(
        m.overlay,
        Some(Overlay::Snooze(Snooze {
            question: LoopQuestion::Sitrep,
            ..
        }))
    ));
    let p = only_append(&feed(&mut m, [k('2')]));
    assert_eq!(
        p,
        Payload::QuestionSnoozed {
            question: LoopQuestion::Sitrep,
            until: now() + SignedDuration::from_hours(1)
        }
    );
}

#[test]
fn break_and_release_need_a_roster_selection() {
    let mut m = model(twelve(), "José");
    assert!(feed(&mut m, [k('b')]).is_empty());
    assert!(m.flash.as_ref().is_some_and(|f| f.text.contains("roster")));
    feed(&mut m, [code(KeyCode::Tab)]);
    assert_eq!(m.focus, Region::Roster);
    // IC, Comms, then ops:api lead Ola.
    feed(&mut m, [k('j'), k('j')]);
    assert_eq!(m.selected_person().as_deref(), Some("Ola"));
    assert_eq!(
        only_append(&feed(&mut m, [k('b')])),
        Payload::BreakStarted { name: "Ola".into() }
    );
    feed(&mut m, [Msg::JournalFailed("test".into())]);
    feed(&mut m, [k('r')]);
    assert!(
        matches!(&m.overlay, Some(Overlay::Confirm(Confirm { intent: Intent::Release(n), .. })) if n == "Ola")
    );
    assert_eq!(
        only_append(&feed(&mut m, [k('y')])),
        Payload::PersonReleased { name: "Ola".into() }
    );
}

#[test]
fn releasing_the_ic_is_refused_before_asking() {
    let mut m = model(twelve(), "José");
    feed(&mut m, [code(KeyCode::Tab), k('r')]);
    assert_eq!(m.overlay, None);
    assert!(
        m.flash
            .as_ref()
            .is_some_and(|f| f.error && f.text.contains("is the IC"))
    );
}

#[test]
fn add_person_with_fuzzy_pick_and_new_group() {
    let mut m = model(twelve(), "José");
    m.config.people = commandpost::demo::known_people();
    feed(&mut m, [k('a')]);
    feed(&mut m, typed("noa"));
    let Some(Overlay::PickPerson(PickPerson { matches, .. })) = &m.overlay else {
        panic!("picker")
    };
    assert_eq!(matches.first().map(|c| c.name.as_str()), Some("Noah"));
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(
        matches!(&m.overlay, Some(Overlay::PickGroup(PickGroup { name, .. })) if name == "Noah")
    );
    // No group, api, database, routing, New group…
    feed(&mut m, [code(KeyCode::End), code(KeyCode::Enter)]);
    feed(&mut m, typed("cache"));
    assert_eq!(
        only_append(&feed(&mut m, [code(KeyCode::Enter)])),
        Payload::PersonJoined {
            name: "Noah".into(),
            handle: Some("@noah".into()),
            contact: None,
            team: Some("sre".into()),
            group: Some("cache".into())
        }
    );
}

#[test]
fn fuzzy_matches_accents_and_offers_a_new_name() {
    let mut m = model(twelve(), "José");
    feed(&mut m, [k('h'), k('j'), code(KeyCode::Enter)]);
    feed(&mut m, typed("jose"));
    let Some(Overlay::PickPerson(PickPerson { matches, .. })) = &m.overlay else {
        panic!("picker")
    };
    // José holds Comms? No: José is IC; for Comms he is offered.
    assert_eq!(matches.first().map(|c| c.name.as_str()), Some("José"));
    feed(&mut m, typed("phine"));
    let Some(Overlay::PickPerson(PickPerson { matches, .. })) = &m.overlay else {
        panic!("picker")
    };
    assert!(matches.iter().any(|c| c.new && c.name == "josephine"));
}

#[test]
fn new_incident_is_created_from_the_title_prompt() {
    let mut m = model(Vec::new(), "Alice");
    assert!(matches!(m.overlay, Some(Overlay::Edit(Edit { .. }))));
    // q is text here, not quit.
    let cmds = feed(&mut m, typed("q DB down"));
    assert!(cmds.is_empty());
    let cmds = feed(&mut m, [code(KeyCode::Enter)]);
    assert_eq!(
        cmds,
        vec![Cmd::Create {
            title: "q DB down".into(),
            then: Vec::new(),
        }]
    );
    let opened = Msg::Journaled {
        events: vec![Event {
            v: FORMAT_VERSION,
            seq: 1,
            ts: now(),
            actor: "Alice".into(),
            payload: Payload::IncidentOpened {
                id: "INC-1".into(),
                title: "q DB down".into(),
                ic: "Alice".into(),
            },
            rep: Default::default(),
        }],
        own: true,
    };
    feed(&mut m, [opened]);
    assert_eq!(m.overlay, None);
    assert_eq!(m.inc.as_ref().map(|i| i.title.as_str()), Some("q DB down"));
    assert_eq!(m.rows.len(), 6);
}

#[test]
fn empty_title_is_refused_and_esc_quits_without_an_incident() {
    let mut m = model(Vec::new(), "Alice");
    assert!(feed(&mut m, [code(KeyCode::Enter)]).is_empty());
    assert!(m.flash.as_ref().is_some_and(|f| f.error));
    assert_eq!(feed(&mut m, [code(KeyCode::Esc)]), vec![Cmd::Quit]);
}

#[test]
fn quit_asks_first_and_ctrl_c_too() {
    let mut m = model(new_incident(), "Alice");
    assert!(feed(&mut m, [k('q')]).is_empty());
    assert!(feed(&mut m, [code(KeyCode::Esc)]).is_empty());
    assert!(!m.quit);
    feed(&mut m, [ctrl('c')]);
    assert_eq!(feed(&mut m, [ctrl('c')]), vec![Cmd::Quit]);
    assert!(m.quit);
}

#[test]
fn ctrl_z_suspends_from_any_mode() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('n')]);
    assert_eq!(feed(&mut m, [ctrl('z')]), vec![Cmd::Suspend]);
}

#[test]
fn paste_goes_only_into_text_fields() {
    let mut m = model(new_incident(), "Alice");
    // A pasted "y" or "3" never acts as a key.
    assert!(feed(&mut m, [Msg::Paste("3\ny\n".into())]).is_empty());
    assert_eq!(m.overlay, None);
    feed(
        &mut m,
        [k('n'), Msg::Paste("db\nfailover\u{1b}[2J done".into())],
    );
    let p = only_append(&feed(&mut m, [code(KeyCode::Enter)]));
    assert_eq!(
        p,
        Payload::NoteAdded {
            text: "db failover[2J done".into()
        }
    );
}

#[test]
fn too_small_screen_ignores_keys_but_q_quits() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [Msg::Resize(70, 20)]);
    assert!(feed(&mut m, [k('h')]).is_empty());
    assert_eq!(m.overlay, None);
    assert_eq!(feed(&mut m, [k('q')]), vec![Cmd::Quit]);
}

#[test]
fn ticks_move_the_clock_and_the_checklist() {
    let mut m = model(new_incident(), "Alice");
    let sitrep = |m: &commandpost::app::Model| m.rows[4].status;
    use commandpost::domain::checklist::Status;
    assert_eq!(sitrep(&m), Status::Due);
    feed(&mut m, [Msg::Tick(now() + SignedDuration::from_mins(61))]);
    assert_eq!(sitrep(&m), Status::Overdue);
    assert_eq!(m.rows[4].reason, "no sitrep in 62m, due every 60m");
}

#[test]
fn foreign_events_show_and_are_not_announced_twice() {
    let mut m = model(new_incident(), "Alice");
    let msg = journaled(
        &m,
        "bob",
        Payload::RoleHandedOff {
            role: Role::Comms,
            from: None,
            to: "Keiko".into(),
        },
        false,
    );
    let cmds = feed(&mut m, [msg.clone()]);
    assert!(cmds.is_empty(), "the headless command announced it");
    assert!(
        m.flash
            .as_ref()
            .is_some_and(|f| f.text.starts_with("From bob"))
    );
    // The same event read twice (append returns what poll missed) is ignored.
    feed(&mut m, [msg]);
    assert_eq!(m.events.len(), 2);
}

#[test]
fn remapped_keys_drive_the_same_actions() {
    let mut cfg = Config::default();
    cfg.keys.insert("handoff".into(), KeySpec::One("H".into()));
    let mut m = model_with(new_incident(), "Alice", cfg);
    feed(&mut m, [k('h')]);
    assert_eq!(m.overlay, None);
    assert!(
        m.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("? lists the keys"))
    );
    feed(&mut m, [k('H')]);
    assert!(matches!(
        m.overlay,
        Some(Overlay::PickRole(PickRole { .. }))
    ));
}

#[test]
fn help_opens_and_closes() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('?'), k('j')]);
    assert_eq!(m.overlay, Some(Overlay::Help(Help { scroll: 1 })));
    feed(&mut m, [code(KeyCode::Esc)]);
    assert_eq!(m.overlay, None);
}

#[test]
fn new_ops_group_lead_by_handoff() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('h'), code(KeyCode::End), code(KeyCode::Enter)]);
    feed(&mut m, typed("Database"));
    feed(&mut m, [code(KeyCode::Enter)]);
    feed(&mut m, typed("Dana"));
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(
        matches!(&m.overlay, Some(Overlay::Confirm(Confirm { detail, .. })) if announces(detail) == Some("@all: Ops database lead -> Dana"))
    );
    assert_eq!(
        only_append(&feed(&mut m, [k('y')])),
        Payload::RoleHandedOff {
            role: Role::OpsLead("database".into()),
            from: None,
            to: "Dana".into()
        }
    );
}

/// The confirmation of handing `role` to `name`, asked through the keys.
fn handoff_confirmation(m: &mut commandpost::app::Model, downs: usize, name: &str) -> Vec<Detail> {
    feed(m, [k('h')]);
    feed(m, std::iter::repeat_n(code(KeyCode::Down), downs));
    feed(m, [code(KeyCode::Enter)]);
    feed(m, typed(name));
    feed(m, [code(KeyCode::Enter)]);
    let Some(Overlay::Confirm(Confirm { detail, .. })) = &m.overlay else {
        panic!("expected a confirmation, got {:?}", m.overlay)
    };
    detail.clone()
}

#[test]
fn a_handoff_to_someone_on_a_break_or_at_the_end_of_their_shift_says_so() {
    // Carol: on duty 7h45m (the 8h shift warns from 7h), on a break for 20m.
    let mut m = model(twelve(), "José");
    let detail = handoff_confirmation(&mut m, 1, "Carol");
    let texts: Vec<&str> = detail.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(
        announces(&detail),
        Some("@all: Comms -> Carol"),
        "{texts:?}"
    );
    assert!(texts.contains(&"Carol is on a break."), "{texts:?}");
    assert!(
        texts.contains(&"Carol has been on duty 7h45m; the 8h shift ends in 15m."),
        "{texts:?}"
    );
    // José (the IC): on duty 8h10m, past the shift.
    feed(&mut m, [code(KeyCode::Esc)]);
    let detail = handoff_confirmation(&mut m, 1, "José");
    let texts: Vec<&str> = detail.iter().map(|d| d.text.as_str()).collect();
    assert!(
        texts.contains(&"José has been on duty 8h10m, past the 8h shift."),
        "{texts:?}"
    );
    // Chen: 1h58m on duty, not on a break: only the announcement.
    feed(&mut m, [code(KeyCode::Esc)]);
    let detail = handoff_confirmation(&mut m, 1, "Chen");
    assert_eq!(detail.len(), 1, "{detail:?}");
    assert_eq!(announces(&detail), Some("@all: Comms -> Chen"));
}
