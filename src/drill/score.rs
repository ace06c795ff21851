//! The score card: how the drill's response measured against the doctrine.
//! Pure: the incident, its events, the scenario, the configuration and the
//! moment the drill ended go in; a [`ScoreCard`] comes out.
//!
//! Checks (each PASS or FAIL; those that do not apply to a drill are left out):
//! - first status update within `cadence.status` of the start;
//! - first sitrep within the sitrep cadence of the starting state;
//! - sitreps kept on cadence (the cadence of the state in force; every lateness listed);
//! - status updates kept on cadence (a promised next update counts as the deadline);
//! - hand-offs announced: no role left vacant by releasing its holder, and the roles
//!   of anyone who went quiet handed on within [`REACTION`];
//! - nobody past `shifts.length` (8h) on shift, counting time on duty before the drill;
//! - impact reviewed on `cadence.impact_review` and within [`REACTION`] of each
//!   `impact_change` inject;
//! - no linter warning (the `[lint]` rules) in a sent status update;
//! - checklist passes: one complete pass of the IC loop per hour ([`CHECKLIST_EVERY`]);
//! - relief requests answered (break, release or hand-off) within [`RELIEF_REACTION`];
//! - state hints acted on within [`REACTION`];
//! - decisions taken.

use super::clock::add;
use super::scenario::{InjectKind, Scenario};
use super::schedule::{DECISION_PREFIX, DRILL_ACTOR};
use crate::config::Config;
use crate::domain::duration::{self, serde_human};
use crate::domain::event::{Event, LoopQuestion, Payload, Severity};
use crate::domain::incident::{Incident, PostedStatus, announcement};
use crate::domain::lint::Linter;
use crate::domain::role::Role;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::borrow::Cow;
use std::sync::OnceLock;

/// How soon the IC should react to an impact change, a state hint or a quiet role holder.
pub const REACTION: SignedDuration = SignedDuration::from_mins(15);
/// How soon a relief request should be answered.
pub const RELIEF_REACTION: SignedDuration = SignedDuration::from_mins(30);
/// One complete pass of the IC event loop is expected per this much drill time.
pub const CHECKLIST_EVERY: SignedDuration = SignedDuration::from_hours(1);

/// One PASS/FAIL line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

/// A deadline missed: offsets from the start of the drill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lateness {
    #[serde(with = "serde_human")]
    pub due: SignedDuration,
    /// When it was finally sent; `None`: not by the end of the drill.
    #[serde(with = "opt_human")]
    pub sent: Option<SignedDuration>,
    /// Until it was sent, or until the end of the drill.
    #[serde(with = "serde_human")]
    pub late_by: SignedDuration,
}

/// Something the IC had to react to, and whether and how they did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    #[serde(with = "serde_human")]
    pub at: SignedDuration,
    pub what: String,
    #[serde(with = "opt_human")]
    pub after: Option<SignedDuration>,
    /// What answered it, e.g. `impact updated`, `break`.
    pub how: Option<String>,
    pub in_time: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoffLine {
    #[serde(with = "serde_human")]
    pub at: SignedDuration,
    pub role: String,
    pub from: Option<String>,
    pub to: String,
    pub announcement: String,
}

/// A role that went vacant without a hand-off (its holder was released).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vacated {
    #[serde(with = "serde_human")]
    pub at: SignedDuration,
    pub role: String,
    pub holder: String,
}

/// Someone on shift longer than `shifts.length`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overrun {
    pub person: String,
    /// Shift start, from the start of the drill (negative: before it).
    pub on_duty_since: String,
    /// When they passed the limit.
    #[serde(with = "serde_human")]
    pub past_limit_at: SignedDuration,
    /// When the shift ended; `None`: still on duty at the end.
    #[serde(with = "opt_human")]
    pub until: Option<SignedDuration>,
    #[serde(with = "serde_human")]
    pub over_by: SignedDuration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    #[serde(with = "serde_human")]
    pub at: SignedDuration,
    pub rule: String,
    pub excerpt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionLine {
    #[serde(with = "serde_human")]
    pub at: SignedDuration,
    pub question: String,
    pub answer: Option<String>,
    #[serde(with = "opt_human")]
    pub after: Option<SignedDuration>,
}

