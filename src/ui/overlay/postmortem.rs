//! The post-mortem draft just written, scrollable.

use crate::app::model::Model;
use crate::app::overlay::postmortem::Postmortem;
use crate::app::overlay::step::Layer;
use crate::ui::theme::Theme;
use crate::ui::widgets::{footer, text_panel};
use ratatui::buffer::Buffer;

pub fn render(m: &Model, theme: &Theme, p: &Postmortem, f: &mut Buffer) {
    let foot = footer(theme, &m.keymap, &p.footer(&m.cx));
    text_panel(theme, "Post-mortem draft", &p.text, p.scroll, foot, f);
}
