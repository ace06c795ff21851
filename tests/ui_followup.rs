//! The cockpit's delivery and follow-up flows as `update()` tables (keys and executor answers
//! in, model and commands out, fixed `now`) and render snapshots: the deliveries overlay with a
//! failed row, the rotation view, the cleanup checklist, a pending hand-off.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

mod ui_common;

use commandpost::app::deliveries::{OutboxCmd, OutboxMsg};
use commandpost::app::intent::Intent;
use commandpost::app::model::Model;
use commandpost::app::overlay::Overlay;
use commandpost::app::overlay::brief::Brief;
use commandpost::app::overlay::cleanup::{Cleanup, Skip};
use commandpost::app::overlay::confirm::Confirm;
use commandpost::app::overlay::deliveries::DeliveryList;
use commandpost::app::overlay::postmortem::Postmortem;
use commandpost::app::overlay::rotation::Rotation;
use commandpost::app::{Cmd, Msg, update};
use commandpost::config::{Config, KnownPerson};
use commandpost::domain::event::{FORMAT_VERSION, Severity};
use commandpost::domain::outbound::{
    AttemptResult, MessageKind, OutboundMessage, OutboxEvent, PageAction,
};
use commandpost::domain::{Event, Payload, Role};
use commandpost::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
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

/// The executor's answer to an append: the event on disk, by `actor`.
fn journaled(m: &Model, actor: &str, payload: Payload, own: bool) -> Msg {
    let seq = next_seq(m);
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

fn next_seq(m: &Model) -> u64 {
    m.inc
        .as_ref()
        .map_or(1, |i| i.last_seq.max(m.deliveries.last_seq) + 1)
}

/// Answers every `Append` in `cmds` as the executor would; returns the commands that follow.
fn answer(m: &mut Model, cmds: Vec<Cmd>) -> Vec<Cmd> {
    let mut out = Vec::new();
    for c in cmds {
        match c {
            Cmd::Append(p) => {
                let actor = m.actor.clone();
                let msg = journaled(m, &actor, p, true);
                let next = update(m, msg);
                out.extend(answer(m, next));
            }
            other => out.push(other),
        }
    }
    out
}

fn appends(cmds: &[Cmd]) -> Vec<Payload> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Append(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

/// The one road to the outbox: an announcement as the cockpit queues it.
fn announce(m: &Model, text: &str) -> Cmd {
    Cmd::Outbox(OutboxCmd::Send {
        msg: commandpost::delivery::setup::announcement(m.inc.as_ref().unwrap(), text, ""),
        only: None,
    })
}

/// The pages among the messages queued.
fn pages(cmds: &[Cmd]) -> Vec<OutboundMessage> {
    sends(cmds)
        .into_iter()
        .filter(|m| m.kind == MessageKind::Page)
        .collect()
}

fn sends(cmds: &[Cmd]) -> Vec<OutboundMessage> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Outbox(OutboxCmd::Send { msg, .. }) => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

fn flash(m: &Model) -> String {
    m.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default()
}

fn outbox_event(seq: u64, mins_ago: i64, o: OutboxEvent) -> Event {
    Event {
        v: FORMAT_VERSION,
        seq,
        ts: now() - SignedDuration::from_mins(mins_ago),
        actor: "Alice".into(),
        payload: Payload::Outbox(o),
        rep: Default::default(),
    }
}

fn message(kind: MessageKind, headline: &str) -> OutboundMessage {
    OutboundMessage {
        id: String::new(),
        incident_id: "INC-20261120-1850".into(),
        incident_title: "Checkout API returns 502".into(),
        severity: "major".into(),
        kind,
        headline: headline.into(),
        body: String::new(),
        mention_all: headline.starts_with("@all"),
        status: None,
        page: None,
        test: false,
    }
}

/// An incident with three messages: an announcement delivered to two backends, a page that
/// failed on pagerduty, a sitrep retrying on slack.
fn with_deliveries() -> Vec<Event> {
    let mut events = Script::open(60, "Checkout API returns 502", "Alice").events;
    let mut seq = events.len() as u64;
    let mut push = |mins: i64, o: OutboxEvent| {
        seq += 1;
        events.push(outbox_event(seq, mins, o));
    };
    push(
        50,
        OutboxEvent::Queued {
            message: Box::new(message(MessageKind::Announcement, "@all: Incident Major")),
            backends: vec!["incident-room".into(), "outbox-file".into()],
        },
    );
    for b in ["incident-room", "outbox-file"] {
        push(
            50,
            OutboxEvent::Outcome {
                message: "INC-20261120-1850.m2".into(),
                backend: b.into(),
                attempt: 1,
                result: AttemptResult::Delivered {
                    detail: "HTTP 200".into(),
                    remote_ref: None,
                },
            },
        );
    }
    let mut page = message(
        MessageKind::Page,
        "[major] INC-20261120-1850: checkout down",
    );
    page.page = Some(PageAction::Trigger {
        summary: page.headline.clone(),
        severity: "critical".into(),
    });
    push(
        40,
        OutboxEvent::Queued {
            message: Box::new(page),
            backends: vec!["pagerduty".into()],
        },
    );
    push(
        40,
        OutboxEvent::Outcome {
            message: "INC-20261120-1850.m5".into(),
            backend: "pagerduty".into(),
            attempt: 1,
            result: AttemptResult::Failed {
                reason: "pagerduty (events.pagerduty.com): HTTP 400: Invalid routing key".into(),
            },
        },
    );
    push(
        2,
        OutboxEvent::Queued {
            message: Box::new(message(MessageKind::Sitrep, "Sitrep v3")),
            backends: vec!["incident-room".into()],
        },
    );
    push(
        1,
        OutboxEvent::Outcome {
            message: "INC-20261120-1850.m7".into(),
            backend: "incident-room".into(),
            attempt: 2,
            result: AttemptResult::Retrying {
                reason: "incident-room (hooks.slack.com): HTTP 503".into(),
                retry_at: now() + SignedDuration::from_secs(12),
                parts_done: 0,
            },
        },
    );
    events
}

#[test]
fn deliveries_view_counts_and_lists_every_message_per_backend() {
    let m = model(with_deliveries(), "Alice");
    assert_eq!((m.deliveries_pending, m.deliveries_failed), (1, 1));
    let rows = m.deliveries.rows();
    let labels: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.row.backend.clone(), r.row.status.label(m.now)))
        .collect();
    assert_eq!(
        labels,
        [
            (
                "incident-room".to_string(),
                "retrying in 12s: incident-room (hooks.slack.com): HTTP 503".to_string()
            ),
            (
                "pagerduty".into(),
                "failed: pagerduty (events.pagerduty.com): HTTP 400: Invalid routing key".into()
            ),
            ("incident-room".into(), "delivered".into()),
            ("outbox-file".into(), "delivered".into()),
        ]
    );
}

