//! What travels in the room (the transport's side). Every room event commandpost sends carries
//! `content["org.commandpost"] = {"v": 1, "incident": ID, "origin": O, "events": [LINE, ...]}`
//! where each LINE is one replicated event as a JSON *string*: strings keep the bytes exact
//! and stay inside Matrix's canonical-JSON rules (no floats, integers within 2^53) whatever
//! the event holds. Hand-offs, state changes, sitreps and resolution go as one readable
//! `m.notice` that also carries the machine events (one send, both audiences); everything
//! else goes as `org.commandpost.event`, which chat clients hide. An event too large for one
//! room event (~64 KB) is sent in parts and put together by the receivers.
//!
//! Pure: no IO, no clock.

use serde_json::{Value, json};

use super::matrix::{EVENT_TYPE, RoomEvent};
use crate::domain::event::{Event, Payload};

/// The content key of commandpost's machine events.
pub const KEY: &str = "org.commandpost";
/// Wire format version.
pub const VERSION: u64 = 1;
/// Largest content commandpost builds (the homeserver refuses ~65,000 bytes and above).
pub const MAX_CONTENT_BYTES: usize = 60_000;
/// Bytes of one part of an oversized event.
const PART_BYTES: usize = 40_000;
/// Most readable text put in one notice.
const MAX_NOTICE_TEXT: usize = 16_000;

/// A readable line for people in the room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// `@room` (the doctrine's `@all:` announcements).
    pub mention_room: bool,
}

/// One own event waiting to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Its sequence number in this origin's journal.
    pub oseq: u64,
    /// The replicated event, as one JSON line.
    pub line: String,
    /// What people read in the room, for the events they should read.
    pub notice: Option<Notice>,
}

impl Outgoing {
    /// An outgoing event whose notice (if any) is derived from the line's payload.
    pub fn new(oseq: u64, line: String) -> Outgoing {
        let notice = Event::from_line(&line)
            .ok()
            .and_then(|e| notice_for(&e.payload));
        Outgoing { oseq, line, notice }
    }
}

/// One room event to send: the own events `first..=last` (or a part of one).
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub first: u64,
    pub last: u64,
    /// Events carried (a part counts as one).
    pub count: usize,
    /// `org.commandpost.event` or `m.room.message`.
    pub event_type: &'static str,
    pub txn_id: String,
    pub content: Value,
    /// For a part of an oversized event: (index, total). The event counts as sent only
    /// after its last part.
    pub part: Option<(usize, usize)>,
}

/// The deterministic transaction id of a batch: the same batch re-sent after a crash is the
/// same room event (the homeserver remembers txnIds per device for about a day).
pub fn txn_id(incident: &str, origin: &str, first: u64, last: u64) -> String {
    format!("cp1-{incident}-{origin}-{first}-{last}")
}

/// The readable notice for an event people should read in the room, if it is one.
pub fn notice_for(p: &Payload) -> Option<Notice> {
    if let Some(text) = crate::domain::incident::announcement(p) {
        return Some(Notice {
            text,
            mention_room: true,
        });
    }
    match p {
        Payload::HandoffProposed { role, from, to, .. } => Some(Notice {
            text: format!(
                "{} hand-off proposed{}: {to} takes over once they acknowledge it in their cockpit",
                role.title(),
                from.as_deref()
                    .map(|f| format!(" by {f}"))
                    .unwrap_or_default()
            ),
            mention_room: false,
        }),
        Payload::HandoffCancelled { role, reason } => Some(Notice {
            text: format!(
                "{} hand-off withdrawn{}",
                role.title(),
                reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            mention_room: false,
        }),
        Payload::SitrepSent {
            version, rendered, ..
        } => Some(Notice {
            text: format!("Sitrep v{version}\n\n{rendered}"),
            mention_room: false,
        }),
        _ => None,
    }
}

fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\n', "<br>\n")
}

