//! Journal events: the only way the incident changes. State is the replay of
//! these. Events of a type this version does not know are kept verbatim.

use crate::domain::outbound::OutboxEvent;
use crate::domain::role::Role;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// Current journal line format version.
pub const FORMAT_VERSION: u32 = 1;

/// The doctrine's incident states (0 "normal" means no open incident).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Investigating,
    Confirmed,
    Major,
    Resolved,
}

impl Severity {
    /// The doctrine's number: 1, 2, 3; resolved has none.
    pub fn level(self) -> Option<u8> {
        match self {
            Severity::Investigating => Some(1),
            Severity::Confirmed => Some(2),
            Severity::Major => Some(3),
            Severity::Resolved => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Investigating => "investigating",
            Severity::Confirmed => "confirmed",
            Severity::Major => "major",
            Severity::Resolved => "resolved",
        }
    }

    /// Title-case word used in announcements.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Investigating => "Investigating",
            Severity::Confirmed => "Confirmed",
            Severity::Major => "Major",
            Severity::Resolved => "Resolved",
        }
    }

    pub fn is_open(self) -> bool {
        self != Severity::Resolved
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "1" | "investigating" => Ok(Severity::Investigating),
            "2" | "confirmed" => Ok(Severity::Confirmed),
            "3" | "major" => Ok(Severity::Major),
            "resolved" | "0" => Ok(Severity::Resolved),
            other => Err(format!(
                "unknown state {other:?}: expected investigating, confirmed, major or resolved"
            )),
        }
    }
}

/// The six questions of the IC event loop (doctrine section 2), in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoopQuestion {
    Support,
    Breaks,
    Customers,
    Impact,
    Sitrep,
    GroupsInformed,
}

impl LoopQuestion {
    pub const ALL: [LoopQuestion; 6] = [
        LoopQuestion::Support,
        LoopQuestion::Breaks,
        LoopQuestion::Customers,
        LoopQuestion::Impact,
        LoopQuestion::Sitrep,
        LoopQuestion::GroupsInformed,
    ];

    pub fn question(self) -> &'static str {
        match self {
            LoopQuestion::Support => "Groups need support?",
            LoopQuestion::Breaks => "Breaks or sleep?",
            LoopQuestion::Customers => "Customers informed?",
            LoopQuestion::Impact => "Impact understood?",
            LoopQuestion::Sitrep => "Time for a sitrep?",
            LoopQuestion::GroupsInformed => "Groups have info?",
        }
    }
}

/// A link attached to the incident or a sitrep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// A sent sitrep's fields, as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SitrepFields {
    pub summary: String,
    pub impact: String,
    pub actions: String,
    pub needs: String,
    #[serde(default)]
    pub links: Vec<Link>,
}

impl SitrepFields {
    /// The text fields by name (the composer's keys, the names errors give).
    pub fn texts(&self) -> [(&'static str, &String); 4] {
        [
            ("summary", &self.summary),
            ("impact", &self.impact),
            ("actions", &self.actions),
            ("needs", &self.needs),
        ]
    }
}

/// A public status update's fields, as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StatusFields {
    /// investigating | identified | monitoring | resolved
    pub stage: String,
    pub message: String,
    #[serde(default)]
    pub workaround: String,
    /// (component name, status) pairs.
    #[serde(default)]
    pub components: Vec<(String, String)>,
    /// When the next update was promised.
    #[serde(default)]
    pub next_update_at: Option<Timestamp>,
}

impl StatusFields {
    /// The text fields by name (the composer's keys).
    pub fn texts(&self) -> [(&'static str, &String); 3] {
        [
            ("stage", &self.stage),
            ("message", &self.message),
            ("workaround", &self.workaround),
        ]
    }
}

/// A decision a drill inject asks the IC to take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillDecision {
    pub question: String,
    pub options: Vec<String>,
}

