//! What follows events on disk (ours, or another writer's): the incident and the timeline
//! move on, and what a change brings with it is asked for: its announcement, the message of
//! a sent sitrep or status update, the cleanup checklist and the page resolution after
//! resolving, the brief of a proposed hand-off. Also the outbox's and the post-mortem
//! writer's answers.

use crate::app::cmd::Cmd;
use crate::app::deliveries::{OutboxCmd, OutboxMsg};
use crate::app::drill;
use crate::app::model::Model;
use crate::app::overlay::Overlay;
use crate::app::overlay::brief::Brief;
use crate::app::overlay::cleanup::Cleanup;
use crate::app::overlay::postmortem::Postmortem;
use crate::app::overlay::step::EditKind;
use crate::app::synced;
use crate::delivery::setup;
use crate::domain::describe::describe;
use crate::domain::event::{Event, Payload, Severity};
use crate::domain::followup::same_name;
use crate::domain::incident::{Incident, announcement};
use crate::domain::outbound::OutboundMessage;

/// Events read from or written to the journal, in order; with `own`, the last one is the
/// change this cockpit asked for.
pub fn on_events(m: &mut Model, events: Vec<Event>, own: bool) -> Vec<Cmd> {
    fold(m, &events);
    // Another cockpit's events can change what ours meant (a conflict, a lost role).
    let before = m.cx.inc.clone().filter(|_| !own && m.cx.sync.is_some());
    let (fresh, refold) = apply(m, events);
    let mut cmds = Vec::new();
    let ours = fresh.last().filter(|_| own).map(|e| e.payload.clone());
    if own {
        m.writing = m.writing.saturating_sub(1);
        if let Some(last) = fresh.last() {
            let text = described(m, &last.payload);
            m.flash_info(format!("Saved: {text}"));
            if let Some(c) = m.cx.desk.sent(&last.payload) {
                cmds.push(c);
            }
            cmds.extend(sent_message(m, &last.payload));
        }
    } else if let Some(last) = fresh.last()
        && last.actor != m.actor
    {
        let text = format!("From {}: {}", last.actor, described(m, &last.payload));
        m.flash_info(text);
    }
    // Keep the timeline where the reader left it when scrolled.
    if m.timeline_scroll > 0 {
        m.timeline_scroll += fresh.len();
    }
    let start = m.events.len();
    m.cx.events.extend(fresh);
    if refold {
        cmds.extend(refold_all(m));
    }
    m.refresh();
    if let Some(before) = &before {
        synced::after_remote(m, before);
    }
    incident_changed(m);
    drill::after_journaled(m);
    if own {
        cmds.extend(ours.and_then(|p| announce(m, &p)));
        cmds.extend(after_own(m));
    } else {
        proposed_to_me(m, start);
    }
    cmds
}

/// An event from another cockpit sorts before what is folded: fold again in the merged
/// order (every cockpit holding these events reaches this state). A long incident's older
/// events are read first (`Cmd::Older`); `normal::on_older` folds once they are all in.
pub fn refold_all(m: &mut Model) -> Vec<Cmd> {
    if m.cx.older.count > 0 {
        m.cx.refold_pending = true;
        if m.cx.older.loading {
            return Vec::new();
        }
        m.cx.older.loading = true;
        return vec![Cmd::Older {
            end: m.cx.older.end,
            max: m.cx.older.count,
        }];
    }
    m.cx.refold_pending = false;
    match crate::domain::merge::replay(&m.cx.events, &m.cx.home) {
        Ok(inc) => m.cx.inc = Some(inc),
        Err(err) => m.flash_error(format!("journal: {err}")),
    }
    Vec::new()
}

/// Applies the events not seen yet to the incident; the fresh ones, and whether the
/// incident must be folded again (an event sorts before the tail in merge order).
fn apply(m: &mut Model, events: Vec<Event>) -> (Vec<Event>, bool) {
    let mut fresh = Vec::new();
    let home = m.cx.home.clone();
    // The merge key of the last event folded; only needed once remote events come.
    let mut tail: Option<(u64, String, u64)> = None;
    let mut refold = false;
    let mut last_seq = m.cx.inc.as_ref().map_or(0, |i| i.last_seq);
    for e in events {
        match &mut m.cx.inc {
            Some(_) if e.seq <= last_seq => continue,
            Some(inc) => {
                last_seq = e.seq;
                if !e.is_local() || tail.is_some() {
                    let t = tail.get_or_insert_with(|| {
                        m.cx.events
                            .iter()
                            .map(|x| owned_key(x, &home))
                            .max()
                            .unwrap_or_default()
                    });
                    let k = owned_key(&e, &home);
                    if k < *t {
                        refold = true;
                    } else {
                        *t = k;
                    }
                }
                if !refold {
                    inc.apply(&e);
                }
            }
            None => match Incident::replay(std::slice::from_ref(&e)) {
                Ok(inc) => {
                    m.cx.inc = Some(inc);
                    if matches!(&m.overlay, Some(Overlay::Edit(e)) if e.kind == EditKind::Title) {
                        m.overlay = None;
                    }
                }
                Err(err) => {
                    m.flash_error(format!("journal: {err}"));
                    continue;
                }
            },
        }
        fresh.push(e);
    }
    (fresh, refold)
}

/// An event in words, its item named by its label in the incident (`#3-kato`).
fn described(m: &Model, p: &crate::domain::Payload) -> String {
    match &m.cx.inc {
        Some(inc) => crate::domain::numbered::describe_in(inc, p),
        None => describe(p),
    }
}

/// An event's merge key, owned.
fn owned_key(e: &Event, home: &str) -> (u64, String, u64) {
    let k = crate::domain::merge::key(e, home);
    (k.lc, k.origin.to_string(), k.oseq)
}

