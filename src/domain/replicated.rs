//! Rules for an incident run from several cockpits (issue 12). Pure: no IO, no clock.
//!
//! Events are folded in merge order (see `domain::merge`), so every replica holding
//! the same events reaches the same state. On top of that order:
//!
//! - **Compare-and-set.** A hand-off (direct or proposed) applies only if its `from` is the
//!   role's holder at that point; a state change only if its `from` is the state. When it
//!   is not, and the change it collides with came from *another* cockpit (another origin),
//!   the event stays in the journal and becomes a [`Conflict`], told in words on every
//!   cockpit. Events of one origin are written in order under the journal lock, each after
//!   reading all before it, so a disagreement within one origin is deliberate (a drill's
//!   set-up, a legacy journal) and applies as it always did.
//! - **Warm hand-offs.** An acknowledgement counts only while its proposal is pending; a
//!   withdrawal only while there is something to withdraw. Losing either race is a conflict.
//! - **Room commands.** A person's `@all: IC -> Ricardo` typed in the incident's room is
//!   translated by any cockpit into a [`RoomCommand`] citing the Matrix event id. The first
//!   translation per cited id (in merge order) counts; it is authorised against the state
//!   at that point (the sender must map to the IC or, for another role, its holder); a
//!   refused or malformed one is a rejected [`RoomOutcome`] with its reason.
//! - **Standing.** [`Incident::standing`] tells a cockpit's operator which roles they hold
//!   and which they lost (and to whom), so an outgoing IC's screen can say so plainly.
//! - **Numbered items.** Hypotheses and remediation items are numbered by each cockpit, so
//!   two cockpits can give out the same number; they are known by `(number, origin)` and
//!   references carry the origin: see `domain::numbered` for the design and why.

use crate::domain::event::{Event, Payload, Severity};
use crate::domain::followup::same_name;
use crate::domain::incident::Incident;
use crate::domain::role::Role;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a room command asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "order", rename_all = "snake_case")]
pub enum RoomOrder {
    /// `@all: IC -> Ricardo`
    Handoff { role: Role, to: String },
    /// `@all: Incident Confirmed`
    State { to: Severity },
    /// An `@all:` line in a command's form that cannot be carried out as written.
    Invalid { reason: String },
}

/// A command a person typed in the incident's room, as a cockpit translated it
/// (`Payload::RoomCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomCommand {
    /// The Matrix event id of the message: only the first translation per id counts.
    pub cited: String,
    /// The Matrix user who sent it, e.g. `@ricardo:example.org`.
    pub sender: String,
    /// The person the sender maps to (`[[people]] matrix = ...`) on the translating
    /// cockpit; `None` if unmapped.
    #[serde(default)]
    pub person: Option<String>,
    /// The line as typed (one line, control characters stripped).
    pub body: String,
    pub order: RoomOrder,
}

/// An event that lost a race with another cockpit's: kept in the journal, changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// When the losing event was made.
    pub at: Timestamp,
    /// Who made it.
    pub by: String,
    pub role: Option<Role>,
    /// e.g. `hand-off of IC to Ben`.
    pub what: String,
    /// e.g. `Ricardo taking IC`.
    pub lost_to: String,
    /// The whole sentence: `Dana's hand-off of IC to Ben conflicted with Ricardo taking IC
    /// 4 s earlier`.
    pub text: String,
}

/// What became of a room command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOutcome {
    pub cited: String,
    pub sender: String,
    pub person: Option<String>,
    pub body: String,
    /// When the cockpit that translated it first wrote it.
    pub at: Timestamp,
    pub accepted: bool,
    /// Why it was rejected.
    pub reason: Option<String>,
}

impl RoomOutcome {
    /// One line for the timeline and `sync status`.
    pub fn text(&self) -> String {
        let who = self.person.as_deref().unwrap_or(&self.sender);
        match (&self.reason, self.accepted) {
            (_, true) => format!("{who} in the room: {} (done)", self.body),
            (Some(r), false) => format!("Rejected room command from {who}: {}: {r}", self.body),
            (None, false) => format!("Rejected room command from {who}: {}", self.body),
        }
    }
}