/// What happened. Serialized adjacently tagged: `"type": "...", "data": {...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Payload {
    IncidentOpened {
        id: String,
        title: String,
        /// The opener, who is IC from this moment.
        ic: String,
    },
    TitleChanged {
        title: String,
    },
    StateChanged {
        from: Severity,
        to: Severity,
    },
    RoleHandedOff {
        role: Role,
        #[serde(default)]
        from: Option<String>,
        to: String,
    },
    PersonJoined {
        name: String,
        #[serde(default)]
        handle: Option<String>,
        #[serde(default)]
        contact: Option<String>,
        #[serde(default)]
        team: Option<String>,
        /// Operations group joined as a member, if any.
        #[serde(default)]
        group: Option<String>,
    },
    PersonReleased {
        name: String,
    },
    BreakStarted {
        name: String,
    },
    BreakEnded {
        name: String,
    },
    ImpactUpdated {
        text: String,
    },
    /// `id` is the number as allocated by the cockpit that added it; `origin` is that
    /// cockpit's data dir origin (absent: a data dir that never synced, or an older
    /// version). Two cockpits may allocate the same number: see `domain::replicated`.
    HypothesisAdded {
        id: u32,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<String>,
    },
    /// Rules out the hypothesis numbered `id` by origin `of` (its `HypothesisAdded`'s
    /// `origin`; absent when that had none).
    HypothesisRuledOut {
        id: u32,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        of: Option<String>,
    },
    NoteAdded {
        text: String,
    },
    LinkAdded {
        label: String,
        url: String,
    },
    QuestionReviewed {
        question: LoopQuestion,
    },
    QuestionSnoozed {
        question: LoopQuestion,
        until: Timestamp,
    },
    SitrepSent {
        version: u32,
        fields: SitrepFields,
        /// The text as rendered by the template at send time.
        rendered: String,
        ic: Option<String>,
        comms: Option<String>,
        responders: Vec<String>,
        /// Operations groups on the roster when it was sent.
        groups: Vec<String>,
    },
    StatusPosted {
        fields: StatusFields,
        rendered: String,
    },
    /// A warm hand-off waiting for the incoming person's acknowledgement;
    /// `brief` is the hand-off brief they were shown.
    HandoffProposed {
        role: Role,
        #[serde(default)]
        from: Option<String>,
        to: String,
        brief: String,
    },
    /// The incoming person took the role: only now does it change hands.
    HandoffAcknowledged {
        role: Role,
        by: String,
    },
    /// A pending hand-off withdrawn; the holder keeps the role.
    HandoffCancelled {
        role: Role,
        #[serde(default)]
        reason: Option<String>,
    },
    /// The cleanup checklist fixed at resolution (from config).
    CleanupOpened {
        items: Vec<String>,
    },
    CleanupItemDone {
        item: String,
        #[serde(default)]
        note: Option<String>,
    },
    CleanupItemSkipped {
        item: String,
        reason: String,
    },
    /// Numbered like `HypothesisAdded` (`origin`: the allocating data dir's).
    RemediationAdded {
        id: u32,
        text: String,
        #[serde(default)]
        owner: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        origin: Option<String>,
    },
    /// Item `id` of origin `of` (absent when the item's `RemediationAdded` had none).
    RemediationAssigned {
        id: u32,
        owner: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        of: Option<String>,
    },
    RemediationDone {
        id: u32,
        #[serde(default)]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        of: Option<String>,
    },
    /// A drill scenario's inject fired (a practice incident only): it shows in
    /// the timeline and changes nothing else.
    DrillInject {
        /// When it fired, from the start of the drill (e.g. `12m`).
        #[serde(with = "crate::domain::duration::serde_human")]
        at_offset: SignedDuration,
        /// The scenario's inject kind, e.g. `alert`, `group_message`.
        kind: String,
        text: String,
        /// The person it comes from or is about.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        who: Option<String>,
        /// The operations group it comes from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        /// The delivery backend it is about (`backend_down`, `backend_up`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backend: Option<String>,
        /// A decision the IC is asked to take.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<DrillDecision>,
    },
    /// The durable outbox: a message queued, a delivery attempt, its outcome
    /// (pure data in `domain::outbound`; the delivery layer's outbox writes them).
    Outbox(OutboxEvent),
    /// A command a person typed in the incident's Matrix room (`@all: IC -> Ricardo`), as
    /// a cockpit translated it; authorised when folded (see `domain::replicated`).
    RoomCommand(crate::domain::replicated::RoomCommand),
    /// Product health figures as the IC saw them, journaled at the moments that matter
    /// (see `domain::health::observe`): the checklist's baseline and the post-mortem's figures.
    MetricsObserved {
        why: crate::domain::health::observe::Why,
        values: Vec<crate::domain::health::observe::Observed>,
    },
    /// A firing alert attached to the incident (or the one it was opened from).
    AlertAttached(crate::domain::alert::AttachedAlert),
    /// An event this version cannot read: a type it does not know, or a line
    /// written by a newer version (`v`) that it cannot decode. Kept and shown
    /// ("written by a newer commandpost"), never dropped.
    #[serde(skip)]
    Unknown {
        kind: String,
        data: Value,
        /// The format version the line was written with.
        v: u32,
    },
}

