//! A hand-off brief waiting for acknowledgement, scrollable.

use crate::app::model::Model;
use crate::app::overlay::brief::Brief;
use crate::app::overlay::step::Layer;
use crate::ui::theme::Theme;
use crate::ui::widgets::{footer, text_panel};
use ratatui::buffer::Buffer;

pub fn render(m: &Model, theme: &Theme, b: &Brief, f: &mut Buffer) {
    let title = format!(
        "Hand-off brief: {} {} -> {} (waiting for acknowledgement)",
        b.role.title(),
        b.from.as_deref().unwrap_or("(vacant)"),
        b.to
    );
    let foot = footer(theme, &m.keymap, &b.footer(&m.cx));
    text_panel(theme, &title, &b.text, b.scroll, foot, f);
}