/// A role someone held and no longer holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostRole {
    pub role: Role,
    /// The holder now, if any.
    pub to: Option<String>,
    pub at: Timestamp,
    /// Who made the change (a hand-off's author, the acknowledging person).
    pub by: String,
}

impl LostRole {
    /// e.g. `You are no longer IC: Ricardo has held it since 04:05 UTC (hand-off by Alice)`.
    pub fn text(&self) -> String {
        let when = self.at.strftime("%H:%M UTC");
        match &self.to {
            Some(to) if same_name(to, &self.by) => format!(
                "You are no longer {}: {to} has held it since {when}",
                self.role.title()
            ),
            Some(to) => format!(
                "You are no longer {}: {to} has held it since {when} (hand-off by {})",
                self.role.title(),
                self.by
            ),
            None => format!(
                "You are no longer {}: nobody has held it since {when}",
                self.role.title()
            ),
        }
    }
}

/// A cockpit operator's place in the incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Standing {
    /// Roles they hold now, IC first.
    pub holds: Vec<Role>,
    /// Roles they held and lost, latest loss per role, most recent first.
    pub lost: Vec<LostRole>,
    /// Hand-offs waiting for them to acknowledge.
    pub to_acknowledge: Vec<Role>,
    /// Their events that lost a race with another cockpit's, most recent first.
    pub conflicts: Vec<Conflict>,
}

/// The last change of something contested, for the conflict sentence.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Change {
    /// Origin of the event that made it (`None`: this data dir).
    pub origin: Option<String>,
    pub at: Timestamp,
    /// e.g. `Ricardo taking IC`, `Alice's change to confirmed`, `Ben acknowledging it`.
    pub phrase: String,
}

/// Contested state carried on the incident (derived: not in `show --json`; a journal
/// snapshot carries it, see [`crate::domain::incident::Unshown`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Contest {
    pub roles: BTreeMap<Role, Change>,
    pub state: Option<Change>,
    /// How the last proposal of a role stopped being pending.
    pub pending_end: BTreeMap<Role, Change>,
}

fn change(e: &Event, phrase: String) -> Change {
    Change {
        origin: e.rep.origin.clone(),
        at: e.ts,
        phrase,
    }
}

