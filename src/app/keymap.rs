//! One table from keys to actions, built from the defaults and the `[keys]`
//! configuration. Unknown actions, unparsable keys, reserved keys and keys
//! bound to two actions are configuration errors. The help overlay and the
//! status line hints are generated from this table, so they cannot drift.

use crate::config::Config;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;
use std::fmt;

/// What a key does in the cockpit's normal mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Help,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Handoff,
    AddPerson,
    Break,
    Release,
    StateInvestigating,
    StateConfirmed,
    StateMajor,
    Resolve,
    Review,
    Snooze,
    Impact,
    Note,
    Redraw,
    Quit,
    Sitrep,
    StatusUpdate,
    SitrepLog,
    Send,
    PreviewNext,
    StageNext,
    // Drill only (`commandpost drill <scenario>`): the clock, decisions, the end.
    DrillFaster,
    DrillSlower,
    DrillPause,
    DrillDecide,
    DrillEnd,
    Deliveries,
    Page,
    Rotation,
    Acknowledge,
    Cleanup,
    Postmortem,
    Remediation,
}

/// Where an action is useful: drives the status line hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Checklist,
    Roster,
    Timeline,
    Moving,
    /// Inside the sitrep and status composers (needs a modifier or an F key:
    /// plain keys type text there).
    Composer,
}

impl Action {
    pub const ALL: [Action; 39] = [
        Action::Help,
        Action::FocusNext,
        Action::FocusPrev,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Handoff,
        Action::AddPerson,
        Action::Break,
        Action::Release,
        Action::StateInvestigating,
        Action::StateConfirmed,
        Action::StateMajor,
        Action::Resolve,
        Action::Review,
        Action::Snooze,
        Action::Impact,
        Action::Note,
        Action::Redraw,
        Action::Quit,
        Action::Sitrep,
        Action::StatusUpdate,
        Action::SitrepLog,
        Action::Send,
        Action::PreviewNext,
        Action::StageNext,
        Action::DrillFaster,
        Action::DrillSlower,
        Action::DrillPause,
        Action::DrillDecide,
        Action::DrillEnd,
        Action::Deliveries,
        Action::Page,
        Action::Rotation,
        Action::Acknowledge,
        Action::Cleanup,
        Action::Postmortem,
        Action::Remediation,
    ];

