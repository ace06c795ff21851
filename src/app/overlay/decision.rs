//! Drill only: an inject asks for a decision. 1-9 or Enter answers (journaled as a note),
//! Esc puts it aside (`d` brings it back).

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Choice, Layer, Outcome, choose};
use crate::drill::schedule::decision_note;
use crossterm::event::KeyEvent;

/// The decision prompt: an inject's question and its options.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The journal sequence number of the inject that asks.
    pub seq: u64,
    pub question: String,
    pub options: Vec<String>,
    pub sel: usize,
}

impl Decision {
    fn dismiss(&self, cx: &mut Cockpit) -> Outcome {
        if let Some(d) = &mut cx.drill {
            d.dismissed = Some(self.seq);
        }
        let k = cx.key(Action::DrillDecide);
        cx.flash_info(format!("Decision put aside; {k} answers it"));
        Outcome::close()
    }
}

impl Layer for Decision {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        let chosen = match choose(action, key, &mut self.sel, self.options.len(), true) {
            Choice::Chosen(i) => Some(i),
            Choice::Cancel => return self.dismiss(cx),
            Choice::Stay => None,
        };
        let Some(option) = chosen.and_then(|i| self.options.get(i)) else {
            return Outcome::stay();
        };
        let Some(inc) = &cx.inc else {
            return Outcome::close();
        };
        let p = inc.cmd_note(&decision_note(&self.question, option));
        Outcome::close().with(cx.append(p))
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::Numbered(9, &[Action::Confirm], "answer (journaled)"),
            Foot::label(&[Action::Cancel], "later"),
        ]
    }
}
