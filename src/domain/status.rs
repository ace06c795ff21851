//! The public status update (doctrine section 6): stage, message, workaround, component
//! statuses and the promised time of the next update. Pure: no IO, no clock.
//!
//! The cockpit's composer and the headless `status post` share this code: [`prefill`] for the
//! form, [`next_update_default`] for its "next update" field, [`lint`] as the user types,
//! [`preview`] for the preview pane, [`compose`] on send (it validates, renders and returns the
//! [`Payload::StatusPosted`] to journal).

use crate::domain::event::{Payload, StatusFields};
use crate::domain::incident::Incident;
use crate::domain::lint::{Linter, Stage, Warning};
use crate::domain::named::named_enum;
use crate::domain::policy::Cadence;
use crate::domain::template::{Prepared, Template, TemplateError};
use crate::domain::text::{one_line, strip_control};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::str::FromStr;

/// Longest a message or workaround may be, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// A component's status, Statuspage-style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
    UnderMaintenance,
}

named_enum!(ComponentStatus {
    Operational => "operational",
    DegradedPerformance => "degraded_performance",
    PartialOutage => "partial_outage",
    MajorOutage => "major_outage",
    UnderMaintenance => "under_maintenance",
});

impl ComponentStatus {
    /// The human form: `Degraded performance`.
    pub fn label(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "Operational",
            ComponentStatus::DegradedPerformance => "Degraded performance",
            ComponentStatus::PartialOutage => "Partial outage",
            ComponentStatus::MajorOutage => "Major outage",
            ComponentStatus::UnderMaintenance => "Under maintenance",
        }
    }
}

/// Not one of the five component statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown component status {0:?} (expected operational, degraded performance, partial outage, \
     major outage or under maintenance)"
)]
pub struct ParseComponentStatusError(pub String);

impl FromStr for ComponentStatus {
    type Err = ParseComponentStatusError;

    /// Case-insensitive; spaces, `-` and `_` are alike: `Degraded performance`,
    /// `degraded-performance` and `degraded_performance` are the same status.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("_")
            .to_lowercase();
        ComponentStatus::ALL
            .into_iter()
            .find(|c| c.as_str() == norm)
            .ok_or_else(|| ParseComponentStatusError(s.trim().to_string()))
    }
}

/// A status update that cannot be posted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Stage(#[from] crate::domain::lint::ParseStageError),
    #[error("a status update needs a message")]
    NoMessage,
    #[error("status {field} is too long ({chars} characters, at most {MAX_TEXT_CHARS})")]
    TooLong { field: &'static str, chars: usize },
    #[error("component {name:?}: {source}")]
    Component {
        name: String,
        source: ParseComponentStatusError,
    },
    #[error("a component needs a name")]
    ComponentName,
    #[error("component {0:?} is listed twice")]
    DuplicateComponent(String),
    #[error("the next update must come after the update itself")]
    NextUpdateInPast,
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// Incident details a template may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusMeta {
    pub id: String,
    pub title: String,
    /// When it is (or would be) posted.
    pub at: Timestamp,
}

impl StatusMeta {
    pub fn of(inc: &Incident, now: Timestamp) -> StatusMeta {
        StatusMeta {
            id: inc.id.clone(),
            title: inc.title.clone(),
            at: now,
        }
    }
}

/// When the next update should be promised by default: `now` plus the status cadence, or
/// nothing once the incident is resolved.
pub fn next_update_default(inc: &Incident, cadence: &Cadence, now: Timestamp) -> Option<Timestamp> {
    if !inc.is_open() {
        return None;
    }
    now.checked_add(cadence.status).ok()
}

/// The form's starting point: the last update's stage, workaround and components (the
/// message is new each time), or `investigating` with nothing else.
pub fn prefill(inc: &Incident) -> StatusFields {
    match inc.last_status() {
        Some(s) => StatusFields {
            stage: s.fields.stage.clone(),
            message: String::new(),
            workaround: s.fields.workaround.clone(),
            components: s.fields.components.clone(),
            next_update_at: None,
        },
        None => StatusFields {
            stage: Stage::Investigating.as_str().to_string(),
            ..StatusFields::default()
        },
    }
}

