//! The incident as replayed from its events, and the rules that decide which
//! new events are allowed. Commands (`cmd_*`) validate and return the payload
//! to journal; [`Incident::apply`] folds a journaled event into the state.

use crate::domain::event::{Event, LoopQuestion, Payload, Severity, SitrepFields, StatusFields};
use crate::domain::numbered::Numbered;
use crate::domain::role::{Role, valid_group};
use crate::domain::text::{clean_name, one_line, strip_control};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("cannot change state: the incident is already {0}")]
    SameState(Severity),
    #[error(
        "cannot change state from {from} to {to}: a resolved incident can only be re-opened as investigating"
    )]
    BadTransition { from: Severity, to: Severity },
    #[error("{0} already holds {1}")]
    AlreadyHolds(String, String),
    #[error("{0} is the IC: hand the IC role to someone else before releasing them")]
    IcCannotBeReleased(String),
    #[error("no one named {0:?} is on the roster")]
    UnknownPerson(String),
    #[error("{0} is already off duty")]
    AlreadyOffDuty(String),
    #[error("{0} is already on duty")]
    AlreadyOnDuty(String),
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("the incident is resolved: re-open it first (state investigating)")]
    Resolved,
    #[error("the first event of a journal must open the incident")]
    NotOpened,
    #[error("no open hypothesis #{0}")]
    UnknownHypothesis(String),
    #[error("no {what} #{label}")]
    UnknownItem { what: &'static str, label: String },
    #[error(
        "#{label} is ambiguous: cockpits gave the number to more than one {what} at the same \
         time: {choices}; name one as listed (e.g. {example})"
    )]
    Ambiguous {
        what: &'static str,
        label: String,
        choices: String,
        example: String,
    },
    #[error("no {0} number is left after {1} (edit the journal's largest one by hand)")]
    NumbersExhausted(&'static str, u32),
    #[error(
        "sitrep v{0} was sent meanwhile (by another cockpit or script): this one was NOT sent; \
         review the draft against it and send again"
    )]
    SitrepSentMeanwhile(u32),
}

/// One more than the largest of `ids` (1 first); checked: a hand-edited journal
/// holding the largest id has no successor.
pub(crate) fn next_number(
    what: &'static str,
    ids: impl Iterator<Item = u32>,
) -> Result<u32, DomainError> {
    let max = ids.max().unwrap_or(0);
    max.checked_add(1)
        .ok_or(DomainError::NumbersExhausted(what, max))
}

/// Who holds a role and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub name: String,
    pub since: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Break {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

/// One continuous stretch on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub breaks: Vec<Break>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub handle: Option<String>,
    pub contact: Option<String>,
    pub team: Option<String>,
    /// All shifts in this incident, oldest first; the last is current when open.
    pub shifts: Vec<Shift>,
}

impl Person {
    pub fn on_duty(&self) -> bool {
        self.shifts.last().is_some_and(|s| s.end.is_none())
    }

    pub fn current_shift(&self) -> Option<&Shift> {
        self.shifts.last().filter(|s| s.end.is_none())
    }

    pub fn on_break(&self) -> bool {
        self.current_shift()
            .and_then(|s| s.breaks.last())
            .is_some_and(|b| b.end.is_none())
    }

    pub fn on_duty_since(&self) -> Option<Timestamp> {
        self.current_shift().map(|s| s.start)
    }

    pub fn off_duty_since(&self) -> Option<Timestamp> {
        if self.on_duty() {
            None
        } else {
            self.shifts.last().and_then(|s| s.end)
        }
    }

