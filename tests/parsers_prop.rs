//! Properties of the parsers of outside input (issue 15, item 6), in `cargo test` beside the
//! cargo-fuzz targets in fuzz/: journal lines, configuration, scenarios and drill scripts,
//! sitrep/status TOML input, templates, the linter, and the one sanitiser. Each: never a panic,
//! and what it promises about its output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::cli::{Input, apply_sitrep_input, apply_status_input};
use commandpost::config::{check_with, line_col};
use commandpost::domain::event::{Event, FORMAT_VERSION, Payload};
use commandpost::domain::lint::Linter;
use commandpost::domain::template::{MAX_MESSAGE_CHARS, Template};
use commandpost::domain::text::{is_unsafe, safe};
use commandpost::drill::{Scenario, parse_script};
use proptest::prelude::*;
use std::path::Path;
use std::sync::LazyLock;

static LINTER: LazyLock<Linter> = LazyLock::new(|| Linter::builtin().unwrap());

/// Any text, weighted towards what breaks parsers: quotes, brackets, escapes, newlines,
/// controls, bidi characters, wide characters.
fn hostile_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9 =:,._-]",
            2 => "[\"'\\[\\]{}\\\\#\n\t]",
            1 => "[\u{0}-\u{1f}\u{7f}\u{80}-\u{9f}]",
            1 => "[\u{202a}-\u{202e}\u{2066}-\u{2069}\u{200e}\u{200f}]",
            1 => "[渡辺éü🚒]",
        ],
        0..120,
    )
    .prop_map(|v| v.concat())
}

fn ts() -> jiff::Timestamp {
    "2026-11-21T03:00:00Z".parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn journal_lines_never_panic_and_what_decodes_round_trips(line in hostile_text()) {
        if let Ok(e) = Event::from_line(&line) {
            let again = e.to_line().unwrap();
            prop_assert_eq!(Event::from_line(&again).unwrap(), e);
        }
    }

    #[test]
    fn journaled_strings_round_trip_whatever_they_hold(text in hostile_text(), seq in 1u64..u64::MAX, v in 1u32..5) {
        let e = Event {
            v: FORMAT_VERSION,
            seq,
            ts: ts(),
            actor: text.clone(),
            payload: Payload::NoteAdded { text: text.clone() },
            rep: Default::default(),
        };
        let line = e.to_line().unwrap();
        prop_assert!(!line.contains('\n'));
        prop_assert_eq!(Event::from_line(&line).unwrap(), e);
        // A newer version's line this one cannot read is kept, never an error.
        let newer = format!(
            r#"{{"v":{},"seq":{seq},"ts":"2026-11-21T03:00:00Z","actor":"x","type":"state_changed","data":{{"to":{}}}}}"#,
            FORMAT_VERSION + v,
            serde_json::to_string(&text).unwrap()
        );
        let kept = Event::from_line(&newer).unwrap();
        prop_assert!(!kept.understood());
        prop_assert_eq!(kept.seq, seq);
    }

    #[test]
    fn config_check_never_panics_and_points_inside_the_text(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("[roster]".to_string()),
                Just("[[people]]".to_string()),
                Just("[[backends]]".to_string()),
                Just("[keys]".to_string()),
                Just("[templates]".to_string()),
                Just("[lint]".to_string()),
                ("[a-z_]{1,12}", hostile_text()).prop_map(|(k, v)| format!("{k} = {v:?}")),
                ("[a-z_]{1,12}", any::<i64>()).prop_map(|(k, v)| format!("{k} = {v}")),
                hostile_text(),
            ],
            0..12,
        )
    ) {
        let text = lines.join("\n");
        let path = Path::new("p.toml");
        let (_, diags) = check_with(&text, path, &commandpost::app::validate_keys);
        let lines_in_text = text.split('\n').count();
        for d in &diags {
            let shown = d.to_string();
            prop_assert!(shown.starts_with("p.toml:"), "{}", shown);
            let line: usize = shown
                .trim_start_matches("p.toml:")
                .split(':')
                .next()
                .and_then(|l| l.parse().ok())
                .unwrap_or(1);
            prop_assert!(line >= 1 && line <= lines_in_text.max(1), "{} in {:?}", shown, text);
            prop_assert!(!shown.chars().any(|c| c == '\u{1b}' || c == '\u{9b}'), "{:?}", shown);
        }
    }

    #[test]
    fn scenarios_and_drill_scripts_never_panic(text in hostile_text()) {
        let _ = Scenario::parse(&text, Path::new("s.toml")).map_err(|e| e.to_string());
        if let Err(errors) = parse_script(&text) {
            for e in errors {
                // Every message starts with line:col.
                let mut parts = e.splitn(3, ':');
                prop_assert!(parts.next().unwrap().parse::<usize>().is_ok(), "{}", e);
                prop_assert!(parts.next().unwrap().parse::<usize>().is_ok(), "{}", e);
            }
        }
    }

    #[test]
    fn sitrep_input_sets_what_it_gives(summary in hostile_text(), impact in hostile_text()) {
        let text = format!(
            "summary = {}\nimpact = {}\n",
            toml_string(&summary),
            toml_string(&impact)
        );
        let mut fields = Default::default();
        let input = Input { name: "in.toml".into(), text };
        apply_sitrep_input(&input, &mut fields).unwrap();
        prop_assert_eq!(fields.summary, summary);
        prop_assert_eq!(fields.impact, impact);
    }

    #[test]
    fn sitrep_and_status_input_never_panic(text in hostile_text()) {
        let input = Input { name: "in.toml".into(), text };
        if let Err(e) = apply_sitrep_input(&input, &mut Default::default()) {
            prop_assert!(e.starts_with("in.toml:"), "{}", e);
        }
        if let Err(e) = apply_status_input(&input, &mut Default::default()) {
            prop_assert!(e.starts_with("in.toml:"), "{}", e);
        }
    }

    #[test]
    fn template_sources_never_panic_and_output_stays_within_the_cap(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("{{ summary }}".to_string()),
                Just("{% for r in responders %}{{ r }}, {% endfor %}".to_string()),
                Just("{% for i in range(n) %}{{ summary }}{% endfor %}".to_string()),
                Just("{% for i in range(n) %}{% for j in range(n) %}x{% endfor %}{% endfor %}".to_string()),
                Just("{{ summary * n }}".to_string()),
                Just("{% if".to_string()),
                Just("}}".to_string()),
                hostile_text(),
            ],
            0..8,
        ),
        n in 0u32..100_000,
    ) {
        let src = parts.concat();
        let t = Template::from_source("p.j2", src);
        let _ = t.check();
        let ctx = serde_json::json!({"summary": "EU checkout fails", "responders": ["A", "B"], "n": n});
        if let Ok(out) = t.render(&ctx) {
            prop_assert!(out.chars().count() <= MAX_MESSAGE_CHARS);
        }
    }

    #[test]
    fn lint_spans_are_char_boundaries_of_the_text(text in hostile_text()) {
        for w in LINTER.lint_text(&text) {
            prop_assert!(text.get(w.span.clone()).is_some(), "{:?} in {:?}", w, text);
            let _ = line_col(&text, w.span.start);
        }
    }

    #[test]
    fn the_sanitiser_leaves_nothing_unsafe_and_json_loses_nothing(text in hostile_text()) {
        let shown = safe(&text);
        prop_assert!(!shown.chars().any(|c| is_unsafe(c) && c != '\n'), "{:?}", shown);
        let json = commandpost::cli::out::to_json(&text).unwrap();
        prop_assert!(!json.chars().any(|c| is_unsafe(c) && c != '\n'), "{:?}", json);
        prop_assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
    }

    #[test]
    fn invalid_utf8_is_located_by_line_and_column(prefix in "[a-z渡\n]{0,40}", bad in 0x80u8..0xc0) {
        let mut bytes = prefix.clone().into_bytes();
        bytes.push(bad);
        let e = commandpost::files::utf8(bytes, Path::new("f")).unwrap_err().to_string();
        let line = prefix.matches('\n').count() + 1;
        let col = prefix.rsplit('\n').next().unwrap().chars().count() + 1;
        let want = format!("f:{line}:{col}:");
        prop_assert!(e.starts_with(&want), "{}", e);
    }
}

