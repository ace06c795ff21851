//! Whole-screen render snapshots (TestBackend + insta) at 80x24 and 160x48.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

mod ui_common;

use commandpost::app::overlay::Overlay;
use commandpost::app::{Msg, update};
use commandpost::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use ui_common::*;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

macro_rules! snap {
    ($name:expr, $model:expr, $w:expr, $h:expr) => {
        let t = draw(&$model, Theme::colored(), $w, $h);
        insta::assert_snapshot!($name, t.backend());
    };
}

#[test]
fn fresh_incident() {
    let m = model(new_incident(), "Alice");
    snap!("new_incident_80x24", m, 80, 24);
    snap!("new_incident_160x48", m, 160, 48);
}

#[test]
fn no_incident_asks_for_a_title() {
    let mut m = model(Vec::new(), "Alice");
    for c in "DB down".chars() {
        update(&mut m, key(c));
    }
    snap!("title_prompt_80x24", m, 80, 24);
}

#[test]
fn major_with_overdue_items() {
    let m = model(major(), "Ricardo");
    snap!("major_80x24", m, 80, 24);
    snap!("major_160x48", m, 160, 48);
}

#[test]
fn twelve_people_three_groups_one_over_8h() {
    let mut m = model(twelve(), "José");
    snap!("twelve_80x24", m, 80, 24);
    // Focus the roster to show the selection.
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
    snap!("twelve_160x48", m, 160, 48);
}

#[test]
fn help_overlay() {
    let mut m = model(major(), "Ricardo");
    update(&mut m, key('?'));
    assert!(matches!(m.overlay, Some(Overlay::Help(_))));
    snap!("help_80x24", m, 80, 24);
    snap!("help_160x48", m, 160, 48);
}

#[test]
fn handoff_dialogs() {
    let mut m = model(twelve(), "José");
    m.config.people = commandpost::demo::known_people();
    update(&mut m, key('h'));
    snap!("handoff_roles_80x24", m, 80, 24);
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    for c in "ri".chars() {
        update(&mut m, key(c));
    }
    snap!("handoff_person_80x24", m, 80, 24);
}

#[test]
fn too_small_screen() {
    let m = model(major(), "Ricardo");
    snap!("too_small_79x24", m, 79, 24);
    snap!("too_small_60x10", m, 60, 10);
}

#[test]
fn no_color_keeps_meaning_without_colour() {
    let m = model(major(), "Ricardo");
    let t = draw(&m, Theme::no_color(), 80, 24);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "NO_COLOR drew a colour: {cell:?}"
        );
    }
    // Same words as the coloured screen: the status is always text.
    let coloured = draw(&m, Theme::colored(), 80, 24);
    assert_eq!(t.backend().to_string(), coloured.backend().to_string());
    insta::assert_snapshot!("no_color_80x24_styles", format!("{buf:?}"));
}
