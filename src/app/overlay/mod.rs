//! The overlays: one file each here (state, keys, the keys its footer lists) and one in
//! `ui::overlay` (drawing). While an overlay is open it takes the keys; what it returns
//! says whether it stays, closes or opens another ([`Goto`], built by [`open`]).
//!
//! Adding an overlay: its file here (a state type implementing [`Layer`]), one line in
//! the `overlays!` list below (variant, type, the `Scope` its keys are looked up in), its drawing in `ui::overlay` (one arm there), and a
//! `Scope` with its actions' rows in `app::actions` if it has keys of its own.

pub mod alerts;
pub mod brief;
pub mod cleanup;
pub mod compose;
pub mod confirm;
pub mod decision;
pub mod deliveries;
pub mod edit;
pub mod help;
pub mod moves;
pub mod page;
pub mod pick_group;
pub mod pick_person;
pub mod pick_role;
pub mod postmortem;
pub mod remediation;
pub mod rotation;
pub mod sitrep_log;
pub mod snooze;
pub mod sync;

use crate::app::actions::{Action, Foot, Scope};
use crate::app::cmd::Cmd;
use crate::app::cockpit::Cockpit;
use crate::app::edit::LineEdit;
use crate::app::intent::Intent;
use crate::app::keymap::Key;
use crate::domain::Role;
use crossterm::event::KeyEvent;

