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
        self.pick(
            Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        )
    }

    pub fn warn(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    pub fn good(&self) -> Style {
        self.pick(Style::default().fg(Color::Green), Style::default())
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::Overdue => self.bad(),
            Status::Due => self.warn(),
            Status::Unknown => self.pick(
                Style::default()
                    .fg(Color::Magenta)
                    .add_modifier(Modifier::BOLD),
                Style::default().add_modifier(Modifier::UNDERLINED),
            ),
            Status::Snoozed => self.pick(Style::default().fg(Color::Blue), Style::default()),
            Status::Ok => self.good(),
        }
    }

    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Major => self.bad(),
            Severity::Confirmed => self.pick(
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ),
            Severity::Investigating => self.pick(
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Severity::Resolved => self.pick(
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Green)
                    .add_modifier(Modifier::BOLD),
                Style::default(),
            ),
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
            self.pick(
                Style::default()
                    .fg(Color::Black)
                    .bg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
                Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            )
        } else {
            self.pick(
                Style::default()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::BOLD),
                Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            )
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
        self.pick(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    pub fn border(&self) -> Style {
        self.pick(Style::default().fg(Color::Cyan), Style::default())
    }
}
