//! Overlays for delivery and follow-up, and what `update` does for them: the deliveries
//! overlay (`D`: retry `r`, drop `x`), paging (`p`), the rotation view (`o`), the hand-off
//! brief and its acknowledgement (`A`), the cleanup checklist (`C`, opened by resolving), the
//! post-mortem draft (`P`). Pure, like `update`: changes become `Cmd`s. Keys inside a panel
//! are fixed and shown in its footer; the keys that open panels come from the keymap.

use crate::app::cmd::Cmd;
use crate::app::deliveries::{self, OutboxCmd, OutboxMsg};
use crate::app::edit::LineEdit;
use crate::app::keymap::{Action, Key};
use crate::app::model::{Flash, Mode, Model};
use crate::delivery::outbox::DeliveryStatus;
use crate::delivery::setup;
use crate::domain::checklist::Status;
use crate::domain::event::{Event, Payload, Severity};
use crate::domain::followup::handoff_brief;
use crate::domain::incident::{DomainError, Incident};
use crate::domain::outbound::{MessageKind, OutboundMessage};
use crate::domain::role::Role;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// An overlay that takes the keys while it is open.
#[derive(Debug, Clone, PartialEq)]
pub enum Panel {
    /// Every message x backend, newest first.
    Deliveries {
        sel: usize,
    },
    Rotation {
        scroll: u16,
    },
    /// The cleanup checklist of a resolved incident.
    Cleanup {
        sel: usize,
    },
    /// Why a cleanup item is skipped.
    SkipReason {
        item: String,
        sel: usize,
        input: LineEdit,
    },
    /// The summary of a page.
    Page {
        input: LineEdit,
    },
    /// A yes/no question; `back` is where `n` (and `y`, for retry/drop) returns.
    Confirm {
        intent: PanelIntent,
        prompt: String,
        detail: Vec<String>,
        back: Option<Box<Panel>>,
    },
    /// A hand-off brief (a proposal waiting for acknowledgement).
    Brief {
        role: Role,
        from: Option<String>,
        to: String,
        text: String,
        scroll: u16,
    },
    /// The incident's remediation items (`M`), also after resolution.
    Remediation {
        sel: usize,
    },
    /// A text field over the remediation list: the new item's text, then its owner, or the
    /// owner of the selected item.
    RemediationInput {
        step: RemediationStep,
        sel: usize,
        input: LineEdit,
    },
    /// The post-mortem draft just written.
    Postmortem {
        path: String,
        text: String,
        scroll: u16,
    },
}

/// What the remediation text field is asking for.
#[derive(Debug, Clone, PartialEq)]
pub enum RemediationStep {
    /// The text of a new item.
    Text,
    /// The owner of the new item `text` (empty: unassigned).
    Owner { text: String },
    /// The new owner of item `id`.
    Assign { id: u32 },
}

/// What a panel confirmation does.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelIntent {
    Page(Box<OutboundMessage>),
    Retry {
        message: String,
        backend: String,
    },
    Drop {
        message: String,
        backend: String,
    },
    Ack(Role),
    /// The outgoing holder withdraws a proposed hand-off.
    Withdraw(Role),
    /// Marks remediation item `id` done.
    RemediationDone(u32),
}

fn info(m: &mut Model, text: String) {
    m.flash = Some(Flash {
        text,
        error: false,
        at: m.now,
    });
}

fn error(m: &mut Model, text: String) {
    m.flash = Some(Flash {
        text,
        error: true,
        at: m.now,
    });
}

fn append(m: &mut Model, p: Result<Payload, DomainError>) -> Vec<Cmd> {
    match p {
        Ok(p) => {
            m.writing += 1;
            vec![Cmd::Append(p)]
        }
        Err(e) => {
            error(m, e.to_string());
            Vec::new()
        }
    }
}

fn key_of(m: &Model, a: Action) -> String {
    m.keymap
        .first(a)
        .map_or_else(|| a.name().to_string(), |k| k.to_string())
}