#[test]
fn outbox_events_from_both_streams_are_folded_once() {
    let mut m = model(new_incident(), "Alice");
    let q = outbox_event(
        2,
        0,
        OutboxEvent::Queued {
            message: Box::new(message(MessageKind::Announcement, "@all: x")),
            backends: vec!["outbox-file".into()],
        },
    );
    let a = outbox_event(
        3,
        0,
        OutboxEvent::Attempt {
            message: "INC-20261120-1850.m2".into(),
            backend: "outbox-file".into(),
            attempt: 1,
        },
    );
    let o = outbox_event(
        4,
        0,
        OutboxEvent::Outcome {
            message: "INC-20261120-1850.m2".into(),
            backend: "outbox-file".into(),
            attempt: 1,
            result: AttemptResult::Delivered {
                detail: "appended".into(),
                remote_ref: None,
            },
        },
    );
    // The outbox's stream first, then the journal poll with the same events.
    feed(
        &mut m,
        [Msg::Outbox(OutboxMsg::Events(vec![q.clone(), a.clone()]))],
    );
    assert_eq!(m.deliveries_pending, 1);
    feed(&mut m, [Msg::Outbox(OutboxMsg::Events(vec![o.clone()]))]);
    assert_eq!(m.deliveries_pending, 0);
    feed(
        &mut m,
        [Msg::Journaled {
            events: vec![q, a, o],
            own: false,
        }],
    );
    assert_eq!(m.deliveries_pending, 0, "the older attempt is not replayed");
    assert_eq!(m.deliveries.rows().len(), 1);
    assert_eq!(m.events.len(), 4, "the timeline still gets them");
}

