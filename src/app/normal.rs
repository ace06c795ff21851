//! The main screen's keys: one action, one call. Most open an overlay (`app::overlay`);
//! changes are asked first (`app::intent`).

use crate::app::cmd::Cmd;
use crate::app::composer::kind::Kind;
use crate::app::keymap::{Action, Key};
use crate::app::model::{Model, OLDER_PAGE, Region};
use crate::app::overlay::brief::Brief;
use crate::app::overlay::cleanup::Cleanup;
use crate::app::overlay::compose::Compose;
use crate::app::overlay::deliveries::DeliveryList;
use crate::app::overlay::edit::Edit;
use crate::app::overlay::help::Help;
use crate::app::overlay::page::Page;
use crate::app::overlay::pick_person::PickPerson;
use crate::app::overlay::pick_role::PickRole;
use crate::app::overlay::remediation::Remediation;
use crate::app::overlay::rotation::Rotation;
use crate::app::overlay::sitrep_log::SitrepLog;
use crate::app::overlay::snooze::Snooze;
use crate::app::overlay::step::{EditKind, PersonPurpose};
use crate::app::overlay::{self, Overlay};
use crate::app::{drill, intent::Intent};
use crate::domain::Event;
use crate::domain::checklist;
use crate::domain::event::Severity;
use crate::domain::incident::DomainError;
use crossterm::event::{KeyCode, KeyEvent};

/// A key on the main screen.
pub fn key(m: &mut Model, k: &KeyEvent) -> Vec<Cmd> {
    let key = Key::from_event(k);
    let Some(action) = m.keymap.action(key) else {
        if !matches!(k.code, KeyCode::Modifier(_)) {
            let help = m.key(Action::Help);
            m.flash_info(format!("{key} does nothing here; {help} lists the keys"));
        }
        return Vec::new();
    };
    if action == Action::Interrupt {
        return ask(m, Intent::Quit);
    }
    if m.inc.is_none() {
        return Vec::new();
    }
    act(m, action)
}

fn act(m: &mut Model, action: Action) -> Vec<Cmd> {
    match action {
        Action::Help => open(m, Help::default()),
        Action::FocusNext => focus(m, 1),
        Action::FocusPrev => focus(m, -1),
        Action::Up => move_sel(m, -1),
        Action::Down => move_sel(m, 1),
        Action::PageUp => move_sel(m, -10),
        Action::PageDown => move_sel(m, 10),
        Action::Handoff => handoff(m),
        Action::AddPerson => add_person(m),
        Action::Break => toggle_break(m),
        Action::Release => release(m),
        Action::StateInvestigating => ask(m, Intent::SetState(Severity::Investigating)),
        Action::StateConfirmed => ask(m, Intent::SetState(Severity::Confirmed)),
        Action::StateMajor => ask(m, Intent::SetState(Severity::Major)),
        Action::Resolve => ask(m, Intent::SetState(Severity::Resolved)),
        Action::Review => review(m),
        Action::Snooze => snooze(m),
        Action::Impact => edit(m, EditKind::Impact),
        Action::Note => edit(m, EditKind::Note),
        Action::Redraw => vec![Cmd::Redraw],
        Action::Quit => ask(m, Intent::Quit),
        Action::Sitrep => compose(m, Kind::Sitrep),
        Action::StatusUpdate => compose(m, Kind::Status),
        Action::SitrepLog => sitrep_log(m),
        Action::Send | Action::PreviewNext | Action::StageNext | Action::InsertFigures => {
            composer_only(m, action)
        }
        Action::DrillFaster
        | Action::DrillSlower
        | Action::DrillPause
        | Action::DrillDecide
        | Action::DrillEnd => drill::on_action(m, action),
        Action::Deliveries => open(m, DeliveryList { sel: 0 }),
        Action::Page => page(m),
        Action::Rotation => open(m, Rotation::default()),
        Action::Alerts => open(m, crate::app::overlay::alerts::Alerts::default()),
        Action::Acknowledge => acknowledge(m),
        Action::Cleanup => cleanup(m),
        Action::Postmortem => postmortem(m),
        Action::Remediation => remediation(m),
        Action::SyncView => open(m, crate::app::overlay::sync::SyncPanel::default()),
        // The overlays' own and the reserved actions are not bound on the main screen.
        _ => Vec::new(),
    }
}