    /// The end of the last completed break in the current shift (or the shift
    /// start if none): the clock for "time since last break".
    pub fn last_rest(&self) -> Option<Timestamp> {
        let s = self.current_shift()?;
        Some(s.breaks.iter().rev().find_map(|b| b.end).unwrap_or(s.start))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub members: Vec<String>,
    /// When the group first appeared on the roster.
    pub formed_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    pub text: String,
    pub updated_at: Option<Timestamp>,
    pub reviewed_at: Option<Timestamp>,
    pub reviewed_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hypothesis {
    /// The number as allocated by the cockpit that added it.
    pub id: u32,
    pub text: String,
    pub added_at: Timestamp,
    pub ruled_out: Option<(Timestamp, Option<String>)>,
    /// The origin of the data dir that added it (see `domain::numbered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Shown after the number when items of other origins share it (`#3-kato`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
}

crate::domain::numbered::numbered_item!(Hypothesis);

impl Hypothesis {
    /// `3`, or `3-kato` when another cockpit's hypothesis has the same number.
    pub fn label(&self) -> String {
        crate::domain::numbered::Numbered::label(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    #[serde(deserialize_with = "crate::domain::stamp::de")]
    pub at: Timestamp,
    pub by: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    pub from: Severity,
    pub to: Severity,
    pub at: Timestamp,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    pub role: Role,
    pub from: Option<String>,
    pub to: String,
    pub at: Timestamp,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentSitrep {
    pub version: u32,
    pub at: Timestamp,
    pub by: String,
    pub fields: SitrepFields,
    pub rendered: String,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedStatus {
    pub at: Timestamp,
    pub by: String,
    pub fields: StatusFields,
    pub rendered: String,
}

/// The IC's mark on one loop question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct QuestionMark {
    pub reviewed: Option<(Timestamp, String)>,
    pub snoozed_until: Option<Timestamp>,
}

/// Everything known about one incident: the replay of its journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub opened_at: Timestamp,
    pub opened_by: String,
    pub state: Severity,
    pub state_changes: Vec<StateChange>,
    pub roles: BTreeMap<Role, Holder>,
    pub people: Vec<Person>,
    pub groups: BTreeMap<String, Group>,
    pub impact: Impact,
    pub hypotheses: Vec<Hypothesis>,
    pub notes: Vec<Note>,
    pub links: Vec<(String, String)>,
    pub handoffs: Vec<Handoff>,
    pub sitreps: Vec<SentSitrep>,
    pub status_updates: Vec<PostedStatus>,
    pub marks: BTreeMap<LoopQuestion, QuestionMark>,
    /// Completed passes through the event loop (all six questions reviewed).
    pub loop_passes: u32,
    /// Questions reviewed or snoozed in the pass under way.
    pub pass_progress: std::collections::BTreeSet<LoopQuestion>,
    /// Events of types this version does not know: (seq in their origin's journal, type).
    pub unknown: Vec<(u64, String)>,
    /// The highest journal seq folded in (this journal's numbering: not shown by `show
    /// --json`, which is the same on every replica).
    #[serde(skip)]
    pub last_seq: u64,
    pub last_ts: Timestamp,
    /// Pending hand-offs, cleanup and remediation (domain::followup).
    pub followup: crate::domain::followup::FollowUp,
    /// Events that lost a race with another cockpit's (domain::replicated).
    pub conflicts: Vec<crate::domain::replicated::Conflict>,
    /// Commands typed in the incident's room: accepted and rejected, once per message.
    pub room_commands: Vec<crate::domain::replicated::RoomOutcome>,
    /// Who last changed what, for the conflict sentences (derived).
    #[serde(skip)]
    pub(crate) contest: crate::domain::replicated::Contest,
    /// Product health figures as the IC saw them (domain::health::observe).
    #[serde(
        default,
        skip_serializing_if = "crate::domain::health::observe::Journaled::is_empty"
    )]
    pub health: crate::domain::health::observe::Journaled,
    /// Firing alerts attached to the incident, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<Attached>,
    /// Lookups that keep replay linear in events (rebuilt by replay, never journaled).
    #[serde(skip)]
    index: Index,
}

/// Where a person is in `people` (by exact name, and the first by lowercase name) and which
/// groups list them: replay and roster lookups are then constant time, not a scan per event.
#[derive(Debug, Clone, PartialEq, Default)]
struct Index {
    exact: std::collections::HashMap<String, usize>,
    folded: std::collections::HashMap<String, usize>,
    groups: std::collections::HashMap<String, std::collections::BTreeSet<String>>,
    /// Hypothesis number -> its places in `hypotheses` (several: see `domain::numbered`).
    hypotheses: std::collections::HashMap<u32, Vec<usize>>,
}

impl Index {
    fn add_person(&mut self, name: &str, at: usize) {
        self.exact.entry(name.to_string()).or_insert(at);
        self.folded.entry(name.to_lowercase()).or_insert(at);
    }
}

/// An alert attached to the incident: when, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attached {
    pub at: Timestamp,
    pub by: String,
    pub alert: crate::domain::alert::AttachedAlert,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn text_field(field: &'static str, raw: &str, max: usize) -> Result<String, DomainError> {
    let t = strip_control(raw).trim().to_string();
    if t.is_empty() {
        return Err(invalid(field, "cannot be empty"));
    }
    if t.chars().count() > max {
        return Err(invalid(
            field,
            format!("too long (at most {max} characters)"),
        ));
    }
    Ok(t)
}

/// A new incident opened from a firing alert (the cockpit's `n` in the alerts view, and
/// `commandpost new --from-alert`): its title (the alert's summary) and what follows the
/// opening, in order: the alert's labels as the first note, then the alert attached.
pub fn open_from_alert(
    alert: &crate::domain::alert::Alert,
    opener: &str,
) -> Result<(String, Vec<Payload>), DomainError> {
    let title = alert.title();
    open("check", &title, opener)?;
    let then = vec![
        Payload::NoteAdded {
            text: text_field("note", &alert.note(), 4000)?,
        },
        Payload::AlertAttached(alert.attached()),
    ];
    Ok((title, then))
}

/// The payload opening a new incident, `opener` becoming IC.
pub fn open(id: &str, title: &str, opener: &str) -> Result<Payload, DomainError> {
    let title = one_line(title);
    if title.is_empty() {
        return Err(invalid("title", "cannot be empty"));
    }
    if title.chars().count() > 200 {
        return Err(invalid("title", "too long (at most 200 characters)"));
    }
    let ic = clean_name(opener).map_err(|r| invalid("person", r))?;
    Ok(Payload::IncidentOpened {
        id: id.to_string(),
        title,
        ic,
    })
}

/// The `@all:` line a payload announces, if it announces one.
pub fn announcement(payload: &Payload) -> Option<String> {
    match payload {
        Payload::StateChanged { from, to } => Some(match (from, to) {
            (Severity::Resolved, _) => "@all: Incident Re-opened".to_string(),
            (_, to) => format!("@all: Incident {}", to.word()),
        }),
        Payload::RoleHandedOff { role, to, .. } => {
            Some(format!("@all: {} -> {}", role.title(), to))
        }
        Payload::HandoffAcknowledged { role, by } => {
            Some(format!("@all: {} -> {}", role.title(), by))
        }
        _ => None,
    }
}

/// The parts of an [`Incident`] its serialised form (`show --json`) leaves out. Together
/// with that form they are the whole state, which a derived copy of it (a journal
/// snapshot) saves: `Incident::deserialize(json).with_unshown(unshown)` equals the incident
/// serialised. Any field marked `#[serde(skip)]` on [`Incident`] belongs here.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unshown {
    pub last_seq: u64,
    pub contest: crate::domain::replicated::Contest,
}

impl Incident {
    /// What the serialised incident leaves out (see [`Unshown`]).
    pub fn unshown(&self) -> Unshown {
        Unshown {
            last_seq: self.last_seq,
            contest: self.contest.clone(),
        }
    }

