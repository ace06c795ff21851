//! The IC event loop (doctrine section 2) as six derived rows: each question
//! gets a status computed from the data (clocks, roster, last sitrep, last
//! status update, impact) and the reason in words. Pure: `now` comes in.
//!
//! Rules shared by every row:
//! - a question snoozed until a later time shows `SNOOZED` (with the reason
//!   underneath) until then;
//! - a review turns the row `OK` for the question's window (its cadence),
//!   but only for problems that already existed when it was reviewed: a
//!   problem that starts later (someone crosses 8 hours) shows again;
//! - a state change clears reviews and snoozes (done by the replay).

use crate::domain::Role;
use crate::domain::duration::short;
use crate::domain::event::{LoopQuestion, Payload, Severity};
use crate::domain::health::Sample;
use crate::domain::incident::{DomainError, Incident};
use crate::domain::policy::{Cadence, Policy};
use jiff::{SignedDuration, Timestamp};

/// A row's status, in increasing order of urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Ok,
    Snoozed,
    Unknown,
    Due,
    Overdue,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Snoozed => "SNOOZED",
            Status::Unknown => "UNKNOWN",
            Status::Due => "DUE",
            Status::Overdue => "OVERDUE",
        }
    }

    /// Whether the row asks for the IC's attention.
    pub fn needs_attention(self) -> bool {
        matches!(self, Status::Unknown | Status::Due | Status::Overdue)
    }
}

/// One question of the loop with its derived status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub question: LoopQuestion,
    pub status: Status,
    /// Why, in words: "last sitrep 71m ago, due every 60m".
    pub reason: String,
}

/// A problem found in the data, with the moment it began (if known). A
/// review made after `since` covers it.
struct Finding {
    status: Status,
    text: String,
    since: Option<Timestamp>,
}

impl Finding {
    /// Nothing to act on; `text` says how things stand.
    fn ok(text: String) -> Finding {
        Finding {
            status: Status::Ok,
            text,
            since: None,
        }
    }

    /// To act on since `since`.
    fn due(text: String, since: Timestamp) -> Finding {
        Finding {
            status: Status::Due,
            text,
            since: Some(since),
        }
    }

    /// Late since `since`.
    fn overdue(text: String, since: Timestamp) -> Finding {
        Finding {
            status: Status::Overdue,
            text,
            since: Some(since),
        }
    }
}

/// Breaks findings, most pressing first: over the limit, then longest on
/// shift, then longest without a break.
fn by_pressure(f: &(Finding, i64)) -> (std::cmp::Reverse<Status>, std::cmp::Reverse<i64>) {
    (std::cmp::Reverse(f.0.status), std::cmp::Reverse(f.1))
}

fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// Durations the way people say them for recent things: "45s", "71m",
/// then "1h40m" from 100 minutes on.
pub fn words(d: SignedDuration) -> String {
    let s = d.as_secs();
    if s.abs() < 100 * 60 {
        if s.abs() < 60 {
            format!("{s}s")
        } else {
            format!("{}m", s / 60)
        }
    } else {
        short(d)
    }
}

fn ago(now: Timestamp, t: Timestamp) -> String {
    words(now.duration_since(t).max(SignedDuration::ZERO))
}

/// Fraction of a cadence after which a recurring duty shows as DUE.
const DUE_FRACTION_PERCENT: i64 = 80;

fn due_from(cadence: SignedDuration) -> SignedDuration {
    SignedDuration::from_secs(cadence.as_secs() * DUE_FRACTION_PERCENT / 100)
}

/// The sitrep cadence for the incident's current state.
pub fn sitrep_cadence(inc: &Incident, cadence: &Cadence) -> SignedDuration {
    match inc.state {
        Severity::Major => cadence.sitrep_major,
        Severity::Confirmed => cadence.sitrep_confirmed,
        Severity::Investigating | Severity::Resolved => cadence.sitrep_investigating,
    }
}

/// How long a review of `q` stays valid.
fn window(q: LoopQuestion, inc: &Incident, policy: &Policy) -> SignedDuration {
    match q {
        LoopQuestion::Customers => policy.cadence.status,
        LoopQuestion::Impact => policy.cadence.impact_review,
        _ => sitrep_cadence(inc, &policy.cadence),
    }
}