/// Builds the content of a room event carrying `lines` (with their notices, if any).
fn content(incident: &str, origin: &str, items: &[&Outgoing]) -> (&'static str, Value) {
    let lines: Vec<&str> = items.iter().map(|o| o.line.as_str()).collect();
    let machine = json!({"v": VERSION, "incident": incident, "origin": origin, "events": lines});
    let notices: Vec<&Notice> = items.iter().filter_map(|o| o.notice.as_ref()).collect();
    if notices.is_empty() {
        return (EVENT_TYPE, json!({ KEY: machine }));
    }
    let mention = notices.iter().any(|n| n.mention_room);
    let text: Vec<String> = notices
        .iter()
        .map(|n| {
            let t = n.text.trim();
            match (n.mention_room, t.strip_prefix("@all")) {
                (true, Some(rest)) => format!("@room{rest}"),
                _ => t.to_string(),
            }
        })
        .collect();
    let body = cut(&text.join("\n\n"), MAX_NOTICE_TEXT).to_string();
    let html = escape_html(&body);
    (
        "m.room.message",
        json!({
            "msgtype": "m.notice",
            "body": body,
            "format": "org.matrix.custom.html",
            "formatted_body": html,
            "m.mentions": if mention { json!({"room": true}) } else { json!({}) },
            KEY: machine,
        }),
    )
}

fn size(v: &Value) -> usize {
    serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX)
}

/// The next room event to send from `pending` (own events in oseq order, not yet in the
/// room): as many as fit under [`MAX_CONTENT_BYTES`], at most `max_events`. A batch holding
/// a notice-worthy event is one readable `m.notice` (its text lists each notice in order).
/// `part` resumes an oversized event at that part.
pub fn next_batch(
    incident: &str,
    origin: &str,
    pending: &[Outgoing],
    max_events: usize,
    part: usize,
) -> Option<Batch> {
    let first = pending.first()?;
    let (_, c) = content(incident, origin, &[first]);
    if size(&c) > MAX_CONTENT_BYTES {
        return Some(part_batch(incident, origin, first, part));
    }
    // Grow by an estimate (each line as a JSON string, each notice twice: body and HTML,
    // escaped), then check the real size and shrink if the estimate was short.
    let mut take = 1;
    let mut estimate = size(&c);
    while take < pending.len() && take < max_events.max(1) {
        let o = &pending[take];
        let mut add = serde_json::to_string(&o.line).map_or(usize::MAX / 2, |s| s.len()) + 1;
        if let Some(n) = &o.notice {
            add += 3 * n.text.len() + 400;
        }
        if estimate + add > MAX_CONTENT_BYTES {
            break;
        }
        estimate += add;
        take += 1;
    }
    let mut best = content(
        incident,
        origin,
        &pending[..take].iter().collect::<Vec<_>>(),
    );
    while take > 1 && size(&best.1) > MAX_CONTENT_BYTES {
        take -= 1;
        best = content(
            incident,
            origin,
            &pending[..take].iter().collect::<Vec<_>>(),
        );
    }
    let last = pending[take - 1].oseq;
    Some(Batch {
        first: first.oseq,
        last,
        count: take,
        event_type: best.0,
        txn_id: txn_id(incident, origin, first.oseq, last),
        content: best.1,
        part: None,
    })
}

/// JSON-escaped bytes of one char (what it costs inside a JSON string).
fn escaped_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// The pieces an oversized line is cut into: each at most [`PART_BYTES`] once escaped as a
/// JSON string, cut on char boundaries. Deterministic (a function of the line only), so a
/// restart re-sends the same part under the same transaction id.
pub fn pieces(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, c) in line.char_indices() {
        let n = escaped_len(c);
        if used + n > PART_BYTES && i > start {
            out.push(&line[start..i]);
            start = i;
            used = 0;
        }
        used += n;
    }
    if start < line.len() || out.is_empty() {
        out.push(&line[start..]);
    }
    out
}