    /// The incident with the parts its serialised form left out put back.
    pub fn with_unshown(mut self, u: Unshown) -> Incident {
        self.last_seq = u.last_seq;
        self.contest = u.contest;
        self.index = self.rebuilt_index();
        self.followup.remediation_at =
            crate::domain::numbered::positions(&self.followup.remediations);
        self
    }

    /// The lookups replay keeps (never serialised), rebuilt from the incident's parts.
    fn rebuilt_index(&self) -> Index {
        let mut ix = Index::default();
        for (i, p) in self.people.iter().enumerate() {
            ix.add_person(&p.name, i);
        }
        for (name, g) in &self.groups {
            for m in &g.members {
                ix.groups.entry(m.clone()).or_default().insert(name.clone());
            }
        }
        ix.hypotheses = crate::domain::numbered::positions(&self.hypotheses);
        ix
    }

    /// Rebuilds the incident from its events, in order.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Incident, DomainError> {
        let mut iter = events.into_iter();
        let first = iter.next().ok_or(DomainError::NotOpened)?;
        let mut inc = Incident::from_opening(first)?;
        for e in iter {
            inc.apply(e);
        }
        Ok(inc)
    }

    fn from_opening(e: &Event) -> Result<Incident, DomainError> {
        let Payload::IncidentOpened { id, title, ic } = &e.payload else {
            return Err(DomainError::NotOpened);
        };
        let mut roles = BTreeMap::new();
        roles.insert(
            Role::Ic,
            Holder {
                name: ic.clone(),
                since: e.ts,
            },
        );
        let mut contest = crate::domain::replicated::Contest::default();
        contest.roles.insert(
            Role::Ic,
            crate::domain::replicated::Change {
                origin: e.rep.origin.clone(),
                at: e.ts,
                phrase: format!("{ic} opening the incident as IC"),
            },
        );
        Ok(Incident {
            id: id.clone(),
            title: title.clone(),
            opened_at: e.ts,
            opened_by: ic.clone(),
            state: Severity::Investigating,
            state_changes: Vec::new(),
            roles,
            people: vec![Person {
                name: ic.clone(),
                handle: None,
                contact: None,
                team: None,
                shifts: vec![Shift {
                    start: e.ts,
                    end: None,
                    breaks: vec![],
                }],
            }],
            groups: BTreeMap::new(),
            impact: Impact {
                text: String::new(),
                updated_at: None,
                reviewed_at: None,
                reviewed_by: None,
            },
            hypotheses: Vec::new(),
            notes: Vec::new(),
            links: Vec::new(),
            handoffs: Vec::new(),
            sitreps: Vec::new(),
            status_updates: Vec::new(),
            marks: BTreeMap::new(),
            loop_passes: 0,
            pass_progress: Default::default(),
            unknown: Vec::new(),
            index: {
                let mut index = Index::default();
                index.add_person(ic, 0);
                index
            },
            last_seq: e.seq,
            last_ts: e.ts,
            followup: Default::default(),
            conflicts: Vec::new(),
            room_commands: Vec::new(),
            health: Default::default(),
            alerts: Vec::new(),
            contest,
        })
    }