/// Cleans and validates the fields: the stage is a known one (stored lowercase), a message,
/// lengths, component names on one line and unique, statuses in their machine form.
pub fn build(fields: &StatusFields, now: Timestamp) -> Result<StatusFields, StatusError> {
    let stage: Stage = fields.stage.parse()?;
    let text = |s: &str| strip_control(s).trim().to_string();
    let message = text(&fields.message);
    let workaround = text(&fields.workaround);
    if message.is_empty() {
        return Err(StatusError::NoMessage);
    }
    for (field, value) in [("message", &message), ("workaround", &workaround)] {
        let chars = value.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(StatusError::TooLong { field, chars });
        }
    }
    let mut components: Vec<(String, String)> = Vec::new();
    // Lowercase names seen so far: the duplicate check is linear in components.
    let mut seen = std::collections::HashSet::new();
    for (name, status) in &fields.components {
        let name = one_line(name);
        if name.is_empty() {
            return Err(StatusError::ComponentName);
        }
        let status: ComponentStatus = status.parse().map_err(|source| StatusError::Component {
            name: name.clone(),
            source,
        })?;
        if !seen.insert(name.to_lowercase()) {
            return Err(StatusError::DuplicateComponent(name));
        }
        components.push((name, status.as_str().to_string()));
    }
    if fields.next_update_at.is_some_and(|t| t <= now) {
        return Err(StatusError::NextUpdateInPast);
    }
    Ok(StatusFields {
        stage: stage.as_str().to_string(),
        message,
        workaround,
        components,
        next_update_at: fields.next_update_at,
    })
}

/// Lints a status update (every rule, plus the missing workaround unless resolved). An
/// unknown stage is linted as `investigating`.
pub fn lint(linter: &Linter, fields: &StatusFields) -> Vec<Warning> {
    let stage = fields.stage.parse().unwrap_or(Stage::Investigating);
    linter.lint_status(stage, &fields.message, &fields.workaround)
}

#[derive(Serialize)]
struct ComponentCtx<'a> {
    name: &'a str,
    status: &'a str,
    status_label: String,
}

#[derive(Serialize)]
struct IncidentCtx<'a> {
    id: &'a str,
    title: &'a str,
}

#[derive(Serialize)]
struct StatusCtx<'a> {
    stage: &'a str,
    stage_label: String,
    message: &'a str,
    workaround: &'a str,
    components: Vec<ComponentCtx<'a>>,
    next_update_in: Option<String>,
    next_update_at: Option<String>,
    posted_at: String,
    incident: IncidentCtx<'a>,
}

fn context<'a>(fields: &'a StatusFields, meta: &'a StatusMeta) -> StatusCtx<'a> {
    let stage_label = crate::domain::text::capitalised(fields.stage.trim());
    let components = fields
        .components
        .iter()
        .map(|(name, status)| ComponentCtx {
            name,
            status,
            status_label: status
                .parse::<ComponentStatus>()
                .map(|c| c.label().to_string())
                .unwrap_or_else(|_| status.clone()),
        })
        .collect();
    let next = fields.next_update_at.filter(|t| *t > meta.at);
    StatusCtx {
        stage: &fields.stage,
        stage_label,
        message: &fields.message,
        workaround: &fields.workaround,
        components,
        next_update_in: next.map(|t| words(t.duration_since(meta.at))),
        next_update_at: next.map(|t| t.strftime("%H:%M UTC").to_string()),
        posted_at: meta.at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        incident: IncidentCtx {
            id: &meta.id,
            title: &meta.title,
        },
    }
}

/// Renders the update's text. Field text is passed through, never interpreted or escaped.
/// Statuses that do not parse are shown as written.
pub fn render(
    fields: &StatusFields,
    template: &Template,
    meta: &StatusMeta,
) -> Result<String, TemplateError> {
    template.render(context(fields, meta))
}

/// The composer's preview: the fields rendered as if posted at `now` (not validated).
pub fn preview(
    inc: &Incident,
    fields: &StatusFields,
    template: &Template,
    now: Timestamp,
) -> Result<String, TemplateError> {
    render(fields, template, &StatusMeta::of(inc, now))
}

