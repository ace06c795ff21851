//! Firing alerts (Alertmanager's, or a drill's) as pure data: what the panel lists, the title
//! and first note of an incident opened from one, and what attaching one journals.

use crate::domain::health::Polled;
use crate::domain::text::one_line;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest incident title taken from an alert's summary.
pub const TITLE_MAX: usize = 120;

/// Where an alert stands in Alertmanager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    #[default]
    Active,
    /// Silenced or inhibited.
    Suppressed,
    Unprocessed,
}

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Alert {
    pub fingerprint: String,
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Timestamp,
    #[serde(default)]
    pub state: AlertState,
    /// Silence ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub silenced_by: Vec<String>,
    /// Fingerprints of the alerts inhibiting it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inhibited_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_url: Option<String>,
}

impl Alert {
    /// `alertname`, or `(unnamed)`.
    pub fn name(&self) -> String {
        self.labels
            .get("alertname")
            .map(|n| one_line(n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "(unnamed)".into())
    }

    pub fn severity(&self) -> Option<String> {
        self.labels
            .get("severity")
            .map(|s| one_line(s))
            .filter(|s| !s.is_empty())
    }

    /// The `summary` annotation, else `description`, else the name (one line).
    pub fn summary(&self) -> String {
        ["summary", "description"]
            .iter()
            .filter_map(|k| self.annotations.get(*k))
            .map(|s| one_line(s))
            .find(|s| !s.is_empty())
            .unwrap_or_else(|| self.name())
    }

    /// `silenced`, `inhibited`, `silenced, inhibited` or empty.
    pub fn suppressed(&self) -> String {
        let mut out = Vec::new();
        if !self.silenced_by.is_empty() {
            out.push("silenced");
        }
        if !self.inhibited_by.is_empty() {
            out.push("inhibited");
        }
        if out.is_empty() && self.state == AlertState::Suppressed {
            out.push("suppressed");
        }
        out.join(", ")
    }

    /// The labels as `k=v` pairs, `alertname` and `severity` left out (shown on their own).
    pub fn label_text(&self) -> String {
        self.labels
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "alertname" | "severity"))
            .map(|(k, v)| format!("{}={}", one_line(k), one_line(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The title of an incident opened from it: its summary, cut at [`TITLE_MAX`] characters.
    pub fn title(&self) -> String {
        let s = self.summary();
        if s.chars().count() <= TITLE_MAX {
            return s;
        }
        let cut: String = s.chars().take(TITLE_MAX - 1).collect();
        format!("{}…", cut.trim_end())
    }

    /// The first note of an incident opened from it: where it came from and every label.
    pub fn note(&self) -> String {
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{}={}", one_line(k), one_line(v)))
            .collect();
        format!(
            "From alert {} ({}), firing since {}: {}",
            self.name(),
            self.fingerprint,
            self.starts_at.strftime("%Y-%m-%d %H:%M UTC"),
            labels.join(", ")
        )
    }

    /// What attaching it to an incident journals.
    pub fn attached(&self) -> AttachedAlert {
        AttachedAlert {
            fingerprint: one_line(&self.fingerprint),
            name: self.name(),
            severity: self.severity(),
            summary: self.summary(),
            labels: self
                .labels
                .iter()
                .map(|(k, v)| (one_line(k), one_line(v)))
                .collect(),
            starts_at: self.starts_at,
        }
    }
}

/// One answer of the alert source: the alerts firing (most pressing first), or why there is
/// no answer.
pub type AlertsUpdate = Polled<Vec<Alert>>;

/// An alert as an incident records it (`Payload::AlertAttached`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedAlert {
    pub fingerprint: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub starts_at: Timestamp,
}

impl AttachedAlert {
    /// For the timeline: `alert attached: HighErrorRate (critical): API 5xx above 5%`.
    pub fn describe(&self) -> String {
        let sev = self
            .severity
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        format!("alert attached: {}{sev}: {}", self.name, self.summary)
    }
}

/// The alert whose fingerprint is `fp`, or the only one starting with it (at least 4
/// characters), else why not.
pub fn find<'a>(alerts: &'a [Alert], fp: &str) -> Result<&'a Alert, String> {
    let fp = fp.trim();
    if let Some(a) = alerts.iter().find(|a| a.fingerprint == fp) {
        return Ok(a);
    }
    let matching: Vec<&Alert> = alerts
        .iter()
        .filter(|a| fp.len() >= 4 && a.fingerprint.starts_with(fp))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no active alert has fingerprint {fp:?} ({} active; `commandpost alerts` lists them)",
            alerts.len()
        )),
        many => Err(format!(
            "{} alerts have a fingerprint starting with {fp:?}: give more of it",
            many.len()
        )),
    }
}

