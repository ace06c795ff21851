//! A one-line text field: the few editing keys people expect in a prompt.
//! Pasted text is folded onto one line and stripped of control characters.

use crate::domain::text::{one_line, strip_control};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    /// Cursor position in chars.
    cursor: usize,
}

/// What a key did to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOutcome {
    Changed,
    Moved,
    Ignored,
}

impl LineEdit {
    pub fn new(text: &str) -> LineEdit {
        let text = one_line(text);
        let cursor = text.chars().count();
        LineEdit { text, cursor }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The text split at the cursor.
    pub fn split(&self) -> (&str, &str) {
        let at = self.byte_at(self.cursor);
        self.text.split_at(at)
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    pub fn insert_str(&mut self, s: &str) {
        // Line breaks become spaces; edges are kept (pasting " world").
        let clean = strip_control(s).replace('\n', " ");
        if clean.is_empty() {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    pub fn handle(&mut self, key: &KeyEvent) -> EditOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('a') if ctrl => self.move_to(0),
            KeyCode::Char('e') if ctrl => self.move_to(self.len()),
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
                EditOutcome::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let (before, _) = self.split();
                let trimmed = before.trim_end();
                let start = trimmed
                    .char_indices()
                    .rev()
                    .find(|(_, c)| c.is_whitespace())
                    .map_or(0, |(i, c)| i + c.len_utf8());
                let end = before.len();
                let removed = self.text[start..end].chars().count();
                self.text.replace_range(start..end, "");
                self.cursor -= removed;
                EditOutcome::Changed
            }
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                if c.is_control() {
                    return EditOutcome::Ignored;
                }
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                EditOutcome::Changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
                EditOutcome::Changed
            }
            KeyCode::Delete if self.cursor < self.len() => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                EditOutcome::Changed
            }
            KeyCode::Left if self.cursor > 0 => self.move_to(self.cursor - 1),
            KeyCode::Right if self.cursor < self.len() => self.move_to(self.cursor + 1),
            KeyCode::Home => self.move_to(0),
            KeyCode::End => self.move_to(self.len()),
            _ => EditOutcome::Ignored,
        }
    }

    fn move_to(&mut self, c: usize) -> EditOutcome {
        self.cursor = c.min(self.len());
        EditOutcome::Moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_unicode() {
        let mut e = LineEdit::new("Jos");
        e.handle(&k(KeyCode::Char('é')));
        assert_eq!(e.text(), "José");
        e.handle(&k(KeyCode::Left));
        e.handle(&k(KeyCode::Backspace));
        assert_eq!(e.text(), "Joé");
        e.handle(&k(KeyCode::End));
        e.insert_str(" 渡辺\n健\u{1b}[31m");
        assert_eq!(e.text(), "Joé 渡辺 健[31m");
        e.handle(&KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(e.text(), "Joé 渡辺 ");
        e.handle(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!((e.text(), e.cursor()), ("", 0));
    }
}
