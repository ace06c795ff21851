//! Warm hand-offs: the brief the incoming person reads, and the optional
//! propose / acknowledge flow in which the role changes hands only when the
//! incoming person acknowledges (doctrine section 4).

use super::{hours, invalid, same_name, utc};
use crate::domain::event::Payload;
use crate::domain::incident::{DomainError, Incident};
use crate::domain::role::Role;
use crate::domain::text::{clean_name, one_line, strip_control};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A proposed hand-off waiting for acknowledgement. The outgoing holder
/// keeps the role until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingHandoff {
    pub role: Role,
    pub from: Option<String>,
    pub to: String,
    pub brief: String,
    pub at: Timestamp,
    pub by: String,
}

const MAX_BRIEF_CHARS: usize = 20_000;

fn ago(then: Timestamp, now: Timestamp) -> String {
    let d = now.duration_since(then);
    if d < SignedDuration::ZERO {
        format!("in {}", hours(-d))
    } else {
        format!("{} ago", hours(d))
    }
}

/// The hand-off brief, plain text, from the incident as it stands at `now`:
/// state and elapsed time, impact, hypotheses, the last sitrep and public
/// update, what customers were promised, pending or failed deliveries
/// (`pending_deliveries`, one line each, from the delivery outbox), the
/// checklist rows still open (`checklist_open_rows`, from the cockpit), and
/// the roster.
pub fn handoff_brief(
    inc: &Incident,
    checklist_open_rows: &[String],
    pending_deliveries: &[String],
    now: Timestamp,
) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "Hand-off brief: {} \"{}\"", inc.id, inc.title);
    let _ = writeln!(b, "As of {}.", utc(now));
    let _ = writeln!(b);
    brief_state(&mut b, inc, now);
    brief_hypotheses(&mut b, inc);
    let _ = writeln!(b);
    brief_last_sent(&mut b, inc, now);
    let _ = writeln!(b);
    list(&mut b, "Pending or failed deliveries", pending_deliveries);
    list(&mut b, "Open checklist rows", checklist_open_rows);
    let _ = writeln!(b);
    brief_roster(&mut b, inc, now);
    b
}

/// State, elapsed time and impact.
fn brief_state(b: &mut String, inc: &Incident, now: Timestamp) {
    let state_since = inc.state_changes.last().map_or(inc.opened_at, |c| c.at);
    let _ = writeln!(
        b,
        "State: {} since {} ({}); opened {} ({}).",
        inc.state,
        utc(state_since),
        hours(now.duration_since(state_since)),
        utc(inc.opened_at),
        ago(inc.opened_at, now),
    );
    match inc.impact.updated_at {
        Some(at) => {
            let _ = writeln!(
                b,
                "Impact (updated {}, {}): {}",
                utc(at),
                ago(at, now),
                one_line(&inc.impact.text)
            );
        }
        None => {
            let _ = writeln!(b, "Impact: not yet described.");
        }
    }
}

/// Open hypotheses, then those ruled out (and why).
fn brief_hypotheses(b: &mut String, inc: &Incident) {
    let (open, out): (Vec<_>, Vec<_>) = inc.hypotheses.iter().partition(|h| h.ruled_out.is_none());
    if open.is_empty() {
        let _ = writeln!(b, "Open hypotheses: none.");
    } else {
        let _ = writeln!(b, "Open hypotheses:");
        for h in open {
            let _ = writeln!(
                b,
                "  #{} {} (since {})",
                h.label(),
                one_line(&h.text),
                utc(h.added_at)
            );
        }
    }
    if !out.is_empty() {
        let _ = writeln!(b, "Ruled out:");
        for h in out {
            let why = h
                .ruled_out
                .as_ref()
                .and_then(|(_, r)| r.as_deref())
                .map(|r| format!(": {}", one_line(r)))
                .unwrap_or_default();
            let _ = writeln!(b, "  #{} {}{}", h.label(), one_line(&h.text), why);
        }
    }
}

/// The last sitrep and public update, and what customers were promised.
fn brief_last_sent(b: &mut String, inc: &Incident, now: Timestamp) {
    match inc.last_sitrep() {
        Some(s) => {
            let _ = writeln!(
                b,
                "Last sitrep: v{} at {} ({}) by {}: {}",
                s.version,
                utc(s.at),
                ago(s.at, now),
                s.by,
                one_line(&s.fields.summary)
            );
        }
        None => {
            let _ = writeln!(b, "Last sitrep: none sent yet.");
        }
    }
    let Some(s) = inc.last_status() else {
        let _ = writeln!(b, "Last public update: none posted yet; nothing promised.");
        return;
    };
    let _ = writeln!(
        b,
        "Last public update: {} ({}) by {}, {}: {}",
        utc(s.at),
        ago(s.at, now),
        s.by,
        if s.fields.stage.is_empty() {
            "no stage"
        } else {
            &s.fields.stage
        },
        one_line(&s.fields.message)
    );
    let promise = match s.fields.next_update_at {
        Some(t) if t >= now => format!(
            "next update by {} (in {})",
            utc(t),
            hours(t.duration_since(now))
        ),
        Some(t) => format!(
            "next update by {}: OVERDUE by {}",
            utc(t),
            hours(now.duration_since(t))
        ),
        None => "no time for the next update was given".to_string(),
    };
    let _ = writeln!(b, "Promised to customers (at {}): {promise}.", utc(s.at));
    if !s.fields.workaround.trim().is_empty() {
        let _ = writeln!(b, "Workaround given: {}", one_line(&s.fields.workaround));
    }
}

