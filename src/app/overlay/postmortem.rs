//! The post-mortem draft just written (`P`), scrollable.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Layer, Outcome, read};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postmortem {
    pub path: String,
    pub text: String,
    pub scroll: u16,
}

impl Layer for Postmortem {
    fn key(&mut self, _cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        read(action, &mut self.scroll, None)
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::note(format!("written to {}", self.path), ""),
            Foot::label(
                &[Action::Up, Action::Down, Action::PageUp, Action::PageDown],
                "scroll",
            ),
            Foot::label(&[Action::Cancel], "close"),
        ]
    }
}