/// Found by `cargo fuzz run journal`: a newer version's line with a repeated key was kept as
/// an event this version cannot read, and its re-encoding (what replication sends) then read as
/// a known event: the same line meant two things.
#[test]
fn fuzz_regression_a_repeated_key_decodes_the_same_before_and_after_encoding() {
    let line = r#"{"v":2,"seq":5,"ts":"2026-11-21T03:04:00Z","actor":"v:00:00Z","actor":"alice","type":"incident_opened","data":{"id":"INC-1","title":"Checkout down","ic":"alice"}}"#;
    let e = Event::from_line(line).unwrap();
    let again = Event::from_line(&e.to_line().unwrap()).unwrap();
    assert_eq!(again, e);
}

/// Found by `cargo fuzz run journal` (session 4): an unknown event (a newer version's, kept)
/// carrying a number of 117 digits. serde_json's default float parsing is not exact: the
/// number read became 1.3333333333333336e116, written back as such, and read again as
/// 1.3333333333333335e116: each re-encoding (replication, a repair) changed another
/// version's data. Fixed by serde_json's `float_roundtrip` (exact parsing).
#[test]
fn fuzz_regression_a_long_number_in_unknown_data_survives_re_encoding() {
    let digits = format!("1{}", "3".repeat(116));
    let line = format!(
        r#"{{"v":1,"seq":7,"ts":"2026-11-21T03:06:00Z","actor":"x","type":"weather","data":[[[[[{digits}]]]]]}}"#
    );
    let e = Event::from_line(&line).unwrap();
    let mut again = e.clone();
    for _ in 0..3 {
        again = Event::from_line(&again.to_line().unwrap()).unwrap();
        assert_eq!(again, e);
    }
}

proptest! {
    /// Any finite number in another version's data reads back the same after re-encoding.
    #[test]
    fn numbers_in_unknown_data_survive_re_encoding(x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO, digits in "[1-9][0-9]{0,40}") {
        for n in [format!("{x:e}"), format!("{x}"), digits.clone(), format!("{digits}.{digits}e-3")] {
            let line = format!(
                r#"{{"v":1,"seq":7,"ts":"2026-11-21T03:06:00Z","actor":"x","type":"weather","data":[{n}]}}"#
            );
            let Ok(e) = Event::from_line(&line) else { continue };
            let back = Event::from_line(&e.to_line().unwrap()).unwrap();
            prop_assert_eq!(back, e);
        }
    }
}

/// `s` as a TOML basic string (controls escaped as TOML requires).
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