/// Normal-mode actions that open a panel (or act on one).
pub fn action(m: &mut Model, inc: &Incident, a: Action) -> Vec<Cmd> {
    match a {
        Action::Deliveries => {
            m.mode = Mode::Panel(Panel::Deliveries { sel: 0 });
            Vec::new()
        }
        Action::Rotation => {
            m.mode = Mode::Panel(Panel::Rotation { scroll: 0 });
            Vec::new()
        }
        Action::Cleanup => {
            if inc.followup.cleanup.opened_at.is_none() {
                info(
                    m,
                    format!(
                        "The cleanup checklist opens when the incident is resolved ({} resolves)",
                        key_of(m, Action::Resolve)
                    ),
                );
            }
            m.mode = Mode::Panel(Panel::Cleanup {
                sel: first_open(inc),
            });
            Vec::new()
        }
        Action::Page => {
            if !inc.is_open() {
                error(m, DomainError::Resolved.to_string());
                return Vec::new();
            }
            if page_backends(m).is_empty() {
                error(
                    m,
                    "no backend sends pages: add \"page\" to `sends` of a [[backends]] entry"
                        .into(),
                );
                return Vec::new();
            }
            m.mode = Mode::Panel(Panel::Page {
                input: LineEdit::default(),
            });
            Vec::new()
        }
        Action::Acknowledge => {
            let mine = inc.pending_handoffs_for(&m.actor);
            match mine.first() {
                Some(p) => {
                    m.mode = Mode::Panel(Panel::Brief {
                        role: p.role.clone(),
                        from: p.from.clone(),
                        to: p.to.clone(),
                        text: p.brief.clone(),
                        scroll: 0,
                    });
                }
                None => {
                    let others: Vec<String> = inc
                        .followup
                        .pending_handoffs
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
                    match inc.followup.pending_handoffs.values().next() {
                        None => error(m, format!("no hand-off is waiting for {}", m.actor)),
                        Some(p) => {
                            // Someone else's: show its brief (x withdraws it).
                            info(
                                m,
                                format!(
                                    "no hand-off is waiting for {}: {}",
                                    m.actor,
                                    others.join("; ")
                                ),
                            );
                            m.mode = Mode::Panel(Panel::Brief {
                                role: p.role.clone(),
                                from: p.from.clone(),
                                to: p.to.clone(),
                                text: p.brief.clone(),
                                scroll: 0,
                            });
                        }
                    }
                }
            }
            Vec::new()
        }
        Action::Remediation => {
            m.mode = Mode::Panel(Panel::Remediation {
                sel: first_open_remediation(inc),
            });
            Vec::new()
        }
        Action::Postmortem => {
            info(m, "Writing the post-mortem draft…".into());
            let tz = (m.tz != jiff::tz::TimeZone::UTC).then(|| m.tz.clone());
            vec![Cmd::Postmortem { tz }]
        }
        _ => Vec::new(),
    }
}

/// Names of the configured backends that send pages.
pub fn page_backends(m: &Model) -> Vec<String> {
    if m.drill.is_some() {
        return vec!["the drill's sink.md (a drill sends nothing)".into()];
    }
    if !m.desk.backends.list.is_empty() {
        return m
            .desk
            .backends
            .for_kind(MessageKind::Page)
            .iter()
            .map(|b| b.name().to_string())
            .collect();
    }
    deliveries::configured_backends(&m.config)
        .into_iter()
        .filter(|(_, sends)| sends.contains(&MessageKind::Page))
        .map(|(n, _)| n)
        .collect()
}

fn first_open(inc: &Incident) -> usize {
    inc.followup
        .cleanup
        .marks
        .iter()
        .position(Option::is_none)
        .unwrap_or(0)
}

fn first_open_remediation(inc: &Incident) -> usize {
    inc.followup
        .remediations
        .iter()
        .position(|r| !r.is_done())
        .unwrap_or(0)
}

fn is_ctrl_c(k: &KeyEvent) -> bool {
    Key::from_event(k) == Key::ctrl('c')
}