/// The score card of one drill. Offsets are simulated time from the start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreCard {
    pub drill: String,
    pub scenario: String,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    #[serde(with = "serde_human")]
    pub length: SignedDuration,
    pub passed: usize,
    pub total: usize,
    pub checks: Vec<Check>,
    #[serde(with = "opt_human")]
    pub first_status: Option<SignedDuration>,
    #[serde(with = "opt_human")]
    pub first_sitrep: Option<SignedDuration>,
    pub sitreps_sent: usize,
    pub status_updates_sent: usize,
    pub sitrep_lateness: Vec<Lateness>,
    pub status_lateness: Vec<Lateness>,
    pub impact_lateness: Vec<Lateness>,
    pub impact_changes: Vec<Response>,
    pub handoffs: Vec<HandoffLine>,
    pub vacated: Vec<Vacated>,
    pub quiet_holders: Vec<Response>,
    pub overruns: Vec<Overrun>,
    pub relief_requests: Vec<Response>,
    pub state_hints: Vec<Response>,
    pub lint_sent_anyway: Vec<LintFinding>,
    pub loop_passes: u32,
    pub loop_target: u32,
    pub decisions: Vec<DecisionLine>,
}

mod opt_human {
    use jiff::SignedDuration;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(d: &Option<SignedDuration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => crate::domain::duration::serde_human::serialize(d, s),
            None => s.serialize_none(),
        }
    }
}

/// The linter `[lint]` configures; the built-in one is compiled once.
fn linter(cfg: &Config) -> Option<Cow<'static, Linter>> {
    static BUILTIN: OnceLock<Option<Linter>> = OnceLock::new();
    if cfg.lint.disable.is_empty() && cfg.lint.rules.is_empty() {
        BUILTIN
            .get_or_init(|| Linter::builtin().ok())
            .as_ref()
            .map(Cow::Borrowed)
    } else {
        cfg.linter().ok().map(Cow::Owned)
    }
}

/// A stretch of simulated time with one requirement: `None` means nothing is due.
#[derive(Debug, Clone, Copy)]
struct Seg {
    start: Timestamp,
    end: Timestamp,
    cadence: Option<SignedDuration>,
}

/// The state in force over `[t0, end)`, as segments.
fn state_segments(
    inc: &Incident,
    t0: Timestamp,
    end: Timestamp,
) -> Vec<(Timestamp, Timestamp, Severity)> {
    let mut out = Vec::new();
    let mut state = Severity::Investigating;
    let mut start = t0;
    for c in &inc.state_changes {
        let at = c.at.clamp(t0, end);
        if at > start {
            out.push((start, at, state));
        }
        start = start.max(at);
        state = c.to;
    }
    if end > start {
        out.push((start, end, state));
    }
    out
}

/// The first moment after `anchor` where something is due: the promised time if any,
/// else `anchor` plus the cadence in force; a deadline in a stretch where nothing is due
/// moves to the start of the next stretch where something is.
fn first_due(anchor: Timestamp, promised: Option<Timestamp>, segs: &[Seg]) -> Option<Timestamp> {
    for s in segs.iter().filter(|s| s.end > anchor) {
        let Some(cadence) = s.cadence else { continue };
        let due = promised.unwrap_or_else(|| add(anchor, cadence));
        let effective = due.max(s.start);
        if effective < s.end {
            return Some(effective);
        }
    }
    None
}

/// Every lateness of a series of sends (sorted) against the segments' cadences.
/// `promised(i)` is the deadline the i-th send promised, if any.
fn lateness(
    t0: Timestamp,
    end: Timestamp,
    sends: &[Timestamp],
    promised: &dyn Fn(usize) -> Option<Timestamp>,
    segs: &[Seg],
) -> Vec<Lateness> {
    let off = |t: Timestamp| t.duration_since(t0);
    let mut out = Vec::new();
    let mut anchor = t0;
    let mut promise = None;
    let mut i = 0;
    loop {
        let next = sends.get(i).copied().filter(|t| *t <= end);
        if let Some(due) = first_due(anchor, promise, segs) {
            let limit = next.unwrap_or(end);
            if due < limit {
                out.push(Lateness {
                    due: off(due),
                    sent: next.map(off),
                    late_by: limit.duration_since(due),
                });
            }
        }
        let Some(sent) = next else { break };
        anchor = sent;
        promise = promised(i);
        i += 1;
    }
    out
}

/// Segments with the sitrep cadence of each open state.
fn sitrep_segments(states: &[(Timestamp, Timestamp, Severity)], cfg: &Config) -> Vec<Seg> {
    let c = &cfg.cadence;
    states
        .iter()
        .map(|(start, end, state)| Seg {
            start: *start,
            end: *end,
            cadence: match state {
                Severity::Investigating => Some(c.sitrep_investigating),
                Severity::Confirmed => Some(c.sitrep_confirmed),
                Severity::Major => Some(c.sitrep_major),
                Severity::Resolved => None,
            },
        })
        .collect()
}