    // ----- queries -------------------------------------------------------

    pub fn ic(&self) -> Option<&Holder> {
        self.roles.get(&Role::Ic)
    }

    pub fn holder(&self, role: &Role) -> Option<&Holder> {
        self.roles.get(role)
    }

    /// Finds a person by name, exact first, then case-insensitively.
    pub fn person(&self, name: &str) -> Option<&Person> {
        self.person_at(name.trim()).and_then(|i| self.people.get(i))
    }

    /// Where `name` is in `people`: exact first, then case-insensitively (indexed; a scan only
    /// if `people` was changed behind the index's back).
    fn person_at(&self, name: &str) -> Option<usize> {
        let ok = |i: &usize, folded: bool| {
            self.people.get(*i).is_some_and(|p| {
                if folded {
                    p.name.to_lowercase() == name.to_lowercase()
                } else {
                    p.name == name
                }
            })
        };
        if let Some(&i) = self.index.exact.get(name).filter(|i| ok(i, false)) {
            return Some(i);
        }
        if let Some(&i) = self
            .index
            .folded
            .get(&name.to_lowercase())
            .filter(|i| ok(i, true))
        {
            return Some(i);
        }
        if self.index.exact.len() == self.people.len() {
            return None;
        }
        self.people.iter().position(|p| p.name == name).or_else(|| {
            self.people
                .iter()
                .position(|p| p.name.to_lowercase() == name.to_lowercase())
        })
    }

    fn person_mut(&mut self, name: &str) -> Option<&mut Person> {
        let idx = self.person_at(name)?;
        self.people.get_mut(idx)
    }

    /// Removes `name` from every group listing them.
    fn leave_groups(&mut self, name: &str) {
        for g in self.index.groups.remove(name).unwrap_or_default() {
            if let Some(grp) = self.groups.get_mut(&g) {
                grp.members.retain(|m| m != name);
            }
        }
    }

    pub fn on_duty(&self) -> impl Iterator<Item = &Person> {
        self.people.iter().filter(|p| p.on_duty())
    }

    /// Roles held by `name`, IC first.
    pub fn roles_of(&self, name: &str) -> Vec<Role> {
        self.roles
            .iter()
            .filter(|(_, h)| h.name == name)
            .map(|(r, _)| r.clone())
            .collect()
    }