/// Part `part` of an oversized event. The last part also carries the event's readable
/// notice, if it has one (shortened to fit): people read it once the event is whole.
fn part_batch(incident: &str, origin: &str, o: &Outgoing, part: usize) -> Batch {
    let pieces = pieces(&o.line);
    let n = pieces.len();
    let i = part.min(n - 1);
    let machine = json!({
        "v": VERSION, "incident": incident, "origin": origin,
        "part": {"oseq": o.oseq, "i": i, "n": n, "text": pieces[i]},
    });
    let mut event_type = EVENT_TYPE;
    let mut content = json!({ KEY: machine.clone() });
    if let (Some(notice), true) = (&o.notice, i + 1 == n) {
        for limit in [MAX_NOTICE_TEXT, 8_000, 4_000, 1_000, 200] {
            let mut body = cut(notice.text.trim(), limit).to_string();
            if body.len() < notice.text.trim().len() {
                body.push_str(" [...] (the whole text is in the cockpit)");
            }
            if let (true, Some(rest)) = (notice.mention_room, body.strip_prefix("@all")) {
                body = format!("@room{rest}");
            }
            let c = json!({
                "msgtype": "m.notice",
                "body": body,
                "format": "org.matrix.custom.html",
                "formatted_body": escape_html(&body),
                "m.mentions": if notice.mention_room { json!({"room": true}) } else { json!({}) },
                KEY: machine.clone(),
            });
            if size(&c) <= MAX_CONTENT_BYTES {
                event_type = "m.room.message";
                content = c;
                break;
            }
        }
    }
    Batch {
        first: o.oseq,
        last: o.oseq,
        count: 1,
        event_type,
        txn_id: format!("{}-p{i}", txn_id(incident, origin, o.oseq, o.oseq)),
        content,
        part: Some((i, n)),
    }
}

/// What a room event means to commandpost.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// Machine events of this incident from a cockpit.
    Lines {
        event_id: String,
        sender: String,
        origin: String,
        lines: Vec<String>,
    },
    /// A part of an oversized machine event.
    Part {
        event_id: String,
        sender: String,
        origin: String,
        oseq: u64,
        index: usize,
        total: usize,
        text: String,
    },
    /// A message typed by a person (a possible room command such as `@all: IC -> Ricardo`).
    Human {
        event_id: String,
        sender: String,
        body: String,
        origin_server_ts: u64,
    },
    /// A redaction in the room.
    Redaction {
        event_id: String,
        sender: String,
        redacts: String,
    },
    /// An event whose content the room has removed (redacted): if it carried machine events,
    /// they are not readable from the room.
    Redacted { event_id: String, sender: String },
    /// The room became encrypted.
    Encrypted { event_id: String },
    /// Machine events of another incident, another wire version, or nothing commandpost reads.
    Ignored,
}

/// Classifies a room event for `incident`.
pub fn classify(ev: &RoomEvent, incident: &str) -> Incoming {
    if let Some(redacts) = ev.redacted_id() {
        return Incoming::Redaction {
            event_id: ev.event_id.clone(),
            sender: ev.sender.clone(),
            redacts: redacts.to_string(),
        };
    }
    if ev.kind == "m.room.encryption" && ev.state_key.is_some() {
        return Incoming::Encrypted {
            event_id: ev.event_id.clone(),
        };
    }
    if ev.kind != EVENT_TYPE && ev.kind != "m.room.message" {
        return Incoming::Ignored;
    }
    if ev.is_redacted() || ev.content.as_object().is_some_and(|o| o.is_empty()) {
        return Incoming::Redacted {
            event_id: ev.event_id.clone(),
            sender: ev.sender.clone(),
        };
    }
    if let Some(m) = ev.content.get(KEY) {
        if m.get("v").and_then(Value::as_u64) != Some(VERSION)
            || m.get("incident").and_then(Value::as_str) != Some(incident)
        {
            return Incoming::Ignored;
        }
        let origin = m
            .get("origin")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(p) = m.get("part") {
            let num = |k: &str| p.get(k).and_then(Value::as_u64);
            let (Some(oseq), Some(i), Some(n), Some(text)) = (
                num("oseq"),
                num("i"),
                num("n"),
                p.get("text").and_then(Value::as_str),
            ) else {
                return Incoming::Ignored;
            };
            return Incoming::Part {
                event_id: ev.event_id.clone(),
                sender: ev.sender.clone(),
                origin,
                oseq,
                index: i as usize,
                total: n as usize,
                text: text.to_string(),
            };
        }
        let lines = m
            .get("events")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        return Incoming::Lines {
            event_id: ev.event_id.clone(),
            sender: ev.sender.clone(),
            origin,
            lines,
        };
    }
    if ev.kind == EVENT_TYPE {
        return Incoming::Ignored;
    }
    let msgtype = ev.content.get("msgtype").and_then(Value::as_str);
    match (msgtype, ev.content.get("body").and_then(Value::as_str)) {
        (Some("m.text" | "m.notice" | "m.emote"), Some(body)) => Incoming::Human {
            event_id: ev.event_id.clone(),
            sender: ev.sender.clone(),
            body: body.to_string(),
            origin_server_ts: ev.origin_server_ts,
        },
        _ => Incoming::Ignored,
    }
}

