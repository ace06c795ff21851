//! The pollers: tasks on the runtime's worker threads that ask Prometheus and Alertmanager
//! every refresh and hand each answer to a callback (the cockpit's message channel). They
//! never touch the UI thread: a slow or hanging server costs a task waiting on a socket,
//! bounded by the configured timeout, and an idle cockpit wakes only once per refresh.
//!
//! Prometheus is first asked for the last hour (`query_range`, the sparkline's history),
//! then for the current value (`query`) every refresh; while the range has not been had (it
//! was down at start), every round asks for the range again.

use super::alertmanager::Alertmanager;
use super::prometheus::Prometheus;
use crate::config::Config;
use crate::domain::alert::AlertsUpdate;
use crate::domain::health::Polled;
use crate::domain::health::live::Update;
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::{MissedTickBehavior, interval};

/// Takes one answer; `false` when nobody listens any more (the poller stops).
pub type Sink<T> = Box<dyn Fn(T) -> bool + Send + Sync>;

/// The pollers a configuration asks for (none for sections that are off).
pub struct Pollers {
    pub metrics: Option<Result<(Prometheus, Duration), String>>,
    pub alerts: Option<Result<(Alertmanager, Duration), String>>,
}

impl Pollers {
    /// From `[metrics]` and `[alerts]`, on the project's HTTP client.
    pub fn from_config(config: &Config) -> Pollers {
        let http = crate::delivery::http::build_client();
        let (m, a) = (&config.metrics, &config.alerts);
        let metrics = source(&http, m.enabled(), m.refresh, |h| {
            Prometheus::from_config(m, h)
        });
        let alerts = source(&http, a.enabled(), a.refresh, |h| {
            Alertmanager::from_config(a, h)
        });
        Pollers { metrics, alerts }
    }

    pub fn is_empty(&self) -> bool {
        self.metrics.is_none() && self.alerts.is_none()
    }

    /// Starts them on `rt`; a source that cannot be set up says why once.
    pub fn spawn(
        self,
        rt: &tokio::runtime::Handle,
        metrics: Sink<Update>,
        alerts: Sink<AlertsUpdate>,
    ) -> Vec<JoinHandle<()>> {
        let metrics = start(rt, self.metrics, metrics, metrics_loop);
        let alerts = start(rt, self.alerts, alerts, alerts_loop);
        metrics.into_iter().chain(alerts).collect()
    }
}

/// A source's client and refresh (`None` when it is off); without an HTTP client, a source
/// that is on says why.
fn source<S>(
    http: &Result<reqwest::Client, String>,
    on: bool,
    refresh: SignedDuration,
    build: impl FnOnce(reqwest::Client) -> Option<Result<S, String>>,
) -> Option<Result<(S, Duration), String>> {
    match http {
        Ok(h) => build(h.clone()),
        Err(e) => on.then(|| Err(e.clone())),
    }
    .map(|r| r.map(|s| (s, refresh.unsigned_abs())))
}

/// One source's poller on `rt`, or its reason for not starting said once through `send`.
fn start<S, T, F>(
    rt: &tokio::runtime::Handle,
    source: Option<Result<(S, Duration), String>>,
    send: Sink<Polled<T>>,
    run: fn(S, Duration, Sink<Polled<T>>) -> F,
) -> Option<JoinHandle<()>>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    match source? {
        Ok((s, refresh)) => Some(rt.spawn(run(s, refresh, send))),
        Err(reason) => {
            send(Polled::failed(Timestamp::now(), reason));
            None
        }
    }
}

async fn metrics_loop(p: Prometheus, refresh: Duration, send: Sink<Update>) {
    let mut tick = interval(refresh.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut have_range = false;
    loop {
        tick.tick().await;
        let now = Timestamp::now();
        let u = if have_range {
            p.instant(now).await
        } else {
            p.range(now, refresh).await
        };
        have_range |= u.result.is_ok();
        if !send(u) {
            return;
        }
    }
}

async fn alerts_loop(a: Alertmanager, refresh: Duration, send: Sink<AlertsUpdate>) {
    let mut tick = interval(refresh.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if !send(a.alerts(Timestamp::now()).await) {
            return;
        }
    }
}