    /// The group a person is a member of, if any (the first by name if several).
    pub fn group_of(&self, name: &str) -> Option<&str> {
        self.index
            .groups
            .get(name)?
            .iter()
            .find_map(|g| self.groups.get(g))
            .map(|g| g.name.as_str())
    }

    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }

    pub fn last_sitrep(&self) -> Option<&SentSitrep> {
        self.sitreps.last()
    }

    pub fn last_status(&self) -> Option<&PostedStatus> {
        self.status_updates.last()
    }

    // ----- commands: validate, return the payload to journal ------------

    fn require_open(&self) -> Result<(), DomainError> {
        if self.is_open() {
            Ok(())
        } else {
            Err(DomainError::Resolved)
        }
    }

    pub fn cmd_set_state(&self, to: Severity) -> Result<Payload, DomainError> {
        let from = self.state;
        if from == to {
            return Err(DomainError::SameState(from));
        }
        if from == Severity::Resolved && to != Severity::Investigating {
            return Err(DomainError::BadTransition { from, to });
        }
        Ok(Payload::StateChanged { from, to })
    }

    pub fn cmd_retitle(&self, title: &str) -> Result<Payload, DomainError> {
        let title = one_line(title);
        if title.is_empty() {
            return Err(invalid("title", "cannot be empty"));
        }
        Ok(Payload::TitleChanged { title })
    }

    /// Hands `role` to `to` (who joins the roster if not on duty). The IC
    /// role always has a holder; other roles may be vacant before.
    pub fn cmd_handoff(&self, role: &Role, to: &str) -> Result<Payload, DomainError> {
        self.require_open()?;
        let to = clean_name(to).map_err(|r| invalid("person", r))?;
        let to = self.person(&to).map(|p| p.name.clone()).unwrap_or(to);
        let from = self.holder(role).map(|h| h.name.clone());
        if from.as_deref() == Some(to.as_str()) {
            return Err(DomainError::AlreadyHolds(to, role.title()));
        }
        Ok(Payload::RoleHandedOff {
            role: role.clone(),
            from,
            to,
        })
    }

    pub fn cmd_join(
        &self,
        name: &str,
        group: Option<&str>,
        handle: Option<&str>,
        contact: Option<&str>,
        team: Option<&str>,
    ) -> Result<Payload, DomainError> {
        self.require_open()?;
        let name = clean_name(name).map_err(|r| invalid("person", r))?;
        let group = group
            .map(valid_group)
            .transpose()
            .map_err(|r| invalid("group", r))?;
        if let Some(p) = self.person(&name)
            && p.on_duty()
        {
            let same_group = group
                .as_deref()
                .is_none_or(|g| self.group_of(&p.name) == Some(g));
            if same_group {
                return Err(DomainError::AlreadyOnDuty(p.name.clone()));
            }
        }
        let name = self.person(&name).map(|p| p.name.clone()).unwrap_or(name);
        let opt = |s: Option<&str>| s.map(one_line).filter(|s| !s.is_empty());
        Ok(Payload::PersonJoined {
            name,
            handle: opt(handle),
            contact: opt(contact),
            team: opt(team),
            group,
        })
    }

    pub fn cmd_release(&self, name: &str) -> Result<Payload, DomainError> {
        let p = self
            .person(name)
            .ok_or_else(|| DomainError::UnknownPerson(name.trim().to_string()))?;
        if !p.on_duty() {
            return Err(DomainError::AlreadyOffDuty(p.name.clone()));
        }
        if self.ic().is_some_and(|h| h.name == p.name) && self.is_open() {
            return Err(DomainError::IcCannotBeReleased(p.name.clone()));
        }
        Ok(Payload::PersonReleased {
            name: p.name.clone(),
        })
    }

    /// Starts a break, or ends the one in progress.
    pub fn cmd_toggle_break(&self, name: &str) -> Result<Payload, DomainError> {
        let p = self
            .person(name)
            .ok_or_else(|| DomainError::UnknownPerson(name.trim().to_string()))?;
        if !p.on_duty() {
            return Err(DomainError::AlreadyOffDuty(p.name.clone()));
        }
        let name = p.name.clone();
        Ok(if p.on_break() {
            Payload::BreakEnded { name }
        } else {
            Payload::BreakStarted { name }
        })
    }

    pub fn cmd_impact(&self, text: &str) -> Result<Payload, DomainError> {
        Ok(Payload::ImpactUpdated {
            text: text_field("impact", text, 4000)?,
        })
    }

    pub fn cmd_note(&self, text: &str) -> Result<Payload, DomainError> {
        Ok(Payload::NoteAdded {
            text: text_field("note", text, 4000)?,
        })
    }

    /// Attaches a firing alert (journal and timeline); refused when it already is.
    pub fn cmd_attach_alert(
        &self,
        alert: &crate::domain::alert::Alert,
    ) -> Result<Payload, DomainError> {
        let a = alert.attached();
        if self
            .alerts
            .iter()
            .any(|x| x.alert.fingerprint == a.fingerprint)
        {
            return Err(invalid(
                "alert",
                format!("alert {} ({}) is already attached", a.name, a.fingerprint),
            ));
        }
        Ok(Payload::AlertAttached(a))
    }

    pub fn cmd_link(&self, label: &str, url: &str) -> Result<Payload, DomainError> {
        let label = text_field("label", &one_line(label), 200)?;
        let url = one_line(url);
        let scheme_ok = ["http://", "https://"]
            .iter()
            .any(|s| url.to_lowercase().starts_with(s));
        if !scheme_ok || url.contains(' ') || url.len() < 10 {
            return Err(invalid("url", format!("{url:?} is not an http(s) URL")));
        }
        Ok(Payload::LinkAdded { label, url })
    }

    /// A new hypothesis, numbered against this view (again under the journal's lock by
    /// [`Incident::renumber`]); the writer stamps its origin (`domain::numbered::stamp`).
    pub fn cmd_hypothesis(&self, text: &str) -> Result<Payload, DomainError> {
        Ok(Payload::HypothesisAdded {
            id: self.next_hypothesis_id()?,
            text: text_field("hypothesis", text, 1000)?,
            origin: None,
        })
    }

    pub fn next_hypothesis_id(&self) -> Result<u32, DomainError> {
        next_number("hypothesis", self.hypotheses.iter().map(|h| h.id))
    }

    /// A payload made from an older view of the incident, numbered again
    /// against the incident as it is now (under the journal's lock): new
    /// hypothesis and remediation ids are allocated here, and a sitrep whose
    /// version was taken meanwhile is refused (its text names the version).
    pub fn renumber(&self, payload: Payload) -> Result<Payload, DomainError> {
        match payload {
            Payload::HypothesisAdded { text, origin, .. } => Ok(Payload::HypothesisAdded {
                id: self.next_hypothesis_id()?,
                text,
                origin,
            }),
            Payload::RemediationAdded {
                text,
                owner,
                origin,
                ..
            } => Ok(Payload::RemediationAdded {
                id: self.next_remediation_id()?,
                text,
                owner,
                origin,
            }),
            Payload::SitrepSent { version, .. }
                if self.sitreps.iter().any(|s| s.version >= version) =>
            {
                Err(DomainError::SitrepSentMeanwhile(
                    self.sitreps
                        .iter()
                        .map(|s| s.version)
                        .max()
                        .unwrap_or(version),
                ))
            }
            other => Ok(other),
        }
    }

    /// The hypothesis a person named: `3`, or `3-kato` when two cockpits numbered one #3
    /// (see `domain::numbered`).
    pub fn pick_hypothesis(&self, typed: &str) -> Result<&Hypothesis, DomainError> {
        crate::domain::numbered::pick(&self.hypotheses, "hypothesis", typed)
    }

    /// The hypothesis a journaled add or rule-out of number `id` and origin `of` names, as
    /// the fold resolves it.
    pub fn hypothesis_named(&self, id: u32, of: Option<&str>) -> Option<&Hypothesis> {
        crate::domain::numbered::resolve(&self.hypotheses, &self.index.hypotheses, id, of)
            .and_then(|i| self.hypotheses.get(i))
    }

    /// Rules out the hypothesis a person named (`3`, `3-kato`).
    pub fn cmd_rule_out(&self, typed: &str, reason: Option<&str>) -> Result<Payload, DomainError> {
        let h = self.pick_hypothesis(typed)?.item_ref();
        self.cmd_rule_out_item(&h, reason)
    }

    /// Rules out the hypothesis with identity `h` (its number and origin).
    pub fn cmd_rule_out_item(
        &self,
        h: &crate::domain::numbered::ItemRef,
        reason: Option<&str>,
    ) -> Result<Payload, DomainError> {
        let open = self
            .hypotheses
            .iter()
            .find(|x| x.id == h.id && x.origin == h.origin && x.ruled_out.is_none());
        let Some(open) = open else {
            let label = self
                .hypotheses
                .iter()
                .find(|x| x.id == h.id && x.origin == h.origin)
                .map_or_else(|| h.id.to_string(), Hypothesis::label);
            return Err(DomainError::UnknownHypothesis(label));
        };
        Ok(Payload::HypothesisRuledOut {
            id: open.id,
            reason: reason.map(one_line).filter(|r| !r.is_empty()),
            of: open.origin.clone(),
        })
    }

    // ----- replay --------------------------------------------------------

    /// Folds one journaled event into the state. Never fails: events were
    /// validated before they were written; anything odd is tolerated.
    pub fn apply(&mut self, e: &Event) {
        self.last_seq = self.last_seq.max(e.seq);
        self.last_ts = self.last_ts.max(e.ts);
        let at = e.ts;
        match &e.payload {
            Payload::IncidentOpened { .. } => {}
            Payload::TitleChanged { title } => self.title = title.clone(),
            Payload::StateChanged { from, to } => self.apply_state_change(*from, *to, e),
            Payload::RoleHandedOff { role, from, to } => self.apply_handoff(role, from, to, e),
            Payload::PersonJoined {
                name,
                handle,
                contact,
                team,
                group,
            } => {
                self.ensure_on_duty(name, at, Some((handle, contact, team)));
                if let Some(g) = group {
                    // A person is a member of one group at a time.
                    self.leave_groups(name);
                    self.add_to_group(g, name, at);
                }
            }
            Payload::PersonReleased { name } => self.apply_release(name, e),
            Payload::BreakStarted { name } => self.apply_break_start(name, at),
            Payload::BreakEnded { name } => self.apply_break_end(name, at),
            Payload::ImpactUpdated { text } => {
                self.impact.text = text.clone();
                self.impact.updated_at = Some(at);
                self.impact.reviewed_at = Some(at);
                self.impact.reviewed_by = Some(e.actor.clone());
            }
            Payload::HypothesisAdded { id, text, origin } => crate::domain::numbered::push(
                &mut self.hypotheses,
                &mut self.index.hypotheses,
                Hypothesis {
                    id: *id,
                    text: text.clone(),
                    added_at: at,
                    ruled_out: None,
                    origin: origin.clone(),
                    mark: None,
                },
            ),
            Payload::HypothesisRuledOut { id, reason, of } => {
                let i = crate::domain::numbered::resolve(
                    &self.hypotheses,
                    &self.index.hypotheses,
                    *id,
                    of.as_deref(),
                );
                if let Some(h) = i.and_then(|i| self.hypotheses.get_mut(i)) {
                    h.ruled_out = Some((at, reason.clone()));
                }
            }
            Payload::NoteAdded { text } => self.notes.push(Note {
                at,
                by: e.actor.clone(),
                text: text.clone(),
            }),
            Payload::LinkAdded { label, url } => self.links.push((label.clone(), url.clone())),
            Payload::QuestionReviewed { question } => {
                let m = self.marks.entry(*question).or_default();
                m.reviewed = Some((at, e.actor.clone()));
                m.snoozed_until = None;
                if *question == LoopQuestion::Impact {
                    self.impact.reviewed_at = Some(at);
                    self.impact.reviewed_by = Some(e.actor.clone());
                }
                self.note_pass(*question);
            }
            Payload::QuestionSnoozed { question, until } => {
                self.marks.entry(*question).or_default().snoozed_until = Some(*until);
                self.note_pass(*question);
            }
            Payload::SitrepSent {
                version,
                fields,
                rendered,
                groups,
                ..
            } => {
                self.sitreps.push(SentSitrep {
                    version: *version,
                    at,
                    by: e.actor.clone(),
                    fields: fields.clone(),
                    rendered: rendered.clone(),
                    groups: groups.clone(),
                });
            }
            Payload::StatusPosted { fields, rendered } => {
                self.status_updates.push(PostedStatus {
                    at,
                    by: e.actor.clone(),
                    fields: fields.clone(),
                    rendered: rendered.clone(),
                });
            }
            Payload::HandoffProposed { .. }
            | Payload::HandoffAcknowledged { .. }
            | Payload::HandoffCancelled { .. }
            | Payload::CleanupOpened { .. }
            | Payload::CleanupItemDone { .. }
            | Payload::CleanupItemSkipped { .. }
            | Payload::RemediationAdded { .. }
            | Payload::RemediationAssigned { .. }
            | Payload::RemediationDone { .. } => crate::domain::followup::apply(self, e),
            // A drill inject is information for the timeline only.
            Payload::DrillInject { .. } => {}
            // Folded by `delivery::outbox::OutboxState` (the outbox view), not here.
            Payload::Outbox(_) => {}
            Payload::RoomCommand(c) => self.apply_room_command(e, c),
            Payload::MetricsObserved { why, values } => {
                self.health.0.push(crate::domain::health::observe::Seen {
                    at,
                    why: *why,
                    values: values.clone(),
                });
            }
            Payload::AlertAttached(a) => self.alerts.push(Attached {
                at,
                by: e.actor.clone(),
                alert: a.clone(),
            }),
            Payload::Unknown { kind, .. } => self.unknown.push((e.oseq(), kind.clone())),
        }
    }

    fn apply_state_change(&mut self, from: Severity, to: Severity, e: &Event) {
        if !self.cas_state(e, from, to) {
            return;
        }
        self.note_state_change(e, &e.actor, to);
        self.state = to;
        self.state_changes.push(StateChange {
            from,
            to,
            at: e.ts,
            by: e.actor.clone(),
        });
        // A new state changes what "done" means: reviews are reset.
        for m in self.marks.values_mut() {
            m.reviewed = None;
            m.snoozed_until = None;
        }
    }

    fn apply_handoff(&mut self, role: &Role, from: &Option<String>, to: &str, e: &Event) {
        if !self.cas_handoff(e, role, (from.as_deref(), to), false) {
            return;
        }
        let at = e.ts;
        let taking = format!("{to} taking {}", role.title());
        if self.followup.pending_handoffs.remove(role).is_some() {
            self.note_pending_end(e, role, taking.clone());
        }
        self.note_role_change(e, role, taking);
        self.ensure_on_duty(to, at, None);
        self.roles.insert(
            role.clone(),
            Holder {
                name: to.to_string(),
                since: at,
            },
        );
        if let Role::OpsLead(g) = role {
            self.add_to_group(g, to, at);
        }
        self.handoffs.push(Handoff {
            role: role.clone(),
            from: from.clone(),
            to: to.to_string(),
            at,
            by: e.actor.clone(),
        });
    }

    /// Ends the person's shift (and break) and takes their roles but IC and groups.
    fn apply_release(&mut self, name: &str, e: &Event) {
        let at = e.ts;
        if let Some(p) = self.person_mut(name)
            && let Some(s) = p.shifts.last_mut()
            && s.end.is_none()
        {
            if let Some(b) = s.breaks.last_mut()
                && b.end.is_none()
            {
                b.end = Some(at);
            }
            s.end = Some(at);
        }
        let ic = Role::Ic;
        let vacated: Vec<Role> = self
            .roles
            .iter()
            .filter(|(r, h)| **r != ic && h.name == *name)
            .map(|(r, _)| r.clone())
            .collect();
        for r in vacated {
            let leaving = format!("{name} leaving {}", r.title());
            self.note_role_change(e, &r, leaving);
        }
        self.roles.retain(|r, h| *r == ic || h.name != *name);
        self.leave_groups(name);
    }

    fn apply_break_start(&mut self, name: &str, at: Timestamp) {
        if let Some(s) = self.person_mut(name).and_then(|p| p.shifts.last_mut())
            && s.end.is_none()
        {
            s.breaks.push(Break {
                start: at,
                end: None,
            });
        }
    }

    fn apply_break_end(&mut self, name: &str, at: Timestamp) {
        if let Some(b) = self
            .person_mut(name)
            .and_then(|p| p.shifts.last_mut())
            .and_then(|s| s.breaks.last_mut())
            && b.end.is_none()
        {
            b.end = Some(at);
        }
    }

    /// A pass is complete when every question has been reviewed or snoozed
    /// since the previous pass ended.
    fn note_pass(&mut self, q: LoopQuestion) {
        self.pass_progress.insert(q);
        if self.pass_progress.len() == LoopQuestion::ALL.len() {
            self.loop_passes += 1;
            self.pass_progress.clear();
        }
    }

    fn ensure_on_duty(
        &mut self,
        name: &str,
        at: Timestamp,
        details: Option<(&Option<String>, &Option<String>, &Option<String>)>,
    ) {
        match self.person_mut(name) {
            Some(p) => {
                if !p.on_duty() {
                    p.shifts.push(Shift {
                        start: at,
                        end: None,
                        breaks: vec![],
                    });
                }
                if let Some((h, c, t)) = details {
                    if h.is_some() {
                        p.handle = h.clone();
                    }
                    if c.is_some() {
                        p.contact = c.clone();
                    }
                    if t.is_some() {
                        p.team = t.clone();
                    }
                }
            }
            None => {
                let (handle, contact, team) = details
                    .map(|(h, c, t)| (h.clone(), c.clone(), t.clone()))
                    .unwrap_or_default();
                self.index.add_person(name, self.people.len());
                self.people.push(Person {
                    name: name.to_string(),
                    handle,
                    contact,
                    team,
                    shifts: vec![Shift {
                        start: at,
                        end: None,
                        breaks: vec![],
                    }],
                });
            }
        }
    }

    fn add_to_group(&mut self, group: &str, name: &str, at: Timestamp) {
        let g = self
            .groups
            .entry(group.to_string())
            .or_insert_with(|| Group {
                name: group.to_string(),
                members: Vec::new(),
                formed_at: at,
            });
        let listed = self.index.groups.entry(name.to_string()).or_default();
        if listed.insert(group.to_string()) {
            g.members.push(name.to_string());
        }
    }
}
