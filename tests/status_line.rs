//! The status line lists the writing keys (issue 16): `s` sitrep and `u` status update, from
//! the action table (remapped keys show as remapped), at 80x24 on the default screen and in
//! every region from 100 columns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ui_common;

use commandpost::app::model::Region;
use commandpost::config::Config;
use commandpost::ui::theme::Theme;
use ui_common::*;

fn status_line(m: &commandpost::app::Model, w: u16, h: u16) -> String {
    let screen = draw(m, Theme::no_color(), w, h).backend().to_string();
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_status_line_lists_sitrep_and_status_keys() {
    let m = model(new_incident(), "Alice");
    let line = status_line(&m, 80, 24);
    for want in ["? help", "s sitrep", "u status"] {
        assert!(line.contains(want), "{want:?} missing at 80x24: {line:?}");
    }
    for region in [Region::Checklist, Region::Roster, Region::Timeline] {
        let mut m = model(twelve(), "José");
        m.focus = region;
        let line = status_line(&m, 100, 30);
        for want in ["? help", "s sitrep", "u status"] {
            assert!(
                line.contains(want),
                "{want:?} missing ({region:?}): {line:?}"
            );
        }
    }
    // Remapped keys show as remapped: the line comes from the action table and the keymap.
    let mut config = Config::default();
    config.keys.insert(
        "sitrep".into(),
        commandpost::config::KeySpec::One("w".into()),
    );
    let m = model_with(new_incident(), "Alice", config);
    let line = status_line(&m, 80, 24);
    assert!(line.contains("w sitrep"), "{line:?}");
}

#[test]
fn a_long_message_takes_the_room_of_idle_send_counts_at_80_columns() {
    let mut m = model(new_incident(), "Alice");
    let text = "Queued for announcement: @all: Ops db lead -> Ricardo (reports to Alice, IC)";
    assert!(text.len() > 52 && text.len() < 78);
    m.flash_info(text);
    let line = status_line(&m, 80, 24);
    // Nothing pending or failed: the whole message shows, not cut by the counts.
    assert!(line.contains(text), "{line:?}");
    assert!(!line.contains("sends:"), "{line:?}");
    // Something pending: its count stays, short, and the message gives way to it.
    m.deliveries_pending = 3;
    let line = status_line(&m, 80, 24);
    assert!(
        line.contains("sends: 3 pending ") && !line.contains("failed"),
        "{line:?}"
    );
    assert!(line.contains("Queued for announcement"), "{line:?}");
    // Failures always keep both counts.
    m.deliveries_failed = 1;
    let line = status_line(&m, 80, 24);
    assert!(line.contains("sends: 3 pending, 1 failed"), "{line:?}");
    // A short message leaves the counts as they are.
    m.deliveries_pending = 0;
    m.deliveries_failed = 0;
    m.flash_info("Note added");
    let line = status_line(&m, 80, 24);
    assert!(line.contains("sends: 0 pending, 0 failed"), "{line:?}");
    // At 200 columns the long message fits beside the full counts.
    m.flash_info(text);
    let line = status_line(&m, 200, 24);
    assert!(
        line.contains(text) && line.contains("sends: 0 pending, 0 failed"),
        "{line:?}"
    );
}
