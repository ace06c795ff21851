//! Every change the IC confirms first, as data, and what each means: why it cannot be done
//! (checked when asked and again when confirmed: another writer may have changed the
//! incident meanwhile), the question asked ([`Intent::ask`]) and what `y` does
//! ([`Intent::run`]). The one confirmation overlay (`app::overlay::confirm`) shows it.
//!
//! Adding a confirmed change: one variant here, then its arms in `check`, `ask` and `run`.

use crate::app::cmd::Cmd;
use crate::app::cockpit::Cockpit;
use crate::app::composer::kind::Kind;
use crate::app::deliveries::OutboxCmd;
use crate::app::keymap::Action;
use crate::domain::checklist::Status;
use crate::domain::event::{Payload, Severity};
use crate::domain::followup::handoff_brief;
use crate::domain::incident::{DomainError, Incident, announcement};
use crate::domain::outbound::OutboundMessage;
use crate::domain::role::Role;
use crate::domain::status;
use crate::domain::text::capitalised;

/// What a cancelled confirmation says.
pub const NOTHING_CHANGED: &str = "Cancelled: nothing changed";

/// A change waiting for the IC's `y`.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    SetState(Severity),
    Handoff(Role, String),
    Release(String),
    Quit,
    /// Drill only: end the drill and score it.
    EndDrill,
    /// Page through the backends that send pages, or `only` this one.
    Page {
        msg: Box<OutboundMessage>,
        only: Option<String>,
    },
    /// Requeue a failed (or dropped) delivery.
    Retry {
        message: String,
        backend: String,
    },
    /// Give up on a delivery.
    Drop {
        message: String,
        backend: String,
    },
    /// Take over a role proposed to the IC at the keyboard.
    Ack(Role),
    /// The outgoing holder withdraws a proposed hand-off.
    Withdraw(Role),
    /// Mark remediation item `id` done.
    RemediationDone(crate::domain::numbered::ItemRef),
    /// Send the sitrep or post the status update being composed: the text of the form's
    /// render `render` (its generation), the one the preview showed when the IC asked.
    Send {
        kind: Kind,
        render: u64,
    },
    /// Open a new incident from a firing alert (no incident is open): its summary as the
    /// title, its labels as the first note, the alert attached.
    OpenFromAlert(Box<crate::domain::alert::Alert>),
}

/// One line under a confirmation's question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub text: String,
    pub tone: Tone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// Worth a second look (what is announced, where a page goes).
    Warn,
    /// A lint warning (`⚠` in front).
    Lint,
}

impl Detail {
    pub fn plain(text: impl Into<String>) -> Detail {
        Detail {
            text: text.into(),
            tone: Tone::Plain,
        }
    }

    pub fn warn(text: impl Into<String>) -> Detail {
        Detail {
            text: text.into(),
            tone: Tone::Warn,
        }
    }
}

