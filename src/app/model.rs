//! The cockpit's whole state: what it knows ([`Cockpit`]) and the overlay open over it.
//! Only `update` changes it; the view reads it.

pub use crate::app::cockpit::{Cockpit, Flash, MIN_HEIGHT, MIN_WIDTH, OLDER_PAGE, Older, Region};
use crate::app::keymap::Keymap;
use crate::app::overlay::Overlay;
use crate::app::overlay::edit::Edit;
use crate::app::overlay::step::EditKind;
use crate::config::Config;
use crate::domain::Event;
use jiff::Timestamp;
use std::ops::{Deref, DerefMut};

#[derive(Debug, Clone)]
pub struct Model {
    pub cx: Cockpit,
    /// The overlay taking the keys, if any (`None`: the main screen).
    pub overlay: Option<Overlay>,
}

impl Model {
    /// A model for `actor` on `events` (empty: no incident yet, the cockpit
    /// asks for a title).
    pub fn new(
        actor: &str,
        config: Config,
        keymap: Keymap,
        events: Vec<Event>,
        now: Timestamp,
    ) -> Model {
        let cx = Cockpit::new(actor, config, keymap, events, now);
        let overlay = match cx.inc {
            Some(_) => None,
            None => Some(Overlay::Edit(Edit::new(EditKind::Title, &cx))),
        };
        Model { cx, overlay }
    }

    /// A model on an incident already replayed (see [`Cockpit::restored`]).
    pub fn restored(cx: Cockpit) -> Model {
        Model { cx, overlay: None }
    }
}

/// `m.inc`, `m.flash`, …: the model reads as the cockpit it holds.
impl Deref for Model {
    type Target = Cockpit;

    fn deref(&self) -> &Cockpit {
        &self.cx
    }
}

impl DerefMut for Model {
    fn deref_mut(&mut self) -> &mut Cockpit {
        &mut self.cx
    }
}
