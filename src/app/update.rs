//! The only code that changes the model: `update(model, msg) -> commands`.
//! Pure: no IO, no clock. Changes to the incident are never applied here
//! directly: they become `Cmd::Append` and show once `Msg::Journaled` says
//! they are on disk.

use crate::app::cmd::Cmd;
use crate::app::edit::{EditOutcome, LineEdit};
use crate::app::keymap::{Action, Key};
use crate::app::model::{
    Candidate, EditKind, Flash, GroupChoice, Intent, Mode, Model, PersonPurpose, Region,
    RoleChoice, SNOOZE_MINUTES,
};
use crate::app::msg::Msg;
use crate::app::panel;
use crate::app::roster;
use crate::domain::checklist;
use crate::domain::describe::describe;
use crate::domain::event::Severity;
use crate::domain::incident::{self, DomainError, announcement};
use crate::domain::role::valid_group;
use crate::domain::{Incident, Payload, Role};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};

/// How long an informational message stays in the status line.
pub(crate) const FLASH_INFO_SECS: i64 = 8;
/// How long an error stays (or until the next key).
pub(crate) const FLASH_ERROR_SECS: i64 = 60;

pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Tick(now) if m.drill.is_some() => crate::app::drill::on_tick(m, now),
        Msg::Tick(now) => {
            m.now = now;
            if let Some(f) = &m.flash {
                let keep = if f.error {
                    FLASH_ERROR_SECS
                } else {
                    FLASH_INFO_SECS
                };
                if now.duration_since(f.at) >= SignedDuration::from_secs(keep) {
                    m.flash = None;
                }
            }
            m.refresh();
            crate::app::composer::tick(m)
        }
        Msg::Resize(w, h) => {
            m.size = (w, h);
            Vec::new()
        }
        Msg::Key(_) | Msg::Paste(_) if m.writing > 0 => {
            m.deferred.push_back(msg);
            Vec::new()
        }
        Msg::Key(k) => on_key(m, k),
        Msg::Paste(s) => on_paste(m, &s),
        Msg::Journaled { events, own } => {
            panel::fold(m, &events);
            let mut cmds = Vec::new();
            let mut fresh = Vec::new();
            for e in events {
                match &mut m.inc {
                    Some(inc) if e.seq <= inc.last_seq => continue,
                    Some(inc) => inc.apply(&e),
                    None => match Incident::replay(std::slice::from_ref(&e)) {
                        Ok(inc) => {
                            m.inc = Some(inc);
                            if matches!(
                                m.mode,
                                Mode::Edit {
                                    kind: EditKind::Title,
                                    ..
                                }
                            ) {
                                m.mode = Mode::Normal;
                            }
                        }
                        Err(err) => {
                            flash_error(m, format!("journal: {err}"));
                            continue;
                        }
                    },
                }
                fresh.push(e);
            }
            let mut announce = None;
            if own {
                m.writing = m.writing.saturating_sub(1);
                if let Some(last) = fresh.last() {
                    if let Some(text) = announcement(&last.payload) {
                        // After the change is applied: the message names the new state.
                        announce = Some((last.payload.clone(), text));
                    }
                    flash_info(m, format!("Saved: {}", describe(&last.payload)));
                    cmds.extend(crate::app::composer::journaled(m, &last.payload));
                }
            } else if let Some(last) = fresh.last()
                && last.actor != m.actor
            {
                flash_info(
                    m,
                    format!("From {}: {}", last.actor, describe(&last.payload)),
                );
            }
            // Keep the timeline where the reader left it when scrolled.
            if m.timeline_scroll > 0 {
                m.timeline_scroll += fresh.len();
            }
            let start = m.events.len();
            m.events.extend(fresh);
            m.refresh();
            crate::app::composer::incident_changed(m);
            crate::app::drill::after_journaled(m);
            if let Some((p, text)) = announce {
                cmds.extend(panel::announce(m, &p, text));
            }
            cmds.extend(panel::after_journaled(m, start, own));
            cmds.extend(drain_deferred(m));
            cmds
        }
        Msg::JournalFailed(err) => {
            m.writing = m.writing.saturating_sub(1);
            flash_error(m, format!("NOT SAVED: {err}"));
            drain_deferred(m)
        }
        Msg::PollFailed(err) => {
            flash_error(m, format!("cannot read the journal: {err}"));
            Vec::new()
        }
        Msg::Announced(text) => {
            flash_info(m, format!("Queued for announcement: {text}"));
            Vec::new()
        }
        Msg::AnnounceFailed(err) => {
            m.deliveries_failed += 1;
            flash_error(m, format!("announcement NOT queued: {err}"));
            Vec::new()
        }
        Msg::DraftFailed(err) => {
            flash_error(m, format!("draft NOT saved: {err}"));
            Vec::new()
        }
        Msg::Deliveries { pending, failed } => {
            m.deliveries_pending = pending;
            m.deliveries_failed = failed;
            Vec::new()
        }
        Msg::Outbox(o) => panel::on_outbox(m, o),
        Msg::Postmortem(r) => panel::on_postmortem(m, r),
    }
}

