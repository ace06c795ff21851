//! The rotation view (`o`): who holds each role and since when, who is next and why;
//! everyone's work and rest in the last 24 hours (drawn by `ui::overlay::rotation`).

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Layer, Outcome, read};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rotation {
    pub scroll: u16,
}

impl Layer for Rotation {
    fn key(&mut self, _cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        read(action, &mut self.scroll, Some(Action::Rotation))
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::label(&[Action::Up, Action::Down], "scroll"),
            Foot::label(&[Action::Handoff], "hand off (after closing)"),
            Foot::label(&[Action::Cancel], "close"),
        ]
    }
}