/// Scrolling keys shared by the text panels: the new offset, or `None` to close.
fn scroll_key(k: &KeyEvent, scroll: u16) -> Option<Option<u16>> {
    Some(match k.code {
        KeyCode::Up | KeyCode::Char('k') => Some(scroll.saturating_sub(1)),
        KeyCode::Down | KeyCode::Char('j') => Some(scroll.saturating_add(1)),
        KeyCode::PageUp => Some(scroll.saturating_sub(10)),
        KeyCode::PageDown | KeyCode::Char(' ') => Some(scroll.saturating_add(10)),
        KeyCode::Home | KeyCode::Char('g') => Some(0),
        KeyCode::End | KeyCode::Char('G') => Some(u16::MAX / 2),
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => None,
        _ if is_ctrl_c(k) => None,
        _ => return None,
    })
}

fn list_move(k: &KeyEvent, sel: usize, len: usize) -> Option<usize> {
    let last = len.saturating_sub(1);
    match k.code {
        KeyCode::Up | KeyCode::Char('k') => Some(sel.saturating_sub(1)),
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => Some((sel + 1).min(last)),
        KeyCode::PageUp => Some(sel.saturating_sub(10)),
        KeyCode::PageDown => Some((sel + 10).min(last)),
        KeyCode::Home => Some(0),
        KeyCode::End => Some(last),
        _ => None,
    }
}

fn closes(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Esc | KeyCode::Char('q')) || is_ctrl_c(k)
}

