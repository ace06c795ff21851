//! Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`): one number per series.
//!
//! What can come back, and what it becomes:
//! - a vector or scalar: its value (NaN and ±Inf kept: the header shows them as such);
//! - several series: the first (by labels), with a note to aggregate the query;
//! - an empty vector: [`Outcome::Empty`] ("no data");
//! - `400`/`422` with Prometheus' error (a syntax error, a failed execution):
//!   [`Outcome::Failed`] with Prometheus' own message, shown next to the series;
//! - anything else (no connection, timeout, 5xx, 401/403, not JSON): the round fails as a
//!   whole when every series got it ("metrics: unreachable since 03:12 (reason)").

use super::Server;
use crate::config::health::MetricsConfig;
use crate::delivery::http::server_reason;
use crate::domain::health::Sample;
use crate::domain::health::live::{Outcome, SeriesUpdate, Update};
use futures::future::join_all;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// A Prometheus to ask.
#[derive(Clone)]
pub struct Prometheus {
    server: Server,
    /// The series' queries, in policy order.
    pub queries: Vec<String>,
}

/// One query's failure: the query's own (Prometheus refused or could not run it) or
/// Prometheus' (it could not be asked).
#[derive(Debug, Clone, PartialEq)]
enum Failure {
    Query(String),
    Server(String),
}

impl Prometheus {
    /// A client for `[metrics]`; `None` when it is off (no URL or no series).
    pub fn from_config(
        cfg: &MetricsConfig,
        http: reqwest::Client,
    ) -> Option<Result<Prometheus, String>> {
        let raw = cfg.prometheus.as_deref()?;
        if cfg.series.is_empty() {
            return None;
        }
        let token = (cfg.bearer_token.as_deref(), "metrics.bearer_token");
        Some(
            Server::new(http, "Prometheus", raw, token, cfg.timeout).map(|server| Prometheus {
                server,
                queries: cfg.series.iter().map(|s| s.query.clone()).collect(),
            }),
        )
    }

    /// `127.0.0.1:9090`.
    pub fn host(&self) -> &str {
        self.server.host()
    }

    /// Every series at `at` (instant queries, concurrently).
    pub async fn instant(&self, at: Timestamp) -> Update {
        let time = secs(at);
        let asked = self.queries.iter().map(|q| {
            self.get(
                "api/v1/query",
                vec![("query", q.clone()), ("time", time.clone())],
            )
        });
        round(at, join_all(asked).await)
    }

    /// Every series over the hour before `at`, one point per `step` (the sparkline's history).
    pub async fn range(&self, at: Timestamp, step: Duration) -> Update {
        let start = at
            .checked_sub(crate::domain::health::live::WINDOW)
            .unwrap_or(at);
        let step = format!("{}", step.as_secs().max(1));
        let asked = self.queries.iter().map(|q| {
            self.get(
                "api/v1/query_range",
                vec![
                    ("query", q.clone()),
                    ("start", secs(start)),
                    ("end", secs(at)),
                    ("step", step.clone()),
                ],
            )
        });
        round(at, join_all(asked).await)
    }

    /// One query, bounded by the timeout.
    async fn get(&self, path: &str, params: Vec<(&str, String)>) -> Result<SeriesUpdate, Failure> {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = self
            .server
            .get(path, &params)
            .await
            .map_err(Failure::Server)?;
        parse(status, &body).map_err(|f| match f {
            Failure::Query(m) => Failure::Query(self.server.scrub(&m)),
            Failure::Server(m) => Failure::Server(self.server.scrub(&m)),
        })
    }
}

/// Seconds since the epoch with milliseconds, as Prometheus takes them.
fn secs(t: Timestamp) -> String {
    format!("{:.3}", t.as_millisecond() as f64 / 1000.0)
}

/// A round's answers: the round fails as a whole only when every series got a server-side
/// failure (the reason is the first one's).
fn round(at: Timestamp, answers: Vec<Result<SeriesUpdate, Failure>>) -> Update {
    let all_down =
        !answers.is_empty() && answers.iter().all(|a| matches!(a, Err(Failure::Server(_))));
    let result = if all_down {
        Err(match answers.into_iter().next() {
            Some(Err(Failure::Server(m))) => m,
            _ => "no answer".into(),
        })
    } else {
        Ok(answers
            .into_iter()
            .map(|a| match a {
                Ok(u) => u,
                Err(Failure::Query(m) | Failure::Server(m)) => {
                    SeriesUpdate::new(Outcome::Failed(m))
                }
            })
            .collect())
    };
    Update { at, result }
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Value,
}

/// Longest message of Prometheus' kept (its parse errors are short; a proxy's page is not).
const MESSAGE_MAX: usize = 300;

/// An HTTP answer of Prometheus' to one query.
fn parse(status: u16, body: &str) -> Result<SeriesUpdate, Failure> {
    let env: Result<Envelope, _> = serde_json::from_str(body);
    match (status, env) {
        (200, Ok(e)) if e.status == "success" => match e.data {
            Some(d) => result(&d.result_type, &d.result),
            None => Err(Failure::Server("success without data".into())),
        },
        (400 | 422, Ok(e)) | (503, Ok(e)) if e.error.is_some() => {
            let msg = short(e.error.as_deref().unwrap_or_default());
            let kind = e.error_type.unwrap_or_default();
            // A query that timed out on Prometheus' side is the query's problem.
            if status == 503 && kind != "timeout" {
                return Err(Failure::Server(format!("HTTP {status}: {msg}")));
            }
            Err(Failure::Query(msg))
        }
        (200, _) => Err(Failure::Server(
            "the answer is not Prometheus' (check the URL)".into(),
        )),
        (s, _) => {
            let reason = server_reason(body);
            let hint = match s {
                401 | 403 => " (check metrics.bearer_token)",
                404 => " (check the URL: is it Prometheus' base URL?)",
                _ => "",
            };
            Err(Failure::Server(if reason.is_empty() {
                format!("HTTP {s}{hint}")
            } else {
                format!("HTTP {s}: {}{hint}", short(&reason))
            }))
        }
    }
}

