//! The writing desk in the cockpit: `update()` tables for the sitrep and
//! status composers (open prefilled, type, paste, Esc keeps the draft,
//! Ctrl-S -> confirm -> append, lint in the confirmation, the sitrep log),
//! drafts on disk, and render snapshots at 80x24 and 160x48.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

mod ui_common;

use commandpost::app::composer::{self, Kind};
use commandpost::app::deliveries::OutboxCmd;
use commandpost::app::intent::{Intent, Tone};
use commandpost::app::overlay::Overlay;
use commandpost::app::overlay::compose::Compose;
use commandpost::app::overlay::confirm::Confirm;
use commandpost::app::overlay::sitrep_log::SitrepLog;
use commandpost::app::{Cmd, Model, Msg, update};
use commandpost::config::{Config, KeySpec};
use commandpost::domain::checklist::Status as RowStatus;
use commandpost::domain::event::{FORMAT_VERSION, LoopQuestion, SitrepFields};
use commandpost::domain::outbound::MessageKind;
use commandpost::domain::{Event, Payload, Role};
use commandpost::shell::drafts;
use commandpost::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
use std::path::Path;
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

/// The messages in turn; the commands they ask for, except the template renders, which are
/// run here at once as the executor would (on its thread) and answered.
fn feed(m: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<Cmd> {
    let mut out = Vec::new();
    for msg in msgs {
        let mut queue = update(m, msg);
        while !queue.is_empty() {
            for c in std::mem::take(&mut queue) {
                match c {
                    Cmd::Render(job) => queue.extend(update(m, Msg::Rendered(job.run()))),
                    Cmd::CancelRender(_) => {}
                    other => out.push(other),
                }
            }
        }
    }
    out
}

/// What the executor answers to an append: the event on disk.
fn journaled(m: &Model, payload: Payload) -> Msg {
    let seq = m.inc.as_ref().map_or(1, |i| i.last_seq + 1);
    Msg::Journaled {
        events: vec![Event {
            v: FORMAT_VERSION,
            seq,
            ts: m.now,
            actor: m.actor.clone(),
            payload,
            rep: Default::default(),
        }],
        own: true,
    }
}

/// A 30-minute-old incident: IC Alice, Comms Keiko, Noah and Greg on the
/// database, an impact statement and a ticket link.
fn incident() -> Vec<Event> {
    let mut s = Script::open(30, "Checkout API returns 502", "Alice");
    s.at(
        28,
        "Alice",
        Payload::RoleHandedOff {
            role: Role::Comms,
            from: None,
            to: "Keiko".into(),
        },
    );
    s.join(25, "Noah", Some("database"));
    s.join(25, "Greg", Some("database"));
    s.at(
        20,
        "Alice",
        Payload::ImpactUpdated {
            text: "EU customers cannot pay".into(),
        },
    );
    s.at(
        15,
        "Alice",
        Payload::LinkAdded {
            label: "Vendor ticket".into(),
            url: "https://support.example.com/T-42".into(),
        },
    );
    s.events
}

/// The model with the default backends (the incident's outbox file).
fn desk_model(events: Vec<Event>) -> Model {
    desk_model_with(events, Config::default())
}

fn desk_model_with(events: Vec<Event>, config: Config) -> Model {
    let mut m = model_with(events, "Alice", config);
    m.desk.backends = drafts::build_backends(&m.config, Path::new("/data"));
    m
}

fn sitrep_form(m: &Model) -> &composer::Form {
    m.desk.form(Kind::Sitrep).expect("a sitrep form")
}

fn status_form(m: &Model) -> &composer::Form {
    m.desk.form(Kind::Status).expect("a status form")
}

/// The send confirmation over a composer, read back: title, where it goes, the notes, the
/// lint warnings.
#[derive(Debug)]
struct Sending {
    title: String,
    to: Vec<String>,
    notes: Vec<String>,
    warnings: Vec<String>,
}

fn sending(m: &Model) -> Option<Sending> {
    let Some(Overlay::Confirm(Confirm {
        intent: Intent::Send { .. },
        prompt,
        detail,
        back: Some(_),
    })) = &m.overlay
    else {
        return None;
    };
    let mut c = Sending {
        title: prompt.clone(),
        to: Vec::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    for d in detail.iter().skip(1) {
        match (d.tone, d.text.strip_prefix("  → ")) {
            (Tone::Lint, _) => c.warnings.push(d.text.clone()),
            (Tone::Plain, Some(to)) => c.to.push(to.to_string()),
            // Where that backend puts it (a file's path, recipients, a room).
            (Tone::Plain, None) if d.text.starts_with("      ") && !c.to.is_empty() => {
                if let Some(last) = c.to.last_mut() {
                    last.push_str(" · ");
                    last.push_str(d.text.trim());
                }
            }
            (Tone::Plain, None) if !d.text.is_empty() => c.notes.push(d.text.clone()),
            _ => {}
        }
    }
    Some(c)
}

#[test]
fn s_opens_the_sitrep_prefilled_from_the_incident() {
    let mut m = desk_model(incident());
    assert!(feed(&mut m, [k('s')]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
    let f = sitrep_form(&m);
    assert_eq!(f.text(0), "Checkout API returns 502");
    assert_eq!(f.text(1), "EU customers cannot pay");
    assert_eq!(f.text(4), "Vendor ticket https://support.example.com/T-42");
    assert_eq!(f.focus, 0, "the summary first");
    // The preview is the sitrep as the outbox file will hold it.
    assert!(
        f.preview.title.starts_with("outbox-file (file) 1/1"),
        "{f:?}"
    );
    assert!(f.preview.text.contains("Sitrep v1"), "{}", f.preview.text);
    assert!(f.preview.text.contains("IC: Alice"), "{}", f.preview.text);
}

#[test]
fn typing_edits_the_focused_field_and_the_preview_follows() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s'), code(KeyCode::Tab), code(KeyCode::Tab)]);
    assert_eq!(sitrep_form(&m).focused_field(), Some(2), "actions");
    let cmds = feed(&mut m, typed("Failing over the DB"));
    assert!(cmds.is_empty(), "typing sends nothing: {cmds:?}");
    assert_eq!(sitrep_form(&m).text(2), "Failing over the DB");
    assert!(sitrep_form(&m).preview.text.contains("Failing over the DB"));
    // Undo (Ctrl-U) and redo (Ctrl-R) from the text area.
    feed(&mut m, [ctrl('u')]);
    assert_ne!(sitrep_form(&m).text(2), "Failing over the DB");
    feed(&mut m, [ctrl('r')]);
    assert_eq!(sitrep_form(&m).text(2), "Failing over the DB");
    // Shift-Tab goes back.
    feed(&mut m, [code(KeyCode::BackTab)]);
    assert_eq!(sitrep_form(&m).focused_field(), Some(1));
}

#[test]
fn a_pasted_newline_or_enter_never_sends() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s'), code(KeyCode::Tab), code(KeyCode::Tab)]);
    let cmds = feed(
        &mut m,
        [Msg::Paste(
            "Rolled back deploy 4711\r\nDraining eu-west-1\n\u{1b}[31m".into(),
        )],
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
    assert_eq!(
        sitrep_form(&m).text(2),
        "Rolled back deploy 4711\nDraining eu-west-1\n[31m"
    );
    // Terminals paste line breaks as CR.
    feed(&mut m, [Msg::Paste("\rone\rtwo".into())]);
    assert!(sitrep_form(&m).text(2).ends_with("[31m\none\ntwo"));
    let cmds = feed(&mut m, [code(KeyCode::Enter), code(KeyCode::Enter)]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
}

#[test]
fn esc_closes_and_keeps_the_draft_which_is_saved_on_the_tick() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s')]);
    feed(&mut m, typed(" (EU)"));
    // Changed: the next tick writes it.
    let cmds = feed(&mut m, [Msg::Tick(now() + SignedDuration::from_secs(1))]);
    let [
        Cmd::Draft {
            kind: Kind::Sitrep,
            content: Some(text),
        },
    ] = cmds.as_slice()
    else {
        panic!("expected a draft write, got {cmds:?}")
    };
    assert!(text.contains("Checkout API returns 502 (EU)"), "{text}");
    // Nothing changed since: the next tick writes nothing.
    assert!(feed(&mut m, [Msg::Tick(now() + SignedDuration::from_secs(2))]).is_empty());
    feed(&mut m, typed("!"));
    let cmds = feed(&mut m, [code(KeyCode::Esc)]);
    assert_eq!(m.overlay, None);
    assert!(
        matches!(cmds.as_slice(), [Cmd::Draft { kind: Kind::Sitrep, content: Some(t) }] if t.contains("(EU)!")),
        "Esc writes the draft at once: {cmds:?}"
    );
    assert!(m.flash.as_ref().unwrap().text.contains("draft kept"));
    feed(&mut m, [k('s')]);
    assert_eq!(sitrep_form(&m).text(0), "Checkout API returns 502 (EU)!");
}

#[test]
#[expect(
    clippy::cognitive_complexity,
    reason = "one end-to-end scenario, step by step"
)]
fn ctrl_s_confirms_then_journals_the_sitrep_then_queues_it() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s'), code(KeyCode::Tab), code(KeyCode::Tab)]);
    feed(&mut m, typed("Failing over"));
    assert!(feed(&mut m, [ctrl('s')]).is_empty(), "asks first");
    let Some(c) = sending(&m) else {
        panic!("expected a confirmation, got {:?}", m.overlay)
    };
    assert_eq!(c.title, "Send sitrep v1?");
    // Where the message goes, not only through which backend.
    assert_eq!(
        c.to,
        vec![
            "outbox-file (file) · appends to /data/incidents/INC-20261120-1850/outbox.md"
                .to_string()
        ]
    );
    assert_eq!(
        c.notes,
        vec!["Names IC Alice, Comms Keiko, 2 responders".to_string()]
    );
    assert!(c.warnings.is_empty());
    let cmds = feed(&mut m, [k('y')]);
    let [Cmd::Append(p)] = cmds.as_slice() else {
        panic!("expected one append, got {cmds:?}")
    };
    let Payload::SitrepSent {
        version,
        fields,
        rendered,
        ic,
        comms,
        responders,
        ..
    } = p
    else {
        panic!("expected a sitrep, got {p:?}")
    };
    assert_eq!(*version, 1);
    assert_eq!(fields.actions, "Failing over");
    assert_eq!(fields.links.len(), 1);
    assert_eq!(ic.as_deref(), Some("Alice"));
    assert_eq!(comms.as_deref(), Some("Keiko"));
    assert_eq!(responders, &vec!["Noah".to_string(), "Greg".to_string()]);
    assert!(rendered.contains("Failing over"));
    assert_eq!(m.overlay, None);
    assert_eq!(m.writing, 1);
    // Nothing is queued before the journal says it is written.
    let p = p.clone();
    let msg = journaled(&m, p.clone());
    let cmds = feed(&mut m, [msg]);
    let Payload::SitrepSent { rendered, .. } = &p else {
        unreachable!()
    };
    let [
        Cmd::Draft {
            kind: Kind::Sitrep,
            content: None,
        },
        Cmd::Outbox(OutboxCmd::Send { msg, only: None }),
    ] = cmds.as_slice()
    else {
        panic!("expected the draft deleted and the sitrep queued: {cmds:?}")
    };
    assert_eq!(msg.kind, MessageKind::Sitrep);
    assert_eq!(msg.headline, "Sitrep v1");
    assert_eq!(&msg.body, rendered);
    assert_eq!(msg.incident_id, "INC-20261120-1850");
    assert!(msg.status.is_none() && !msg.mention_all);
    assert!(m.desk.form(Kind::Sitrep).is_none(), "the draft is gone");
    assert_eq!(m.inc.as_ref().unwrap().sitreps.len(), 1);
    // The next one starts from v1's text.
    feed(&mut m, [k('s')]);
    assert_eq!(sitrep_form(&m).text(2), "Failing over");
    assert!(sitrep_form(&m).preview.text.contains("Sitrep v2"));
}

