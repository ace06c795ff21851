//! Hand to whom? / Add whom? The person picker: type to filter everyone who could be
//! meant (on duty, configured, released), or a new name.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::edit::{EditOutcome, LineEdit};
use crate::app::intent::Intent;
use crate::app::overlay::step::{Goto, Layer, Outcome, PersonPurpose};
use crate::domain::Role;
use crate::domain::checklist;
use crossterm::event::KeyEvent;
use jiff::SignedDuration;

/// One entry of the person picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    /// "on duty", "IC", "ops:db", "config", "off duty" ...
    pub note: String,
    /// A name typed that nobody has yet.
    pub new: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickPerson {
    pub purpose: PersonPurpose,
    pub input: LineEdit,
    pub matches: Vec<Candidate>,
    pub sel: usize,
}

impl PickPerson {
    pub fn new(purpose: PersonPurpose, cx: &Cockpit) -> PickPerson {
        let mut p = PickPerson {
            purpose,
            input: LineEdit::default(),
            matches: Vec::new(),
            sel: 0,
        };
        p.refilter(cx);
        p
    }

    /// Recomputes the matches after the query changed.
    fn refilter(&mut self, cx: &Cockpit) {
        self.matches = fuzzy(&pool(cx, &self.purpose), self.input.text());
        self.sel = 0;
    }

    fn choose(&self, cx: &mut Cockpit) -> Outcome {
        let Some(c) = self.matches.get(self.sel).or(self.matches.first()) else {
            cx.flash_error("type a name");
            return Outcome::stay();
        };
        let name = c.name.clone();
        match &self.purpose {
            PersonPurpose::Handoff(role) => {
                Outcome::go(Goto::ConfirmInstead(Intent::Handoff(role.clone(), name)))
            }
            PersonPurpose::Add => Outcome::go(Goto::Groups(name)),
        }
    }
}

impl Layer for PickPerson {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        let last = self.matches.len().saturating_sub(1);
        match action {
            Some(Action::Cancel | Action::Interrupt) => return Outcome::close(),
            Some(Action::Confirm) => return self.choose(cx),
            Some(Action::Up) => self.sel = self.sel.saturating_sub(1),
            Some(Action::Down | Action::FocusNext) => self.sel = (self.sel + 1).min(last),
            _ => {
                if self.input.handle(key) == EditOutcome::Changed {
                    self.refilter(cx);
                }
            }
        }
        Outcome::stay()
    }

    fn paste(&mut self, cx: &mut Cockpit, text: &str) -> Outcome {
        self.input.insert_str(text);
        self.refilter(cx);
        Outcome::stay()
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::note("type", "filter/new name"),
            Foot::keys(&[Action::Up, Action::Down]),
            Foot::label(&[Action::Confirm], "choose"),
            Foot::keys(&[Action::Cancel]),
        ]
    }
}

/// Everyone the picker can offer, before filtering: on duty first, then
/// configured people, then people who were released.
fn pool(m: &Cockpit, purpose: &PersonPurpose) -> Vec<Candidate> {
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let holder = match purpose {
        PersonPurpose::Handoff(r) => inc.holder(r).map(|h| h.name.clone()),
        PersonPurpose::Add => None,
    };
    let mut out: Vec<Candidate> = Vec::new();
    for p in inc.on_duty() {
        if Some(&p.name) == holder.as_ref() {
            continue;
        }
        let mut note: Vec<String> = inc.roles_of(&p.name).iter().map(Role::title).collect();
        if let Some(g) = inc.group_of(&p.name) {
            note.push(format!("ops:{g}"));
        }
        if p.on_break() {
            note.push("on break".into());
        }
        if note.is_empty() {
            note.push("on duty".into());
        }
        out.push(Candidate {
            name: p.name.clone(),
            note: note.join(", "),
            new: false,
        });
    }
    for k in &m.config.people {
        let name = crate::domain::text::one_line(&k.name);
        if out
            .iter()
            .any(|c| c.name.to_lowercase() == name.to_lowercase())
            || Some(&name) == holder.as_ref()
            || inc.person(&name).is_some_and(|p| p.on_duty())
        {
            continue;
        }
        let mut note = vec!["available".to_string()];
        if let Some(t) = &k.team {
            note.push(t.clone());
        }
        if let Some(h) = &k.handle {
            note.push(h.clone());
        }
        out.push(Candidate {
            name,
            note: note.join(", "),
            new: false,
        });
    }
    for p in inc.people.iter().filter(|p| !p.on_duty()) {
        if out.iter().any(|c| c.name == p.name) {
            continue;
        }
        let note = match p.off_duty_since() {
            Some(t) => format!(
                "off duty {}",
                checklist::words(m.now.duration_since(t).max(SignedDuration::ZERO))
            ),
            None => "off duty".into(),
        };
        out.push(Candidate {
            name: p.name.clone(),
            note,
            new: false,
        });
    }
    out
}

/// Fuzzy-filters candidates by name; a typed name nobody has is offered as
/// a new person (first when nothing else matches).
pub fn fuzzy(pool: &[Candidate], query: &str) -> Vec<Candidate> {
    use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
    use nucleo_matcher::{Config, Matcher};
    let q = query.trim();
    let mut out: Vec<Candidate> = if q.is_empty() {
        pool.to_vec()
    } else {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let pattern = Pattern::parse(q, CaseMatching::Ignore, Normalization::Smart);
        let hay: Vec<(usize, String)> = pool
            .iter()
            .enumerate()
            .map(|(i, c)| (i, format!("{} {}", c.name, c.note)))
            .collect();
        let scored = pattern.match_list(hay.iter().map(|(i, s)| Hay(*i, s)), &mut matcher);
        scored
            .into_iter()
            .filter_map(|(h, _)| pool.get(h.0).cloned())
            .collect()
    };
    if !q.is_empty() {
        let exact = pool
            .iter()
            .any(|c| c.name.to_lowercase() == q.to_lowercase());
        if !exact && let Ok(name) = crate::domain::text::clean_name(q) {
            out.push(Candidate {
                name,
                note: "new person".into(),
                new: true,
            });
        }
    }
    out
}

struct Hay<'a>(usize, &'a str);

impl AsRef<str> for Hay<'_> {
    fn as_ref(&self) -> &str {
        self.1
    }
}
