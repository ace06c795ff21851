//! `[metrics]` (Prometheus: the product health series in the header) and `[alerts]`
//! (Alertmanager: the firing alerts panel). Checked by `config check` (`check/health.rs`);
//! the domain gets [`crate::domain::health::HealthPolicy`] through [`MetricsConfig::policy`].

use crate::domain::duration::serde_human;
use crate::domain::health::{DEFAULT_FACTOR, Format, HealthPolicy, SeriesSpec, Worse};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// `[metrics]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Base URL, e.g. `http://127.0.0.1:9090` (a path prefix is kept: `https://host/prometheus`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// A secret reference (`env:NAME`, `file:/path`) sent as `Authorization: Bearer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<String>,
    /// How often the figures are asked for.
    #[serde(with = "serde_human")]
    pub refresh: SignedDuration,
    /// How long one round of queries may take before it counts as failed.
    #[serde(with = "serde_human")]
    pub timeout: SignedDuration,
    /// "Impact understood?" is due when a series moved by more than this factor since the
    /// impact was last reviewed (2: doubled or halved).
    pub factor: f64,
    pub series: Vec<SeriesConfig>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            prometheus: None,
            bearer_token: None,
            refresh: SignedDuration::from_secs(15),
            timeout: SignedDuration::from_secs(5),
            factor: DEFAULT_FACTOR,
            series: Vec::new(),
        }
    }
}

/// `[[metrics.series]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesConfig {
    /// Shown in the header and the checklist: `API 5xx`.
    pub name: String,
    /// PromQL giving one number.
    pub query: String,
    #[serde(default)]
    pub format: Format,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<f64>,
    /// `higher` (default) or `lower`; when absent, `critical` below `warn` means lower.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worse: Option<Worse>,
}

impl SeriesConfig {
    /// Which way is bad: as written, else from the thresholds' order.
    pub fn worse(&self) -> Worse {
        match (self.worse, self.warn, self.critical) {
            (Some(w), _, _) => w,
            (None, Some(w), Some(c)) if c < w => Worse::Lower,
            _ => Worse::Higher,
        }
    }

    pub fn spec(&self) -> SeriesSpec {
        SeriesSpec {
            name: crate::domain::text::one_line(&self.name),
            format: self.format,
            unit: self.unit.clone(),
            warn: self.warn,
            critical: self.critical,
            worse: self.worse(),
        }
    }
}

impl MetricsConfig {
    /// Whether the cockpit asks Prometheus for anything.
    pub fn enabled(&self) -> bool {
        self.prometheus.is_some() && !self.series.is_empty()
    }

    /// The series as the domain sees them.
    pub fn policy(&self) -> HealthPolicy {
        HealthPolicy {
            series: self.series.iter().map(SeriesConfig::spec).collect(),
            factor: self.factor,
        }
    }
}

/// `[alerts]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Base URL, e.g. `http://127.0.0.1:9093`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<String>,
    /// A secret reference sent as `Authorization: Bearer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<String>,
    /// Label matchers scoping the alerts to the team's services: `service="api"`,
    /// `team=~"payments|core"` (Alertmanager's own syntax, all must match).
    pub matchers: Vec<String>,
    #[serde(with = "serde_human")]
    pub refresh: SignedDuration,
    #[serde(with = "serde_human")]
    pub timeout: SignedDuration,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            alertmanager: None,
            bearer_token: None,
            matchers: Vec::new(),
            refresh: SignedDuration::from_secs(30),
            timeout: SignedDuration::from_secs(5),
        }
    }
}

impl AlertsConfig {
    pub fn enabled(&self) -> bool {
        self.alertmanager.is_some()
    }
}

/// A base URL for Prometheus or Alertmanager: http(s), a host, no query; the API path a user
/// may have pasted from the vendor's documentation (`/api/v1/query`, `/graph`,
/// `/api/v2/alerts`, `/#/alerts`) is refused with the base to write instead.
pub fn parse_base_url(raw: &str, what: &str) -> Result<reqwest::Url, String> {
    let u = http_url(raw, &format!("{what} URL {raw:?}"))?;
    if u.query().is_some() || u.fragment().is_some_and(|f| !f.is_empty()) {
        return Err(format!(
            "{what} URL {raw:?}: write the base URL only, without ?query or #fragment (e.g. {})",
            base_of(&u)
        ));
    }
    let path = u.path().trim_end_matches('/');
    for api in ["/api/v1", "/api/v2", "/graph", "/alerts", "/-/"] {
        if let Some(i) = path.find(api) {
            let mut base = u.clone();
            base.set_path(&path[..i]);
            return Err(format!(
                "{what} URL {raw:?} names an API or page path: write the base URL {} \
                 (commandpost adds the API path itself)",
                base_of(&base)
            ));
        }
    }
    Ok(u)
}