impl PartialEq<str> for Detail {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Detail {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

/// Where a confirmed intent leaves the IC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Everything closes.
    Close,
    /// Back to the overlay the confirmation came from (a list, the draft).
    Back,
}

impl Intent {
    /// The question and what to look at twice, or why it cannot be done.
    pub fn ask(&self, cx: &Cockpit) -> Result<(String, Vec<Detail>), String> {
        if let Intent::Send { kind, render } = self {
            return send_prompt(cx, *kind, *render);
        }
        if let Intent::OpenFromAlert(alert) = self {
            return open_prompt(cx, alert);
        }
        let payload = self.check(cx)?;
        let announces = payload
            .as_ref()
            .and_then(announcement)
            .map(|a| vec![Detail::warn(format!("Announces: {a}"))])
            .unwrap_or_default();
        Ok(match self {
            Intent::SetState(Severity::Resolved) => ("Resolve the incident?".into(), announces),
            Intent::SetState(s) => (
                format!(
                    "Set state {} {}?",
                    s.level().unwrap_or(0),
                    s.label().to_uppercase()
                ),
                announces,
            ),
            Intent::Handoff(role, name) => (
                format!("Hand {} to {name}?{}", role.title(), handoff_note(cx, name)),
                [announces, tiredness(cx, name)].concat(),
            ),
            Intent::Release(name) => (
                format!("Release {name}? They go off duty and leave any role but IC."),
                announces,
            ),
            Intent::Quit => (quit_prompt(cx), Vec::new()),
            Intent::EndDrill => ("End the drill now and score it?".into(), Vec::new()),
            Intent::Page { msg, only } => (
                format!("Page through {}?", cx.page_route(only.as_deref())),
                vec![Detail::warn(msg.headline.clone())],
            ),
            Intent::Retry { message, backend } => {
                let (what, now) = delivery_row(cx, message, backend);
                (format!("Retry {what}?"), vec![Detail::warn(now)])
            }
            Intent::Drop { message, backend } => {
                let (what, now) = delivery_row(cx, message, backend);
                (
                    format!("Drop {what}? It will not be sent."),
                    vec![Detail::warn(now)],
                )
            }
            Intent::Ack(role) => ack_prompt(cx, role),
            Intent::Withdraw(role) => withdraw_prompt(cx, role),
            Intent::RemediationDone(id) => (
                format!("Mark remediation #{} done?", remediation_label(cx, id)),
                remediation_text(cx, id)
                    .map(Detail::warn)
                    .into_iter()
                    .collect(),
            ),
            Intent::Send { kind, render } => send_prompt(cx, *kind, *render)?,
            Intent::OpenFromAlert(alert) => open_prompt(cx, alert)?,
        })
    }

    /// The change this intent journals, as of now (`None`: it journals nothing), or why it
    /// cannot be done.
    fn check(&self, cx: &Cockpit) -> Result<Option<Payload>, String> {
        let Some(inc) = &cx.inc else {
            return match self {
                Intent::Quit | Intent::EndDrill => Ok(None),
                _ => Err("no incident is open".into()),
            };
        };
        let p = match self {
            Intent::SetState(s) => inc.cmd_set_state(*s),
            Intent::Handoff(role, name) => handoff_payload(cx, inc, role, name),
            Intent::Release(name) => inc.cmd_release(name),
            Intent::Ack(role) => {
                if !inc.followup.pending_handoffs.contains_key(role) {
                    return Err(format!(
                        "the hand-off of {} is no longer pending",
                        role.title()
                    ));
                }
                inc.cmd_ack_handoff(Some(role), &cx.actor)
            }
            Intent::Withdraw(role) => inc.cmd_cancel_handoff(role, None),
            Intent::RemediationDone(id) => inc.cmd_remediation_done_item(id, None),
            Intent::Send { kind, render } => return send_payload(cx, *kind, *render).map(Some),
            Intent::Quit
            | Intent::EndDrill
            | Intent::OpenFromAlert(_)
            | Intent::Page { .. }
            | Intent::Retry { .. }
            | Intent::Drop { .. } => return Ok(None),
        };
        p.map(Some).map_err(|e: DomainError| e.to_string())
    }

    /// `y`: what it does and where it leaves the IC.
    pub fn run(self, cx: &mut Cockpit) -> (Vec<Cmd>, After) {
        match self {
            Intent::Quit => (cx.quit(), After::Close),
            Intent::EndDrill => (end_drill(cx), After::Close),
            Intent::Page { msg, only } => (
                vec![Cmd::Outbox(OutboxCmd::Send {
                    msg: *msg,
                    only: only.map(|n| vec![n]),
                })],
                After::Close,
            ),
            Intent::Retry { message, backend } => (
                vec![Cmd::Outbox(OutboxCmd::Retry { message, backend })],
                After::Back,
            ),
            Intent::Drop { message, backend } => (
                vec![Cmd::Outbox(OutboxCmd::Drop { message, backend })],
                After::Back,
            ),
            Intent::Send { .. } => match self.check(cx) {
                Ok(Some(p)) => (cx.append(Ok(p)), After::Close),
                Ok(None) => (Vec::new(), After::Close),
                Err(e) => {
                    cx.flash_error(format!("NOT sent: {e}"));
                    (Vec::new(), After::Back)
                }
            },
            Intent::RemediationDone(_) => (self.journal(cx), After::Back),
            // Back to the alerts: they show the alert attached once the incident is open.
            Intent::OpenFromAlert(alert) => (open_from_alert(cx, &alert), After::Back),
            Intent::SetState(_)
            | Intent::Handoff(..)
            | Intent::Release(_)
            | Intent::Ack(_)
            | Intent::Withdraw(_) => (self.journal(cx), After::Close),
        }
    }