#[test]
fn retry_and_drop_a_failed_delivery_with_confirmation() {
    let mut m = model(with_deliveries(), "Alice");
    assert!(feed(&mut m, [k('D')]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Deliveries(DeliveryList { sel: 0 }))
    );
    // The retrying sitrep cannot be retried (it is not failed).
    feed(&mut m, [k('r')]);
    assert!(
        flash(&m).contains("only a failed or dropped"),
        "{}",
        flash(&m)
    );
    // The failed page: retry asks first.
    feed(&mut m, [code(KeyCode::Down), k('r')]);
    let Some(Overlay::Confirm(Confirm { intent, prompt, .. })) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    assert!(prompt.starts_with("Retry page"), "{prompt}");
    assert_eq!(
        *intent,
        Intent::Retry {
            message: "INC-20261120-1850.m5".into(),
            backend: "pagerduty".into()
        }
    );
    // n changes nothing and goes back to the list.
    assert!(feed(&mut m, [k('n')]).is_empty());
    assert_eq!(
        m.overlay,
        Some(Overlay::Deliveries(DeliveryList { sel: 1 }))
    );
    feed(&mut m, [k('r')]);
    let cmds = feed(&mut m, [k('y')]);
    assert_eq!(
        cmds,
        [Cmd::Outbox(OutboxCmd::Retry {
            message: "INC-20261120-1850.m5".into(),
            backend: "pagerduty".into()
        })]
    );
    assert_eq!(
        m.overlay,
        Some(Overlay::Deliveries(DeliveryList { sel: 1 }))
    );
    // Drop, confirmed.
    feed(&mut m, [k('x')]);
    assert!(matches!(
        &m.overlay,
        Some(Overlay::Confirm(Confirm { prompt, .. })) if prompt.contains("It will not be sent")
    ));
    let cmds = feed(&mut m, [code(KeyCode::Enter)]);
    assert_eq!(
        cmds,
        [Cmd::Outbox(OutboxCmd::Drop {
            message: "INC-20261120-1850.m5".into(),
            backend: "pagerduty".into()
        })]
    );
    // A delivered one cannot be dropped; Esc closes.
    feed(&mut m, [code(KeyCode::Down), k('x')]);
    assert!(flash(&m).contains("nothing to drop"), "{}", flash(&m));
    feed(&mut m, [code(KeyCode::Esc)]);
    assert_eq!(m.overlay, None);
    // What the executor answers shows in the status line.
    feed(
        &mut m,
        [Msg::Outbox(OutboxMsg::Failed(
            "cannot retry: no message".into(),
        ))],
    );
    assert!(m.flash.as_ref().is_some_and(|f| f.error));
}

#[test]
fn page_is_typed_confirmed_and_queued() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('p')]);
    assert!(matches!(m.overlay, Some(Overlay::Page(_))));
    // An empty summary is refused and the field stays open.
    feed(&mut m, [code(KeyCode::Enter)]);
    assert!(flash(&m).contains("cannot be empty"));
    assert!(matches!(m.overlay, Some(Overlay::Page(_))));
    feed(&mut m, typed("checkout down in EU"));
    assert!(
        feed(&mut m, [code(KeyCode::Enter)]).is_empty(),
        "asks first"
    );
    let Some(Overlay::Confirm(Confirm { prompt, detail, .. })) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    // With no backend configured, the default file backend takes everything.
    assert_eq!(prompt, "Page through outbox-file?");
    assert_eq!(detail[0], "Page: checkout down in EU");
    let msgs = sends(&feed(&mut m, [k('y')]));
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].kind, MessageKind::Page);
    assert!(matches!(
        &msgs[0].page,
        Some(PageAction::Trigger { severity, .. }) if severity == "error"
    ));
    assert_eq!(m.overlay, None);
    // Esc cancels without a command.
    feed(&mut m, [k('p')]);
    feed(&mut m, typed("x"));
    assert!(feed(&mut m, [code(KeyCode::Esc)]).is_empty());
    assert!(flash(&m).contains("nobody paged"));
}

#[test]
fn page_is_refused_when_no_backend_sends_pages() {
    let mut cfg = Config::default();
    let t: toml::Table = toml::from_str(
        r#"name = "room"
kind = "slack"
url = "https://hooks.slack.com/services/x"
sends = ["sitrep", "announcement"]"#,
    )
    .unwrap();
    cfg.backends.push(t);
    let mut m = model_with(new_incident(), "Alice", cfg);
    feed(&mut m, [k('p')]);
    assert_eq!(m.overlay, None);
    assert!(
        flash(&m).contains("no backend sends pages"),
        "{}",
        flash(&m)
    );
}

#[test]
fn announcements_go_through_the_outbox() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('3')]);
    let cmds = feed(&mut m, [k('y')]);
    let after = answer(&mut m, cmds);
    // The executor queues it in the outbox (see the e2e tests and the courier test).
    assert_eq!(after, [announce(&m, "@all: Incident Major")]);
}