#[test]
fn sitrep_lint_warnings_show_and_never_block() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s'), code(KeyCode::Tab), code(KeyCode::Tab)]);
    feed(&mut m, typed("It should be resolved by 5pm."));
    let f = sitrep_form(&m);
    assert!(!f.warnings.is_empty(), "an ETA is flagged");
    assert!(f.warnings.iter().all(|(i, _)| *i == Some(2)));
    feed(&mut m, [ctrl('s')]);
    let Some(c) = sending(&m) else {
        panic!("{:?}", m.overlay)
    };
    assert!(
        c.warnings.iter().any(|w| w.starts_with("Actions: “")),
        "{:?}",
        c.warnings
    );
    let cmds = feed(&mut m, [code(KeyCode::Enter)]);
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::Append(Payload::SitrepSent { .. })]
    ));
}

#[test]
fn esc_in_the_confirmation_goes_back_to_the_draft() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s'), ctrl('s')]);
    assert!(sending(&m).is_some());
    assert!(feed(&mut m, [code(KeyCode::Esc)]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
    assert!(feed(&mut m, [ctrl('s'), k('n')]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
    assert_eq!(m.writing, 0);
}

/// The messages in turn, with the template renders they ask for left unrun (a slow
/// template): the jobs, in order.
fn unrendered(m: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<composer::RenderJob> {
    msgs.into_iter()
        .flat_map(|msg| update(m, msg))
        .filter_map(|c| match c {
            Cmd::Render(job) => Some(job),
            _ => None,
        })
        .collect()
}

/// Issue 15: the template renders off the UI thread. Each change asks for a render with a
/// newer generation; an older answer arriving late is dropped; sending waits for the text.
#[test]
fn the_render_is_a_background_job_and_a_stale_answer_is_dropped() {
    let mut m = desk_model(incident());
    let first = unrendered(&mut m, [k('s')]);
    let [job1] = first.as_slice() else {
        panic!("one render asked for: {first:?}")
    };
    assert_eq!((job1.kind, job1.generation), (Kind::Sitrep, 1));
    assert!(sitrep_form(&m).preview.rendering);
    // The same draft again (a refresh without a change) asks for nothing.
    assert!(unrendered(&mut m, [ctrl('o')]).is_empty());
    // Ctrl-s before the text is rendered: nothing to confirm yet, and the flash says what to
    // do without pointing at a preview (below 120 columns none is shown: before, it said
    // "send once it shows").
    unrendered(&mut m, [ctrl('s')]);
    assert!(sending(&m).is_none(), "{:?}", m.overlay);
    let fl = m.flash.clone().unwrap();
    assert!(
        fl.error
            && fl.text.contains("still rendering")
            && fl.text.contains("send again in a moment")
            && !fl.text.contains("once it shows"),
        "{fl:?}"
    );
    // Typing asks for a newer render.
    let second = unrendered(&mut m, typed("X"));
    let [job2] = second.as_slice() else {
        panic!("one render asked for: {second:?}")
    };
    assert_eq!(job2.generation, 2);
    // The first answer, late: dropped.
    update(&mut m, Msg::Rendered(job1.run()));
    assert!(sitrep_form(&m).preview.rendering, "a stale render is shown");
    assert_eq!(sitrep_form(&m).rendering.text, None);
    // The latest: shown.
    update(&mut m, Msg::Rendered(job2.run()));
    let f = sitrep_form(&m);
    assert!(!f.preview.rendering);
    assert!(
        f.preview.text.contains("Checkout API returns 502X"),
        "{}",
        f.preview.text
    );
    // Esc: the render under way is cancelled; reopening asks again.
    unrendered(&mut m, typed("Y"));
    let cmds = update(&mut m, code(KeyCode::Esc));
    assert!(cmds.contains(&Cmd::CancelRender(Kind::Sitrep)), "{cmds:?}");
    let again = unrendered(&mut m, [k('s')]);
    assert_eq!(again.len(), 1, "reopening renders again: {again:?}");
    assert!(again[0].generation > 3);
}

/// Issue 15: what is sent is the text the IC saw, never a render of its own. A change under
/// the confirmation (another writer's person joins: the sitrep would name them) makes `y`
/// refuse and go back to the draft, whose preview follows; the next `y` sends that text.
#[test]
fn what_is_sent_is_the_render_the_ic_confirmed_never_a_new_one() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s'), ctrl('s')]);
    assert!(sending(&m).is_some(), "{:?}", m.overlay);
    let seen = sitrep_form(&m).rendering.text.clone().unwrap().unwrap();
    assert!(!seen.contains("Ramón"));
    let seq = m.inc.as_ref().unwrap().last_seq + 1;
    let joined = Msg::Journaled {
        events: vec![Event {
            v: FORMAT_VERSION,
            seq,
            ts: m.now,
            actor: "José".into(),
            payload: Payload::PersonJoined {
                name: "Ramón".into(),
                handle: None,
                contact: None,
                team: None,
                group: Some("database".into()),
            },
            rep: Default::default(),
        }],
        own: false,
    };
    feed(&mut m, [joined]);
    let cmds = feed(&mut m, [k('y')]);
    assert!(cmds.is_empty(), "sent what was not seen: {cmds:?}");
    let fl = m.flash.clone().unwrap();
    assert!(fl.error && fl.text.contains("preview changed"), "{fl:?}");
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
    let now_shown = sitrep_form(&m).rendering.text.clone().unwrap().unwrap();
    assert!(now_shown.contains("Ramón"), "{now_shown}");
    let cmds = feed(&mut m, [ctrl('s'), k('y')]);
    let [
        Cmd::Append(Payload::SitrepSent {
            rendered,
            responders,
            ..
        }),
    ] = cmds.as_slice()
    else {
        panic!("expected the sitrep journaled: {cmds:?}")
    };
    assert_eq!(rendered, &now_shown, "the text sent is the text shown");
    assert!(responders.contains(&"Ramón".to_string()));
}

#[test]
fn what_cannot_be_sent_says_why_and_stays_open() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s')]);
    // An empty summary.
    feed(&mut m, [ctrl('a'), ctrl('k')]);
    assert_eq!(sitrep_form(&m).text(0), "");
    assert!(feed(&mut m, [ctrl('s')]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
    let fl = m.flash.clone().unwrap();
    assert!(fl.error && fl.text.contains("summary"), "{fl:?}");
    // A link without a label.
    feed(&mut m, typed("DB down"));
    for _ in 0..4 {
        feed(&mut m, [code(KeyCode::Tab)]);
    }
    feed(&mut m, [Msg::Paste("\nhttps://x.example/1".into())]);
    assert_eq!(sitrep_form(&m).problems.len(), 1);
    feed(&mut m, [ctrl('s')]);
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
    assert!(m.flash.as_ref().unwrap().text.contains("Links line 2"));
}

#[test]
#[expect(
    clippy::cognitive_complexity,
    reason = "one end-to-end scenario, step by step"
)]
fn u_opens_the_status_update_with_stage_default_next_update_and_lint() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('u')]);
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Status }))
    );
    let f = status_form(&m);
    assert_eq!(f.stage.as_str(), "investigating");
    assert_eq!(f.focused_field(), Some(0), "on the message");
    assert_eq!(f.text(3), "20m", "cadence.status");
    assert_eq!(f.next_update_note, "Next update in 20 minutes (03:20 UTC)");
    feed(
        &mut m,
        typed("Payments fail. The root cause is a bug in the vendor API; fixed in 30 minutes."),
    );
    let f = status_form(&m);
    let rules: Vec<&str> = f.warnings.iter().map(|(_, w)| w.rule.as_str()).collect();
    assert!(rules.contains(&"root-cause"), "{rules:?}");
    assert!(rules.contains(&"eta"), "{rules:?}");
    assert!(rules.contains(&"missing-workaround"), "{rules:?}");
    // Ctrl-T cycles the stage.
    feed(&mut m, [ctrl('t')]);
    assert_eq!(status_form(&m).stage.as_str(), "identified");
    feed(&mut m, [ctrl('s')]);
    let Some(c) = sending(&m) else {
        panic!("{:?}", m.overlay)
    };
    assert_eq!(c.title, "Post the public status update (Identified)?");
    assert_eq!(
        c.notes,
        vec!["Promises the next update in 20 minutes (03:20 UTC)".to_string()]
    );
    assert!(c.warnings.len() >= 3, "{:?}", c.warnings);
    assert!(
        c.warnings.iter().any(|w| w.contains("work around")),
        "{:?}",
        c.warnings
    );
    // The warnings' heading says what they are without naming three rules of them (before:
    // "(doctrine: no ETA, no presumed cause, no blame)" over a missing-workaround warning).
    let Some(Overlay::Confirm(Confirm { detail, .. })) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    let heading = detail
        .iter()
        .find(|d| d.text.contains("lint warning"))
        .map(|d| d.text.clone())
        .unwrap_or_default();
    assert!(
        heading.ends_with("lint warnings (the doctrine's checks; none stops sending):"),
        "{heading:?}"
    );
    let cmds = feed(&mut m, [k('y')]);
    let [Cmd::Append(p)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    let Payload::StatusPosted { fields, .. } = p else {
        panic!("{p:?}")
    };
    assert_eq!(fields.stage, "identified");
    assert_eq!(
        fields.next_update_at,
        Some(now() + SignedDuration::from_mins(20))
    );
    let p = p.clone();
    let msg = journaled(&m, p);
    let cmds = feed(&mut m, [msg]);
    let Some(Cmd::Outbox(OutboxCmd::Send { msg, .. })) = cmds.last() else {
        panic!("{cmds:?}")
    };
    assert_eq!(msg.kind, MessageKind::Status);
    assert_eq!(msg.headline, "Status update: Identified");
    let st = msg.status.as_ref().unwrap();
    assert_eq!(st.stage, "identified");
    assert_eq!(st.next_update.as_deref(), Some("03:20 UTC"));
    // The promise feeds "Customers informed?".
    let row = m
        .rows
        .iter()
        .find(|r| r.question == LoopQuestion::Customers)
        .unwrap();
    assert_eq!(row.status, RowStatus::Ok, "{row:?}");
}