/// Every known `type` tag. Kept in sync with [`Payload`] by a test.
pub const KNOWN_TYPES: &[&str] = &[
    "incident_opened",
    "title_changed",
    "state_changed",
    "role_handed_off",
    "person_joined",
    "person_released",
    "break_started",
    "break_ended",
    "impact_updated",
    "hypothesis_added",
    "hypothesis_ruled_out",
    "note_added",
    "link_added",
    "question_reviewed",
    "question_snoozed",
    "sitrep_sent",
    "status_posted",
    "handoff_proposed",
    "handoff_acknowledged",
    "handoff_cancelled",
    "cleanup_opened",
    "cleanup_item_done",
    "cleanup_item_skipped",
    "remediation_added",
    "remediation_assigned",
    "remediation_done",
    "drill_inject",
    "outbox",
    "room_command",
    "metrics_observed",
    "alert_attached",
];

impl Payload {
    /// An incident's first event: `id` opened with `title`, `ic` its IC.
    pub fn opened(id: &str, title: &str, ic: &str) -> Payload {
        Payload::IncidentOpened {
            id: id.into(),
            title: title.into(),
            ic: ic.into(),
        }
    }

    /// `name` joins (a member of operations `group`, if any), with no handle, contact or
    /// team.
    pub fn joined(name: &str, group: Option<&str>) -> Payload {
        Payload::PersonJoined {
            name: name.into(),
            handle: None,
            contact: None,
            team: None,
            group: group.map(str::to_string),
        }
    }

    /// The `type` tag this payload is written with.
    pub fn kind(&self) -> String {
        match self {
            Payload::Unknown { kind, .. } => kind.clone(),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default(),
        }
    }
}

/// Where an event comes from and where it sorts (issue 12, see `crate::sync`).
///
/// Every field is optional on the journal line and omitted when it has its
/// default, so a journal that was never synced reads and writes exactly as
/// before: a missing `origin` is this data dir's origin (a local event), a
/// missing `oseq` is the line's `seq` (a local event's seq *is* its seq in its
/// origin's journal), a missing `lc` is `seq` (in a journal of local events
/// only, `1 + highest lc so far` is `seq`: each line's seq is above the last).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rep {
    /// The origin of a remote event; `None` for a local event.
    pub origin: Option<String>,
    /// The event's seq in its origin's journal; `None` means `seq`.
    pub oseq: Option<u64>,
    /// Lamport counter; `None` means `seq`.
    pub lc: Option<u64>,
    /// The Matrix event id a remote event arrived in (recorded, not trusted).
    pub eid: Option<String>,
}

