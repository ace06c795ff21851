//! Alertmanager's API v2 (`GET /api/v2/alerts`): the alerts firing, scoped by the configured
//! label matchers (each sent as a `filter`), silenced and inhibited ones included (the panel
//! marks them).

use super::Server;
use crate::config::health::{AlertsConfig, parse_matcher};
use crate::delivery::http::server_reason;
use crate::domain::alert::{self, Alert, AlertState, AlertsUpdate};
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::BTreeMap;

/// An Alertmanager to ask.
#[derive(Clone)]
pub struct Alertmanager {
    server: Server,
    /// Matchers in the quoted form `filter` takes.
    matchers: Vec<String>,
}

impl Alertmanager {
    /// A client for `[alerts]`; `None` when no URL is set.
    pub fn from_config(
        cfg: &AlertsConfig,
        http: reqwest::Client,
    ) -> Option<Result<Alertmanager, String>> {
        let raw = cfg.alertmanager.as_deref()?;
        Some((|| {
            let token = (cfg.bearer_token.as_deref(), "alerts.bearer_token");
            let server = Server::new(http, "Alertmanager", raw, token, cfg.timeout)?;
            let matchers = cfg
                .matchers
                .iter()
                .map(|m| parse_matcher(m))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Alertmanager { server, matchers })
        })())
    }

    /// `127.0.0.1:9093`.
    pub fn host(&self) -> &str {
        self.server.host()
    }

    /// The alerts firing now, most pressing first.
    pub async fn alerts(&self, at: Timestamp) -> AlertsUpdate {
        AlertsUpdate {
            at,
            result: self.fetch().await,
        }
    }

    async fn fetch(&self) -> Result<Vec<Alert>, String> {
        let mut params: Vec<(&str, &str)> = vec![
            ("active", "true"),
            ("silenced", "true"),
            ("inhibited", "true"),
            ("unprocessed", "true"),
        ];
        params.extend(self.matchers.iter().map(|m| ("filter", m.as_str())));
        let (status, body) = self.server.get("api/v2/alerts", &params).await?;
        parse(status, &body).map_err(|m| self.server.scrub(&m))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Gettable {
    fingerprint: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: Timestamp,
    #[serde(default)]
    status: Status,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Status {
    #[serde(default)]
    state: String,
    #[serde(default)]
    silenced_by: Vec<String>,
    #[serde(default)]
    inhibited_by: Vec<String>,
}

/// An answer of `GET /api/v2/alerts`.
fn parse(status: u16, body: &str) -> Result<Vec<Alert>, String> {
    if status != 200 {
        let reason = server_reason(body);
        let hint = match status {
            401 | 403 => " (check alerts.bearer_token)",
            404 => " (check the URL: is it Alertmanager's base URL, API v2?)",
            _ => "",
        };
        return Err(if reason.is_empty() {
            format!("HTTP {status}{hint}")
        } else {
            format!("HTTP {status}: {reason}{hint}")
        });
    }
    let raw: Vec<Gettable> = serde_json::from_str(body)
        .map_err(|e| format!("the answer is not Alertmanager's v2 alert list ({e})"))?;
    let mut alerts: Vec<Alert> = raw
        .into_iter()
        .map(|g| Alert {
            fingerprint: g.fingerprint,
            labels: g.labels,
            annotations: g.annotations,
            starts_at: g.starts_at,
            state: match g.status.state.as_str() {
                "suppressed" => AlertState::Suppressed,
                "unprocessed" => AlertState::Unprocessed,
                _ => AlertState::Active,
            },
            silenced_by: g.status.silenced_by,
            inhibited_by: g.status.inhibited_by,
            generator_url: g.generator_url,
        })
        .collect();
    alert::sort(&mut alerts);
    Ok(alerts)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_v2_list_becomes_alerts() {
        let body = r#"[{"annotations":{"summary":"API 5xx above 5% in eu-west"},"endsAt":"2026-12-06T06:05:09.348Z","fingerprint":"0df005333d9e37c9","receivers":[{"name":"none"}],"startsAt":"2026-12-06T06:00:09.348Z","status":{"inhibitedBy":[],"silencedBy":["abc"],"state":"suppressed"},"updatedAt":"2026-12-06T06:00:09.348Z","generatorURL":"http://x/graph","labels":{"alertname":"HighErrorRate","service":"api","severity":"critical"}}]"#;
        let a = parse(200, body).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].name(), "HighErrorRate");
        assert_eq!(a[0].summary(), "API 5xx above 5% in eu-west");
        assert_eq!(a[0].suppressed(), "silenced");
        assert_eq!(a[0].state, AlertState::Suppressed);
        assert!(
            parse(200, "<html>")
                .unwrap_err()
                .contains("not Alertmanager's")
        );
        assert_eq!(
            parse(400, "\"matcher value contains unescaped double quote\"").unwrap_err(),
            "HTTP 400: \"matcher value contains unescaped double quote\""
        );
    }
}
