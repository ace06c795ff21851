//! A long incident's timeline (issue 14): the model holds the journal's newest events, counts
//! the older ones, asks for a page of them when scrolled close to the oldest loaded, and
//! shows the same lines as a model holding every event.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::app::cockpit::Cockpit;
use commandpost::app::keymap::Keymap;
use commandpost::app::model::{Model, Older, Region};
use commandpost::app::{Cmd, Msg, update};
use commandpost::config::Config;
use commandpost::delivery::OutboxState;
use commandpost::domain::{Event, Incident, Payload};
use commandpost::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod ui_common;
use ui_common::{Script, draw, now};

fn journal(n: usize) -> Vec<Event> {
    let mut s = Script::open(600, "Long incident", "Alice");
    s.join(599, "Keiko", Some("database"));
    let mut i = 0;
    while s.events.len() < n {
        i += 1;
        s.at(
            (598 - (i * 598 / n)) as i64,
            "Keiko",
            Payload::NoteAdded {
                text: format!("note {i}"),
            },
        );
    }
    s.events
}

/// The model a cockpit opens on `events` when it reads only the newest `recent`.
fn restored(events: &[Event], recent: usize) -> Model {
    let inc = Incident::replay(events).unwrap();
    let cfg = Config::default();
    let keymap = Keymap::build(&cfg).unwrap();
    let split = events.len() - recent;
    let mut m = Model::restored(Cockpit::restored(
        "Alice",
        cfg,
        keymap,
        inc,
        OutboxState::replay(events),
        events[split..].to_vec(),
        Older {
            count: split,
            // Stands for the byte offset; the test answers `Cmd::Older` itself.
            end: split as u64,
            loading: false,
        },
        now(),
    ));
    m.size = (100, 30);
    m
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn screen(m: &Model) -> String {
    let t = draw(m, Theme::colored(), 100, 30);
    let buf = t.backend().buffer();
    (0..30)
        .map(|y| {
            (0..100)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Answers the model's `Cmd::Older` as the executor does: the `max` events that end at
/// `end` (here an index standing for the byte offset).
fn answer(m: &mut Model, cmds: Vec<Cmd>, events: &[Event], asked: &mut Vec<(u64, usize)>) {
    for c in cmds {
        if let Cmd::Older { end, max } = c {
            asked.push((end, max));
            let end = end as usize;
            let from = end.saturating_sub(max);
            let page = events[from..end].to_vec();
            let follow = update(m, Msg::Older(Ok((page, from as u64))));
            assert!(follow.iter().all(|c| matches!(c, Cmd::Older { .. })));
        }
    }
}

#[test]
fn the_timeline_pages_older_events_in_and_shows_what_a_full_model_shows() {
    let events = journal(3_000);
    let mut full = ui_common::model(events.clone(), "Alice");
    full.size = (100, 30);
    let mut m = restored(&events, 200);
    assert_eq!(m.event_count(), 3_000);
    assert_eq!(m.inc, full.inc);
    assert_eq!(m.deliveries, full.deliveries);
    // The same screen at start.
    assert_eq!(screen(&m), screen(&full));
    assert!(screen(&m).contains("3000 events"));

    // Focus the timeline and scroll back: near the oldest loaded event, a page is asked for.
    for msg in [key(KeyCode::Tab), key(KeyCode::Tab)] {
        update(&mut m, msg.clone());
        update(&mut full, msg);
    }
    assert_eq!(m.focus, Region::Timeline);
    let mut asked = Vec::new();
    for _ in 0..20 {
        let cmds = update(&mut m, key(KeyCode::PageDown));
        update(&mut full, key(KeyCode::PageDown));
        answer(&mut m, cmds, &events, &mut asked);
        assert_eq!(screen(&m), screen(&full), "after {} pages", asked.len());
    }
    // One page asked when the scroll came near the 200 loaded, none while one was loading.
    assert_eq!(asked.first(), Some(&(2_800, 1_000)));
    assert_eq!(m.event_count(), 3_000);
    assert_eq!(m.older.count + m.events.len(), 3_000);
    assert!(m.older.count < 2_800, "older events were paged in");
    assert_eq!(m.timeline_scroll, full.timeline_scroll);

    // New events still arrive at the newest end.
    let mut next = events.last().unwrap().clone();
    next.seq += 1;
    next.payload = Payload::NoteAdded {
        text: "the newest".into(),
    };
    for model in [&mut m, &mut full] {
        update(
            model,
            Msg::Journaled {
                events: vec![next.clone()],
                own: false,
            },
        );
    }
    assert_eq!(m.event_count(), 3_001);
    assert_eq!(screen(&m), screen(&full));
}

#[test]
fn a_page_that_cannot_be_read_is_said_and_can_be_asked_again() {
    let events = journal(500);
    let mut m = restored(&events, 50);
    update(&mut m, key(KeyCode::Tab));
    update(&mut m, key(KeyCode::Tab));
    let cmds = update(&mut m, key(KeyCode::Down));
    assert!(matches!(cmds.as_slice(), [Cmd::Older { .. }]), "{cmds:?}");
    // While it loads, no second request.
    assert!(update(&mut m, key(KeyCode::Down)).is_empty());
    assert!(m.older.loading);
    update(&mut m, Msg::Older(Err("disk on fire".into())));
    assert!(screen(&m).contains("cannot read older events: disk on fire"));
    let cmds = update(&mut m, key(KeyCode::Down));
    assert!(matches!(cmds.as_slice(), [Cmd::Older { .. }]), "{cmds:?}");
}
