//! A brand-new user at 80x24 (the size an SSH/tmux user most often has): a fresh HOME and
//! data dir, no config, the real binary in a real terminal. What they trip on first gets a
//! test here. Skipped (loudly) when tmux is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use std::path::Path;

mod tmux_common;
use tmux_common::{BIN, Tmux};

/// A private tmux at 80x24.
fn small(name: &str) -> Option<Tmux> {
    let t = Tmux::start(name)?;
    t.tmux(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    t.wait_until("an 80x24 pane", |_| {
        t.tmux(&["display", "-p", "-t", "t", "#{pane_width}x#{pane_height}"])
            .trim()
            == "80x24"
    });
    Some(t)
}

/// The cockpit as a new user starts it: `home` as HOME, nothing else set, then `EXIT=<status>`.
fn cockpit(t: &Tmux, home: &Path) {
    let h = home.display();
    t.shell(&format!(
        "env -u COMMANDPOST_CONFIG -u COMMANDPOST_DATA_DIR -u RUST_LOG -u XDG_CONFIG_HOME \
         -u XDG_DATA_HOME HOME={h} USER=alice {BIN}; echo EXIT=$?"
    ));
}

/// The rows of the help box: what stands between its `║` borders.
fn help_rows(s: &str) -> Vec<Vec<char>> {
    s.lines()
        .filter_map(|l| {
            let c: Vec<char> = l.chars().collect();
            let a = c.iter().position(|&x| x == '║')?;
            let b = c.iter().rposition(|&x| x == '║')?;
            (b > a).then(|| c[a + 1..b].to_vec())
        })
        .collect()
}

/// The description the help shows for `key`, its wrapped rows joined: the text right of the
/// key in its column, then the rows below whose key cell is blank.
fn help_description(s: &str, key: &str) -> Option<String> {
    let rows = help_rows(s);
    let k: Vec<char> = key.chars().collect();
    for (r, row) in rows.iter().enumerate() {
        let half = row.len() / 2;
        let starts = [0, half];
        let Some(&x) = starts
            .iter()
            .find(|&&x| row.len() >= x + k.len() && row[x..x + k.len()] == k[..])
        else {
            continue;
        };
        if row.get(x + k.len()) != Some(&' ') {
            continue;
        }
        let end = if x == 0 { half } else { row.len() };
        let desc_x = (x + k.len()..end).find(|&i| row[i] != ' ')?;
        let mut words: Vec<String> = vec![row[desc_x..end].iter().collect()];
        for below in &rows[r + 1..] {
            let blank_key = below
                .get(x..desc_x)
                .is_some_and(|c| c.iter().all(|&c| c == ' '));
            let text: String = below.get(desc_x..end).unwrap_or_default().iter().collect();
            if !blank_key || text.trim().is_empty() {
                break;
            }
            words.push(text);
        }
        return Some(
            words
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    None
}

/// Before: at 80 columns the help cut descriptions with `…` ("composer: insert the cur…",
/// "sync view: room, conflic…") and its last rows (the dialog keys) fell off the box with no
/// sign that there was more. Now every description wraps in full, the box says there is more
/// and which keys scroll it, and PgDn reaches the end.
#[test]
fn the_help_at_80x24_shows_every_description_in_full_and_scrolls_to_the_end() {
    let Some(t) = small("help80") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    cockpit(&t, home.path());
    t.wait_for("no open incident");
    t.text("Checkout API returns 502 in EU");
    t.keys(&["Enter"]);
    t.wait_for("Event loop");
    t.text("?");
    let first = t.wait_for("Keys (from your keymap)");
    for (key, desc) in [
        (
            "Ctrl-g",
            "composer: insert the current health figures ([metrics])",
        ),
        ("s", "write a sitrep (draft kept)"),
        ("Ctrl-s", "composer: send (asks first)"),
        ("h", "hand off a role"),
    ] {
        assert_eq!(
            help_description(&first, key).as_deref(),
            Some(desc),
            "{key}:\n{first}"
        );
    }
    assert!(first.contains("▼ more below"), "{first}");
    // Page down to the end: every screen whole, the last one with the dialog keys.
    let mut screens = vec![first];
    for _ in 0..10 {
        if screens.last().is_some_and(|s| s.contains("▲ more above")) {
            break;
        }
        t.keys(&["PageDown"]);
        let before = screens.last().cloned().unwrap_or_default();
        screens.push(t.wait_until("the help to scroll", |s| {
            s != before && s.contains("Keys (from your keymap)")
        }));
    }
    let last = screens.last().unwrap();
    assert!(last.contains("▲ more above"), "{last}");
    for (key, desc) in [
        ("T", "sync view: room, conflicts, room commands"),
        ("!", "firing alerts (Alertmanager)"),
        ("Ctrl-z", "suspend (fg resumes)"),
        ("Ctrl-c", "quit (asks first)"),
    ] {
        assert_eq!(
            help_description(last, key).as_deref(),
            Some(desc),
            "{key}:\n{last}"
        );
    }
    assert!(last.contains("Every change is journaled"), "{last}");
    for s in &screens {
        let cut = help_rows(s).iter().any(|r| r.contains(&'…'));
        assert!(!cut, "a description cut with …:\n{s}");
    }
    t.keys(&["Escape"]);
    t.wait_gone("Keys (from your keymap)");
    t.quit();
}