impl Rep {
    /// A local event's fields, normalised: `lc` is written only when it
    /// differs from `seq`.
    pub fn local(seq: u64, lc: u64) -> Rep {
        Rep {
            lc: (lc != seq).then_some(lc),
            ..Rep::default()
        }
    }
}

/// One journal line.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub v: u32,
    /// This journal's line number (strictly increasing in the file).
    pub seq: u64,
    pub ts: Timestamp,
    pub actor: String,
    pub payload: Payload,
    /// Replication fields: origin, origin seq, Lamport counter.
    pub rep: Rep,
}

impl Event {
    /// A local event of format [`FORMAT_VERSION`] whose Lamport counter is its seq (what
    /// a journal of local events holds).
    pub fn new(seq: u64, ts: Timestamp, actor: impl Into<String>, payload: Payload) -> Event {
        Event {
            v: FORMAT_VERSION,
            seq,
            ts,
            actor: actor.into(),
            payload,
            rep: Rep::default(),
        }
    }

    /// Made on this data dir (not received from another cockpit).
    pub fn is_local(&self) -> bool {
        self.rep.origin.is_none()
    }

    /// The origin of a remote event, or `home` (this data dir's) for a local one.
    pub fn origin_or<'a>(&'a self, home: &'a str) -> &'a str {
        self.rep.origin.as_deref().unwrap_or(home)
    }

    /// The event's seq in its origin's journal.
    pub fn oseq(&self) -> u64 {
        self.rep.oseq.unwrap_or(self.seq)
    }

    /// The event's Lamport counter.
    pub fn lc(&self) -> u64 {
        self.rep.lc.unwrap_or(self.seq)
    }
}

impl Serialize for Event {
    /// The journal line's shape (no re-parsing: data nested as deep as a line
    /// may hold serializes without hitting the parser's depth limit).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw().map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

#[derive(Serialize)]
struct RawEvent {
    v: u32,
    seq: u64,
    ts: Timestamp,
    actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    oseq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lc: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    eid: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct RawLine<'a> {
    v: u32,
    seq: u64,
    ts: Timestamp,
    #[serde(borrow)]
    actor: std::borrow::Cow<'a, str>,
    #[serde(default)]
    origin: Option<String>,
    #[serde(default)]
    oseq: Option<u64>,
    #[serde(default)]
    lc: Option<u64>,
    #[serde(default)]
    eid: Option<String>,
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    data: Option<&'a serde_json::value::RawValue>,
}

/// Why a journal line could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not a journal event: {0}")]
    Envelope(serde_json::Error),
    #[error("event type {kind:?} has invalid data: {source}")]
    Data {
        kind: String,
        source: serde_json::Error,
    },
}