    /// The name used in the `[keys]` configuration table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Help => "help",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Handoff => "handoff",
            Action::AddPerson => "add_person",
            Action::Break => "break",
            Action::Release => "release",
            Action::StateInvestigating => "state_investigating",
            Action::StateConfirmed => "state_confirmed",
            Action::StateMajor => "state_major",
            Action::Resolve => "resolve",
            Action::Review => "review",
            Action::Snooze => "snooze",
            Action::Impact => "impact",
            Action::Note => "note",
            Action::Redraw => "redraw",
            Action::Quit => "quit",
            Action::Sitrep => "sitrep",
            Action::StatusUpdate => "status_update",
            Action::SitrepLog => "sitrep_log",
            Action::Send => "send",
            Action::PreviewNext => "preview_next",
            Action::StageNext => "stage_next",
            Action::DrillFaster => "drill_faster",
            Action::DrillSlower => "drill_slower",
            Action::DrillPause => "drill_pause",
            Action::DrillDecide => "drill_decide",
            Action::DrillEnd => "drill_end",
            Action::Deliveries => "deliveries",
            Action::Page => "page",
            Action::Rotation => "rotation",
            Action::Acknowledge => "acknowledge",
            Action::Cleanup => "cleanup",
            Action::Postmortem => "postmortem",
            Action::Remediation => "remediation",
        }
    }

    /// Long description, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Help => "this help",
            Action::FocusNext => "next region",
            Action::FocusPrev => "previous region",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Handoff => "hand off a role",
            Action::AddPerson => "add a person",
            Action::Break => "break start/end (roster)",
            Action::Release => "release person (roster)",
            Action::StateInvestigating => "state 1 investigating",
            Action::StateConfirmed => "state 2 confirmed",
            Action::StateMajor => "state 3 major",
            Action::Resolve => "resolve the incident",
            Action::Review => "question reviewed",
            Action::Snooze => "snooze 30m/1h/2h",
            Action::Impact => "edit impact",
            Action::Note => "add a note",
            Action::Redraw => "redraw screen",
            Action::Quit => "quit; incident stays open",
            Action::Sitrep => "write a sitrep (draft kept)",
            Action::StatusUpdate => "public status update",
            Action::SitrepLog => "sitrep log and diffs",
            Action::Send => "composer: send (asks first)",
            Action::PreviewNext => "composer: next preview",
            Action::StageNext => "status composer: next stage",
            Action::DrillFaster => "drill: clock faster (to 60x)",
            Action::DrillSlower => "drill: clock slower (to 1x)",
            Action::DrillPause => "drill: pause/resume the clock",
            Action::DrillDecide => "drill: answer the open decision",
            Action::DrillEnd => "drill: end it and score",
            Action::Deliveries => "deliveries: retry/drop",
            Action::Page => "page someone",
            Action::Rotation => "rotation: who is next",
            Action::Acknowledge => "acknowledge a hand-off",
            Action::Cleanup => "cleanup checklist",
            Action::Postmortem => "post-mortem draft",
            Action::Remediation => "remediation items",
        }
    }

    /// Short label, for the status line.
    pub fn hint(self) -> &'static str {
        match self {
            Action::Help => "help",
            Action::FocusNext => "focus",
            Action::FocusPrev => "back",
            Action::Up | Action::Down => "move",
            Action::PageUp | Action::PageDown => "page",
            Action::Handoff => "hand off",
            Action::AddPerson => "add",
            Action::Break => "break",
            Action::Release => "release",
            Action::StateInvestigating => "investigating",
            Action::StateConfirmed => "confirmed",
            Action::StateMajor => "major",
            Action::Resolve => "resolve",
            Action::Review => "review",
            Action::Snooze => "snooze",
            Action::Impact => "impact",
            Action::Note => "note",
            Action::Redraw => "redraw",
            Action::Quit => "quit",
            Action::Sitrep => "sitrep",
            Action::StatusUpdate => "status",
            Action::SitrepLog => "sitreps",
            Action::Send => "send",
            Action::PreviewNext => "preview",
            Action::StageNext => "stage",
            Action::DrillFaster => "faster",
            Action::DrillSlower => "slower",
            Action::DrillPause => "pause",
            Action::DrillDecide => "decide",
            Action::DrillEnd => "end drill",
            Action::Deliveries => "deliveries",
            Action::Page => "page",
            Action::Rotation => "rotation",
            Action::Acknowledge => "ack",
            Action::Cleanup => "cleanup",
            Action::Postmortem => "post-mortem",
            Action::Remediation => "remediation",
        }
    }

    /// Whether the action only does something in a drill (help lists it only there).
    pub fn drill_only(self) -> bool {
        matches!(
            self,
            Action::DrillFaster
                | Action::DrillSlower
                | Action::DrillPause
                | Action::DrillDecide
                | Action::DrillEnd
        )
    }

    pub fn scope(self) -> Scope {
        match self {
            Action::Review | Action::Snooze => Scope::Checklist,
            Action::Break | Action::Release | Action::AddPerson => Scope::Roster,
            Action::PageUp | Action::PageDown => Scope::Timeline,
            Action::Up | Action::Down | Action::FocusNext | Action::FocusPrev => Scope::Moving,
            Action::Send | Action::PreviewNext | Action::StageNext => Scope::Composer,
            _ => Scope::Global,
        }
    }

    pub fn default_keys(self) -> &'static [&'static str] {
        match self {
            Action::Help => &["?"],
            Action::FocusNext => &["Tab"],
            Action::FocusPrev => &["Shift-Tab"],
            Action::Up => &["Up", "k"],
            Action::Down => &["Down", "j"],
            Action::PageUp => &["PageUp"],
            Action::PageDown => &["PageDown"],
            Action::Handoff => &["h"],
            Action::AddPerson => &["a"],
            Action::Break => &["b"],
            Action::Release => &["r"],
            Action::StateInvestigating => &["1"],
            Action::StateConfirmed => &["2"],
            Action::StateMajor => &["3"],
            Action::Resolve => &["R"],
            Action::Review => &["Space"],
            Action::Snooze => &["z"],
            Action::Impact => &["i"],
            Action::Note => &["n"],
            Action::Redraw => &["Ctrl-l"],
            Action::Quit => &["q"],
            Action::Sitrep => &["s"],
            Action::StatusUpdate => &["u"],
            Action::SitrepLog => &["L"],
            Action::Send => &["Ctrl-s"],
            Action::PreviewNext => &["Ctrl-o"],
            Action::StageNext => &["Ctrl-t"],
            Action::DrillFaster => &["+"],
            Action::DrillSlower => &["-"],
            Action::DrillPause => &["."],
            Action::DrillDecide => &["d"],
            Action::DrillEnd => &["Q"],
            Action::Deliveries => &["D"],
            Action::Page => &["p"],
            Action::Rotation => &["o"],
            Action::Acknowledge => &["A"],
            Action::Cleanup => &["C"],
            Action::Postmortem => &["P"],
            Action::Remediation => &["M"],
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

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

    /// A key that cannot be text: with Ctrl or Alt, or an F key.
    pub fn is_command_key(self) -> bool {
        self.mods
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            || matches!(self.code, KeyCode::F(_))
    }

    /// Keys the cockpit keeps for itself in every mode.
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
    /// Every action with its keys, in [`Action::ALL`] order.
    pub bindings: Vec<(Action, Vec<Key>)>,
    lookup: HashMap<Key, Action>,
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
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                errors.push((
                    format!("keys.{name}"),
                    format!("unknown action {name:?}; known: {}", known.join(", ")),
                ));
            }
        }
        let mut bindings = Vec::new();
        let mut lookup: HashMap<Key, Action> = HashMap::new();
        for action in Action::ALL {
            let specs: Vec<String> = match cfg.keys.get(action.name()) {
                Some(spec) => spec.keys().into_iter().map(str::to_string).collect(),
                None => action
                    .default_keys()
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            };
            let from_config = cfg.keys.contains_key(action.name());
            let mut keys = Vec::new();
            for s in specs {
                let path = format!("keys.{}", action.name());
                match Key::parse(&s) {
                    Err(e) => errors.push((path, e)),
                    Ok(k) => {
                        if let Some(why) = k.reserved() {
                            errors.push((path, format!("{k} cannot be remapped: {why}")));
                            continue;
                        }
                        if action.scope() == Scope::Composer && !k.is_command_key() {
                            errors.push((
                                path,
                                format!(
                                    "{k} would type text in a composer: use Ctrl-, Alt- or an F key"
                                ),
                            ));
                            continue;
                        }
                        if let Some(other) = lookup.get(&k) {
                            let msg = if from_config || cfg.keys.contains_key(other.name()) {
                                format!("{k} is already bound to {}", other.name())
                            } else {
                                format!(
                                    "{k} is bound to both {} and {}",
                                    other.name(),
                                    action.name()
                                )
                            };
                            errors.push((path, msg));
                            continue;
                        }
                        lookup.insert(k, action);
                        if !keys.contains(&k) {
                            keys.push(k);
                        }
                    }
                }
            }
            if keys.is_empty() && from_config {
                errors.push((
                    format!("keys.{}", action.name()),
                    "no key left for this action".into(),
                ));
            }
            bindings.push((action, keys));
        }
        if errors.is_empty() {
            Ok(Keymap { bindings, lookup })
        } else {
            Err(errors)
        }
    }

    pub fn action(&self, key: Key) -> Option<Action> {
        self.lookup.get(&key).copied()
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
    fn conflicts_unknown_and_reserved_are_errors() {
        let mut cfg = Config::default();
        cfg.keys.insert("note".into(), KeySpec::One("h".into()));
        cfg.keys.insert("teleport".into(), KeySpec::One("t".into()));
        cfg.keys
            .insert("quit".into(), KeySpec::One("Ctrl-c".into()));
        cfg.keys
            .insert("impact".into(), KeySpec::One("Hyper-i".into()));
        let errs = validate_keys(&cfg);
        let text = format!("{errs:?}");
        assert!(text.contains("keys.teleport"), "{text}");
        assert!(text.contains("h is already bound to handoff"), "{text}");
        assert!(text.contains("cannot be remapped"), "{text}");
        assert!(text.contains("unknown key \\\"Hyper-i\\\""), "{text}");
    }
}