#[test]
#[expect(
    clippy::cognitive_complexity,
    reason = "one end-to-end scenario, step by step"
)]
fn resolve_opens_cleanup_resolves_the_page_and_ticks_to_closed() {
    let mut m = model(with_deliveries(), "Alice");
    assert!(m.deliveries.page_open());
    feed(&mut m, [k('R')]);
    let cmds = feed(&mut m, [k('y')]);
    assert_eq!(
        appends(&cmds),
        [Payload::StateChanged {
            from: Severity::Investigating,
            to: Severity::Resolved
        }]
    );
    let after = answer(&mut m, cmds);
    // The state change is announced, the page resolved, the cleanup list journaled.
    assert_eq!(after[0], announce(&m, "@all: Incident Resolved"));
    let msgs = pages(&after);
    let heads: Vec<&str> = msgs.iter().map(|m| m.headline.as_str()).collect();
    assert_eq!(heads, ["Page resolved"]);
    assert_eq!(msgs[0].page, Some(PageAction::Resolve));
    let inc = m.inc.clone().unwrap();
    assert!(inc.followup.cleanup.opened_at.is_some());
    assert_eq!(m.overlay, Some(Overlay::Cleanup(Cleanup::at(0))));
    assert!(!inc.closed());

    // Space ticks the selected item and moves on.
    let cmds = feed(&mut m, [k(' ')]);
    assert_eq!(
        appends(&cmds),
        [Payload::CleanupItemDone {
            item: "Silenced alerts restored".into(),
            note: None
        }]
    );
    answer(&mut m, cmds);
    assert_eq!(m.overlay, Some(Overlay::Cleanup(Cleanup::at(1))));
    // Ticking a done item again is refused.
    feed(&mut m, [code(KeyCode::Up), k(' ')]);
    assert!(flash(&m).contains("already done"), "{}", flash(&m));
    // s asks why; an empty reason is refused.
    feed(&mut m, [code(KeyCode::Down), k('s')]);
    assert!(matches!(
        &m.overlay,
        Some(Overlay::Cleanup(Cleanup { skipping: Some(Skip { item, .. }), .. })) if item == "Maintenance modes off"
    ));
    assert!(feed(&mut m, [code(KeyCode::Enter)]).is_empty());
    assert!(flash(&m).contains("needs a reason"), "{}", flash(&m));
    feed(&mut m, typed("none were set"));
    let cmds = feed(&mut m, [code(KeyCode::Enter)]);
    assert_eq!(
        appends(&cmds),
        [Payload::CleanupItemSkipped {
            item: "Maintenance modes off".into(),
            reason: "none were set".into()
        }]
    );
    answer(&mut m, cmds);
    for _ in 0..2 {
        let cmds = feed(&mut m, [k(' ')]);
        answer(&mut m, cmds);
    }
    assert!(m.inc.as_ref().unwrap().closed());
    assert!(flash(&m).contains("closed"), "{}", flash(&m));
    // Esc closes; C opens it again.
    feed(&mut m, [code(KeyCode::Esc)]);
    assert_eq!(m.overlay, None);
    feed(&mut m, [k('C')]);
    assert!(matches!(m.overlay, Some(Overlay::Cleanup(_))));
}

#[test]
fn resolving_without_a_page_sends_no_page_and_uses_configured_items() {
    let mut cfg = Config::default();
    cfg.cleanup.items = vec!["Feature flag off".into(), "Status page closed".into()];
    let mut m = model_with(new_incident(), "Alice", cfg);
    feed(&mut m, [k('R')]);
    let cmds = feed(&mut m, [k('y')]);
    let after = answer(&mut m, cmds);
    assert!(pages(&after).is_empty(), "no page to resolve");
    assert_eq!(after, [announce(&m, "@all: Incident Resolved")]);
    assert_eq!(
        m.inc.as_ref().unwrap().followup.cleanup.items,
        ["Feature flag off", "Status page closed"]
    );
}

#[test]
fn cleanup_before_resolving_only_previews() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('C')]);
    assert!(matches!(m.overlay, Some(Overlay::Cleanup(_))));
    assert!(feed(&mut m, [k(' ')]).is_empty());
    assert!(flash(&m).contains("opens when the incident is resolved"));
}

fn ack_config() -> Config {
    let mut cfg = Config::default();
    cfg.handoff.require_ack = true;
    cfg
}

