//! The remediation overlay (`M`) as `update()` tables (keys and executor answers in, model and
//! appended payloads out, fixed `now`) and one render snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

mod ui_common;

use commandpost::app::intent::Intent;
use commandpost::app::model::Model;
use commandpost::app::overlay::Overlay;
use commandpost::app::overlay::confirm::Confirm;
use commandpost::app::overlay::remediation::{Remediation, RemediationStep, Typing};
use commandpost::app::{Cmd, Msg, update};
use commandpost::domain::event::FORMAT_VERSION;
use commandpost::domain::numbered::ItemRef;
use commandpost::domain::{Event, Payload};
use commandpost::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ui_common::*;

fn k(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn typed(s: &str) -> Vec<Msg> {
    s.chars().map(k).collect()
}

fn feed(m: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    msgs.into_iter().flat_map(|msg| update(m, msg)).collect()
}

/// Answers every `Append` in `cmds` as the executor would (the event on disk, by the actor).
fn answer(m: &mut Model, cmds: Vec<Cmd>) -> Vec<Cmd> {
    let mut out = Vec::new();
    for c in cmds {
        match c {
            Cmd::Append(payload) => {
                let seq = m
                    .inc
                    .as_ref()
                    .map_or(1, |i| i.last_seq.max(m.deliveries.last_seq) + 1);
                let msg = Msg::Journaled {
                    events: vec![Event {
                        v: FORMAT_VERSION,
                        seq,
                        ts: m.now,
                        actor: m.actor.clone(),
                        payload,
                        rep: Default::default(),
                    }],
                    own: true,
                };
                let next = update(m, msg);
                out.extend(answer(m, next));
            }
            other => out.push(other),
        }
    }
    out
}

/// `f` of each remediation item, in list order.
fn each_item<T>(
    m: &Model,
    f: impl Fn(&commandpost::domain::followup::remediation::Remediation) -> T,
) -> Vec<T> {
    m.inc
        .as_ref()
        .unwrap()
        .followup
        .remediations
        .iter()
        .map(f)
        .collect()
}

fn appends(cmds: &[Cmd]) -> Vec<Payload> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Append(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn flash(m: &Model) -> String {
    m.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

/// Adds an item through the overlay (already open) and journals it.
fn add(m: &mut Model, text: &str, owner: &str) -> Vec<Payload> {
    feed(m, [k('a')]);
    feed(m, typed(text));
    assert!(feed(m, [code(KeyCode::Enter)]).is_empty(), "then the owner");
    feed(m, typed(owner));
    let cmds = feed(m, [code(KeyCode::Enter)]);
    let out = appends(&cmds);
    answer(m, cmds);
    out
}

#[test]
fn add_with_owner_and_without() {
    let mut m = model(new_incident(), "Alice");
    assert!(feed(&mut m, [k('M')]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            sel: 0,
            typing: None
        }))
    );
    assert_eq!(
        add(&mut m, "Alert on 502 rate per region", "Ricardo"),
        [Payload::RemediationAdded {
            id: 1,
            text: "Alert on 502 rate per region".into(),
            owner: Some("Ricardo".into()),
            origin: None,
        }]
    );
    assert_eq!(
        add(&mut m, "Runbook for the LB failover", ""),
        [Payload::RemediationAdded {
            id: 2,
            text: "Runbook for the LB failover".into(),
            owner: None,
            origin: None,
        }]
    );
    assert_eq!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            sel: 1,
            typing: None
        }))
    );
    assert_eq!(m.inc.as_ref().unwrap().followup.remediations.len(), 2);
    // Esc closes; M again closes too.
    feed(&mut m, [code(KeyCode::Esc)]);
    assert_eq!(m.overlay, None);
    feed(&mut m, [k('M'), k('M')]);
    assert_eq!(m.overlay, None);
}

#[test]
fn empty_text_is_refused_and_shown_not_panicking() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('M'), k('a')]);
    feed(&mut m, typed("   "));
    assert!(feed(&mut m, [code(KeyCode::Enter)]).is_empty());
    assert!(flash(&m).contains("cannot be empty"), "{}", flash(&m));
    assert!(m.flash.as_ref().unwrap().error);
    assert!(matches!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            typing: Some(Typing {
                step: RemediationStep::Text,
                ..
            }),
            ..
        }))
    ));
    // Esc goes back to the list, nothing written.
    assert!(feed(&mut m, [code(KeyCode::Esc)]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            sel: 0,
            typing: None
        }))
    );
    // Acting on an empty list says so.
    for c in ['o', 'x', ' '] {
        assert!(feed(&mut m, [k(c)]).is_empty());
        assert!(flash(&m).contains("no remediation item"), "{}", flash(&m));
    }
}

