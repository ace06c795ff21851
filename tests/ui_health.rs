//! Product health in the cockpit (issue 17), through `update()` and the view at a fixed
//! `now`: a round of answers changes the header and the "Impact understood?" row, what is due
//! is journaled once, an unreachable Prometheus says since when, NO_COLOR keeps the marker,
//! a composer inserts the figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ui_common;

use commandpost::app::{Cmd, Msg, update};
use commandpost::config::Config;
use commandpost::config::health::{MetricsConfig, SeriesConfig};
use commandpost::domain::checklist::Status;
use commandpost::domain::event::FORMAT_VERSION;
use commandpost::domain::health::Format;
use commandpost::domain::health::Sample;
use commandpost::domain::health::live::{Outcome, SeriesUpdate, Update};
use commandpost::domain::{Event, Payload};
use commandpost::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use ui_common::*;

fn config() -> Config {
    Config {
        metrics: MetricsConfig {
            prometheus: Some("http://127.0.0.1:9".into()),
            series: vec![SeriesConfig {
                name: "API 5xx".into(),
                query: "x".into(),
                format: Format::Percent,
                unit: None,
                warn: Some(0.01),
                critical: Some(0.05),
                worse: None,
            }],
            ..MetricsConfig::default()
        },
        ..Config::default()
    }
}

fn at(mins: i64) -> Timestamp {
    now().checked_add(SignedDuration::from_mins(mins)).unwrap()
}

fn round(mins: i64, v: f64) -> Msg {
    Msg::Health(Update {
        at: at(mins),
        result: Ok(vec![SeriesUpdate::new(Outcome::Samples(vec![Sample {
            at: at(mins),
            value: v,
        }]))]),
    })
}

/// The executor's answer to our append.
fn on_disk(m: &commandpost::app::Model, payload: Payload) -> Msg {
    let seq = m.inc.as_ref().map_or(1, |i| i.last_seq + 1);
    Msg::Journaled {
        events: vec![Event {
            v: FORMAT_VERSION,
            seq,
            ts: m.now,
            actor: "Alice".into(),
            payload,
            rep: Default::default(),
        }],
        own: true,
    }
}

fn appended(cmds: &[Cmd]) -> Vec<Payload> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Append(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn screen(m: &commandpost::app::Model, theme: Theme) -> String {
    screen_text(m, theme, 100, 30)
}

/// The incident opened two minutes before `now()`, its impact reviewed one minute before.
fn reviewed() -> commandpost::app::Model {
    let mut s = Script::open(2, "API errors", "Alice");
    s.at(
        1,
        "Alice",
        Payload::ImpactUpdated {
            text: "EU API calls fail".into(),
        },
    );
    let mut m = model_with(s.events.clone(), "Alice", config());
    update(&mut m, Msg::Tick(at(0)));
    m
}

/// Feeds a round and writes what it asked to journal.
fn feed_round(m: &mut commandpost::app::Model, mins: i64, v: f64) -> Vec<Payload> {
    update(m, Msg::Tick(at(mins)));
    let asked = appended(&update(m, round(mins, v)));
    for p in &asked {
        let msg = on_disk(m, p.clone());
        update(m, msg);
    }
    asked
}

#[test]
fn a_rise_past_the_threshold_makes_impact_due_saying_which() {
    let mut m = reviewed();
    let first = feed_round(&mut m, 2, 0.021);
    assert_eq!(first.len(), 1, "the baseline is journaled: {first:?}");
    assert_eq!(impact(&m).0, Status::Ok, "{:?}", impact(&m));
    let s = screen(&m, Theme::colored());
    assert!(s.contains("API 5xx 2.1% WARN"), "{s}");

    // The same figure again journals nothing.
    assert!(feed_round(&mut m, 3, 0.022).is_empty());

    let crossed = feed_round(&mut m, 40, 0.094);
    assert!(
        matches!(&crossed[..], [Payload::MetricsObserved { values, .. }] if values[0].shown == "9.4%"),
        "{crossed:?}"
    );
    let (status, reason) = impact(&m);
    assert_eq!(status, Status::Due);
    assert_eq!(
        reason,
        "API 5xx 2.1% -> 9.4% (critical) since impact reviewed 41m ago"
    );
    let s = screen(&m, Theme::colored());
    assert!(s.contains("API 5xx 9.4% CRIT"), "{s}");
    assert!(s.contains("DUE      API 5xx 2.1% -> 9.4%"), "{s}");

    // Reviewing the impact again (with the figures journaled) settles it.
    update(&mut m, Msg::Tick(at(41)));
    let msg = on_disk(
        &m,
        Payload::ImpactUpdated {
            text: "EU and US API calls fail".into(),
        },
    );
    let after_review = appended(&update(&mut m, msg));
    for p in after_review {
        let msg = on_disk(&m, p);
        update(&mut m, msg);
    }
    assert_eq!(impact(&m).0, Status::Ok, "{:?}", impact(&m));
}

#[test]
fn no_color_keeps_the_marker_and_unreachable_says_since_when() {
    let mut m = reviewed();
    feed_round(&mut m, 2, 0.094);
    let s = screen(&m, Theme::no_color());
    assert!(s.contains("API 5xx 9.4% CRIT"), "{s}");
    update(&mut m, Msg::Tick(at(12)));
    update(
        &mut m,
        Msg::Health(Update {
            at: at(12),
            result: Err("cannot connect: connection refused".into()),
        }),
    );
    update(&mut m, Msg::Tick(at(13)));
    update(
        &mut m,
        Msg::Health(Update {
            at: at(13),
            result: Err("timed out after 5s".into()),
        }),
    );
    let s = screen(&m, Theme::no_color());
    let since = at(12).to_zoned(m.tz.clone()).strftime("%H:%M").to_string();
    assert!(
        s.contains(&format!(
            "metrics: unreachable since {since} (timed out after 5s)"
        )),
        "{s}"
    );
    // The last value stays, for what it is worth.
    assert!(s.contains("9.4%"), "{s}");
}

#[test]
fn a_query_error_shows_prometheus_message_next_to_the_series() {
    let mut m = reviewed();
    update(
        &mut m,
        Msg::Health(Update {
            at: at(2),
            result: Ok(vec![SeriesUpdate::new(Outcome::Failed(
                "1:15: parse error: unclosed left parenthesis".into(),
            ))]),
        }),
    );
    let s = screen(&m, Theme::colored());
    assert!(
        s.contains("API 5xx error: 1:15: parse error: unclosed left parenthesis"),
        "{s}"
    );
}

#[test]
fn the_composer_inserts_the_current_figures() {
    let mut m = reviewed();
    feed_round(&mut m, 2, 0.094);
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE)),
    );
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL)),
    );
    let s = screen(&m, Theme::colored());
    assert!(s.contains("API 5xx 9.4% (critical)"), "{s}");
}

