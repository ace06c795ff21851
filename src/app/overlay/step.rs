//! What every overlay shares: the [`Layer`] trait each one implements, what a key did
//! ([`Outcome`]: stay, close, or go to another overlay) and the list and scroll movements.
//!
//! An overlay never builds another overlay: it asks for one with a [`Goto`], and
//! `app::overlay::open` builds it. So the overlays' files do not depend on each other, and
//! none depends on `app::overlay` (which lists them all).

use crate::app::actions::{Action, Foot, Scope};
use crate::app::cmd::Cmd;
use crate::app::cockpit::Cockpit;
use crate::app::edit::LineEdit;
use crate::app::intent::Intent;
use crate::domain::Role;
use crossterm::event::{KeyCode, KeyEvent};

/// An overlay: it takes the keys while it is open.
pub trait Layer {
    /// Where its keys are looked up when not in the scope the `overlays!` list gives it (a
    /// field being typed in, a detail view).
    fn scope_now(&self) -> Option<Scope> {
        None
    }

    /// A key: `action` is what the keymap says it is in the overlay's scope
    /// (`Overlay::scope`; `None`: no action, e.g. text typed into a field).
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

/// The new selection in a list of `len` entries, if `action` moves it.
pub fn nav(action: Option<Action>, sel: usize, len: usize) -> Option<usize> {
    let last = len.saturating_sub(1);
    Some(match action? {
        Action::Up => sel.saturating_sub(1),
        Action::Down | Action::FocusNext => (sel + 1).min(last),
        Action::PageUp => sel.saturating_sub(10),
        Action::PageDown => (sel + 10).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return None,
    })
}

/// What a key did in a list to choose from (the pickers, snooze, a drill decision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Nothing chosen (the selection may have moved).
    Stay,
    /// This entry: Enter or Space on the selection, or its number on screen.
    Chosen(usize),
    /// Esc or Ctrl-c.
    Cancel,
}

/// Moves `sel` in a list of `len` entries, or says what was chosen. With `numbered`, a digit
/// `1`-`9` chooses the entry of that number on screen (data, like typed text).
pub fn choose(
    action: Option<Action>,
    key: &KeyEvent,
    sel: &mut usize,
    len: usize,
    numbered: bool,
) -> Choice {
    if let KeyCode::Char(c @ '1'..='9') = key.code
        && numbered
    {
        let i = c as usize - '1' as usize;
        return if i < len {
            Choice::Chosen(i)
        } else {
            Choice::Stay
        };
    }
    if let Some(moved) = nav(action, *sel, len) {
        *sel = moved;
        return Choice::Stay;
    }
    match action {
        Some(Action::Confirm | Action::Select) => Choice::Chosen(*sel),
        Some(Action::Cancel | Action::Interrupt) => Choice::Cancel,
        _ => Choice::Stay,
    }
}

/// Keeps `sel` inside a list of `len` entries (it may have shrunk meanwhile) and moves it
/// if `action` does: whether it did.
fn moved(action: Option<Action>, sel: &mut usize, len: usize) -> bool {
    *sel = (*sel).min(len.saturating_sub(1));
    match nav(action, *sel, len) {
        Some(to) => {
            *sel = to;
            true
        }
        None => false,
    }
}

/// A list's own keys: the movements (keeping `sel` inside its `len` entries, which may
/// have shrunk meanwhile) and the closing ones (Esc, `q`, Ctrl-c and `toggle`, the key that
/// opened it). The outcome when `action` is one of them, else `None`.
pub fn listed(
    action: Option<Action>,
    sel: &mut usize,
    len: usize,
    toggle: Action,
) -> Option<Outcome> {
    if moved(action, sel, len) {
        return Some(Outcome::stay());
    }
    match action? {
        Action::Close | Action::Cancel | Action::Interrupt => Some(Outcome::close()),
        a if a == toggle => Some(Outcome::close()),
        _ => None,
    }
}

/// The new offset of a scrolled text, if `action` scrolls it (the view clamps it).
pub fn scroll(action: Option<Action>, scroll: u16) -> Option<u16> {
    Some(match action? {
        Action::Up => scroll.saturating_sub(1),
        Action::Down => scroll.saturating_add(1),
        Action::PageUp => scroll.saturating_sub(10),
        Action::PageDown | Action::More => scroll.saturating_add(10),
        Action::Top => 0,
        Action::Bottom => u16::MAX / 2,
        _ => return None,
    })
}

/// A text to read (help, rotation, post-mortem): the scroll keys move it; Esc, Enter,
/// Ctrl-c and `toggle` (the key that opened it, if it closes it too) close it.
pub fn read(action: Option<Action>, offset: &mut u16, toggle: Option<Action>) -> Outcome {
    if let Some(s) = scroll(action, *offset) {
        *offset = s;
        return Outcome::stay();
    }
    match action {
        Some(Action::Close | Action::Cancel | Action::Confirm | Action::Interrupt) => {
            Outcome::close()
        }
        Some(a) if Some(a) == toggle => Outcome::close(),
        _ => Outcome::stay(),
    }
}

/// `Enter <what it does>   Esc cancel`: a text field's footer.
pub fn field_footer(confirm: &'static str) -> Vec<Foot> {
    vec![
        Foot::label(&[Action::Confirm], confirm),
        Foot::keys(&[Action::Cancel]),
    ]
}

/// `↑↓ move   Enter choose   Esc cancel`: the pickers' footer.
pub fn pick_footer() -> Vec<Foot> {
    vec![
        Foot::keys(&[Action::Up, Action::Down]),
        Foot::label(&[Action::Confirm], "choose"),
        Foot::keys(&[Action::Cancel]),
    ]
}