/// `4 s`, `2 min 5 s`, `1 h 3 min`.
pub fn span(d: SignedDuration) -> String {
    let s = d.as_secs().unsigned_abs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 if s.is_multiple_of(60) => format!("{} min", s / 60),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ if s % 3600 / 60 == 0 => format!("{} h", s / 3600),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

fn when(loser: Timestamp, winner: Timestamp) -> String {
    let d = loser.duration_since(winner);
    if d.as_secs().abs() < 1 {
        "at the same moment".to_string()
    } else if d.is_positive() {
        format!("{} earlier", span(d))
    } else {
        format!(
            "{} later by the clocks (it came first in the shared order)",
            span(d)
        )
    }
}

fn possessive(name: &str) -> String {
    format!("{name}'s")
}

impl Incident {
    fn conflict(&mut self, e: &Event, role: Option<&Role>, what: String, won: &Change) {
        let text = format!(
            "{} {what} conflicted with {} {}",
            possessive(&e.actor),
            won.phrase,
            when(e.ts, won.at)
        );
        self.conflicts.push(Conflict {
            at: e.ts,
            by: e.actor.clone(),
            role: role.cloned(),
            what,
            lost_to: won.phrase.clone(),
            text,
        });
    }

    /// `true` unless another origin than `e`'s set `role`'s current holder: then `e`, the
    /// `what` (a hand-off) of the role to `to`, lost to that change (a conflict).
    fn not_lost(&mut self, e: &Event, role: &Role, what: &str, to: &str) -> bool {
        let Some(won) = self
            .contest
            .roles
            .get(role)
            .filter(|c| c.origin != e.rep.origin)
            .cloned()
        else {
            return true;
        };
        let what = format!("{what} of {} to {to}", role.title());
        self.conflict(e, Some(role), what, &won);
        false
    }

    fn holder_is(&self, role: &Role, from: Option<&str>) -> bool {
        match (self.holder(role), from) {
            (Some(h), Some(f)) => same_name(&h.name, f),
            (None, None) => true,
            _ => false,
        }
    }

    /// Compare-and-set of a hand-off of `role`, direct or proposed (warm). `true` if it
    /// applies; otherwise a conflict may have been recorded.
    pub(crate) fn cas_handoff(
        &mut self,
        e: &Event,
        role: &Role,
        (from, to): (Option<&str>, &str),
        proposed: bool,
    ) -> bool {
        if self.holder_is(role, from) {
            return true;
        }
        if proposed {
            return self.not_lost(e, role, "proposed hand-off", to);
        }
        if self.holder(role).is_some_and(|h| same_name(&h.name, to)) {
            // Another cockpit already did the same: nothing to apply, nothing lost.
            return false;
        }
        self.not_lost(e, role, "hand-off", to)
    }

    /// Compare-and-set of a state change.
    pub(crate) fn cas_state(&mut self, e: &Event, from: Severity, to: Severity) -> bool {
        if self.state == from {
            return true;
        }
        match self.contest.state.clone() {
            // Another cockpit already declared the same state: nothing lost.
            Some(won) if won.origin != e.rep.origin && self.state == to => false,
            Some(won) if won.origin != e.rep.origin => {
                let what = format!("change to {to}");
                self.conflict(e, None, what, &won);
                false
            }
            _ => true,
        }
    }

    /// An acknowledgement (`what`: "acknowledgement") or a withdrawal that found no
    /// proposal pending for its author: a conflict if another cockpit ended or replaced the
    /// proposal.
    pub(crate) fn handoff_lost(&mut self, e: &Event, role: &Role, what: &str) {
        if let Some(won) = self
            .contest
            .pending_end
            .get(role)
            .filter(|c| c.origin != e.rep.origin)
            .cloned()
        {
            let what = format!("{what} of the {} hand-off", role.title());
            self.conflict(e, Some(role), what, &won);
        }
    }

    /// Notes that `role` changed hands (or fell vacant) through `e`.
    pub(crate) fn note_role_change(&mut self, e: &Event, role: &Role, phrase: String) {
        self.contest.roles.insert(role.clone(), change(e, phrase));
    }

    pub(crate) fn note_state_change(&mut self, e: &Event, by: &str, to: Severity) {
        self.contest.state = Some(change(e, format!("{} change to {to}", possessive(by))));
    }

    /// Notes how the pending proposal of `role` stopped being pending.
    pub(crate) fn note_pending_end(&mut self, e: &Event, role: &Role, phrase: String) {
        self.contest
            .pending_end
            .insert(role.clone(), change(e, phrase));
    }

    /// Folds a room command: the first translation per cited id counts.
    pub(crate) fn apply_room_command(&mut self, e: &Event, c: &RoomCommand) {
        if self.room_commands.iter().any(|o| o.cited == c.cited) {
            return;
        }
        let verdict = self.authorise(c);
        self.room_commands.push(RoomOutcome {
            cited: c.cited.clone(),
            sender: c.sender.clone(),
            person: c.person.clone(),
            body: c.body.clone(),
            at: e.ts,
            accepted: verdict.is_ok(),
            reason: verdict.as_ref().err().cloned(),
        });
        let Ok(payload) = verdict else {
            return;
        };
        let by = c.person.clone().unwrap_or_else(|| c.sender.clone());
        let as_person = Event {
            actor: by,
            payload,
            ..e.clone()
        };
        self.apply(&as_person);
    }

    /// What a room command does at this point of the merged order, or why it may not.
    fn authorise(&self, c: &RoomCommand) -> Result<Payload, String> {
        let who = match (&c.order, c.person.as_deref()) {
            (RoomOrder::Invalid { reason }, _) => return Err(reason.clone()),
            (_, None) => {
                return Err(format!(
                    "{} is not mapped to a person ([[people]] matrix = \"{}\")",
                    c.sender, c.sender
                ));
            }
            (_, Some(p)) => p,
        };
        if !self.is_open() && !matches!(c.order, RoomOrder::State { .. }) {
            return Err("the incident is resolved".into());
        }
        let ic = self.ic().map(|h| h.name.clone());
        let is_ic = ic.as_deref().is_some_and(|i| same_name(i, who));
        match &c.order {
            RoomOrder::Handoff { role, to } => {
                let holder = self.holder(role).map(|h| h.name.clone());
                let is_holder = holder.as_deref().is_some_and(|h| same_name(h, who));
                if !(is_ic || (*role != Role::Ic && is_holder)) {
                    let ic = ic.as_deref().unwrap_or("nobody");
                    return Err(match (role, holder.as_deref()) {
                        (Role::Ic, _) => format!("{who} is not the IC ({ic} is)"),
                        (r, Some(h)) => format!(
                            "{who} is neither the IC ({ic}) nor the {} holder ({h})",
                            r.title()
                        ),
                        (r, None) => {
                            format!(
                                "{who} is not the IC ({ic}), who alone assigns {}",
                                r.title()
                            )
                        }
                    });
                }
                let to = self
                    .person(to)
                    .map(|p| p.name.clone())
                    .unwrap_or(to.clone());
                if holder.as_deref().is_some_and(|h| same_name(h, &to)) {
                    return Err(format!("{to} already holds {}", role.title()));
                }
                Ok(Payload::RoleHandedOff {
                    role: role.clone(),
                    from: holder,
                    to,
                })
            }
            RoomOrder::State { to } => {
                if !is_ic {
                    let ic = ic.as_deref().unwrap_or("nobody");
                    return Err(format!("{who} is not the IC ({ic} is)"));
                }
                self.cmd_set_state(*to).map_err(|e| e.to_string())
            }
            RoomOrder::Invalid { reason } => Err(reason.clone()),
        }
    }

    /// Whether a room message was already translated (a cockpit need not translate it
    /// again; if it does, the later translation is ignored anyway).
    pub fn has_room_command(&self, cited: &str) -> bool {
        self.room_commands.iter().any(|o| o.cited == cited)
    }

    /// Rejected room commands, oldest first.
    pub fn rejected_room_commands(&self) -> impl Iterator<Item = &RoomOutcome> {
        self.room_commands.iter().filter(|o| !o.accepted)
    }

    /// `me`'s place in the incident: roles held, roles lost (to whom, when), hand-offs
    /// waiting for them and their events that lost a race.
    pub fn standing(&self, me: &str) -> Standing {
        let mut holds: Vec<Role> = self
            .roles
            .iter()
            .filter(|(_, h)| same_name(&h.name, me))
            .map(|(r, _)| r.clone())
            .collect();
        holds.sort_by_key(|r| (r.rank(), r.key()));
        let mut lost: Vec<LostRole> = Vec::new();
        for h in self.handoffs.iter().rev() {
            let was_mine = h.from.as_deref().is_some_and(|f| same_name(f, me));
            if !was_mine || holds.contains(&h.role) || lost.iter().any(|l| l.role == h.role) {
                continue;
            }
            lost.push(LostRole {
                role: h.role.clone(),
                to: self.holder(&h.role).map(|x| x.name.clone()),
                at: self.holder(&h.role).map_or(h.at, |x| x.since),
                by: h.by.clone(),
            });
        }
        let to_acknowledge = self
            .pending_handoffs_for(me)
            .into_iter()
            .map(|p| p.role.clone())
            .collect();
        let conflicts = self
            .conflicts
            .iter()
            .rev()
            .filter(|c| same_name(&c.by, me))
            .cloned()
            .collect();
        Standing {
            holds,
            lost,
            to_acknowledge,
            conflicts,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::Rep;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// Events from several origins, folded in the order given (the merge order).
    struct Log {
        inc: Incident,
        n: u64,
    }

    impl Log {
        fn new() -> Log {
            let e = Event::new(
                1,
                t("2026-11-21T14:00:00Z"),
                "Alice",
                Payload::opened("INC-1", "API", "Alice"),
            );
            Log {
                inc: Incident::replay([&e]).unwrap(),
                n: 1,
            }
        }

        fn push(&mut self, origin: Option<&str>, ts: &str, actor: &str, p: Payload) {
            self.n += 1;
            let mut e = Event::new(self.n, t(ts), actor, p);
            e.rep = Rep {
                origin: origin.map(str::to_string),
                oseq: Some(self.n),
                lc: Some(self.n),
                eid: None,
            };
            self.inc.apply(&e);
        }

        fn ic(&self) -> &str {
            self.inc.ic().map(|h| h.name.as_str()).unwrap_or("")
        }
    }

    fn handoff(role: Role, from: Option<&str>, to: &str) -> Payload {
        Payload::RoleHandedOff {
            role,
            from: from.map(str::to_string),
            to: to.into(),
        }
    }

    /// `from` proposes the IC role to `to`.
    fn proposed(from: &str, to: &str) -> Payload {
        Payload::HandoffProposed {
            role: Role::Ic,
            from: Some(from.into()),
            to: to.into(),
            brief: "b".into(),
        }
    }

    /// `by` acknowledges the IC hand-off.
    fn acknowledged(by: &str) -> Payload {
        Payload::HandoffAcknowledged {
            role: Role::Ic,
            by: by.into(),
        }
    }

    #[test]
    fn concurrent_handoffs_keep_the_first_and_say_so() {
        let mut l = Log::new();
        // Ricardo's laptop (b) and Dana's (c) both hand IC away from Alice.
        l.push(
            Some("bbbb"),
            "2026-11-21T15:00:00Z",
            "Ricardo",
            handoff(Role::Ic, Some("Alice"), "Ricardo"),
        );
        l.push(
            Some("cccc"),
            "2026-11-21T15:00:04Z",
            "Dana",
            handoff(Role::Ic, Some("Alice"), "Ben"),
        );
        assert_eq!(l.ic(), "Ricardo");
        assert_eq!(l.inc.handoffs.len(), 1);
        assert_eq!(
            l.inc
                .conflicts
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>(),
            vec!["Dana's hand-off of IC to Ben conflicted with Ricardo taking IC 4 s earlier"]
        );
        // Ben never went on duty through the lost hand-off.
        assert!(l.inc.person("Ben").is_none());
    }

    #[test]
    fn one_origin_disagreeing_with_itself_applies_as_before() {
        let mut l = Log::new();
        // A drill sets up roles with `from: None`; a legacy journal does the same.
        l.push(
            None,
            "2026-11-21T15:00:00Z",
            "drill",
            handoff(Role::Ic, None, "Rui"),
        );
        assert_eq!(l.ic(), "Rui");
        assert!(l.inc.conflicts.is_empty());
        l.push(
            None,
            "2026-11-21T15:01:00Z",
            "drill",
            Payload::StateChanged {
                from: Severity::Investigating,
                to: Severity::Major,
            },
        );
        l.push(
            None,
            "2026-11-21T15:02:00Z",
            "drill",
            Payload::StateChanged {
                from: Severity::Investigating,
                to: Severity::Confirmed,
            },
        );
        assert_eq!(l.inc.state, Severity::Confirmed);
        assert!(l.inc.conflicts.is_empty());
    }

    #[test]
    fn concurrent_state_changes_conflict() {
        let mut l = Log::new();
        let s = |from, to| Payload::StateChanged { from, to };
        l.push(
            Some("bbbb"),
            "2026-11-21T15:00:00Z",
            "Ricardo",
            s(Severity::Investigating, Severity::Confirmed),
        );
        l.push(
            Some("cccc"),
            "2026-11-21T15:00:03Z",
            "Dana",
            s(Severity::Investigating, Severity::Major),
        );
        assert_eq!(l.inc.state, Severity::Confirmed);
        assert_eq!(
            l.inc.conflicts[0].text,
            "Dana's change to major conflicted with Ricardo's change to confirmed 3 s earlier"
        );
    }

    #[test]
    fn warm_handoff_acknowledged_on_another_machine_then_raced() {
        let mut l = Log::new();
        l.push(
            None,
            "2026-11-21T15:00:00Z",
            "Alice",
            proposed("Alice", "Ricardo"),
        );
        assert_eq!(l.ic(), "Alice");
        // Alice withdraws on her laptop while Ricardo acknowledges on his.
        l.push(
            Some("bbbb"),
            "2026-11-21T15:05:00Z",
            "Ricardo",
            acknowledged("Ricardo"),
        );
        l.push(
            None,
            "2026-11-21T15:05:02Z",
            "Alice",
            Payload::HandoffCancelled {
                role: Role::Ic,
                reason: None,
            },
        );
        assert_eq!(l.ic(), "Ricardo");
        assert_eq!(
            l.inc.conflicts[0].text,
            "Alice's withdrawal of the IC hand-off conflicted with Ricardo acknowledging it 2 s earlier"
        );
        let st = l.inc.standing("alice");
        assert!(st.holds.is_empty());
        assert_eq!(st.lost.len(), 1);
        assert_eq!(
            st.lost[0].text(),
            "You are no longer IC: Ricardo has held it since 15:05 UTC"
        );
        assert_eq!(st.conflicts.len(), 1);
        assert_eq!(l.inc.standing("Ricardo").holds, vec![Role::Ic]);
    }

    #[test]
    fn ack_after_withdrawal_on_another_machine_is_a_conflict() {
        let mut l = Log::new();
        l.push(
            None,
            "2026-11-21T15:00:00Z",
            "Alice",
            proposed("Alice", "Ricardo"),
        );
        l.push(
            None,
            "2026-11-21T15:04:00Z",
            "Alice",
            Payload::HandoffCancelled {
                role: Role::Ic,
                reason: Some("not yet".into()),
            },
        );
        l.push(
            Some("bbbb"),
            "2026-11-21T15:04:30Z",
            "Ricardo",
            acknowledged("Ricardo"),
        );
        assert_eq!(l.ic(), "Alice");
        assert_eq!(
            l.inc.conflicts[0].text,
            "Ricardo's acknowledgement of the IC hand-off conflicted with Alice withdrawing it 30 s earlier"
        );
    }

    fn room(
        cited: &str,
        sender: &str,
        person: Option<&str>,
        body: &str,
        order: RoomOrder,
    ) -> Payload {
        Payload::RoomCommand(RoomCommand {
            cited: cited.into(),
            sender: sender.into(),
            person: person.map(str::to_string),
            body: body.into(),
            order,
        })
    }

    #[test]
    fn room_commands_are_authorised_once() {
        let mut l = Log::new();
        let to = |n: &str| RoomOrder::Handoff {
            role: Role::Ic,
            to: n.into(),
        };
        l.push(
            Some("bbbb"),
            "2026-11-21T15:00:00Z",
            "Bob",
            room(
                "$m1",
                "@mallory:hs",
                None,
                "@all: IC -> Mallory",
                to("Mallory"),
            ),
        );
        assert_eq!(l.ic(), "Alice");
        l.push(
            Some("bbbb"),
            "2026-11-21T15:00:01Z",
            "Bob",
            room(
                "$m2",
                "@dana:hs",
                Some("Dana"),
                "@all: IC -> Dana",
                to("Dana"),
            ),
        );
        assert_eq!(l.ic(), "Alice");
        l.push(
            None,
            "2026-11-21T15:01:00Z",
            "Alice",
            room(
                "$m3",
                "@alice:hs",
                Some("Alice"),
                "@all: IC -> Carol",
                to("Carol"),
            ),
        );
        // The same message translated again by another cockpit counts once.
        l.push(
            Some("cccc"),
            "2026-11-21T15:01:01Z",
            "Dana",
            room(
                "$m3",
                "@alice:hs",
                Some("Alice"),
                "@all: IC -> Carol",
                to("Carol"),
            ),
        );
        assert_eq!(l.ic(), "Carol");
        assert_eq!(l.inc.handoffs.len(), 1);
        assert_eq!(l.inc.handoffs[0].by, "Alice");
        let texts: Vec<String> = l.inc.room_commands.iter().map(RoomOutcome::text).collect();
        assert_eq!(
            texts,
            vec![
                "Rejected room command from @mallory:hs: @all: IC -> Mallory: @mallory:hs is not mapped to a person ([[people]] matrix = \"@mallory:hs\")",
                "Rejected room command from Dana: @all: IC -> Dana: Dana is not the IC (Alice is)",
                "Alice in the room: @all: IC -> Carol (done)",
            ]
        );
        // Carol (now IC) confirms the incident; Comms is hers to give; its holder may pass it on.
        l.push(
            Some("cccc"),
            "2026-11-21T15:02:00Z",
            "Dana",
            room(
                "$m4",
                "@carol:hs",
                Some("Carol"),
                "@all: Incident Confirmed",
                RoomOrder::State {
                    to: Severity::Confirmed,
                },
            ),
        );
        assert_eq!(l.inc.state, Severity::Confirmed);
        let comms = |n: &str| RoomOrder::Handoff {
            role: Role::Comms,
            to: n.into(),
        };
        l.push(
            Some("cccc"),
            "2026-11-21T15:03:00Z",
            "Dana",
            room(
                "$m5",
                "@carol:hs",
                Some("Carol"),
                "@all: Comms -> Chris",
                comms("Chris"),
            ),
        );
        l.push(
            Some("cccc"),
            "2026-11-21T15:04:00Z",
            "Dana",
            room(
                "$m6",
                "@chris:hs",
                Some("Chris"),
                "@all: Comms -> Keiko",
                comms("Keiko"),
            ),
        );
        assert_eq!(
            l.inc.holder(&Role::Comms).map(|h| h.name.as_str()),
            Some("Keiko")
        );
        l.push(
            Some("cccc"),
            "2026-11-21T15:05:00Z",
            "Dana",
            room(
                "$m7",
                "@chris:hs",
                Some("Chris"),
                "@all: Comms -> Chris",
                comms("Chris"),
            ),
        );
        assert_eq!(
            l.inc
                .rejected_room_commands()
                .last()
                .and_then(|o| o.reason.clone())
                .as_deref(),
            Some("Chris is neither the IC (Carol) nor the Comms holder (Keiko)")
        );
    }

    #[test]
    fn the_same_change_twice_is_no_conflict() {
        let mut l = Log::new();
        for o in ["bbbb", "cccc"] {
            l.push(
                Some(o),
                "2026-11-21T15:00:00Z",
                "x",
                handoff(Role::Ic, Some("Alice"), "Ricardo"),
            );
            l.push(
                Some(o),
                "2026-11-21T15:00:01Z",
                "x",
                Payload::StateChanged {
                    from: Severity::Investigating,
                    to: Severity::Major,
                },
            );
        }
        assert_eq!(l.ic(), "Ricardo");
        assert_eq!((l.inc.handoffs.len(), l.inc.state_changes.len()), (1, 1));
        assert!(l.inc.conflicts.is_empty(), "{:?}", l.inc.conflicts);
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(SignedDuration::from_secs(4)), "4 s");
        assert_eq!(span(SignedDuration::from_secs(125)), "2 min 5 s");
        assert_eq!(span(SignedDuration::from_secs(120)), "2 min");
        assert_eq!(span(SignedDuration::from_secs(3780)), "1 h 3 min");
        assert_eq!(span(SignedDuration::from_secs(-7200)), "2 h");
    }
}