/// Segments with `cadence` while the incident is open, nothing once resolved or after `stop`.
fn open_segments(
    states: &[(Timestamp, Timestamp, Severity)],
    cadence: SignedDuration,
    stop: Option<Timestamp>,
) -> Vec<Seg> {
    let mut out = Vec::new();
    for (start, end, state) in states {
        let c = state.is_open().then_some(cadence);
        match stop {
            Some(stop) if stop <= *start => out.push(Seg {
                start: *start,
                end: *end,
                cadence: None,
            }),
            Some(stop) if stop < *end => {
                out.push(Seg {
                    start: *start,
                    end: stop,
                    cadence: c,
                });
                out.push(Seg {
                    start: stop,
                    end: *end,
                    cadence: None,
                });
            }
            _ => out.push(Seg {
                start: *start,
                end: *end,
                cadence: c,
            }),
        }
    }
    out
}

fn offset_text(d: SignedDuration) -> String {
    if d.is_zero() {
        "+0m".to_string()
    } else if d.is_negative() {
        duration::short(d)
    } else {
        format!("+{}", duration::short(d))
    }
}

fn inject_fields(p: &Payload) -> Option<(SignedDuration, &str, &str, Option<&str>)> {
    match p {
        Payload::DrillInject {
            at_offset,
            kind,
            text,
            who,
            ..
        } => Some((*at_offset, kind.as_str(), text.as_str(), who.as_deref())),
        _ => None,
    }
}

/// What every section of the score reads: the drill's incident, journal and scenario,
/// the configuration, and its span of simulated time.
struct Drill<'a> {
    inc: &'a Incident,
    events: &'a [Event],
    scenario: &'a Scenario,
    cfg: &'a Config,
    t0: Timestamp,
    end: Timestamp,
    /// The state in force over the drill, as segments.
    states: Vec<(Timestamp, Timestamp, Severity)>,
}

/// A drill inject as it fired: when, and its (offset, kind, text, who).
type Fired<'a> = (
    Timestamp,
    (SignedDuration, &'a str, &'a str, Option<&'a str>),
);

impl<'a> Drill<'a> {
    /// Offset from the start of the drill.
    fn off(&self, t: Timestamp) -> SignedDuration {
        t.duration_since(self.t0)
    }

    fn in_drill(&self, t: Timestamp) -> bool {
        t >= self.t0 && t <= self.end
    }

    /// The first answer at or after `at`, from a list of (time, how).
    fn answer(
        &self,
        at: Timestamp,
        answers: &[(Timestamp, String)],
        within: SignedDuration,
        what: String,
    ) -> Response {
        let hit = answers.iter().find(|(t, _)| *t >= at);
        Response {
            at: self.off(at),
            what,
            after: hit.map(|(t, _)| t.duration_since(at)),
            how: hit.map(|(_, h)| h.clone()),
            in_time: hit.is_some_and(|(t, _)| t.duration_since(at) <= within),
        }
    }

    /// What relieves a person: their roles handed on, and (unless `roles_only`) a break or
    /// their release.
    fn person_answers(&self, name: &str, roles_only: bool) -> Vec<(Timestamp, String)> {
        let mut out: Vec<(Timestamp, String)> = self
            .inc
            .handoffs
            .iter()
            .filter(|h| h.from.as_deref() == Some(name))
            .map(|h| (h.at, format!("{} handed to {}", h.role.title(), h.to)))
            .collect();
        if !roles_only && let Some(p) = self.inc.person(name) {
            for s in &p.shifts {
                out.extend(s.breaks.iter().map(|b| (b.start, "break".to_string())));
                out.extend(s.end.map(|e| (e, "released".to_string())));
            }
        }
        out.sort();
        out
    }
}

/// The injects of kind `k` among those that fired.
fn by_kind<'a>(fired: &[&'a Event], k: InjectKind) -> Vec<Fired<'a>> {
    fired
        .iter()
        .filter_map(|e| inject_fields(&e.payload).map(|f| (e.ts, f)))
        .filter(|(_, f)| f.1 == k.as_str())
        .collect()
}

