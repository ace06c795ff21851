//! Add a person to which group?

use crate::app::model::Model;
use crate::app::overlay::pick_group::{GroupChoice, PickGroup};
use crate::app::overlay::step::Layer;
use crate::ui::text::clean;
use crate::ui::theme::Theme;
use crate::ui::widgets::{footer, picker};
use ratatui::buffer::Buffer;

pub fn render(m: &Model, theme: &Theme, p: &PickGroup, f: &mut Buffer) {
    let title = format!("Add {} to which group?", clean(&p.name));
    let entries: Vec<(String, String)> = p
        .choices
        .iter()
        .map(|c| match c {
            GroupChoice::NoGroup => ("No group".to_string(), "responder".to_string()),
            GroupChoice::Group(g) => (
                format!("ops:{g}"),
                m.inc
                    .as_ref()
                    .and_then(|inc| inc.groups.get(g))
                    .map_or(String::new(), |g| format!("{} people", g.members.len())),
            ),
            GroupChoice::NewGroup => ("New group…".into(), "name it next".into()),
        })
        .collect();
    let foot = footer(theme, &m.keymap, &p.footer(&m.cx));
    picker(f, theme, &title, &entries, p.sel, foot);
}