/// The incident changed (any writer): an open composer's preview follows.
fn incident_changed(m: &mut Model) {
    let kind = match &m.overlay {
        Some(Overlay::Compose(c)) => c.kind,
        Some(Overlay::Confirm(c)) => match c.back.as_deref() {
            Some(Overlay::Compose(c)) => c.kind,
            _ => return,
        },
        _ => return,
    };
    if let Some(inc) = &m.cx.inc {
        m.cx.desk.refresh(kind, inc, m.cx.now);
    }
}

/// A sent sitrep or status update is queued for delivery once it is journaled.
fn sent_message(m: &Model, payload: &Payload) -> Option<Cmd> {
    let inc = m.inc.as_ref()?;
    setup::sent(inc, payload).map(send)
}

/// The one road to the outbox.
fn send(msg: OutboundMessage) -> Cmd {
    Cmd::Outbox(OutboxCmd::Send { msg, only: None })
}

/// The announcement of a change this cockpit journaled (after it is applied: it names the
/// new state); an acknowledged hand-off's carries the brief as its body.
fn announce(m: &Model, payload: &Payload) -> Option<Cmd> {
    let text = announcement(payload)?;
    let inc = m.inc.as_ref()?;
    let brief = match payload {
        Payload::HandoffAcknowledged { role, .. } => {
            m.events.iter().rev().find_map(|e| match &e.payload {
                Payload::HandoffProposed { role: r, brief, .. } if r == role => Some(brief.clone()),
                _ => None,
            })
        }
        _ => None,
    };
    Some(send(setup::announcement(
        inc,
        &text,
        brief.as_deref().unwrap_or_default(),
    )))
}

/// What follows a change of ours: resolving opens the cleanup checklist and resolves an
/// open page; a proposed hand-off shows its brief; the last cleanup item closes.
fn after_own(m: &mut Model) -> Vec<Cmd> {
    let (Some(inc), Some(last)) = (m.cx.inc.clone(), m.events.last().cloned()) else {
        return Vec::new();
    };
    let mut cmds = Vec::new();
    match &last.payload {
        Payload::StateChanged {
            to: Severity::Resolved,
            ..
        } => {
            let r = setup::resolution(&inc, &m.config.cleanup.items, &m.deliveries.state);
            cmds.extend(m.append(r.cleanup));
            cmds.extend(r.page.map(send));
            m.overlay = Some(Cleanup::at(0).into());
        }
        Payload::HandoffProposed {
            role,
            from,
            to,
            brief,
        } => {
            m.overlay = Some(Overlay::Brief(Brief {
                role: role.clone(),
                from: from.clone(),
                to: to.clone(),
                text: brief.clone(),
                scroll: 0,
            }));
            m.flash_info(format!(
                "Proposed: {} -> {to}. {} keeps command until {to} acknowledges",
                role.title(),
                from.as_deref().unwrap_or("the holder")
            ));
        }
        Payload::CleanupItemDone { .. } | Payload::CleanupItemSkipped { .. } if inc.closed() => {
            m.flash_info("Cleanup complete: the incident is closed");
        }
        _ => {}
    }
    cmds
}

/// A hand-off proposed to the IC at the keyboard from elsewhere (`m.events[start..]`):
/// its brief shows.
fn proposed_to_me(m: &mut Model, start: usize) {
    let Some(inc) = &m.cx.inc else {
        return;
    };
    let found = m
        .events
        .get(start..)
        .unwrap_or_default()
        .iter()
        .rev()
        .find_map(|e| match &e.payload {
            Payload::HandoffProposed {
                role,
                from,
                to,
                brief,
            } if same_name(to, &m.actor) && inc.followup.pending_handoffs.contains_key(role) => {
                Some((
                    Brief {
                        role: role.clone(),
                        from: from.clone(),
                        to: to.clone(),
                        text: brief.clone(),
                        scroll: 0,
                    },
                    e.actor.clone(),
                ))
            }
            _ => None,
        });
    let Some((brief, by)) = found else {
        return;
    };
    m.flash_info(format!(
        "{by} proposes handing {} to you: read the brief; A acknowledges",
        brief.role.title()
    ));
    if m.overlay.is_none() {
        m.overlay = Some(Overlay::Brief(brief));
    }
}

/// Folds journal events into the deliveries view (both streams come through here).
fn fold(m: &mut Model, events: &[Event]) {
    let mut changed = false;
    for e in events {
        changed |= m.cx.deliveries.apply(e);
    }
    if changed {
        (m.cx.deliveries_pending, m.cx.deliveries_failed) = m.deliveries.counts();
    }
}

/// A message from the outbox.
pub fn on_outbox(m: &mut Model, msg: OutboxMsg) -> Vec<Cmd> {
    match msg {
        OutboxMsg::Events(events) => fold(m, &events),
        OutboxMsg::Snapshot { state, seq } => {
            m.cx.deliveries.snapshot(state, seq);
            (m.cx.deliveries_pending, m.cx.deliveries_failed) = m.deliveries.counts();
        }
        OutboxMsg::Done(text) => m.flash_info(text),
        OutboxMsg::Failed(text) => m.flash_error(text),
    }
    Vec::new()
}

/// The post-mortem draft was written (or not).
pub fn on_postmortem(m: &mut Model, r: Result<(String, String), String>) -> Vec<Cmd> {
    match r {
        Ok((path, text)) => {
            m.flash_info(format!("Post-mortem draft written to {path}"));
            if m.overlay.is_none() {
                m.overlay = Some(Overlay::Postmortem(Postmortem {
                    path,
                    text,
                    scroll: 0,
                }));
            }
        }
        Err(e) => m.flash_error(format!("post-mortem NOT written: {e}")),
    }
    Vec::new()
}
