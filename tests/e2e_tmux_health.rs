//! End-to-end in a real terminal (tmux) with a real Prometheus (issue 17): the exporter's
//! error rate rises and the header value, its marker, the sparkline and the "Impact
//! understood?" row change within two refreshes; Prometheus stopped mid-incident shows
//! "metrics: unreachable since"; and a Prometheus that accepts and never answers never
//! delays a frame or a key (frame times from the trace log). Skips loudly without tmux or
//! the Prometheus binary (fails in CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod health_common;
mod tmux_common;

use commandpost::domain::Payload;
use commandpost::journal::Store;
use health_common::{Exporter, Hanging, ratio, wait_for_value};
use std::path::Path;
use std::time::{Duration, Instant};
use tmux_common::{BIN, Tmux};

fn config(dir: &Path, prometheus: &str, refresh: &str, timeout: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[metrics]\nprometheus = \"{prometheus}\"\nrefresh = \"{refresh}\"\ntimeout = \"{timeout}\"\n\n\
             [[metrics.series]]\nname = \"API 5xx\"\nquery = \"max(cp_test_error_ratio)\"\n\
             format = \"percent\"\nwarn = 0.01\ncritical = 0.05\n\n\
             [[metrics.series]]\nname = \"p99\"\nquery = \"max(cp_test_latency_seconds)\"\n\
             format = \"duration\"\n"
        ),
    )
    .unwrap();
    path
}

fn cockpit(t: &Tmux, data: &Path, config: &Path) {
    t.shell(&format!(
        "RUST_LOG=commandpost::frame=trace {BIN} --data-dir {} --config {} --as Alice; echo EXIT=$?",
        data.display(),
        config.display()
    ));
}

/// An incident whose impact was reviewed a minute ago.
fn incident(data: &Path) -> (Store, String) {
    let store = Store::new(data);
    let (mut j, _) = store
        .create("API errors", "Alice", jiff::Timestamp::now())
        .unwrap();
    let at = jiff::Timestamp::now();
    j.append(
        "Alice",
        at,
        Payload::ImpactUpdated {
            text: "Some API calls fail in EU".into(),
        },
    )
    .unwrap();
    let id = store.current().unwrap().unwrap();
    (store, id)
}

/// One series' part of the header line: from its name to the next ` · `.
fn series_text(screen: &str, start: &str) -> String {
    let line = screen.lines().find(|l| l.contains(start)).unwrap_or("");
    let from = line.find(start).unwrap_or(0);
    let rest = &line[from..];
    rest.split(" · ").next().unwrap_or(rest).to_string()
}

fn impact_row(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains("Impact understood?"))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_rising_error_rate_changes_the_header_and_the_impact_row() {
    let exporter = Exporter::start(&ratio(0.021));
    let Some(mut prom) = health_common::prometheus("a_rising_error_rate", exporter.port) else {
        return;
    };
    let Some(t) = Tmux::start("health") else {
        return;
    };
    wait_for_value(&prom, "cp_test_error_ratio", "0.021");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (store, id) = incident(&data);
    let cfg = config(dir.path(), &prom.url(), "2s", "1s");
    cockpit(&t, &data, &cfg);
    let s = t.wait_for("API 5xx 2.1% WARN");
    assert!(s.contains("p99 320ms"), "{s}");
    assert!(!impact_row(&s).contains("DUE"), "{s}");
    // The sparkline is scaled to the 5% critical threshold: 2.1% is not a full bar.
    let bars = series_text(&s, "API 5xx 2.1%");
    assert!(bars.contains('▄') && !bars.contains('█'), "{bars}");

    // The error rate rises: within two refreshes (4 s) of Prometheus having it.
    exporter.set(&ratio(0.094));
    wait_for_value(&prom, "cp_test_error_ratio", "0.094");
    let seen = Instant::now();
    t.wait_for("API 5xx 9.4% CRIT");
    let took = seen.elapsed();
    let s = t.wait_until("the impact row DUE", |s| impact_row(s).contains("DUE"));
    let row = impact_row(&s);
    assert!(row.contains("API 5xx 2.1% -> 9.4%"), "{row}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // The sparkline's bar for this slice reaches the top of its scale now.
    let bars = series_text(&s, "API 5xx 9.4%");
    assert!(bars.contains('█') && !bars.contains('▄'), "{bars}");

    // Prometheus goes down: the header says since when, the last values stay.
    prom.stop();
    let s = t.wait_for("metrics: unreachable since");
    assert!(s.contains("cannot connect") || s.contains("closed"), "{s}");
    assert!(s.contains("9.4%"), "{s}");

    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");

    // What the IC saw is in the journal: at the start, and when it crossed the threshold.
    let (opened, _) = store.open(&id).unwrap();
    let seen: Vec<String> = opened
        .events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::MetricsObserved { values, .. } => Some(
                values
                    .iter()
                    .map(|v| format!("{} {}", v.series, v.shown))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        })
        .collect();
    assert!(
        seen.first().is_some_and(|s| s.contains("API 5xx 2.1%")),
        "{seen:?}"
    );
    assert!(seen.iter().any(|s| s.contains("API 5xx 9.4%")), "{seen:?}");
}