/// The update the fields make if posted at `now`, before its render: the template's context
/// (of the fields as they are posted when they are valid, as typed when not) and the payload
/// to journal once rendered, or why it cannot be posted.
pub fn prepare(inc: &Incident, fields: &StatusFields, now: Timestamp) -> Prepared {
    let meta = StatusMeta::of(inc, now);
    match build(fields, now) {
        Ok(built) => Prepared {
            context: minijinja::Value::from_serialize(context(&built, &meta)),
            send: Ok(Payload::StatusPosted {
                fields: built,
                rendered: String::new(),
            }),
        },
        Err(e) => Prepared {
            context: minijinja::Value::from_serialize(context(fields, &meta)),
            send: Err(e.to_string()),
        },
    }
}

/// Posts: validates, renders, and returns the payload to journal.
pub fn compose(
    inc: &Incident,
    fields: &StatusFields,
    template: &Template,
    now: Timestamp,
) -> Result<Payload, StatusError> {
    let fields = build(fields, now)?;
    let rendered = render(&fields, template, &StatusMeta::of(inc, now))?;
    Ok(Payload::StatusPosted { fields, rendered })
}

/// A duration in words, rounded to the minute: `30 minutes`, `1 hour`, `1 hour 30 minutes`,
/// `2 days 3 hours`; under a minute is `1 minute`.
pub fn words(d: SignedDuration) -> String {
    let mins = (d.as_secs().max(0) + 59) / 60;
    let mins = mins.max(1);
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    let unit = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(unit(days, "day"));
    }
    if hours > 0 {
        parts.push(unit(hours, "hour"));
    }
    if m > 0 && days == 0 {
        parts.push(unit(m, "minute"));
    }
    parts.join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn component_statuses_accept_human_forms() {
        for (input, want) in [
            ("operational", ComponentStatus::Operational),
            ("Degraded performance", ComponentStatus::DegradedPerformance),
            ("degraded-performance", ComponentStatus::DegradedPerformance),
            (" PARTIAL_OUTAGE ", ComponentStatus::PartialOutage),
            ("major  outage", ComponentStatus::MajorOutage),
            ("under maintenance", ComponentStatus::UnderMaintenance),
        ] {
            assert_eq!(input.parse(), Ok(want), "{input}");
        }
        for bad in ["", "down", "degraded", "outage", "partial"] {
            assert!(bad.parse::<ComponentStatus>().is_err(), "{bad}");
        }
    }

    #[test]
    fn words_round_up_to_the_minute() {
        let w = |s| words(SignedDuration::from_secs(s));
        assert_eq!(w(30 * 60), "30 minutes");
        assert_eq!(w(60), "1 minute");
        assert_eq!(w(10), "1 minute");
        assert_eq!(w(3600), "1 hour");
        assert_eq!(w(5400), "1 hour 30 minutes");
        assert_eq!(w(2 * 86_400 + 3 * 3600 + 60), "2 days 3 hours");
    }

    #[test]
    fn build_normalises_and_rejects() {
        let now = Timestamp::from_second(1_795_000_000).unwrap();
        let mut f = StatusFields {
            stage: "Identified".into(),
            message: " We found it. ".into(),
            workaround: String::new(),
            components: vec![("API".into(), "partial outage".into())],
            next_update_at: None,
        };
        let b = build(&f, now).unwrap();
        assert_eq!(b.stage, "identified");
        assert_eq!(b.message, "We found it.");
        assert_eq!(b.components, vec![("API".into(), "partial_outage".into())]);
        f.components.push(("api".into(), "operational".into()));
        assert_eq!(
            build(&f, now),
            Err(StatusError::DuplicateComponent("api".into()))
        );
        f.components.pop();
        f.stage = "fixed".into();
        assert!(matches!(build(&f, now), Err(StatusError::Stage(_))));
        f.stage = "resolved".into();
        f.next_update_at = Some(now);
        assert_eq!(build(&f, now), Err(StatusError::NextUpdateInPast));
    }
}