fn drain_deferred(m: &mut Model) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    while m.writing == 0 {
        let Some(msg) = m.deferred.pop_front() else {
            break;
        };
        cmds.extend(update(m, msg));
    }
    cmds
}

pub(crate) fn flash_info(m: &mut Model, text: String) {
    m.flash = Some(Flash {
        text,
        error: false,
        at: m.now,
    });
}

pub(crate) fn flash_error(m: &mut Model, text: String) {
    m.flash = Some(Flash {
        text,
        error: true,
        at: m.now,
    });
}

pub(crate) fn append(m: &mut Model, p: Result<Payload, DomainError>) -> Vec<Cmd> {
    match p {
        Ok(p) => {
            m.writing += 1;
            vec![Cmd::Append(p)]
        }
        Err(e) => {
            flash_error(m, e.to_string());
            Vec::new()
        }
    }
}

pub(crate) fn quit(m: &mut Model) -> Vec<Cmd> {
    let mut cmds = crate::app::composer::flush(m);
    m.quit = true;
    cmds.push(Cmd::Quit);
    cmds
}

fn is_ctrl(k: &KeyEvent, c: char) -> bool {
    Key::from_event(k) == Key::ctrl(c)
}

fn on_paste(m: &mut Model, s: &str) -> Vec<Cmd> {
    match &mut m.mode {
        Mode::Edit { input, .. } => {
            input.insert_str(s);
        }
        Mode::PickPerson { input, .. } => {
            input.insert_str(s);
            refilter(m);
        }
        Mode::Compose(kind) => {
            let kind = *kind;
            return crate::app::composer::paste(m, kind, s);
        }
        Mode::Panel(_) => panel::paste(m, s),
        _ => flash_info(m, "Paste ignored: no text field is open".into()),
    }
    Vec::new()
}