/// Scores a drill. `events` are the drill's journal, `end` the simulated moment it ended.
pub fn score(
    inc: &Incident,
    events: &[Event],
    scenario: &Scenario,
    cfg: &Config,
    end: Timestamp,
) -> ScoreCard {
    let t0 = inc.opened_at;
    let end = end.max(t0);
    let d = Drill {
        inc,
        events,
        scenario,
        cfg,
        t0,
        end,
        states: state_segments(inc, t0, end),
    };
    let mut checks = Vec::new();
    let sends = sends(&d, &mut checks);
    let pass = walk_events(&d);
    let (impact_lateness, impact_changes) = impact(&d, &pass, &mut checks);
    let quiet_holders = handoffs(&d, &pass, &mut checks);
    let overruns = overruns(&d, &mut checks);
    let lint_sent_anyway = lint_sent_anyway(&d, &sends.posted, &mut checks);
    let loop_target = checklist_passes(&d, &mut checks);
    let relief_requests = relief_requests(&d, &pass.fired, &mut checks);
    let state_hints = state_hints(&d, &pass.fired, &mut checks);
    let decisions = decisions(&d, &pass.fired, &mut checks);
    ScoreCard {
        drill: inc.id.clone(),
        scenario: scenario.title.clone(),
        started_at: t0,
        ended_at: end,
        length: end.duration_since(t0),
        passed: checks.iter().filter(|c| c.passed).count(),
        total: checks.len(),
        checks,
        first_status: sends.first_status,
        first_sitrep: sends.first_sitrep,
        sitreps_sent: sends.sitreps_sent,
        status_updates_sent: sends.status_updates_sent,
        sitrep_lateness: sends.sitrep_lateness,
        status_lateness: sends.status_lateness,
        impact_lateness,
        impact_changes,
        handoffs: pass.handoffs,
        vacated: pass.vacated,
        quiet_holders,
        overruns,
        relief_requests,
        state_hints,
        lint_sent_anyway,
        loop_passes: inc.loop_passes,
        loop_target,
        decisions,
    }
}

/// Sitreps and status updates: when the first went out, and their lateness.
struct Sends<'a> {
    first_status: Option<SignedDuration>,
    first_sitrep: Option<SignedDuration>,
    sitreps_sent: usize,
    status_updates_sent: usize,
    sitrep_lateness: Vec<Lateness>,
    status_lateness: Vec<Lateness>,
    /// The status updates posted during the drill.
    posted: Vec<&'a PostedStatus>,
}

/// First status update and sitrep, then both cadences (four checks).
fn sends<'a>(d: &Drill<'a>, checks: &mut Vec<Check>) -> Sends<'a> {
    let (inc, cfg) = (d.inc, d.cfg);
    let during = |ats: &mut dyn Iterator<Item = Timestamp>| -> Vec<Timestamp> {
        ats.filter(|t| d.in_drill(*t)).collect()
    };
    let status_times = during(&mut inc.status_updates.iter().map(|s| s.at));
    let sitrep_times = during(&mut inc.sitreps.iter().map(|s| s.at));
    let first_status = status_times.first().map(|t| d.off(*t));
    let first_sitrep = sitrep_times.first().map(|t| d.off(*t));
    checks.push(first_check(
        "First status update",
        first_status,
        cfg.cadence.status,
    ));
    let start_state = d.states.first().map_or(Severity::Investigating, |s| s.2);
    let sitrep_segs = sitrep_segments(&d.states, cfg);
    let first_sitrep_target = sitrep_segs
        .first()
        .and_then(|s| s.cadence)
        .unwrap_or(cfg.cadence.sitrep_investigating);
    let mut c = first_check("First sitrep", first_sitrep, first_sitrep_target);
    c.detail.push_str(&format!(" [{}]", start_state.label()));
    checks.push(c);

    let sitrep_lateness = lateness(d.t0, d.end, &sitrep_times, &|_| None, &sitrep_segs);
    checks.push(cadence_check(
        "Sitreps on cadence",
        &sitrep_lateness,
        sitrep_times.len(),
    ));
    let posted: Vec<_> = inc
        .status_updates
        .iter()
        .filter(|s| d.in_drill(s.at))
        .collect();
    let final_status = posted
        .iter()
        .find(|s| s.fields.stage.eq_ignore_ascii_case("resolved"))
        .map(|s| s.at);
    let status_segs = open_segments(&d.states, cfg.cadence.status, final_status);
    let promised = |i: usize| posted.get(i).and_then(|s| s.fields.next_update_at);
    let status_lateness = lateness(d.t0, d.end, &status_times, &promised, &status_segs);
    checks.push(cadence_check(
        "Status updates on cadence",
        &status_lateness,
        status_times.len(),
    ));
    Sends {
        first_status,
        first_sitrep,
        sitreps_sent: sitrep_times.len(),
        status_updates_sent: status_times.len(),
        sitrep_lateness,
        status_lateness,
        posted,
    }
}

fn first_check(name: &str, first: Option<SignedDuration>, target: SignedDuration) -> Check {
    Check {
        name: name.to_string(),
        passed: first.is_some_and(|f| f <= target),
        detail: match first {
            Some(f) => format!("at {} (due by {})", offset_text(f), offset_text(target)),
            None => format!("never (due by {})", offset_text(target)),
        },
    }
}

