//! Drills inject product health values and alerts (issue 17): a `metric` inject moves the
//! header value, its marker and "Impact understood?" as a Prometheus answer would; an
//! `alert` inject fires in the header and the alerts view, where `n` attaches it. No
//! Prometheus or Alertmanager is involved.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ui_common;

use commandpost::app::cmd::Cmd;
use commandpost::app::drill::DrillView;
use commandpost::app::keymap::Keymap;
use commandpost::app::model::Model;
use commandpost::app::{Msg, update};
use commandpost::config::Config;
use commandpost::domain::Payload;
use commandpost::domain::checklist::Status;
use commandpost::drill::{DrillSession, Scenario};
use commandpost::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
use std::path::Path;
use ui_common::{impact, now, screen_text};

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn config() -> Config {
    let path = example("configs/drill-health.toml");
    Config::load(Some(&path), None).unwrap().0
}

fn scenario() -> Scenario {
    Scenario::load(&example("drills/api-errors.toml"))
        .unwrap()
        .0
}

/// The api-errors drill at 60x, started at `now()`.
fn drill(dir: &Path) -> Model {
    let config = config();
    let session = DrillSession::start(&scenario(), &config, dir, now()).unwrap();
    let keymap = Keymap::build(&config).unwrap();
    let mut m = Model::new("Sam", config, keymap, session.events.clone(), now());
    m.drill = Some(DrillView::new(&session, 60, now()));
    m
}

/// Real seconds at 60x: one simulated minute each. What it asks to journal is answered as
/// the executor would (written), so the cockpit is not left "saving".
fn tick(m: &mut Model, real_secs: i64) -> Vec<Cmd> {
    let cmds = update(m, Msg::Tick(now() + SignedDuration::from_secs(real_secs)));
    written(m, &cmds);
    cmds
}

fn written(m: &mut Model, cmds: &[Cmd]) {
    for c in cmds {
        if let Cmd::Append(p) = c {
            let seq = m.inc.as_ref().map_or(1, |i| i.last_seq + 1);
            let ev = commandpost::domain::Event {
                v: commandpost::domain::event::FORMAT_VERSION,
                seq,
                ts: m.now,
                actor: "Sam".into(),
                payload: p.clone(),
                rep: Default::default(),
            };
            update(
                m,
                Msg::Journaled {
                    events: vec![ev],
                    own: true,
                },
            );
        }
    }
}

fn screen(m: &Model) -> String {
    screen_text(m, Theme::no_color(), 120, 36)
}

fn observed(cmds: &[Cmd]) -> Vec<String> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Append(Payload::MetricsObserved { values, .. }) => Some(
                values
                    .iter()
                    .map(|v| format!("{} {}", v.series, v.shown))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        })
        .collect()
}

#[test]
fn metric_injects_move_the_header_and_journal_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = drill(dir.path());
    let cmds = tick(&mut m, 0);
    let text = screen(&m);
    assert!(text.contains("API 5xx 2.1%"), "{text}");
    assert!(text.contains("p99 latency 320ms"), "{text}");
    // The first figures are journaled as the drill's baseline, as in a real incident.
    assert_eq!(observed(&cmds).len(), 1, "{cmds:?}");
    assert!(observed(&cmds)[0].contains("API 5xx 2.1%"), "{cmds:?}");
    // Three simulated minutes on: the rate crossed the critical threshold.
    tick(&mut m, 3);
    let text = screen(&m);
    assert!(text.contains("API 5xx 9.4% CRIT"), "{text}");
}

#[test]
fn a_metric_crossing_makes_impact_due_saying_which() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = drill(dir.path());
    tick(&mut m, 0);
    tick(&mut m, 3);
    let (status, reason) = impact(&m);
    assert_eq!(status, Status::Due, "{reason}");
    assert!(reason.contains("API 5xx 2.1% -> 9.4%"), "{reason}");
}

#[test]
fn an_alert_inject_fires_in_the_header_and_n_attaches_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = drill(dir.path());
    tick(&mut m, 0);
    let text = screen(&m);
    assert!(text.contains("alerts: 0 firing"), "{text}");
    tick(&mut m, 3);
    let text = screen(&m);
    assert!(text.contains("alerts: 1 firing (!)"), "{text}");
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('!'), KeyModifiers::NONE)),
    );
    let text = screen(&m);
    assert!(text.contains("HighErrorRate [critical]"), "{text}");
    assert!(text.contains("API 5xx above 5% in eu-west"), "{text}");
    assert!(text.contains("service=api"), "{text}");
    let cmds = update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)),
    );
    let attached: Vec<_> = cmds
        .iter()
        .filter_map(|c| match c {
            Cmd::Append(Payload::AlertAttached(a)) => Some(a.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(attached.len(), 1, "{cmds:?}");
    assert_eq!(attached[0].name, "HighErrorRate");
    assert_eq!(
        attached[0].labels.get("team").map(String::as_str),
        Some("payments")
    );
    // Stable fingerprint: the same labels give the same one on every run.
    let again = commandpost::drill::schedule::alerts_firing(
        &scenario(),
        now(),
        SignedDuration::from_mins(3),
    );
    assert_eq!(again[0].fingerprint, attached[0].fingerprint);
}

#[test]
fn a_metric_inject_naming_an_unconfigured_series_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let err = DrillSession::start(&scenario(), &Config::default(), dir.path(), now())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("series \"API 5xx\" (line 34, 54, 74) is not in [[metrics.series]]"),
        "{err}"
    );
    assert!(err.contains("add [[metrics.series]]"), "{err}");
    // Nothing was started.
    assert!(
        !dir.path().join("drills").exists()
            || std::fs::read_dir(dir.path().join("drills"))
                .unwrap()
                .next()
                .is_none()
    );
}

#[test]
fn metric_inject_mistakes_are_reported_at_their_place() {
    let text = r#"
title = "t"
[[people]]
name = "Sam"
[[inject]]
at = "1m"
kind = "metric"
series = "API 5xx"
[[inject]]
at = "2m"
kind = "metric"
series = "API 5xx"
value = "high"
[[inject]]
at = "3m"
kind = "metric"
series = "API 5xx"
value = nan
[[inject]]
at = "4m"
kind = "alert"
text = "x"
labels = { service = 3 }
"#;
    let (scenario, diags) = commandpost::drill::scenario::check(text, Path::new("s.toml"));
    assert!(scenario.is_none());
    let all: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    let joined = all.join("\n");
    assert!(
        joined.contains("s.toml:5:1") && joined.contains("an inject of kind metric needs `value`"),
        "{joined}"
    );
    assert!(
        joined.contains("s.toml:13:9") && joined.contains("expected a number"),
        "{joined}"
    );
    assert!(
        joined.contains("s.toml:18:9") && joined.contains("finite"),
        "{joined}"
    );
    assert!(joined.contains("inject[3].labels.service"), "{joined}");
}
