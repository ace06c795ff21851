//! A synced incident as the cockpit shows it (issue 12): the sync state for the status line,
//! what the room did that the journal cannot say (redactions, events it could not read), and
//! the words for conflicts, rejected room commands and lost roles, which every cockpit
//! derives alike from the journal in merge order. Pure: the follower's news come in as
//! [`SyncMsg`]s; the journal's events through the usual `Msg::Journaled`.

use crate::app::cmd::Cmd;
use crate::app::model::Model;
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
    /// Something the room did that the journal cannot show (a redaction, events it could not
    /// read, the room turned encrypted).
    Note(String),
}

/// A message from the follower.
pub fn on_sync(m: &mut Model, msg: SyncMsg) -> Vec<Cmd> {
    match msg {
        // Read through the same path as every other writer's events.
        SyncMsg::Arrived => vec![Cmd::Poll],
        SyncMsg::Line(line) => {
            if let Some(s) = &mut m.cx.sync {
                s.line = line;
            }
            Vec::new()
        }
        SyncMsg::Note(text) => {
            let now = m.now;
            if let Some(s) = &mut m.cx.sync {
                s.notes.push((now, text.clone()));
            }
            m.flash_error(format!("Room: {text}"));
            Vec::new()
        }
    }
}

/// What changed for the people at this cockpit when other cockpits' events arrived: new
/// conflicts, new rejected room commands, a role lost. Said in the status line; the
/// timeline and the sync view (`T`) keep saying it.
pub fn after_remote(m: &mut Model, before: &Incident) {
    let Some(inc) = &m.cx.inc else {
        return;
    };
    let mut said: Vec<(bool, String)> = Vec::new();
    for c in inc.conflicts.iter().skip(before.conflicts.len()) {
        said.push((true, format!("CONFLICT: {}", c.text)));
    }
    let old_rejected = before.rejected_room_commands().count();
    for r in inc.rejected_room_commands().skip(old_rejected) {
        said.push((true, r.text()));
    }
    let was = before.standing(&m.cx.actor);
    let now = inc.standing(&m.cx.actor);
    for lost in &now.lost {
        if was.holds.contains(&lost.role) {
            said.push((true, lost.text()));
        }
    }
    // The most important last (it is the one the status line keeps).
    said.sort_by_key(|(error, _)| *error);
    if let Some((error, text)) = said.pop() {
        let text = if said.is_empty() {
            text
        } else {
            format!(
                "{text} (and {} more: {} shows them)",
                said.len(),
                m.cx.key(crate::app::actions::Action::SyncView)
            )
        };
        if error {
            m.flash_error(text);
        } else {
            m.flash_info(text);
        }
    }
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

/// The sync view's text (`T`): the link, this person's standing, conflicts, rejected room
/// commands, what the room did.
pub fn text(m: &Model) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let Some(sync) = &m.cx.sync else {
        return "This incident is not synced. `commandpost sync attach ROOM` publishes it to a \
                Matrix room; `commandpost sync join ROOM` on another machine follows it."
            .into();
    };
    let _ = writeln!(s, "Room: {}", sync.room);
    let _ = writeln!(s, "State: {}", sync.line);
    if let Some(inc) = &m.cx.inc {
        let st = inc.standing(&m.cx.actor);
        let _ = writeln!(s);
        let _ = writeln!(s, "You ({}):", m.cx.actor);
        if st.holds.is_empty() {
            let _ = writeln!(s, "  hold no role");
        } else {
            let roles: Vec<String> = st.holds.iter().map(|r| r.title()).collect();
            let _ = writeln!(s, "  hold {}", roles.join(", "));
        }
        for l in &st.lost {
            let _ = writeln!(s, "  {}", l.text());
        }
        for r in &st.to_acknowledge {
            let _ = writeln!(
                s,
                "  {} is proposed to you: A opens the brief to acknowledge it",
                r.title()
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "Conflicts (every cockpit shows the same):");
        if inc.conflicts.is_empty() {
            let _ = writeln!(s, "  none");
        }
        for c in &inc.conflicts {
            let _ = writeln!(s, "  {} {}", c.at.strftime("%H:%M:%S"), c.text);
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "Commands typed in the room:");
        if inc.room_commands.is_empty() {
            let _ = writeln!(s, "  none");
        }
        for o in &inc.room_commands {
            let _ = writeln!(s, "  {} {}", o.at.strftime("%H:%M:%S"), o.text());
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "Seen in the room (the journal keeps every line):");
    if sync.notes.is_empty() {
        let _ = writeln!(s, "  nothing unusual");
    }
    for (at, n) in &sync.notes {
        let _ = writeln!(s, "  {} {n}", at.strftime("%H:%M:%S"));
    }
    s
}