/// `raw` as an http:// or https:// URL with a host (a health server's base URL, the Matrix
/// homeserver); `named` says which in the errors (`homeserver "x"`).
pub(crate) fn http_url(raw: &str, named: &str) -> Result<reqwest::Url, String> {
    let u = reqwest::Url::parse(raw.trim()).map_err(|e| format!("{named} is not a URL ({e})"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("{named}: expected an http:// or https:// URL"));
    }
    if u.cannot_be_a_base() || u.host_str().is_none() {
        return Err(format!("{named}: no host"));
    }
    Ok(u)
}

fn base_of(u: &reqwest::Url) -> String {
    let mut b = u.clone();
    b.set_query(None);
    b.set_fragment(None);
    b.as_str().trim_end_matches('/').to_string()
}

/// An Alertmanager label matcher: `name="value"`, `name!="v"`, `name=~"re"`, `name!~"re"`
/// (quotes optional). Returns it in the quoted form Alertmanager's `filter` takes.
pub fn parse_matcher(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let name_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    let (name, rest) = s.split_at(name_len);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "matcher {raw:?}: expected a label name first, as in service=\"api\""
        ));
    }
    let rest = rest.trim_start();
    let op = ["=~", "!~", "!=", "="]
        .into_iter()
        .find(|op| rest.starts_with(op))
        .ok_or_else(|| format!("matcher {raw:?}: expected =, !=, =~ or !~ after {name:?}"))?;
    let value = rest[op.len()..].trim();
    let value = match value.strip_prefix('"') {
        Some(v) => v
            .strip_suffix('"')
            .filter(|inner| !inner.replace("\\\"", "").contains('"'))
            .ok_or_else(|| format!("matcher {raw:?}: unbalanced quotes in the value"))?
            .to_string(),
        None if value.contains('"') => {
            return Err(format!("matcher {raw:?}: unbalanced quotes in the value"));
        }
        None => value.to_string(),
    };
    if op.ends_with('~') {
        let anchored = format!("^(?:{})$", value.replace("\\\"", "\""));
        regex::Regex::new(&anchored)
            .map_err(|e| format!("matcher {raw:?}: bad regular expression ({e})"))?;
    }
    let quoted = if value.contains('"') && !value.contains("\\\"") {
        value.replace('"', "\\\"")
    } else {
        value
    };
    Ok(format!("{name}{op}\"{quoted}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_api_paths_refused_with_the_base() {
        assert!(parse_base_url("http://127.0.0.1:9090", "Prometheus").is_ok());
        assert!(parse_base_url("https://example.org/prometheus/", "Prometheus").is_ok());
        let e = parse_base_url("http://prom:9090/api/v1/query?query=up", "Prometheus").unwrap_err();
        assert!(e.contains("http://prom:9090"), "{e}");
        let e = parse_base_url("http://prom:9090/graph", "Prometheus").unwrap_err();
        assert!(e.contains("write the base URL http://prom:9090 "), "{e}");
        let e = parse_base_url("http://am:9093/#/alerts", "Alertmanager").unwrap_err();
        assert!(e.contains("http://am:9093"), "{e}");
        let e = parse_base_url("http://am:9093/api/v2/alerts", "Alertmanager").unwrap_err();
        assert!(e.contains("base URL http://am:9093 "), "{e}");
        assert!(parse_base_url("prom:9090", "Prometheus").is_err());
        assert!(parse_base_url("ftp://prom", "Prometheus").is_err());
    }

    #[test]
    fn matchers_take_alertmanagers_syntax() {
        assert_eq!(
            parse_matcher("service=\"api\""),
            Ok("service=\"api\"".into())
        );
        assert_eq!(
            parse_matcher(" team =~ payments|core "),
            Ok("team=~\"payments|core\"".into())
        );
        assert_eq!(parse_matcher("env!=staging"), Ok("env!=\"staging\"".into()));
        assert!(parse_matcher("=\"x\"").is_err());
        assert!(parse_matcher("service").is_err());
        assert!(parse_matcher("service==\"x").is_err());
        assert!(
            parse_matcher("team=~\"(unclosed\"")
                .unwrap_err()
                .contains("regular expression")
        );
    }

    #[test]
    fn direction_comes_from_the_thresholds_unless_written() {
        let mut s = SeriesConfig {
            name: "Availability".into(),
            query: "x".into(),
            format: Format::Percent,
            unit: None,
            warn: Some(0.999),
            critical: Some(0.99),
            worse: None,
        };
        assert_eq!(s.worse(), Worse::Lower);
        s.worse = Some(Worse::Higher);
        assert_eq!(s.worse(), Worse::Higher);
        s.worse = None;
        s.critical = None;
        assert_eq!(s.worse(), Worse::Higher);
    }
}