impl Event {
    /// Encodes the event as one JSON line (without the newline).
    pub fn to_line(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&self.raw()?)
    }

    fn raw(&self) -> Result<RawEvent, serde_json::Error> {
        let (kind, data) = self.payload.to_parts()?;
        Ok(RawEvent {
            v: self.v,
            seq: self.seq,
            ts: self.ts,
            actor: self.actor.clone(),
            origin: self.rep.origin.clone(),
            oseq: self.rep.oseq,
            lc: self.rep.lc,
            eid: self.rep.eid.clone(),
            kind,
            data,
        })
    }

    /// Decodes one JSON line. Unknown types become [`Payload::Unknown`], and
    /// so does a line of a newer format version (`v` above [`FORMAT_VERSION`])
    /// that this version cannot decode: it is kept, not rejected.
    pub fn from_line(line: &str) -> Result<Event, DecodeError> {
        match Self::decode_strict(line) {
            Ok(ev) => Ok(ev),
            Err(e) => {
                let kept = Self::decode_newer(line).ok_or(e)?;
                // What is kept is re-encoded (replication, repair): if that form is one this
                // version reads, it is read so now, and a line that differs from it only in
                // JSON form (a repeated key) decodes the same before and after (found by
                // fuzzing: fuzz/fuzz_targets/journal.rs).
                Ok(kept
                    .to_line()
                    .ok()
                    .and_then(|l| Self::decode_strict(&l).ok())
                    .unwrap_or(kept))
            }
        }
    }

    fn decode_strict(line: &str) -> Result<Event, DecodeError> {
        let raw: RawLine = serde_json::from_str(line).map_err(DecodeError::Envelope)?;
        let data = raw.data.as_ref().map(|d| d.get()).unwrap_or("null");
        let payload = Payload::from_raw_parts(raw.kind.as_ref(), data, raw.v)?;
        Ok(Event {
            v: raw.v,
            seq: raw.seq,
            ts: raw.ts,
            actor: raw.actor.into_owned(),
            payload,
            rep: Rep {
                origin: raw.origin,
                oseq: raw.oseq,
                lc: raw.lc,
                eid: raw.eid,
            },
        })
    }

    /// A line from a newer version that the strict decoder refused: kept
    /// whole as [`Payload::Unknown`] if it is a JSON object with a `v` above
    /// ours and a `seq` (the journal's order needs it). Its `data` (or, if
    /// the envelope itself changed, the whole line) is carried verbatim.
    fn decode_newer(line: &str) -> Option<Event> {
        let Value::Object(mut obj) = serde_json::from_str::<Value>(line).ok()? else {
            return None;
        };
        let v = u32::try_from(obj.get("v")?.as_u64()?).ok()?;
        if v <= FORMAT_VERSION {
            return None;
        }
        let seq = obj.get("seq")?.as_u64()?;
        let ts = obj
            .get("ts")
            .and_then(Value::as_str)
            .and_then(|t| t.parse().ok())
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let actor = obj
            .get("actor")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = obj
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("(untyped)")
            .to_string();
        // Identity and order survive a newer line: it still replicates and sorts.
        let rep = Rep {
            origin: obj
                .get("origin")
                .and_then(Value::as_str)
                .map(str::to_string),
            oseq: obj.get("oseq").and_then(Value::as_u64),
            lc: obj.get("lc").and_then(Value::as_u64),
            eid: obj.get("eid").and_then(Value::as_str).map(str::to_string),
        };
        let known_envelope = [
            "v", "seq", "ts", "actor", "type", "data", "origin", "oseq", "lc", "eid",
        ];
        let data = if obj.keys().all(|k| known_envelope.contains(&k.as_str())) {
            obj.remove("data").unwrap_or(Value::Null)
        } else {
            Value::Object(obj)
        };
        Some(Event {
            v,
            seq,
            ts,
            actor,
            payload: Payload::Unknown { kind, data, v },
            rep,
        })
    }

    /// Whether this version understood the event (it is not [`Payload::Unknown`]).
    pub fn understood(&self) -> bool {
        !matches!(self.payload, Payload::Unknown { .. })
    }
}

impl Payload {
    /// The payload as its `type` tag and `data` (the journal line's and the wire's form).
    pub fn to_parts(&self) -> Result<(String, Value), serde_json::Error> {
        Ok(match self {
            Payload::Unknown { kind, data, .. } => (kind.clone(), data.clone()),
            known => {
                let mut v = serde_json::to_value(known)?;
                let kind = v
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                let data = v.get_mut("data").map(Value::take).unwrap_or(Value::Null);
                (kind, data)
            }
        })
    }