macro_rules! overlays {
    ($($(#[$doc:meta])* $variant:ident($ty:ty) in $scope:ident,)*) => {
        /// The overlay open over the cockpit.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Overlay {
            $($(#[$doc])* $variant($ty),)*
        }

        impl Overlay {
            /// Where its keys are looked up: its own [`Layer::scope_now`], else the one
            /// in the list.
            pub fn scope(&self) -> Scope {
                match self {
                    $(Overlay::$variant(o) => o.scope_now().unwrap_or(Scope::$scope),)*
                }
            }

            fn layer(&self) -> &dyn Layer {
                match self {
                    $(Overlay::$variant(o) => o,)*
                }
            }

            fn layer_mut(&mut self) -> &mut dyn Layer {
                match self {
                    $(Overlay::$variant(o) => o,)*
                }
            }
        }

        $(impl From<$ty> for Overlay {
            fn from(o: $ty) -> Overlay {
                Overlay::$variant(o)
            }
        })*
    };
}

overlays! {
    /// Every key of the main screen (`?`).
    Help(help::Help) in Help,
    /// The one yes/no question before a change, a send, a page, a retry or drop, a quit.
    Confirm(confirm::Confirm<Overlay>) in Confirm,
    PickRole(pick_role::PickRole) in PickRole,
    PickPerson(pick_person::PickPerson) in PickPerson,
    PickGroup(pick_group::PickGroup) in PickGroup,
    Snooze(snooze::Snooze) in Snooze,
    /// A one-line text field (title, impact, note, new group).
    Edit(edit::Edit) in Field,
    /// The sitrep or status composer (its form lives in `Cockpit::desk`).
    Compose(compose::Compose) in Composer,
    /// Sent sitrep versions; `detail` shows one with its diff.
    SitrepLog(sitrep_log::SitrepLog) in SitrepLog,
    /// Drill only: an inject asks for a decision.
    Decision(decision::Decision) in Decision,
    /// Every message x backend, newest first.
    Deliveries(deliveries::DeliveryList) in Deliveries,
    Rotation(rotation::Rotation) in Rotation,
    /// The cleanup checklist of a resolved incident (and the reason for a skip).
    Cleanup(cleanup::Cleanup) in Cleanup,
    /// The summary of a page.
    Page(page::Page) in Page,
    /// A hand-off brief (a proposal waiting for acknowledgement).
    Brief(brief::Brief) in Brief,
    /// The remediation items (and the field for a new one or an owner).
    Remediation(remediation::Remediation) in Remediation,
    /// The post-mortem draft just written.
    Postmortem(postmortem::Postmortem) in Postmortem,
    /// The firing alerts (Alertmanager).
    Alerts(alerts::Alerts) in Alerts,
    /// The sync view: room, conflicts, rejected room commands (`T`).
    Sync(sync::SyncPanel) in SyncView,
}

impl Overlay {
    /// The keys its footer lists.
    pub fn footer(&self, cx: &Cockpit) -> Vec<Foot> {
        self.layer().footer(cx)
    }

    /// A key: the overlay open after it (this one, another, or none) and the commands.
    pub fn key(mut self, cx: &mut Cockpit, k: &KeyEvent) -> (Option<Overlay>, Vec<Cmd>) {
        let action = cx.keymap.action_in(self.scope(), Key::from_event(k));
        let out = self.layer_mut().key(cx, action, k);
        self.settle(cx, out)
    }

    /// Bracketed paste.
    pub fn paste(mut self, cx: &mut Cockpit, text: &str) -> (Option<Overlay>, Vec<Cmd>) {
        let out = self.layer_mut().paste(cx, text);
        self.settle(cx, out)
    }

    fn settle(self, cx: &mut Cockpit, out: Outcome) -> (Option<Overlay>, Vec<Cmd>) {
        let next = match out.step {
            Step::Stay => Some(self),
            Step::Close => None,
            Step::Go(to) => open(cx, to, self),
        };
        (next, out.cmds)
    }
}

/// Builds the overlay `current` asked for.
fn open(cx: &mut Cockpit, to: Goto, current: Overlay) -> Option<Overlay> {
    match to {
        Goto::Confirm(intent) => match confirm::Confirm::ask(intent, cx, Some(current.clone())) {
            Ok(c) => Some(Overlay::Confirm(c)),
            Err(e) => {
                cx.flash_error(e);
                Some(current)
            }
        },
        Goto::ConfirmInstead(intent) => ask(cx, intent),
        Goto::Back => match current {
            Overlay::Confirm(c) => c.back.map(|b| *b),
            other => Some(other),
        },
        Goto::Persons(purpose) => Some(pick_person::PickPerson::new(purpose, cx).into()),
        Goto::Groups(name) => Some(pick_group::PickGroup::new(name, cx.inc.as_ref()).into()),
        Goto::Edit(kind) => Some(edit::Edit::new(kind, cx).into()),
        Goto::Alerts => Some(Overlay::Alerts(alerts::Alerts::default())),
    }
}

/// The confirmation of `intent`, or `None` and why not in the status line.
pub fn ask(cx: &mut Cockpit, intent: Intent) -> Option<Overlay> {
    match confirm::Confirm::ask(intent, cx, None) {
        Ok(c) => Some(Overlay::Confirm(c)),
        Err(e) => {
            cx.flash_error(e);
            None
        }
    }
}

/// An overlay: it takes the keys while it is open.
pub trait Layer {
    /// Where its keys are looked up when not in the scope the `overlays!` list gives it (a
    /// field being typed in, a detail view).
    fn scope_now(&self) -> Option<Scope> {
        None
    }

    /// A key: `action` is what the keymap says it is in the overlay's scope
    /// ([`Overlay::scope`]; `None`: no action, e.g. text typed into a field).
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome;

    /// The text field keys are typed into now, if there is one.
    fn field(&mut self) -> Option<&mut LineEdit> {
        None
    }

    /// Bracketed paste: into [`Layer::field`].
    fn paste(&mut self, cx: &mut Cockpit, text: &str) -> Outcome {
        match self.field() {
            Some(input) => input.insert_str(text),
            None => cx.flash_info("Paste ignored: no text field is open"),
        }
        Outcome::stay()
    }

    /// The keys its footer lists, in order.
    fn footer(&self, cx: &Cockpit) -> Vec<Foot>;
}

/// What a key did to an overlay, and the commands it asks for.
#[derive(Debug)]
pub struct Outcome {
    pub step: Step,
    pub cmds: Vec<Cmd>,
}

#[derive(Debug)]
pub enum Step {
    /// The overlay stays open (with what the key changed).
    Stay,
    /// The overlay closes.
    Close,
    /// Another overlay opens.
    Go(Goto),
}

/// An overlay asked for by another (built by `app::overlay::open`).
#[derive(Debug)]
pub enum Goto {
    /// The confirmation of an intent over this overlay (`n` comes back to it); if the
    /// intent cannot be done, this overlay stays and says why.
    Confirm(Intent),
    /// The confirmation of an intent in place of this overlay; if the intent cannot be
    /// done, both close and the status line says why.
    ConfirmInstead(Intent),
    /// From a confirmation: the overlay under it.
    Back,
    /// The person picker.
    Persons(PersonPurpose),
    /// The group picker for a person being added.
    Groups(String),
    /// A one-line text field.
    Edit(EditKind),
    /// The firing alerts (from the first screen).
    Alerts,
}

impl Outcome {
    pub fn stay() -> Outcome {
        Outcome {
            step: Step::Stay,
            cmds: Vec::new(),
        }
    }

    pub fn close() -> Outcome {
        Outcome {
            step: Step::Close,
            cmds: Vec::new(),
        }
    }

    pub fn go(to: Goto) -> Outcome {
        Outcome {
            step: Step::Go(to),
            cmds: Vec::new(),
        }
    }

    /// The same step, with commands.
    pub fn with(mut self, cmds: Vec<Cmd>) -> Outcome {
        self.cmds.extend(cmds);
        self
    }
}

/// What the person picker is choosing for.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonPurpose {
    Handoff(Role),
    Add,
}

/// What a text field is for.
#[derive(Debug, Clone, PartialEq)]
pub enum EditKind {
    Title,
    Impact,
    Note,
    /// The name of a new operations group whose lead is picked next.
    NewGroupLead,
    /// A new group for a person being added.
    NewGroupFor(String),
}

impl EditKind {
    pub fn prompt(&self) -> String {
        match self {
            EditKind::Title => "New incident: what is broken? (title)".into(),
            EditKind::Impact => "Impact: who is affected and how much?".into(),
            EditKind::Note => "Note for the timeline".into(),
            EditKind::NewGroupLead => "New operations group name (e.g. database)".into(),
            EditKind::NewGroupFor(n) => format!("New operations group for {n}"),
        }
    }
}
