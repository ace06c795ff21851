//! The wire form of a replicated event and of the room event content that carries it.
//!
//! A [`WireEvent`] is a journal line without this journal's own numbering: identity
//! `(origin, oseq)`, Lamport counter `lc`, and `prev`, the oseq of the same origin's
//! previous event (0 for its first), so a receiver can tell it is missing some. Room
//! events carry them as JSON strings (`envelope`: batches, notices, parts).
//!
//! A wire event is also checked against Matrix's canonical JSON rules (no floats,
//! integers within ±(2^53-1)): no payload holds a float (a test walks every type), so
//! an event that has one is refused rather than journaled on another cockpit.

use crate::domain::event::{DecodeError, Event, FORMAT_VERSION, Payload, Rep};
use crate::domain::text::one_line;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::origin::Origin;

/// Largest integer canonical JSON allows.
pub const MAX_SAFE_INT: u64 = (1 << 53) - 1;

/// One replicated event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireEvent {
    /// Journal line format version of the origin.
    #[serde(default = "format_version")]
    pub v: u32,
    pub origin: String,
    pub oseq: u64,
    /// The oseq of this origin's previous event; 0 for its first.
    #[serde(default)]
    pub prev: u64,
    pub lc: u64,
    pub ts: Timestamp,
    pub actor: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub data: Value,
}

fn format_version() -> u32 {
    FORMAT_VERSION
}

/// What cannot go on the wire or come off it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error(
        "{path}: {reason} (Matrix canonical JSON allows no floats and integers within ±(2^53-1))"
    )]
    NotCanonical { path: String, reason: String },
    #[error("cannot encode event: {0}")]
    Encode(String),
    #[error("event {origin}/{oseq}: {reason}")]
    Invalid {
        origin: String,
        oseq: u64,
        reason: String,
    },
}

