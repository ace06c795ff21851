//! The Prometheus and Alertmanager clients against the real servers (Debian packages), on
//! 127.0.0.1: values follow a test exporter, Prometheus' own errors reach the series, NaN /
//! Inf / empty answers, Prometheus down at start, going down, hanging past the timeout;
//! Alertmanager's alerts, matchers and downtime; `commandpost alerts` and
//! `new --from-alert`. Skips loudly without the binaries (fails in CI).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_common;
mod health_common;

use commandpost::config::health::{AlertsConfig, MetricsConfig, SeriesConfig};
use commandpost::domain::alert::AlertState;
use commandpost::domain::health::live::{Live, Outcome, Reach, Update};
use commandpost::domain::health::{Format, impact};
use commandpost::health::alertmanager::Alertmanager;
use commandpost::health::prometheus::Prometheus;
use health_common::{Exporter, Hanging, Server, free_port, ratio, wait_for_value};
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};

fn series(name: &str, query: &str, format: Format) -> SeriesConfig {
    SeriesConfig {
        name: name.into(),
        query: query.into(),
        format,
        unit: None,
        warn: Some(0.01),
        critical: Some(0.05),
        worse: None,
    }
}

fn prom_client(url: &str, series: Vec<SeriesConfig>, timeout: Duration) -> Prometheus {
    let cfg = MetricsConfig {
        prometheus: Some(url.into()),
        series,
        timeout: SignedDuration::try_from(timeout).unwrap(),
        ..MetricsConfig::default()
    };
    let http = commandpost::delivery::http::build_client().unwrap();
    Prometheus::from_config(&cfg, http).unwrap().unwrap()
}

