//! Room events as commandpost sees them, and the people's commands typed in the room.
//!
//! [`classify`] sorts a room timeline event: replicated events (an `org.commandpost.event`
//! or a commandpost `m.notice`, which carries the machine event: never a command), a
//! person's text (a possible command), a redaction, or something else. [`translate`]
//! turns a person's `@all: IC -> Ricardo` (the doctrine's forms) into a
//! `Payload::RoomCommand` citing the Matrix event id; whether it is authorised is decided
//! when it is folded, in merge order, identically on every cockpit.

use super::wire::{Batch, EVENT_TYPE};
use crate::domain::event::{Payload, Severity};
use crate::domain::incident::Incident;
use crate::domain::policy::KnownPerson;
pub use crate::domain::replicated::valid_user_id;
use crate::domain::replicated::{RoomCommand, RoomOrder};
use crate::domain::role::Role;
use crate::domain::text::{clean_name, one_line};
use serde_json::Value;

/// A room timeline event, as the transport received it.
#[derive(Debug, Clone, Copy)]
pub struct RoomEvent<'a> {
    /// `$...` event id.
    pub event_id: &'a str,
    /// `@user:server`.
    pub sender: &'a str,
    /// e.g. `m.room.message`, `org.commandpost.event`, `m.room.redaction`.
    pub kind: &'a str,
    pub content: &'a Value,
    /// `redacts` of a redaction (top level in older room versions, in content in newer).
    pub redacts: Option<&'a str>,
}

/// What a room event is to commandpost.
#[derive(Debug, Clone, PartialEq)]
pub enum RoomItem {
    /// Replicated events (from any cockpit, this one's included).
    Replicated(Batch),
    /// Content claiming to carry replicated events that do not parse.
    Malformed(String),
    /// A person's plain text message (`m.text`, not an edit): a possible command.
    Text { body: String },
    /// A redaction of another event.
    Redaction { redacts: String },
    /// Anything else: chat, membership, state, an emptied (redacted) event.
    Other,
}

/// Sorts one room event.
pub fn classify(ev: &RoomEvent<'_>) -> RoomItem {
    if ev.kind == "m.room.redaction" {
        let r = ev
            .redacts
            .or_else(|| ev.content.get("redacts").and_then(Value::as_str));
        return match r {
            Some(r) => RoomItem::Redaction {
                redacts: r.to_string(),
            },
            None => RoomItem::Other,
        };
    }
    // Any event carrying a batch is a machine event, never a command (this covers
    // every cockpit's own notices).
    if let Some(b) = Batch::from_content(ev.content) {
        return match b {
            Ok(b) => RoomItem::Replicated(b),
            Err(e) => RoomItem::Malformed(e),
        };
    }
    if ev.kind == EVENT_TYPE {
        // Redacted: the content is gone.
        return RoomItem::Other;
    }
    if ev.kind != "m.room.message" {
        return RoomItem::Other;
    }
    let msgtype = ev.content.get("msgtype").and_then(Value::as_str);
    let is_edit = ev
        .content
        .get("m.relates_to")
        .and_then(|r| r.get("rel_type"))
        .and_then(Value::as_str)
        == Some("m.replace");
    match (msgtype, ev.content.get("body").and_then(Value::as_str)) {
        (Some("m.text"), Some(body)) if !is_edit => RoomItem::Text {
            body: body.to_string(),
        },
        _ => RoomItem::Other,
    }
}