/// Alerts most pressing first: active before suppressed, then by severity word (critical,
/// error, warning, info, other), then oldest first.
pub fn sort(alerts: &mut [Alert]) {
    fn rank(s: Option<&String>) -> u8 {
        match s.map(|s| s.to_lowercase()).as_deref() {
            Some("critical" | "page" | "emergency") => 0,
            Some("error" | "high" | "major") => 1,
            Some("warning" | "warn" | "medium") => 2,
            Some("info" | "low" | "minor") => 3,
            _ => 4,
        }
    }
    alerts.sort_by(|a, b| {
        (a.state != AlertState::Active)
            .cmp(&(b.state != AlertState::Active))
            .then(rank(a.labels.get("severity")).cmp(&rank(b.labels.get("severity"))))
            .then(a.starts_at.cmp(&b.starts_at))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(fp: &str, labels: &[(&str, &str)], summary: Option<&str>) -> Alert {
        Alert {
            fingerprint: fp.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: summary
                .map(|s| [("summary".to_string(), s.to_string())].into())
                .unwrap_or_default(),
            starts_at: Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH),
            ..Alert::default()
        }
    }

    #[test]
    fn title_and_note_come_from_the_alert_cleaned() {
        let a = alert(
            "0df005333d9e37c9",
            &[
                ("alertname", "HighErrorRate"),
                ("severity", "critical"),
                ("service", "api\u{1b}[31m"),
            ],
            Some("API 5xx above 5%\nin eu-west"),
        );
        assert_eq!(a.title(), "API 5xx above 5% in eu-west");
        assert_eq!(
            a.note(),
            "From alert HighErrorRate (0df005333d9e37c9), firing since 2027-01-15 08:00 UTC: \
             alertname=HighErrorRate, service=api[31m, severity=critical"
        );
        assert_eq!(a.label_text(), "service=api[31m");
        let bare = alert("ab", &[], None);
        assert_eq!(bare.title(), "(unnamed)");
        let long = alert("cd", &[], Some(&"x".repeat(300)));
        assert_eq!(long.title().chars().count(), TITLE_MAX);
    }

    #[test]
    fn find_by_fingerprint_or_unique_prefix() {
        let v = vec![alert("abcd1111", &[], None), alert("abcd2222", &[], None)];
        assert_eq!(
            find(&v, "abcd2222").map(|a| a.fingerprint.as_str()),
            Ok("abcd2222")
        );
        assert_eq!(
            find(&v, "abcd1").map(|a| a.fingerprint.as_str()),
            Ok("abcd1111")
        );
        assert!(find(&v, "abcd").unwrap_err().contains("2 alerts"));
        assert!(find(&v, "ab").unwrap_err().contains("no active alert"));
    }

    #[test]
    fn most_pressing_first() {
        let mut v = vec![
            alert("1", &[("severity", "warning")], None),
            alert("2", &[("severity", "critical")], None),
            Alert {
                state: AlertState::Suppressed,
                silenced_by: vec!["s".into()],
                ..alert("3", &[("severity", "critical")], None)
            },
        ];
        sort(&mut v);
        let order: Vec<&str> = v.iter().map(|a| a.fingerprint.as_str()).collect();
        assert_eq!(order, ["2", "1", "3"]);
        assert_eq!(v[2].suppressed(), "silenced");
    }
}