#[test]
#[expect(
    clippy::cognitive_complexity,
    reason = "one end-to-end scenario, step by step"
)]
fn handoff_with_require_ack_proposes_with_a_brief_and_announces_only_on_ack() {
    let mut m = model_with(with_deliveries(), "Alice", ack_config());
    feed(&mut m, [k('h'), code(KeyCode::Enter)]);
    feed(&mut m, typed("Ricardo"));
    feed(&mut m, [code(KeyCode::Enter)]);
    let Some(Overlay::Confirm(Confirm { prompt, detail, .. })) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    assert!(prompt.contains("Ricardo must acknowledge"), "{prompt}");
    let announces = detail.iter().find(|d| d.text.starts_with("Announces:"));
    assert_eq!(announces, None, "nothing is announced yet");
    let cmds = feed(&mut m, [k('y')]);
    let proposed = appends(&cmds);
    let [
        Payload::HandoffProposed {
            role, to, brief, ..
        },
    ] = proposed.as_slice()
    else {
        panic!("{cmds:?}")
    };
    assert_eq!((role, to.as_str()), (&Role::Ic, "Ricardo"));
    assert!(
        brief.starts_with("Hand-off brief: INC-20261120-1850"),
        "{brief}"
    );
    assert!(
        brief.contains("pagerduty: failed: pagerduty (events.pagerduty.com): HTTP 400"),
        "pending and failed deliveries are in the brief:\n{brief}"
    );
    assert!(
        brief.contains("Open checklist rows:\n  - "),
        "open checklist rows are in the brief:\n{brief}"
    );
    let brief = brief.clone();
    let after = answer(&mut m, cmds);
    assert!(sends(&after).is_empty(), "no announcement before the ack");
    let inc = m.inc.clone().unwrap();
    assert_eq!(inc.ic().map(|h| h.name.as_str()), Some("Alice"));
    assert!(matches!(&m.overlay, Some(Overlay::Brief(Brief { to, .. })) if to == "Ricardo"));
    // Alice cannot acknowledge for Ricardo: A shows the pending brief, where x withdraws.
    feed(&mut m, [code(KeyCode::Esc), k('A')]);
    assert!(flash(&m).contains("waits for Ricardo"), "{}", flash(&m));
    assert!(matches!(&m.overlay, Some(Overlay::Brief(Brief { .. }))));
    assert!(
        feed(&mut m, [k('A')]).is_empty(),
        "A does nothing for Alice"
    );
    feed(&mut m, [k('x')]);
    assert!(matches!(
        &m.overlay,
        Some(Overlay::Confirm(Confirm { prompt, .. })) if prompt == "Withdraw the hand-off of IC to Ricardo?"
    ));
    let cmds = feed(&mut m, [k('n'), code(KeyCode::Esc)]);
    assert!(cmds.is_empty());

    // Ricardo's cockpit: the proposal arrives from the journal and shows the brief.
    let events = m.events.clone();
    let mut r = model_with(events[..events.len() - 1].to_vec(), "Ricardo", ack_config());
    let last = events.last().cloned().unwrap();
    feed(
        &mut r,
        [Msg::Journaled {
            events: vec![last],
            own: false,
        }],
    );
    assert!(matches!(&r.overlay, Some(Overlay::Brief(Brief { text, .. })) if *text == brief));
    assert!(flash(&r).contains("A acknowledges"), "{}", flash(&r));
    feed(&mut r, [k('A')]);
    let Some(Overlay::Confirm(Confirm { prompt, detail, .. })) = &r.overlay else {
        panic!("{:?}", r.overlay)
    };
    assert_eq!(prompt, "Take over IC from Alice?");
    assert!(detail[0].text.contains("@all: IC -> Ricardo"));
    let cmds = feed(&mut r, [k('y')]);
    assert_eq!(
        appends(&cmds),
        [Payload::HandoffAcknowledged {
            role: Role::Ic,
            by: "Ricardo".into()
        }]
    );
    let after = answer(&mut r, cmds);
    let msgs = sends(&after);
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].headline, "@all: IC -> Ricardo");
    assert_eq!(msgs[0].body, brief, "the brief goes with the announcement");
    assert_eq!(
        r.inc.as_ref().unwrap().ic().map(|h| h.name.as_str()),
        Some("Ricardo")
    );

    // Back on Alice's side, withdrawing instead: journaled, nothing announced.
    feed(&mut m, [k('A'), k('x')]);
    let cmds = feed(&mut m, [k('y')]);
    assert_eq!(
        appends(&cmds),
        [Payload::HandoffCancelled {
            role: Role::Ic,
            reason: None
        }]
    );
    let after = answer(&mut m, cmds);
    assert!(after.is_empty(), "{after:?}");
    assert!(m.inc.as_ref().unwrap().followup.pending_handoffs.is_empty());
}

#[test]
fn acknowledge_key_without_a_pending_handoff_says_so() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('A')]);
    assert_eq!(m.overlay, None);
    assert_eq!(flash(&m), "no hand-off is waiting for Alice");
}

#[test]
fn rotation_view_opens_and_closes() {
    let mut m = model(twelve(), "José");
    feed(&mut m, [k('o')]);
    assert_eq!(m.overlay, Some(Overlay::Rotation(Rotation { scroll: 0 })));
    feed(&mut m, [code(KeyCode::Down), code(KeyCode::Down)]);
    assert_eq!(m.overlay, Some(Overlay::Rotation(Rotation { scroll: 2 })));
    feed(&mut m, [code(KeyCode::Esc)]);
    assert_eq!(m.overlay, None);
}