fn cadence_check(name: &str, late: &[Lateness], sent: usize) -> Check {
    let worst = late.iter().map(|l| l.late_by).max();
    Check {
        name: name.to_string(),
        passed: late.is_empty(),
        detail: match worst {
            None => format!("{sent} sent, never late"),
            Some(w) => format!(
                "{sent} sent, late {} time(s), worst {}",
                late.len(),
                duration::short(w)
            ),
        },
    }
}

/// What one pass over the events finds: hand-offs, vacated roles, impact reviews and the
/// injects that fired.
struct EventPass<'a> {
    handoffs: Vec<HandoffLine>,
    vacated: Vec<Vacated>,
    impact_reviews: Vec<(Timestamp, &'static str)>,
    fired: Vec<&'a Event>,
}

fn walk_events<'a>(d: &Drill<'a>) -> EventPass<'a> {
    let mut pass = EventPass {
        handoffs: Vec::new(),
        vacated: Vec::new(),
        impact_reviews: Vec::new(),
        fired: Vec::new(),
    };
    let mut replay: Option<Incident> = None;
    for e in d.events {
        if let Some(r) = &replay {
            match &e.payload {
                Payload::PersonReleased { name } => {
                    for (role, h) in &r.roles {
                        if h.name == *name && *role != Role::Ic {
                            pass.vacated.push(Vacated {
                                at: d.off(e.ts),
                                role: role.title(),
                                holder: name.clone(),
                            });
                        }
                    }
                }
                Payload::RoleHandedOff { role, from, to } if e.actor != DRILL_ACTOR => {
                    pass.handoffs.push(HandoffLine {
                        at: d.off(e.ts),
                        role: role.title(),
                        from: from.clone(),
                        to: to.clone(),
                        announcement: announcement(&e.payload).unwrap_or_default(),
                    });
                }
                Payload::ImpactUpdated { .. } if e.actor != DRILL_ACTOR => {
                    pass.impact_reviews.push((e.ts, "impact updated"));
                }
                Payload::QuestionReviewed {
                    question: LoopQuestion::Impact,
                } if e.actor != DRILL_ACTOR => pass.impact_reviews.push((e.ts, "impact reviewed")),
                Payload::DrillInject { .. } if d.in_drill(e.ts) => pass.fired.push(e),
                _ => {}
            }
        }
        match &mut replay {
            Some(r) => r.apply(e),
            None => replay = Incident::replay([e]).ok(),
        }
    }
    pass
}

/// Impact reviewed on cadence and after each impact change.
fn impact(
    d: &Drill<'_>,
    pass: &EventPass<'_>,
    checks: &mut Vec<Check>,
) -> (Vec<Lateness>, Vec<Response>) {
    let cadence = d.cfg.cadence.impact_review;
    let reviews: Vec<Timestamp> = pass.impact_reviews.iter().map(|(t, _)| *t).collect();
    let impact_segs = open_segments(&d.states, cadence, None);
    let impact_lateness = lateness(d.t0, d.end, &reviews, &|_| None, &impact_segs);
    let review_answers: Vec<(Timestamp, String)> = pass
        .impact_reviews
        .iter()
        .map(|(t, h)| (*t, h.to_string()))
        .collect();
    let impact_changes: Vec<Response> = by_kind(&pass.fired, InjectKind::ImpactChange)
        .into_iter()
        .map(|(ts, f)| d.answer(ts, &review_answers, REACTION, f.2.to_string()))
        .collect();
    let impact_ok = impact_lateness.is_empty() && impact_changes.iter().all(|r| r.in_time);
    checks.push(Check {
        name: "Impact reviewed".into(),
        passed: impact_ok,
        detail: format!(
            "{} review(s); late {} time(s) on the {} cadence; {}/{} impact change(s) reviewed within {}",
            reviews.len(),
            impact_lateness.len(),
            duration::short(cadence),
            impact_changes.iter().filter(|r| r.in_time).count(),
            impact_changes.len(),
            duration::short(REACTION)
        ),
    });
    (impact_lateness, impact_changes)
}