#[test]
fn without_metrics_the_header_is_unchanged() {
    let s = Script::open(0, "API errors", "Alice");
    let m = model_with(s.events.clone(), "Alice", Config::default());
    let text = screen(&m, Theme::colored());
    assert!(!text.contains("metrics:"), "{text}");
    assert!(!text.contains("API 5xx"), "{text}");
}

fn alert(fp: &str, name: &str, severity: &str, summary: &str) -> commandpost::domain::alert::Alert {
    commandpost::domain::alert::Alert {
        fingerprint: fp.into(),
        labels: [
            ("alertname".to_string(), name.to_string()),
            ("severity".to_string(), severity.to_string()),
            ("service".to_string(), "api".to_string()),
        ]
        .into(),
        annotations: [("summary".to_string(), summary.to_string())].into(),
        starts_at: at(-5),
        ..Default::default()
    }
}

#[test]
fn the_alerts_view_lists_them_and_n_attaches_one_to_the_incident() {
    let mut cfg = config();
    cfg.alerts.alertmanager = Some("http://127.0.0.1:9".into());
    let mut s = Script::open(2, "API errors", "Alice");
    s.at(1, "Alice", Payload::NoteAdded { text: "x".into() });
    let mut m = model_with(s.events.clone(), "Alice", cfg);
    update(
        &mut m,
        Msg::Alerts(commandpost::domain::alert::AlertsUpdate {
            at: at(0),
            result: Ok(vec![
                alert("aaaa1111", "HighErrorRate", "critical", "API 5xx above 5%"),
                alert("bbbb2222", "DiskFilling", "warning", "Disk 90% full"),
            ]),
        }),
    );
    let text = screen(&m, Theme::colored());
    assert!(text.contains("alerts: 2 firing (!)"), "{text}");
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('!'), KeyModifiers::NONE)),
    );
    let text = screen(&m, Theme::no_color());
    assert!(text.contains("Alerts · 2 firing"), "{text}");
    assert!(text.contains("› HighErrorRate [critical]"), "{text}");
    assert!(text.contains("API 5xx above 5%"), "{text}");
    // The second one, attached.
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
    );
    let cmds = update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)),
    );
    let p = match &appended(&cmds)[..] {
        [p @ Payload::AlertAttached(a)] if a.fingerprint == "bbbb2222" => p.clone(),
        other => panic!("{other:?}"),
    };
    let msg = on_disk(&m, p);
    update(&mut m, msg);
    let text = screen(&m, Theme::no_color());
    assert!(text.contains("attached"), "{text}");
    // Twice is refused, with the reason.
    let cmds = update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)),
    );
    assert!(appended(&cmds).is_empty());
    let text = screen(&m, Theme::no_color());
    assert!(text.contains("already attached"), "{text}");
    // Alertmanager down: said in the header.
    update(
        &mut m,
        Msg::Alerts(commandpost::domain::alert::AlertsUpdate {
            at: at(1),
            result: Err("cannot connect: connection refused".into()),
        }),
    );
    update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    let text = screen(&m, Theme::no_color());
    assert!(
        text.contains("alerts: unreachable (cannot connect: connection refused)"),
        "{text}"
    );
}