#[test]
fn status_stage_selector_components_and_resolved() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('u')]);
    feed(&mut m, typed("We are investigating failed payments."));
    feed(&mut m, [code(KeyCode::Tab)]);
    feed(&mut m, typed("Retry the payment later."));
    feed(&mut m, [code(KeyCode::Tab)]);
    feed(&mut m, typed("API: partial outage"));
    feed(&mut m, [code(KeyCode::Enter)]);
    feed(&mut m, typed("Web: broken"));
    let f = status_form(&m);
    assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
    assert!(f.problems[0].starts_with("Components line 2"));
    feed(&mut m, [ctrl('s')]);
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Status })),
        "not sendable"
    );
    feed(&mut m, [ctrl('w')]);
    let line = status_form(&m).text(2);
    assert!(
        line.ends_with("Web: ") || line.ends_with("Web:"),
        "{line:?}"
    );
    feed(&mut m, typed(" major outage"));
    assert!(status_form(&m).problems.is_empty());
    // The stage slot: Shift-Tab past the message; `r` picks resolved.
    for _ in 0..3 {
        feed(&mut m, [code(KeyCode::BackTab)]);
    }
    assert_eq!(status_form(&m).focused_field(), None);
    feed(&mut m, [k('r')]);
    let f = status_form(&m);
    assert_eq!(f.stage.as_str(), "resolved");
    assert_eq!(f.text(3), "", "resolved promises no next update");
    assert_eq!(f.next_update_note, "No next update promised");
    assert!(
        !f.warnings
            .iter()
            .any(|(_, w)| w.rule == "missing-workaround"),
        "{:?}",
        f.warnings
    );
    feed(&mut m, [code(KeyCode::Left)]);
    assert_eq!(status_form(&m).stage.as_str(), "monitoring");
    assert_eq!(status_form(&m).text(3), "20m", "the default is back");
    // A paste on the stage goes nowhere.
    assert!(feed(&mut m, [Msg::Paste("x".into())]).is_empty());
    assert_eq!(status_form(&m).stage.as_str(), "monitoring");
    feed(&mut m, [ctrl('s'), k('y')]);
    assert_eq!(m.writing, 1);
}

