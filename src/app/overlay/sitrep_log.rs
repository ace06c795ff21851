//! The sitrep log (`L`): every sent version, newest first; Enter shows one with its line
//! diff against the version before (← older, → newer).

use crate::app::actions::{Action, Foot, Scope};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Layer, Outcome, nav, scroll};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitrepLog {
    /// Counted from the newest.
    pub sel: usize,
    /// Showing the selected version with its diff.
    pub detail: bool,
    pub scroll: u16,
}

impl SitrepLog {
    /// The log, or `None` (and why in the status line) when nothing was sent yet.
    pub fn open(cx: &mut Cockpit) -> Option<SitrepLog> {
        if cx.inc.as_ref().is_some_and(|i| !i.sitreps.is_empty()) {
            return Some(SitrepLog {
                sel: 0,
                detail: false,
                scroll: 0,
            });
        }
        let key = cx
            .keymap
            .first(Action::Sitrep)
            .map_or_else(String::new, |k| format!(": {k} writes the first"));
        cx.flash_info(format!("No sitrep sent yet{key}"));
        None
    }

    fn list_key(&mut self, action: Option<Action>, n: usize) -> Outcome {
        if let Some(sel) = nav(action, self.sel, n) {
            self.sel = sel;
            return Outcome::stay();
        }
        match action {
            Some(Action::Confirm | Action::Right | Action::Select) => {
                self.detail = true;
                self.scroll = 0;
            }
            Some(Action::Cancel | Action::SitrepLog) => return Outcome::close(),
            _ => {}
        }
        Outcome::stay()
    }

    fn detail_key(&mut self, action: Option<Action>, n: usize) -> Outcome {
        if let Some(s) = scroll(action, self.scroll) {
            self.scroll = s;
            return Outcome::stay();
        }
        match action {
            Some(Action::Cancel | Action::Confirm | Action::Back) => {
                self.detail = false;
                self.scroll = 0;
            }
            Some(Action::Left) => {
                self.sel = (self.sel + 1).min(n.saturating_sub(1));
                self.scroll = 0;
            }
            Some(Action::Right) => {
                self.sel = self.sel.saturating_sub(1);
                self.scroll = 0;
            }
            _ => {}
        }
        Outcome::stay()
    }
}

impl Layer for SitrepLog {
    /// One version with its diff.
    fn scope_now(&self) -> Option<Scope> {
        self.detail.then_some(Scope::SitrepDiff)
    }

    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        let n = cx.inc.as_ref().map_or(0, |i| i.sitreps.len());
        match action {
            Some(Action::Close | Action::Interrupt) => Outcome::close(),
            _ if self.detail => self.detail_key(action, n),
            _ => self.list_key(action, n),
        }
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        if self.detail {
            vec![
                Foot::label(&[Action::Up, Action::Down], "scroll"),
                Foot::label(&[Action::Left, Action::Right], "older/newer"),
                Foot::label(&[Action::Cancel], "back to the list"),
                Foot::keys(&[Action::Close]),
            ]
        } else {
            vec![
                Foot::label(&[Action::Up, Action::Down], "select"),
                Foot::label(&[Action::Confirm], "show with diff"),
                Foot::label(&[Action::Cancel], "close"),
            ]
        }
    }
}
