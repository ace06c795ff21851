//! What update asks the outside world to do. Run by the executor.

use crate::domain::Payload;

// A few commands per key press: the size of `Append` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Opens a new incident with this title; the actor becomes IC. `then` is journaled right
    /// after the opening, in order (an incident opened from an alert: its note, the alert).
    Create {
        title: String,
        then: Vec<Payload>,
    },
    /// Journals a validated change (fsync); answered by `Msg::Journaled`.
    Append(Payload),
    /// Writes (`Some`, TOML) or deletes (`None`) a composer's draft in
    /// `<incident dir>/drafts/`.
    Draft {
        kind: crate::app::composer::kind::Kind,
        content: Option<String>,
    },
    /// Reads events appended by other writers.
    Poll,
    /// Reads up to `max` events of the journal that end at byte `end` (the timeline of a
    /// long incident, scrolled back). Answered by `Msg::Older`.
    Older {
        end: u64,
        max: usize,
    },
    /// Clears and redraws the whole screen.
    Redraw,
    /// Ctrl-Z: restore the terminal and stop until resumed.
    Suspend,
    /// Drill only: score the drill as of now and save the card (then quit).
    DrillEnd,
    Quit,
    /// Queues (announcements, sent sitreps and status updates, pages), retries or drops an
    /// outbound message: the one road to the outbox. Every message is built by
    /// `delivery::setup`.
    Outbox(crate::app::deliveries::OutboxCmd),
    /// Renders a composer's template off the UI thread (a newer render of the same composer
    /// kills this one's child); answered by `Msg::Rendered`.
    Render(crate::app::composer::render::RenderJob),
    /// The composer closed: kills its render under way.
    CancelRender(crate::app::composer::kind::Kind),
    /// Drafts the post-mortem from the journal into `<incident dir>/postmortem.md`; local
    /// times in `tz` next to UTC when given. Answered by `Msg::Postmortem`.
    Postmortem {
        tz: Option<jiff::tz::TimeZone>,
    },
}
