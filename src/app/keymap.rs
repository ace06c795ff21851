//! The live key table: the defaults of `app::actions::TABLE` overridden by the `[keys]`
//! configuration, one key space per scope. Unknown actions, unparsable keys, reserved keys,
//! keys that would type text where an action is meant to work and keys bound to two actions
//! in one scope are configuration errors. Help, the status line and every footer are
//! generated from this table, so they cannot drift.

use crate::app::actions::TABLE;
pub use crate::app::actions::{Action, Scope};
use crate::config::Config;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;
use std::fmt;

/// A key with its modifiers, normalised so that a shifted letter is just
/// the letter ('R', not Shift+'R') and Shift-Tab is `BackTab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        Key::new(e.code, e.modifiers)
    }

    pub fn plain(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    pub fn ctrl(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    /// Parses `h`, `R`, `?`, `Space`, `Tab`, `Shift-Tab`, `Enter`, `Esc`,
    /// `Up`, `PageDown`, `F1`, `Ctrl-l`, `Alt-x`, ...
    pub fn parse(s: &str) -> Result<Key, String> {
        let raw = s;
        if raw.chars().count() == 1 {
            let c = raw.chars().next().unwrap_or(' ');
            return Ok(Key::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        let mut mods = KeyModifiers::NONE;
        let mut rest = raw.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            let strip = ["ctrl-", "c-", "alt-", "a-", "m-", "shift-", "s-"]
                .into_iter()
                .find(|p| lower.starts_with(p) && rest.len() > p.len());
            match strip {
                Some(p) => {
                    mods |= match p {
                        "ctrl-" | "c-" => KeyModifiers::CONTROL,
                        "alt-" | "a-" | "m-" => KeyModifiers::ALT,
                        _ => KeyModifiers::SHIFT,
                    };
                    rest = &rest[p.len()..];
                }
                None => break,
            }
        }
        let code = if rest.chars().count() == 1 {
            KeyCode::Char(rest.chars().next().unwrap_or(' '))
        } else {
            match rest.to_ascii_lowercase().as_str() {
                "space" | "spc" => KeyCode::Char(' '),
                "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "enter" | "return" | "ret" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "backspace" | "bs" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n) if (1..=24).contains(&n) => KeyCode::F(n),
                    _ => return Err(format!("unknown key {raw:?}")),
                },
                _ => {
                    return Err(format!(
                        "unknown key {raw:?} (examples: \"h\", \"R\", \"Space\", \"Ctrl-l\", \"F2\", \"PageDown\")"
                    ));
                }
            }
        };
        if mods.contains(KeyModifiers::SHIFT)
            && let KeyCode::Char(c) = code
        {
            // "Shift-r" is "R".
            return Ok(Key::new(
                KeyCode::Char(c.to_ascii_uppercase()),
                mods - KeyModifiers::SHIFT,
            ));
        }
        Ok(Key::new(code, mods))
    }

    /// A key that types text in a text field: a character without Ctrl or Alt.
    pub fn is_text(self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .mods
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }

    /// Keys the cockpit keeps for its reserved actions in every mode.
    fn reserved(self) -> Option<&'static str> {
        if self == Key::ctrl('c') {
            Some("Ctrl-c always offers to quit")
        } else if self == Key::ctrl('z') {
            Some("Ctrl-z always suspends")
        } else if self.code == KeyCode::Esc && self.mods.is_empty() {
            Some("Esc always cancels")
        } else if self.code == KeyCode::Enter && self.mods.is_empty() {
            Some("Enter always confirms in dialogs")
        } else {
            None
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            _ => f.write_str("?"),
        }
    }
}

/// The live key table.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// Every action with its keys, in table order.
    pub bindings: Vec<(Action, Vec<Key>)>,
    lookup: HashMap<(Scope, Key), Action>,
}

impl Keymap {
    pub fn defaults() -> Keymap {
        // The defaults are constant and covered by a test; fall back to an
        // empty table rather than panic should that ever change.
        Keymap::build(&Config::default()).unwrap_or_else(|_| Keymap {
            bindings: Vec::new(),
            lookup: HashMap::new(),
        })
    }