fn on_key(m: &mut Model, k: KeyEvent) -> Vec<Cmd> {
    if is_ctrl(&k, 'z') {
        crate::app::drill::on_suspend(m);
        return vec![Cmd::Suspend];
    }
    if m.flash.as_ref().is_some_and(|f| f.error) {
        m.flash = None;
    }
    if m.too_small() {
        // Nothing else is visible: only quitting makes sense.
        if is_ctrl(&k, 'c') || k.code == KeyCode::Char('q') {
            return quit(m);
        }
        return Vec::new();
    }
    let mode = std::mem::replace(&mut m.mode, Mode::Normal);
    match mode {
        Mode::Normal => normal_key(m, k),
        mode @ (Mode::Compose(_) | Mode::ComposeSend(_) | Mode::SitrepLog { .. }) => {
            crate::app::composer::on_key(m, mode, k)
        }
        Mode::Panel(p) => panel::key(m, p, k),
        Mode::Help { scroll } => {
            m.mode = match k.code {
                KeyCode::Up | KeyCode::Char('k') => Mode::Help {
                    scroll: scroll.saturating_sub(1),
                },
                KeyCode::Down | KeyCode::Char('j') => Mode::Help { scroll: scroll + 1 },
                _ if is_ctrl(&k, 'c') => Mode::Normal,
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?') => {
                    Mode::Normal
                }
                _ => Mode::Help { scroll },
            };
            Vec::new()
        }
        Mode::Confirm {
            intent,
            prompt,
            announces,
        } => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => confirm(m, intent),
            _ if is_ctrl(&k, 'c') && intent == Intent::Quit => quit(m),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                flash_info(m, "Cancelled: nothing changed".into());
                Vec::new()
            }
            _ if is_ctrl(&k, 'c') => {
                flash_info(m, "Cancelled: nothing changed".into());
                Vec::new()
            }
            _ => {
                m.mode = Mode::Confirm {
                    intent,
                    prompt,
                    announces,
                };
                Vec::new()
            }
        },
        Mode::PickRole { choices, sel } => {
            match list_key(&k, sel, choices.len()) {
                ListKey::Move(sel) => m.mode = Mode::PickRole { choices, sel },
                ListKey::Cancel => {}
                ListKey::Choose(i) => match choices.get(i) {
                    Some(RoleChoice::Role(r)) => {
                        open_person_picker(m, PersonPurpose::Handoff(r.clone()))
                    }
                    Some(RoleChoice::NewGroup) => {
                        m.mode = Mode::Edit {
                            kind: EditKind::NewGroupLead,
                            input: LineEdit::default(),
                        }
                    }
                    None => {}
                },
                ListKey::Other => m.mode = Mode::PickRole { choices, sel },
            }
            Vec::new()
        }
        Mode::PickGroup { name, choices, sel } => match list_key(&k, sel, choices.len()) {
            ListKey::Move(sel) => {
                m.mode = Mode::PickGroup { name, choices, sel };
                Vec::new()
            }
            ListKey::Cancel => Vec::new(),
            ListKey::Choose(i) => match choices.get(i) {
                Some(GroupChoice::NoGroup) => join(m, &name, None),
                Some(GroupChoice::Group(g)) => {
                    let g = g.clone();
                    join(m, &name, Some(&g))
                }
                Some(GroupChoice::NewGroup) => {
                    m.mode = Mode::Edit {
                        kind: EditKind::NewGroupFor(name),
                        input: LineEdit::default(),
                    };
                    Vec::new()
                }
                None => Vec::new(),
            },
            ListKey::Other => {
                m.mode = Mode::PickGroup { name, choices, sel };
                Vec::new()
            }
        },
        Mode::Snooze { question, sel } => {
            let choice = match k.code {
                KeyCode::Char(c @ '1'..='3') => Some(c as usize - '1' as usize),
                _ => match list_key(&k, sel, SNOOZE_MINUTES.len()) {
                    ListKey::Choose(i) => Some(i),
                    ListKey::Move(sel) => {
                        m.mode = Mode::Snooze { question, sel };
                        None
                    }
                    ListKey::Cancel => None,
                    ListKey::Other => {
                        m.mode = Mode::Snooze { question, sel };
                        None
                    }
                },
            };
            match (choice.and_then(|i| SNOOZE_MINUTES.get(i)), &m.inc) {
                (Some(&mins), Some(inc)) => {
                    let p = checklist::cmd_snooze(
                        inc,
                        question,
                        SignedDuration::from_mins(mins),
                        m.now,
                    );
                    append(m, p)
                }
                _ => Vec::new(),
            }
        }
        Mode::PickPerson {
            purpose,
            mut input,
            matches,
            sel,
        } => match k.code {
            KeyCode::Esc => Vec::new(),
            _ if is_ctrl(&k, 'c') => Vec::new(),
            KeyCode::Enter => match matches.get(sel).or(matches.first()) {
                Some(c) => {
                    let name = c.name.clone();
                    person_chosen(m, purpose, name)
                }
                None => {
                    m.mode = Mode::PickPerson {
                        purpose,
                        input,
                        matches,
                        sel,
                    };
                    flash_error(m, "type a name".into());
                    Vec::new()
                }
            },
            KeyCode::Up => {
                m.mode = Mode::PickPerson {
                    purpose,
                    input,
                    matches,
                    sel: sel.saturating_sub(1),
                };
                Vec::new()
            }
            KeyCode::Down | KeyCode::Tab => {
                let sel = (sel + 1).min(matches.len().saturating_sub(1));
                m.mode = Mode::PickPerson {
                    purpose,
                    input,
                    matches,
                    sel,
                };
                Vec::new()
            }
            _ if is_ctrl(&k, 'p') => {
                m.mode = Mode::PickPerson {
                    purpose,
                    input,
                    matches,
                    sel: sel.saturating_sub(1),
                };
                Vec::new()
            }
            _ if is_ctrl(&k, 'n') => {
                let sel = (sel + 1).min(matches.len().saturating_sub(1));
                m.mode = Mode::PickPerson {
                    purpose,
                    input,
                    matches,
                    sel,
                };
                Vec::new()
            }
            _ => {
                let changed = input.handle(&k) == EditOutcome::Changed;
                m.mode = Mode::PickPerson {
                    purpose,
                    input,
                    matches,
                    sel,
                };
                if changed {
                    refilter(m);
                }
                Vec::new()
            }
        },
        Mode::Edit { kind, mut input } => match k.code {
            KeyCode::Esc => {
                if kind == EditKind::Title && m.inc.is_none() {
                    return quit(m);
                }
                Vec::new()
            }
            _ if is_ctrl(&k, 'c') => {
                if kind == EditKind::Title && m.inc.is_none() {
                    return quit(m);
                }
                Vec::new()
            }
            KeyCode::Enter => submit_edit(m, kind, input),
            _ => {
                input.handle(&k);
                m.mode = Mode::Edit { kind, input };
                Vec::new()
            }
        },
        Mode::DrillDecision(d) => crate::app::drill::decision_key(m, &k, d),
    }
}

