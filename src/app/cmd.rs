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
    /// Queues an `@all:` announcement. Until the delivery outbox lands this
    /// is a line in the incident's local outbox file.
    Announce {
        text: String,
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
}