#[test]
fn postmortem_is_asked_of_the_executor_and_shown() {
    let mut m = model(new_incident(), "Alice");
    let cmds = feed(&mut m, [k('P')]);
    assert_eq!(cmds, [Cmd::Postmortem { tz: None }]);
    feed(
        &mut m,
        [Msg::Postmortem(Ok((
            "/data/incidents/INC-1/postmortem.md".into(),
            "# Post-mortem\n".into(),
        )))],
    );
    assert!(
        matches!(&m.overlay, Some(Overlay::Postmortem(Postmortem { path, .. })) if path.ends_with("postmortem.md"))
    );
    assert_eq!(
        flash(&m),
        "Post-mortem draft written to /data/incidents/INC-1/postmortem.md"
    );
    feed(&mut m, [code(KeyCode::PageDown), code(KeyCode::Esc)]);
    assert_eq!(m.overlay, None);
    feed(&mut m, [Msg::Postmortem(Err("disk full".into()))]);
    assert!(flash(&m).contains("NOT written: disk full"));
}

#[test]
fn quitting_mentions_pending_deliveries() {
    let mut m = model(with_deliveries(), "Alice");
    feed(&mut m, [k('q')]);
    let Some(Overlay::Confirm(Confirm { prompt, .. })) = &m.overlay else {
        panic!()
    };
    assert!(
        prompt.contains("1 delivery is pending: resumed on the next start"),
        "{prompt}"
    );
}

// Snapshots.

macro_rules! snap {
    ($name:expr, $model:expr, $w:expr, $h:expr) => {
        let t = draw(&$model, Theme::colored(), $w, $h);
        insta::assert_snapshot!($name, t.backend());
    };
}

#[test]
fn snapshot_deliveries_overlay_with_a_failed_row() {
    let mut m = model(with_deliveries(), "Alice");
    feed(&mut m, [k('D'), code(KeyCode::Down)]);
    snap!("deliveries_100x30", m, 100, 30);
    snap!("deliveries_80x24", m, 80, 24);
}

#[test]
fn snapshot_rotation_view() {
    let mut cfg = Config::default();
    cfg.people.push(KnownPerson {
        name: "Ricardo".into(),
        handle: None,
        team: Some("payments".into()),
        contact: None,
        matrix: None,
    });
    cfg.rotation.roles = vec!["ops:database".into()];
    let mut m = model_with(twelve(), "José", cfg);
    feed(&mut m, [k('o')]);
    snap!("rotation_120x40", m, 120, 40);
    snap!("rotation_80x24", m, 80, 24);
}

#[test]
fn snapshot_cleanup_checklist() {
    let mut m = model(new_incident(), "Alice");
    feed(&mut m, [k('R')]);
    let cmds = feed(&mut m, [k('y')]);
    answer(&mut m, cmds);
    let cmds = feed(&mut m, [k(' ')]);
    answer(&mut m, cmds);
    feed(&mut m, [k('s')]);
    feed(&mut m, typed("no maintenance mode was set"));
    let cmds = feed(&mut m, [code(KeyCode::Enter)]);
    answer(&mut m, cmds);
    snap!("cleanup_100x30", m, 100, 30);
    feed(&mut m, [k('s')]);
    feed(&mut m, typed("EU monitors still red"));
    snap!("cleanup_skip_reason_100x30", m, 100, 30);
}

#[test]
fn snapshot_pending_handoff() {
    let mut m = model_with(new_incident(), "Alice", ack_config());
    feed(&mut m, [k('h'), code(KeyCode::Enter)]);
    feed(&mut m, typed("Ricardo"));
    feed(&mut m, [code(KeyCode::Enter)]);
    let cmds = feed(&mut m, [k('y')]);
    answer(&mut m, cmds);
    snap!("handoff_brief_100x30", m, 100, 30);
    feed(&mut m, [code(KeyCode::Esc)]);
    snap!("handoff_pending_roster_100x30", m, 100, 30);
}

// The executor's side, for real: a courier on a runtime, a journal in a temp dir.