/// Who holds which role, the other responders on duty, pending hand-offs.
fn brief_roster(b: &mut String, inc: &Incident, now: Timestamp) {
    let _ = writeln!(b, "Roster:");
    let mut roles: Vec<_> = inc.roles.iter().collect();
    roles.sort_by_key(|(r, _)| (r.rank(), r.key()));
    for (role, h) in &roles {
        let on = inc
            .person(&h.name)
            .and_then(|p| p.on_duty_since())
            .map(|t| format!(", on duty {}", hours(now.duration_since(t))))
            .unwrap_or_default();
        let _ = writeln!(
            b,
            "  {} {} (since {}{on})",
            role.title(),
            h.name,
            utc(h.since)
        );
    }
    let others: Vec<String> = inc
        .on_duty()
        .filter(|p| !roles.iter().any(|(_, h)| h.name == p.name))
        .map(|p| {
            let mut s = p.name.clone();
            let mut tags = Vec::new();
            if let Some(g) = inc.group_of(&p.name) {
                tags.push(g.to_string());
            }
            if p.on_break() {
                tags.push("on break".to_string());
            }
            if !tags.is_empty() {
                let _ = write!(s, " ({})", tags.join(", "));
            }
            s
        })
        .collect();
    if !others.is_empty() {
        let _ = writeln!(b, "  Responders: {}", others.join(", "));
    }
    for p in inc.followup.pending_handoffs.values() {
        let _ = writeln!(
            b,
            "  Pending hand-off: {} -> {} (proposed {} by {}, not yet acknowledged)",
            p.role.title(),
            p.to,
            utc(p.at),
            p.by
        );
    }
}

fn list(b: &mut String, title: &str, rows: &[String]) {
    if rows.is_empty() {
        let _ = writeln!(b, "{title}: none.");
        return;
    }
    let _ = writeln!(b, "{title}:");
    for r in rows {
        let _ = writeln!(b, "  - {}", one_line(r));
    }
}

impl Incident {
    /// Hand-offs waiting for `name` to acknowledge.
    pub fn pending_handoffs_for(&self, name: &str) -> Vec<&PendingHandoff> {
        self.followup
            .pending_handoffs
            .values()
            .filter(|p| same_name(&p.to, name))
            .collect()
    }

    /// Proposes handing `role` to `to`, who must acknowledge before the role
    /// moves. `brief` is usually [`handoff_brief`]. Proposing again replaces
    /// a pending proposal for the same role.
    pub fn cmd_propose_handoff(
        &self,
        role: &Role,
        to: &str,
        brief: &str,
    ) -> Result<Payload, DomainError> {
        if !self.is_open() {
            return Err(DomainError::Resolved);
        }
        let to = clean_name(to).map_err(|r| invalid("person", r))?;
        let to = self.person(&to).map(|p| p.name.clone()).unwrap_or(to);
        let from = self.holder(role).map(|h| h.name.clone());
        if from.as_deref().is_some_and(|f| same_name(f, &to)) {
            return Err(DomainError::AlreadyHolds(to, role.title()));
        }
        if let Some(p) = self.followup.pending_handoffs.get(role)
            && same_name(&p.to, &to)
        {
            return Err(invalid(
                "handoff",
                format!(
                    "a hand-off of {} to {} is already waiting for acknowledgement",
                    role.title(),
                    p.to
                ),
            ));
        }
        let brief = strip_control(brief);
        if brief.chars().count() > MAX_BRIEF_CHARS {
            return Err(invalid(
                "brief",
                format!("too long (at most {MAX_BRIEF_CHARS} characters)"),
            ));
        }
        Ok(Payload::HandoffProposed {
            role: role.clone(),
            from,
            to,
            brief,
        })
    }