/// Checks that `v` is canonical-JSON safe; the error names the first offending path.
pub fn check_canonical(v: &Value) -> Result<(), WireError> {
    fn walk(v: &Value, path: &mut String) -> Result<(), WireError> {
        match v {
            Value::Number(n) => {
                let ok = match (n.as_i64(), n.as_u64()) {
                    (_, Some(u)) => u <= MAX_SAFE_INT,
                    (Some(i), None) => i >= -(MAX_SAFE_INT as i64),
                    (None, None) => {
                        return Err(WireError::NotCanonical {
                            path: path.clone(),
                            reason: format!("float {n}"),
                        });
                    }
                };
                if ok {
                    Ok(())
                } else {
                    Err(WireError::NotCanonical {
                        path: path.clone(),
                        reason: format!("integer {n} out of range"),
                    })
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    walk(item, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(v, &mut String::from("$"))
}

/// Drops control characters (but newline and tab) and bidi overrides from every string
/// in `v`: remote content is drawn on screens and printed by headless commands. What an
/// honest cockpit writes passes unchanged, so replicas keep identical content.
fn sanitise(v: &mut Value) {
    let bad = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    match v {
        Value::String(s) if s.contains(bad) => s.retain(|c| !bad(c)),
        Value::Array(items) => items.iter_mut().for_each(sanitise),
        Value::Object(map) => map.values_mut().for_each(sanitise),
        _ => {}
    }
}

impl WireEvent {
    /// The wire form of a journal event. `home` is this data dir's origin (a local event's
    /// origin); `prev` the oseq of the same origin's previous event (0 if none).
    pub fn from_event(e: &Event, home: &Origin, prev: u64) -> Result<WireEvent, WireError> {
        let (kind, data) = e
            .payload
            .to_parts()
            .map_err(|err| WireError::Encode(err.to_string()))?;
        let w = WireEvent {
            v: e.v,
            origin: e.origin_or(home.as_str()).to_string(),
            oseq: e.oseq(),
            prev,
            lc: e.lc(),
            ts: e.ts,
            actor: e.actor.clone(),
            kind,
            data,
        };
        w.check()?;
        Ok(w)
    }

    /// Identity: `(origin, oseq)`.
    pub fn id(&self) -> (&str, u64) {
        (&self.origin, self.oseq)
    }

    /// Canonical-JSON safety of the whole event.
    pub fn check(&self) -> Result<(), WireError> {
        for (what, n) in [("oseq", self.oseq), ("lc", self.lc), ("prev", self.prev)] {
            if n > MAX_SAFE_INT {
                return Err(WireError::NotCanonical {
                    path: format!("$.{what}"),
                    reason: format!("integer {n} out of range"),
                });
            }
        }
        check_canonical(&self.data)
    }

    /// The journal event this wire event becomes as line `seq` of a receiving journal
    /// (origin, oseq and lc kept; `eid` the Matrix event id it came in, if known).
    /// Validates the identity and the payload (a line that could not be read back is
    /// never written) and strips control characters from its strings.
    pub fn to_event(&self, seq: u64, eid: Option<&str>) -> Result<Event, WireError> {
        let invalid = |reason: String| WireError::Invalid {
            origin: one_line(&self.origin),
            oseq: self.oseq,
            reason,
        };
        Origin::parse(&self.origin).map_err(|r| invalid(format!("bad origin: {r}")))?;
        if self.oseq == 0 || self.lc == 0 {
            return Err(invalid("oseq and lc start at 1".into()));
        }
        self.check()
            .map_err(|e| invalid(format!("not canonical: {e}")))?;
        let kind = one_line(&self.kind);
        if kind.is_empty() {
            return Err(invalid("no event type".into()));
        }
        let mut data = self.data.clone();
        sanitise(&mut data);
        let payload = Payload::from_parts(&kind, &data, self.v)
            .map_err(|e: DecodeError| invalid(e.to_string()))?;
        let actor = one_line(&self.actor);
        Ok(Event {
            v: self.v,
            seq,
            ts: self.ts,
            actor,
            payload,
            rep: Rep {
                origin: Some(self.origin.clone()),
                oseq: Some(self.oseq),
                lc: Some(self.lc),
                eid: eid.map(one_line),
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::role::Role;
    use serde_json::json;

    fn home() -> Origin {
        Origin::parse("homeorigin").unwrap()
    }

    fn ts() -> Timestamp {
        "2026-11-21T14:00:00Z".parse().unwrap()
    }

    #[test]
    fn canonical_check_finds_floats_and_big_integers() {
        assert!(check_canonical(&json!({"a": [1, -5, "x", {"b": 9007199254740991u64}]})).is_ok());
        let err = check_canonical(&json!({"a": [1, {"b": 1.5}]})).unwrap_err();
        assert_eq!(
            err,
            WireError::NotCanonical {
                path: "$.a[1].b".into(),
                reason: "float 1.5".into()
            }
        );
        assert!(check_canonical(&json!({"n": 9007199254740992u64})).is_err());
        assert!(check_canonical(&json!({"n": -9007199254740992i64})).is_err());
    }

    /// Every payload type is canonical-JSON safe (no floats, no big integers) and crosses
    /// the wire unchanged, as serialised with large values in its numeric fields.
    #[test]
    fn every_payload_is_canonical_and_round_trips() {
        use crate::domain::outbound::{
            AttemptResult, MessageKind, OutboundMessage, OutboxEvent, PageAction, StatusPayload,
        };
        let mut payloads = crate::domain::event::sample_payloads();
        assert_eq!(payloads.len(), crate::domain::event::KNOWN_TYPES.len());
        // Every outbox event, with every optional part filled.
        let message = OutboundMessage {
            id: String::new(),
            incident_id: "INC-1".into(),
            incident_title: "API".into(),
            severity: "major".into(),
            kind: MessageKind::Status,
            headline: "h".into(),
            body: "b".into(),
            mention_all: true,
            status: Some(StatusPayload {
                stage: "identified".into(),
                message: "m".into(),
                workaround: Some("w".into()),
                components: vec![("api".into(), "major_outage".into())],
                next_update: Some("15:00".into()),
            }),
            page: Some(PageAction::Trigger {
                summary: "s".into(),
                severity: "critical".into(),
            }),
            test: false,
        };
        let m = || "INC-1.m2".to_string();
        let b = || "slack".to_string();
        payloads.extend(
            [
                OutboxEvent::Queued {
                    message: Box::new(message),
                    backends: vec!["slack".into()],
                },
                OutboxEvent::Attempt {
                    message: m(),
                    backend: b(),
                    attempt: u32::MAX,
                },
                OutboxEvent::Outcome {
                    message: m(),
                    backend: b(),
                    attempt: 2,
                    result: AttemptResult::Retrying {
                        reason: "502".into(),
                        retry_at: ts(),
                        parts_done: 3,
                    },
                },
                OutboxEvent::Outcome {
                    message: m(),
                    backend: b(),
                    attempt: 3,
                    result: AttemptResult::Delivered {
                        detail: "200".into(),
                        remote_ref: Some("r".into()),
                    },
                },
                OutboxEvent::Requeued {
                    message: m(),
                    backend: b(),
                },
            ]
            .map(Payload::Outbox),
        );
        for (i, p) in payloads.into_iter().enumerate() {
            let seq = i as u64 + 2;
            let e = Event::new(seq, ts(), "Alice", p);
            let w = WireEvent::from_event(&e, &home(), seq - 1)
                .unwrap_or_else(|err| panic!("{}: {err}", e.payload.kind()));
            let line = serde_json::to_string(&w).unwrap();
            let back: WireEvent = serde_json::from_str(&line).unwrap();
            let there = back.to_event(seq, None).unwrap();
            assert_eq!(there.payload, e.payload, "{line}");
        }
    }

    #[test]
    fn local_event_round_trips_through_the_wire() {
        let mut e = Event::new(
            7,
            ts(),
            "Alice",
            Payload::RoleHandedOff {
                role: Role::Ic,
                from: Some("Alice".into()),
                to: "Ricardo".into(),
            },
        );
        e.rep = Rep::local(7, 12);
        let w = WireEvent::from_event(&e, &home(), 5).unwrap();
        assert_eq!(
            (w.origin.as_str(), w.oseq, w.prev, w.lc),
            ("homeorigin", 7, 5, 12)
        );
        let text = serde_json::to_string(&w).unwrap();
        let back: WireEvent = serde_json::from_str(&text).unwrap();
        let there = back.to_event(40, Some("$ev:hs")).unwrap();
        assert_eq!(there.seq, 40);
        assert_eq!(there.payload, e.payload);
        assert_eq!(there.origin_or("other"), "homeorigin");
        assert_eq!((there.oseq(), there.lc()), (7, 12));
        assert_eq!(there.rep.eid.as_deref(), Some("$ev:hs"));
        // And the receiving journal's line reads back the same.
        let line = there.to_line().unwrap();
        assert_eq!(Event::from_line(&line).unwrap(), there);
    }

    #[test]
    fn bad_remote_events_are_refused_not_journaled() {
        let w = WireEvent {
            v: 1,
            origin: "abcdabcd".into(),
            oseq: 3,
            prev: 0,
            lc: 3,
            ts: ts(),
            actor: "Mallory\u{1b}[2J".into(),
            kind: "state_changed".into(),
            data: json!({"from": "nope"}),
        };
        assert!(matches!(
            w.to_event(1, None),
            Err(WireError::Invalid { .. })
        ));
        let bad_origin = WireEvent {
            origin: "../../etc".into(),
            kind: "note_added".into(),
            data: json!({"text": "x"}),
            ..w.clone()
        };
        assert!(bad_origin.to_event(1, None).is_err());
        // Control characters are stripped from strings, newlines kept.
        let ok = WireEvent {
            kind: "note_added".into(),
            data: json!({"text": "a\u{1b}[31mb\nc"}),
            ..w
        };
        let e = ok.to_event(1, None).unwrap();
        assert_eq!(e.actor, "Mallory[2J");
        assert_eq!(
            e.payload,
            Payload::NoteAdded {
                text: "a[31mb\nc".into()
            }
        );
    }
}
