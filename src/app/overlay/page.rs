//! Page someone (`p`): what needs someone now? The summary is typed here, then confirmed.

use crate::app::actions::{Action, Foot, Scope};
use crate::app::cockpit::Cockpit;
use crate::app::edit::LineEdit;
use crate::app::intent::Intent;
use crate::app::overlay::step::{Goto, Layer, Outcome};
use crate::delivery::setup;
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub input: LineEdit,
}

impl Layer for Page {
    fn scope(&self) -> Scope {
        Scope::Field
    }

    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Cancel | Action::Interrupt) => {
                cx.flash_info("Cancelled: nobody paged");
                Outcome::close()
            }
            Some(Action::Confirm) => {
                let Some(inc) = &cx.inc else {
                    return Outcome::close();
                };
                match setup::page_trigger(inc, self.input.text()) {
                    Ok(msg) => Outcome::go(Goto::ConfirmInstead(Intent::Page(Box::new(msg)))),
                    Err(e) => {
                        cx.flash_error(e);
                        Outcome::stay()
                    }
                }
            }
            _ => {
                self.input.handle(key);
                Outcome::stay()
            }
        }
    }

    fn paste(&mut self, _cx: &mut Cockpit, text: &str) -> Outcome {
        self.input.insert_str(text);
        Outcome::stay()
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::label(&[Action::Confirm], "review, then confirm"),
            Foot::keys(&[Action::Cancel]),
        ]
    }
}