/// Parses the doctrine's announcement forms (first non-empty line of `body`):
/// `@all: IC -> Ricardo`, `@all: Comms -> Chris`, `@all: Ops database lead -> Noah`,
/// `@all: Incident Confirmed`, `@all: Incident Resolved`, `@all: Incident Re-opened`.
/// `None`: not a command (chat, an `@all:` line in no command's form). A line in a
/// command's form that cannot be carried out is [`RoomOrder::Invalid`] with the reason.
pub fn parse_command(body: &str) -> Option<RoomOrder> {
    let line = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = one_line(line);
    let rest = strip_prefix_ci(&line, "@all")?;
    let rest = rest.trim_start().strip_prefix(':')?.trim();
    if let Some((left, right)) = rest.split_once("->").or_else(|| rest.split_once('→')) {
        let role = parse_role(left.trim());
        // A one-word left side is a command attempt (a typo deserves an answer); several
        // words that name no role are chat ("@all: standup -> 10:30" is not a hand-off).
        if role.is_err() && left.split_whitespace().count() != 1 {
            return None;
        }
        let role = match role {
            Ok(r) => r,
            Err(reason) => return Some(RoomOrder::Invalid { reason }),
        };
        let to = right.trim().trim_end_matches(['.', '!']);
        return Some(match clean_name(to) {
            Ok(to) => RoomOrder::Handoff { role, to },
            Err(e) => RoomOrder::Invalid {
                reason: format!("after \"->\": {e}"),
            },
        });
    }
    if let Some(state) = strip_prefix_ci(rest, "incident ") {
        let word = state.trim().trim_end_matches(['.', '!']);
        let folded = word.to_lowercase().replace(['-', ' '], "");
        let to = match folded.as_str() {
            "reopened" => Ok(Severity::Investigating),
            _ => word.parse::<Severity>(),
        };
        return Some(match to {
            Ok(to) => RoomOrder::State { to },
            Err(_) => RoomOrder::Invalid {
                reason: format!(
                    "unknown state {word:?}: write Investigating, Confirmed, Major, Resolved or Re-opened"
                ),
            },
        });
    }
    None
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// A role as people write it: `IC`, `Incident Commander`, `Comms`, `Deputy`, `Scribe`,
/// `ops:database`, `Ops database lead`.
fn parse_role(s: &str) -> Result<Role, String> {
    let lower = s.trim().to_lowercase();
    if lower == "incident commander" {
        return Ok(Role::Ic);
    }
    if let Some(g) = lower
        .strip_prefix("ops ")
        .and_then(|g| g.strip_suffix(" lead"))
    {
        return format!("ops:{}", g.trim()).parse();
    }
    s.parse::<Role>()
}

/// The person a Matrix user maps to through `[[people]] matrix = ...` (exact, then
/// ignoring ASCII case).
pub fn person_for<'a>(people: &'a [KnownPerson], sender: &str) -> Option<&'a str> {
    let by = |f: &dyn Fn(&str) -> bool| {
        people
            .iter()
            .find(|p| p.matrix.as_deref().is_some_and(f))
            .map(|p| p.name.as_str())
    };
    by(&|m| m == sender).or_else(|| by(&|m| m.eq_ignore_ascii_case(sender)))
}

