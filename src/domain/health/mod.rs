//! Product health figures (issue 17): the series the IC watches (`[[metrics.series]]`), their
//! thresholds and how a value reads ("9.4%", "320ms"). Pure: the Prometheus client lives in
//! `crate::health`, the cockpit keeps the [`live::Live`] view, the journal keeps what the IC
//! saw ([`observe`]), the checklist compares against the figures at the last impact review
//! ([`impact`]) and the post-mortem takes each series at the incident's milestones
//! ([`milestones`]).

pub mod impact;
pub mod live;
pub mod milestones;
pub mod observe;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a series' value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A ratio shown as a percentage: `0.094` -> `9.4%`.
    Percent,
    /// Per second: `12.5` -> `12.5/s` (or `12.5 req/s` with a unit).
    Rate,
    /// Seconds shown as a duration: `0.32` -> `320ms`, `95` -> `1m35s`.
    Duration,
    /// A plain number (with its unit if given): `1234` -> `1234`, `1.5M`.
    #[default]
    Number,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Percent,
        Format::Rate,
        Format::Duration,
        Format::Number,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Percent => "percent",
            Format::Rate => "rate",
            Format::Duration => "duration",
            Format::Number => "number",
        }
    }
}

/// Which way is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Worse {
    /// Error rates, latencies: the higher, the worse (the default).
    #[default]
    Higher,
    /// Availability, throughput: the lower, the worse.
    Lower,
}

/// A value's place against its thresholds, in increasing order of concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Critical,
}

impl Level {
    /// The word drawn next to a value (what NO_COLOR keeps of the colour).
    pub fn mark(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "WARN",
            Level::Critical => "CRIT",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warning",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// One answer of a polled source (Prometheus' round of queries, Alertmanager's alerts): when
/// it was asked, and what came back or why nothing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Polled<T> {
    pub at: Timestamp,
    pub result: Result<T, String>,
}

impl<T> Polled<T> {
    /// No answer at `at`, and why.
    pub fn failed(at: Timestamp, reason: String) -> Polled<T> {
        Polled {
            at,
            result: Err(reason),
        }
    }
}

/// One series the IC watches, as the domain needs it (the query stays with the client).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesSpec {
    pub name: String,
    pub format: Format,
    /// Shown after the value (`req/s`, `ms`, `customers`).
    pub unit: Option<String>,
    pub warn: Option<f64>,
    pub critical: Option<f64>,
    pub worse: Worse,
}

/// The default factor by which a series must move (either way) since the last impact review
/// to make "Impact understood?" due again.
pub const DEFAULT_FACTOR: f64 = 2.0;

/// `[metrics]` as the domain sees it: the series in header order and the move factor.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthPolicy {
    pub series: Vec<SeriesSpec>,
    /// A series that moved by more than this factor (2.0: doubled or halved) since the impact
    /// was last reviewed makes the impact question due.
    pub factor: f64,
}

impl HealthPolicy {
    /// No series: the cockpit shows no health line and the checklist works as before.
    pub const EMPTY: HealthPolicy = HealthPolicy {
        series: Vec::new(),
        factor: DEFAULT_FACTOR,
    };

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    pub fn spec(&self, name: &str) -> Option<&SeriesSpec> {
        self.series.iter().find(|s| s.name == name)
    }
}

impl Default for HealthPolicy {
    fn default() -> Self {
        HealthPolicy::EMPTY
    }
}

/// A value at a moment (Prometheus' sample time, not when it was fetched).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub at: Timestamp,
    /// May be NaN or infinite (0/0 when nothing was requested): shown as such, never compared.
    pub value: f64,
}

impl SeriesSpec {
    /// The level of a finite value; `None` for NaN and infinities (no reading).
    pub fn level(&self, v: f64) -> Option<Level> {
        if !v.is_finite() {
            return None;
        }
        let past = |t: Option<f64>| {
            t.is_some_and(|t| match self.worse {
                Worse::Higher => v >= t,
                Worse::Lower => v <= t,
            })
        };
        Some(if past(self.critical) {
            Level::Critical
        } else if past(self.warn) {
            Level::Warn
        } else {
            Level::Ok
        })
    }

    /// Whether `a` is worse than `b`.
    pub fn worse_than(&self, a: f64, b: f64) -> bool {
        match self.worse {
            Worse::Higher => a > b,
            Worse::Lower => a < b,
        }
    }

    /// The value as the IC reads it: `9.4%`, `12/s`, `320ms`, `1234 customers`, `NaN`.
    pub fn show(&self, v: f64) -> String {
        if v.is_nan() {
            return "NaN".into();
        }
        if v.is_infinite() {
            return if v > 0.0 { "+Inf" } else { "-Inf" }.into();
        }
        let unit = self
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        match (self.format, unit) {
            (Format::Percent, _) => format!("{}%", sig(v * 100.0)),
            (Format::Rate, Some(u)) => format!("{} {u}", sig(v)),
            (Format::Rate, None) => format!("{}/s", sig(v)),
            (Format::Duration, _) => duration_text(v),
            (Format::Number, Some(u)) => format!("{} {u}", sig(v)),
            (Format::Number, None) => sig(v),
        }
    }
}

