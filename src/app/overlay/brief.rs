//! A hand-off brief waiting for acknowledgement: the incoming person takes the role over
//! (`A`, asked first), the outgoing holder can withdraw it (`x`, asked first).

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::intent::Intent;
use crate::app::overlay::step::{Goto, Layer, Outcome, read};
use crate::domain::followup::same_name;
use crate::domain::role::Role;
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq)]
pub struct Brief {
    pub role: Role,
    pub from: Option<String>,
    pub to: String,
    pub text: String,
    pub scroll: u16,
}

impl Brief {
    /// Whether the IC at the keyboard is the one it is proposed to.
    pub fn incoming(&self, cx: &Cockpit) -> bool {
        same_name(&self.to, &cx.actor)
    }

    /// Whether it still waits for acknowledgement.
    pub fn pending(&self, cx: &Cockpit) -> bool {
        cx.inc
            .as_ref()
            .is_some_and(|inc| inc.followup.pending_handoffs.contains_key(&self.role))
    }
}

impl Layer for Brief {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Acknowledge) if self.incoming(cx) => {
                Outcome::go(Goto::Confirm(Intent::Ack(self.role.clone())))
            }
            Some(Action::Withdraw) if !self.incoming(cx) && self.pending(cx) => {
                Outcome::go(Goto::Confirm(Intent::Withdraw(self.role.clone())))
            }
            _ => read(action, &mut self.scroll, None),
        }
    }

    fn footer(&self, cx: &Cockpit) -> Vec<Foot> {
        let close = Foot::label(&[Action::Cancel], "close");
        match (self.incoming(cx), self.pending(cx)) {
            (true, true) => vec![
                Foot::label(&[Action::Acknowledge], "acknowledge and take over"),
                Foot::label(
                    &[Action::Up, Action::Down, Action::PageUp, Action::PageDown],
                    "scroll",
                ),
                close,
            ],
            (false, true) => vec![
                Foot::note(
                    format!("waiting for {}", self.to),
                    format!(
                        "({} in their cockpit, or `commandpost ack`)",
                        cx.key(Action::Acknowledge)
                    ),
                ),
                Foot::keys(&[Action::Withdraw]),
                close,
            ],
            (_, false) => vec![Foot::note("no longer pending", ""), close],
        }
    }
}