    /// Journals the change, checked again against the incident as it is now.
    fn journal(&self, cx: &mut Cockpit) -> Vec<Cmd> {
        match self.check(cx) {
            Ok(Some(p)) => cx.append(Ok(p)),
            Ok(None) => Vec::new(),
            Err(e) => {
                cx.flash_error(e);
                Vec::new()
            }
        }
    }

    /// What `n` says.
    pub fn cancelled(&self) -> &'static str {
        match self {
            Intent::Send { .. } => "Not sent: back to the draft",
            _ => NOTHING_CHANGED,
        }
    }

    /// The label of `y` in the footer.
    pub fn yes_label(&self) -> &'static str {
        match self {
            Intent::Send { .. } => "send",
            _ => "yes",
        }
    }

    /// The label of `n` in the footer.
    pub fn no_label(&self) -> &'static str {
        match self {
            Intent::Send { .. } => "back to the draft",
            _ => "no, change nothing",
        }
    }

    /// The question in front of the footer, when the prompt is not one.
    pub fn question(&self, warned: bool) -> Option<&'static str> {
        let Intent::Send { kind, .. } = self else {
            return None;
        };
        Some(match (kind, warned) {
            (Kind::Sitrep, false) => "Send it?",
            (Kind::Status, false) => "Post it?",
            (Kind::Sitrep, true) => "Send anyway?",
            (Kind::Status, true) => "Post anyway?",
        })
    }
}

/// The payload for handing `role` to `name`: a proposal with the brief when the config
/// requires acknowledgement, else the hand-off itself.
fn handoff_payload(
    cx: &Cockpit,
    inc: &Incident,
    role: &Role,
    name: &str,
) -> Result<Payload, DomainError> {
    if !cx.config.handoff.require_ack {
        return inc.cmd_handoff(role, name);
    }
    let open_rows: Vec<String> = cx
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
    let brief = handoff_brief(inc, &open_rows, &cx.deliveries.open_lines(cx.now), cx.now);
    inc.cmd_propose_handoff(role, name, &brief)
}

/// What the hand-off confirmation adds when acknowledgement is required.
fn handoff_note(cx: &Cockpit, name: &str) -> String {
    if cx.config.handoff.require_ack {
        format!(
            " {name} must acknowledge ({} in their cockpit, or `commandpost ack`) before it is announced; you keep the role until then.",
            cx.key(Action::Acknowledge)
        )
    } else {
        String::new()
    }
}

/// What to look at twice before handing a role to `name` (on a break, near or past the end
/// of their shift: [`crate::domain::followup::rotation::tiredness`]).
fn tiredness(cx: &Cockpit, name: &str) -> Vec<Detail> {
    cx.inc.as_ref().map_or_else(Vec::new, |inc| {
        crate::domain::followup::rotation::tiredness(inc, name, &cx.config.shifts, cx.now)
            .into_iter()
            .map(Detail::warn)
            .collect()
    })
}

fn quit_prompt(cx: &Cockpit) -> String {
    if cx.drill.is_some() {
        return format!(
            "Leave the drill without a score? ({} ends it with a score card)",
            cx.key(Action::DrillEnd)
        );
    }
    let pending = match cx.deliveries_pending {
        0 => String::new(),
        n => format!(
            " {n} deliver{} pending: resumed on the next start or by `commandpost outbox flush`.",
            if n == 1 { "y is" } else { "ies are" }
        ),
    };
    format!("Quit the cockpit? The incident stays open; run commandpost again to resume.{pending}")
}