    /// `by` acknowledges a hand-off proposed to them. Without `role`, the
    /// only hand-off waiting for `by` is meant.
    pub fn cmd_ack_handoff(&self, role: Option<&Role>, by: &str) -> Result<Payload, DomainError> {
        if !self.is_open() {
            return Err(DomainError::Resolved);
        }
        let waiting = self.pending_handoffs_for(by);
        let chosen: Vec<&PendingHandoff> = match role {
            Some(r) => waiting.into_iter().filter(|p| &p.role == r).collect(),
            None => waiting,
        };
        match chosen.as_slice() {
            [p] => Ok(Payload::HandoffAcknowledged {
                role: p.role.clone(),
                by: p.to.clone(),
            }),
            [] => {
                let what = role
                    .map(|r| format!(" of {}", r.title()))
                    .unwrap_or_default();
                let others: Vec<String> = self
                    .followup
                    .pending_handoffs
                    .values()
                    .map(|p| format!("{} -> {}", p.role.title(), p.to))
                    .collect();
                let hint = if others.is_empty() {
                    String::new()
                } else {
                    format!(" (waiting: {})", others.join(", "))
                };
                Err(invalid(
                    "handoff",
                    format!("no hand-off{what} is waiting for {}{hint}", by.trim()),
                ))
            }
            many => Err(invalid(
                "handoff",
                format!(
                    "several hand-offs are waiting for {}: name the role ({})",
                    by.trim(),
                    many.iter()
                        .map(|p| p.role.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Withdraws the pending hand-off of `role`.
    pub fn cmd_cancel_handoff(
        &self,
        role: &Role,
        reason: Option<&str>,
    ) -> Result<Payload, DomainError> {
        if !self.followup.pending_handoffs.contains_key(role) {
            return Err(invalid(
                "handoff",
                format!("no hand-off of {} is pending", role.title()),
            ));
        }
        Ok(Payload::HandoffCancelled {
            role: role.clone(),
            reason: reason.map(one_line).filter(|r| !r.is_empty()),
        })
    }
}

/// The body an announcement carries, computed before `payload` is applied:
/// an acknowledged hand-off sends the brief it was proposed with; anything
/// else has none (the `@all:` line says it all).
pub fn announcement_body(inc: &Incident, payload: &Payload) -> String {
    match payload {
        Payload::HandoffAcknowledged { role, .. } => inc
            .followup
            .pending_handoffs
            .get(role)
            .map(|p| p.brief.clone())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{Event, SitrepFields, StatusFields};
    use crate::domain::incident::announcement;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or_default()
    }

    struct Log {
        inc: Incident,
        seq: u64,
    }

    impl Log {
        fn new(ts: &str) -> Log {
            let e = Event {
                v: 1,
                seq: 1,
                ts: t(ts),
                actor: "Alice".into(),
                payload: Payload::opened("INC-7", "Checkout errors", "Alice"),
                rep: Default::default(),
            };
            let inc = Incident::replay([&e]).unwrap_or_else(|e| panic!("{e}"));
            Log { inc, seq: 1 }
        }
        fn push(&mut self, ts: &str, actor: &str, p: Result<Payload, DomainError>) {
            let p = p.unwrap_or_else(|e| panic!("{e}"));
            self.seq += 1;
            self.inc.apply(&Event {
                v: 1,
                seq: self.seq,
                ts: t(ts),
                actor: actor.into(),
                payload: p,
                rep: Default::default(),
            });
        }
    }

    #[test]
    fn role_moves_only_on_acknowledge() {
        let mut l = Log::new("2026-11-21T20:00:00Z");
        let p = l.inc.cmd_propose_handoff(&Role::Ic, "Ricardo", "brief");
        l.push("2026-11-22T04:00:00Z", "Alice", p);
        assert_eq!(l.inc.ic().map(|h| h.name.as_str()), Some("Alice"));
        assert_eq!(l.inc.pending_handoffs_for("ricardo").len(), 1);
        // Proposing the same again is refused; the wrong person cannot ack.
        assert!(
            l.inc
                .cmd_propose_handoff(&Role::Ic, "ricardo", "b")
                .is_err()
        );
        let err = l
            .inc
            .cmd_ack_handoff(None, "Chris")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid handoff: no hand-off is waiting for Chris (waiting: IC -> Ricardo)")
        );
        let ack = l.inc.cmd_ack_handoff(None, "ricardo");
        assert_eq!(
            ack.as_ref().ok().and_then(announcement).as_deref(),
            Some("@all: IC -> Ricardo")
        );
        l.push("2026-11-22T04:05:00Z", "Ricardo", ack);
        let ic = l.inc.ic();
        assert_eq!(
            ic.map(|h| (h.name.as_str(), h.since)),
            Some(("Ricardo", t("2026-11-22T04:05:00Z")))
        );
        assert!(l.inc.followup.pending_handoffs.is_empty());
        assert_eq!(
            l.inc.handoffs.last().map(|h| h.from.as_deref()),
            Some(Some("Alice"))
        );
        assert!(l.inc.person("Ricardo").is_some_and(|p| p.on_duty()));
    }

    #[test]
    fn cancel_and_direct_handoff_clear_the_pending_one() {
        let mut l = Log::new("2026-11-21T20:00:00Z");
        let p = l.inc.cmd_propose_handoff(&Role::Comms, "Chris", "");
        l.push("2026-11-21T21:00:00Z", "Alice", p);
        let c = l
            .inc
            .cmd_cancel_handoff(&Role::Comms, Some("Chris is asleep"));
        l.push("2026-11-21T21:01:00Z", "Alice", c);
        assert!(l.inc.followup.pending_handoffs.is_empty());
        assert!(l.inc.cmd_cancel_handoff(&Role::Comms, None).is_err());

        let p = l.inc.cmd_propose_handoff(&Role::Comms, "Chris", "");
        l.push("2026-11-21T21:02:00Z", "Alice", p);
        let d = l.inc.cmd_handoff(&Role::Comms, "Keiko");
        l.push("2026-11-21T21:03:00Z", "Alice", d);
        assert!(l.inc.followup.pending_handoffs.is_empty());
        assert!(l.inc.cmd_ack_handoff(Some(&Role::Comms), "Chris").is_err());
    }

    #[test]
    fn brief_covers_the_incoming_persons_questions() {
        let mut l = Log::new("2026-11-21T22:30:00Z");
        let now = "2026-11-22T04:00:00Z";
        let s = l.inc.cmd_set_state(crate::domain::Severity::Major);
        l.push("2026-11-21T23:00:00Z", "Alice", s);
        let i = l.inc.cmd_impact("EU checkouts fail | 30%");
        l.push("2026-11-22T01:00:00Z", "Alice", i);
        let h = l.inc.cmd_hypothesis("DNS");
        l.push("2026-11-22T01:00:00Z", "Alice", h);
        let h = l.inc.cmd_hypothesis("Pool exhaustion");
        l.push("2026-11-22T01:05:00Z", "Alice", h);
        let r = l.inc.cmd_rule_out("1", Some("resolvers fine"));
        l.push("2026-11-22T01:10:00Z", "Alice", r);
        let j = l.inc.cmd_join("Dana", Some("db"), None, None, None);
        l.push("2026-11-22T01:20:00Z", "Alice", j);
        l.push(
            "2026-11-22T03:30:00Z",
            "Alice",
            Ok(Payload::SitrepSent {
                version: 4,
                fields: SitrepFields {
                    summary: "Checkout failing in EU".into(),
                    ..Default::default()
                },
                rendered: String::new(),
                ic: None,
                comms: None,
                responders: vec![],
                groups: vec![],
            }),
        );
        l.push(
            "2026-11-22T03:40:00Z",
            "Chris",
            Ok(Payload::StatusPosted {
                fields: StatusFields {
                    stage: "identified".into(),
                    message: "We found the cause.".into(),
                    workaround: "Pay with PayPal".into(),
                    components: vec![],
                    next_update_at: Some(t("2026-11-22T03:55:00Z")),
                },
                rendered: String::new(),
            }),
        );
        let p = l.inc.cmd_propose_handoff(&Role::Ic, "Ricardo", "");
        l.push("2026-11-22T03:59:00Z", "Alice", p);
        let brief = handoff_brief(
            &l.inc,
            &["Time for a sitrep? due in 5m".to_string()],
            &["slack: 502, retrying".to_string()],
            t(now),
        );
        let expected = "\
Hand-off brief: INC-7 \"Checkout errors\"
As of 2026-11-22 04:00 UTC.

State: major since 2026-11-21 23:00 UTC (5h); opened 2026-11-21 22:30 UTC (5h30m ago).
Impact (updated 2026-11-22 01:00 UTC, 3h ago): EU checkouts fail | 30%
Open hypotheses:
  #2 Pool exhaustion (since 2026-11-22 01:05 UTC)
Ruled out:
  #1 DNS: resolvers fine

Last sitrep: v4 at 2026-11-22 03:30 UTC (30m ago) by Alice: Checkout failing in EU
Last public update: 2026-11-22 03:40 UTC (20m ago) by Chris, identified: We found the cause.
Promised to customers (at 2026-11-22 03:40 UTC): next update by 2026-11-22 03:55 UTC: OVERDUE by 5m.
Workaround given: Pay with PayPal

Pending or failed deliveries:
  - slack: 502, retrying
Open checklist rows:
  - Time for a sitrep? due in 5m

Roster:
  IC Alice (since 2026-11-21 22:30 UTC, on duty 5h30m)
  Responders: Dana (db)
  Pending hand-off: IC -> Ricardo (proposed 2026-11-22 03:59 UTC by Alice, not yet acknowledged)
";
        assert_eq!(brief, expected);
    }
}
