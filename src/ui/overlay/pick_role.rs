//! Hand off which role?

use crate::app::model::Model;
use crate::app::overlay::pick_role::{PickRole, RoleChoice};
use crate::app::overlay::step::Layer;
use crate::ui::theme::Theme;
use crate::ui::widgets::{footer, picker};
use ratatui::buffer::Buffer;

pub fn render(m: &Model, theme: &Theme, p: &PickRole, f: &mut Buffer) {
    let inc = m.inc.as_ref();
    let entries: Vec<(String, String)> = p
        .choices
        .iter()
        .map(|c| match c {
            RoleChoice::Role(r) => (
                r.title(),
                inc.and_then(|inc| inc.holder(r))
                    .map_or("(vacant)".to_string(), |h| format!("now {}", h.name)),
            ),
            RoleChoice::NewGroup => ("New ops group lead…".into(), "name a new group".into()),
        })
        .collect();
    let foot = footer(theme, &m.keymap, &p.footer(&m.cx));
    picker(f, theme, "Hand off which role?", &entries, p.sel, foot);
}
