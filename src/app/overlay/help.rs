//! The help overlay: every key of the main screen, from the live keymap (drawn by
//! `ui::overlay::help`).

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Layer, Outcome, read};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Help {
    pub scroll: u16,
}

impl Layer for Help {
    fn key(&mut self, _cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        read(action, &mut self.scroll, Some(Action::Help))
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![Foot::label(&[Action::Cancel], "closes")]
    }
}