#[test]
fn assign_then_done_with_confirmation() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('M')]);
    add(&mut m, "Alert on 502 rate per region", "");
    add(&mut m, "Runbook for the LB failover", "");
    feed(&mut m, [code(KeyCode::Home), code(KeyCode::Down), k('o')]);
    assert!(matches!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            typing: Some(Typing {
                step: RemediationStep::Assign {
                    item: ItemRef {
                        id: 2,
                        origin: None
                    }
                },
                ..
            }),
            ..
        }))
    ));
    feed(&mut m, typed("José"));
    let cmds = feed(&mut m, [code(KeyCode::Enter)]);
    assert_eq!(
        appends(&cmds),
        [Payload::RemediationAssigned {
            id: 2,
            owner: "José".into(),
            of: None,
        }]
    );
    answer(&mut m, cmds);
    assert_eq!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            sel: 1,
            typing: None
        }))
    );

    // Done asks first; n changes nothing.
    feed(&mut m, [k('x')]);
    let Some(Overlay::Confirm(Confirm { intent, prompt, .. })) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    assert_eq!(prompt, "Mark remediation #2 done?");
    assert_eq!(
        *intent,
        Intent::RemediationDone(ItemRef {
            id: 2,
            origin: None
        })
    );
    assert!(feed(&mut m, [k('n')]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            sel: 1,
            typing: None
        }))
    );
    feed(&mut m, [k(' ')]);
    let cmds = feed(&mut m, [k('y')]);
    assert_eq!(
        appends(&cmds),
        [Payload::RemediationDone {
            id: 2,
            note: None,
            of: None
        }]
    );
    answer(&mut m, cmds);
    assert_eq!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            sel: 1,
            typing: None
        }))
    );
    // A done item can be neither done again nor reassigned: said, nothing written.
    assert!(feed(&mut m, [k('x')]).is_empty());
    assert!(flash(&m).contains("already done by Alice"), "{}", flash(&m));
    assert!(feed(&mut m, [k('o')]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            sel: 1,
            typing: None
        }))
    );
}

#[test]
fn works_after_the_incident_is_resolved() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('R')]);
    let cmds = feed(&mut m, [k('y')]);
    answer(&mut m, cmds);
    assert!(!m.inc.as_ref().unwrap().is_open());
    feed(&mut m, [code(KeyCode::Esc), k('M')]);
    assert_eq!(
        add(&mut m, "Postmortem review", "Alice"),
        [Payload::RemediationAdded {
            id: 1,
            text: "Postmortem review".into(),
            owner: Some("Alice".into()),
            origin: None,
        }]
    );
}

#[test]
fn the_key_is_in_the_keymap_and_can_be_remapped() {
    use commandpost::app::keymap::Action;
    assert_eq!(Action::from_name("remediation"), Some(Action::Remediation));
    let cfg: commandpost::config::Config =
        toml::from_str("[keys]\nremediation = \"F7\"\n").unwrap();
    let mut m = model_with(new_incident(), "Alice", cfg);
    feed(&mut m, [k('M')]);
    assert_eq!(m.overlay, None, "M is free again");
    feed(&mut m, [code(KeyCode::F(7))]);
    assert_eq!(
        m.overlay,
        Some(Overlay::Remediation(Remediation {
            sel: 0,
            typing: None
        }))
    );
    // Inside, the remapped key closes it too.
    feed(&mut m, [code(KeyCode::F(7))]);
    assert_eq!(m.overlay, None);
}

#[test]
fn snapshot_remediation_overlay_with_two_items() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('M')]);
    add(&mut m, "Alert on 502 rate per region", "Ricardo");
    add(&mut m, "Runbook for the LB failover", "");
    let t = draw(&m, Theme::colored(), 80, 24);
    insta::assert_snapshot!("remediation_80x24", t.backend());
}

/// Two other cockpits numbered an item #1 at the same moment: the list shows both with
/// their cockpit's word, and done on the second (selected, confirmed) journals a done
/// naming that item's origin, so it reaches that item on every replica.
#[test]
fn two_cockpits_items_of_one_number_are_told_apart_and_done_by_identity() {
    use commandpost::domain::event::Rep;
    use commandpost::domain::identity::Origin;
    let mut m = model(new_incident(), "Alice");
    let (a, b) = ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb");
    let seq = m.inc.as_ref().unwrap().last_seq;
    let remote = |seq: u64, origin: &str, text: &str| Event {
        v: FORMAT_VERSION,
        seq,
        ts: now(),
        actor: "Bob".into(),
        payload: Payload::RemediationAdded {
            id: 1,
            text: text.into(),
            owner: None,
            origin: Some(origin.into()),
        },
        rep: Rep {
            origin: Some(origin.into()),
            oseq: Some(2),
            lc: Some(100),
            eid: None,
        },
    };
    let events = vec![
        remote(seq + 1, a, "alert on pool"),
        remote(seq + 2, b, "runbook"),
    ];
    update(&mut m, Msg::Journaled { events, own: false });
    let word = |o: &str| Origin::parse(o).unwrap().word();
    let labels = each_item(&m, |r| r.label());
    assert_eq!(labels, [format!("1-{}", word(a)), format!("1-{}", word(b))]);
    feed(
        &mut m,
        [k('M'), code(KeyCode::Home), code(KeyCode::Down), k('x')],
    );
    let Some(Overlay::Confirm(Confirm { intent, prompt, .. })) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    assert_eq!(prompt, &format!("Mark remediation #1-{} done?", word(b)));
    assert_eq!(
        *intent,
        Intent::RemediationDone(ItemRef {
            id: 1,
            origin: Some(b.into())
        })
    );
    let cmds = feed(&mut m, [k('y')]);
    assert_eq!(
        appends(&cmds),
        [Payload::RemediationDone {
            id: 1,
            note: None,
            of: Some(b.into())
        }]
    );
    answer(&mut m, cmds);
    let done = each_item(&m, |r| r.is_done());
    assert_eq!(done, [false, true]);
}