fn am_client(url: &str, matchers: &[&str]) -> Alertmanager {
    let cfg = AlertsConfig {
        alertmanager: Some(url.into()),
        matchers: matchers.iter().map(|m| m.to_string()).collect(),
        timeout: SignedDuration::from_secs(3),
        ..AlertsConfig::default()
    };
    let http = commandpost::delivery::http::build_client().unwrap();
    Alertmanager::from_config(&cfg, http).unwrap().unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

const API_5XX: &str = "max(cp_test_error_ratio)";

fn up(test: &str) -> Option<(Exporter, Server)> {
    let exporter = Exporter::start(&ratio(0.021));
    let prom = health_common::prometheus(test, exporter.port)?;
    wait_for_value(&prom, "cp_test_error_ratio", "0.021");
    Some((exporter, prom))
}

fn values(u: &Update) -> Vec<Outcome> {
    u.result
        .clone()
        .unwrap_or_else(|e| panic!("round failed: {e}"))
        .into_iter()
        .map(|s| s.outcome)
        .collect()
}

fn last_value(o: &Outcome) -> f64 {
    match o {
        Outcome::Samples(s) => s.last().unwrap().value,
        other => panic!("no samples: {other:?}"),
    }
}

#[test]
fn range_then_instant_follow_the_exporter_and_the_impact_question_sees_the_rise() {
    let Some((exporter, prom)) = up("range_then_instant_follow_the_exporter") else {
        return;
    };
    let client = prom_client(
        &prom.url(),
        vec![series("API 5xx", API_5XX, Format::Percent)],
        Duration::from_secs(5),
    );
    let rt = rt();
    let now = Timestamp::now();
    let range = rt.block_on(client.range(now, Duration::from_secs(1)));
    let outcome = &values(&range)[0];
    let Outcome::Samples(samples) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(!samples.is_empty());
    assert!(samples.windows(2).all(|w| w[0].at < w[1].at));
    assert_eq!(samples.last().unwrap().value, 0.021);

    let policy = commandpost::config::health::MetricsConfig {
        series: vec![series("API 5xx", API_5XX, Format::Percent)],
        ..MetricsConfig::default()
    }
    .policy();
    let mut live = Live::new(&policy);
    live.apply(range, now);
    assert_eq!(live.reach, Reach::Up);
    let before = live.current();

    exporter.set(&ratio(0.094));
    wait_for_value(&prom, "cp_test_error_ratio", "0.094");
    let later = Timestamp::now();
    let instant = rt.block_on(client.instant(later));
    assert_eq!(last_value(&values(&instant)[0]), 0.094);
    live.apply(instant, later);
    assert_eq!(live.current()[0].unwrap().value, 0.094);
    assert_eq!(
        impact::figures_line(&policy, &live.current()).as_deref(),
        Some("API 5xx 9.4% (critical)")
    );
    assert_eq!(
        impact::figures_line(&policy, &before).as_deref(),
        Some("API 5xx 2.1% (warning)")
    );
}

#[test]
fn prometheus_errors_nan_inf_and_empty_answers_are_per_series() {
    let Some((_exporter, prom)) = up("prometheus_errors_nan_inf_and_empty_answers") else {
        return;
    };
    let client = prom_client(
        &prom.url(),
        vec![
            series("API 5xx", API_5XX, Format::Percent),
            series(
                "broken",
                "sum(rate(cp_test_error_ratio[5m])",
                Format::Number,
            ),
            series("nan", "vector(0) / 0", Format::Number),
            series("inf", "1 / 0", Format::Number),
            series("nothing", "cp_test_no_such_metric", Format::Number),
        ],
        Duration::from_secs(5),
    );
    let u = rt().block_on(client.instant(Timestamp::now()));
    let v = values(&u);
    assert_eq!(last_value(&v[0]), 0.021);
    match &v[1] {
        // Prometheus' own message, as it wrote it.
        Outcome::Failed(m) => assert!(m.contains("parse error"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(last_value(&v[2]).is_nan());
    assert_eq!(last_value(&v[3]), f64::INFINITY);
    assert_eq!(v[4], Outcome::Empty);

    let policy = MetricsConfig {
        series: vec![
            series("API 5xx", API_5XX, Format::Percent),
            series("broken", "x", Format::Number),
            series("nan", "x", Format::Number),
            series("inf", "x", Format::Number),
            series("nothing", "x", Format::Number),
        ],
        ..MetricsConfig::default()
    }
    .policy();
    let mut live = Live::new(&policy);
    live.apply(u, Timestamp::now());
    assert_eq!(live.reach, Reach::Up);
    // Only the real figure counts for the checklist.
    let current: Vec<bool> = live.current().iter().map(Option::is_some).collect();
    assert_eq!(current, [true, false, false, false, false]);
    assert!(
        live.series[1]
            .error
            .as_deref()
            .unwrap()
            .contains("parse error")
    );
}

#[test]
fn prometheus_down_at_start_going_down_and_hanging_make_the_round_fail_in_time() {
    // Nothing listens: down at start.
    let port = free_port();
    let client = prom_client(
        &format!("http://127.0.0.1:{port}"),
        vec![series("API 5xx", API_5XX, Format::Percent)],
        Duration::from_secs(1),
    );
    let rt = rt();
    let u = rt.block_on(client.instant(Timestamp::now()));
    let reason = u.result.unwrap_err();
    assert!(reason.contains("cannot connect"), "{reason}");

    // Accepts and never answers: bounded by the timeout.
    let hanging = Hanging::start();
    let client = prom_client(
        &format!("http://127.0.0.1:{}", hanging.port),
        vec![series("API 5xx", API_5XX, Format::Percent)],
        Duration::from_millis(800),
    );
    let started = Instant::now();
    let u = rt.block_on(client.instant(Timestamp::now()));
    let took = started.elapsed();
    let reason = u.result.unwrap_err();
    assert!(reason.contains("timed out after"), "{reason}");
    assert!(took < Duration::from_secs(5), "took {took:?}");

    // Up, then down mid-incident: the last values stay, the header says since when.
    let Some((_exporter, mut prom)) = up("prometheus_going_down") else {
        return;
    };
    let client = prom_client(
        &prom.url(),
        vec![series("API 5xx", API_5XX, Format::Percent)],
        Duration::from_secs(2),
    );
    let policy = MetricsConfig {
        series: vec![series("API 5xx", API_5XX, Format::Percent)],
        ..MetricsConfig::default()
    }
    .policy();
    let mut live = Live::new(&policy);
    let t0 = Timestamp::now();
    live.apply(rt.block_on(client.instant(t0)), t0);
    prom.stop();
    let t1 = Timestamp::now();
    live.apply(rt.block_on(client.instant(t1)), t1);
    match &live.reach {
        Reach::Down { since, reason } => {
            assert_eq!(*since, t1);
            // A fresh connection is refused; a kept-alive one is closed under the request.
            assert!(
                reason.contains("cannot connect") || reason.contains("closed"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(live.current()[0].unwrap().value, 0.021);
}

fn alert_json(name: &str, service: &str, severity: &str, summary: &str) -> String {
    format!(
        r#"{{"labels":{{"alertname":"{name}","service":"{service}","severity":"{severity}"}},"annotations":{{"summary":"{summary}"}},"generatorURL":"http://127.0.0.1/graph"}}"#
    )
}

fn alertmanager_with_alerts(test: &str) -> Option<Server> {
    let am = health_common::alertmanager(test)?;
    let alerts = format!(
        "[{},{}]",
        alert_json(
            "HighErrorRate",
            "api",
            "critical",
            "API 5xx above 5% in eu-west"
        ),
        alert_json("DiskFilling", "db", "warning", "Disk 90% full on db-2")
    );
    health_common::push_alerts(&am, &alerts);
    Some(am)
}

#[test]
fn alertmanager_alerts_are_listed_scoped_by_matchers() {
    let Some(am) = alertmanager_with_alerts("alertmanager_alerts_are_listed") else {
        return;
    };
    let rt = rt();
    let all = rt
        .block_on(am_client(&am.url(), &[]).alerts(Timestamp::now()))
        .result
        .unwrap();
    let names: Vec<String> = all.iter().map(|a| a.name()).collect();
    assert_eq!(names, ["HighErrorRate", "DiskFilling"]);
    assert_eq!(all[0].summary(), "API 5xx above 5% in eu-west");
    assert_eq!(all[0].severity().as_deref(), Some("critical"));
    assert_eq!(all[0].state, AlertState::Active);
    assert_eq!(all[0].fingerprint.len(), 16);

    let api = rt
        .block_on(am_client(&am.url(), &["service=\"api\""]).alerts(Timestamp::now()))
        .result
        .unwrap();
    assert_eq!(api.len(), 1);
    assert_eq!(api[0].name(), "HighErrorRate");
    let re = rt
        .block_on(am_client(&am.url(), &["service=~\"d.*\""]).alerts(Timestamp::now()))
        .result
        .unwrap();
    assert_eq!(re.len(), 1);
    assert_eq!(re[0].name(), "DiskFilling");
}

#[test]
fn alertmanager_down_is_a_reason_not_a_panic() {
    let port = free_port();
    let u =
        rt().block_on(am_client(&format!("http://127.0.0.1:{port}"), &[]).alerts(Timestamp::now()));
    let reason = u.result.unwrap_err();
    assert!(reason.contains("cannot connect"), "{reason}");
}

fn config_for(dir: &std::path::Path, am: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!("[alerts]\nalertmanager = \"{am}\"\nmatchers = ['service=\"api\"']\n"),
    )
    .unwrap();
    path
}

#[test]
fn cli_lists_alerts_and_opens_an_incident_from_one() {
    let Some(am) = alertmanager_with_alerts("cli_lists_alerts_and_opens_an_incident") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let config = config_for(data.path(), &am.url());
    let cp = || {
        let mut c = cli_common::cp(data.path());
        c.env("COMMANDPOST_CONFIG", &config);
        c
    };
    let out = cp().arg("alerts").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("HighErrorRate"), "{text}");
    assert!(text.contains("API 5xx above 5% in eu-west"), "{text}");
    assert!(
        !text.contains("DiskFilling"),
        "the matcher scopes it out: {text}"
    );

    let out = cp().args(["alerts", "--json"]).output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fp = v[0]["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(v[0]["labels"]["alertname"], "HighErrorRate");

    let out = cp()
        .args(["new", "--from-alert", &fp[..8]])
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(id.starts_with("INC-") || !id.is_empty(), "{id}");
    assert_eq!(id.lines().count(), 1, "only the id on stdout: {id}");

    let out = cp().args(["show", "--json"]).output().unwrap();
    let show: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(show["title"], "API 5xx above 5% in eu-west");
    assert_eq!(show["alerts"][0]["alert"]["fingerprint"], fp.as_str());
    let export = cp().args(["export", "--format", "md"]).output().unwrap();
    let md = String::from_utf8_lossy(&export.stdout);
    assert!(
        md.contains("alert attached: HighErrorRate (critical): API 5xx above 5% in eu-west"),
        "{md}"
    );
    assert!(
        md.contains(&format!("From alert HighErrorRate ({fp})")),
        "{md}"
    );

    // An unknown fingerprint says so, and opens nothing.
    let out = cp()
        .args(["new", "--from-alert", "ffffffffffff"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no active alert"), "{err}");
    let list = cp().args(["list", "--json"]).output().unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn cli_alerts_without_alertmanager_says_what_to_do() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = config_for(data.path(), &format!("http://127.0.0.1:{port}"));
    let out = cli_common::cp(data.path())
        .env("COMMANDPOST_CONFIG", &config)
        .arg("alerts")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("Alertmanager at 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("cannot connect"), "{err}");
    let none = tempfile::tempdir().unwrap();
    let out = cli_common::cp(none.path()).arg("alerts").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[alerts] alertmanager"));
}