fn short(s: &str) -> String {
    let one = crate::domain::text::one_line(s);
    if one.chars().count() <= MESSAGE_MAX {
        one
    } else {
        let cut: String = one.chars().take(MESSAGE_MAX).collect();
        format!("{cut}…")
    }
}

/// The samples of a `vector`, `scalar` or `matrix` result.
fn result(kind: &str, v: &Value) -> Result<SeriesUpdate, Failure> {
    let bad = || Failure::Server(format!("unreadable {kind} result"));
    match kind {
        "scalar" => Ok(SeriesUpdate::new(Outcome::Samples(vec![
            point(v).ok_or_else(bad)?,
        ]))),
        "vector" | "matrix" => {
            let mut series: Vec<&Value> = v.as_array().ok_or_else(bad)?.iter().collect();
            series.sort_by_key(|s| s.get("metric").map(Value::to_string).unwrap_or_default());
            let Some(first) = series.first() else {
                return Ok(SeriesUpdate::new(Outcome::Empty));
            };
            let samples = if kind == "vector" {
                vec![first.get("value").and_then(point).ok_or_else(bad)?]
            } else {
                let values = first
                    .get("values")
                    .and_then(Value::as_array)
                    .ok_or_else(bad)?;
                values
                    .iter()
                    .map(point)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(bad)?
            };
            let note = (series.len() > 1).then(|| {
                format!(
                    "{} series: showing the first; aggregate the query (sum, max, ...)",
                    series.len()
                )
            });
            Ok(SeriesUpdate {
                outcome: Outcome::Samples(samples),
                note,
            })
        }
        other => Err(Failure::Query(format!(
            "the query gives a {other}, not a number"
        ))),
    }
}

/// `[1435781451.781, "1.5"]`.
fn point(v: &Value) -> Option<Sample> {
    let pair = v.as_array()?;
    let (ts, val) = (pair.first()?.as_f64()?, pair.get(1)?.as_str()?);
    let at = Timestamp::from_millisecond((ts * 1000.0).round() as i64).ok()?;
    let value = match val {
        "NaN" => f64::NAN,
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        s => s.parse().ok()?,
    };
    Some(Sample { at, value })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn values(u: &SeriesUpdate) -> Vec<f64> {
        match &u.outcome {
            Outcome::Samples(s) => s.iter().map(|s| s.value).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn answers_become_outcomes() {
        let ok = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"b"},"value":[1796536805.536,"0.5"]},{"metric":{"job":"a"},"value":[1796536805.536,"0.021"]}]}}"#;
        let u = parse(200, ok).unwrap();
        assert_eq!(values(&u), [0.021]);
        assert!(u.note.unwrap().starts_with("2 series"));
        let nan =
            r#"{"status":"success","data":{"resultType":"scalar","result":[1796536800.72,"NaN"]}}"#;
        assert!(values(&parse(200, nan).unwrap())[0].is_nan());
        let inf = r#"{"status":"success","data":{"resultType":"scalar","result":[1796536800.72,"+Inf"]}}"#;
        assert_eq!(values(&parse(200, inf).unwrap()), [f64::INFINITY]);
        let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(parse(200, empty).unwrap().outcome, Outcome::Empty);
        let range = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1.0,"1"],[16.0,"2"]]}]}}"#;
        assert_eq!(values(&parse(200, range).unwrap()), [1.0, 2.0]);
    }

    #[test]
    fn prometheus_errors_are_the_querys_and_others_the_servers() {
        let syntax = r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:15: parse error: unclosed left parenthesis"}"#;
        assert_eq!(
            parse(400, syntax).unwrap_err(),
            Failure::Query(
                "invalid parameter \"query\": 1:15: parse error: unclosed left parenthesis".into()
            )
        );
        let timeout = r#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#;
        assert!(matches!(parse(503, timeout), Err(Failure::Query(_))));
        assert!(
            matches!(parse(502, "<html>Bad gateway</html>"), Err(Failure::Server(m)) if m.starts_with("HTTP 502"))
        );
        assert!(
            matches!(parse(401, "unauthorized"), Err(Failure::Server(m)) if m.contains("bearer_token"))
        );
        assert!(
            matches!(parse(200, "<html>grafana</html>"), Err(Failure::Server(m)) if m.contains("not Prometheus'"))
        );
        let string = r#"{"status":"success","data":{"resultType":"string","result":[1.0,"x"]}}"#;
        assert!(matches!(parse(200, string), Err(Failure::Query(m)) if m.contains("string")));
    }

    #[test]
    fn a_round_fails_as_a_whole_only_when_every_series_could_not_be_asked() {
        let at = Timestamp::UNIX_EPOCH;
        let down = || Err(Failure::Server("cannot connect: connection refused".into()));
        let bad = || Err(Failure::Query("parse error".into()));
        assert_eq!(
            round(at, vec![down(), down()]).result,
            Err("cannot connect: connection refused".into())
        );
        let mixed = round(at, vec![down(), bad()]).result.unwrap();
        assert_eq!(mixed.len(), 2);
    }
}