/// Before, at 80 columns the components hint ("one per line: Name: operational | degraded
/// performance | partial") and the problem with a wrong status ("unknown component status
/// \"broken\" (expected operational, …") were both cut: the five statuses were nowhere to
/// read. Now the hint fits and a problem wraps in full.
#[test]
fn at_80_columns_a_wrong_component_status_shows_every_status_it_could_be() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('u')]);
    feed(&mut m, typed("Search is slow for some customers."));
    feed(&mut m, [code(KeyCode::Tab), code(KeyCode::Tab)]);
    let screen = screen_text(&m, Theme::colored(), 80, 24);
    let hint = "one per line: Name: status, e.g. Search: degraded performance";
    assert!(screen.contains(hint), "{screen}");
    feed(&mut m, typed("Search: broken"));
    m.flash = None;
    let screen = screen_text(&m, Theme::colored(), 80, 24);
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let problem = &status_form(&m).problems[0];
    assert!(problem.contains("under maintenance"), "{problem}");
    assert!(
        squeeze(&screen).contains(&squeeze(problem)),
        "{problem:?} not in full:\n{screen}"
    );
    assert!(!screen.contains("partial outage, …"), "{screen}");
}

#[test]
fn two_backends_the_preview_cycles_and_the_confirmation_lists_them() {
    let cfg = Config::parse(
        r#"
[[backends]]
name = "incident-chat"
kind = "slack"
url = "https://hooks.slack.example/services/T0/B0/x"
sends = ["sitrep", "announcement"]

[[backends]]
name = "statuspage"
kind = "webhook"
url = "https://status.example/hook"
secret = "whsec_test"
sends = ["status"]
"#,
        Path::new("test.toml"),
    )
    .unwrap();
    let mut m = desk_model_with(incident(), cfg);
    assert!(m.desk.backends.error.is_none(), "{:?}", m.desk.backends);
    feed(&mut m, [k('s')]);
    assert!(
        sitrep_form(&m)
            .preview
            .title
            .starts_with("incident-chat (slack) 1/1")
    );
    feed(&mut m, [ctrl('s')]);
    let Some(c) = sending(&m) else { panic!() };
    assert_eq!(c.to, vec!["incident-chat (slack)".to_string()]);
    feed(&mut m, [code(KeyCode::Esc), code(KeyCode::Esc), k('u')]);
    assert!(
        status_form(&m)
            .preview
            .title
            .starts_with("statuspage (webhook)")
    );
    // 80 columns: Ctrl-O opens the preview, then closes it past the last.
    assert!(!status_form(&m).preview_open);
    feed(&mut m, [ctrl('o')]);
    assert!(status_form(&m).preview_open);
    feed(&mut m, [ctrl('o')]);
    assert!(!status_form(&m).preview_open);
}

