//! The sync view (`T`): the incident's room, the link's state, this person's standing,
//! conflicts and room commands (the same on every cockpit), what the room did. Its text is
//! derived when drawn (`app::synced::text`), so it follows what arrives.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Layer, Outcome, read};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncPanel {
    pub scroll: u16,
}

impl Layer for SyncPanel {
    fn key(&mut self, _cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        read(action, &mut self.scroll, Some(Action::SyncView))
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
