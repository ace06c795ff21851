//! Terminal injection (issue 15, item 4): one sanitiser for every outside string on every output.
//! Control and bidi characters in a hand-edited journal never reach plain CLI output, Markdown
//! or the terminal raw, and JSON export escapes them (losslessly); configuration names holding
//! them are refused at load with file:line:col; an unknown event nested deep exports without a
//! panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use std::io::Write;
use std::path::Path;

mod cli_common;
use cli_common::cp;

/// Characters that must never come out raw: ESC (terminal sequences, here a title change and a
/// screen clear), BEL, a C1 CSI, DEL, and the bidi override.
const HOSTILE: &[char] = &['\u{1b}', '\u{7}', '\u{9b}', '\u{7f}', '\u{202e}'];

fn raw(s: &str) -> Option<char> {
    s.chars()
        .find(|c| HOSTILE.contains(c) || (c.is_control() && *c != '\n'))
}

fn run(data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = cp(data).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An incident whose journal was edited by hand to hold hostile strings in a name, a note, a
/// remediation item and a hypothesis.
fn hostile_incident() -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(d.path(), &["new", "Checkout down"]);
    assert!(ok, "{err}");
    let id = out.trim().to_string();
    let path = d.path().join("incidents").join(&id).join("journal.jsonl");
    let evil = "Mallory\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{202e}gpj.exe";
    let lines = [
        serde_json::json!({"v":1,"seq":2,"ts":"2030-01-01T00:00:00Z","actor":evil,"type":"person_joined","data":{"name":evil,"group":"db"}}),
        serde_json::json!({"v":1,"seq":3,"ts":"2030-01-01T00:00:01Z","actor":evil,"type":"note_added","data":{"text":evil}}),
        serde_json::json!({"v":1,"seq":4,"ts":"2030-01-01T00:00:02Z","actor":"alice","type":"remediation_added","data":{"id":1,"text":evil,"owner":evil}}),
        serde_json::json!({"v":1,"seq":5,"ts":"2030-01-01T00:00:03Z","actor":"alice","type":"hypothesis_added","data":{"id":1,"text":evil}}),
        serde_json::json!({"v":1,"seq":6,"ts":"2030-01-01T00:00:04Z","actor":"alice","type":"impact_updated","data":{"text":evil}}),
        serde_json::json!({"v":1,"seq":7,"ts":"2030-01-01T00:00:05Z","actor":"alice","type":"title_changed","data":{"title":evil}}),
    ];
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    (d, id)
}

#[test]
fn plain_output_never_carries_control_or_bidi_characters() {
    let (d, _id) = hostile_incident();
    for args in [
        &["show"][..],
        &["list"],
        &["export"],
        &["rotation"],
        &["remediation", "list"],
        &["postmortem"],
        &["sitrep", "send"],
        &["sitrep", "log"],
        &["outbox"],
    ] {
        let (ok, out, err) = run(d.path(), args);
        assert!(ok, "{args:?}: {err}");
        assert_eq!(raw(&out), None, "{args:?} printed a raw control: {out:?}");
        assert_eq!(raw(&err), None, "{args:?} printed a raw control: {err:?}");
        if args != ["outbox"] {
            assert!(
                out.contains("Mallory"),
                "{args:?}: the rest is shown: {out}"
            );
        }
    }
}

#[test]
fn json_output_escapes_them_and_loses_nothing() {
    let (d, _id) = hostile_incident();
    for args in [
        &["export", "--format", "json"][..],
        &["show", "--json"],
        &["list", "--json"],
        &["remediation", "list", "--json"],
    ] {
        let (ok, out, err) = run(d.path(), args);
        assert!(ok, "{args:?}: {err}");
        assert_eq!(raw(&out), None, "{args:?}: {out:?}");
        assert!(
            out.contains(r"\u009b") && out.contains(r"\u202e"),
            "{args:?}: {out}"
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            v.to_string().contains('\u{202e}'),
            "round-trips to the original"
        );
    }
}