#[test]
fn the_sitrep_log_lists_versions_and_shows_diffs() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('L')]);
    assert_eq!(m.overlay, None);
    assert!(
        m.flash
            .as_ref()
            .unwrap()
            .text
            .contains("No sitrep sent yet")
    );
    let mut m = desk_model(with_two_sitreps());
    feed(&mut m, [k('L')]);
    assert_eq!(
        m.overlay,
        Some(Overlay::SitrepLog(SitrepLog {
            sel: 0,
            detail: false,
            scroll: 0
        }))
    );
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(matches!(
        m.overlay,
        Some(Overlay::SitrepLog(SitrepLog { detail: true, .. }))
    ));
    feed(&mut m, [code(KeyCode::Left)]);
    assert!(matches!(
        m.overlay,
        Some(Overlay::SitrepLog(SitrepLog { sel: 1, .. }))
    ));
    feed(&mut m, [code(KeyCode::Esc)]);
    assert!(matches!(
        m.overlay,
        Some(Overlay::SitrepLog(SitrepLog { detail: false, .. }))
    ));
    feed(&mut m, [code(KeyCode::Esc)]);
    assert_eq!(m.overlay, None);
}

#[test]
fn composer_keys_are_remappable_but_must_not_be_text() {
    let mut cfg = Config::default();
    cfg.keys.insert("send".into(), KeySpec::One("F5".into()));
    cfg.keys.insert("sitrep".into(), KeySpec::One("S".into()));
    let mut m = desk_model_with(incident(), cfg);
    feed(&mut m, [k('S')]);
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep }))
    );
    feed(&mut m, [ctrl('s')]);
    assert_eq!(
        m.overlay,
        Some(Overlay::Compose(Compose { kind: Kind::Sitrep })),
        "Ctrl-S is not send now"
    );
    feed(&mut m, [code(KeyCode::F(5))]);
    assert!(sending(&m).is_some());
    let mut bad = Config::default();
    bad.keys.insert("send".into(), KeySpec::One("x".into()));
    let errs = commandpost::app::validate_keys(&bad);
    assert!(
        format!("{errs:?}").contains("would type text in a composer"),
        "{errs:?}"
    );
}

