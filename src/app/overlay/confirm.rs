//! The one confirmation: every state change, hand-off, send, page, retry, drop and quit
//! asks here first. `y` (or Enter) runs the intent, `n` (or Esc) changes nothing and goes
//! back to where it came from; Ctrl-c leaves the dialog and what is under it (except a
//! draft: the composer stays), and confirms quitting.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::intent::{After, Detail, Intent, Tone};
use crate::app::overlay::step::{Goto, Layer, Outcome};
use crossterm::event::KeyEvent;

/// A yes/no question about `intent`; `back` is the overlay it was asked over (`B` is
/// `app::overlay::Overlay`).
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm<B> {
    pub intent: Intent,
    pub prompt: String,
    pub detail: Vec<Detail>,
    pub back: Option<Box<B>>,
}

impl<B> Confirm<B> {
    /// The confirmation of `intent`, or why it cannot be done.
    pub fn ask(intent: Intent, cx: &Cockpit, back: Option<B>) -> Result<Confirm<B>, String> {
        let (prompt, detail) = intent.ask(cx)?;
        Ok(Confirm {
            intent,
            prompt,
            detail,
            back: back.map(Box::new),
        })
    }

    /// Whether a lint warning is listed.
    pub fn warned(&self) -> bool {
        self.detail.iter().any(|d| d.tone == Tone::Lint)
    }

    fn no(&self, cx: &mut Cockpit) -> Outcome {
        cx.flash_info(self.intent.cancelled());
        match self.back {
            Some(_) => Outcome::go(Goto::Back),
            None => Outcome::close(),
        }
    }
}

impl<B> Layer for Confirm<B> {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Yes | Action::Confirm) => {
                let (cmds, after) = self.intent.clone().run(cx);
                match after {
                    After::Back if self.back.is_some() => Outcome::go(Goto::Back).with(cmds),
                    _ => Outcome::close().with(cmds),
                }
            }
            Some(Action::No | Action::Cancel) => self.no(cx),
            Some(Action::Interrupt) => match self.intent {
                Intent::Quit => Outcome::close().with(cx.quit()),
                Intent::Send { .. } => self.no(cx),
                _ => {
                    cx.flash_info(self.intent.cancelled());
                    Outcome::close()
                }
            },
            _ => Outcome::stay(),
        }
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::label(&[Action::Yes, Action::Confirm], self.intent.yes_label()),
            Foot::label(&[Action::No, Action::Cancel], self.intent.no_label()),
        ]
    }
}
