//! Rotation and fatigue (doctrine section 3): who holds a role, when their
//! shift limit comes, and who should take over, chosen from people who are
//! off duty and rested.

use super::{hours, minus, plus, same_name, utc_hm};
use crate::domain::incident::{Incident, Person};
use crate::domain::policy::{KnownPerson, Shifts};
use crate::domain::role::Role;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// Nobody is proposed who already worked this much of the last 24 hours.
pub const MAX_WORK_IN_24H: SignedDuration = SignedDuration::from_hours(12);
const DAY: SignedDuration = SignedDuration::from_hours(24);

/// Time `person` spent on duty in this incident between `from` and `to`,
/// breaks excluded. An open shift (or break) runs until `to`.
pub fn work_between(person: &Person, from: Timestamp, to: Timestamp) -> SignedDuration {
    let overlap = |a: Timestamp, b: Timestamp| {
        let (s, e) = (a.max(from), b.min(to));
        if e > s {
            e.duration_since(s)
        } else {
            SignedDuration::ZERO
        }
    };
    let mut total = SignedDuration::ZERO;
    for shift in &person.shifts {
        let end = shift.end.unwrap_or(to);
        total += overlap(shift.start, end);
        for b in &shift.breaks {
            total -= overlap(b.start, b.end.unwrap_or(end).min(end));
        }
    }
    total.max(SignedDuration::ZERO)
}

/// Time on duty (breaks excluded) in the 24 hours before `now`.
pub fn work_last_24h(person: &Person, now: Timestamp) -> SignedDuration {
    work_between(person, minus(now, DAY), now)
}

/// How long `person` has been off duty, `None` while on duty.
pub fn off_duty_for(person: &Person, now: Timestamp) -> Option<SignedDuration> {
    person
        .off_duty_since()
        .map(|t| now.duration_since(t).max(SignedDuration::ZERO))
}

/// What to know before handing a role to `name`: they are on a break, or near or past the
/// end of their shift (doctrine: a tired person taking over is what rotation is there to
/// prevent). Nothing for someone not on the roster.
pub fn tiredness(inc: &Incident, name: &str, shifts: &Shifts, now: Timestamp) -> Vec<String> {
    use crate::domain::duration::short;
    let Some(p) = inc.person(name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if p.on_break() {
        out.push(format!("{} is on a break.", p.name));
    }
    if let Some(since) = p.on_duty_since() {
        let on = now.duration_since(since);
        let length = hours(shifts.length);
        if on >= shifts.length {
            out.push(format!(
                "{} has been on duty {}, past the {length} shift.",
                p.name,
                short(on)
            ));
        } else if on >= shifts.warn_at {
            out.push(format!(
                "{} has been on duty {}; the {length} shift ends in {}.",
                p.name,
                short(on),
                short(shifts.length - on)
            ));
        }
    }
    out
}

/// How the holder stands against the shift limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Nobody holds the role.
    Vacant,
    Fine,
    /// On duty for at least `shifts.warn_at`: the hand-off should be arranged.
    DueSoon,
    /// Past `shifts.length`.
    Overdue,
}

/// One person considered for the next shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub name: String,
    pub eligible: bool,
    /// Has been on this incident's roster (has context).
    pub on_roster: bool,
    /// `None` when on duty or never on this incident.
    pub off_duty_for: Option<SignedDuration>,
    pub worked_24h: SignedDuration,
    /// "Ricardo: off duty 9h, 0h worked in last 24h" or why not.
    pub reason: String,
}

/// The rotation line for one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub role: Role,
    pub holder: Option<String>,
    /// Holding the role since.
    pub since: Option<Timestamp>,
    /// The holder's current shift began (the fatigue clock).
    pub on_duty_since: Option<Timestamp>,
    /// `on_duty_since + shifts.length`.
    pub shift_ends_at: Option<Timestamp>,
    pub urgency: Urgency,
    /// A hand-off of this role waiting for acknowledgement, to this person.
    pub pending_to: Option<String>,
    /// The proposed next holder (the first eligible candidate).
    pub next: Option<String>,
    /// The next holder's reason, or "nobody eligible: ..." explained.
    pub reason: String,
    /// Everyone considered, best first; ineligible ones say why not.
    pub candidates: Vec<Candidate>,
}

