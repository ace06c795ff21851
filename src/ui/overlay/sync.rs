//! The sync view, scrollable.

use crate::app::model::Model;
use crate::app::overlay::step::Layer;
use crate::app::overlay::sync::SyncPanel;
use crate::app::synced;
use crate::ui::theme::Theme;
use crate::ui::widgets::{footer, text_panel};
use ratatui::buffer::Buffer;

pub fn render(m: &Model, theme: &Theme, p: &SyncPanel, f: &mut Buffer) {
    let foot = footer(theme, &m.keymap, &p.footer(&m.cx));
    // `text_panel` strips control characters line by line.
    let text = synced::text(m);
    text_panel(
        theme,
        "Sync: one incident, many cockpits",
        &text,
        p.scroll,
        foot,
        f,
    );
}
