//! Retry policy, pure: status classification, server delay hints, backoff with jitter; plus
//! the small loop that drives one message to one backend until a deadline.

use std::time::{Duration, SystemTime};

use rand::Rng;

use super::backend::{Backend, Delivered, DeliveryContext, DeliveryError};
use crate::domain::outbound::OutboundMessage;

/// What an HTTP status means for delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusClass {
    Success,
    Retryable,
    Permanent,
}

/// 2xx success; 429, 420 (Statuspage's rate limit) and 5xx retryable; anything else (other
/// 4xx, 3xx which are never followed, 1xx) permanent.
pub fn classify_status(status: u16) -> StatusClass {
    match status {
        200..=299 => StatusClass::Success,
        429 | 420 | 500..=599 => StatusClass::Retryable,
        _ => StatusClass::Permanent,
    }
}

/// `Retry-After`: delta seconds (integer, or a decimal as some servers send) or an HTTP date,
/// relative to `now` (a date in the past means "now": zero).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Delay hints in a JSON error body: Discord `retry_after` (float seconds), Matrix
/// `retry_after_ms`, Telegram `parameters.retry_after`.
pub fn body_retry_hint(body: &str) -> Option<Duration> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let secs = |x: &serde_json::Value| {
        x.as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
    };
    if let Some(ms) = v.get("retry_after_ms").and_then(|x| x.as_u64()) {
        return Some(Duration::from_millis(ms));
    }
    if let Some(d) = v.get("retry_after").and_then(secs) {
        return Some(d);
    }
    v.get("parameters")
        .and_then(|p| p.get("retry_after"))
        .and_then(secs)
}

/// The server's hint: the `Retry-After` header wins over a body field.
pub fn server_hint(
    retry_after_header: Option<&str>,
    body: &str,
    now: SystemTime,
) -> Option<Duration> {
    retry_after_header
        .and_then(|h| parse_retry_after(h, now))
        .or_else(|| body_retry_hint(body))
}

/// Exponential backoff with jitter, clamped.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Base delay before the second attempt.
    pub initial_delay: Duration,
    /// No delay is ever longer, server hints included.
    pub max_delay: Duration,
    /// Growth per attempt (2.0 doubles).
    pub multiplier: f64,
    /// Fraction of the computed delay that is randomised (0.0 none .. 1.0 full jitter).
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            multiplier: 2.0,
            jitter: 0.5,
        }
    }
}

impl RetryPolicy {
    /// Delay after failed attempt number `attempt` (1-based). A server hint is honoured as
    /// given (clamped to `max_delay`); otherwise `initial * multiplier^(attempt-1)`, clamped,
    /// of which the `jitter` fraction is drawn at random.
    pub fn next_delay<R: Rng + ?Sized>(
        &self,
        attempt: u32,
        hint: Option<Duration>,
        rng: &mut R,
    ) -> Duration {
        if let Some(h) = hint {
            return h.min(self.max_delay);
        }
        let exp = attempt.saturating_sub(1).min(60) as i32;
        let raw = self.initial_delay.as_secs_f64() * self.multiplier.max(1.0).powi(exp);
        let capped = raw.min(self.max_delay.as_secs_f64()).max(0.0);
        let jitter = self.jitter.clamp(0.0, 1.0);
        let fixed = capped * (1.0 - jitter);
        let random = if jitter > 0.0 && capped > 0.0 {
            rng.random_range(0.0..=capped * jitter)
        } else {
            0.0
        };
        Duration::from_secs_f64(fixed + random).min(self.max_delay)
    }
}

/// How a [`deliver_with_retry`] run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum RetryOutcome {
    Delivered {
        delivered: Delivered,
        attempts: u32,
    },
    /// A permanent error: never retried.
    Failed {
        reason: String,
        attempts: u32,
    },
    /// The deadline came first; the message stays queued.
    Pending {
        last_reason: String,
        attempts: u32,
        parts_done: u32,
        /// Earliest useful next attempt, from now.
        retry_in: Duration,
    },
}

/// One event of a retry run, for callers that record attempts (the outbox journals them).
#[derive(Clone, Debug, PartialEq)]
pub enum AttemptEvent {
    Started {
        attempt: u32,
    },
    Finished {
        attempt: u32,
        result: Result<Delivered, DeliveryError>,
    },
}

/// Delivers `msg` to `backend`, retrying retryable errors with `policy`, until `deadline`.
pub async fn deliver_with_retry(
    backend: &dyn Backend,
    msg: &OutboundMessage,
    policy: &RetryPolicy,
    deadline: tokio::time::Instant,
) -> RetryOutcome {
    deliver_with_retry_observed(backend, msg, None, 0, policy, deadline, |_| {}).await
}