/// Puts the parts of oversized events back together. The parts waiting for the rest can be
/// kept ([`Parts::to_json`], [`Parts::from_json`]): a cockpit restarted between two parts
/// still puts the event together.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Parts {
    /// (origin, oseq) -> parts received.
    open: std::collections::BTreeMap<(String, u64), Vec<Option<String>>>,
}

impl Parts {
    /// The lines `incoming` brings, with the id of the room event they came in: all of a
    /// `Lines`; of a `Part`, the whole line once its last missing part arrives (none before).
    /// Any other event is given back.
    pub fn lines(&mut self, incoming: Incoming) -> Result<(String, Vec<String>), Incoming> {
        match incoming {
            Incoming::Lines {
                event_id, lines, ..
            } => Ok((event_id, lines)),
            Incoming::Part {
                event_id,
                origin,
                oseq,
                index,
                total,
                text,
                ..
            } => {
                let whole = self.add(&origin, oseq, index, total, text);
                Ok((event_id, whole.into_iter().collect()))
            }
            other => Err(other),
        }
    }

    /// Adds a part; returns the whole line when its last missing part arrives.
    pub fn add(
        &mut self,
        origin: &str,
        oseq: u64,
        index: usize,
        total: usize,
        text: String,
    ) -> Option<String> {
        if total == 0 || index >= total || total > 10_000 {
            return None;
        }
        let slot = self
            .open
            .entry((origin.to_string(), oseq))
            .or_insert_with(|| vec![None; total]);
        if slot.len() != total {
            return None;
        }
        slot[index] = Some(text);
        if slot.iter().all(Option::is_some) {
            let whole = self
                .open
                .remove(&(origin.to_string(), oseq))
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .collect();
            return Some(whole);
        }
        None
    }

    /// Whether no event waits for more parts.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// The parts waiting for the rest, as JSON (for the sidecar).
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.open
                .iter()
                .map(
                    |((origin, oseq), slot)| json!({"origin": origin, "oseq": oseq, "parts": slot}),
                )
                .collect(),
        )
    }

    /// Parts kept by [`Parts::to_json`]; anything malformed is left out (the room still
    /// holds every part: losing them costs a re-read).
    pub fn from_json(v: &Value) -> Parts {
        let mut open = std::collections::BTreeMap::new();
        for item in v.as_array().into_iter().flatten() {
            let (Some(origin), Some(oseq), Some(parts)) = (
                item.get("origin").and_then(Value::as_str),
                item.get("oseq").and_then(Value::as_u64),
                item.get("parts").and_then(Value::as_array),
            ) else {
                continue;
            };
            if parts.is_empty() || parts.len() > 10_000 {
                continue;
            }
            let slot: Vec<Option<String>> = parts
                .iter()
                .map(|p| p.as_str().map(str::to_string))
                .collect();
            open.insert((origin.to_string(), oseq), slot);
        }
        Parts { open }
    }
}

/// Whether a JSON value is within Matrix's canonical JSON: no floats, integers within
/// ±(2^53 - 1). (Machine events travel as strings; this guards the envelope.)
pub fn canonical(v: &Value) -> bool {
    const MAX: i64 = (1 << 53) - 1;
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                (-MAX..=MAX).contains(&i)
            } else if let Some(u) = n.as_u64() {
                u <= MAX as u64
            } else {
                false
            }
        }
        Value::Array(a) => a.iter().all(canonical),
        Value::Object(o) => o.values().all(canonical),
        _ => true,
    }
}

/// The configured Matrix backends that post to the incident's own room (by room id or by
/// the alias it was attached with). The room's notices already carry announcements,
/// sitreps and status updates, so these backends are left out for those kinds: one message
/// in the room, not two.
pub fn backends_in_room(
    backends: &[crate::delivery::BackendConfig],
    room_id: &str,
    alias: Option<&str>,
) -> Vec<String> {
    backends
        .iter()
        .filter(|b| b.kind == crate::delivery::BackendKind::Matrix)
        .filter(|b| {
            b.room
                .as_deref()
                .and_then(|r| crate::delivery::endpoint::matrix_room(r).ok())
                .is_some_and(|r| r == room_id || Some(r.as_str()) == alias)
        })
        .map(|b| b.name.clone())
        .collect()
}