#[test]
fn an_unknown_event_nested_deep_exports_without_a_panic() {
    let d = tempfile::tempdir().unwrap();
    let (ok, out, _) = run(d.path(), &["new", "Deep"]);
    assert!(ok);
    let id = out.trim();
    let path = d.path().join("incidents").join(id).join("journal.jsonl");
    // 127 deep: with the envelope, 128 levels (serde_json's parse limit).
    let deep = format!("{}1{}", "[".repeat(127), "]".repeat(127));
    let line = format!(
        r#"{{"v":2,"seq":2,"ts":"2030-01-01T00:00:00Z","actor":"v2","type":"weather","data":{deep}}}"#
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(format!("{line}\n").as_bytes())
        .unwrap();
    for format in ["json", "md"] {
        let (ok, out, err) = run(d.path(), &["export", "--format", format]);
        assert!(ok, "{format}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        if format == "json" {
            let compact: String = out.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(compact.contains(&deep), "carried as written");
        } else {
            assert!(out.contains("written by a newer commandpost (v2)"), "{out}");
        }
    }
}

fn config(data: &Path, text: &str) -> String {
    let p = data.join("config.toml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn config_names_with_control_characters_are_refused_at_load_with_file_line_col() {
    let d = tempfile::tempdir().unwrap();
    assert!(run(d.path(), &["new", "x"]).0);
    for (text, at, key) in [
        (
            "[[people]]\nname = \"Mallory\\u001b]0;pwned\\u0007\"\n",
            "config.toml:2:8:",
            "people[0].name",
        ),
        (
            "[[people]]\nname = \"Ann\"\nteam = \"db\u{202e}\"\n",
            "config.toml:3:8:",
            "people[0].team",
        ),
        (
            "[[backends]]\nname = \"ops\\u001b[2J\"\nkind = \"file\"\npath = \"/tmp/x.md\"\n",
            "config.toml:2:8:",
            "backends[0].name",
        ),
    ] {
        let cfg = config(d.path(), text);
        for args in [
            &["--config", cfg.as_str(), "backends", "list"][..],
            &["--config", cfg.as_str(), "config", "check"],
            &["--config", cfg.as_str(), "show"],
        ] {
            let (ok, out, err) = run(d.path(), args);
            assert!(!ok, "{args:?} accepted {text:?}: {out}");
            assert!(err.contains(at), "{args:?}: {err}");
            assert!(
                err.contains(key) && err.contains("control character"),
                "{err}"
            );
            assert_eq!(raw(&out), None);
            assert_eq!(raw(&err), None, "{err:?}");
        }
    }
}

#[path = "ui_common/mod.rs"]
mod ui_common;

/// The terminal: every cell the cockpit draws goes through the sanitiser, whichever widget drew
/// it (names, notes, titles, the timeline, the roster).
#[test]
fn the_cockpit_draws_no_control_or_bidi_character() {
    use commandpost::domain::Payload;
    let evil = "Mallory\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}gpj.exe\u{2066}";
    let mut s = ui_common::Script::open(60, evil, "alice");
    s.join(50, evil, Some("db"));
    s.at(40, evil, Payload::NoteAdded { text: evil.into() });
    s.at(30, "alice", Payload::ImpactUpdated { text: evil.into() });
    s.at(
        20,
        "alice",
        Payload::HypothesisAdded {
            id: 1,
            text: evil.into(),
            origin: None,
        },
    );
    let m = ui_common::model(s.events.clone(), "alice");
    for (w, h) in [(120, 40), (80, 24), (200, 60)] {
        // As the cockpit's screen draws: through the terminal backend's filter.
        let mut t = ratatui::Terminal::new(commandpost::term::Scrubbed(
            ratatui::backend::TestBackend::new(w, h),
        ))
        .unwrap();
        let theme = commandpost::ui::Theme::colored();
        t.draw(|f| commandpost::ui::render(&m, &theme, f)).unwrap();
        let buf = t.backend().inner().buffer();
        let mut shown = String::new();
        for cell in &buf.content {
            assert_eq!(raw(cell.symbol()), None, "{w}x{h}: {:?}", cell.symbol());
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(commandpost::domain::text::is_unsafe),
                "{w}x{h}: {:?}",
                cell.symbol()
            );
            shown.push_str(cell.symbol());
        }
        assert!(shown.contains("Mallory"), "{shown}");
    }
}