/// Evaluates the six questions, in doctrine order.
pub fn evaluate(inc: &Incident, policy: &Policy, now: Timestamp) -> Vec<Row> {
    evaluate_with(inc, policy, &[], now)
}

/// [`evaluate`] with the product health figures as they are now (each series' latest finite
/// value, in `policy.health` order): "Impact understood?" is due again when one crossed a
/// threshold or moved by more than the factor since the impact was last reviewed.
pub fn evaluate_with(
    inc: &Incident,
    policy: &Policy,
    current: &[Option<Sample>],
    now: Timestamp,
) -> Vec<Row> {
    LoopQuestion::ALL
        .iter()
        .map(|&q| evaluate_one(inc, policy, current, now, q))
        .collect()
}

fn evaluate_one(
    inc: &Incident,
    policy: &Policy,
    current: &[Option<Sample>],
    now: Timestamp,
    q: LoopQuestion,
) -> Row {
    if !inc.is_open() {
        return Row {
            question: q,
            status: Status::Ok,
            reason: "incident resolved".into(),
        };
    }
    let findings = match q {
        LoopQuestion::Support => support(inc, policy),
        LoopQuestion::Breaks => breaks(inc, policy, now),
        LoopQuestion::Customers => customers(inc, policy, now),
        LoopQuestion::Impact => impact(inc, policy, current, now),
        LoopQuestion::Sitrep => sitrep(inc, policy, now),
        LoopQuestion::GroupsInformed => groups_informed(inc),
    };
    let worst = findings.iter().map(|f| f.status).max();
    let mark = inc.marks.get(&q);
    let reviewed = mark.and_then(|m| m.reviewed.clone()).or_else(|| {
        (q == LoopQuestion::Impact)
            .then(|| {
                inc.impact
                    .reviewed_at
                    .zip(inc.impact.reviewed_by.clone())
                    .filter(|(at, _)| *at >= last_state_change(inc))
            })
            .flatten()
    });
    let summary = summarize(&findings);

    if let Some(until) = mark.and_then(|m| m.snoozed_until)
        && until > now
    {
        let mut reason = format!("until {} ({} left)", until.strftime("%H:%M UTC"), {
            words(until.duration_since(now))
        });
        if let Some(s) = summary.filter(|_| worst.is_some_and(|w| w > Status::Ok)) {
            reason.push_str(": ");
            reason.push_str(&s);
        }
        return Row {
            question: q,
            status: Status::Snoozed,
            reason,
        };
    }

    if let Some((at, by)) = &reviewed {
        let valid = plus(*at, window(q, inc, policy)) > now;
        let uncovered = findings
            .iter()
            .filter(|f| f.status > Status::Ok)
            .any(|f| f.since.is_some_and(|s| s > *at));
        if valid && !uncovered {
            let mut reason = format!("reviewed {} ago by {by}", ago(now, *at));
            if let Some(s) = summary {
                reason.push_str("; ");
                reason.push_str(&s);
            }
            return Row {
                question: q,
                status: Status::Ok,
                reason,
            };
        }
    }

    match worst {
        Some(status) if status > Status::Ok => Row {
            question: q,
            status,
            reason: summary.unwrap_or_default(),
        },
        _ => {
            // No problem in the data. Questions that only a human can
            // answer need a (recent) review.
            let needs_review = matches!(
                q,
                LoopQuestion::Support | LoopQuestion::GroupsInformed | LoopQuestion::Impact
            );
            let (status, reason) = match (&reviewed, needs_review) {
                (_, false) => (Status::Ok, summary.unwrap_or_else(|| "all good".into())),
                (None, true) => (
                    Status::Unknown,
                    match summary {
                        Some(s) => format!("never reviewed; {s}"),
                        None => "never reviewed".into(),
                    },
                ),
                (Some((at, _)), true) => (
                    Status::Due,
                    format!(
                        "last reviewed {} ago, due every {}",
                        ago(now, *at),
                        words(window(q, inc, policy))
                    ),
                ),
            };
            Row {
                question: q,
                status,
                reason,
            }
        }
    }
}

