//! Snooze a question of the event loop for 30 minutes, 1 hour or 2 hours (`z`).

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Choice, Layer, Outcome, choose};
use crate::domain::checklist;
use crate::domain::event::LoopQuestion;
use crossterm::event::KeyEvent;
use jiff::SignedDuration;

/// Snooze lengths offered, in minutes.
pub const SNOOZE_MINUTES: [i64; 3] = [30, 60, 120];

#[derive(Debug, Clone, PartialEq)]
pub struct Snooze {
    pub question: LoopQuestion,
    pub sel: usize,
}

impl Layer for Snooze {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        let choice = match choose(action, key, &mut self.sel, SNOOZE_MINUTES.len(), true) {
            Choice::Chosen(i) => i,
            Choice::Cancel => return Outcome::close(),
            Choice::Stay => return Outcome::stay(),
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