    /// Decodes a `type` tag and its `data` (JSON text) written with format version `v`.
    /// Unknown types become [`Payload::Unknown`]; a known type with invalid data is an
    /// error.
    pub fn from_raw_parts(kind: &str, data: &str, v: u32) -> Result<Payload, DecodeError> {
        if KNOWN_TYPES.contains(&kind) {
            // Re-tag without building an intermediate JSON tree.
            let kind_json = serde_json::to_string(kind).map_err(DecodeError::Envelope)?;
            let tagged = format!("{{\"type\":{kind_json},\"data\":{data}}}");
            serde_json::from_str(&tagged).map_err(|source| DecodeError::Data {
                kind: kind.to_string(),
                source,
            })
        } else {
            Ok(Payload::Unknown {
                kind: kind.to_string(),
                data: serde_json::from_str(data).map_err(DecodeError::Envelope)?,
                v,
            })
        }
    }

    /// [`Payload::from_raw_parts`] from a parsed `data` value.
    pub fn from_parts(kind: &str, data: &Value, v: u32) -> Result<Payload, DecodeError> {
        let text = serde_json::to_string(data).map_err(DecodeError::Envelope)?;
        Payload::from_raw_parts(kind, &text, v)
    }
}

/// One payload of every known type (tests across modules walk them all).
#[cfg(test)]
pub(crate) fn sample_payloads() -> Vec<Payload> {
    tests::samples()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts() -> Timestamp {
        "2026-11-21T14:00:00Z".parse().unwrap_or_default()
    }

    pub(super) fn samples() -> Vec<Payload> {
        let t = ts();
        vec![
            Payload::opened("INC-1", "API", "Alice"),
            Payload::TitleChanged { title: "x".into() },
            Payload::StateChanged {
                from: Severity::Investigating,
                to: Severity::Major,
            },
            Payload::RoleHandedOff {
                role: Role::Ic,
                from: Some("A".into()),
                to: "B".into(),
            },
            Payload::PersonJoined {
                name: "渡辺 健".into(),
                handle: None,
                contact: None,
                team: None,
                group: Some("db".into()),
            },
            Payload::PersonReleased { name: "A".into() },
            Payload::BreakStarted { name: "A".into() },
            Payload::BreakEnded { name: "A".into() },
            Payload::ImpactUpdated {
                text: "all EU".into(),
            },
            Payload::HypothesisAdded {
                id: 1,
                text: "dns".into(),
                origin: Some("kato2345abcdefgh".into()),
            },
            Payload::HypothesisRuledOut {
                id: 1,
                reason: None,
                of: Some("kato2345abcdefgh".into()),
            },
            Payload::NoteAdded { text: "n".into() },
            Payload::LinkAdded {
                label: "l".into(),
                url: "https://x".into(),
            },
            Payload::QuestionReviewed {
                question: LoopQuestion::Impact,
            },
            Payload::QuestionSnoozed {
                question: LoopQuestion::Sitrep,
                until: t,
            },
            Payload::SitrepSent {
                version: 1,
                fields: SitrepFields::default(),
                rendered: "r".into(),
                ic: None,
                comms: None,
                responders: vec![],
                groups: vec![],
            },
            Payload::StatusPosted {
                fields: StatusFields::default(),
                rendered: "r".into(),
            },
            Payload::HandoffProposed {
                role: Role::Ic,
                from: Some("A".into()),
                to: "B".into(),
                brief: "b".into(),
            },
            Payload::HandoffAcknowledged {
                role: Role::Ic,
                by: "B".into(),
            },
            Payload::HandoffCancelled {
                role: Role::Comms,
                reason: None,
            },
            Payload::CleanupOpened {
                items: vec!["x".into()],
            },
            Payload::CleanupItemDone {
                item: "x".into(),
                note: None,
            },
            Payload::CleanupItemSkipped {
                item: "x".into(),
                reason: "n/a".into(),
            },
            Payload::RemediationAdded {
                id: 1,
                text: "t".into(),
                owner: None,
                origin: Some("kato2345abcdefgh".into()),
            },
            Payload::RemediationAssigned {
                id: 1,
                owner: "A".into(),
                of: None,
            },
            Payload::RemediationDone {
                id: 1,
                note: None,
                of: Some("kato2345abcdefgh".into()),
            },
            Payload::DrillInject {
                at_offset: SignedDuration::from_mins(12),
                kind: "group_message".into(),
                text: "replication lag 40s".into(),
                who: Some("Noah".into()),
                group: Some("database".into()),
                backend: None,
                decision: Some(DrillDecision {
                    question: "Fail over?".into(),
                    options: vec!["yes".into(), "no".into()],
                }),
            },
            Payload::Outbox(OutboxEvent::Dropped {
                message: "INC-1.m3".into(),
                backend: "slack".into(),
            }),
            Payload::RoomCommand(crate::domain::replicated::RoomCommand {
                cited: "$abc:example.org".into(),
                sender: "@ricardo:example.org".into(),
                person: Some("Ricardo".into()),
                body: "@all: IC -> Ricardo".into(),
                order: crate::domain::replicated::RoomOrder::Handoff {
                    role: Role::Ic,
                    to: "Ricardo".into(),
                },
            }),
            Payload::MetricsObserved {
                why: crate::domain::health::observe::Why::Level,
                values: vec![crate::domain::health::observe::Observed {
                    series: "API 5xx".into(),
                    value: 0.094,
                    at: ts(),
                    shown: "9.4%".into(),
                    level: crate::domain::health::Level::Critical,
                    worse: crate::domain::health::Worse::Higher,
                }],
            },
            Payload::AlertAttached(crate::domain::alert::AttachedAlert {
                fingerprint: "0df005333d9e37c9".into(),
                name: "HighErrorRate".into(),
                severity: Some("critical".into()),
                summary: "API 5xx above 5%".into(),
                labels: [("service".to_string(), "api".to_string())].into(),
                starts_at: ts(),
            }),
        ]
    }

    #[test]
    fn known_types_match_variants() {
        let kinds: Vec<String> = samples().iter().map(Payload::kind).collect();
        assert_eq!(
            kinds,
            KNOWN_TYPES
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_payload_round_trips() {
        for (i, p) in samples().into_iter().enumerate() {
            let e = Event {
                v: FORMAT_VERSION,
                seq: i as u64 + 1,
                ts: ts(),
                actor: "alice".into(),
                payload: p,
                rep: Default::default(),
            };
            let line = e.to_line().unwrap_or_default();
            assert!(!line.contains('\n'));
            let back = Event::from_line(&line).ok();
            assert_eq!(back.as_ref(), Some(&e), "{line}");
        }
    }

    #[test]
    fn unknown_types_are_kept_verbatim() {
        let line = r#"{"v":2,"seq":9,"ts":"2026-11-21T14:00:00Z","actor":"bob","type":"weather_report","data":{"rain":true}}"#;
        let e = Event::from_line(line).ok();
        let Some(e) = e else {
            panic!("unknown type must decode")
        };
        assert_eq!(
            e.payload,
            Payload::Unknown {
                kind: "weather_report".into(),
                data: serde_json::json!({"rain": true}),
                v: 2,
            }
        );
        let again = Event::from_line(&e.to_line().unwrap_or_default()).ok();
        assert_eq!(again, Some(e));
    }

    #[test]
    fn known_type_with_bad_data_is_an_error() {
        let line = r#"{"v":1,"seq":1,"ts":"2026-11-21T14:00:00Z","actor":"bob","type":"state_changed","data":{"from":"nope"}}"#;
        assert!(matches!(
            Event::from_line(line),
            Err(DecodeError::Data { .. })
        ));
        assert!(matches!(
            Event::from_line("{\"v\":1"),
            Err(DecodeError::Envelope(_))
        ));
    }

    #[test]
    fn severity_parses_levels_and_words() {
        assert_eq!("2".parse::<Severity>(), Ok(Severity::Confirmed));
        assert_eq!("MAJOR".parse::<Severity>(), Ok(Severity::Major));
        assert!("sev1".parse::<Severity>().is_err());
    }
}