fn summarize(findings: &[Finding]) -> Option<String> {
    let worst = findings.iter().map(|f| f.status).max()?;
    let mut top = findings.iter().filter(|f| f.status == worst);
    let first = top.next()?;
    let more = findings.len() - 1;
    Some(if more == 0 {
        first.text.clone()
    } else {
        format!("{} (+{more} more)", first.text)
    })
}

fn last_state_change(inc: &Incident) -> Timestamp {
    inc.state_changes.last().map_or(inc.opened_at, |c| c.at)
}

/// Anyone (the IC included) with more than `span_of_control` people reporting directly (see
/// [`crate::domain::reporting`]), and groups without a lead: the IC first, then group by group.
fn support(inc: &Incident, policy: &Policy) -> Vec<Finding> {
    use crate::domain::reporting::supervisors;
    let limit = policy.span_of_control;
    let sups = supervisors(inc);
    let over = |name: &str| {
        sups.iter()
            .find(|s| s.name == name && s.reports.len() > limit)
    };
    let mut out = Vec::new();
    if let Some(ic) = inc.ic()
        && let Some(s) = over(&ic.name)
    {
        out.push(Finding {
            status: Status::Due,
            text: format!(
                "IC {} has {} people reporting directly (limit {limit}): form operations \
                 groups, each with its own lead",
                s.name,
                s.reports.len()
            ),
            // The span last grew when the latest of them came on duty: a review before that
            // does not cover it.
            since: s.grew_at(inc),
        });
    }
    let mut told: Vec<&str> = inc.ic().map(|h| h.name.as_str()).into_iter().collect();
    for g in inc.groups.values() {
        match inc.holder(&Role::OpsLead(g.name.clone())) {
            None if !g.members.is_empty() => out.push(Finding::due(
                format!("ops:{} has no lead", g.name),
                g.formed_at,
            )),
            Some(lead) if !told.contains(&lead.name.as_str()) => {
                if let Some(s) = over(&lead.name) {
                    told.push(&lead.name);
                    out.push(Finding {
                        status: Status::Due,
                        text: format!(
                            "ops:{} has {} people under one lead (limit {limit}): split it \
                             into smaller groups",
                            g.name,
                            s.reports.len()
                        ),
                        since: s.grew_at(inc),
                    });
                }
            }
            _ => {}
        }
    }
    if out.is_empty() && !inc.groups.is_empty() {
        out.push(Finding::ok(format!(
            "{} ops groups, all led",
            inc.groups.len()
        )));
    }
    out
}

/// Ranks a shift-length finding above any break finding of the same status.
const SHIFT_WEIGHT: i64 = 1 << 40;

/// Who must hand which role to whom, per holder due or past the shift limit (from the
/// rotation proposals: one hour before the limit with the default `warn_at`).
fn handoff_hints(inc: &Incident, policy: &Policy, now: Timestamp) -> Vec<(String, String)> {
    use crate::domain::followup::rotation::{breaks_hint, propose_all};
    propose_all(
        inc,
        &policy.rotation_roles,
        policy.people,
        &policy.shifts,
        now,
    )
    .iter()
    // With nobody to propose, the plain "N on shift" finding says it better.
    .filter(|p| p.next.is_some() || p.pending_to.is_some())
    .filter_map(|p| Some((p.holder.clone()?, breaks_hint(p, &policy.shifts, now)?)))
    .collect()
}