/// The IC confirmed the end of a drill: score, save, quit. The card is printed once the
/// terminal is restored.
fn end_drill(cx: &mut Cockpit) -> Vec<Cmd> {
    if cx.drill.is_none() {
        cx.flash_error("not a drill");
        return Vec::new();
    }
    let mut cmds = vec![Cmd::DrillEnd];
    cmds.extend(cx.quit());
    cmds
}

/// `page "[major] …" to pagerduty`, and `Now: failed: …`.
fn delivery_row(cx: &Cockpit, message: &str, backend: &str) -> (String, String) {
    cx.deliveries
        .rows()
        .into_iter()
        .find(|r| r.row.message == message && r.row.backend == backend)
        .map_or_else(
            || (format!("{message} to {backend}"), String::new()),
            |r| {
                (
                    format!("{} {:?} to {}", r.row.kind, r.row.headline, backend),
                    format!("Now: {}", r.row.status.label(cx.now)),
                )
            },
        )
}

fn ack_prompt(cx: &Cockpit, role: &Role) -> (String, Vec<Detail>) {
    let p = cx
        .inc
        .as_ref()
        .and_then(|inc| inc.followup.pending_handoffs.get(role));
    let from = p.and_then(|p| p.from.as_deref()).unwrap_or("nobody");
    let to = p.map_or("", |p| p.to.as_str());
    (
        format!("Take over {} from {from}?", role.title()),
        vec![Detail::warn(format!(
            "Announces: @all: {} -> {to} (with this brief)",
            role.title()
        ))],
    )
}

fn withdraw_prompt(cx: &Cockpit, role: &Role) -> (String, Vec<Detail>) {
    let to = cx
        .inc
        .as_ref()
        .and_then(|inc| inc.followup.pending_handoffs.get(role))
        .map_or_else(String::new, |p| p.to.clone());
    (
        format!("Withdraw the hand-off of {} to {to}?", role.title()),
        vec![Detail::warn(format!(
            "{to} can no longer acknowledge it; nothing is announced"
        ))],
    )
}

fn remediation_text(cx: &Cockpit, id: &crate::domain::numbered::ItemRef) -> Option<String> {
    cx.inc.as_ref()?.remediation(id).map(|r| r.text.clone())
}

fn remediation_label(cx: &Cockpit, id: &crate::domain::numbered::ItemRef) -> String {
    cx.inc
        .as_ref()
        .and_then(|i| i.remediation(id))
        .map_or_else(|| id.id.to_string(), |r| r.label())
}

/// The sitrep or status update the form sends: the text of render `render`, the one the IC
/// saw (never rendered again), or why not.
fn send_payload(cx: &Cockpit, kind: Kind, render: u64) -> Result<Payload, String> {
    let form = cx.desk.form(kind).ok_or("nothing to send")?;
    form.to_send(render)
}