enum ListKey {
    Move(usize),
    Choose(usize),
    Cancel,
    Other,
}

fn list_key(k: &KeyEvent, sel: usize, len: usize) -> ListKey {
    match k.code {
        KeyCode::Up | KeyCode::Char('k') => ListKey::Move(sel.saturating_sub(1)),
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
            ListKey::Move((sel + 1).min(len.saturating_sub(1)))
        }
        KeyCode::Home => ListKey::Move(0),
        KeyCode::End => ListKey::Move(len.saturating_sub(1)),
        KeyCode::Enter | KeyCode::Char(' ') => ListKey::Choose(sel),
        KeyCode::Esc => ListKey::Cancel,
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => ListKey::Cancel,
        _ => ListKey::Other,
    }
}

fn normal_key(m: &mut Model, k: KeyEvent) -> Vec<Cmd> {
    if is_ctrl(&k, 'c') {
        return ask_quit(m);
    }
    let key = Key::from_event(&k);
    let Some(action) = m.keymap.action(key) else {
        if !matches!(k.code, KeyCode::Modifier(_)) {
            let help = m
                .keymap
                .first(Action::Help)
                .map_or_else(|| "?".to_string(), |h| h.to_string());
            flash_info(m, format!("{key} does nothing here; {help} lists the keys"));
        }
        return Vec::new();
    };
    let Some(inc) = m.inc.clone() else {
        return Vec::new();
    };
    match action {
        Action::Help => {
            m.mode = Mode::Help { scroll: 0 };
            Vec::new()
        }
        Action::FocusNext | Action::FocusPrev => {
            let i = Region::ALL.iter().position(|r| *r == m.focus).unwrap_or(0);
            let n = Region::ALL.len();
            let j = if action == Action::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            m.focus = Region::ALL.get(j).copied().unwrap_or(Region::Checklist);
            Vec::new()
        }
        Action::Up => {
            move_sel(m, -1);
            Vec::new()
        }
        Action::Down => {
            move_sel(m, 1);
            Vec::new()
        }
        Action::PageUp => {
            move_sel(m, -10);
            Vec::new()
        }
        Action::PageDown => {
            move_sel(m, 10);
            Vec::new()
        }
        Action::Handoff => {
            if !inc.is_open() {
                flash_error(m, DomainError::Resolved.to_string());
                return Vec::new();
            }
            let mut choices: Vec<RoleChoice> = [Role::Ic, Role::Comms, Role::Deputy, Role::Scribe]
                .into_iter()
                .map(RoleChoice::Role)
                .collect();
            choices.extend(
                inc.groups
                    .keys()
                    .map(|g| RoleChoice::Role(Role::OpsLead(g.clone()))),
            );
            choices.push(RoleChoice::NewGroup);
            m.mode = Mode::PickRole { choices, sel: 0 };
            Vec::new()
        }
        Action::AddPerson => {
            if !inc.is_open() {
                flash_error(m, DomainError::Resolved.to_string());
                return Vec::new();
            }
            open_person_picker(m, PersonPurpose::Add);
            Vec::new()
        }
        Action::Break | Action::Release => {
            let Some(name) = person_for_roster_action(m) else {
                return Vec::new();
            };
            if action == Action::Break {
                let p = inc.cmd_toggle_break(&name);
                append(m, p)
            } else {
                ask(m, &inc, Intent::Release(name))
            }
        }
        Action::StateInvestigating => ask(m, &inc, Intent::SetState(Severity::Investigating)),
        Action::StateConfirmed => ask(m, &inc, Intent::SetState(Severity::Confirmed)),
        Action::StateMajor => ask(m, &inc, Intent::SetState(Severity::Major)),
        Action::Resolve => ask(m, &inc, Intent::SetState(Severity::Resolved)),
        Action::Review => {
            let q = m.selected_question();
            let p = checklist::cmd_review(&inc, q);
            append(m, p)
        }
        Action::Snooze => {
            if !inc.is_open() {
                flash_error(m, DomainError::Resolved.to_string());
                return Vec::new();
            }
            m.mode = Mode::Snooze {
                question: m.selected_question(),
                sel: 0,
            };
            Vec::new()
        }
        Action::Impact => {
            m.mode = Mode::Edit {
                kind: EditKind::Impact,
                input: LineEdit::new(&inc.impact.text),
            };
            Vec::new()
        }
        Action::Note => {
            m.mode = Mode::Edit {
                kind: EditKind::Note,
                input: LineEdit::default(),
            };
            Vec::new()
        }
        Action::Redraw => vec![Cmd::Redraw],
        Action::Quit => ask_quit(m),
        Action::Sitrep => crate::app::composer::open(m, crate::app::composer::Kind::Sitrep),
        Action::StatusUpdate => crate::app::composer::open(m, crate::app::composer::Kind::Status),
        Action::SitrepLog => crate::app::composer::open_log(m),
        Action::Send | Action::PreviewNext | Action::StageNext => {
            flash_info(m, format!("{key} works in a composer"));
            Vec::new()
        }
        Action::DrillFaster
        | Action::DrillSlower
        | Action::DrillPause
        | Action::DrillDecide
        | Action::DrillEnd => crate::app::drill::on_action(m, action),
        Action::Deliveries
        | Action::Page
        | Action::Rotation
        | Action::Acknowledge
        | Action::Cleanup
        | Action::Postmortem
        | Action::Remediation => panel::action(m, &inc, action),
    }
}

