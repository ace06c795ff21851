//! The cleanup checklist of a resolved incident (`C`; resolving opens it): each item done,
//! or skipped with a reason typed in a field over the list.

use crate::app::actions::{Action, Foot, Scope};
use crate::app::cockpit::Cockpit;
use crate::app::edit::LineEdit;
use crate::app::overlay::step::{Layer, Outcome, field_footer, listed};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq)]
pub struct Cleanup {
    pub sel: usize,
    /// The reason being typed for skipping an item.
    pub skipping: Option<Skip>,
}

/// Why a cleanup item is skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    pub item: String,
    pub input: LineEdit,
}

impl Cleanup {
    pub fn at(sel: usize) -> Cleanup {
        Cleanup {
            sel,
            skipping: None,
        }
    }

    /// A key in the skip reason's field.
    fn skip_key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        let Some(skip) = &mut self.skipping else {
            return Outcome::stay();
        };
        match action {
            Some(Action::Cancel | Action::Interrupt) => self.skipping = None,
            Some(Action::Confirm) => {
                let Some(inc) = &cx.inc else {
                    return Outcome::close();
                };
                match inc.cmd_cleanup_skip(&skip.item, skip.input.text()) {
                    Ok(p) => {
                        self.skipping = None;
                        self.sel += 1;
                        return Outcome::stay().with(cx.append(Ok(p)));
                    }
                    Err(e) => cx.flash_error(e.to_string()),
                }
            }
            _ => {
                skip.input.handle(key);
            }
        }
        Outcome::stay()
    }

    /// Space: done; `s`: skip (asks why).
    fn mark(&mut self, cx: &mut Cockpit, action: Action) -> Outcome {
        let Some(inc) = &cx.inc else {
            return Outcome::close();
        };
        let c = &inc.followup.cleanup;
        let Some(item) = c.items.get(self.sel).cloned() else {
            return Outcome::stay();
        };
        if c.opened_at.is_none() {
            let k = cx.key(Action::Resolve);
            cx.flash_error(format!(
                "the cleanup checklist opens when the incident is resolved ({k} resolves)"
            ));
            return Outcome::stay();
        }
        if action == Action::Skip {
            // Refuse early what the domain would refuse after typing.
            match inc.cmd_cleanup_skip(&item, "x") {
                Ok(_) => {
                    self.skipping = Some(Skip {
                        item,
                        input: LineEdit::default(),
                    })
                }
                Err(e) => cx.flash_error(e.to_string()),
            }
            return Outcome::stay();
        }
        let last = c.items.len().saturating_sub(1);
        let p = inc.cmd_cleanup_done(&item, None);
        if p.is_ok() {
            self.sel = (self.sel + 1).min(last);
        }
        Outcome::stay().with(cx.append(p))
    }

    /// The list's footer (under the skip field when it is open).
    pub fn list_footer() -> Vec<Foot> {
        vec![
            Foot::keys(&[Action::Done]),
            Foot::keys(&[Action::Skip]),
            Foot::keys(&[Action::Up, Action::Down]),
            Foot::label(&[Action::Cancel], "close"),
        ]
    }
}

impl Layer for Cleanup {
    /// The reason for a skip is being typed.
    fn scope_now(&self) -> Option<Scope> {
        self.skipping.as_ref().map(|_| Scope::Field)
    }

    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        if self.skipping.is_some() {
            return self.skip_key(cx, action, key);
        }
        let n = cx
            .inc
            .as_ref()
            .map_or(0, |i| i.followup.cleanup.items.len());
        if let Some(o) = listed(action, &mut self.sel, n, Action::Cleanup) {
            return o;
        }
        match action {
            Some(Action::Done | Action::Confirm) => self.mark(cx, Action::Done),
            Some(Action::Skip) => self.mark(cx, Action::Skip),
            _ => Outcome::stay(),
        }
    }

    fn field(&mut self) -> Option<&mut LineEdit> {
        self.skipping.as_mut().map(|s| &mut s.input)
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        match self.skipping {
            Some(_) => field_footer("skip"),
            None => Cleanup::list_footer(),
        }
    }
}
