//! The incident's remediation items (`M`), also after resolution: add one (its text, then
//! its owner), assign one, mark one done (asked first).

use crate::app::actions::{Action, Foot, Scope};
use crate::app::cockpit::Cockpit;
use crate::app::edit::LineEdit;
use crate::app::intent::{Intent, NOTHING_CHANGED};
use crate::app::overlay::step::{Goto, Layer, Outcome, listed};
use crate::domain::numbered::{ItemRef, Numbered};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq)]
pub struct Remediation {
    pub sel: usize,
    /// A text field over the list: the new item's text, then its owner, or the owner of the
    /// selected item.
    pub typing: Option<Typing>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Typing {
    pub step: RemediationStep,
    pub input: LineEdit,
}

/// What the remediation text field is asking for.
#[derive(Debug, Clone, PartialEq)]
pub enum RemediationStep {
    /// The text of a new item.
    Text,
    /// The owner of the new item `text` (empty: unassigned).
    Owner { text: String },
    /// The new owner of `item`.
    Assign { item: ItemRef },
}

impl Remediation {
    /// The list with the first open item selected.
    pub fn open(cx: &Cockpit) -> Remediation {
        let sel = cx.inc.as_ref().map_or(0, |inc| {
            inc.followup
                .remediations
                .iter()
                .position(|r| !r.is_done())
                .unwrap_or(0)
        });
        Remediation { sel, typing: None }
    }

    fn ask(&mut self, step: RemediationStep) {
        self.typing = Some(Typing {
            step,
            input: LineEdit::default(),
        });
    }

    /// Enter in the field.
    fn submit(&mut self, cx: &mut Cockpit) -> Outcome {
        let Some(t) = &self.typing else {
            return Outcome::stay();
        };
        let (step, text) = (t.step.clone(), t.input.text().to_string());
        let Some(inc) = &cx.inc else {
            return Outcome::close();
        };
        let n = inc.followup.remediations.len();
        let p = match &step {
            RemediationStep::Text => match inc.cmd_remediation_add(&text, None) {
                Ok(_) => {
                    self.ask(RemediationStep::Owner { text });
                    return Outcome::stay();
                }
                Err(e) => Err(e),
            },
            RemediationStep::Owner { text: item } => {
                let owner = Some(text.as_str()).filter(|o| !o.trim().is_empty());
                inc.cmd_remediation_add(item, owner)
            }
            RemediationStep::Assign { item } => inc.cmd_remediation_assign_item(item, &text),
        };
        match p {
            Ok(p) => {
                if !matches!(step, RemediationStep::Assign { .. }) {
                    self.sel = n;
                }
                self.typing = None;
                Outcome::stay().with(cx.append(Ok(p)))
            }
            Err(e) => {
                cx.flash_error(e.to_string());
                Outcome::stay()
            }
        }
    }

    fn field_key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Cancel | Action::Interrupt) => {
                cx.flash_info(NOTHING_CHANGED);
                self.typing = None;
                Outcome::stay()
            }
            Some(Action::Confirm) => self.submit(cx),
            _ => {
                if let Some(t) = &mut self.typing {
                    t.input.handle(key);
                }
                Outcome::stay()
            }
        }
    }

    /// Assign (`o`) or done (Space/x) on the selected item.
    fn on_item(&mut self, cx: &mut Cockpit, action: Action) -> Outcome {
        let Some(inc) = &cx.inc else {
            return Outcome::close();
        };
        let Some(item) = inc
            .followup
            .remediations
            .get(self.sel)
            .map(|r| r.item_ref())
        else {
            cx.flash_error("no remediation item yet: a adds one");
            return Outcome::stay();
        };
        if action == Action::Done {
            return Outcome::go(Goto::Confirm(Intent::RemediationDone(item)));
        }
        // Refuse early what the domain would refuse after typing.
        match inc.cmd_remediation_assign_item(&item, "x") {
            Ok(_) => self.ask(RemediationStep::Assign { item }),
            Err(e) => cx.flash_error(e.to_string()),
        }
        Outcome::stay()
    }

    /// The list's footer (under the field when it is open).
    pub fn list_footer() -> Vec<Foot> {
        vec![
            Foot::keys(&[Action::Add]),
            Foot::keys(&[Action::Assign]),
            Foot::AllKeys(Action::Done, None),
            Foot::keys(&[Action::Up, Action::Down]),
            Foot::label(&[Action::Cancel], "close"),
        ]
    }
}

impl Layer for Remediation {
    /// A new item or an owner is being typed.
    fn scope_now(&self) -> Option<Scope> {
        self.typing.as_ref().map(|_| Scope::Field)
    }

    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        if self.typing.is_some() {
            return self.field_key(cx, action, key);
        }
        let n = cx.inc.as_ref().map_or(0, |i| i.followup.remediations.len());
        if let Some(o) = listed(action, &mut self.sel, n, Action::Remediation) {
            return o;
        }
        match action {
            Some(Action::Add) => {
                self.ask(RemediationStep::Text);
                Outcome::stay()
            }
            Some(a @ (Action::Assign | Action::Done)) => self.on_item(cx, a),
            _ => Outcome::stay(),
        }
    }

    fn field(&mut self) -> Option<&mut LineEdit> {
        self.typing.as_mut().map(|t| &mut t.input)
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        match self.typing {
            Some(_) => vec![
                Foot::keys(&[Action::Confirm]),
                Foot::keys(&[Action::Cancel]),
            ],
            None => Remediation::list_footer(),
        }
    }
}