/// [`deliver_with_retry`] starting from a known `remote_ref` and attempt count, reporting
/// each attempt to `observe` before and after it.
#[allow(clippy::too_many_arguments)]
pub async fn deliver_with_retry_observed(
    backend: &dyn Backend,
    msg: &OutboundMessage,
    remote_ref: Option<String>,
    attempts_before: u32,
    policy: &RetryPolicy,
    deadline: tokio::time::Instant,
    mut observe: impl FnMut(&AttemptEvent),
) -> RetryOutcome {
    let mut ctx = DeliveryContext {
        remote_ref,
        attempt: attempts_before,
        parts_done: 0,
    };
    let mut last_reason = String::from("not attempted before the deadline");
    loop {
        ctx.attempt += 1;
        if tokio::time::Instant::now() >= deadline {
            ctx.attempt -= 1;
            return RetryOutcome::Pending {
                last_reason,
                attempts: ctx.attempt,
                parts_done: ctx.parts_done,
                retry_in: Duration::ZERO,
            };
        }
        observe(&AttemptEvent::Started {
            attempt: ctx.attempt,
        });
        let result = match tokio::time::timeout_at(deadline, backend.deliver(msg, &ctx)).await {
            Ok(r) => r,
            Err(_) => Err(DeliveryError::Retryable {
                reason: format!("{}: still in flight at the deadline", backend.name()),
                retry_after: None,
                parts_done: ctx.parts_done,
            }),
        };
        observe(&AttemptEvent::Finished {
            attempt: ctx.attempt,
            result: result.clone(),
        });
        match result {
            Ok(delivered) => {
                return RetryOutcome::Delivered {
                    delivered,
                    attempts: ctx.attempt,
                };
            }
            Err(DeliveryError::Permanent { reason }) => {
                return RetryOutcome::Failed {
                    reason,
                    attempts: ctx.attempt,
                };
            }
            Err(DeliveryError::Retryable {
                reason,
                retry_after,
                parts_done,
            }) => {
                ctx.parts_done = ctx.parts_done.max(parts_done);
                let delay = policy.next_delay(ctx.attempt, retry_after, &mut rand::rng());
                last_reason = reason;
                let wake = tokio::time::Instant::now() + delay;
                if wake >= deadline {
                    return RetryOutcome::Pending {
                        last_reason,
                        attempts: ctx.attempt,
                        parts_done: ctx.parts_done,
                        retry_in: delay,
                    };
                }
                tokio::time::sleep_until(wake).await;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn statuses() {
        let classes = [
            (StatusClass::Success, &[200, 202, 204][..]),
            (StatusClass::Retryable, &[429, 420, 500, 503]),
            (StatusClass::Permanent, &[400, 401, 404, 410, 301]),
        ];
        for (class, codes) in classes {
            for &code in codes {
                assert_eq!(classify_status(code), class, "HTTP {code}");
            }
        }
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("5", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(42));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(42))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(42));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn body_hints() {
        assert_eq!(
            body_retry_hint(
                r#"{"message":"You are being rate limited.","retry_after":64.57,"global":false}"#
            ),
            Some(Duration::from_secs_f64(64.57))
        );
        assert_eq!(
            body_retry_hint(
                r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":4820}"#
            ),
            Some(Duration::from_millis(4820))
        );
        assert_eq!(
            body_retry_hint(r#"{"ok":false,"error_code":429,"parameters":{"retry_after":5}}"#),
            Some(Duration::from_secs(5))
        );
        assert_eq!(body_retry_hint("rate limited"), None);
        assert_eq!(body_retry_hint(r#"{"retry_after":-1}"#), None);
    }

    #[test]
    fn header_beats_body() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            server_hint(Some("2"), r#"{"retry_after_ms":9000}"#, now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            server_hint(None, r#"{"retry_after_ms":9000}"#, now),
            Some(Duration::from_secs(9))
        );
        assert_eq!(server_hint(Some("junk"), "", now), None);
    }

    #[test]
    fn backoff_grows_is_jittered_and_clamped() {
        let p = RetryPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.5,
        };
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=10u32 {
            let exp = (1u64 << (attempt - 1)).min(30) as f64;
            for _ in 0..50 {
                let d = p.next_delay(attempt, None, &mut rng).as_secs_f64();
                assert!(
                    d >= exp * 0.5 - 1e-9 && d <= exp + 1e-9,
                    "attempt {attempt}: {d}"
                );
            }
        }
        // Hints are honoured exactly, but clamped.
        assert_eq!(
            p.next_delay(1, Some(Duration::from_secs(5)), &mut rng),
            Duration::from_secs(5)
        );
        assert_eq!(
            p.next_delay(1, Some(Duration::from_secs(99)), &mut rng),
            Duration::from_secs(30)
        );
        // Huge attempt numbers neither overflow nor exceed the max.
        assert!(p.next_delay(u32::MAX, None, &mut rng) <= Duration::from_secs(30));
        // Jitter actually varies.
        let a: Vec<Duration> = (0..10).map(|_| p.next_delay(3, None, &mut rng)).collect();
        assert!(a.iter().any(|d| *d != a[0]));
    }

    #[test]
    fn no_jitter_is_deterministic() {
        let p = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(p.next_delay(1, None, &mut rng), Duration::from_secs(1));
        assert_eq!(p.next_delay(3, None, &mut rng), Duration::from_secs(4));
        assert_eq!(p.next_delay(20, None, &mut rng), Duration::from_secs(60));
    }
}
