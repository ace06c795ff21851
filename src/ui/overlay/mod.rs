//! The overlays' drawing: one file each, one arm each below (the state and keys are in
//! `app::overlay`, a file of the same name).

pub mod alerts;
mod brief;
mod cleanup;
mod compose;
mod confirm;
mod decision;
mod deliveries;
pub mod edit;
pub mod help;
mod page;
mod pick_group;
mod pick_person;
mod pick_role;
mod postmortem;
mod remediation;
pub mod rotation;
mod sitrep_log;
mod snooze;
mod sync;

use crate::app::model::Model;
use crate::app::overlay::Overlay;
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;

/// Draws an overlay over the cockpit (a confirmation over what it was asked from).
pub fn render(m: &Model, theme: &Theme, o: &Overlay, f: &mut Buffer) {
    match o {
        Overlay::Help(h) => help::render(m, theme, h, f),
        Overlay::Confirm(c) => {
            if let Some(back) = &c.back {
                render(m, theme, back, f);
            }
            confirm::render(m, theme, c, f);
        }
        Overlay::PickRole(p) => pick_role::render(m, theme, p, f),
        Overlay::PickPerson(p) => pick_person::render(m, theme, p, f),
        Overlay::PickGroup(p) => pick_group::render(m, theme, p, f),
        Overlay::Snooze(s) => snooze::render(m, theme, s, f),
        Overlay::Edit(e) => edit::render(m, theme, e, f),
        Overlay::Compose(c) => compose::render(m, theme, c, f),
        Overlay::SitrepLog(l) => sitrep_log::render(m, theme, l, f),
        Overlay::Decision(d) => decision::render(m, theme, d, f),
        Overlay::Deliveries(d) => deliveries::render(m, theme, d, f),
        Overlay::Rotation(r) => rotation::render(m, theme, r, f),
        Overlay::Cleanup(c) => cleanup::render(m, theme, c, f),
        Overlay::Page(p) => page::render(m, theme, p, f),
        Overlay::Brief(b) => brief::render(m, theme, b, f),
        Overlay::Remediation(r) => remediation::render(m, theme, r, f),
        Overlay::Postmortem(p) => postmortem::render(m, theme, p, f),
        Overlay::Alerts(a) => alerts::render(m, theme, a, f),
        Overlay::Sync(p) => sync::render(m, theme, p, f),
    }
}