/// A key while a panel is open.
pub fn key(m: &mut Model, panel: Panel, k: KeyEvent) -> Vec<Cmd> {
    match panel {
        Panel::Deliveries { sel } => deliveries_key(m, sel, k),
        Panel::Rotation { scroll } => {
            if k.code == KeyCode::Char('o') {
                return Vec::new();
            }
            if let Some(Some(scroll)) = scroll_key(&k, scroll) {
                m.mode = Mode::Panel(Panel::Rotation { scroll });
            } else if scroll_key(&k, scroll).is_none() && !closes(&k) {
                m.mode = Mode::Panel(Panel::Rotation { scroll });
            }
            Vec::new()
        }
        Panel::Cleanup { sel } => cleanup_key(m, sel, k),
        Panel::Remediation { sel } => remediation_key(m, sel, k),
        Panel::RemediationInput { step, sel, input } => {
            remediation_input_key(m, step, sel, input, k)
        }
        Panel::SkipReason {
            item,
            sel,
            mut input,
        } => match k.code {
            KeyCode::Esc => {
                m.mode = Mode::Panel(Panel::Cleanup { sel });
                Vec::new()
            }
            _ if is_ctrl_c(&k) => {
                m.mode = Mode::Panel(Panel::Cleanup { sel });
                Vec::new()
            }
            KeyCode::Enter => {
                let p = m
                    .inc
                    .as_ref()
                    .map(|inc| inc.cmd_cleanup_skip(&item, input.text()));
                match p {
                    Some(Ok(p)) => {
                        m.mode = Mode::Panel(Panel::Cleanup { sel: sel + 1 });
                        append(m, Ok(p))
                    }
                    Some(Err(e)) => {
                        error(m, e.to_string());
                        m.mode = Mode::Panel(Panel::SkipReason { item, sel, input });
                        Vec::new()
                    }
                    None => Vec::new(),
                }
            }
            _ => {
                input.handle(&k);
                m.mode = Mode::Panel(Panel::SkipReason { item, sel, input });
                Vec::new()
            }
        },
        Panel::Page { mut input } => match k.code {
            KeyCode::Esc => {
                info(m, "Cancelled: nobody paged".into());
                Vec::new()
            }
            _ if is_ctrl_c(&k) => {
                info(m, "Cancelled: nobody paged".into());
                Vec::new()
            }
            KeyCode::Enter => {
                let Some(inc) = &m.inc else {
                    return Vec::new();
                };
                match setup::page_trigger(inc, input.text()) {
                    Ok(msg) => {
                        let to = page_backends(m);
                        m.mode = Mode::Panel(Panel::Confirm {
                            prompt: format!("Page through {}?", to.join(", ")),
                            detail: vec![msg.headline.clone()],
                            intent: PanelIntent::Page(Box::new(msg)),
                            back: None,
                        });
                    }
                    Err(e) => {
                        error(m, e);
                        m.mode = Mode::Panel(Panel::Page { input });
                    }
                }
                Vec::new()
            }
            _ => {
                input.handle(&k);
                m.mode = Mode::Panel(Panel::Page { input });
                Vec::new()
            }
        },
        Panel::Confirm {
            intent,
            prompt,
            detail,
            back,
        } => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => confirm(m, intent, back),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                info(m, "Cancelled: nothing changed".into());
                if let Some(b) = back {
                    m.mode = Mode::Panel(*b);
                }
                Vec::new()
            }
            _ if is_ctrl_c(&k) => {
                info(m, "Cancelled: nothing changed".into());
                Vec::new()
            }
            _ => {
                m.mode = Mode::Panel(Panel::Confirm {
                    intent,
                    prompt,
                    detail,
                    back,
                });
                Vec::new()
            }
        },
        Panel::Brief {
            role,
            from,
            to,
            text,
            scroll,
        } => {
            let incoming = crate::domain::followup::same_name(&to, &m.actor);
            if incoming && Key::from_event(&k) == Key::plain('A') {
                let still = m
                    .inc
                    .as_ref()
                    .is_some_and(|inc| inc.followup.pending_handoffs.contains_key(&role));
                if !still {
                    error(
                        m,
                        format!("the hand-off of {} is no longer pending", role.title()),
                    );
                    return Vec::new();
                }
                let announces = format!("@all: {} -> {}", role.title(), to);
                let back = Panel::Brief {
                    role: role.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    text,
                    scroll,
                };
                m.mode = Mode::Panel(Panel::Confirm {
                    prompt: format!(
                        "Take over {} from {}?",
                        role.title(),
                        from.as_deref().unwrap_or("nobody")
                    ),
                    detail: vec![format!("Announces: {announces} (with this brief)")],
                    intent: PanelIntent::Ack(role),
                    back: Some(Box::new(back)),
                });
                return Vec::new();
            }
            let pending = m
                .inc
                .as_ref()
                .is_some_and(|inc| inc.followup.pending_handoffs.contains_key(&role));
            if !incoming && pending && k.code == KeyCode::Char('x') {
                let back = Panel::Brief {
                    role: role.clone(),
                    from,
                    to: to.clone(),
                    text,
                    scroll,
                };
                m.mode = Mode::Panel(Panel::Confirm {
                    prompt: format!("Withdraw the hand-off of {} to {to}?", role.title()),
                    detail: vec![format!(
                        "{to} can no longer acknowledge it; nothing is announced"
                    )],
                    intent: PanelIntent::Withdraw(role),
                    back: Some(Box::new(back)),
                });
                return Vec::new();
            }
            match scroll_key(&k, scroll) {
                Some(None) => {}
                Some(Some(scroll)) => {
                    m.mode = Mode::Panel(Panel::Brief {
                        role,
                        from,
                        to,
                        text,
                        scroll,
                    })
                }
                None => {
                    m.mode = Mode::Panel(Panel::Brief {
                        role,
                        from,
                        to,
                        text,
                        scroll,
                    })
                }
            }
            Vec::new()
        }
        Panel::Postmortem { path, text, scroll } => {
            match scroll_key(&k, scroll) {
                Some(None) => {}
                Some(Some(scroll)) => {
                    m.mode = Mode::Panel(Panel::Postmortem { path, text, scroll })
                }
                None => m.mode = Mode::Panel(Panel::Postmortem { path, text, scroll }),
            }
            Vec::new()
        }
    }
}

/// Bracketed paste into a panel's text field.
pub fn paste(m: &mut Model, s: &str) {
    match &mut m.mode {
        Mode::Panel(Panel::Page { input })
        | Mode::Panel(Panel::SkipReason { input, .. })
        | Mode::Panel(Panel::RemediationInput { input, .. }) => {
            input.insert_str(s);
        }
        _ => info(m, "Paste ignored: no text field is open".into()),
    }
}

