//! The one executor: it runs the commands `update` asks for, in order, on its own thread,
//! and answers with messages. What each command does to the world is an [`Effects`]
//! implementation: [`crate::shell::real::RealEffects`] (the incident's journal, the outbox,
//! drafts, the post-mortem) or [`crate::shell::drill::DrillEffects`] (the drill's journal
//! on its simulated clock, the sink, the score).
//!
//! Adding an effect: a `Cmd` variant (`app::cmd`), one arm in [`execute`], one method here
//! (with a default when only one implementation does something).

use crate::app::cmd::Cmd;
use crate::app::composer::kind::Kind;
use crate::app::deliveries::{OutboxCmd, OutboxMsg};
use crate::app::msg::Msg;
use crate::domain::outbound::MessageKind;
use crate::domain::{Event, Payload};
use jiff::tz::TimeZone;
use std::sync::mpsc as std_mpsc;
use tokio::sync::mpsc;

/// Why a change was not journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub error: String,
    /// What other writers had appended meanwhile (read under the lock): the model must
    /// see it too.
    pub seen: Vec<Event>,
}

impl Refused {
    pub fn new(error: impl Into<String>) -> Refused {
        Refused {
            error: error.into(),
            seen: Vec::new(),
        }
    }
}

/// What the commands do to the world.
pub trait Effects: Send {
    /// Before the first command (the outbox of the open incident resumes).
    fn start(&mut self) {}

    /// Opens a new incident with this title; the actor becomes IC.
    fn create(&mut self, title: &str) -> Result<Vec<Event>, Refused>;

    /// Journals a validated change (fsync); the events written.
    fn append(&mut self, p: Payload) -> Result<Vec<Event>, Refused>;

    /// Queues, retries or drops an outbound message.
    fn outbox(&mut self, c: OutboxCmd) -> OutboxMsg;

    /// Said after a queued announcement, sitrep or status update (a drill says where it went).
    fn queued_note(&self) -> String {
        String::new()
    }

    /// Writes (`Some`) or deletes (`None`) a composer's draft.
    fn draft(&mut self, kind: Kind, content: Option<&str>) -> Result<(), String>;

    /// Drafts the post-mortem; the answer comes as `Msg::Postmortem` (now, or on `reply`).
    fn postmortem(
        &mut self,
        tz: Option<TimeZone>,
        reply: &mpsc::UnboundedSender<Msg>,
    ) -> Option<Msg>;

    /// Events appended by other writers (and, in a drill, the injects due).
    fn poll(&mut self) -> Result<Vec<Event>, String>;

    /// Up to `max` journal events ending at byte `end`, oldest first, with the offset where
    /// the first starts (a long incident's timeline, scrolled back). A drill's timeline is
    /// whole in memory: nothing.
    fn older(&mut self, end: u64, max: usize) -> Result<(Vec<Event>, u64), String> {
        let _ = (end, max);
        Ok((Vec::new(), 0))
    }

    /// Drill only: scores the drill as of now.
    fn end_drill(&mut self) {}

    /// After the last command: what to print once the terminal is restored.
    fn finish(self: Box<Self>) -> Option<String> {
        None
    }
}

/// Runs commands in order until the loop hangs up.
pub fn execute(fx: &mut dyn Effects, rx: std_mpsc::Receiver<Cmd>, tx: mpsc::UnboundedSender<Msg>) {
    fx.start();
    let mut last_poll_error: Option<String> = None;
    let mut renders = crate::shell::render::Renders::default();
    for cmd in rx {
        let reply = match cmd {
            Cmd::Create { title, then } => journaled(create(fx, &title, then), &tx),
            Cmd::Append(p) => journaled(fx.append(p), &tx),
            Cmd::Outbox(c) => Some(outbox(fx, c)),
            Cmd::Draft { kind, content } => fx
                .draft(kind, content.as_deref())
                .err()
                .map(Msg::DraftFailed),
            Cmd::Postmortem { tz } => fx.postmortem(tz, &tx),
            Cmd::Poll => polled(fx.poll(), &mut last_poll_error),
            Cmd::Older { end, max } => Some(Msg::Older(fx.older(end, max))),
            Cmd::Render(job) => {
                renders.start(job, &tx);
                None
            }
            Cmd::CancelRender(kind) => {
                renders.cancel(kind);
                None
            }
            Cmd::DrillEnd => {
                fx.end_drill();
                None
            }
            Cmd::Redraw | Cmd::Suspend | Cmd::Quit => None,
        };
        // The loop may be gone: what was asked still runs (a queued end still scores).
        if let Some(m) = reply {
            let _ = tx.send(m);
        }
    }
}

/// Opens the incident, then journals what follows the opening; the events written so far
/// are kept when a later one is refused (the incident is open either way).
fn create(fx: &mut dyn Effects, title: &str, then: Vec<Payload>) -> Result<Vec<Event>, Refused> {
    let mut events = fx.create(title)?;
    for p in then {
        match fx.append(p) {
            Ok(more) => events.extend(more),
            Err(mut r) => {
                events.append(&mut r.seen);
                r.seen = events;
                return Err(r);
            }
        }
    }
    Ok(events)
}

/// The answer to a change of ours.
fn journaled(r: Result<Vec<Event>, Refused>, tx: &mpsc::UnboundedSender<Msg>) -> Option<Msg> {
    Some(match r {
        Ok(events) => Msg::Journaled { events, own: true },
        Err(r) => {
            if !r.seen.is_empty() {
                let _ = tx.send(Msg::Journaled {
                    events: r.seen,
                    own: false,
                });
            }
            Msg::JournalFailed(r.error)
        }
    })
}

/// How the IC hears of an outbox command: a queued announcement, sitrep or status update as
/// "Queued for announcement: <headline>"; a page, a retry or a drop as the outbox says.
fn outbox(fx: &mut dyn Effects, c: OutboxCmd) -> Msg {
    let headline = match &c {
        OutboxCmd::Send { msg, .. } if msg.kind != MessageKind::Page => Some(msg.headline.clone()),
        _ => None,
    };
    match (headline, fx.outbox(c)) {
        (Some(_), OutboxMsg::Failed(e)) => Msg::AnnounceFailed(e),
        (Some(h), _) => Msg::Announced(format!("{h}{}", fx.queued_note())),
        (None, r) => Msg::Outbox(r),
    }
}

/// Events from other writers; a poll error once until it changes.
fn polled(r: Result<Vec<Event>, String>, last_error: &mut Option<String>) -> Option<Msg> {
    match r {
        Ok(events) if events.is_empty() => None,
        Ok(events) => {
            *last_error = None;
            Some(Msg::Journaled { events, own: false })
        }
        Err(text) if last_error.as_ref() == Some(&text) => None,
        Err(text) => {
            *last_error = Some(text.clone());
            Some(Msg::PollFailed(text))
        }
    }
}