fn breaks(inc: &Incident, policy: &Policy, now: Timestamp) -> Vec<Finding> {
    let hints = handoff_hints(inc, policy, now);
    let hint_for = |name: &str| -> Option<String> {
        let h: Vec<&str> = hints
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, h)| h.as_str())
            .collect();
        (!h.is_empty()).then(|| h.join("; "))
    };
    let mut out: Vec<(Finding, i64)> = Vec::new();
    let mut longest: Option<(&str, SignedDuration)> = None;
    for p in inc.on_duty() {
        let (Some(start), Some(rest)) = (p.on_duty_since(), p.last_rest()) else {
            continue;
        };
        if p.on_break() {
            continue;
        }
        let on = now.duration_since(start);
        if longest.is_none_or(|(_, d)| on > d) {
            longest = Some((&p.name, on));
        }
        if on >= policy.shifts.length {
            out.push((
                Finding::overdue(
                    hint_for(&p.name).unwrap_or_else(|| {
                        format!(
                            "{} {} on shift (limit {})",
                            p.name,
                            short(on),
                            crate::domain::duration::config_form(policy.shifts.length)
                        )
                    }),
                    plus(start, policy.shifts.length),
                ),
                SHIFT_WEIGHT + on.as_secs(),
            ));
        } else if on >= policy.shifts.warn_at {
            out.push((
                Finding::due(
                    hint_for(&p.name)
                        .unwrap_or_else(|| format!("{} {} on shift", p.name, short(on))),
                    plus(start, policy.shifts.warn_at),
                ),
                SHIFT_WEIGHT + on.as_secs(),
            ));
        } else {
            let without = now.duration_since(rest);
            if without >= policy.shifts.break_after {
                out.push((
                    Finding::due(
                        format!("{} {} without a break", p.name, short(without)),
                        plus(rest, policy.shifts.break_after),
                    ),
                    without.as_secs(),
                ));
            }
        }
    }
    out.sort_by_key(by_pressure);
    let mut out: Vec<Finding> = out.into_iter().map(|(f, _)| f).collect();
    if out.is_empty()
        && let Some((name, d)) = longest
    {
        out.push(Finding::ok(format!(
            "longest on shift: {name} {}",
            short(d)
        )));
    }
    out
}

fn recurring(
    what: &str,
    last: Option<Timestamp>,
    opened: Timestamp,
    cadence: SignedDuration,
    now: Timestamp,
) -> Finding {
    let every = words(cadence);
    match last {
        None => {
            let since_open = now.duration_since(opened);
            if since_open >= cadence {
                Finding {
                    status: Status::Overdue,
                    text: format!("no {what} in {}, due every {every}", words(since_open)),
                    since: Some(plus(opened, cadence)),
                }
            } else {
                Finding {
                    status: Status::Due,
                    text: format!("no {what} yet, due every {every}"),
                    since: Some(opened),
                }
            }
        }
        Some(at) => {
            let age = now.duration_since(at);
            let text = format!("{what} {} ago, due every {every}", ago(now, at));
            if age >= cadence {
                Finding {
                    status: Status::Overdue,
                    text: format!("last {text}"),
                    since: Some(plus(at, cadence)),
                }
            } else if age >= due_from(cadence) {
                Finding {
                    status: Status::Due,
                    text,
                    since: Some(plus(at, due_from(cadence))),
                }
            } else {
                Finding {
                    status: Status::Ok,
                    text,
                    since: None,
                }
            }
        }
    }
}

fn customers(inc: &Incident, policy: &Policy, now: Timestamp) -> Vec<Finding> {
    let last = inc.last_status();
    let mut out = vec![recurring(
        "status page",
        last.map(|s| s.at),
        inc.opened_at,
        policy.cadence.status,
        now,
    )];
    if let Some(promised) = last.and_then(|s| s.fields.next_update_at)
        && promised <= now
    {
        out.push(Finding::overdue(
            format!(
                "next update was promised for {}",
                promised.strftime("%H:%M UTC")
            ),
            promised,
        ));
        out.sort_by_key(|f| std::cmp::Reverse(f.status));
    }
    out
}

fn impact(
    inc: &Incident,
    policy: &Policy,
    current: &[Option<Sample>],
    now: Timestamp,
) -> Vec<Finding> {
    let mut out = impact_text(inc, policy, now);
    out.extend(impact_figures(inc, policy, current, now));
    // What needs attention speaks alone ("(+1 more)" would count the impact text).
    if out.iter().any(|f| f.status > Status::Ok) {
        out.retain(|f| f.status > Status::Ok);
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.status));
    out
}