/// Hand-offs announced: no role left vacant, quiet role holders relieved. Returns the
/// quiet holders.
fn handoffs(d: &Drill<'_>, pass: &EventPass<'_>, checks: &mut Vec<Check>) -> Vec<Response> {
    let quiet_holders: Vec<Response> = by_kind(&pass.fired, InjectKind::PersonQuiet)
        .into_iter()
        .filter_map(|(ts, f)| {
            let who = f.3?;
            // Only someone holding a role at that moment matters here.
            let holds = holds_role_at(d.events, who, ts);
            holds.then(|| {
                d.answer(
                    ts,
                    &d.person_answers(who, true),
                    REACTION,
                    format!("{who} went quiet holding a role"),
                )
            })
        })
        .collect();
    let ic_handoffs = pass
        .handoffs
        .iter()
        .filter(|h| h.role == Role::Ic.title())
        .count();
    let handoff_ok = pass.vacated.is_empty() && quiet_holders.iter().all(|r| r.in_time);
    let mut detail = format!(
        "{} hand-off(s) ({} IC), each announced",
        pass.handoffs.len(),
        ic_handoffs
    );
    if !pass.vacated.is_empty() {
        detail.push_str(&format!(
            "; {} role(s) left vacant by a release without a hand-off",
            pass.vacated.len()
        ));
    }
    if !quiet_holders.is_empty() {
        detail.push_str(&format!(
            "; {}/{} quiet role holder(s) relieved within {}",
            quiet_holders.iter().filter(|r| r.in_time).count(),
            quiet_holders.len(),
            duration::short(REACTION)
        ));
    }
    checks.push(Check {
        name: "Hand-offs announced".into(),
        passed: handoff_ok,
        detail,
    });
    quiet_holders
}

/// Nobody past the shift length, counting time on duty before the drill.
fn overruns(d: &Drill<'_>, checks: &mut Vec<Check>) -> Vec<Overrun> {
    let (inc, end) = (d.inc, d.end);
    let limit = d.cfg.shifts.length;
    let mut overruns = Vec::new();
    for p in &inc.people {
        for (k, s) in p.shifts.iter().enumerate() {
            let mut start = s.start;
            if k == 0
                && s.start <= d.t0
                && let Some(dp) = d.scenario.person(&p.name)
            {
                start = add(d.t0, dp.on_duty_since);
            }
            let until = s.end.unwrap_or(end).min(end);
            let on = until.duration_since(start);
            if on > limit {
                overruns.push(Overrun {
                    person: p.name.clone(),
                    on_duty_since: offset_text(d.off(start)),
                    past_limit_at: d.off(add(start, limit)),
                    until: s.end.filter(|e| *e <= end).map(|e| d.off(e)),
                    over_by: on - limit,
                });
            }
        }
    }
    checks.push(Check {
        name: format!("Nobody past {}", duration::config_form(limit)),
        passed: overruns.is_empty(),
        detail: if overruns.is_empty() {
            format!(
                "{} people, all within {}",
                inc.people.len(),
                duration::config_form(limit)
            )
        } else {
            let names: Vec<String> = overruns
                .iter()
                .map(|o| format!("{} (+{})", o.person, duration::short(o.over_by)))
                .collect();
            format!("over: {}", names.join(", "))
        },
    });
    overruns
}

/// Linter warnings in the status updates that were sent.
fn lint_sent_anyway(
    d: &Drill<'_>,
    posted: &[&PostedStatus],
    checks: &mut Vec<Check>,
) -> Vec<LintFinding> {
    let mut found = Vec::new();
    if let Some(l) = linter(d.cfg) {
        for s in posted {
            let warnings = crate::domain::status::lint(&l, &s.fields);
            for w in warnings {
                found.push(LintFinding {
                    at: d.off(s.at),
                    rule: w.rule,
                    excerpt: w.excerpt,
                });
            }
        }
    }
    checks.push(Check {
        name: "No linter warnings sent anyway".into(),
        passed: found.is_empty(),
        detail: format!(
            "{} warning(s) in {} status update(s)",
            found.len(),
            posted.len()
        ),
    });
    found
}

/// One complete pass of the IC loop per [`CHECKLIST_EVERY`]. Returns the target.
fn checklist_passes(d: &Drill<'_>, checks: &mut Vec<Check>) -> u32 {
    let length = d.end.duration_since(d.t0);
    let hours = length.as_secs() / CHECKLIST_EVERY.as_secs().max(1);
    let loop_target = u32::try_from(hours.max(1)).unwrap_or(u32::MAX);
    checks.push(Check {
        name: "Checklist passes".into(),
        passed: d.inc.loop_passes >= loop_target,
        detail: format!(
            "{} complete pass(es) of the IC loop, {} expected (one per {})",
            d.inc.loop_passes,
            loop_target,
            duration::short(CHECKLIST_EVERY)
        ),
    });
    loop_target
}

/// Relief requests answered (a check only when the drill has them).
fn relief_requests(d: &Drill<'_>, fired: &[&Event], checks: &mut Vec<Check>) -> Vec<Response> {
    let relief_requests: Vec<Response> = by_kind(fired, InjectKind::ReliefRequest)
        .into_iter()
        .filter_map(|(ts, f)| {
            let who = f.3?;
            Some(d.answer(
                ts,
                &d.person_answers(who, false),
                RELIEF_REACTION,
                format!("{who} asked for relief"),
            ))
        })
        .collect();
    if !relief_requests.is_empty() {
        checks.push(response_check(
            "Relief requests answered",
            &relief_requests,
            RELIEF_REACTION,
        ));
    }
    relief_requests
}