fn ask_quit(m: &mut Model) -> Vec<Cmd> {
    m.mode = Mode::Confirm {
        intent: Intent::Quit,
        prompt: match &m.drill {
            Some(_) => crate::app::drill::quit_prompt(m),
            None => format!(
                "Quit the cockpit? The incident stays open; run commandpost again to resume.{}",
                panel::quit_note(m)
            ),
        },
        announces: None,
    };
    Vec::new()
}

fn person_for_roster_action(m: &mut Model) -> Option<String> {
    let tab = m
        .keymap
        .first(Action::FocusNext)
        .map_or_else(|| "Tab".to_string(), |k| k.to_string());
    if m.focus != Region::Roster {
        flash_error(
            m,
            format!("select a person in the roster first ({tab} to focus it)"),
        );
        return None;
    }
    let p = m.selected_person();
    if p.is_none() {
        flash_error(m, "nobody selected".into());
    }
    p
}

fn move_sel(m: &mut Model, by: i64) {
    let step = |cur: usize, len: usize| -> usize {
        let max = len.saturating_sub(1) as i64;
        (cur as i64 + by).clamp(0, max.max(0)) as usize
    };
    match m.focus {
        Region::Checklist => m.check_sel = step(m.check_sel, 6),
        Region::Roster => {
            let n = m
                .inc
                .as_ref()
                .map(|inc| roster::selectable(&roster::lines(inc, &m.config)).len())
                .unwrap_or(0);
            m.roster_sel = step(m.roster_sel.min(n.saturating_sub(1)), n);
        }
        Region::Timeline => m.timeline_scroll = step(m.timeline_scroll, m.events.len()),
    }
}

/// Validates an intent against the incident as it is now.
fn validate(m: &Model, inc: &Incident, intent: &Intent) -> Result<Payload, DomainError> {
    match intent {
        Intent::SetState(s) => inc.cmd_set_state(*s),
        Intent::Handoff(role, name) => panel::handoff_payload(m, inc, role, name),
        Intent::Release(name) => inc.cmd_release(name),
        Intent::Quit | Intent::EndDrill => Err(DomainError::Invalid {
            field: "intent",
            reason: "quit is not a change".into(),
        }),
    }
}

