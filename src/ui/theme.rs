//! Styles. With NO_COLOR the meaning stays: every status is also a word,
//! and emphasis uses bold, reverse and underline instead of colour.

use crate::domain::checklist::Status;
use crate::domain::event::Severity;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

/// How close a shift is to its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Fine,
    Warn,
    Over,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value (no-color.org).
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    pub fn colored() -> Theme {
        Theme { color: true }
    }

    pub fn no_color() -> Theme {
        Theme { color: false }
    }

    fn pick(&self, color: Style, plain: Style) -> Style {
        if self.color { color } else { plain }
    }

    /// Bold `fg` in colour; the `plain` modifiers without.
    fn bold_fg(&self, fg: Color, plain: Modifier) -> Style {
        self.pick(
            Style::default().fg(fg).add_modifier(Modifier::BOLD),
            Style::default().add_modifier(plain),
        )
    }

    /// A badge: bold `fg` on `bg` in colour; the `plain` modifiers without.
    fn badge(&self, fg: Color, bg: Color, plain: Modifier) -> Style {
        let style = self.bold_fg(fg, plain);
        if self.color { style.bg(bg) } else { style }
    }

    pub fn plain(&self) -> Style {
        Style::default()
    }

    pub fn bold(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        self.pick(
            Style::default().fg(Color::DarkGray),
            Style::default().add_modifier(Modifier::DIM),
        )
    }

    pub fn bad(&self) -> Style {
        self.badge(
            Color::White,
            Color::Red,
            Modifier::BOLD | Modifier::REVERSED,
        )
    }

    pub fn warn(&self) -> Style {
        self.bold_fg(Color::Yellow, Modifier::BOLD)
    }

    pub fn good(&self) -> Style {
        self.pick(Style::default().fg(Color::Green), Style::default())
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::Overdue => self.bad(),
            Status::Due => self.warn(),
            Status::Unknown => self.bold_fg(Color::Magenta, Modifier::UNDERLINED),
            Status::Snoozed => self.pick(Style::default().fg(Color::Blue), Style::default()),
            Status::Ok => self.good(),
        }
    }

    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Major => self.bad(),
            Severity::Confirmed => self.badge(
                Color::Black,
                Color::Yellow,
                Modifier::BOLD | Modifier::UNDERLINED,
            ),
            Severity::Investigating => self.badge(Color::Black, Color::Cyan, Modifier::BOLD),
            Severity::Resolved => self.badge(Color::Black, Color::Green, Modifier::empty()),
        }
    }

    pub fn level(&self, l: Level) -> Style {
        match l {
            Level::Fine => self.good(),
            Level::Warn => self.warn(),
            Level::Over => self.bad(),
        }
    }

    pub fn heading(&self, focused: bool) -> Style {
        if focused {
            self.badge(
                Color::Black,
                Color::Cyan,
                Modifier::BOLD | Modifier::REVERSED,
            )
        } else {
            self.bold_fg(Color::Cyan, Modifier::BOLD | Modifier::UNDERLINED)
        }
    }

    /// The selected line of the focused region.
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    /// A list row's style and marker: reversed behind `› ` when selected, else plain.
    pub fn row(&self, selected: bool) -> (Style, &'static str) {
        if selected {
            (self.selected(), "› ")
        } else {
            (self.plain(), "  ")
        }
    }

    pub fn key(&self) -> Style {
        self.bold_fg(Color::Cyan, Modifier::BOLD)
    }

    pub fn border(&self) -> Style {
        self.pick(Style::default().fg(Color::Cyan), Style::default())
    }
}
