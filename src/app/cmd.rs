//! What update asks the outside world to do. Run by the executor.

use crate::domain::Payload;

// A few commands per key press: the size of `Append` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Opens a new incident with this title; the actor becomes IC.
    Create {
        title: String,
    },
    /// Journals a validated change (fsync); answered by `Msg::Journaled`.
    Append(Payload),
    /// Queues an `@all:` announcement in the delivery outbox (addressed with
    /// the incident as the executor knows it after the change).
    Announce {
        text: String,
    },
    /// Queues a message (a sent sitrep, a posted status update) for
    /// delivery, after its event is journaled. (The delivery branch's
    /// `Cmd::Outbox(OutboxCmd::Send { msg, only: None })` is the same.)
    Send(crate::domain::outbound::OutboundMessage),
    /// Writes (`Some`, TOML) or deletes (`None`) a composer's draft in
    /// `<incident dir>/drafts/`.
    Draft {
        kind: crate::app::composer::kind::Kind,
        content: Option<String>,
    },
    /// Reads events appended by other writers.
    Poll,
    /// Clears and redraws the whole screen.
    Redraw,
    /// Ctrl-Z: restore the terminal and stop until resumed.
    Suspend,
    /// Drill only: score the drill as of now and save the card (then quit).
    DrillEnd,
    Quit,
    /// Queues, retries or drops an outbound message (`app::deliveries`).
    Outbox(crate::app::deliveries::OutboxCmd),
    /// Drafts the post-mortem from the journal into `<incident dir>/postmortem.md`; local
    /// times in `tz` next to UTC when given. Answered by `Msg::Postmortem`.
    Postmortem {
        tz: Option<jiff::tz::TimeZone>,
    },
}
