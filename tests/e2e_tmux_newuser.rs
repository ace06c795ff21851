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

/// The rows of an overlay's box (the help, the deliveries): what stands between its `║`
/// borders.
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

/// The help's scroll line (`▼ more below · ↓ PgDn scroll · rows 1-19 of 32`), or "".
fn rows_line(s: &str) -> String {
    s.lines()
        .find(|l| l.contains(" · rows "))
        .unwrap_or_default()
        .to_string()
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
    // (Waited for whole: its last row, the scroll line, is drawn last.)
    let first = t.wait_until("the help, drawn whole", |s| {
        s.contains("Keys (from your keymap)") && s.contains("rows 1-")
    });
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
        let before = screens.last().map(|s| rows_line(s)).unwrap_or_default();
        screens.push(t.wait_until("the help to scroll", |s| {
            let now = rows_line(s);
            !now.is_empty() && now != before
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

/// The walk a new user takes at 80x24 with no config: open an incident, add a note, send a
/// sitrep through the default file backend, find where it went, hand IC off, quit. Before,
/// nothing on screen said where the file backend wrote (`D` said `outbox-file: delivered`);
/// now the delivery's detail names the file.
#[test]
fn a_new_user_at_80x24_sends_a_sitrep_to_the_default_file_and_sees_where_it_went() {
    let Some(t) = small("walk80") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    cockpit(&t, home.path());
    t.wait_for("You (alice) become the IC");
    t.text("Checkout API returns 502 in EU");
    t.keys(&["Enter"]);
    t.wait_for("IC alice for");
    // A note.
    t.text("n");
    t.wait_for("Enter save");
    t.text("Rolled back deploy 4411");
    t.keys(&["Enter"]);
    t.wait_for("note: Rolled back deploy 4411");
    // A sitrep: the summary is prefilled with the title; the impact typed.
    t.text("s");
    t.wait_for("Sitrep v1 (draft)");
    t.keys(&["Tab"]);
    t.wait_for("▶ Impact");
    t.text("EU customers cannot pay");
    t.wait_for("EU customers cannot pay");
    // Ctrl-s; while the message still renders it says so (no preview shows at 80 columns),
    // and a later Ctrl-s opens the confirmation. Ctrl-s is pressed again only then.
    let confirm = |s: &str| s.contains("Send sitrep v1?") && s.contains("Send it?");
    let mut s = String::new();
    for _ in 0..20 {
        t.keys(&["C-s"]);
        s = t.wait_until("the confirmation or the flash", |s| {
            confirm(s) || s.contains("still rendering")
        });
        if confirm(&s) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert!(confirm(&s), "{s}");
    assert!(s.contains("outbox-file (file)"), "{s}");
    t.text("y");
    t.wait_for("sitrep v1 sent");
    // Where did it go? `D` lists it, and the selected delivery says the file.
    t.text("D");
    // The box's rows joined (a long path wraps).
    let squeeze = |s: &str| {
        help_rows(s)
            .iter()
            .map(|r| r.iter().collect::<String>().trim().to_string())
            .collect::<String>()
    };
    let data = home.path().join(".local/share/commandpost/incidents");
    let id = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .file_name();
    let file = data.join(&id).join("outbox.md");
    let said = format!("appended to {}", file.display());
    t.wait_until(&said, |s| squeeze(s).contains(&said));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("EU customers cannot pay"), "{text}");
    t.keys(&["Escape"]);
    t.wait_gone("appended to");
    // A hand-off to someone new.
    t.text("h");
    t.wait_for("Hand off which role?");
    t.keys(&["Enter"]);
    t.wait_for("Hand IC to whom?");
    t.text("Ricardo");
    t.wait_for("+ Ricardo");
    t.keys(&["Enter"]);
    t.wait_for("Announces: @all: IC -> Ricardo");
    t.text("y");
    t.wait_for("IC Ricardo for");
    t.quit();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("@all: IC -> Ricardo"), "{text}");
}
