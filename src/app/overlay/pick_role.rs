//! Hand off which role? (`h`): the command roles, the operations leads, a new group.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{
    Choice, EditKind, Goto, Layer, Outcome, PersonPurpose, choose, pick_footer,
};
use crate::domain::{Incident, Role};
use crossterm::event::KeyEvent;

/// The entries of the role picker, with "new group" last.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleChoice {
    Role(Role),
    NewGroup,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickRole {
    pub choices: Vec<RoleChoice>,
    pub sel: usize,
}

impl PickRole {
    pub fn new(inc: &Incident) -> PickRole {
        let mut choices: Vec<RoleChoice> = [Role::Ic, Role::Comms, Role::Deputy, Role::Scribe]
            .into_iter()
            .map(RoleChoice::Role)
            .collect();
        choices.extend(
            inc.groups
                .keys()
                .map(|g| RoleChoice::Role(Role::OpsLead(g.clone()))),
        );
        choices.push(RoleChoice::NewGroup);
        PickRole { choices, sel: 0 }
    }
}

impl Layer for PickRole {
    fn key(&mut self, _cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match choose(action, key, &mut self.sel, self.choices.len(), false) {
            Choice::Chosen(i) => match self.choices.get(i) {
                Some(RoleChoice::Role(r)) => {
                    Outcome::go(Goto::Persons(PersonPurpose::Handoff(r.clone())))
                }
                Some(RoleChoice::NewGroup) => Outcome::go(Goto::Edit(EditKind::NewGroupLead)),
                None => Outcome::close(),
            },
            Choice::Cancel => Outcome::close(),
            Choice::Stay => Outcome::stay(),
        }
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        pick_footer()
    }
}