/// Proposes the next holder of `role`.
///
/// Candidates are the incident's roster and the people known from config
/// (matched by name, case-insensitively). A candidate is eligible when off
/// duty for at least `shifts.min_rest` (people never on this incident
/// count as rested) and has worked less than [`MAX_WORK_IN_24H`] of the last
/// 24 hours. Ranking: least work in the last 24h, then those with context
/// (on the roster before), then longest rest, then roster/config order.
/// Ineligible people follow, those off duty (closest to eligible) first.
pub fn propose(
    inc: &Incident,
    role: &Role,
    known_people: &[KnownPerson],
    shifts: &Shifts,
    now: Timestamp,
) -> Proposal {
    let holder = inc.holder(role);
    let holder_person = holder.and_then(|h| inc.person(&h.name));
    let on_duty_since = holder_person.and_then(Person::on_duty_since);
    let shift_ends_at = on_duty_since.map(|t| plus(t, shifts.length));
    let urgency = match (holder, on_duty_since) {
        (None, _) => Urgency::Vacant,
        (Some(_), None) => Urgency::Fine,
        (Some(_), Some(start)) => {
            let on = now.duration_since(start);
            if on >= shifts.length {
                Urgency::Overdue
            } else if on >= shifts.warn_at {
                Urgency::DueSoon
            } else {
                Urgency::Fine
            }
        }
    };

    let mut candidates = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for p in &inc.people {
        seen.push(&p.name);
        candidates.push(judge(inc, Some(p), &p.name, shifts, now));
    }
    for k in known_people {
        if seen.iter().any(|s| same_name(s, &k.name)) {
            continue;
        }
        seen.push(&k.name);
        candidates.push(judge(inc, None, k.name.trim(), shifts, now));
    }
    // Stable sort keeps roster order, then config order, among equals.
    let resting = |c: &Candidate| !c.eligible && c.off_duty_for.is_some();
    candidates.sort_by(|a, b| {
        b.eligible
            .cmp(&a.eligible)
            .then(resting(b).cmp(&resting(a)))
            .then(a.worked_24h.cmp(&b.worked_24h))
            .then(b.on_roster.cmp(&a.on_roster))
            .then(
                b.off_duty_for
                    .unwrap_or(SignedDuration::MAX)
                    .cmp(&a.off_duty_for.unwrap_or(SignedDuration::MAX)),
            )
    });
    let next = candidates.first().filter(|c| c.eligible);
    let reason = match next {
        Some(c) => c.reason.clone(),
        None if candidates.is_empty() => {
            "nobody eligible: nobody else is known (add people to the roster or to [[people]] in the config)".to_string()
        }
        None => format!(
            "nobody eligible: {}",
            candidates
                .iter()
                .map(|c| c.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    Proposal {
        role: role.clone(),
        holder: holder.map(|h| h.name.clone()),
        since: holder.map(|h| h.since),
        on_duty_since,
        shift_ends_at,
        urgency,
        pending_to: inc
            .followup
            .pending_handoffs
            .get(role)
            .map(|p| p.to.clone()),
        next: next.map(|c| c.name.clone()),
        reason,
        candidates,
    }
}

fn judge(
    inc: &Incident,
    person: Option<&Person>,
    name: &str,
    shifts: &Shifts,
    now: Timestamp,
) -> Candidate {
    let worked = person.map_or(SignedDuration::ZERO, |p| work_last_24h(p, now));
    let worked_txt = format!("{} worked in last 24h", hours(worked));
    let mut c = Candidate {
        name: name.to_string(),
        eligible: false,
        on_roster: person.is_some(),
        off_duty_for: None,
        worked_24h: worked,
        reason: String::new(),
    };
    let Some(p) = person else {
        c.eligible = true;
        c.reason = format!("{name}: not yet on this incident, {worked_txt}");
        return c;
    };
    if p.on_duty() {
        let roles = inc.roles_of(&p.name);
        let what = if roles.is_empty() {
            String::new()
        } else {
            format!(
                ", holds {}",
                roles.iter().map(Role::title).collect::<Vec<_>>().join(", ")
            )
        };
        let on = p
            .on_duty_since()
            .map(|t| hours(now.duration_since(t)))
            .unwrap_or_default();
        c.reason = format!("{name}: on duty {on}{what}");
        return c;
    }
    let off = off_duty_for(p, now).unwrap_or(SignedDuration::ZERO);
    c.off_duty_for = Some(off);
    if off < shifts.min_rest {
        c.reason = format!(
            "{name}: off duty only {} (needs {} rest), {worked_txt}",
            hours(off),
            hours(shifts.min_rest)
        );
    } else if worked >= MAX_WORK_IN_24H {
        c.reason = format!(
            "{name}: off duty {}, but {} worked in last 24h (limit {})",
            hours(off),
            hours(worked),
            hours(MAX_WORK_IN_24H)
        );
    } else {
        c.eligible = true;
        c.reason = format!("{name}: off duty {}, {worked_txt}", hours(off));
    }
    c
}

/// Roles the rotation view covers: IC, Comms, then `extra` (from config),
/// without duplicates.
pub fn rotation_roles(extra: &[Role]) -> Vec<Role> {
    let mut out = vec![Role::Ic, Role::Comms];
    for r in extra {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// Proposals for every role of [`rotation_roles`].
pub fn propose_all(
    inc: &Incident,
    extra_roles: &[Role],
    known_people: &[KnownPerson],
    shifts: &Shifts,
    now: Timestamp,
) -> Vec<Proposal> {
    rotation_roles(extra_roles)
        .iter()
        .map(|r| propose(inc, r, known_people, shifts, now))
        .collect()
}

/// What the checklist's "Breaks or sleep?" row says about this role, when the
/// holder is due or overdue: "Alice must hand IC to Ricardo by 04:15 UTC (in
/// 45m)" / "Alice is 20m past the 8h shift limit: hand IC to Ricardo now".
pub fn breaks_hint(p: &Proposal, shifts: &Shifts, now: Timestamp) -> Option<String> {
    let holder = p.holder.as_deref()?;
    let ends = p.shift_ends_at?;
    let role = p.role.title();
    let to = match (&p.pending_to, &p.next) {
        (Some(t), _) => format!("{t} (waiting for acknowledgement)"),
        (None, Some(n)) => n.clone(),
        (None, None) => format!("someone ({})", p.reason),
    };
    match p.urgency {
        Urgency::DueSoon => Some(format!(
            "{holder} must hand {role} to {to} by {} (in {})",
            utc_hm(ends),
            hours(ends.duration_since(now))
        )),
        Urgency::Overdue => Some(format!(
            "{holder} is {} past the {} shift limit: hand {role} to {to} now",
            hours(now.duration_since(ends)),
            hours(shifts.length)
        )),
        Urgency::Fine | Urgency::Vacant => None,
    }
}

/// One person's work and rest, for the rotation view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Load {
    pub name: String,
    pub on_duty: bool,
    pub on_break: bool,
    pub roles: Vec<Role>,
    /// Current shift so far.
    pub on_duty_for: Option<SignedDuration>,
    pub off_duty_for: Option<SignedDuration>,
    pub worked_24h: SignedDuration,
    /// `24h - worked_24h`.
    pub rested_24h: SignedDuration,
}

/// Everyone on the incident's roster, with their work and rest in the last 24h.
pub fn loads(inc: &Incident, now: Timestamp) -> Vec<Load> {
    inc.people
        .iter()
        .map(|p| {
            let worked = work_last_24h(p, now);
            Load {
                name: p.name.clone(),
                on_duty: p.on_duty(),
                on_break: p.on_break(),
                roles: inc.roles_of(&p.name),
                on_duty_for: p.on_duty_since().map(|t| now.duration_since(t)),
                off_duty_for: off_duty_for(p, now),
                worked_24h: worked,
                rested_24h: DAY - worked,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{Event, Payload};

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or_default()
    }

    fn ev(seq: u64, ts: &str, payload: Payload) -> Event {
        Event {
            v: 1,
            seq,
            ts: t(ts),
            actor: "test".into(),
            payload,
            rep: Default::default(),
        }
    }

    fn join(name: &str) -> Payload {
        Payload::PersonJoined {
            name: name.into(),
            handle: None,
            contact: None,
            team: None,
            group: None,
        }
    }

    fn release(name: &str) -> Payload {
        Payload::PersonReleased { name: name.into() }
    }

    /// Alice opens at 00:00 on day 1. Ricardo works 00:30-06:00 and goes to
    /// sleep; Chris works 01:00-13:30 and is released. Replayed up to `now`.
    fn incident_at(now: &str) -> Incident {
        let evs = [
            ev(
                1,
                "2026-11-21T00:00:00Z",
                Payload::opened("INC-1", "API", "Alice"),
            ),
            ev(2, "2026-11-21T00:30:00Z", join("Ricardo")),
            ev(3, "2026-11-21T01:00:00Z", join("Chris")),
            ev(4, "2026-11-21T06:00:00Z", release("Ricardo")),
            ev(5, "2026-11-21T13:30:00Z", release("Chris")),
        ];
        Incident::replay(evs.iter().filter(|e| e.ts <= t(now))).unwrap_or_else(|e| panic!("{e}"))
    }

    fn known(names: &[&str]) -> Vec<KnownPerson> {
        names.iter().map(|n| KnownPerson::named(n)).collect()
    }

    #[test]
    fn work_is_clipped_to_the_window_and_excludes_breaks() {
        let evs = vec![
            ev(1, "2026-11-21T00:00:00Z", Payload::opened("I", "x", "A")),
            ev(
                2,
                "2026-11-21T02:00:00Z",
                Payload::BreakStarted { name: "A".into() },
            ),
            ev(
                3,
                "2026-11-21T02:30:00Z",
                Payload::BreakEnded { name: "A".into() },
            ),
            ev(
                4,
                "2026-11-21T05:00:00Z",
                Payload::BreakStarted { name: "A".into() },
            ),
        ];
        let inc = Incident::replay(&evs).unwrap_or_else(|e| panic!("{e}"));
        let a = &inc.people[0];
        // 00:00-06:00 with a finished 30m break and one open since 05:00.
        assert_eq!(
            work_last_24h(a, t("2026-11-21T06:00:00Z")),
            SignedDuration::from_mins(270)
        );
        // The next day, only the part inside the window counts: 04:00-05:00
        // (the break that began at 05:00 is still running).
        assert_eq!(
            work_last_24h(a, t("2026-11-22T04:00:00Z")),
            SignedDuration::from_mins(60)
        );
    }

    struct Case {
        name: &'static str,
        now: &'static str,
        min_rest_h: i64,
        known: &'static [&'static str],
        next: Option<&'static str>,
        reason: &'static str,
        urgency: Urgency,
    }

    #[test]
    fn proposals_with_fixed_clocks() {
        let cases = [
            Case {
                name: "Alice fresh: Ricardo only rested 1h, Chris not off yet",
                now: "2026-11-21T07:00:00Z",
                min_rest_h: 8,
                known: &[],
                next: None,
                reason: "nobody eligible: Ricardo: off duty only 1h (needs 8h rest), 5h30m worked in last 24h; Chris: on duty 6h; Alice: on duty 7h, holds IC",
                urgency: Urgency::DueSoon,
            },
            Case {
                name: "Ricardo slept 9h",
                now: "2026-11-21T15:00:00Z",
                min_rest_h: 8,
                known: &[],
                next: Some("Ricardo"),
                reason: "Ricardo: off duty 9h, 5h30m worked in last 24h",
                urgency: Urgency::Overdue,
            },
            Case {
                name: "a config person with no work beats a rested roster person",
                now: "2026-11-21T15:00:00Z",
                min_rest_h: 8,
                known: &["Keiko", "ricardo"],
                next: Some("Keiko"),
                reason: "Keiko: not yet on this incident, 0h worked in last 24h",
                urgency: Urgency::Overdue,
            },
            Case {
                name: "Chris worked 12h30m of the last 24h: never proposed",
                now: "2026-11-21T22:00:00Z",
                min_rest_h: 8,
                known: &[],
                next: Some("Ricardo"),
                reason: "Ricardo: off duty 16h, 5h30m worked in last 24h",
                urgency: Urgency::Overdue,
            },
            Case {
                name: "shorter minimum rest from config",
                now: "2026-11-21T07:00:00Z",
                min_rest_h: 1,
                known: &[],
                next: Some("Ricardo"),
                reason: "Ricardo: off duty 1h, 5h30m worked in last 24h",
                urgency: Urgency::DueSoon,
            },
            Case {
                name: "next day: Ricardo's work has left the window",
                now: "2026-11-22T07:00:00Z",
                min_rest_h: 8,
                known: &[],
                next: Some("Ricardo"),
                reason: "Ricardo: off duty 25h, 0h worked in last 24h",
                urgency: Urgency::Overdue,
            },
        ];
        for c in cases {
            let inc = incident_at(c.now);
            let shifts = Shifts {
                min_rest: SignedDuration::from_hours(c.min_rest_h),
                ..Shifts::default()
            };
            let p = propose(&inc, &Role::Ic, &known(c.known), &shifts, t(c.now));
            assert_eq!(p.next.as_deref(), c.next, "{}: {:#?}", c.name, p.candidates);
            assert_eq!(p.reason, c.reason, "{}", c.name);
            assert_eq!(p.urgency, c.urgency, "{}", c.name);
            assert_eq!(p.holder.as_deref(), Some("Alice"));
            assert_eq!(p.shift_ends_at, Some(t("2026-11-21T08:00:00Z")));
        }
    }

    #[test]
    fn chris_is_explained_when_over_the_daily_limit() {
        let inc = incident_at("2026-11-21T22:00:00Z");
        let p = propose(
            &inc,
            &Role::Ic,
            &[],
            &Shifts::default(),
            t("2026-11-21T22:00:00Z"),
        );
        let chris = p.candidates.iter().find(|c| c.name == "Chris");
        assert_eq!(
            chris.map(|c| (c.eligible, c.reason.as_str())),
            Some((
                false,
                "Chris: off duty 8h30m, but 12h30m worked in last 24h (limit 12h)"
            ))
        );
    }

    #[test]
    fn nobody_known_at_all() {
        let evs = vec![ev(
            1,
            "2026-11-21T00:00:00Z",
            Payload::opened("I", "x", "Solo"),
        )];
        let inc = Incident::replay(&evs).unwrap_or_else(|e| panic!("{e}"));
        let shifts = Shifts::default();
        let p = propose(&inc, &Role::Comms, &[], &shifts, t("2026-11-21T01:00:00Z"));
        assert_eq!(p.urgency, Urgency::Vacant);
        assert_eq!(p.next, None);
        assert!(
            p.reason
                .starts_with("nobody eligible: Solo: on duty 1h, holds IC")
        );
        let p = propose(&inc, &Role::Ic, &[], &shifts, t("2026-11-21T09:00:00Z"));
        assert_eq!(
            breaks_hint(&p, &shifts, t("2026-11-21T09:00:00Z")).as_deref(),
            Some(
                "Solo is 1h past the 8h shift limit: hand IC to someone (nobody eligible: Solo: on duty 9h, holds IC) now"
            )
        );
    }

    #[test]
    fn hint_names_the_pending_or_proposed_successor() {
        let inc = incident_at("2026-11-21T07:15:00Z");
        let shifts = Shifts::default();
        let now = t("2026-11-21T07:15:00Z");
        let p = propose(&inc, &Role::Ic, &known(&["Keiko"]), &shifts, now);
        assert_eq!(
            breaks_hint(&p, &shifts, now).as_deref(),
            Some("Alice must hand IC to Keiko by 08:00 UTC (in 45m)")
        );
        let fresh = propose(&inc, &Role::Ic, &[], &shifts, t("2026-11-21T03:00:00Z"));
        assert_eq!(fresh.urgency, Urgency::Fine);
        assert_eq!(
            breaks_hint(&fresh, &shifts, t("2026-11-21T03:00:00Z")),
            None
        );
    }

    #[test]
    fn loads_show_work_and_rest() {
        let inc = incident_at("2026-11-21T16:00:00Z");
        let l = loads(&inc, t("2026-11-21T16:00:00Z"));
        let chris = l.iter().find(|l| l.name == "Chris");
        assert_eq!(
            chris.map(|c| (c.on_duty, c.worked_24h, c.rested_24h)),
            Some((
                false,
                SignedDuration::from_mins(750),
                SignedDuration::from_mins(690)
            ))
        );
        assert_eq!(rotation_roles(&[Role::Comms, Role::Scribe]).len(), 3);
    }
}
