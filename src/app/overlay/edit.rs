//! A one-line text field over the cockpit: the title of a new incident, the impact, a
//! note, the name of a new operations group.

use crate::app::actions::{Action, Foot};
use crate::app::cmd::Cmd;
use crate::app::cockpit::Cockpit;
use crate::app::edit::LineEdit;
use crate::app::overlay::step::{EditKind, Goto, Layer, Outcome, PersonPurpose, field_footer};
use crate::domain::Role;
use crate::domain::incident;
use crate::domain::role::valid_group;
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub kind: EditKind,
    pub input: LineEdit,
}

impl Edit {
    /// The field, with the impact as it is when editing it.
    pub fn new(kind: EditKind, cx: &Cockpit) -> Edit {
        let input = match (&kind, &cx.inc) {
            (EditKind::Impact, Some(inc)) => LineEdit::new(&inc.impact.text),
            _ => LineEdit::default(),
        };
        Edit { kind, input }
    }

    /// Whether it is the first screen's title (Esc quits there).
    pub fn is_title(&self) -> bool {
        self.kind == EditKind::Title
    }

    fn submit(&mut self, cx: &mut Cockpit) -> Outcome {
        let text = self.input.text().to_string();
        let done = match &self.kind {
            EditKind::Title => match incident::open("check", &text, &cx.actor) {
                Ok(_) => {
                    cx.writing += 1;
                    // Stay on the prompt until the incident is on disk.
                    return Outcome::stay().with(vec![Cmd::Create {
                        title: text,
                        then: Vec::new(),
                    }]);
                }
                Err(e) => Err(e.to_string()),
            },
            EditKind::Impact | EditKind::Note => {
                let Some(inc) = &cx.inc else {
                    return Outcome::close();
                };
                let p = if self.kind == EditKind::Impact {
                    inc.cmd_impact(&text)
                } else {
                    inc.cmd_note(&text)
                };
                p.map(|p| Outcome::close().with(cx.append(Ok(p))))
                    .map_err(|e| e.to_string())
            }
            EditKind::NewGroupLead => valid_group(&text)
                .map(|g| Outcome::go(Goto::Persons(PersonPurpose::Handoff(Role::OpsLead(g))))),
            EditKind::NewGroupFor(name) => {
                let name = name.clone();
                valid_group(&text).map(|g| Outcome::close().with(cx.join(&name, Some(&g))))
            }
        };
        done.unwrap_or_else(|e| {
            cx.flash_error(e);
            Outcome::stay()
        })
    }
}

impl Layer for Edit {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Cancel | Action::Interrupt) if self.is_title() && cx.inc.is_none() => {
                Outcome::close().with(cx.quit())
            }
            Some(Action::Cancel | Action::Interrupt) => Outcome::close(),
            Some(Action::Confirm) => self.submit(cx),
            Some(Action::FromAlert) if self.is_title() && cx.inc.is_none() && cx.alerts_on() => {
                Outcome::go(Goto::Alerts)
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

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        field_footer("save")
    }
}
