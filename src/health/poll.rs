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
use crate::domain::health::live::Update;
use jiff::Timestamp;
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
        let metrics = match &http {
            Ok(h) => Prometheus::from_config(&config.metrics, h.clone()),
            Err(e) => config.metrics.enabled().then(|| Err(e.clone())),
        }
        .map(|r| r.map(|p| (p, config.metrics.refresh.unsigned_abs())));
        let alerts = match &http {
            Ok(h) => Alertmanager::from_config(&config.alerts, h.clone()),
            Err(e) => config.alerts.enabled().then(|| Err(e.clone())),
        }
        .map(|r| r.map(|a| (a, config.alerts.refresh.unsigned_abs())));
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
        let mut out = Vec::new();
        match self.metrics {
            Some(Ok((p, refresh))) => out.push(rt.spawn(metrics_loop(p, refresh, metrics))),
            Some(Err(reason)) => {
                metrics(Update {
                    at: Timestamp::now(),
                    result: Err(reason),
                });
            }
            None => {}
        }
        match self.alerts {
            Some(Ok((a, refresh))) => out.push(rt.spawn(alerts_loop(a, refresh, alerts))),
            Some(Err(reason)) => {
                alerts(AlertsUpdate {
                    at: Timestamp::now(),
                    result: Err(reason),
                });
            }
            None => {}
        }
        out
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