/// "Send sitrep v3?": where it goes, what it names or promises, the lint warnings.
fn send_prompt(cx: &Cockpit, kind: Kind, render: u64) -> Result<(String, Vec<Detail>), String> {
    let (Some(inc), Some(form)) = (&cx.inc, cx.desk.form(kind)) else {
        return Err("nothing to send".into());
    };
    if let Some(p) = form.problems.first() {
        let more = match form.problems.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        return Err(format!("cannot send yet: {p}{more}"));
    }
    let payload = form
        .to_send(render)
        .map_err(|e| format!("cannot send yet: {e}"))?;
    let mut detail = vec![Detail::plain("To:")];
    let backends = &cx.desk.backends;
    let list = backends.for_kind(kind.message_kind());
    detail.extend(list.iter().flat_map(|b| {
        let to = Detail::plain(format!("  → {} ({})", b.name(), b.kind().as_str()));
        let target = b
            .target(&inc.id)
            .map(|t| Detail::plain(crate::domain::text::safe(&format!("      {t}")).into_owned()));
        std::iter::once(to).chain(target)
    }));
    if let Some(e) = &backends.error {
        detail.push(Detail::plain(format!(
            "  → NOT to the configured backends: {e}"
        )));
    } else if let Some(i) = &backends.instead {
        detail.push(Detail::plain(format!("  → {i}")));
    } else if list.is_empty() {
        detail.push(Detail::plain(format!(
            "  → nowhere: no backend sends {}s (it is journaled only)",
            kind.message_kind().as_str()
        )));
    }
    let title = match &payload {
        Payload::SitrepSent {
            version,
            ic,
            comms,
            responders,
            ..
        } => {
            detail.push(Detail::plain(format!(
                "Names IC {}, Comms {}, {} responder{}",
                ic.as_deref().unwrap_or("(none)"),
                comms.as_deref().unwrap_or("(none)"),
                responders.len(),
                if responders.len() == 1 { "" } else { "s" }
            )));
            format!("Send sitrep v{version}?")
        }
        Payload::StatusPosted { fields, .. } => {
            detail.push(Detail::plain(match fields.next_update_at {
                Some(t) => format!(
                    "Promises the next update in {} ({})",
                    status::words(t.duration_since(cx.now)),
                    t.strftime("%H:%M UTC")
                ),
                None => "Promises no next update".into(),
            }));
            format!(
                "Post the public status update ({})?",
                capitalised(&fields.stage)
            )
        }
        _ => String::new(),
    };
    if !form.warnings.is_empty() {
        let n = form.warnings.len();
        detail.push(Detail::plain(""));
        detail.push(Detail::warn(format!(
            "{n} lint warning{} (the doctrine's checks; none stops sending):",
            if n == 1 { "" } else { "s" }
        )));
        detail.extend(form.warnings.iter().map(|(i, w)| Detail {
            text: form.warning_line(*i, w),
            tone: Tone::Lint,
        }));
    }
    Ok((title, detail))
}

/// "Open a new incident from this alert?", with the title and the first note it gets.
fn open_prompt(
    cx: &Cockpit,
    alert: &crate::domain::alert::Alert,
) -> Result<(String, Vec<Detail>), String> {
    match &cx.inc {
        Some(i) if i.is_open() => {
            return Err("an incident is open: `n` attaches the alert to it".into());
        }
        Some(_) => return Err(resolved_here(alert)),
        None => {}
    }
    let (title, then) =
        crate::domain::incident::open_from_alert(alert, &cx.actor).map_err(|e| e.to_string())?;
    let mut details = vec![Detail::warn(format!("Title: {title}"))];
    details.extend(then.iter().filter_map(|p| match p {
        Payload::NoteAdded { text } => Some(Detail::plain(format!("First note: {text}"))),
        _ => None,
    }));
    Ok((
        format!(
            "Open a new incident from alert {}? You become the IC.",
            alert.name()
        ),
        details,
    ))
}

/// `y` on opening from an alert: checked again, then one command opens and fills it.
fn open_from_alert(cx: &mut Cockpit, alert: &crate::domain::alert::Alert) -> Vec<Cmd> {
    if cx.inc.is_some() {
        cx.flash_error(resolved_here(alert));
        return Vec::new();
    }
    match crate::domain::incident::open_from_alert(alert, &cx.actor) {
        Ok((title, then)) => {
            cx.writing += 1;
            vec![Cmd::Create { title, then }]
        }
        Err(e) => {
            cx.flash_error(e.to_string());
            Vec::new()
        }
    }
}

/// Why a cockpit that holds a resolved incident does not open another one itself.
pub fn resolved_here(alert: &crate::domain::alert::Alert) -> String {
    format!(
        "this cockpit holds a resolved incident: `commandpost new --from-alert {}` opens one \
         from the alert (or start the cockpit again)",
        alert.fingerprint
    )
}