fn key(m: &mut commandpost::app::Model, code: KeyCode) -> Vec<Cmd> {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn firing_two(m: &mut commandpost::app::Model) {
    update(
        m,
        Msg::Alerts(commandpost::domain::alert::AlertsUpdate {
            at: at(0),
            result: Ok(vec![
                alert("aaaa1111", "HighErrorRate", "critical", "API 5xx above 5%"),
                alert("bbbb2222", "DiskFilling", "warning", "Disk 90% full"),
            ]),
        }),
    );
}

/// The executor's answer to `Cmd::Create { title, then }`.
fn created(title: &str, then: Vec<Payload>) -> Vec<Event> {
    let opened = commandpost::domain::incident::open("inc-1", title, "Alice").unwrap();
    std::iter::once(opened)
        .chain(then)
        .enumerate()
        .map(|(i, payload)| Event {
            v: FORMAT_VERSION,
            seq: i as u64 + 1,
            ts: at(0),
            actor: "Alice".into(),
            payload,
            rep: Default::default(),
        })
        .collect()
}

/// No incident yet: the first screen says how many alerts fire, Tab lists them, Esc goes
/// back to the title (which still takes text).
#[test]
fn with_no_incident_the_first_screen_counts_alerts_and_tab_lists_them() {
    let mut cfg = config();
    cfg.alerts.alertmanager = Some("http://127.0.0.1:9".into());
    let mut m = model_with(Vec::new(), "Alice", cfg);
    update(&mut m, Msg::Tick(at(0)));
    let text = screen(&m, Theme::no_color());
    assert!(text.contains("alerts: asking Alertmanager"), "{text}");
    firing_two(&mut m);
    let text = screen(&m, Theme::no_color());
    assert!(text.contains("alerts: 2 firing; Tab lists them"), "{text}");
    assert!(text.contains("Tab from a firing alert"), "{text}");
    // Esc in the list goes back to the title, which still takes text.
    key(&mut m, KeyCode::Tab);
    assert!(screen(&m, Theme::no_color()).contains("Alerts · 2 firing"));
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char('x'));
    let text = screen(&m, Theme::no_color());
    assert!(!text.contains("Alerts · 2 firing"), "{text}");
    match &m.overlay {
        Some(commandpost::app::overlay::Overlay::Edit(e)) => assert_eq!(e.input.text(), "x"),
        other => panic!("{other:?}"),
    }
    key(&mut m, KeyCode::Tab);
    let text = screen(&m, Theme::no_color());
    assert!(text.contains("n open an incident from it"), "{text}");
}

/// `n` on an alert asks before opening; `y` opens the incident with the alert's summary as
/// title, its labels as the first note and the alert attached, in one command; once on disk
/// the alerts view shows it attached.
#[test]
fn with_no_incident_y_opens_it_with_note_and_alert_in_one_command() {
    let mut cfg = config();
    cfg.alerts.alertmanager = Some("http://127.0.0.1:9".into());
    let mut m = model_with(Vec::new(), "Alice", cfg);
    update(&mut m, Msg::Tick(at(0)));
    firing_two(&mut m);
    key(&mut m, KeyCode::Tab);
    key(&mut m, KeyCode::Down);
    let cmds = key(&mut m, KeyCode::Char('n'));
    assert!(cmds.is_empty(), "asks first: {cmds:?}");
    let text = screen(&m, Theme::no_color());
    assert!(
        text.contains("Open a new incident from alert DiskFilling?"),
        "{text}"
    );
    assert!(text.contains("Title: Disk 90% full"), "{text}");
    // `n` changes nothing and comes back to the list.
    assert!(key(&mut m, KeyCode::Char('n')).is_empty());
    assert!(screen(&m, Theme::no_color()).contains("Alerts · 2 firing"));
    key(&mut m, KeyCode::Char('n'));
    let cmds = key(&mut m, KeyCode::Char('y'));
    let (title, then) = match &cmds[..] {
        [Cmd::Create { title, then }] => (title.clone(), then.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(title, "Disk 90% full");
    match &then[..] {
        [Payload::NoteAdded { text }, Payload::AlertAttached(a)] => {
            assert!(text.contains("From alert DiskFilling (bbbb2222)"), "{text}");
            assert!(text.contains("service=api"), "{text}");
            assert_eq!(a.fingerprint, "bbbb2222");
        }
        other => panic!("{other:?}"),
    }
    // On disk: the incident is open with the alert attached, the list says so.
    update(
        &mut m,
        Msg::Journaled {
            events: created(&title, then),
            own: true,
        },
    );
    assert!(m.inc.as_ref().is_some_and(|i| i.alerts.len() == 1));
    let text = screen(&m, Theme::no_color());
    assert!(text.contains("attached"), "{text}");
    key(&mut m, KeyCode::Esc);
    let text = screen(&m, Theme::no_color());
    assert!(text.contains("Disk 90% full"), "{text}");
    assert!(!text.contains("no open incident"), "{text}");
}