#[test]
fn a_hanging_prometheus_never_delays_a_frame_or_a_key() {
    let Some(t) = Tmux::start("health-hang") else {
        return;
    };
    let hang = Hanging::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    incident(&data);
    // Asked every second, each request hanging until its 3 s timeout.
    let cfg = config(
        dir.path(),
        &format!("http://127.0.0.1:{}", hang.port),
        "1s",
        "3s",
    );
    cockpit(&t, &data, &cfg);
    t.wait_for("Event loop");
    let mut lat = Vec::new();
    for _ in 0..6 {
        lat.push(t.timed("o", "Rotation ·"));
        t.keys(&["Escape"]);
        t.wait_gone("Rotation ·");
    }
    let s = t.wait_for("metrics: unreachable since");
    assert!(s.contains("timed out after 3s"), "{s}");
    for _ in 0..4 {
        lat.push(t.timed("o", "Rotation ·"));
        t.keys(&["Escape"]);
        t.wait_gone("Rotation ·");
    }
    t.text("q");
    t.wait_for("Quit the cockpit?");
    let quitting = Instant::now();
    t.text("y");
    t.wait_for("EXIT=0");
    let quit = quitting.elapsed();

    let log = std::fs::read_to_string(data.join("logs").join("commandpost.log")).unwrap();
    let field = |line: &str, key: &str| -> Option<u64> {
        let rest = &line[line.find(key)? + key.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    let mut total = Vec::new();
    for line in log.lines().filter(|l| l.contains("commandpost::frame")) {
        if let (Some(d), Some(h)) = (field(line, "draw_us="), field(line, "handle_us=")) {
            total.push(d + h);
        }
    }
    total.sort_unstable();
    assert!(total.len() > 20, "{} frames logged", total.len());
    let p = |q: f64| total[((total.len() - 1) as f64 * q) as usize];
    let mut lat_ms: Vec<u128> = lat.iter().map(Duration::as_millis).collect();
    lat_ms.sort_unstable();
    eprintln!(
        "\nhanging Prometheus: {} frames; handle+draw p50 {} us, p95 {} us, max {} us; \
         key-to-screen via tmux p50 {} ms, max {} ms; quit {} ms\n",
        total.len(),
        p(0.5),
        p(0.95),
        p(1.0),
        lat_ms[lat_ms.len() / 2],
        lat_ms[lat_ms.len() - 1],
        quit.as_millis()
    );
    // Blocking on the hanging server would cost its 3 s timeout per frame. (A debug build
    // on a shared 2-core machine is preempted now and then: the typical frame is held to
    // the 16 ms budget, the worst only far below the timeout; release figures come from
    // `cargo bench --bench ui`.)
    assert!(p(0.5) < 16_000, "frames took {} us at p50", p(0.5));
    assert!(p(1.0) < 250_000, "a frame took {} us", p(1.0));
    assert!(
        lat.iter().all(|d| *d < Duration::from_millis(1500)),
        "{lat:?}"
    );
    assert!(quit < Duration::from_secs(3), "quit took {quit:?}");
}

#[test]
fn an_alert_pushed_to_alertmanager_shows_and_is_attached_by_key() {
    let Some(am) = health_common::alertmanager("an_alert_pushed_to_alertmanager") else {
        return;
    };
    let Some(t) = Tmux::start("health-alerts") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (store, id) = incident(&data);
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[alerts]\nalertmanager = \"{}\"\nrefresh = \"1s\"\ntimeout = \"1s\"\nmatchers = ['service=\"api\"']\n",
            am.url()
        ),
    )
    .unwrap();
    cockpit(&t, &data, &cfg);
    t.wait_for("alerts: 0 firing");
    health_common::push_alerts(
        &am,
        r#"[{"labels":{"alertname":"HighErrorRate","service":"api","severity":"critical"},"annotations":{"summary":"API 5xx above 5% in eu-west"}},
            {"labels":{"alertname":"DiskFilling","service":"db","severity":"warning"},"annotations":{"summary":"Disk 90% full"}}]"#,
    );
    t.wait_for("alerts: 1 firing (!)");
    t.text("!");
    let s = t.wait_for("Alerts · 1 firing");
    assert!(s.contains("HighErrorRate [critical]"), "{s}");
    assert!(s.contains("API 5xx above 5% in eu-west"), "{s}");
    assert!(!s.contains("DiskFilling"), "scoped out by the matcher: {s}");
    t.text("n");
    t.wait_for("· attached");
    t.keys(&["Escape"]);
    // The overlay closes before the next key (Escape then a key at once reads as Alt-key).
    t.wait_gone("Alerts · 1 firing");
    t.wait_for("alert attached: HighErrorRate (critical): API 5xx above 5% in eu-west");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
    let (opened, _) = store.open(&id).unwrap();
    let attached: Vec<String> = opened
        .events
        .iter()
        .filter_map(|e| match &e.payload {
            Payload::AlertAttached(a) => Some(a.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(attached, ["HighErrorRate"]);
}

/// No incident open: the first screen counts the firing alerts, Tab lists them, `n` asks,
/// `y` opens the incident from the alert (its summary as title, its labels as the first
/// note, the alert attached), and the cockpit shows it.
#[test]
fn with_no_incident_an_alert_opens_one_by_key() {
    let Some(am) = health_common::alertmanager("with_no_incident_an_alert_opens_one") else {
        return;
    };
    let Some(t) = Tmux::start("health-alerts-new") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[alerts]\nalertmanager = \"{}\"\nrefresh = \"1s\"\ntimeout = \"1s\"\n",
            am.url()
        ),
    )
    .unwrap();
    health_common::push_alerts(
        &am,
        r#"[{"labels":{"alertname":"CheckoutDown","service":"checkout","severity":"critical"},"annotations":{"summary":"Checkout returns 503 for every request"}}]"#,
    );
    cockpit(&t, &data, &cfg);
    t.wait_for("no open incident");
    t.wait_for("alerts: 1 firing; Tab lists them");
    t.keys(&["Tab"]);
    let s = t.wait_for("n open an incident from it");
    assert!(s.contains("Alerts · 1 firing"), "{s}");
    t.text("n");
    let s = t.wait_for("Open a new incident from alert CheckoutDown?");
    assert!(
        s.contains("Title: Checkout returns 503 for every request"),
        "{s}"
    );
    t.text("y");
    t.wait_for("· attached");
    t.keys(&["Escape"]);
    // The list closed (an Esc read together with the next key would be Alt-q).
    t.wait_gone("Alerts · 1 firing");
    t.wait_for("alert attached: CheckoutDown (critical)");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
    let store = Store::new(&data);
    let id = store.current().unwrap().expect("an incident was opened");
    let (opened, inc) = store.open(&id).unwrap();
    assert_eq!(inc.title, "Checkout returns 503 for every request");
    let kinds: Vec<String> = opened
        .events
        .iter()
        .map(|e| match &e.payload {
            Payload::IncidentOpened { .. } => "opened".to_string(),
            Payload::NoteAdded { text } => format!("note: {text}"),
            Payload::AlertAttached(a) => format!("alert: {}", a.name),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert_eq!(kinds[0], "opened");
    assert!(
        kinds[1].starts_with("note: From alert CheckoutDown (")
            && kinds[1].contains("service=checkout"),
        "{kinds:?}"
    );
    assert_eq!(kinds[2], "alert: CheckoutDown");
}
