//! Events in words, for the timeline, exports and the post-mortem.

use crate::domain::Payload;
use crate::domain::text::one_line;

/// One line describing what an event did (control characters stripped).
pub fn describe(p: &Payload) -> String {
    let s = match p {
        Payload::IncidentOpened { title, ic, .. } => {
            format!("opened \"{title}\", IC {ic}")
        }
        Payload::TitleChanged { title } => format!("title: {title}"),
        Payload::StateChanged { from, to } => match to.level() {
            Some(n) => format!("state {n} {} (was {from})", to.label().to_uppercase()),
            None => "RESOLVED".to_string(),
        },
        Payload::RoleHandedOff { role, from, to } => match from {
            Some(f) => format!("{} -> {to} (was {f})", role.title()),
            None => format!("{} -> {to}", role.title()),
        },
        Payload::PersonJoined { name, group, .. } => match group {
            Some(g) => format!("{name} joined ops:{g}"),
            None => format!("{name} joined"),
        },
        Payload::PersonReleased { name } => format!("{name} released (off duty)"),
        Payload::BreakStarted { name } => format!("{name} on a break"),
        Payload::BreakEnded { name } => format!("{name} back from break"),
        Payload::ImpactUpdated { text } => format!("impact: {text}"),
        Payload::HypothesisAdded { id, text, .. } => format!("hypothesis #{id}: {text}"),
        Payload::HypothesisRuledOut { id, reason, .. } => match reason {
            Some(r) => format!("ruled out #{id}: {r}"),
            None => format!("ruled out #{id}"),
        },
        Payload::NoteAdded { text } => format!("note: {text}"),
        Payload::LinkAdded { label, url } => format!("link: {label} {url}"),
        Payload::QuestionReviewed { question } => {
            format!("reviewed: {}", question.question())
        }
        Payload::QuestionSnoozed { question, until } => format!(
            "snoozed: {} until {}",
            question.question(),
            until.strftime("%H:%M UTC")
        ),
        Payload::SitrepSent {
            version, fields, ..
        } => {
            if fields.summary.is_empty() {
                format!("sitrep v{version} sent")
            } else {
                format!("sitrep v{version} sent: {}", fields.summary)
            }
        }
        Payload::StatusPosted { fields, .. } => {
            format!("status page ({}): {}", fields.stage, fields.message)
        }
        Payload::DrillInject {
            at_offset,
            kind,
            text,
            who,
            group,
            backend,
            decision,
        } => {
            let from: Vec<String> = [
                group.as_ref().map(|g| format!("ops:{g}")),
                who.clone(),
                backend.as_ref().map(|b| format!("backend {b}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            let from = if from.is_empty() {
                String::new()
            } else {
                format!(" ({})", from.join(", "))
            };
            let decision = decision
                .as_ref()
                .map(|d| format!(" (decide: {} {})", d.question, d.options.join(" / ")))
                .unwrap_or_default();
            format!(
                "DRILL +{} {kind}{from}: {text}{decision}",
                crate::domain::duration::short(*at_offset)
            )
        }
        Payload::Outbox(o) => o.describe(),
        Payload::RoomCommand(c) => {
            let who = c.person.as_deref().unwrap_or(&c.sender);
            format!("in the room, {who}: {}", c.body)
        }
        Payload::MetricsObserved { why, values } => {
            let figures: Vec<String> = values
                .iter()
                .map(|v| format!("{} {}", v.series, v.shown))
                .collect();
            format!("health ({}): {}", why.word(), figures.join(", "))
        }
        Payload::AlertAttached(a) => a.describe(),
        Payload::Unknown { kind, v, .. } => {
            format!("[{kind}] written by a newer commandpost (v{v}); upgrade to see it")
        }
        other => crate::domain::followup::describe(other).unwrap_or_else(|| other.kind()),
    };
    one_line(&s)
}
