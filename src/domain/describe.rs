//! Events in words, for the timeline, exports and the post-mortem.

use crate::domain::event::{Event, Payload};
use crate::domain::incident::announcement;
use crate::domain::text::one_line;

/// One line describing what an event did, e.g. `IC handed from Alice to Ricardo`.
pub fn describe(e: &Event) -> String {
    let s = match &e.payload {
        Payload::IncidentOpened { title, ic, .. } => format!("Incident opened: {title} (IC: {ic})"),
        Payload::TitleChanged { title } => format!("Title changed to {title:?}"),
        Payload::StateChanged { from, to } => format!(
            "State {} -> {} ({})",
            from.label(),
            to.label(),
            announcement(&e.payload).unwrap_or_default()
        ),
        Payload::RoleHandedOff { role, from, to } => match from {
            Some(f) => format!("{} handed from {f} to {to}", role.title()),
            None => format!("{} assigned to {to}", role.title()),
        },
        Payload::PersonJoined { name, group, .. } => match group {
            Some(g) => format!("{name} joined ops:{g}"),
            None => format!("{name} joined"),
        },
        Payload::PersonReleased { name } => format!("{name} released (off duty)"),
        Payload::BreakStarted { name } => format!("{name} started a break"),
        Payload::BreakEnded { name } => format!("{name} is back from a break"),
        Payload::ImpactUpdated { text } => format!("Impact: {text}"),
        Payload::HypothesisAdded { id, text } => format!("Hypothesis #{id}: {text}"),
        Payload::HypothesisRuledOut { id, reason } => match reason {
            Some(r) => format!("Hypothesis #{id} ruled out: {r}"),
            None => format!("Hypothesis #{id} ruled out"),
        },
        Payload::NoteAdded { text } => format!("Note: {text}"),
        Payload::LinkAdded { label, url } => format!("Link: {label} <{url}>"),
        Payload::QuestionReviewed { question } => format!("Reviewed: {}", question.question()),
        Payload::QuestionSnoozed { question, until } => {
            format!(
                "Snoozed until {}: {}",
                until.strftime("%H:%M UTC"),
                question.question()
            )
        }
        Payload::SitrepSent {
            version, fields, ..
        } => format!("Sitrep v{version} sent: {}", fields.summary),
        Payload::StatusPosted { fields, .. } => {
            format!(
                "Status update ({}) posted: {}",
                fields.stage, fields.message
            )
        }
        Payload::Unknown { kind, .. } => {
            format!("(event of unknown type {kind:?}, from a newer version)")
        }
        other => crate::domain::followup::describe(other).unwrap_or_else(|| other.kind()),
    };
    one_line(&s)
}