#[test]
fn drafts_survive_on_disk_and_are_restored_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = desk_model(incident());
    feed(&mut m, [k('u')]);
    feed(&mut m, typed("Payments fail for some EU customers."));
    feed(&mut m, [ctrl('t')]);
    let cmds = feed(&mut m, [code(KeyCode::Esc)]);
    let [Cmd::Draft { kind, content }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    drafts::write_draft(dir.path(), *kind, content.as_deref()).unwrap();
    assert!(dir.path().join("drafts/status.toml").exists());

    // A new cockpit on the same incident.
    let mut m = desk_model(incident());
    let (drafts, errors) = drafts::read_drafts(dir.path());
    assert!(errors.is_empty(), "{errors:?}");
    m.desk.stored = drafts;
    feed(&mut m, [k('u')]);
    let f = status_form(&m);
    assert_eq!(f.text(0), "Payments fail for some EU customers.");
    assert_eq!(f.stage.as_str(), "identified");
    assert!(m.flash.as_ref().unwrap().text.contains("draft restored"));

    // Sent, but the cockpit died before deleting the draft: it is not
    // offered again, and it is deleted.
    feed(&mut m, [code(KeyCode::Tab)]);
    feed(&mut m, typed("Retry later."));
    let cmds = feed(&mut m, [code(KeyCode::Esc)]);
    let [Cmd::Draft { content, .. }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    drafts::write_draft(dir.path(), Kind::Status, content.as_deref()).unwrap();
    let cmds = feed(&mut m, [k('u'), ctrl('s'), k('y')]);
    let [Cmd::Append(p)] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    let Msg::Journaled { events: sent, .. } = journaled(&m, p.clone()) else {
        unreachable!()
    };
    let mut events = incident();
    events.extend(sent);
    let mut m = desk_model(events);
    m.desk.stored = drafts::read_drafts(dir.path()).0;
    let cmds = feed(&mut m, [k('u')]);
    assert_eq!(
        cmds,
        vec![Cmd::Draft {
            kind: Kind::Status,
            content: None
        }]
    );
    assert_eq!(status_form(&m).text(0), "", "a new message");

    drafts::write_draft(dir.path(), Kind::Status, None).unwrap();
    assert!(!dir.path().join("drafts/status.toml").exists());
    drafts::write_draft(dir.path(), Kind::Status, None).unwrap();
}

#[test]
fn quitting_writes_a_changed_draft_first() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s')]);
    feed(&mut m, typed("!"));
    feed(&mut m, [code(KeyCode::Esc)]);
    feed(&mut m, [k('s')]);
    feed(&mut m, typed("?"));
    m.overlay = None;
    let cmds = feed(&mut m, [k('q'), k('y')]);
    assert!(
        matches!(
            cmds.as_slice(),
            [
                Cmd::Draft {
                    kind: Kind::Sitrep,
                    content: Some(_)
                },
                Cmd::Quit
            ]
        ),
        "{cmds:?}"
    );
}