/// Message kinds the room's own notices carry (see [`backends_in_room`]).
pub fn carried_by_notices(kind: crate::domain::outbound::MessageKind) -> bool {
    use crate::domain::outbound::MessageKind as K;
    matches!(kind, K::Announcement | K::Sitrep | K::Status)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::FORMAT_VERSION;
    use crate::domain::role::Role;

    fn line(seq: u64, p: Payload) -> String {
        Event {
            v: FORMAT_VERSION,
            seq,
            ts: "2026-11-21T14:00:00Z".parse().unwrap(),
            actor: "dana".into(),
            payload: p,
            rep: Default::default(),
        }
        .to_line()
        .unwrap()
    }

    fn note(seq: u64, text: &str) -> Outgoing {
        Outgoing::new(seq, line(seq, Payload::NoteAdded { text: text.into() }))
    }

    fn room_event(kind: &str, content: Value) -> RoomEvent {
        RoomEvent {
            event_id: "$e".into(),
            kind: kind.into(),
            sender: "@dana:x".into(),
            origin_server_ts: 1,
            content,
            state_key: None,
            redacts: None,
            unsigned: Value::Null,
        }
    }

    #[test]
    fn notes_batch_as_hidden_events_and_round_trip() {
        let pending: Vec<Outgoing> = (1..=30).map(|i| note(i, "checked the LB")).collect();
        let b = next_batch("INC-1", "o1", &pending, 1000, 0).unwrap();
        assert_eq!((b.first, b.last, b.count), (1, 30, 30));
        assert_eq!(b.event_type, EVENT_TYPE);
        assert_eq!(b.txn_id, "cp1-INC-1-o1-1-30");
        assert!(canonical(&b.content));
        let got = classify(&room_event(b.event_type, b.content.clone()), "INC-1");
        let Incoming::Lines { lines, origin, .. } = got else {
            panic!("{got:?}")
        };
        assert_eq!(origin, "o1");
        assert_eq!(
            lines,
            pending.iter().map(|o| o.line.clone()).collect::<Vec<_>>()
        );
        // Another incident's events are not ours.
        assert_eq!(
            classify(&room_event(b.event_type, b.content), "INC-2"),
            Incoming::Ignored
        );
    }

    #[test]
    fn batches_stay_under_the_size_limit() {
        let big = "x".repeat(7_000);
        let pending: Vec<Outgoing> = (1..=30).map(|i| note(i, &big)).collect();
        let mut from = 0;
        let mut sent = 0;
        while from < pending.len() {
            let b = next_batch("INC-1", "o1", &pending[from..], 1000, 0).unwrap();
            assert!(size(&b.content) <= MAX_CONTENT_BYTES);
            assert!(b.count >= 1);
            from += b.count;
            sent += 1;
        }
        assert!((4..=6).contains(&sent), "{sent} room events");
    }

    #[test]
    fn a_hand_off_is_a_readable_notice_carrying_the_machine_event() {
        let h = Outgoing::new(
            3,
            line(
                3,
                Payload::RoleHandedOff {
                    role: Role::Ic,
                    from: Some("Dana".into()),
                    to: "Ricardo".into(),
                },
            ),
        );
        let b = next_batch("INC-1", "o1", &[note(2, "n"), h.clone()], 10, 0).unwrap();
        assert_eq!(b.event_type, "m.room.message");
        assert_eq!(b.content["msgtype"], "m.notice");
        assert_eq!(b.content["body"], "@room: IC -> Ricardo");
        assert_eq!(b.content["m.mentions"]["room"], true);
        let Incoming::Lines { lines, .. } =
            classify(&room_event(b.event_type, b.content.clone()), "INC-1")
        else {
            panic!()
        };
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1], h.line);
    }

    #[test]
    fn people_typing_are_humans_and_redactions_are_seen() {
        let typed = room_event(
            "m.room.message",
            json!({"msgtype": "m.text", "body": "@all: IC -> Carol"}),
        );
        assert!(matches!(
            classify(&typed, "INC-1"),
            Incoming::Human { ref body, .. } if body == "@all: IC -> Carol"
        ));
        let mut gone = room_event(EVENT_TYPE, json!({}));
        gone.unsigned = json!({"redacted_because": {}});
        assert!(matches!(
            classify(&gone, "INC-1"),
            Incoming::Redacted { .. }
        ));
        let mut r = room_event("m.room.redaction", json!({}));
        r.redacts = Some("$x".into());
        assert!(matches!(
            classify(&r, "INC-1"),
            Incoming::Redaction { ref redacts, .. } if redacts == "$x"
        ));
    }

    #[test]
    fn an_oversized_event_goes_in_parts_and_comes_back_whole() {
        let huge = note(5, &"é".repeat(70_000));
        let first = next_batch("INC-1", "o1", std::slice::from_ref(&huge), 10, 0).unwrap();
        let (_, n) = first.part.unwrap();
        assert!(n >= 3);
        let mut parts = Parts::default();
        let mut whole = None;
        for i in (0..n).rev() {
            let b = next_batch("INC-1", "o1", std::slice::from_ref(&huge), 10, i).unwrap();
            assert!(size(&b.content) <= MAX_CONTENT_BYTES);
            assert_eq!(b.txn_id, format!("cp1-INC-1-o1-5-5-p{i}"));
            let incoming = classify(&room_event(b.event_type, b.content), "INC-1");
            assert!(matches!(incoming, Incoming::Part { .. }), "{incoming:?}");
            if let Ok((_, lines)) = parts.lines(incoming) {
                whole = lines.into_iter().next().or(whole);
            }
        }
        assert_eq!(whole.as_deref(), Some(huge.line.as_str()));
    }

    #[test]
    fn parts_stay_under_the_limit_whatever_escaping_costs_and_the_notice_rides_the_last() {
        // Quotes and control characters cost 2 and 6 bytes once escaped.
        let nasty = format!("{}{}", "\"".repeat(40_000), "\u{1}".repeat(20_000));
        let o = note(7, &nasty);
        assert_eq!(pieces(&o.line).concat(), o.line);
        let (_, n) = next_batch("INC-1", "o1", std::slice::from_ref(&o), 10, 0)
            .unwrap()
            .part
            .unwrap();
        for i in 0..n {
            let b = next_batch("INC-1", "o1", std::slice::from_ref(&o), 10, i).unwrap();
            assert!(
                size(&b.content) <= MAX_CONTENT_BYTES,
                "part {i}: {}",
                size(&b.content)
            );
            assert_eq!(b.event_type, EVENT_TYPE);
        }
        let sitrep = Outgoing::new(
            8,
            line(
                8,
                Payload::SitrepSent {
                    version: 3,
                    fields: Default::default(),
                    rendered: "<b>".repeat(30_000),
                    ic: None,
                    comms: None,
                    responders: vec![],
                    groups: vec![],
                },
            ),
        );
        let (_, n) = next_batch("INC-1", "o1", std::slice::from_ref(&sitrep), 10, 0)
            .unwrap()
            .part
            .unwrap();
        let last = next_batch("INC-1", "o1", std::slice::from_ref(&sitrep), 10, n - 1).unwrap();
        assert!(size(&last.content) <= MAX_CONTENT_BYTES);
        assert_eq!(last.event_type, "m.room.message");
        assert!(
            last.content["body"]
                .as_str()
                .unwrap()
                .starts_with("Sitrep v3")
        );
        let first = next_batch("INC-1", "o1", std::slice::from_ref(&sitrep), 10, 0).unwrap();
        assert_eq!(
            first.event_type, EVENT_TYPE,
            "only the last part is read by people"
        );
    }

    #[test]
    fn parts_waiting_for_the_rest_survive_a_restart() {
        let mut p = Parts::default();
        assert_eq!(p.add("o1", 4, 0, 3, "ab".into()), None);
        assert_eq!(p.add("o1", 4, 2, 3, "ef".into()), None);
        let mut again = Parts::from_json(&p.to_json());
        assert_eq!(again, p);
        assert_eq!(
            again.add("o1", 4, 1, 3, "cd".into()).as_deref(),
            Some("abcdef")
        );
        assert!(again.is_empty());
        assert!(Parts::from_json(&json!([{"origin": 1}, "x"])).is_empty());
    }

    #[test]
    fn canonical_json_rejects_floats_and_big_integers() {
        assert!(canonical(&json!({"a": [1, -5, 9007199254740991_i64]})));
        assert!(!canonical(&json!({"a": 1.5})));
        assert!(!canonical(&json!(9007199254740992_u64)));
    }
}