/// Figures that changed since the impact was reviewed (DUE, saying which); before any
/// review, the figures past a threshold (for the reason).
fn impact_figures(
    inc: &Incident,
    policy: &Policy,
    current: &[Option<Sample>],
    now: Timestamp,
) -> Option<Finding> {
    use crate::domain::health::impact::{alarming, changes};
    let Some(reviewed) = inc.impact.reviewed_at else {
        let alarming = alarming(&policy.health, current);
        return (!alarming.is_empty()).then(|| Finding::ok(alarming.join(", ")));
    };
    let changed = changes(inc, &policy.health, current);
    let latest = changed.iter().map(|c| c.at).max()?;
    let texts: Vec<String> = changed.iter().map(|c| c.text()).collect();
    Some(Finding {
        status: Status::Due,
        text: format!(
            "{} since impact reviewed {} ago",
            texts.join(", "),
            ago(now, reviewed)
        ),
        // A review after this covers it (it journals the figures it was made on).
        since: Some(latest.max(plus(reviewed, SignedDuration::from_nanos(1)))),
    })
}

fn impact_text(inc: &Incident, policy: &Policy, now: Timestamp) -> Vec<Finding> {
    let changed = last_state_change(inc);
    match (inc.impact.text.is_empty(), inc.impact.reviewed_at) {
        (true, _) => Vec::new(),
        (false, Some(at)) if at < changed && !inc.state_changes.is_empty() => vec![Finding::due(
            format!(
                "state changed {} ago; impact last reviewed {} ago",
                ago(now, changed),
                ago(now, at)
            ),
            changed,
        )],
        (false, Some(at)) if now.duration_since(at) >= policy.cadence.impact_review => {
            vec![Finding::due(
                format!(
                    "last reviewed {} ago, due every {}",
                    ago(now, at),
                    words(policy.cadence.impact_review)
                ),
                plus(at, policy.cadence.impact_review),
            )]
        }
        (false, _) => vec![Finding::ok(crate::domain::text::one_line(&inc.impact.text))],
    }
}

fn sitrep(inc: &Incident, policy: &Policy, now: Timestamp) -> Vec<Finding> {
    let last = inc.last_sitrep();
    let mut out = vec![recurring(
        "sitrep",
        last.map(|s| s.at),
        inc.opened_at,
        sitrep_cadence(inc, &policy.cadence),
        now,
    )];
    if let (Some(s), Some(c)) = (last, inc.state_changes.last())
        && c.at > s.at
    {
        out.push(Finding::due(
            format!(
                "state changed to {} {} ago, after the last sitrep",
                c.to,
                ago(now, c.at)
            ),
            c.at,
        ));
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.status));
    out
}

fn groups_informed(inc: &Incident) -> Vec<Finding> {
    let last = inc.last_sitrep();
    let new: Vec<&str> = inc
        .groups
        .values()
        .filter(|g| !g.members.is_empty())
        .filter(|g| match last {
            Some(s) => !s.groups.iter().any(|n| n == &g.name) && g.formed_at > s.at,
            None => true,
        })
        .map(|g| g.name.as_str())
        .collect();
    let since = inc
        .groups
        .values()
        .filter(|g| new.contains(&g.name.as_str()))
        .map(|g| g.formed_at)
        .max();
    match (new.len(), last) {
        (0, Some(s)) if !inc.groups.is_empty() => vec![Finding::ok(format!(
            "all groups were in sitrep v{}",
            s.version
        ))],
        (0, _) => Vec::new(),
        (1, Some(_)) => vec![Finding {
            status: Status::Due,
            text: format!("ops:{} joined after the last sitrep", new.join("")),
            since,
        }],
        (n, Some(_)) => vec![Finding {
            status: Status::Due,
            text: format!("{n} groups joined after the last sitrep"),
            since,
        }],
        (n, None) => vec![Finding {
            status: Status::Due,
            text: format!(
                "{n} group{} and no sitrep yet",
                if n == 1 { "" } else { "s" }
            ),
            since,
        }],
    }
}

/// The loop's progress: completed passes and questions done in this one.
pub fn progress(inc: &Incident) -> (u32, usize) {
    (inc.loop_passes, inc.pass_progress.len())
}

/// Validates marking `q` reviewed.
pub fn cmd_review(inc: &Incident, q: LoopQuestion) -> Result<Payload, DomainError> {
    if !inc.is_open() {
        return Err(DomainError::Resolved);
    }
    Ok(Payload::QuestionReviewed { question: q })
}

