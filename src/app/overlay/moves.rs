//! The list and scroll movements the overlays share, and their common footers.

use crate::app::actions::{Action, Foot};
use crate::app::overlay::Outcome;
use crossterm::event::{KeyCode, KeyEvent};

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
pub fn moved(action: Option<Action>, sel: &mut usize, len: usize) -> bool {
    *sel = (*sel).min(len.saturating_sub(1));
    match nav(action, *sel, len) {
        Some(to) => {
            *sel = to;
            true
        }
        None => false,
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