fn open(m: &mut Model, o: impl Into<Overlay>) -> Vec<Cmd> {
    m.overlay = Some(o.into());
    Vec::new()
}

/// The confirmation of an intent, or why it cannot be done.
fn ask(m: &mut Model, intent: Intent) -> Vec<Cmd> {
    m.overlay = overlay::ask(&mut m.cx, intent);
    Vec::new()
}

fn focus(m: &mut Model, by: isize) -> Vec<Cmd> {
    m.focus_step(by);
    Vec::new()
}

fn move_sel(m: &mut Model, by: i64) -> Vec<Cmd> {
    m.move_sel(by);
    older_page(m)
}

/// Asks for the next page of older events when the timeline is scrolled close to the oldest
/// one in memory (a long incident's timeline holds only its newest events at first).
fn older_page(m: &mut Model) -> Vec<Cmd> {
    if m.focus != Region::Timeline || m.older.count == 0 || m.older.loading {
        return Vec::new();
    }
    // Lines the timeline can show from what is in memory, with two screens to spare.
    let loaded = m
        .events
        .iter()
        .filter(|e| crate::app::deliveries::on_timeline(e))
        .count();
    if m.timeline_scroll + 2 * usize::from(m.size.1) < loaded {
        return Vec::new();
    }
    m.cx.older.loading = true;
    vec![Cmd::Older {
        end: m.older.end,
        max: OLDER_PAGE.min(m.older.count),
    }]
}

/// A page of older events arrived (`Cmd::Older`): it goes before those in memory.
pub fn on_older(m: &mut Model, r: Result<(Vec<Event>, u64), String>) -> Vec<Cmd> {
    m.cx.older.loading = false;
    match r {
        Ok((events, start)) => {
            // Only what is still missing (the journal is append-only: nothing else is).
            let n = events.len().min(m.older.count);
            if n == 0 {
                m.cx.older.count = 0;
                if m.cx.refold_pending {
                    let cmds = crate::app::journaled::refold_all(m);
                    m.refresh();
                    return cmds;
                }
                return Vec::new();
            }
            let skip = events.len() - n;
            m.cx.events.splice(0..0, events.into_iter().skip(skip));
            m.cx.older.count -= n;
            m.cx.older.end = start;
            if m.cx.refold_pending {
                // Every event is needed to fold again (or the next part of them).
                let cmds = crate::app::journaled::refold_all(m);
                m.refresh();
                return cmds;
            }
            // Still close to the oldest: the next page.
            older_page(m)
        }
        Err(err) => {
            m.flash_error(format!("cannot read older events: {err}"));
            Vec::new()
        }
    }
}

/// Whether the incident is open; if not, says so.
fn open_incident(m: &mut Model) -> bool {
    let open = m.inc.as_ref().is_some_and(|i| i.is_open());
    if !open {
        m.flash_error(DomainError::Resolved.to_string());
    }
    open
}

fn handoff(m: &mut Model) -> Vec<Cmd> {
    match &m.cx.inc {
        Some(inc) if inc.is_open() => {
            let o = PickRole::new(inc);
            open(m, o)
        }
        _ => {
            open_incident(m);
            Vec::new()
        }
    }
}

fn add_person(m: &mut Model) -> Vec<Cmd> {
    if !open_incident(m) {
        return Vec::new();
    }
    let o = PickPerson::new(PersonPurpose::Add, &m.cx);
    open(m, o)
}

/// The person selected in the roster, or why there is none.
fn roster_person(m: &mut Model) -> Option<String> {
    if m.focus != Region::Roster {
        let tab = m.key(Action::FocusNext);
        m.flash_error(format!(
            "select a person in the roster first ({tab} to focus it)"
        ));
        return None;
    }
    let p = m.selected_person();
    if p.is_none() {
        m.flash_error("nobody selected");
    }
    p
}

fn toggle_break(m: &mut Model) -> Vec<Cmd> {
    let Some(name) = roster_person(m) else {
        return Vec::new();
    };
    let Some(inc) = &m.cx.inc else {
        return Vec::new();
    };
    let p = inc.cmd_toggle_break(&name);
    m.append(p)
}