#[test]
fn help_lists_the_writing_keys() {
    let m = model(incident(), "Alice");
    let help = commandpost::ui::help_entries(&m);
    for (keys, what) in [
        ("s", "write a sitrep"),
        ("u", "public status update"),
        ("L", "sitrep log"),
        ("Ctrl-s", "composer: send"),
    ] {
        assert!(
            help.iter().any(|(k, d)| k == keys && d.starts_with(what)),
            "{keys} {what}: {help:?}"
        );
    }
}

/// Two sitreps sent: v1 and a v2 that changed the actions.
fn with_two_sitreps() -> Vec<Event> {
    let mut s = Script { events: incident() };
    let v1 = SitrepFields {
        summary: "Checkout API returns 502".into(),
        impact: "EU customers cannot pay".into(),
        actions: "Investigating".into(),
        needs: String::new(),
        links: vec![],
    };
    let v2 = SitrepFields {
        actions: "Failing over the primary database".into(),
        needs: "A DBA".into(),
        ..v1.clone()
    };
    let render = |f: &SitrepFields, v: u32| {
        format!(
            "{}\n\nImpact: {}\n\nActions: {}\n{}\nIC: Alice\nComms: Keiko\nNoah, Greg\n(v{v})",
            f.summary,
            f.impact,
            f.actions,
            if f.needs.is_empty() {
                String::new()
            } else {
                format!("\nNeeds: {}\n", f.needs)
            }
        )
    };
    for (mins, v, f, by) in [(12, 1, &v1, "Alice"), (4, 2, &v2, "Keiko")] {
        s.at(
            mins,
            by,
            Payload::SitrepSent {
                version: v,
                fields: f.clone(),
                rendered: render(f, v),
                ic: Some("Alice".into()),
                comms: Some("Keiko".into()),
                responders: vec!["Noah".into(), "Greg".into()],
                groups: vec!["database".into()],
            },
        );
    }
    s.events
}