/// State hints acted on (a check only when the drill has them).
fn state_hints(d: &Drill<'_>, fired: &[&Event], checks: &mut Vec<Check>) -> Vec<Response> {
    let state_answers = |want: Severity| -> Vec<(Timestamp, String)> {
        d.inc
            .state_changes
            .iter()
            .filter(|c| c.to == want)
            .map(|c| (c.at, format!("state {}", c.to.label())))
            .collect()
    };
    let mut state_hints = Vec::new();
    for (ts, f) in by_kind(fired, InjectKind::StateHint) {
        // The expected state is in the scenario (the journal keeps the text only).
        let want = d
            .scenario
            .injects
            .iter()
            .find(|i| i.kind == InjectKind::StateHint && i.at == f.0 && i.text == f.2)
            .and_then(|i| i.state);
        let Some(want) = want else { continue };
        let state_then = state_at(&d.states, ts);
        let mut r = d.answer(
            ts,
            &state_answers(want),
            REACTION,
            format!("{} ({})", f.2, want.label()),
        );
        if state_then == want {
            r.after = Some(SignedDuration::ZERO);
            r.how = Some(format!("already {}", want.label()));
            r.in_time = true;
        }
        state_hints.push(r);
    }
    if !state_hints.is_empty() {
        checks.push(response_check(
            "State hints acted on",
            &state_hints,
            REACTION,
        ));
    }
    state_hints
}

/// Decisions taken (a check only when the drill asks for any).
fn decisions(d: &Drill<'_>, fired: &[&Event], checks: &mut Vec<Check>) -> Vec<DecisionLine> {
    let mut decisions = Vec::new();
    for e in fired {
        if let Payload::DrillInject {
            decision: Some(q), ..
        } = &e.payload
        {
            let prefix = format!("{DECISION_PREFIX}{} -> ", q.question);
            let note = d
                .inc
                .notes
                .iter()
                .find(|n| n.at >= e.ts && n.at <= d.end && n.text.starts_with(&prefix));
            decisions.push(DecisionLine {
                at: d.off(e.ts),
                question: q.question.clone(),
                answer: note.map(|n| n.text[prefix.len()..].to_string()),
                after: note.map(|n| n.at.duration_since(e.ts)),
            });
        }
    }
    if !decisions.is_empty() {
        let taken = decisions.iter().filter(|d| d.answer.is_some()).count();
        checks.push(Check {
            name: "Decisions taken".into(),
            passed: taken == decisions.len(),
            detail: format!("{taken}/{} decision(s) taken", decisions.len()),
        });
    }
    decisions
}

fn response_check(name: &str, rs: &[Response], within: SignedDuration) -> Check {
    let ok = rs.iter().filter(|r| r.in_time).count();
    Check {
        name: name.to_string(),
        passed: ok == rs.len(),
        detail: format!("{ok}/{} within {}", rs.len(), duration::short(within)),
    }
}

fn state_at(states: &[(Timestamp, Timestamp, Severity)], t: Timestamp) -> Severity {
    states
        .iter()
        .rev()
        .find(|(s, _, _)| *s <= t)
        .map_or(Severity::Investigating, |s| s.2)
}

/// Whether `name` holds a role (any, IC included) at `at`, replaying `events`.
fn holds_role_at(events: &[Event], name: &str, at: Timestamp) -> bool {
    let mut inc: Option<Incident> = None;
    for e in events.iter().take_while(|e| e.ts <= at) {
        match &mut inc {
            Some(i) => i.apply(e),
            None => inc = Incident::replay([e]).ok(),
        }
    }
    inc.is_some_and(|i| i.roles.values().any(|h| h.name == name))
}