/// A number with two to three significant digits, `k`/`M`/`G` above ten thousand:
/// `0.021` -> `0.021`, `2.14` -> `2.1`, `94.3` -> `94`, `12345` -> `12.3k`.
pub fn sig(v: f64) -> String {
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    let (scaled, suffix) = if a >= 1e9 {
        (a / 1e9, "G")
    } else if a >= 1e6 {
        (a / 1e6, "M")
    } else if a >= 1e4 {
        (a / 1e3, "k")
    } else {
        (a, "")
    };
    let body = if scaled == 0.0 {
        "0".to_string()
    } else if scaled >= 100.0 {
        format!("{scaled:.0}")
    } else if scaled >= 10.0 {
        trim_zeros(format!("{scaled:.1}"))
    } else if scaled >= 1.0 {
        trim_zeros(format!("{scaled:.2}"))
    } else {
        // Two significant digits below one: 0.021, 0.0042.
        let digits = (-scaled.log10().floor()) as usize + 1;
        trim_zeros(format!("{scaled:.*}", digits.min(12)))
    };
    format!("{sign}{body}{suffix}")
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Seconds as `850µs`, `320ms`, `4.2s`, `1m35s`, `2h05m`.
fn duration_text(secs: f64) -> String {
    let a = secs.abs();
    let sign = if secs < 0.0 { "-" } else { "" };
    let body = if a == 0.0 {
        "0s".to_string()
    } else if a < 1e-3 {
        format!("{}µs", sig(a * 1e6))
    } else if a < 1.0 {
        format!("{}ms", sig(a * 1e3))
    } else if a < 60.0 {
        format!("{}s", sig(a))
    } else if a < 3600.0 {
        let s = a.round() as u64;
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        let m = (a / 60.0).round() as u64;
        format!("{}h{:02}m", m / 60, m % 60)
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(format: Format) -> SeriesSpec {
        SeriesSpec {
            name: "x".into(),
            format,
            ..SeriesSpec::default()
        }
    }

    #[test]
    fn values_read_the_way_people_say_them() {
        let p = spec(Format::Percent);
        assert_eq!(p.show(0.021), "2.1%");
        assert_eq!(p.show(0.094), "9.4%");
        assert_eq!(p.show(0.0), "0%");
        assert_eq!(p.show(1.0), "100%");
        assert_eq!(p.show(0.00042), "0.042%");
        assert_eq!(p.show(f64::NAN), "NaN");
        assert_eq!(p.show(f64::INFINITY), "+Inf");
        let d = spec(Format::Duration);
        assert_eq!(d.show(0.32), "320ms");
        assert_eq!(d.show(4.25), "4.25s");
        assert_eq!(d.show(95.0), "1m35s");
        assert_eq!(d.show(0.0004), "400µs");
        assert_eq!(d.show(7500.0), "2h05m");
        let r = spec(Format::Rate);
        assert_eq!(r.show(12.5), "12.5/s");
        assert_eq!(r.show(12345.0), "12.3k/s");
        let mut n = spec(Format::Number);
        assert_eq!(n.show(1234.0), "1234");
        n.unit = Some("customers".into());
        assert_eq!(n.show(1_500_000.0), "1.5M customers");
        assert_eq!(n.show(-3.0), "-3 customers");
    }

    #[test]
    fn levels_follow_the_thresholds_either_way() {
        let mut s = spec(Format::Percent);
        s.warn = Some(0.01);
        s.critical = Some(0.05);
        assert_eq!(s.level(0.001), Some(Level::Ok));
        assert_eq!(s.level(0.01), Some(Level::Warn));
        assert_eq!(s.level(0.094), Some(Level::Critical));
        assert_eq!(s.level(f64::NAN), None);
        assert_eq!(s.level(f64::INFINITY), None);
        let avail = SeriesSpec {
            warn: Some(0.999),
            critical: Some(0.99),
            worse: Worse::Lower,
            ..spec(Format::Percent)
        };
        assert_eq!(avail.level(0.9995), Some(Level::Ok));
        assert_eq!(avail.level(0.995), Some(Level::Warn));
        assert_eq!(avail.level(0.9), Some(Level::Critical));
        assert!(avail.worse_than(0.9, 0.99));
        // No thresholds: always ok.
        assert_eq!(spec(Format::Number).level(1e9), Some(Level::Ok));
    }
}

#[cfg(test)]
mod incident_tests;
