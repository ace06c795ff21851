//! What a drill adds to the screen: the banner (always on screen, in the header). The
//! decision prompt is `ui::overlay::decision`.

use crate::app::model::Model;
use crate::ui::theme::Theme;
use ratatui::style::{Modifier, Style};

/// The banner text, e.g. ` DRILL 10x +12m/1h `, when the cockpit runs a drill.
pub fn banner(m: &Model) -> Option<String> {
    m.drill.as_ref().map(|d| d.banner(m.now))
}

/// The banner's style: reversed and bold, so that it stands out without colour.
pub fn banner_style(theme: &Theme) -> Style {
    theme
        .warn()
        .add_modifier(Modifier::REVERSED | Modifier::BOLD)
}
