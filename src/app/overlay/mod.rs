//! The overlays: one file each here (state, keys, the keys its footer lists) and one in
//! `ui::overlay` (drawing). While an overlay is open it takes the keys; what it returns
//! says whether it stays, closes or opens another ([`step::Goto`], built by [`open`]).
//!
//! Adding an overlay: its file here (a state type implementing [`step::Layer`]), one line in
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
pub mod page;
pub mod pick_group;
pub mod pick_person;
pub mod pick_role;
pub mod postmortem;
pub mod remediation;
pub mod rotation;
pub mod sitrep_log;
pub mod snooze;
pub mod step;
pub mod sync;

use crate::app::actions::{Foot, Scope};
use crate::app::cmd::Cmd;
use crate::app::cockpit::Cockpit;
use crate::app::intent::Intent;
use crate::app::keymap::Key;
use crossterm::event::KeyEvent;
use step::{Goto, Layer, Outcome, Step};

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