impl ScoreCard {
    /// The card as Markdown (deterministic: offsets, not wall-clock times, except the start).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let o = |d: SignedDuration| offset_text(d);
        out.push_str(&format!("# Drill score card: {}\n\n", self.scenario));
        out.push_str(&format!("- Drill: `{}`\n", self.drill));
        out.push_str(&format!(
            "- Started: {} (simulated time), ran {}\n",
            self.started_at.strftime("%Y-%m-%d %H:%M UTC"),
            duration::short(self.length)
        ));
        out.push_str(&format!(
            "- Sent: {} sitrep(s), {} status update(s)\n",
            self.sitreps_sent, self.status_updates_sent
        ));
        out.push_str(&format!(
            "- **Score: {}/{} checks passed**\n\n",
            self.passed, self.total
        ));
        let checks = self.checks.iter().map(|c| {
            vec![
                cell(&c.name),
                (if c.passed { "PASS" } else { "FAIL" }).to_string(),
                cell(&c.detail),
            ]
        });
        table(&mut out, &["Check", "Result", "Detail"], checks);
        for (title, rows) in [
            ("Sitreps: lateness", &self.sitrep_lateness),
            ("Status updates: lateness", &self.status_lateness),
            ("Impact reviews: lateness", &self.impact_lateness),
        ] {
            let rows = rows.iter().map(|l| {
                vec![
                    o(l.due),
                    l.sent.map_or_else(|| "not by the end".to_string(), o),
                    duration::short(l.late_by),
                ]
            });
            section(
                &mut out,
                title,
                Some("Never late."),
                &["Due", "Sent", "Late by"],
                rows,
            );
        }
        responses(&mut out, "Impact changes", &self.impact_changes);
        self.people(&mut out);
        self.messages(&mut out);
        out.push_str(&format!(
            "\n## Checklist\n\n{} complete pass(es) of the IC event loop; {} expected.\n",
            self.loop_passes, self.loop_target
        ));
        out
    }

    /// Hand-offs, roles left vacant, quiet holders, shifts, relief requests, state hints.
    fn people(&self, out: &mut String) {
        let o = |d: SignedDuration| offset_text(d);

        let handoffs = self
            .handoffs
            .iter()
            .map(|h| vec![o(h.at), format!("`{}`", cell(&h.announcement))]);
        section(
            out,
            "Hand-offs",
            Some("None."),
            &["At", "Announcement"],
            handoffs,
        );
        if !self.vacated.is_empty() {
            out.push_str("\nRoles left vacant without a hand-off:\n\n");
            for v in &self.vacated {
                out.push_str(&format!(
                    "- {} {} (held by {}, released)\n",
                    o(v.at),
                    v.role,
                    v.holder
                ));
            }
        }
        responses(out, "Quiet role holders", &self.quiet_holders);

        let overruns = self.overruns.iter().map(|v| {
            vec![
                cell(&v.person),
                v.on_duty_since.clone(),
                o(v.past_limit_at),
                v.until.map_or_else(|| "still on duty".to_string(), o),
                duration::short(v.over_by),
            ]
        });
        let header = [
            "Person",
            "On duty since",
            "Past the limit at",
            "Until",
            "Over by",
        ];
        section(
            out,
            "Shifts",
            Some("Nobody past the shift length."),
            &header,
            overruns,
        );
        responses(out, "Relief requests", &self.relief_requests);
        responses(out, "State hints", &self.state_hints);
    }

    /// Linter warnings sent anyway, decisions.
    fn messages(&self, out: &mut String) {
        let o = |d: SignedDuration| offset_text(d);
        let lint = self
            .lint_sent_anyway
            .iter()
            .map(|l| vec![o(l.at), l.rule.clone(), cell(&l.excerpt)]);
        let title = "Linter warnings sent anyway";
        section(out, title, Some("None."), &["At", "Rule", "Excerpt"], lint);
        let decisions = self.decisions.iter().map(|d| {
            vec![
                o(d.at),
                cell(&d.question),
                cell(d.answer.as_deref().unwrap_or("(none)")),
                d.after.map_or_else(|| "-".to_string(), duration::short),
            ]
        });
        let header = ["At", "Question", "Answer", "After"];
        section(out, "Decisions", None, &header, decisions);
    }
}

/// `## title` and a table of what was asked and how it was answered (no section when empty).
fn responses(out: &mut String, title: &str, rows: &[Response]) {
    let rows = rows.iter().map(|r| {
        let answered = match r.after {
            Some(a) => format!(
                "after {}{}",
                duration::short(a),
                if r.in_time { "" } else { " (late)" }
            ),
            None => "never".to_string(),
        };
        vec![
            offset_text(r.at),
            cell(&r.what),
            answered,
            cell(r.how.as_deref().unwrap_or("")),
        ]
    });
    section(out, title, None, &["At", "What", "Answered", "How"], rows);
}

/// A Markdown table: the header, its rule, a line per row.
fn table(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    out.push_str(&format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    ));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
}

/// `## title` and its table; with no rows, `empty` in its place (`None`: no section).
fn section(
    out: &mut String,
    title: &str,
    empty: Option<&str>,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) {
    let mut rows = rows.peekable();
    match (rows.peek(), empty) {
        (None, None) => {}
        (None, Some(empty)) => out.push_str(&format!("\n## {title}\n\n{empty}\n")),
        (Some(_), _) => {
            out.push_str(&format!("\n## {title}\n\n"));
            table(out, header, rows);
        }
    }
}

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    crate::domain::text::one_line(s).replace('|', "\\|")
}