fn release(m: &mut Model) -> Vec<Cmd> {
    match roster_person(m) {
        Some(name) => ask(m, Intent::Release(name)),
        None => Vec::new(),
    }
}

fn review(m: &mut Model) -> Vec<Cmd> {
    let q = m.selected_question();
    let Some(inc) = &m.cx.inc else {
        return Vec::new();
    };
    let p = checklist::cmd_review(inc, q);
    m.append(p)
}

fn snooze(m: &mut Model) -> Vec<Cmd> {
    if !open_incident(m) {
        return Vec::new();
    }
    let question = m.selected_question();
    open(m, Snooze { question, sel: 0 })
}

fn edit(m: &mut Model, kind: EditKind) -> Vec<Cmd> {
    let o = Edit::new(kind, &m.cx);
    open(m, o)
}

fn compose(m: &mut Model, kind: Kind) -> Vec<Cmd> {
    match Compose::open(kind, &mut m.cx) {
        Some((o, cmds)) => {
            m.overlay = Some(o.into());
            cmds
        }
        None => Vec::new(),
    }
}

fn sitrep_log(m: &mut Model) -> Vec<Cmd> {
    match SitrepLog::open(&mut m.cx) {
        Some(o) => open(m, o),
        None => Vec::new(),
    }
}

fn composer_only(m: &mut Model, action: Action) -> Vec<Cmd> {
    let k = m.key(action);
    m.flash_info(format!("{k} works in a composer"));
    Vec::new()
}

fn page(m: &mut Model) -> Vec<Cmd> {
    if !open_incident(m) {
        return Vec::new();
    }
    // A drill always has its sink.
    if m.drill.is_none() && m.page_backends().is_empty() {
        m.flash_error("no backend sends pages: add \"page\" to `sends` of a [[backends]] entry");
        return Vec::new();
    }
    open(m, Page::default())
}

/// The brief of a hand-off waiting for the IC at the keyboard; else someone else's (which
/// its proposer can withdraw), saying whom it waits for.
fn acknowledge(m: &mut Model) -> Vec<Cmd> {
    let Some(inc) = &m.cx.inc else {
        return Vec::new();
    };
    let brief = |p: &crate::domain::followup::PendingHandoff| Brief {
        role: p.role.clone(),
        from: p.from.clone(),
        to: p.to.clone(),
        text: p.brief.clone(),
        scroll: 0,
    };
    if let Some(p) = inc.pending_handoffs_for(&m.cx.actor).first() {
        let o = brief(p);
        return open(m, o);
    }
    let pending = &inc.followup.pending_handoffs;
    let Some(first) = pending.values().next().map(brief) else {
        let text = format!("no hand-off is waiting for {}", m.actor);
        m.flash_error(text);
        return Vec::new();
    };
    let others: Vec<String> = pending
        .values()
        .map(|p| {
            format!(
                "{} -> {} waits for {} (their cockpit, or `commandpost ack --as \"{}\"`)",
                p.role.title(),
                p.to,
                p.to,
                p.to
            )
        })
        .collect();
    let text = format!(
        "no hand-off is waiting for {}: {}",
        m.actor,
        others.join("; ")
    );
    m.flash_info(text);
    open(m, first)
}

fn cleanup(m: &mut Model) -> Vec<Cmd> {
    let Some(inc) = &m.cx.inc else {
        return Vec::new();
    };
    let c = &inc.followup.cleanup;
    let sel = c.marks.iter().position(Option::is_none).unwrap_or(0);
    if c.opened_at.is_none() {
        let k = m.key(Action::Resolve);
        m.flash_info(format!(
            "The cleanup checklist opens when the incident is resolved ({k} resolves)"
        ));
    }
    open(m, Cleanup::at(sel))
}

fn postmortem(m: &mut Model) -> Vec<Cmd> {
    m.flash_info("Writing the post-mortem draft…");
    let tz = (m.tz != jiff::tz::TimeZone::UTC).then(|| m.tz.clone());
    vec![Cmd::Postmortem { tz }]
}

fn remediation(m: &mut Model) -> Vec<Cmd> {
    let o = Remediation::open(&m.cx);
    open(m, o)
}