mod courier {
    use super::*;
    use commandpost::delivery::outbox::DeliveryStatus;
    use commandpost::journal::Store;
    use commandpost::shell::real::Courier;
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    /// Feeds what the courier sends back into the model until `done(model)`.
    fn pump(
        m: &mut Model,
        rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>,
        what: &str,
        done: impl Fn(&Model) -> bool,
    ) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(m) {
            match rx.try_recv() {
                Ok(msg) => {
                    update(m, msg);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:?}",
                m.deliveries.rows()
            );
        }
    }

    /// A server on 127.0.0.1 that answers every request with HTTP 400.
    fn refusing_server() -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let mut buf = [0u8; 4096];
                let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
                let _ = s.read(&mut buf);
                let body = "invalid_payload";
                let _ = write!(
                    s,
                    "HTTP/1.1 400 Bad Request\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        port
    }

    #[test]
    fn queues_delivers_retries_and_drops_with_events_streamed_back() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let (_j, _) = store
            .create("Checkout API returns 502", "Alice", now())
            .unwrap();
        let id = store.current().unwrap().unwrap();
        let port = refusing_server();
        let mut cfg = Config::default();
        for t in [
            format!(
                "name = \"room\"\nkind = \"slack\"\nurl = \"http://127.0.0.1:{port}/hook\"\nsends = [\"announcement\"]"
            ),
            format!(
                "name = \"notes\"\nkind = \"file\"\npath = \"{}/notes-{{incident}}.md\"\nsends = [\"announcement\", \"page\"]",
                dir.path().display()
            ),
        ] {
            cfg.backends.push(toml::from_str(&t).unwrap());
        }
        let (opened, _) = store.open(&id).unwrap();
        let mut m = model_with(opened.events, "Alice", cfg.clone());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut c = Courier::new(rt.handle().clone(), &cfg, dir.path(), "Alice", tx);
        c.open(&store.journal_path(&id));
        let inc = m.inc.clone().unwrap();
        let msg = commandpost::delivery::setup::announcement(&inc, "@all: Incident Major", "");
        let done = c.run(OutboxCmd::Send { msg, only: None });
        assert_eq!(
            done,
            OutboxMsg::Done("Queued announcement \"@all: Incident Major\" for notes, room".into())
        );
        pump(&mut m, &mut rx, "delivered to notes, failed on room", |m| {
            m.deliveries_failed == 1 && m.deliveries_pending == 0
        });
        let rows = m.deliveries.rows();
        let by = |b: &str| rows.iter().find(|r| r.row.backend == b).unwrap().clone();
        assert!(matches!(
            by("notes").row.status,
            DeliveryStatus::Delivered { .. }
        ));
        let DeliveryStatus::Failed { reason } = by("room").row.status else {
            panic!("{:?}", by("room"))
        };
        assert!(reason.contains("HTTP 400"), "{reason}");
        let file = std::fs::read_to_string(dir.path().join(format!("notes-{id}.md"))).unwrap();
        assert!(file.contains("@all: Incident Major"), "{file}");

        // Retry: requeued, attempted again, failed again (a 400 is not retried by itself).
        let message = by("room").row.message;
        let r = c.run(OutboxCmd::Retry {
            message: message.clone(),
            backend: "room".into(),
        });
        assert!(
            matches!(r, OutboxMsg::Done(ref t) if t.starts_with("Retrying")),
            "{r:?}"
        );
        pump(&mut m, &mut rx, "a second failed attempt", |m| {
            m.deliveries
                .state
                .delivery(&message, "room")
                .is_some_and(|d| {
                    d.attempts == 2 && matches!(d.status, DeliveryStatus::Failed { .. })
                })
        });
        // Drop: the IC gives up; nothing is pending or failed any more.
        let r = c.run(OutboxCmd::Drop {
            message: message.clone(),
            backend: "room".into(),
        });
        assert!(matches!(r, OutboxMsg::Done(_)), "{r:?}");
        pump(&mut m, &mut rx, "dropped", |m| {
            m.deliveries_failed == 0
                && m.deliveries
                    .state
                    .delivery(&message, "room")
                    .map(|d| &d.status)
                    == Some(&DeliveryStatus::Dropped)
        });
        // Unknown message: said, not panicked.
        let r = c.run(OutboxCmd::Retry {
            message: "nope".into(),
            backend: "room".into(),
        });
        assert!(
            matches!(r, OutboxMsg::Failed(ref t) if t.contains("no message")),
            "{r:?}"
        );
        rt.shutdown_timeout(Duration::from_millis(200));
    }

    #[test]
    fn what_was_queued_before_the_start_resumes_when_the_outbox_opens() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.create("Disk alarms", "Alice", now()).unwrap();
        let id = store.current().unwrap().unwrap();
        // Queued by an earlier process that died before delivering.
        let ob = commandpost::delivery::Outbox::open(&store.journal_path(&id), Vec::new(), "Alice")
            .unwrap();
        let (_, inc) = store.open(&id).unwrap();
        let msg = commandpost::delivery::setup::announcement(&inc, "@all: Incident Confirmed", "");
        ob.queue_to(msg, vec!["outbox-file".into()]).unwrap();
        drop(ob);
        let (opened, _) = store.open(&id).unwrap();
        let mut m = model(opened.events, "Alice");
        assert_eq!(m.deliveries_pending, 1);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut c = Courier::new(
            rt.handle().clone(),
            &Config::default(),
            dir.path(),
            "Alice",
            tx,
        );
        c.open(&store.journal_path(&id));
        pump(&mut m, &mut rx, "the resumed delivery", |m| {
            m.deliveries_pending == 0 && m.deliveries_failed == 0
        });
        let out = std::fs::read_to_string(store.outbox_file(&id)).unwrap();
        assert!(out.contains("@all: Incident Confirmed"), "{out}");
        rt.shutdown_timeout(Duration::from_millis(200));
    }

    #[test]
    fn backends_that_cannot_be_built_still_get_their_messages_queued() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.create("Disk alarms", "Alice", now()).unwrap();
        let id = store.current().unwrap().unwrap();
        let mut cfg = Config::default();
        cfg.backends.push(
            toml::from_str(
                "name = \"room\"\nkind = \"slack\"\nurl = \"env:COMMANDPOST_TEST_SURELY_UNSET_42\"\nsends = [\"announcement\"]",
            )
            .unwrap(),
        );
        let (opened, _) = store.open(&id).unwrap();
        let mut m = model_with(opened.events, "Alice", cfg.clone());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut c = Courier::new(rt.handle().clone(), &cfg, dir.path(), "Alice", tx);
        c.open(&store.journal_path(&id));
        let Ok(Msg::Outbox(OutboxMsg::Failed(why))) = rx.try_recv() else {
            panic!("the IC is told delivery is off")
        };
        assert!(why.starts_with("delivery is off"), "{why}");
        assert!(!why.contains("hooks.slack"), "no secret in {why}");
        let inc = m.inc.clone().unwrap();
        let msg = commandpost::delivery::setup::announcement(&inc, "@all: Incident Major", "");
        let done = c.run(OutboxCmd::Send { msg, only: None });
        assert_eq!(
            done,
            OutboxMsg::Done("Queued announcement \"@all: Incident Major\" for room".into())
        );
        pump(&mut m, &mut rx, "the queued message", |m| {
            m.deliveries_pending == 1
        });
        rt.shutdown_timeout(Duration::from_millis(200));
    }
}