fn deliveries_key(m: &mut Model, sel: usize, k: KeyEvent) -> Vec<Cmd> {
    let rows = m.deliveries.rows();
    let sel = sel.min(rows.len().saturating_sub(1));
    if closes(&k) || k.code == KeyCode::Char('D') {
        return Vec::new();
    }
    if let Some(s) = list_move(&k, sel, rows.len()) {
        m.mode = Mode::Panel(Panel::Deliveries { sel: s });
        return Vec::new();
    }
    let back = Panel::Deliveries { sel };
    m.mode = Mode::Panel(back.clone());
    let Some(r) = rows.get(sel) else {
        return Vec::new();
    };
    let (message, backend) = (r.row.message.clone(), r.row.backend.clone());
    let what = format!("{} {:?} to {}", r.row.kind, r.row.headline, backend);
    match (k.code, &r.row.status) {
        (KeyCode::Char('r'), DeliveryStatus::Failed { .. } | DeliveryStatus::Dropped) => {
            m.mode = Mode::Panel(Panel::Confirm {
                prompt: format!("Retry {what}?"),
                detail: vec![format!("Now: {}", r.row.status.label(m.now))],
                intent: PanelIntent::Retry { message, backend },
                back: Some(Box::new(back)),
            });
        }
        (KeyCode::Char('r'), st) => {
            error(
                m,
                format!(
                    "only a failed or dropped delivery can be retried (this one: {})",
                    st.label(m.now)
                ),
            );
        }
        (
            KeyCode::Char('x'),
            DeliveryStatus::Failed { .. }
            | DeliveryStatus::Queued
            | DeliveryStatus::Retrying { .. },
        ) => {
            m.mode = Mode::Panel(Panel::Confirm {
                prompt: format!("Drop {what}? It will not be sent."),
                detail: vec![format!("Now: {}", r.row.status.label(m.now))],
                intent: PanelIntent::Drop { message, backend },
                back: Some(Box::new(back)),
            });
        }
        (KeyCode::Char('x'), DeliveryStatus::Sending { .. }) => {
            error(
                m,
                "an attempt is under way: wait for its outcome, then drop".into(),
            );
        }
        (KeyCode::Char('x'), st) => {
            error(m, format!("nothing to drop: {}", st.label(m.now)));
        }
        _ => {}
    }
    Vec::new()
}

fn cleanup_key(m: &mut Model, sel: usize, k: KeyEvent) -> Vec<Cmd> {
    let Some(inc) = m.inc.clone() else {
        return Vec::new();
    };
    let c = &inc.followup.cleanup;
    let sel = sel.min(c.items.len().saturating_sub(1));
    if closes(&k) || k.code == KeyCode::Char('C') {
        return Vec::new();
    }
    if let Some(s) = list_move(&k, sel, c.items.len()) {
        m.mode = Mode::Panel(Panel::Cleanup { sel: s });
        return Vec::new();
    }
    m.mode = Mode::Panel(Panel::Cleanup { sel });
    let Some(item) = c.items.get(sel).cloned() else {
        return Vec::new();
    };
    let ticking = matches!(k.code, KeyCode::Char(' ') | KeyCode::Enter);
    let skipping = k.code == KeyCode::Char('s') && k.modifiers == KeyModifiers::NONE;
    if !(ticking || skipping) {
        return Vec::new();
    }
    if c.opened_at.is_none() {
        error(
            m,
            format!(
                "the cleanup checklist opens when the incident is resolved ({} resolves)",
                key_of(m, Action::Resolve)
            ),
        );
        return Vec::new();
    }
    if ticking {
        let p = inc.cmd_cleanup_done(&item, None);
        if p.is_ok() {
            m.mode = Mode::Panel(Panel::Cleanup {
                sel: (sel + 1).min(c.items.len().saturating_sub(1)),
            });
        }
        append(m, p)
    } else {
        // Refuse early what the domain would refuse after typing.
        if let Err(e) = inc.cmd_cleanup_skip(&item, "x") {
            error(m, e.to_string());
            return Vec::new();
        }
        m.mode = Mode::Panel(Panel::SkipReason {
            item,
            sel,
            input: LineEdit::default(),
        });
        Vec::new()
    }
}

