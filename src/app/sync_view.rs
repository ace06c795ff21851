//! A synced incident as the cockpit shows it (issue 12): the sync state for the status line,
//! what the room did that the journal cannot say (redactions, events it could not read), and
//! the words for conflicts, rejected room commands and lost roles, which every cockpit
//! derives alike from the journal in merge order. Pure: the follower's news come in as
//! [`SyncMsg`]s; the journal's events through the usual `Msg::Journaled`. What the model does
//! with them is in `app::synced` (so this file, which the cockpit's state holds, does not
//! depend on the model).

use crate::domain::event::{Event, Payload};
use crate::domain::incident::Incident;
use crate::domain::replicated::RoomOutcome;
use jiff::Timestamp;

/// What the cockpit knows of its link to the incident's room.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncView {
    /// The room (alias if attached with one, else its id).
    pub room: String,
    /// The status line's words: `sync: live`, `sync: offline, 7 unsent (...)`.
    pub line: String,
    /// What the room did that the journal cannot show, oldest first.
    pub notes: Vec<(Timestamp, String)>,
}

impl SyncView {
    pub fn new(room: &str) -> SyncView {
        SyncView {
            room: room.to_string(),
            line: "sync: starting".into(),
            notes: Vec::new(),
        }
    }

    /// Whether the link is in touch with the homeserver.
    pub fn live(&self) -> bool {
        self.line.starts_with("sync: live")
    }
}

/// What the follower (the thread following the room) tells the cockpit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncMsg {
    /// It appended events from the room to the journal: read them.
    Arrived,
    /// The sync state changed.
    Line(String),
    /// The incident was attached to room `.0` after this cockpit started (`sync attach` in
    /// another terminal): the cockpit follows it from now on.
    Attached(String),
    /// Something the room did that the journal cannot show (a redaction, events it could not
    /// read, the room turned encrypted).
    Note(String),
}

/// The timeline's words for an event whose outcome only the merged order tells: a hand-off
/// or state change that lost a race, a room command (done or rejected, and why).
pub fn outcome(inc: &Incident, e: &Event) -> Option<(bool, String)> {
    match &e.payload {
        Payload::RoomCommand(c) => inc
            .room_commands
            .iter()
            .find(|o| o.cited == c.cited)
            .map(|o: &RoomOutcome| (!o.accepted, o.text())),
        Payload::RoleHandedOff { .. }
        | Payload::HandoffProposed { .. }
        | Payload::HandoffAcknowledged { .. }
        | Payload::HandoffCancelled { .. }
        | Payload::StateChanged { .. } => inc
            .conflicts
            .iter()
            .find(|c| c.at == e.ts && c.by == e.actor)
            .map(|c| (true, format!("CONFLICT: {}", c.text))),
        _ => None,
    }
}
