//! `config check` of `[metrics]` and `[[metrics.series]]` (Prometheus) and `[alerts]`
//! (Alertmanager): every problem with file:line:col and key.

use super::{Checker, candidates, join};
use crate::config::diagnostic::Value;
use crate::config::health::{SeriesConfig, parse_base_url, parse_matcher};
use crate::domain::health::{Format, Worse};
use crate::domain::{duration, text};
use jiff::SignedDuration;
use std::collections::HashMap;
use toml::de::DeTable;

/// Keys of `[metrics]`.
pub const METRICS_KEYS: &[&str] = &[
    "prometheus",
    "bearer_token",
    "refresh",
    "timeout",
    "factor",
    "series",
];
/// Keys of a `[[metrics.series]]` entry.
pub const SERIES_KEYS: &[&str] = &[
    "name", "query", "format", "unit", "warn", "critical", "worse",
];
/// Keys of `[alerts]`.
pub const ALERTS_KEYS: &[&str] = &[
    "alertmanager",
    "bearer_token",
    "matchers",
    "refresh",
    "timeout",
];

/// The shortest refresh: Prometheus is asked no more than once a second.
const MIN_REFRESH: SignedDuration = SignedDuration::from_secs(1);

impl Checker<'_> {
    pub(super) fn metrics(&mut self, value: &Value<'_>) {
        for (key, value, key_path) in self.entries("metrics", value) {
            let field: &str = key.get_ref();
            match field {
                "prometheus" => {
                    if let Some(u) = self.base_url(&key_path, value, "Prometheus") {
                        self.view.metrics.prometheus = Some(u);
                    }
                }
                "bearer_token" => {
                    self.view.metrics.bearer_token = self.token(&key_path, value);
                }
                "refresh" => {
                    if let Some(d) = self.period(&key_path, value) {
                        self.view.metrics.refresh = d;
                    }
                }
                "timeout" => {
                    if let Some(d) = self.period(&key_path, value) {
                        self.view.metrics.timeout = d;
                    }
                }
                "factor" => {
                    if let Some(f) = self.factor(&key_path, value) {
                        self.view.metrics.factor = f;
                    }
                }
                "series" => self.series(value),
                _ => self.unknown(&key_path, key, &candidates(METRICS_KEYS)),
            }
        }
        self.metrics_semantics(value);
    }

    fn metrics_semantics(&mut self, value: &Value<'_>) {
        let m = &self.view.metrics;
        let (has_url, has_series) = (m.prometheus.is_some(), !m.series.is_empty());
        let (refresh, timeout) = (m.refresh, m.timeout);
        if has_series && !has_url {
            let msg = "series without `prometheus`: they show only in drills (that inject \
                       their values); set prometheus = \"http://host:9090\"";
            self.warning(self.span_of("metrics.series"), "metrics", msg);
        }
        if has_url && !has_series {
            let msg = "no [[metrics.series]]: the cockpit has no figure to show";
            self.warning(value.span(), "metrics", msg);
        }
        if timeout >= refresh && timeout > SignedDuration::ZERO {
            let msg = format!(
                "timeout ({}) is not shorter than refresh ({}): a slow Prometheus would be \
                 asked again before it answered",
                duration::config_form(timeout),
                duration::config_form(refresh)
            );
            let key = self.blame("metrics.timeout", "metrics.refresh");
            self.warning(self.span_of(key), key, msg);
        }
    }

    fn series(&mut self, value: &Value<'_>) {
        let mut names: HashMap<String, usize> = HashMap::new();
        for (i, item_path, _, t) in self.tables("metrics.series", value) {
            let (s, ok) = self.one_series(&item_path, t);
            let folded = s.name.to_lowercase();
            if let Some(first) = names.get(&folded) {
                let key = join(&item_path, "name");
                let msg = format!(
                    "duplicate series {:?} (also metrics.series[{first}])",
                    s.name
                );
                self.error(self.span_of(&key), &key, msg);
            } else if !folded.is_empty() {
                names.insert(folded, i);
            }
            if ok {
                self.thresholds(&item_path, &s);
                self.view.metrics.series.push(s);
            }
        }
    }

    /// One entry as far as it reads, and whether all of it is valid.
    fn one_series(&mut self, item_path: &str, t: &DeTable<'_>) -> (SeriesConfig, bool) {
        let mut s = SeriesConfig {
            name: String::new(),
            query: String::new(),
            format: Format::Number,
            unit: None,
            warn: None,
            critical: None,
            worse: None,
        };
        let mut ok = true;
        for (key, value) in t.iter() {
            let field: &str = key.get_ref();
            let key_path = join(item_path, field);
            self.record(&key_path, value.span());
            match field {
                "name" | "query" | "unit" | "format" | "worse" => {
                    ok &= self.series_text(&key_path, field, value, &mut s);
                }
                "warn" | "critical" => {
                    let n = self.number(&key_path, value);
                    ok &= n.is_some();
                    if field == "warn" {
                        s.warn = n;
                    } else {
                        s.critical = n;
                    }
                }
                _ => self.unknown(&key_path, key, &candidates(SERIES_KEYS)),
            }
        }
        for required in ["name", "query"] {
            if !t.contains_key(required) {
                let msg = format!("missing required key `{required}`");
                self.error(self.span_of(item_path), item_path, msg);
                ok = false;
            }
        }
        (s, ok)
    }

    /// A string key of a series; whether it was valid.
    fn series_text(
        &mut self,
        key_path: &str,
        field: &str,
        value: &Value<'_>,
        s: &mut SeriesConfig,
    ) -> bool {
        let Some(raw) = self.string(key_path, value) else {
            return false;
        };
        let problem = match field {
            "name" => match text::clean_name(raw) {
                Ok(n) if n == raw => {
                    s.name = n;
                    None
                }
                Ok(_) => Some("a series name is one line without control characters".into()),
                Err(e) => Some(e),
            },
            "query" if raw.trim().is_empty() => Some("empty query".to_string()),
            "query" => {
                s.query = raw.to_string();
                None
            }
            "unit" if text::one_line(raw) != raw => {
                Some("a unit is one line without control characters".into())
            }
            "unit" => {
                s.unit = Some(raw.to_string());
                None
            }
            "format" => match Format::ALL.iter().find(|f| f.as_str() == raw) {
                Some(f) => {
                    s.format = *f;
                    None
                }
                None => Some(format!(
                    "unknown format {raw:?} (percent, rate, duration or number)"
                )),
            },
            _ => match raw {
                "higher" => {
                    s.worse = Some(Worse::Higher);
                    None
                }
                "lower" => {
                    s.worse = Some(Worse::Lower);
                    None
                }
                _ => Some(format!("unknown direction {raw:?} (higher or lower)")),
            },
        };
        match problem {
            Some(msg) => {
                self.error(value.span(), key_path, msg);
                false
            }
            None => true,
        }
    }

    /// Thresholds that agree with the direction, and percent thresholds given as ratios.
    fn thresholds(&mut self, item_path: &str, s: &SeriesConfig) {
        if let (Some(w), Some(c), Some(dir)) = (s.warn, s.critical, s.worse) {
            let wrong = match dir {
                Worse::Higher => c < w,
                Worse::Lower => c > w,
            };
            if wrong {
                let key = join(item_path, "critical");
                let (word, side) = match dir {
                    Worse::Higher => ("higher", "above"),
                    Worse::Lower => ("lower", "below"),
                };
                let msg =
                    format!("with worse = \"{word}\", critical ({c}) must be {side} warn ({w})");
                self.error(self.span_of(&key), &key, msg);
            }
        }
        if s.format == Format::Percent {
            for (k, v) in [("warn", s.warn), ("critical", s.critical)] {
                if v.is_some_and(|v| v.abs() > 1.0) {
                    let key = join(item_path, k);
                    let msg = format!(
                        "a percent series takes ratios: 5% is 0.05, so {} reads as {}%",
                        v.unwrap_or_default(),
                        v.unwrap_or_default() * 100.0
                    );
                    self.warning(self.span_of(&key), &key, msg);
                }
            }
        }
    }

    pub(super) fn alerts(&mut self, value: &Value<'_>) {
        let entries = self.entries("alerts", value);
        let any = !entries.is_empty();
        for (key, value, key_path) in entries {
            let field: &str = key.get_ref();
            match field {
                "alertmanager" => {
                    if let Some(u) = self.base_url(&key_path, value, "Alertmanager") {
                        self.view.alerts.alertmanager = Some(u);
                    }
                }
                "bearer_token" => self.view.alerts.bearer_token = self.token(&key_path, value),
                "matchers" => self.matchers(&key_path, value),
                "refresh" => {
                    if let Some(d) = self.period(&key_path, value) {
                        self.view.alerts.refresh = d;
                    }
                }
                "timeout" => {
                    if let Some(d) = self.period(&key_path, value) {
                        self.view.alerts.timeout = d;
                    }
                }
                _ => self.unknown(&key_path, key, &candidates(ALERTS_KEYS)),
            }
        }
        if self.view.alerts.alertmanager.is_none() && any {
            let msg = "no `alertmanager` URL: no alert will be shown";
            self.warning(value.span(), "alerts", msg);
        }
    }

    fn matchers(&mut self, key_path: &str, value: &Value<'_>) {
        let expected = "an array of matchers such as [\"service=\\\"api\\\"\"]";
        let Some(items) = self.array(key_path, value, expected) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{key_path}[{i}]");
            let Some(raw) = self.string(&item_path, item) else {
                continue;
            };
            match parse_matcher(raw) {
                Ok(_) => self.view.alerts.matchers.push(raw.to_string()),
                Err(msg) => self.error(item.span(), &item_path, msg),
            }
        }
    }

    fn base_url(&mut self, key_path: &str, value: &Value<'_>, what: &str) -> Option<String> {
        let raw = self.string(key_path, value)?;
        match parse_base_url(raw, what) {
            Ok(_) => Some(raw.to_string()),
            Err(msg) => {
                self.error(value.span(), key_path, msg);
                None
            }
        }
    }

    fn token(&mut self, key_path: &str, value: &Value<'_>) -> Option<String> {
        self.record(key_path, value.span());
        self.secret(key_path, value);
        value.get_ref().as_str().map(str::to_string)
    }

    /// A refresh or timeout: a duration of at least a second.
    fn period(&mut self, key_path: &str, value: &Value<'_>) -> Option<SignedDuration> {
        self.record(key_path, value.span());
        let Some(raw) = value.get_ref().as_str() else {
            self.type_error(key_path, value, "a duration such as \"15s\" or \"1m\"");
            return None;
        };
        match duration::parse(raw) {
            Ok(d) if d >= MIN_REFRESH => Some(d),
            Ok(_) => {
                self.error(value.span(), key_path, "must be at least 1s");
                None
            }
            Err(msg) => {
                self.error(value.span(), key_path, msg);
                None
            }
        }
    }

    fn factor(&mut self, key_path: &str, value: &Value<'_>) -> Option<f64> {
        self.record(key_path, value.span());
        let f = self.number(key_path, value)?;
        if f > 1.0 {
            Some(f)
        } else {
            let msg = format!("must be above 1 (2 means doubled or halved), found {f}");
            self.error(value.span(), key_path, msg);
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::config::{Config, check};
    use std::path::Path;

    fn problems(text: &str) -> Vec<String> {
        check(text, Path::new("c.toml"))
            .1
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const GOOD: &str = r#"
[metrics]
prometheus = "http://127.0.0.1:9090"
refresh = "15s"
factor = 3
[[metrics.series]]
name = "API 5xx"
query = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'
format = "percent"
warn = 0.01
critical = 0.05
[[metrics.series]]
name = "Availability"
query = "avg(up)"
format = "percent"
warn = 0.999
critical = 0.99
[alerts]
alertmanager = "http://127.0.0.1:9093"
matchers = ['service="api"', "team=~payments|core"]
"#;

    #[test]
    fn a_good_section_parses_to_the_policy() {
        let (config, d) = check(GOOD, Path::new("c.toml"));
        assert_eq!(d, vec![]);
        let config: Config = config.unwrap();
        let p = config.policy();
        assert_eq!(p.health.series.len(), 2);
        assert_eq!(p.health.factor, 3.0);
        assert_eq!(
            p.health.series[1].worse,
            crate::domain::health::Worse::Lower
        );
        assert!(config.metrics.enabled() && config.alerts.enabled());
    }

    #[test]
    fn every_mistake_is_reported_at_its_place() {
        let text = r#"[metrics]
prometheus = "http://prom:9090/api/v1/query"
refresh = "0s"
factr = 2
[[metrics.series]]
name = "API 5xx"
query = ""
format = "percentage"
warn = "1%"
critical = 5
[[metrics.series]]
name = "api 5XX"
query = "up"
worse = "lower"
warn = 0.5
critical = 0.9
[[metrics.series]]
query = "up"
[alerts]
alertmanager = "http://am:9093/#/alerts"
matchers = ["service"]
"#;
        let p = problems(text);
        let expect = [
            "c.toml:2:14: error: metrics.prometheus: Prometheus URL",
            "c.toml:3:11: error: metrics.refresh: must be at least 1s",
            "c.toml:4:1: error: metrics.factr: unknown key (did you mean `factor`?)",
            "c.toml:7:9: error: metrics.series[0].query: empty query",
            "c.toml:8:10: error: metrics.series[0].format: unknown format \"percentage\"",
            "c.toml:9:8: error: metrics.series[0].warn: expected a number such as 0.05",
            "c.toml:12:8: error: metrics.series[1].name: duplicate series \"api 5XX\" (also metrics.series[0])",
            "c.toml:16:12: error: metrics.series[1].critical: with worse = \"lower\", critical (0.9) must be below warn (0.5)",
            "error: metrics.series[2]: missing required key `name`",
            "c.toml:20:16: error: alerts.alertmanager: Alertmanager URL",
            "c.toml:21:13: error: alerts.matchers[0]: matcher \"service\"",
        ];
        for e in expect {
            assert!(
                p.iter().any(|d| d.contains(e)),
                "{e}\nnot in:\n{}",
                p.join("\n")
            );
        }
    }

    #[test]
    fn warnings_for_what_works_but_is_probably_wrong() {
        let text = "[metrics]\nrefresh = \"5s\"\ntimeout = \"10s\"\n[[metrics.series]]\n\
                    name = \"x\"\nquery = \"up\"\nformat = \"percent\"\ncritical = 5\n";
        let p = problems(text);
        for w in [
            "warning: metrics: series without `prometheus`",
            "c.toml:3:11: warning: metrics.timeout: timeout (10s) is not shorter than refresh (5s)",
            "warning: metrics.series[0].critical: a percent series takes ratios",
        ] {
            assert!(
                p.iter().any(|d| d.contains(w)),
                "{w}\nnot in:\n{}",
                p.join("\n")
            );
        }
    }
}