/// Opens the confirmation for an intent, or says why it cannot be done.
fn ask(m: &mut Model, inc: &Incident, intent: Intent) -> Vec<Cmd> {
    match validate(m, inc, &intent) {
        Err(e) => {
            flash_error(m, e.to_string());
        }
        Ok(p) => {
            let prompt = match &intent {
                Intent::SetState(Severity::Resolved) => "Resolve the incident?".to_string(),
                Intent::SetState(s) => format!(
                    "Set state {} {}?",
                    s.level().unwrap_or(0),
                    s.label().to_uppercase()
                ),
                Intent::Handoff(role, name) => format!(
                    "Hand {} to {name}?{}",
                    role.title(),
                    panel::handoff_note(m, name)
                ),
                Intent::Release(name) => {
                    format!("Release {name}? They go off duty and leave any role but IC.")
                }
                Intent::Quit | Intent::EndDrill => String::new(),
            };
            m.mode = Mode::Confirm {
                intent,
                prompt,
                announces: announcement(&p),
            };
        }
    }
    Vec::new()
}

fn confirm(m: &mut Model, intent: Intent) -> Vec<Cmd> {
    if intent == Intent::Quit {
        return quit(m);
    }
    if intent == Intent::EndDrill {
        return crate::app::drill::end(m);
    }
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let p = validate(m, inc, &intent);
    append(m, p)
}

fn open_person_picker(m: &mut Model, purpose: PersonPurpose) {
    m.mode = Mode::PickPerson {
        purpose,
        input: LineEdit::default(),
        matches: Vec::new(),
        sel: 0,
    };
    refilter(m);
}

/// Everyone the picker can offer, before filtering: on duty first, then
/// configured people, then people who were released.
fn pool(m: &Model, purpose: &PersonPurpose) -> Vec<Candidate> {
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let holder = match purpose {
        PersonPurpose::Handoff(r) => inc.holder(r).map(|h| h.name.clone()),
        PersonPurpose::Add => None,
    };
    let mut out: Vec<Candidate> = Vec::new();
    for p in inc.on_duty() {
        if Some(&p.name) == holder.as_ref() {
            continue;
        }
        let mut note: Vec<String> = inc.roles_of(&p.name).iter().map(Role::title).collect();
        if let Some(g) = inc.group_of(&p.name) {
            note.push(format!("ops:{g}"));
        }
        if p.on_break() {
            note.push("on break".into());
        }
        if note.is_empty() {
            note.push("on duty".into());
        }
        out.push(Candidate {
            name: p.name.clone(),
            note: note.join(", "),
            new: false,
        });
    }
    for k in &m.config.people {
        let name = crate::domain::text::one_line(&k.name);
        if out
            .iter()
            .any(|c| c.name.to_lowercase() == name.to_lowercase())
            || Some(&name) == holder.as_ref()
            || inc.person(&name).is_some_and(|p| p.on_duty())
        {
            continue;
        }
        let mut note = vec!["available".to_string()];
        if let Some(t) = &k.team {
            note.push(t.clone());
        }
        if let Some(h) = &k.handle {
            note.push(h.clone());
        }
        out.push(Candidate {
            name,
            note: note.join(", "),
            new: false,
        });
    }
    for p in inc.people.iter().filter(|p| !p.on_duty()) {
        if out.iter().any(|c| c.name == p.name) {
            continue;
        }
        let note = match p.off_duty_since() {
            Some(t) => format!(
                "off duty {}",
                checklist::words(m.now.duration_since(t).max(SignedDuration::ZERO))
            ),
            None => "off duty".into(),
        };
        out.push(Candidate {
            name: p.name.clone(),
            note,
            new: false,
        });
    }
    out
}

/// Recomputes the picker's matches after the query changed.
fn refilter(m: &mut Model) {
    let (purpose, query) = match &m.mode {
        Mode::PickPerson { purpose, input, .. } => (purpose.clone(), input.text().to_string()),
        _ => return,
    };
    let pool = pool(m, &purpose);
    let matches = fuzzy(&pool, &query);
    if let Mode::PickPerson {
        matches: mm, sel, ..
    } = &mut m.mode
    {
        *mm = matches;
        *sel = 0;
    }
}

