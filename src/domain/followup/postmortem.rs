//! The post-mortem draft, drafted from the journal: summary, timeline in UTC,
//! who held which role for how long, key figures, cleanup, remediation, and
//! the public post-mortem skeleton in the doctrine's three parts.
//!
//! [`PostmortemData::build`] gathers everything (serializable, for
//! `--format json`); [`render`] fills a minijinja template with it; the
//! built-in template is [`TEMPLATE`].

use super::figures::KeyFigures;
use super::{hours, utc};
use crate::domain::event::{Event, Payload, Severity};
use crate::domain::incident::{Holder, Incident, announcement};
use crate::domain::policy::Policy;
use crate::domain::role::Role;
use crate::domain::text::one_line;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use minijinja::{AutoEscape, Environment};
use serde::Serialize;
use std::collections::BTreeMap;

/// The built-in Markdown template.
pub const TEMPLATE: &str = include_str!("../../../assets/templates/postmortem.md.j2");

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineRow {
    pub at: Timestamp,
    /// `2026-11-21 23:58` (UTC).
    pub utc: String,
    /// The same instant in the requested time zone, if any.
    pub local: Option<String>,
    pub what: String,
}

/// One continuous tenure of a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenure {
    pub role: String,
    pub name: String,
    pub from: String,
    /// End time, or "still holds".
    pub to: String,
    pub held: String,
    #[serde(skip)]
    pub held_for: SignedDuration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleTotal {
    pub role: String,
    /// "Alice 8h, Ricardo 6h10m", longest first.
    pub people: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateRow {
    pub due: String,
    pub posted: String,
    pub late_by: String,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRow {
    pub id: String,
    pub text: String,
    pub owner: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicUpdate {
    pub utc: String,
    pub stage: String,
    pub message: String,
}

/// Everything the post-mortem template sees. Strings are already one-line
/// and safe inside a Markdown table cell (`|` escaped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostmortemData {
    pub id: String,
    pub title: String,
    pub events: usize,
    pub tz: Option<String>,
    pub opened_at: String,
    pub opened_by: String,
    pub state: String,
    pub max_severity: String,
    pub resolved_at: Option<String>,
    pub closed: String,
    pub duration: String,
    pub impact: String,
    pub last_sitrep: Option<String>,
    pub hypotheses_open: Vec<String>,
    pub hypotheses_ruled_out: Vec<String>,
    pub timeline: Vec<TimelineRow>,
    pub tenures: Vec<Tenure>,
    pub role_totals: Vec<RoleTotal>,
    pub figures: Vec<Figure>,
    /// Product health per series at opened / confirmed / resolved and its peak, from the
    /// journaled observations (issue 17); empty without `[metrics]`.
    pub health: Vec<crate::domain::health::milestones::SeriesRow>,
    pub late: Vec<LateRow>,
    pub cleanup: Vec<ItemRow>,
    pub remediation: Vec<ItemRow>,
    pub public_updates: Vec<PublicUpdate>,
    pub key: KeyFigures,
}

/// A value safe in a Markdown table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

fn when(d: Option<SignedDuration>, at: Option<Timestamp>) -> String {
    match (d, at) {
        (Some(d), Some(at)) => format!("{} ({})", hours(d), utc(at)),
        (Some(d), None) => hours(d),
        _ => "never".to_string(),
    }
}

/// A role held by someone from a moment until another (`None`: still holds).
type RawTenure = (Role, String, Timestamp, Option<Timestamp>);

impl PostmortemData {
    /// Gathers the post-mortem from the replayed incident and its events
    /// (the same journal, in order). `tz` adds local times to the timeline.
    pub fn build(
        inc: &Incident,
        events: &[Event],
        policy: &Policy,
        tz: Option<&TimeZone>,
    ) -> PostmortemData {
        let key = KeyFigures::of(inc, policy);
        let (timeline, tenures) = timeline_and_tenures(events, &key, tz);
        let (tenures, role_totals) = tenure_rows(tenures, key.end, inc.is_open());
        let (hypotheses_open, hypotheses_ruled_out) = hypotheses(inc);
        PostmortemData {
            id: cell(&inc.id),
            title: cell(&inc.title),
            events: events.len(),
            tz: tz.map(|z| z.iana_name().unwrap_or("local").to_string()),
            opened_at: utc(inc.opened_at),
            opened_by: cell(&inc.opened_by),
            state: inc.state.label().to_string(),
            max_severity: key.max_severity.label().to_string(),
            resolved_at: key.resolved_at.map(utc),
            closed: closed_text(inc),
            duration: hours(key.duration()),
            impact: if inc.impact.text.trim().is_empty() {
                "not described".into()
            } else {
                cell(&inc.impact.text)
            },
            last_sitrep: inc.last_sitrep().map(|s| {
                format!(
                    "v{} ({}): {}",
                    s.version,
                    utc(s.at),
                    cell(&s.fields.summary)
                )
            }),
            hypotheses_open,
            hypotheses_ruled_out,
            timeline,
            tenures,
            role_totals,
            figures: figures(inc, &key, policy),
            health: crate::domain::health::milestones::rows(inc)
                .into_iter()
                .map(|r| crate::domain::health::milestones::SeriesRow {
                    series: cell(&r.series),
                    opened: cell(&r.opened),
                    confirmed: cell(&r.confirmed),
                    resolved: cell(&r.resolved),
                    peak: cell(&r.peak),
                })
                .collect(),
            late: late_rows(&key, policy),
            cleanup: cleanup_rows(inc),
            remediation: remediation_rows(inc),
            public_updates: inc
                .status_updates
                .iter()
                .map(|s| PublicUpdate {
                    utc: utc(s.at),
                    stage: cell(&s.fields.stage),
                    message: cell(&s.fields.message),
                })
                .collect(),
            key,
        }
    }
}

/// The timeline rows, and every tenure of a role. Replays alongside the timeline to see
/// exactly when roles change hands (hand-offs, acknowledgements, releases), as `apply`
/// decides.
fn timeline_and_tenures(
    events: &[Event],
    key: &KeyFigures,
    tz: Option<&TimeZone>,
) -> (Vec<TimelineRow>, Vec<RawTenure>) {
    let late_at: BTreeMap<Timestamp, SignedDuration> = key
        .late_status
        .iter()
        .filter_map(|l| l.posted.map(|p| (p, l.late_by)))
        .collect();
    let local = |t: Timestamp| {
        tz.map(|z| {
            t.to_zoned(z.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
    };
    let mut timeline = Vec::new();
    let mut tenures: Vec<RawTenure> = Vec::new();
    let mut shadow: Option<Incident> = None;
    for e in events {
        let before = match &mut shadow {
            None => {
                shadow = Incident::replay([e]).ok();
                if let Some(s) = &shadow
                    && let Some(h) = s.ic()
                {
                    tenures.push((Role::Ic, h.name.clone(), h.since, None));
                }
                None
            }
            Some(s) => {
                let roles_may_change = matches!(
                    e.payload,
                    Payload::RoleHandedOff { .. }
                        | Payload::HandoffAcknowledged { .. }
                        | Payload::PersonReleased { .. }
                );
                let before = roles_may_change.then(|| s.roles.clone());
                s.apply(e);
                before.map(|b| (b, s.roles.clone()))
            }
        };
        let changed =
            before.is_some_and(|(old, new)| track_tenures(&mut tenures, &old, &new, e.ts));
        if let Some(w) = timeline_text(e, changed, &late_at) {
            timeline.push(TimelineRow {
                at: e.ts,
                utc: e.ts.strftime("%Y-%m-%d %H:%M").to_string(),
                local: local(e.ts),
                what: cell(&w),
            });
        }
    }
    (timeline, tenures)
}

/// Closes the tenures of roles that changed hands at `at` and opens the new ones; whether
/// any changed.
fn track_tenures(
    tenures: &mut Vec<RawTenure>,
    old: &BTreeMap<Role, Holder>,
    new: &BTreeMap<Role, Holder>,
    at: Timestamp,
) -> bool {
    let mut changed = false;
    for (role, h) in old {
        if new.get(role) != Some(h)
            && let Some(t) = tenures
                .iter_mut()
                .rev()
                .find(|t| &t.0 == role && t.3.is_none())
        {
            t.3 = Some(at);
            changed = true;
        }
    }
    for (role, h) in new {
        if old.get(role) != Some(h) {
            tenures.push((role.clone(), h.name.clone(), h.since, None));
            changed = true;
        }
    }
    changed
}

/// One event's line on the timeline, if it gets one. `changed`: roles changed hands.
fn timeline_text(
    e: &Event,
    changed: bool,
    late_at: &BTreeMap<Timestamp, SignedDuration>,
) -> Option<String> {
    match &e.payload {
        Payload::IncidentOpened { title, ic, .. } => Some(format!(
            "Incident opened by {}: \"{}\"; IC: {ic}",
            e.actor, title
        )),
        Payload::StateChanged { from, .. } => {
            announcement(&e.payload).map(|a| format!("{a} (was {from})"))
        }
        Payload::RoleHandedOff { from, .. } => announcement(&e.payload).map(|a| match from {
            Some(f) => format!("{a} (was {f})"),
            None => a,
        }),
        Payload::HandoffProposed { role, to, .. } => Some(format!(
            "Hand-off of {} to {to} proposed by {}",
            role.title(),
            e.actor
        )),
        Payload::HandoffAcknowledged { .. } if changed => {
            announcement(&e.payload).map(|a| format!("{a} (acknowledged by {})", e.actor))
        }
        Payload::HandoffCancelled { role, reason } => Some(format!(
            "Hand-off of {} cancelled{}",
            role.title(),
            reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        )),
        Payload::SitrepSent {
            version, fields, ..
        } => Some(format!(
            "Sitrep v{version} by {}: {}",
            e.actor, fields.summary
        )),
        Payload::StatusPosted { fields, .. } => {
            let late = late_at
                .get(&e.ts)
                .map(|d| format!(" [late {}]", hours(*d)))
                .unwrap_or_default();
            Some(format!(
                "Status update ({}) by {}: {}{late}",
                fields.stage, e.actor, fields.message
            ))
        }
        _ => None,
    }
}

/// Tenure rows (by role, then start) and each role's totals per person, longest first.
fn tenure_rows(
    mut tenures: Vec<RawTenure>,
    end: Timestamp,
    still: bool,
) -> (Vec<Tenure>, Vec<RoleTotal>) {
    let mut totals: BTreeMap<Role, BTreeMap<String, SignedDuration>> = BTreeMap::new();
    let mut rows = Vec::new();
    tenures.sort_by_key(|a| (a.0.rank(), a.0.key(), a.2));
    for (role, name, from, to) in tenures {
        let stop = to.unwrap_or(end).min(end).max(from);
        let held = stop.duration_since(from);
        *totals
            .entry(role.clone())
            .or_default()
            .entry(name.clone())
            .or_default() += held;
        rows.push(Tenure {
            role: role.title(),
            name: cell(&name),
            from: utc(from),
            to: match to {
                Some(t) => utc(t),
                None if still => "still holds".to_string(),
                None => format!("{} (resolved)", utc(end)),
            },
            held: hours(held),
            held_for: held,
        });
    }
    let role_totals = totals
        .into_iter()
        .map(|(role, people)| {
            let mut v: Vec<_> = people.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            RoleTotal {
                role: role.title(),
                people: v
                    .iter()
                    .map(|(n, d)| format!("{} {}", cell(n), hours(*d)))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    (rows, role_totals)
}

/// The key figures table.
fn figures(inc: &Incident, key: &KeyFigures, policy: &Policy) -> Vec<Figure> {
    let opened = inc.opened_at;
    let at_of = |d: Option<SignedDuration>| d.map(|d| super::plus(opened, d));
    let fig = |label: &str, value: String| Figure {
        label: label.to_string(),
        value,
    };
    let late_count = key.late_status.len();
    let worst = key.late_status.iter().map(|l| l.late_by).max();
    vec![
        fig("Highest state", key.max_severity.label().to_string()),
        fig(
            "Time to first status update",
            when(key.to_first_status, at_of(key.to_first_status)),
        ),
        fig(
            "Time to first sitrep",
            when(key.to_first_sitrep, at_of(key.to_first_sitrep)),
        ),
        fig(
            "Time to confirmed",
            when(key.to_confirmed, at_of(key.to_confirmed)),
        ),
        fig("Time to resolved", when(key.to_resolved, key.resolved_at)),
        fig(
            "Time to closed (cleanup done)",
            when(
                key.closed_at.map(|c| c.duration_since(opened)),
                key.closed_at,
            ),
        ),
        fig(
            "Hand-offs",
            format!("{} (IC: {})", key.handoffs, key.ic_handoffs),
        ),
        fig("Sitreps sent", key.sitreps.to_string()),
        fig("Status updates posted", key.status_updates.to_string()),
        fig(
            "Longest continuous shift",
            key.longest_shift
                .as_ref()
                .map(|l| {
                    format!(
                        "{} by {} from {}",
                        hours(l.length),
                        cell(&l.name),
                        utc(l.start)
                    )
                })
                .unwrap_or_else(|| "none".into()),
        ),
        fig(
            &format!("Shifts over {}", hours(policy.shifts.length)),
            key.shifts_over_limit.to_string(),
        ),
        fig(
            "Status updates late against the cadence",
            match worst {
                Some(w) => format!(
                    "{late_count} (worst {} late; cadence {})",
                    hours(w),
                    hours(policy.cadence.status)
                ),
                None => format!("0 (cadence {})", hours(policy.cadence.status)),
            },
        ),
    ]
}

/// Status updates late against the cadence (or against a promise).
fn late_rows(key: &KeyFigures, policy: &Policy) -> Vec<LateRow> {
    key.late_status
        .iter()
        .map(|l| LateRow {
            due: utc(l.due),
            posted: l.posted.map(utc).unwrap_or_else(|| "never".into()),
            late_by: hours(l.late_by),
            basis: if l.promised {
                "promised to customers".into()
            } else {
                format!("cadence {}", hours(policy.cadence.status))
            },
        })
        .collect()
}

/// `done <time>: note`, the way cleanup and remediation items say they are done.
fn done_text(at: Timestamp, note: Option<&str>) -> String {
    format!(
        "done {}{}",
        utc(at),
        note.map(|n| format!(": {}", cell(n))).unwrap_or_default()
    )
}

fn cleanup_rows(inc: &Incident) -> Vec<ItemRow> {
    inc.followup
        .cleanup
        .rows()
        .enumerate()
        .map(|(n, (item, m))| ItemRow {
            id: (n + 1).to_string(),
            text: cell(item),
            owner: m.map(|m| cell(&m.by)).unwrap_or_default(),
            status: match m {
                None => "open".into(),
                Some(m) => match &m.outcome {
                    super::CleanupOutcome::Done { note } => done_text(m.at, note.as_deref()),
                    super::CleanupOutcome::Skipped { reason } => {
                        format!("skipped {}: {}", utc(m.at), cell(reason))
                    }
                },
            },
        })
        .collect()
}

fn remediation_rows(inc: &Incident) -> Vec<ItemRow> {
    inc.followup
        .remediations
        .iter()
        .map(|r| ItemRow {
            id: r.label(),
            text: cell(&r.text),
            owner: r
                .owner
                .as_deref()
                .map(cell)
                .unwrap_or_else(|| "unassigned".into()),
            status: match &r.done {
                Some((at, _, note)) => done_text(*at, note.as_deref()),
                None => "open".into(),
            },
        })
        .collect()
}

/// `closed <time>`, or why not.
fn closed_text(inc: &Incident) -> String {
    match inc.closed_at() {
        Some(t) => format!("closed {}", utc(t)),
        None if inc.state == Severity::Resolved => format!(
            "not closed: cleanup open ({})",
            inc.followup.cleanup.open_items().join(", ")
        ),
        None => "not closed: the incident is still open".into(),
    }
}

/// Open hypotheses, and those ruled out (when, why).
fn hypotheses(inc: &Incident) -> (Vec<String>, Vec<String>) {
    let open = inc
        .hypotheses
        .iter()
        .filter(|h| h.ruled_out.is_none())
        .map(|h| format!("#{} {}", h.label(), cell(&h.text)))
        .collect();
    let ruled_out = inc
        .hypotheses
        .iter()
        .filter_map(|h| {
            h.ruled_out.as_ref().map(|(at, r)| {
                format!(
                    "#{} {} (ruled out {}{})",
                    h.label(),
                    cell(&h.text),
                    utc(*at),
                    r.as_deref()
                        .map(|r| format!(": {}", cell(r)))
                        .unwrap_or_default()
                )
            })
        })
        .collect();
    (open, ruled_out)
}

/// Renders `data` with a template source (the built-in one is [`TEMPLATE`]).
pub fn render(data: &PostmortemData, template: &str) -> Result<String, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_template("postmortem.md", template)?;
    env.get_template("postmortem.md")?.render(data)
}

/// The post-mortem draft as Markdown, from the built-in template.
pub fn postmortem(
    inc: &Incident,
    events: &[Event],
    policy: &Policy,
    tz: Option<&TimeZone>,
) -> Result<String, minijinja::Error> {
    render(&PostmortemData::build(inc, events, policy, tz), TEMPLATE)
}