/// Issue 16, item 6: the page dialog offers every page backend or one (as `page --backend`);
/// Tab / ↑↓ choose, the footer says so, the confirmation names the one chosen and the page is
/// queued to it only.
#[test]
fn page_can_go_to_one_backend() {
    let mut cfg = Config::default();
    for name in ["pd", "phone"] {
        let t: toml::Table = toml::from_str(&format!(
            "name = \"{name}\"\nkind = \"file\"\npath = \"/tmp/unused-{name}.md\"\nsends = [\"page\"]"
        ))
        .unwrap();
        cfg.backends.push(t);
    }
    let mut m = model_with(new_incident(), "Alice", cfg);
    feed(&mut m, [k('p')]);
    let only = |m: &Model| match &m.overlay {
        Some(Overlay::Page(p)) => p.only.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(only(&m), None, "every page backend by default");
    let footer = commandpost::ui::widgets::foot_items(
        &m.keymap,
        &commandpost::app::overlay::step::Layer::footer(
            match &m.overlay {
                Some(Overlay::Page(p)) => p,
                _ => unreachable!(),
            },
            &m.cx,
        ),
    );
    assert!(
        footer.contains(&("Tab/↑↓".to_string(), "choose backend".to_string())),
        "{footer:?}"
    );
    feed(&mut m, [code(KeyCode::Tab)]);
    assert_eq!(only(&m).as_deref(), Some("pd"));
    feed(&mut m, [code(KeyCode::Down)]);
    assert_eq!(only(&m).as_deref(), Some("phone"));
    feed(&mut m, [code(KeyCode::Down)]);
    assert_eq!(only(&m), None, "wraps to all");
    feed(&mut m, [code(KeyCode::Up)]);
    assert_eq!(only(&m).as_deref(), Some("phone"));
    // j and k are text here.
    feed(&mut m, typed("jk db down"));
    assert_eq!(only(&m).as_deref(), Some("phone"));
    feed(&mut m, [code(KeyCode::Enter)]);
    let Some(Overlay::Confirm(Confirm { prompt, detail, .. })) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    assert_eq!(prompt, "Page through phone only?");
    assert_eq!(detail[0], "Page: jk db down");
    let cmds = feed(&mut m, [k('y')]);
    assert!(
        matches!(
            &cmds[..],
            [Cmd::Outbox(OutboxCmd::Send { msg, only: Some(o) })]
                if msg.kind == MessageKind::Page && o == &["phone".to_string()]
        ),
        "{cmds:?}"
    );
    // Back to every backend: the confirmation lists them and nothing narrows the send.
    feed(&mut m, [k('p')]);
    feed(&mut m, typed("again"));
    feed(&mut m, [code(KeyCode::Enter)]);
    let Some(Overlay::Confirm(Confirm { prompt, .. })) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    assert_eq!(prompt, "Page through pd, phone?");
    let cmds = feed(&mut m, [k('y')]);
    assert!(matches!(
        &cmds[..],
        [Cmd::Outbox(OutboxCmd::Send { only: None, .. })]
    ));
}