/// Fuzzy-filters candidates by name; a typed name nobody has is offered as
/// a new person (first when nothing else matches).
pub fn fuzzy(pool: &[Candidate], query: &str) -> Vec<Candidate> {
    use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
    use nucleo_matcher::{Config, Matcher};
    let q = query.trim();
    let mut out: Vec<Candidate> = if q.is_empty() {
        pool.to_vec()
    } else {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
        let hay: Vec<(usize, String)> = pool
            .iter()
            .enumerate()
            .map(|(i, c)| (i, format!("{} {}", c.name, c.note)))
            .collect();
        let scored = pattern.match_list(hay.iter().map(|(i, s)| Hay(*i, s)), &mut matcher);
        scored
            .into_iter()
            .filter_map(|(h, _)| pool.get(h.0).cloned())
            .collect()
    };
    if !q.is_empty() {
        let exact = pool
            .iter()
            .any(|c| c.name.to_lowercase() == q.to_lowercase());
        if !exact && let Ok(name) = crate::domain::text::clean_name(q) {
            out.push(Candidate {
                name,
                note: "new person".into(),
                new: true,
            });
        }
    }
    out
}

struct Hay<'a>(usize, &'a str);

impl AsRef<str> for Hay<'_> {
    fn as_ref(&self) -> &str {
        self.1
    }
}

fn person_chosen(m: &mut Model, purpose: PersonPurpose, name: String) -> Vec<Cmd> {
    let Some(inc) = m.inc.clone() else {
        return Vec::new();
    };
    match purpose {
        PersonPurpose::Handoff(role) => ask(m, &inc, Intent::Handoff(role, name)),
        PersonPurpose::Add => {
            let mut choices = vec![GroupChoice::NoGroup];
            choices.extend(inc.groups.keys().map(|g| GroupChoice::Group(g.clone())));
            choices.push(GroupChoice::NewGroup);
            m.mode = Mode::PickGroup {
                name,
                choices,
                sel: 0,
            };
            Vec::new()
        }
    }
}

fn join(m: &mut Model, name: &str, group: Option<&str>) -> Vec<Cmd> {
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let known = m
        .config
        .people
        .iter()
        .find(|k| k.name.trim().to_lowercase() == name.to_lowercase());
    let p = inc.cmd_join(
        name,
        group,
        known.and_then(|k| k.handle.as_deref()),
        known.and_then(|k| k.contact.as_deref()),
        known.and_then(|k| k.team.as_deref()),
    );
    append(m, p)
}

fn submit_edit(m: &mut Model, kind: EditKind, input: LineEdit) -> Vec<Cmd> {
    let text = input.text().to_string();
    let keep = |m: &mut Model, kind: EditKind, input: LineEdit, err: String| {
        flash_error(m, err);
        m.mode = Mode::Edit { kind, input };
        Vec::new()
    };
    match &kind {
        EditKind::Title => match incident::open("check", &text, &m.actor) {
            Ok(_) => {
                m.writing += 1;
                // Stay on the prompt until the incident is on disk.
                m.mode = Mode::Edit { kind, input };
                vec![Cmd::Create { title: text }]
            }
            Err(e) => keep(m, kind, input, e.to_string()),
        },
        EditKind::Impact | EditKind::Note => {
            let Some(inc) = &m.inc else {
                return Vec::new();
            };
            let p = if kind == EditKind::Impact {
                inc.cmd_impact(&text)
            } else {
                inc.cmd_note(&text)
            };
            match p {
                Ok(p) => append(m, Ok(p)),
                Err(e) => keep(m, kind, input, e.to_string()),
            }
        }
        EditKind::NewGroupLead => match valid_group(&text) {
            Ok(g) => {
                open_person_picker(m, PersonPurpose::Handoff(Role::OpsLead(g)));
                Vec::new()
            }
            Err(e) => keep(m, kind, input, e),
        },
        EditKind::NewGroupFor(name) => match valid_group(&text) {
            Ok(g) => {
                let name = name.clone();
                join(m, &name, Some(&g))
            }
            Err(e) => keep(m, kind, input, e),
        },
    }
}

/// A fixed clock for tests and benches.
pub fn fixed_now() -> Timestamp {
    "2026-11-21T03:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}
