//! The sync view (`T`): the incident's room, the link's state, this person's standing,
//! conflicts and room commands (the same on every cockpit), what the room did. Its text is
//! derived when drawn (`app::synced::text`), so it follows what arrives.

use crate::app::actions::{Action, Foot, Scope};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::moves::scroll;
use crate::app::overlay::{Layer, Outcome};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncPanel {
    pub scroll: u16,
}

impl Layer for SyncPanel {
    fn scope(&self) -> Scope {
        Scope::SyncView
    }

    fn key(&mut self, _cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        if let Some(s) = scroll(action, self.scroll) {
            self.scroll = s;
            return Outcome::stay();
        }
        match action {
            Some(
                Action::Close
                | Action::Cancel
                | Action::Confirm
                | Action::Interrupt
                | Action::SyncView,
            ) => Outcome::close(),
            _ => Outcome::stay(),
        }
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::label(
                &[Action::Up, Action::Down, Action::PageUp, Action::PageDown],
                "scroll",
            ),
            Foot::label(&[Action::Cancel], "close"),
        ]
    }
}