/// The journal payload a person's room message becomes, if it is a command this
/// incident has not recorded yet. `ev` must be a [`RoomItem::Text`] (anything else gives
/// `None`). Authorisation happens when the event is folded.
pub fn translate(ev: &RoomEvent<'_>, people: &[KnownPerson], inc: &Incident) -> Option<Payload> {
    let RoomItem::Text { body } = classify(ev) else {
        return None;
    };
    if inc.has_room_command(ev.event_id) {
        return None;
    }
    let order = parse_command(&body)?;
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(one_line)
        .unwrap_or_default();
    Some(Payload::RoomCommand(RoomCommand {
        cited: one_line(ev.event_id),
        sender: one_line(ev.sender),
        person: person_for(people, ev.sender).map(str::to_string),
        body: line,
        order,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::Event;
    use serde_json::json;

    #[test]
    fn doctrine_forms_parse() {
        let h = |role: Role, to: &str| {
            Some(RoomOrder::Handoff {
                role,
                to: to.into(),
            })
        };
        assert_eq!(parse_command("@all: IC -> Ricardo"), h(Role::Ic, "Ricardo"));
        assert_eq!(
            parse_command("  @ALL:comms->Chris.\nthanks"),
            h(Role::Comms, "Chris")
        );
        assert_eq!(
            parse_command("@all: Incident Commander → 渡辺 健"),
            h(Role::Ic, "渡辺 健")
        );
        assert_eq!(
            parse_command("@all: Ops Database lead -> Noah"),
            h(Role::OpsLead("database".into()), "Noah")
        );
        assert_eq!(
            parse_command("@all: Incident Confirmed"),
            Some(RoomOrder::State {
                to: Severity::Confirmed
            })
        );
        assert_eq!(
            parse_command("@all: Incident Re-opened"),
            Some(RoomOrder::State {
                to: Severity::Investigating
            })
        );
        assert!(matches!(
            parse_command("@all: Incident Sev1"),
            Some(RoomOrder::Invalid { .. })
        ));
        assert!(matches!(
            parse_command("@all: Commz -> Chris"),
            Some(RoomOrder::Invalid { .. })
        ));
        assert!(matches!(
            parse_command("@all: IC ->  "),
            Some(RoomOrder::Invalid { .. })
        ));
        // Chat, broadcasts in no command's form, quoted replies: not commands.
        assert_eq!(parse_command("IC -> Ricardo"), None);
        assert_eq!(parse_command("@all: deploy freeze until 18:00"), None);
        assert_eq!(parse_command("@all: standup moved -> 10:30"), None);
        assert_eq!(parse_command("> <@a:hs> @all: IC -> Ricardo\n\nok"), None);
        assert_eq!(parse_command("@allison: IC -> Ricardo"), None);
    }

    fn people() -> Vec<KnownPerson> {
        vec![KnownPerson {
            name: "Ricardo".into(),
            handle: None,
            team: None,
            contact: None,
            matrix: Some("@ricardo:example.org".into()),
        }]
    }

    fn incident() -> Incident {
        let e = Event::new(
            1,
            "2026-11-21T14:00:00Z".parse().unwrap(),
            "Ricardo",
            Payload::IncidentOpened {
                id: "INC-1".into(),
                title: "t".into(),
                ic: "Ricardo".into(),
            },
        );
        Incident::replay([&e]).unwrap()
    }

    #[test]
    fn notices_carrying_machine_events_are_never_commands() {
        let batch = Batch::new("INC-1", &[]).unwrap();
        let content = batch.notice_content("@all: IC -> Mallory");
        let ev = RoomEvent {
            event_id: "$n",
            sender: "@ricardo:example.org",
            kind: "m.room.message",
            content: &content,
            redacts: None,
        };
        assert_eq!(classify(&ev), RoomItem::Replicated(batch));
        assert_eq!(translate(&ev, &people(), &incident()), None);
        // A plain notice (a bot) and an edit are not commands either.
        let notice = json!({"msgtype": "m.notice", "body": "@all: IC -> Mallory"});
        let edit = json!({"msgtype": "m.text", "body": "* @all: IC -> Mallory",
            "m.relates_to": {"rel_type": "m.replace", "event_id": "$x"}});
        for c in [&notice, &edit] {
            let ev = RoomEvent { content: c, ..ev };
            assert_eq!(translate(&ev, &people(), &incident()), None);
        }
    }

    #[test]
    fn text_commands_translate_with_the_mapped_person() {
        let content = json!({"msgtype": "m.text", "body": "@all: IC -> Carol"});
        let ev = RoomEvent {
            event_id: "$c1",
            sender: "@Ricardo:example.org",
            kind: "m.room.message",
            content: &content,
            redacts: None,
        };
        let Some(Payload::RoomCommand(c)) = translate(&ev, &people(), &incident()) else {
            panic!("not translated")
        };
        assert_eq!(c.person.as_deref(), Some("Ricardo"));
        assert_eq!(c.cited, "$c1");
        assert_eq!(c.body, "@all: IC -> Carol");
        // Once recorded, it is not translated again.
        let mut inc = incident();
        inc.apply(&Event::new(
            2,
            "2026-11-21T14:01:00Z".parse().unwrap(),
            "x",
            Payload::RoomCommand(c),
        ));
        assert_eq!(inc.ic().unwrap().name, "Carol");
        assert_eq!(translate(&ev, &people(), &inc), None);
    }

    #[test]
    fn redactions_and_emptied_events_are_told_apart() {
        let empty = json!({});
        let ev = RoomEvent {
            event_id: "$r",
            sender: "@a:hs",
            kind: "m.room.redaction",
            content: &empty,
            redacts: Some("$gone"),
        };
        assert_eq!(
            classify(&ev),
            RoomItem::Redaction {
                redacts: "$gone".into()
            }
        );
        let gone = RoomEvent {
            kind: EVENT_TYPE,
            redacts: None,
            ..ev
        };
        assert_eq!(classify(&gone), RoomItem::Other);
    }

    #[test]
    fn user_ids_are_validated() {
        assert!(valid_user_id("@ricardo:example.org").is_ok());
        assert!(valid_user_id("ricardo").is_err());
        assert!(valid_user_id("@:example.org").is_err());
        assert!(valid_user_id("@a b:example.org").is_err());
    }
}
