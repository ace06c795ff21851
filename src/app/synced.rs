//! What follows a synced incident's news (issue 12): the follower's messages, what changed
//! for the people at this cockpit when other cockpits' events arrived, the sync view's text.
//! The state itself is [`crate::app::sync_view::SyncView`] in the cockpit.

use crate::app::cmd::Cmd;
use crate::app::model::Model;
use crate::app::sync_view::SyncMsg;
use crate::domain::incident::Incident;

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
        SyncMsg::Attached(room) => {
            if m.cx.sync.is_none() {
                m.cx.sync = Some(crate::app::sync_view::SyncView::new(&room));
                m.flash_info(format!("Synced through {room} now: following the room"));
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
