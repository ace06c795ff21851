//! People's commands typed in the incident's room.
//!
//! [`translate`] turns a person's `@all: IC -> Ricardo` (the doctrine's forms, `m.text`)
//! into a `Payload::RoomCommand` citing the Matrix event id; whether it is authorised is
//! decided when it is folded, in merge order, identically on every cockpit
//! (`domain::replicated`). What a room event is (machine events, a person's text, a
//! redaction) is `envelope::classify`'s business: a commandpost notice carries machine
//! events and is never a command.

use crate::domain::event::{Payload, Severity};
use crate::domain::incident::Incident;
use crate::domain::policy::KnownPerson;
use crate::domain::replicated::{RoomCommand, RoomOrder};
use crate::domain::role::Role;
use crate::domain::text::{clean_name, one_line};

/// A person's text message in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomText<'a> {
    /// `$...` event id: the command's identity (every cockpit may translate it).
    pub event_id: &'a str,
    /// `@user:server`.
    pub sender: &'a str,
    /// `m.text` (people); `m.notice` is what bots and commandpost's own Matrix backend
    /// post, never a command; `m.emote` neither.
    pub msgtype: &'a str,
    pub body: &'a str,
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
/// incident has not recorded yet: an `m.text` whose first line is in a command's form
/// (not an edit, whose fallback body starts with `* `). Authorisation happens when the
/// event is folded.
pub fn translate(msg: &RoomText<'_>, people: &[KnownPerson], inc: &Incident) -> Option<Payload> {
    if msg.msgtype != "m.text" || msg.body.trim_start().starts_with("* ") {
        return None;
    }
    if inc.has_room_command(msg.event_id) {
        return None;
    }
    let order = parse_command(msg.body)?;
    let line = msg
        .body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(one_line)
        .unwrap_or_default();
    Some(Payload::RoomCommand(RoomCommand {
        cited: one_line(msg.event_id),
        sender: one_line(msg.sender),
        person: person_for(people, msg.sender).map(str::to_string),
        body: line,
        order,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::Event;

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
            matrix: Some("@ricardo:example.org".into()),
            ..KnownPerson::named("Ricardo")
        }]
    }

    fn incident() -> Incident {
        let e = Event::new(
            1,
            "2026-11-21T14:00:00Z".parse().unwrap(),
            "Ricardo",
            Payload::opened("INC-1", "t", "Ricardo"),
        );
        Incident::replay([&e]).unwrap()
    }

    #[test]
    fn only_peoples_text_is_a_command() {
        let msg = RoomText {
            event_id: "$n",
            sender: "@ricardo:example.org",
            msgtype: "m.notice",
            body: "@all: IC -> Mallory",
        };
        assert_eq!(translate(&msg, &people(), &incident()), None);
        for (msgtype, body) in [
            ("m.emote", "@all: IC -> Mallory"),
            ("m.text", "* @all: IC -> Mallory"),
        ] {
            let m = RoomText {
                msgtype,
                body,
                ..msg
            };
            assert_eq!(translate(&m, &people(), &incident()), None);
        }
    }

    #[test]
    fn text_commands_translate_with_the_mapped_person() {
        let msg = RoomText {
            event_id: "$c1",
            sender: "@Ricardo:example.org",
            msgtype: "m.text",
            body: "@all: IC -> Carol",
        };
        let Some(Payload::RoomCommand(c)) = translate(&msg, &people(), &incident()) else {
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
        assert_eq!(translate(&msg, &people(), &inc), None);
    }
}