    /// Builds the table from the defaults overridden by `cfg.keys`, or the
    /// list of problems as (`keys.<action>`, message).
    pub fn build(cfg: &Config) -> Result<Keymap, Vec<(String, String)>> {
        let mut errors = Vec::new();
        for name in cfg.keys.keys() {
            if Action::from_name(name).is_none() {
                let known: Vec<&str> = TABLE
                    .iter()
                    .filter(|s| !s.action.reserved())
                    .map(|s| s.name)
                    .collect();
                errors.push((
                    format!("keys.{name}"),
                    format!("unknown action {name:?}; known: {}", known.join(", ")),
                ));
            }
        }
        let mut km = Keymap {
            bindings: Vec::new(),
            lookup: HashMap::new(),
        };
        for spec in TABLE {
            let keys = km.bind(cfg, spec.action, &mut errors);
            km.bindings.push((spec.action, keys));
        }
        if errors.is_empty() {
            Ok(km)
        } else {
            Err(errors)
        }
    }

    /// Binds one action's keys in each of its scopes; problems go to `errors`.
    fn bind(
        &mut self,
        cfg: &Config,
        action: Action,
        errors: &mut Vec<(String, String)>,
    ) -> Vec<Key> {
        let path = format!("keys.{}", action.name());
        let from_config = cfg.keys.get(action.name());
        if action.reserved() && from_config.is_some() {
            let why = action
                .default_keys()
                .first()
                .and_then(|k| Key::parse(k).ok())
                .and_then(Key::reserved)
                .unwrap_or("it is reserved");
            errors.push((
                path.clone(),
                format!("{} cannot be remapped: {why}", action.name()),
            ));
        }
        let specs: Vec<String> = match from_config {
            Some(spec) if !action.reserved() => {
                spec.keys().into_iter().map(str::to_string).collect()
            }
            _ => action
                .default_keys()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let mut keys = Vec::new();
        for s in specs {
            let k = match Key::parse(&s) {
                Ok(k) => k,
                Err(e) => {
                    errors.push((path.clone(), e));
                    continue;
                }
            };
            if let Some(why) = k.reserved().filter(|_| !action.reserved()) {
                errors.push((path.clone(), format!("{k} cannot be remapped: {why}")));
                continue;
            }
            let home = action.home();
            if home.is_text() && k.is_text() {
                errors.push((
                    path.clone(),
                    format!(
                        "{k} would type text {}: use Ctrl-, Alt- or an F key",
                        home.place()
                    ),
                ));
                continue;
            }
            if let Some(e) = self.conflict(cfg, action, k, from_config.is_some()) {
                errors.push((path.clone(), e));
                continue;
            }
            for space in spaces(action) {
                if !(space.is_text() && k.is_text()) {
                    self.lookup.insert((space, k), action);
                }
            }
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        if keys.is_empty() && from_config.is_some() {
            errors.push((path, "no key left for this action".into()));
        }
        keys
    }

    /// Why `k` cannot be bound to `action`: another action has it in a shared scope.
    fn conflict(&self, cfg: &Config, action: Action, k: Key, configured: bool) -> Option<String> {
        let (space, other) = spaces(action)
            .into_iter()
            .filter(|s| !(s.is_text() && k.is_text()))
            .find_map(|s| self.lookup.get(&(s, k)).map(|o| (s, *o)))?;
        let place = match space {
            Scope::Global => String::new(),
            s => format!(" ({})", s.place()),
        };
        Some(if configured || cfg.keys.contains_key(other.name()) {
            format!("{k} is already bound to {}{place}", other.name())
        } else {
            format!(
                "{k} is bound to both {} and {}{place}",
                other.name(),
                action.name()
            )
        })
    }

    /// The action of a key on the main screen.
    pub fn action(&self, key: Key) -> Option<Action> {
        self.action_in(Scope::Global, key)
    }

    /// The action of a key in a scope; in a text scope, plain keys are text, not actions.
    pub fn action_in(&self, scope: Scope, key: Key) -> Option<Action> {
        let space = scope.space();
        if space.is_text() && key.is_text() {
            return None;
        }
        self.lookup.get(&(space, key)).copied()
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// The first key of an action, for hints ("h hand off").
    pub fn first(&self, action: Action) -> Option<Key> {
        self.keys(action).first().copied()
    }

    /// The first key of an action as text, or its name when it has none.
    pub fn label(&self, action: Action) -> String {
        self.first(action)
            .map_or_else(|| action.name().to_string(), |k| k.to_string())
    }
}

/// The key spaces an action is bound in.
fn spaces(action: Action) -> Vec<Scope> {
    let mut out: Vec<Scope> = action.scopes().iter().map(|s| s.space()).collect();
    out.sort();
    out.dedup();
    out
}

/// Checks the `[keys]` table; empty when it is fine. Each item is
/// (`keys.<action>`, what is wrong). Used by the config checker.
pub fn validate_keys(cfg: &Config) -> Vec<(String, String)> {
    Keymap::build(cfg).err().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KeySpec;

    #[test]
    fn defaults_are_valid() {
        assert!(validate_keys(&Config::default()).is_empty());
        let km = Keymap::defaults();
        assert_eq!(km.action(Key::plain('h')), Some(Action::Handoff));
        assert_eq!(km.action(Key::plain('R')), Some(Action::Resolve));
        assert_eq!(
            km.action(Key::new(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Resolve)
        );
        assert_eq!(
            km.action(Key::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(km.action(Key::plain(' ')), Some(Action::Review));
        // The same key does different things in different overlays.
        assert_eq!(
            km.action_in(Scope::Deliveries, Key::plain('x')),
            Some(Action::Drop)
        );
        assert_eq!(
            km.action_in(Scope::Brief, Key::plain('x')),
            Some(Action::Withdraw)
        );
        // In a text field, letters are text.
        assert_eq!(km.action_in(Scope::PickPerson, Key::plain('k')), None);
        assert_eq!(
            km.action_in(Scope::PickPerson, Key::ctrl('p')),
            Some(Action::Up)
        );
    }

    #[test]
    fn parses_key_names() {
        assert_eq!(Key::parse("Ctrl-L"), Ok(Key::ctrl('l')));
        assert_eq!(Key::parse("shift-r"), Ok(Key::plain('R')));
        assert_eq!(
            Key::parse("Shift-Tab"),
            Ok(Key::new(KeyCode::BackTab, KeyModifiers::NONE))
        );
        assert_eq!(
            Key::parse("F2"),
            Ok(Key::new(KeyCode::F(2), KeyModifiers::NONE))
        );
        assert!(Key::parse("Hyper-x").is_err());
        assert_eq!(Key::ctrl('l').to_string(), "Ctrl-l");
    }

    #[test]
    fn remapping_replaces_defaults() {
        let mut cfg = Config::default();
        cfg.keys.insert(
            "handoff".into(),
            KeySpec::Many(vec!["H".into(), "F2".into()]),
        );
        let km = Keymap::build(&cfg).unwrap_or_else(|_| Keymap::defaults());
        assert_eq!(km.action(Key::plain('H')), Some(Action::Handoff));
        assert_eq!(km.action(Key::plain('h')), None);
    }

    #[test]
    fn overlay_keys_are_remapped_and_checked_per_scope() {
        let mut cfg = Config::default();
        cfg.keys.insert("drop".into(), KeySpec::One("X".into()));
        let km = Keymap::build(&cfg).unwrap_or_else(|_| Keymap::defaults());
        assert_eq!(
            km.action_in(Scope::Deliveries, Key::plain('X')),
            Some(Action::Drop)
        );
        assert_eq!(km.action_in(Scope::Deliveries, Key::plain('x')), None);
        // `r` is retry in the deliveries overlay, release on the main screen: fine.
        cfg.keys.insert("drop".into(), KeySpec::One("r".into()));
        let text = format!("{:?}", validate_keys(&cfg));
        assert!(
            text.contains("r is already bound to retry (in the deliveries overlay)"),
            "{text}"
        );
    }

    #[test]
    fn conflicts_unknown_and_reserved_are_errors() {
        let mut cfg = Config::default();
        cfg.keys.insert("note".into(), KeySpec::One("h".into()));
        cfg.keys.insert("teleport".into(), KeySpec::One("t".into()));
        cfg.keys
            .insert("quit".into(), KeySpec::One("Ctrl-c".into()));
        cfg.keys
            .insert("impact".into(), KeySpec::One("Hyper-i".into()));
        cfg.keys.insert("cancel".into(), KeySpec::One("x".into()));
        let errs = validate_keys(&cfg);
        let text = format!("{errs:?}");
        assert!(text.contains("keys.teleport"), "{text}");
        assert!(text.contains("h is already bound to handoff"), "{text}");
        assert!(text.contains("cannot be remapped"), "{text}");
        assert!(text.contains("unknown key \\\"Hyper-i\\\""), "{text}");
        assert!(
            text.contains("cancel cannot be remapped: Esc always cancels"),
            "{text}"
        );
    }
}