fn remediation_key(m: &mut Model, sel: usize, k: KeyEvent) -> Vec<Cmd> {
    let Some(inc) = m.inc.clone() else {
        return Vec::new();
    };
    let items = &inc.followup.remediations;
    let sel = sel.min(items.len().saturating_sub(1));
    if closes(&k) || Some(Key::from_event(&k)) == m.keymap.first(Action::Remediation) {
        return Vec::new();
    }
    if let Some(s) = list_move(&k, sel, items.len()) {
        m.mode = Mode::Panel(Panel::Remediation { sel: s });
        return Vec::new();
    }
    let back = Panel::Remediation { sel };
    m.mode = Mode::Panel(back.clone());
    if k.modifiers != KeyModifiers::NONE && k.modifiers != KeyModifiers::SHIFT {
        return Vec::new();
    }
    let input = |step| {
        Mode::Panel(Panel::RemediationInput {
            step,
            sel,
            input: LineEdit::default(),
        })
    };
    match k.code {
        KeyCode::Char('a') => m.mode = input(RemediationStep::Text),
        KeyCode::Char('o') | KeyCode::Char(' ') | KeyCode::Char('x') => {
            let Some(r) = items.get(sel) else {
                error(m, "no remediation item yet: a adds one".into());
                return Vec::new();
            };
            let id = r.id;
            if k.code == KeyCode::Char('o') {
                // Refuse early what the domain would refuse after typing.
                match inc.cmd_remediation_assign(id, "x") {
                    Ok(_) => m.mode = input(RemediationStep::Assign { id }),
                    Err(e) => error(m, e.to_string()),
                }
            } else {
                match inc.cmd_remediation_done(id, None) {
                    Ok(_) => {
                        m.mode = Mode::Panel(Panel::Confirm {
                            prompt: format!("Mark remediation #{id} done?"),
                            detail: vec![r.text.clone()],
                            intent: PanelIntent::RemediationDone(id),
                            back: Some(Box::new(back)),
                        });
                    }
                    Err(e) => error(m, e.to_string()),
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

fn remediation_input_key(
    m: &mut Model,
    step: RemediationStep,
    sel: usize,
    mut input: LineEdit,
    k: KeyEvent,
) -> Vec<Cmd> {
    if k.code == KeyCode::Esc || is_ctrl_c(&k) {
        info(m, "Cancelled: nothing changed".into());
        m.mode = Mode::Panel(Panel::Remediation { sel });
        return Vec::new();
    }
    if k.code != KeyCode::Enter {
        input.handle(&k);
        m.mode = Mode::Panel(Panel::RemediationInput { step, sel, input });
        return Vec::new();
    }
    let Some(inc) = m.inc.clone() else {
        return Vec::new();
    };
    let p = match &step {
        RemediationStep::Text => match inc.cmd_remediation_add(input.text(), None) {
            Ok(_) => {
                m.mode = Mode::Panel(Panel::RemediationInput {
                    step: RemediationStep::Owner {
                        text: input.text().to_string(),
                    },
                    sel,
                    input: LineEdit::default(),
                });
                return Vec::new();
            }
            Err(e) => Err(e),
        },
        RemediationStep::Owner { text } => {
            let owner = Some(input.text()).filter(|o| !o.trim().is_empty());
            inc.cmd_remediation_add(text, owner)
        }
        RemediationStep::Assign { id } => inc.cmd_remediation_assign(*id, input.text()),
    };
    match p {
        Ok(p) => {
            let sel = match step {
                RemediationStep::Assign { .. } => sel,
                _ => inc.followup.remediations.len(),
            };
            m.mode = Mode::Panel(Panel::Remediation { sel });
            append(m, Ok(p))
        }
        Err(e) => {
            error(m, e.to_string());
            m.mode = Mode::Panel(Panel::RemediationInput { step, sel, input });
            Vec::new()
        }
    }
}

fn confirm(m: &mut Model, intent: PanelIntent, back: Option<Box<Panel>>) -> Vec<Cmd> {
    match intent {
        PanelIntent::Page(msg) => vec![Cmd::Outbox(OutboxCmd::Send {
            msg: *msg,
            only: None,
        })],
        PanelIntent::Retry { message, backend } => {
            if let Some(b) = back {
                m.mode = Mode::Panel(*b);
            }
            vec![Cmd::Outbox(OutboxCmd::Retry { message, backend })]
        }
        PanelIntent::Drop { message, backend } => {
            if let Some(b) = back {
                m.mode = Mode::Panel(*b);
            }
            vec![Cmd::Outbox(OutboxCmd::Drop { message, backend })]
        }
        PanelIntent::Withdraw(role) => {
            let Some(inc) = &m.inc else {
                return Vec::new();
            };
            let p = inc.cmd_cancel_handoff(&role, None);
            append(m, p)
        }
        PanelIntent::RemediationDone(id) => {
            if let Some(b) = back {
                m.mode = Mode::Panel(*b);
            }
            let Some(inc) = &m.inc else {
                return Vec::new();
            };
            let p = inc.cmd_remediation_done(id, None);
            append(m, p)
        }
        PanelIntent::Ack(role) => {
            let Some(inc) = &m.inc else {
                return Vec::new();
            };
            let p = inc.cmd_ack_handoff(Some(&role), &m.actor);
            append(m, p)
        }
    }
}

/// Folds journal events into the deliveries view (both streams come through here).
pub fn fold(m: &mut Model, events: &[Event]) {
    let mut changed = false;
    for e in events {
        changed |= m.deliveries.apply(e);
    }
    if changed {
        (m.deliveries_pending, m.deliveries_failed) = m.deliveries.counts();
    }
}

/// A message from the outbox.
pub fn on_outbox(m: &mut Model, msg: OutboxMsg) -> Vec<Cmd> {
    match msg {
        OutboxMsg::Events(events) => fold(m, &events),
        OutboxMsg::Snapshot { state, seq } => {
            m.deliveries.snapshot(state, seq);
            (m.deliveries_pending, m.deliveries_failed) = m.deliveries.counts();
        }
        OutboxMsg::Done(text) => info(m, text),
        OutboxMsg::Failed(text) => error(m, text),
    }
    Vec::new()
}

/// The post-mortem draft was written (or not).
pub fn on_postmortem(m: &mut Model, r: Result<(String, String), String>) -> Vec<Cmd> {
    match r {
        Ok((path, text)) => {
            info(m, format!("Post-mortem draft written to {path}"));
            if matches!(m.mode, Mode::Normal) {
                m.mode = Mode::Panel(Panel::Postmortem {
                    path,
                    text,
                    scroll: 0,
                });
            }
        }
        Err(e) => error(m, format!("post-mortem NOT written: {e}")),
    }
    Vec::new()
}

/// The announcement of a change this cockpit journaled: `Cmd::Announce` (the executor
/// queues it in the outbox), except an acknowledged hand-off, whose announcement carries the
/// brief as its body.
pub fn announce(m: &Model, payload: &Payload, text: String) -> Option<Cmd> {
    let brief = match payload {
        Payload::HandoffAcknowledged { role, .. } => {
            m.events.iter().rev().find_map(|e| match &e.payload {
                Payload::HandoffProposed { role: r, brief, .. } if r == role => Some(brief.clone()),
                _ => None,
            })
        }
        _ => None,
    };
    match (brief, &m.inc) {
        (Some(body), Some(inc)) => Some(Cmd::Outbox(OutboxCmd::Send {
            msg: deliveries::announcement(inc, &text, &body),
            only: None,
        })),
        _ => Some(Cmd::Announce { text }),
    }
}

/// What follows events just journaled (`m.events[start..]`): resolving opens the cleanup
/// checklist and resolves an open page; a proposed hand-off shows its brief (to the
/// proposer, and to the incoming person when it comes from elsewhere).
pub fn after_journaled(m: &mut Model, start: usize, own: bool) -> Vec<Cmd> {
    let Some(inc) = m.inc.clone() else {
        return Vec::new();
    };
    let mut cmds = Vec::new();
    if own {
        let Some(last) = m.events.last().cloned() else {
            return cmds;
        };
        match &last.payload {
            Payload::StateChanged {
                to: Severity::Resolved,
                ..
            } => {
                cmds.extend(append(m, inc.cmd_open_cleanup(&m.config.cleanup.items)));
                if m.deliveries.page_open() {
                    cmds.push(Cmd::Outbox(OutboxCmd::Send {
                        msg: setup::page_resolve(&inc),
                        only: None,
                    }));
                }
                m.mode = Mode::Panel(Panel::Cleanup { sel: 0 });
            }
            Payload::HandoffProposed {
                role,
                from,
                to,
                brief,
            } => {
                m.mode = Mode::Panel(Panel::Brief {
                    role: role.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    text: brief.clone(),
                    scroll: 0,
                });
                info(
                    m,
                    format!(
                        "Proposed: {} -> {to}. {} keeps command until {to} acknowledges",
                        role.title(),
                        from.as_deref().unwrap_or("the holder")
                    ),
                );
            }
            Payload::CleanupItemDone { .. } | Payload::CleanupItemSkipped { .. }
                if inc.closed() =>
            {
                info(m, "Cleanup complete: the incident is closed".into());
            }
            _ => {}
        }
    } else {
        let proposed: Option<(Role, Option<String>, String, String, String)> = m
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
                } if crate::domain::followup::same_name(to, &m.actor)
                    && inc.followup.pending_handoffs.contains_key(role) =>
                {
                    Some((
                        role.clone(),
                        from.clone(),
                        to.clone(),
                        brief.clone(),
                        e.actor.clone(),
                    ))
                }
                _ => None,
            });
        if let Some((role, from, to, brief, by)) = proposed {
            info(
                m,
                format!(
                    "{by} proposes handing {} to you: read the brief; A acknowledges",
                    role.title()
                ),
            );
            if matches!(m.mode, Mode::Normal) {
                m.mode = Mode::Panel(Panel::Brief {
                    role,
                    from,
                    to,
                    text: brief,
                    scroll: 0,
                });
            }
        }
    }
    cmds
}

/// The payload for handing `role` to `name`: a proposal with the brief when the config
/// requires acknowledgement, else the hand-off itself.
pub fn handoff_payload(
    m: &Model,
    inc: &Incident,
    role: &Role,
    name: &str,
) -> Result<Payload, DomainError> {
    if !m.config.handoff.require_ack {
        return inc.cmd_handoff(role, name);
    }
    let open_rows: Vec<String> = m
        .rows
        .iter()
        .filter(|r| r.status.needs_attention() || r.status == Status::Snoozed)
        .map(|r| {
            format!(
                "{} {}: {}",
                r.question.question(),
                r.status.label(),
                r.reason
            )
        })
        .collect();
    let brief = handoff_brief(inc, &open_rows, &m.deliveries.open_lines(m.now), m.now);
    inc.cmd_propose_handoff(role, name, &brief)
}

/// What the hand-off confirmation adds when acknowledgement is required.
pub fn handoff_note(m: &Model, name: &str) -> String {
    if m.config.handoff.require_ack {
        format!(
            " {name} must acknowledge ({} in their cockpit, or `commandpost ack`) before it is announced; you keep the role until then.",
            key_of(m, Action::Acknowledge)
        )
    } else {
        String::new()
    }
}

/// What the quit confirmation adds when deliveries are pending.
pub fn quit_note(m: &Model) -> String {
    match m.deliveries_pending {
        0 => String::new(),
        n => format!(
            " {n} deliver{} pending: resumed on the next start or by `commandpost outbox flush`.",
            if n == 1 { "y is" } else { "ies are" }
        ),
    }
}
