//! Snooze a question of the event loop for 30 minutes, 1 hour or 2 hours (`z`).

use crate::app::actions::{Action, Foot, Scope};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Layer, Outcome, nav};
use crate::domain::checklist;
use crate::domain::event::LoopQuestion;
use crossterm::event::{KeyCode, KeyEvent};
use jiff::SignedDuration;

/// Snooze lengths offered, in minutes.
pub const SNOOZE_MINUTES: [i64; 3] = [30, 60, 120];

#[derive(Debug, Clone, PartialEq)]
pub struct Snooze {
    pub question: LoopQuestion,
    pub sel: usize,
}

impl Layer for Snooze {
    fn scope(&self) -> Scope {
        Scope::Snooze
    }

    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        if let Some(sel) = nav(action, self.sel, SNOOZE_MINUTES.len()) {
            self.sel = sel;
            return Outcome::stay();
        }
        let choice = match (action, key.code) {
            // A digit is the entry's number on screen (data, like typed text).
            (_, KeyCode::Char(c @ '1'..='3')) => c as usize - '1' as usize,
            (Some(Action::Confirm | Action::Select), _) => self.sel,
            (Some(Action::Cancel | Action::Interrupt), _) => return Outcome::close(),
            _ => return Outcome::stay(),
        };
        let (Some(&mins), Some(inc)) = (SNOOZE_MINUTES.get(choice), &cx.inc) else {
            return Outcome::close();
        };
        let p = checklist::cmd_snooze(inc, self.question, SignedDuration::from_mins(mins), cx.now);
        Outcome::close().with(cx.append(p))
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::Numbered(3, &[Action::Confirm], "snooze"),
            Foot::keys(&[Action::Cancel]),
        ]
    }
}