/// Validates snoozing `q` for `dur` from `now`.
pub fn cmd_snooze(
    inc: &Incident,
    q: LoopQuestion,
    dur: SignedDuration,
    now: Timestamp,
) -> Result<Payload, DomainError> {
    if !inc.is_open() {
        return Err(DomainError::Resolved);
    }
    if dur <= SignedDuration::ZERO || dur > SignedDuration::from_hours(24) {
        return Err(DomainError::Invalid {
            field: "snooze",
            reason: "between 1 minute and 24 hours".into(),
        });
    }
    Ok(Payload::QuestionSnoozed {
        question: q,
        until: plus(now, dur),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::event::{Event, SitrepFields, StatusFields};
    use crate::domain::role::Role;

    fn t(min: i64) -> Timestamp {
        clock("2026-11-21T02:00:00Z")(min)
    }

    /// Minutes after `base`.
    pub(crate) fn clock(base: &str) -> impl Fn(i64) -> Timestamp {
        let base: Timestamp = base.parse().unwrap_or(Timestamp::UNIX_EPOCH);
        move |min| plus(base, SignedDuration::from_mins(min))
    }

    /// A journal written by Alice, minute by minute: INC-1 opened at minute 0.
    pub(crate) struct B {
        pub(crate) events: Vec<Event>,
        t: fn(i64) -> Timestamp,
    }

    impl B {
        pub(crate) fn new() -> B {
            B::on(t)
        }
        /// With minute `m` at `t(m)`.
        pub(crate) fn on(t: fn(i64) -> Timestamp) -> B {
            let mut b = B { events: vec![], t };
            b.at(0, Payload::opened("INC-1", "API errors", "Alice"));
            b
        }
        pub(crate) fn at(&mut self, min: i64, payload: Payload) -> &mut Self {
            self.events.push(Event {
                v: 1,
                seq: self.events.len() as u64 + 1,
                ts: (self.t)(min),
                actor: "Alice".into(),
                payload,
                rep: Default::default(),
            });
            self
        }
        /// The impact statement written at `min`.
        pub(crate) fn impact(&mut self, min: i64, text: &str) -> &mut Self {
            let text = text.into();
            self.at(min, Payload::ImpactUpdated { text })
        }
        /// The IC reviewed `question` at `min`.
        pub(crate) fn reviewed(&mut self, min: i64, question: LoopQuestion) -> &mut Self {
            self.at(min, Payload::QuestionReviewed { question })
        }
        pub(crate) fn inc(&self) -> Incident {
            Incident::replay(&self.events).unwrap_or_else(|e| panic!("{e}"))
        }
    }

    fn sitrep_at(b: &mut B, min: i64, groups: &[&str]) {
        b.at(
            min,
            Payload::SitrepSent {
                version: 1,
                fields: SitrepFields::default(),
                rendered: String::new(),
                ic: None,
                comms: None,
                responders: vec![],
                groups: groups.iter().map(|s| s.to_string()).collect(),
            },
        );
    }

    fn row(inc: &Incident, now: i64, q: LoopQuestion) -> Row {
        evaluate_one(inc, &Policy::default(), &[], t(now), q)
    }

    #[test]
    fn sitrep_overdue_with_reason() {
        let mut b = B::new();
        sitrep_at(&mut b, 10, &[]);
        let r = row(&b.inc(), 81, LoopQuestion::Sitrep);
        assert_eq!(r.status, Status::Overdue);
        assert_eq!(r.reason, "last sitrep 71m ago, due every 60m");
        let r = row(&b.inc(), 60, LoopQuestion::Sitrep);
        assert_eq!(r.status, Status::Due);
        let r = row(&b.inc(), 20, LoopQuestion::Sitrep);
        assert_eq!(r.status, Status::Ok);
    }

    #[test]
    fn customers_due_near_cadence() {
        let mut b = B::new();
        b.at(
            2,
            Payload::StatusPosted {
                fields: StatusFields::default(),
                rendered: String::new(),
            },
        );
        let r = row(&b.inc(), 20, LoopQuestion::Customers);
        assert_eq!(
            (r.status, r.reason.as_str()),
            (Status::Due, "status page 18m ago, due every 20m")
        );
    }

    #[test]
    fn breaks_names_who_must_hand_off_to_whom_an_hour_before_the_limit() {
        let mut b = B::new();
        // Ricardo worked the first hour, then rested well past min_rest.
        b.at(
            1,
            Payload::PersonJoined {
                name: "Ricardo".into(),
                handle: None,
                contact: None,
                team: None,
                group: None,
            },
        );
        b.at(
            60,
            Payload::PersonReleased {
                name: "Ricardo".into(),
            },
        );
        let r = row(&b.inc(), 6 * 60 + 59, LoopQuestion::Breaks);
        assert!(!r.reason.contains("must hand"), "{}", r.reason);
        let r = row(&b.inc(), 9 * 60 + 15, LoopQuestion::Breaks);
        assert_eq!(r.status, Status::Overdue);
        assert_eq!(
            r.reason,
            "Alice is 1h15m past the 8h shift limit: hand IC to Ricardo now"
        );
        // One hour before the limit, someone rested from the config (Ricardo rested only
        // 6h by then).
        let people = [crate::domain::policy::KnownPerson::named("Mei")];
        let policy = Policy {
            people: &people,
            ..Policy::default()
        };
        let r = evaluate_one(&b.inc(), &policy, &[], t(7 * 60), LoopQuestion::Breaks);
        assert_eq!(
            (r.status, r.reason.as_str()),
            (
                Status::Due,
                "Alice must hand IC to Mei by 10:00 UTC (in 1h)"
            )
        );
    }

    #[test]
    fn breaks_warn_then_overdue_and_review_does_not_hide_new_problem() {
        let mut b = B::new();
        let r = row(&b.inc(), 7 * 60 + 12, LoopQuestion::Breaks);
        assert_eq!(
            (r.status, r.reason.as_str()),
            (Status::Due, "Alice 7h12m on shift")
        );
        b.reviewed(7 * 60 + 15, LoopQuestion::Breaks);
        assert_eq!(
            row(&b.inc(), 7 * 60 + 20, LoopQuestion::Breaks).status,
            Status::Ok
        );
        // Crossing 8h is a new problem the review did not see.
        let r = row(&b.inc(), 8 * 60 + 1, LoopQuestion::Breaks);
        assert_eq!(r.status, Status::Overdue, "{}", r.reason);
    }

    #[test]
    fn impact_unknown_until_reviewed_and_reset_by_state_change() {
        let mut b = B::new();
        let r = row(&b.inc(), 5, LoopQuestion::Impact);
        assert_eq!(
            (r.status, r.reason.as_str()),
            (Status::Unknown, "never reviewed")
        );
        b.impact(6, "EU API 30% errors");
        assert_eq!(row(&b.inc(), 10, LoopQuestion::Impact).status, Status::Ok);
        b.at(
            12,
            Payload::StateChanged {
                from: Severity::Investigating,
                to: Severity::Major,
            },
        );
        let r = row(&b.inc(), 13, LoopQuestion::Impact);
        assert_eq!(r.status, Status::Due, "{}", r.reason);
    }

    fn join(b: &mut B, min: i64, name: &str, group: Option<&str>) {
        b.at(min, Payload::joined(name, group));
    }

    /// Issue 16: 50 responders on duty and no operations group all report to the IC; that is
    /// flagged like an overloaded group lead, with what to do about it.
    #[test]
    fn span_of_control_counts_the_ics_direct_reports_too() {
        let mut b = B::new();
        for i in 0..50 {
            join(&mut b, 1, &format!("R{i}"), None);
        }
        let r = row(&b.inc(), 5, LoopQuestion::Support);
        assert_eq!(r.status, Status::Due, "{}", r.reason);
        assert_eq!(
            r.reason,
            "IC Alice has 50 people reporting directly (limit 7): form operations groups, \
             each with its own lead"
        );
        // A review covers it until someone else reports to the IC.
        b.reviewed(6, LoopQuestion::Support);
        assert_eq!(row(&b.inc(), 7, LoopQuestion::Support).status, Status::Ok);
        join(&mut b, 8, "R50", None);
        let r = row(&b.inc(), 9, LoopQuestion::Support);
        assert_eq!(r.status, Status::Due, "{}", r.reason);
        assert!(
            r.reason.starts_with("IC Alice has 51 people"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn groups_with_leads_take_people_off_the_ics_span() {
        let mut b = B::new();
        for i in 0..6 {
            join(&mut b, 1, &format!("D{i}"), Some("database"));
            join(&mut b, 1, &format!("N{i}"), Some("network"));
        }
        for (g, lead) in [("database", "D0"), ("network", "N0")] {
            b.at(
                2,
                Payload::RoleHandedOff {
                    role: Role::OpsLead(g.into()),
                    from: None,
                    to: lead.into(),
                },
            );
        }
        b.at(
            2,
            Payload::RoleHandedOff {
                role: Role::Comms,
                from: None,
                to: "Cam".into(),
            },
        );
        join(&mut b, 3, "Loose", None);
        let inc = b.inc();
        let sups = crate::domain::reporting::supervisors(&inc);
        let got: Vec<(&str, Vec<&str>)> = sups
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.reports.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Alice", vec!["Cam", "D0", "N0", "Loose"]),
                ("D0", vec!["D1", "D2", "D3", "D4", "D5"]),
                ("N0", vec!["N1", "N2", "N3", "N4", "N5"]),
            ]
        );
        // Within the limit everywhere: only a human can say whether groups need support.
        let r = row(&inc, 5, LoopQuestion::Support);
        assert_eq!(r.status, Status::Unknown, "{}", r.reason);
    }

    #[test]
    fn span_of_control_and_new_groups() {
        let mut b = B::new();
        sitrep_at(&mut b, 1, &[]);
        b.at(
            2,
            Payload::RoleHandedOff {
                role: Role::OpsLead("database".into()),
                from: None,
                to: "Dana".into(),
            },
        );
        for i in 0..9 {
            b.at(
                3,
                Payload::PersonJoined {
                    name: format!("P{i}"),
                    handle: None,
                    contact: None,
                    team: None,
                    group: Some("database".into()),
                },
            );
        }
        b.at(
            4,
            Payload::PersonJoined {
                name: "Rui".into(),
                handle: None,
                contact: None,
                team: None,
                group: Some("routing".into()),
            },
        );
        let inc = b.inc();
        let r = row(&inc, 5, LoopQuestion::Support);
        assert_eq!(r.status, Status::Due);
        assert!(
            r.reason
                .starts_with("ops:database has 9 people under one lead (limit 7)"),
            "{}",
            r.reason
        );
        let r = row(&inc, 5, LoopQuestion::GroupsInformed);
        assert_eq!(
            (r.status, r.reason.as_str()),
            (Status::Due, "2 groups joined after the last sitrep")
        );
    }

    #[test]
    fn snooze_shows_until_expiry() {
        let mut b = B::new();
        let inc = b.inc();
        let p = cmd_snooze(
            &inc,
            LoopQuestion::Sitrep,
            SignedDuration::from_mins(30),
            t(5),
        );
        let Ok(p) = p else { panic!("snooze") };
        b.at(5, p);
        let r = row(&b.inc(), 10, LoopQuestion::Sitrep);
        assert_eq!(r.status, Status::Snoozed);
        assert!(
            r.reason.starts_with("until 02:35 UTC (25m left)"),
            "{}",
            r.reason
        );
        assert_ne!(
            row(&b.inc(), 36, LoopQuestion::Sitrep).status,
            Status::Snoozed
        );
    }

    #[test]
    fn resolved_incident_is_all_ok() {
        let mut b = B::new();
        b.at(
            3,
            Payload::StateChanged {
                from: Severity::Investigating,
                to: Severity::Resolved,
            },
        );
        assert!(
            evaluate(&b.inc(), &Policy::default(), t(500))
                .iter()
                .all(|r| r.status == Status::Ok)
        );
        assert!(cmd_review(&b.inc(), LoopQuestion::Impact).is_err());
    }
}
