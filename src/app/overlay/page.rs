//! Page someone (`p`): what needs someone now, and through which backend? The summary is
//! typed here and the backend chosen (every backend that sends pages, or one of them, as
//! `page --backend NAME`), then confirmed.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::edit::LineEdit;
use crate::app::intent::Intent;
use crate::app::overlay::step::{Goto, Layer, Outcome};
use crate::delivery::setup;
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub input: LineEdit,
    /// The one backend chosen (`None`: every backend that sends pages).
    pub only: Option<String>,
}

impl Page {
    /// The choices, in order: every page backend (`None`), then each one.
    pub fn choices(cx: &Cockpit) -> Vec<Option<String>> {
        let names = cx.page_backends();
        let mut out = vec![None];
        // With one backend, "all" is that one: no second choice.
        if names.len() > 1 {
            out.extend(names.into_iter().map(Some));
        }
        out
    }

    /// Moves the choice by `by` (wrapping).
    fn step(&mut self, cx: &Cockpit, by: isize) {
        let choices = Page::choices(cx);
        let n = choices.len() as isize;
        let i = choices.iter().position(|c| *c == self.only).unwrap_or(0) as isize;
        let j = (i + by).rem_euclid(n.max(1)) as usize;
        self.only = choices.get(j).cloned().flatten();
    }
}

impl Layer for Page {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Cancel | Action::Interrupt) => {
                cx.flash_info("Cancelled: nobody paged");
                Outcome::close()
            }
            Some(Action::FocusNext | Action::Down) => {
                self.step(cx, 1);
                Outcome::stay()
            }
            Some(Action::FocusPrev | Action::Up) => {
                self.step(cx, -1);
                Outcome::stay()
            }
            Some(Action::Confirm) => {
                let Some(inc) = &cx.inc else {
                    return Outcome::close();
                };
                match setup::page_trigger(inc, self.input.text()) {
                    Ok(msg) => Outcome::go(Goto::ConfirmInstead(Intent::Page {
                        msg: Box::new(msg),
                        only: self.only.clone(),
                    })),
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

    fn field(&mut self) -> Option<&mut LineEdit> {
        Some(&mut self.input)
    }

    fn footer(&self, cx: &Cockpit) -> Vec<Foot> {
        let mut out = vec![Foot::label(&[Action::Confirm], "review, then confirm")];
        if Page::choices(cx).len() > 1 {
            out.push(Foot::label(
                &[Action::FocusNext, Action::Up, Action::Down],
                "choose backend",
            ));
        }
        out.push(Foot::keys(&[Action::Cancel]));
        out
    }
}
