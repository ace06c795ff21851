//! Add a person to which group? No group, an existing one, or a new one (named next).

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Choice, EditKind, Goto, Layer, Outcome, choose, pick_footer};
use crate::domain::Incident;
use crossterm::event::KeyEvent;

/// The entries of the group picker when adding a person.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupChoice {
    NoGroup,
    Group(String),
    NewGroup,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickGroup {
    /// Who is being added.
    pub name: String,
    pub choices: Vec<GroupChoice>,
    pub sel: usize,
}

impl PickGroup {
    pub fn new(name: String, inc: Option<&Incident>) -> PickGroup {
        let mut choices = vec![GroupChoice::NoGroup];
        if let Some(inc) = inc {
            choices.extend(inc.groups.keys().map(|g| GroupChoice::Group(g.clone())));
        }
        choices.push(GroupChoice::NewGroup);
        PickGroup {
            name,
            choices,
            sel: 0,
        }
    }
}

impl Layer for PickGroup {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match choose(action, key, &mut self.sel, self.choices.len(), false) {
            Choice::Chosen(i) => match self.choices.get(i) {
                Some(GroupChoice::NoGroup) => Outcome::close().with(cx.join(&self.name, None)),
                Some(GroupChoice::Group(g)) => Outcome::close().with(cx.join(&self.name, Some(g))),
                Some(GroupChoice::NewGroup) => {
                    Outcome::go(Goto::Edit(EditKind::NewGroupFor(self.name.clone())))
                }
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
