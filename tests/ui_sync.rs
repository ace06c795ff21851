//! The cockpit of a synced incident (issue 12), pure: the follower's news come in as
//! `Msg::Sync`, other cockpits' events as `Msg::Journaled { own: false }` (read by the
//! executor's poll). The status line says the link's state; an event from another cockpit
//! that sorts earlier refolds the incident in merge order; conflicts, rejected room commands
//! and a lost IC role are said in words.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

mod ui_common;

use commandpost::app::sync_view::{SyncMsg, SyncView};
use commandpost::app::{Cmd, Model, Msg, update};
use commandpost::domain::event::{FORMAT_VERSION, Rep};
use commandpost::domain::{Event, Payload, Role};
use commandpost::ui::Theme;
use jiff::SignedDuration;
use ui_common::*;

/// This data dir's origin, and another cockpit's that sorts before it.
const HOME: &str = "mmmmmmmmmmmmmmmm";
const OTHER: &str = "bbbbbbbbbbbbbbbb";

fn screen(m: &Model) -> String {
    let t = draw(m, Theme::no_color(), 100, 30);
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// Alice's incident, synced: opened 10 min ago here.
fn synced() -> Model {
    let mut m = model(Script::open(10, "Checkout 502s", "alice").events, "alice");
    m.cx.sync = Some(SyncView::new("#inc:example.org"));
    m.cx.set_home(HOME);
    m
}

/// An event made on the other cockpit, as ingest writes it into this journal.
fn remote(m: &Model, oseq: u64, lc: u64, actor: &str, payload: Payload) -> Event {
    Event {
        v: FORMAT_VERSION,
        seq: m.events.len() as u64 + 1,
        ts: m.now - SignedDuration::from_secs(5),
        actor: actor.into(),
        payload,
        rep: Rep {
            origin: Some(OTHER.into()),
            oseq: Some(oseq),
            lc: Some(lc),
            eid: Some(format!("$ev{oseq}")),
        },
    }
}

fn local(m: &Model, actor: &str, payload: Payload) -> Event {
    let seq = m.events.len() as u64 + 1;
    Event {
        v: FORMAT_VERSION,
        seq,
        ts: m.now,
        actor: actor.into(),
        payload,
        rep: Rep::local(seq, seq),
    }
}

#[test]
fn the_status_line_says_the_links_state_only_for_a_synced_incident() {
    let mut m = synced();
    assert!(screen(&m).contains("sync: starting"));
    let cmds = update(
        &mut m,
        Msg::Sync(SyncMsg::Line(
            "sync: offline, 3 unsent (cannot connect)".into(),
        )),
    );
    assert!(cmds.is_empty());
    let s = screen(&m);
    assert!(s.contains("sync: offline, 3 unsent"), "{s}");
    update(&mut m, Msg::Sync(SyncMsg::Line("sync: live".into())));
    assert!(screen(&m).contains("sync: live"));

    // A local incident's status line says nothing of sync.
    let plain = model(Script::open(10, "Checkout 502s", "alice").events, "alice");
    assert!(!screen(&plain).contains("sync:"));
}

/// `sync attach` in another terminal after this cockpit started: the executor's poll saw the
/// sidecar appear; from then on the cockpit shows the link's state like any synced one.
#[test]
fn an_incident_attached_after_the_cockpit_started_shows_its_sync_state() {
    let mut m = model(Script::open(10, "Checkout 502s", "alice").events, "alice");
    assert!(!screen(&m).contains("sync:"));
    // A line from no follower changes nothing.
    update(&mut m, Msg::Sync(SyncMsg::Line("sync: live".into())));
    assert!(!screen(&m).contains("sync:"));
    let cmds = update(
        &mut m,
        Msg::Sync(SyncMsg::Attached("!room:example.org".into())),
    );
    assert!(cmds.is_empty());
    let s = screen(&m);
    assert!(s.contains("sync: starting"), "{s}");
    assert!(s.contains("Synced through !room:example.org"), "{s}");
    update(&mut m, Msg::Sync(SyncMsg::Line("sync: live".into())));
    assert!(screen(&m).contains("sync: live"));
    assert_eq!(m.cx.sync.as_ref().unwrap().room, "!room:example.org");
}

#[test]
fn events_from_the_room_are_read_through_the_journal_poll() {
    let mut m = synced();
    let cmds = update(&mut m, Msg::Sync(SyncMsg::Arrived));
    assert!(matches!(cmds.as_slice(), [Cmd::Poll]), "{cmds:?}");
}

#[test]
fn a_hand_off_that_lost_a_race_is_a_conflict_in_words_and_the_ic_sees_the_role_is_gone() {
    let mut m = synced();
    // Here, alice hands IC to ben (lc 2)...
    let ours = local(
        &m,
        "alice",
        Payload::RoleHandedOff {
            role: Role::Ic,
            from: Some("alice".into()),
            to: "ben".into(),
        },
    );
    update(
        &mut m,
        Msg::Journaled {
            events: vec![ours],
            own: true,
        },
    );
    assert_eq!(m.inc.as_ref().unwrap().ic().unwrap().name, "ben");
    // ...while on another cockpit dana handed IC from alice to carol, also at lc 2: the
    // other origin sorts first, so dana's hand-off wins on every cockpit.
    let theirs = remote(
        &m,
        2,
        2,
        "dana",
        Payload::RoleHandedOff {
            role: Role::Ic,
            from: Some("alice".into()),
            to: "carol".into(),
        },
    );
    update(
        &mut m,
        Msg::Journaled {
            events: vec![theirs],
            own: false,
        },
    );
    let inc = m.inc.as_ref().unwrap();
    assert_eq!(inc.ic().unwrap().name, "carol");
    assert_eq!(inc.conflicts.len(), 1);
    let conflict = inc.conflicts[0].text.clone();
    assert!(conflict.contains("hand-off of IC to ben"), "{conflict}");
    let s = screen(&m);
    // The header: alice no longer holds IC, and who does.
    assert!(s.contains("You are no longer IC: carol"), "{s}");
    // The timeline: alice's hand-off, in words, as the conflict it became.
    assert!(s.contains("CONFLICT: "), "{s}");
    // The sync view lists it too.
    update(&mut m, Msg::Key(key('T')));
    let s = screen(&m);
    assert!(
        s.contains("Conflicts (every cockpit shows the same)"),
        "{s}"
    );
    assert!(s.contains("conflicted with"), "{s}");
}

#[test]
fn a_rejected_room_command_is_said_on_the_status_line_and_in_the_timeline() {
    let mut m = synced();
    let cmd = remote(
        &m,
        2,
        2,
        "mallory",
        Payload::RoomCommand(commandpost::domain::replicated::RoomCommand {
            cited: "$typed".into(),
            sender: "@mallory:example.org".into(),
            person: None,
            body: "@all: IC -> Mallory".into(),
            order: commandpost::domain::replicated::RoomOrder::Handoff {
                role: Role::Ic,
                to: "Mallory".into(),
            },
        }),
    );
    update(
        &mut m,
        Msg::Journaled {
            events: vec![cmd],
            own: false,
        },
    );
    assert_eq!(m.inc.as_ref().unwrap().ic().unwrap().name, "alice");
    let s = screen(&m);
    assert!(s.contains("Rejected room command"), "{s}");
}

fn key(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    )
}