// ----- snapshots ----------------------------------------------------------------

macro_rules! snap {
    ($name:expr, $model:expr, $w:expr, $h:expr) => {
        let mut m = $model.clone();
        update(&mut m, Msg::Resize($w, $h));
        let t = draw(&m, Theme::colored(), $w, $h);
        insta::assert_snapshot!($name, t.backend());
    };
}

#[test]
fn snapshots_sitrep_composer() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('s'), code(KeyCode::Tab), code(KeyCode::Tab)]);
    feed(
        &mut m,
        [Msg::Paste(
            "Rolled back deploy 4711.\nDraining eu-west-1; it should be fixed in 30 minutes."
                .into(),
        )],
    );
    m.flash = None;
    snap!("sitrep_composer_80x24", m, 80, 24);
    snap!("sitrep_composer_160x48", m, 160, 48);
    let mut narrow = m.clone();
    feed(&mut narrow, [ctrl('o')]);
    narrow.flash = None;
    snap!("sitrep_composer_preview_80x24", narrow, 80, 24);
    feed(&mut m, [ctrl('s')]);
    snap!("sitrep_confirm_80x24", m, 80, 24);
}

#[test]
fn snapshots_status_composer() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('u')]);
    feed(
        &mut m,
        typed("Payments fail. The root cause is a bug in the vendor API; fixed in 30 minutes."),
    );
    feed(&mut m, [code(KeyCode::Tab), code(KeyCode::Tab)]);
    feed(
        &mut m,
        [Msg::Paste(
            "API: partial outage\nCheckout: major outage".into(),
        )],
    );
    m.flash = None;
    snap!("status_composer_80x24", m, 80, 24);
    snap!("status_composer_160x48", m, 160, 48);
    feed(&mut m, [ctrl('s')]);
    snap!("status_confirm_80x24", m, 80, 24);
    snap!("status_confirm_160x48", m, 160, 48);
}

#[test]
fn snapshots_sitrep_log_and_diff() {
    let mut m = desk_model(with_two_sitreps());
    feed(&mut m, [k('L')]);
    snap!("sitrep_log_80x24", m, 80, 24);
    snap!("sitrep_log_160x48", m, 160, 48);
    feed(&mut m, [code(KeyCode::Enter)]);
    snap!("sitrep_diff_80x24", m, 80, 24);
    snap!("sitrep_diff_160x48", m, 160, 48);
}

#[test]
fn no_color_composer_keeps_the_marks() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('u')]);
    feed(&mut m, typed("Fixed in 30 minutes."));
    m.flash = None;
    let t = draw(&m, Theme::no_color(), 80, 24);
    // The offending words are underlined where they stand (row 3: the
    // message), not the rest of the line.
    let buf = t.backend().buffer();
    let underlined = |x: u16| {
        buf[(x, 3)]
            .modifier
            .contains(ratatui::style::Modifier::UNDERLINED)
    };
    let row: String = (0..80).map(|x| buf[(x, 3)].symbol().to_string()).collect();
    assert!(row.starts_with("  Fixed in 30 minutes."), "{row:?}");
    assert!(underlined(2) && underlined(20), "{buf:?}");
    assert!(!underlined(21) && !underlined(30));
    let text = format!("{:?}", t.backend());
    assert!(text.contains("▶ Message ⚠"), "{text}");
    assert!(text.contains("⚠ Message: “Fixed in 30 minutes”"), "{text}");
}

/// A confirmation taller than the terminal (many lint warnings and a destination at 80x24):
/// its question and `y`/`n` keys keep the box's last rows, whatever is cut above them.
#[test]
fn a_confirmation_taller_than_the_screen_still_shows_its_question_and_keys() {
    let mut m = desk_model(incident());
    feed(&mut m, [k('u')]);
    feed(
        &mut m,
        typed(
            "Payments fail. The root cause is a bug in the vendor API; fixed in 30 minutes. \
             AWS is to blame. It will be resolved by 17:00. Caused by a bad deploy from Bob. \
             Should be back within the hour. We believe the cause is the CDN.",
        ),
    );
    feed(&mut m, [ctrl('s')]);
    let c = sending(&m).unwrap_or_else(|| panic!("{:?}", m.overlay));
    // More rows of warnings (each wraps to two at 80 columns) than the screen has.
    assert!(c.warnings.len() >= 7, "{:?}", c.warnings);
    for h in [24, 30] {
        let mut m = m.clone();
        update(&mut m, Msg::Resize(80, h));
        let s = ui_common::screen_text(&m, Theme::colored(), 80, h);
        assert!(s.contains("Post anyway?"), "80x{h}:\n{s}");
        assert!(s.contains("y/Enter send"), "80x{h}:\n{s}");
        assert!(s.contains("n/Esc back to the draft"), "80x{h}:\n{s}");
    }
}
