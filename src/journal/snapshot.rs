//! Derived, verifiable snapshots of a replayed journal (issue 14).
//!
//! Replaying a long journal (100,000 events, 17 MB) takes a few hundred milliseconds and
//! memory for every event. A snapshot is the state replayed from a prefix of the journal,
//! saved next to it (`journal.jsonl.snapshot`), so that opening the incident replays only the
//! events after that prefix. The journal stays the only source of truth: a snapshot is
//! derived data, used only when every check below passes, and otherwise ignored (the next
//! writer that replays the journal replaces it). Nothing is ever repaired from a snapshot.
//!
//! The state is the journal's prefix folded in merge order `(lc, origin, oseq)`
//! (`domain::merge`), the order every replica folds in. The snapshot records the data dir's
//! origin (`home`: local events sort under it) and the largest merge key of the prefix; an
//! event after the prefix extends the state only when it sorts after that key (and is not
//! an identity already held): one that sorts before it (a remote event ingested late, from
//! another cockpit) makes the whole journal replay in merge order, as without a snapshot.
//!
//! A snapshot is used only when:
//! - its header parses, its own digest matches, it names this format ([`FORMAT`]; any other
//!   is ignored) and this very build ([`SOURCE_ID`], a digest of the source tree: a change to
//!   the replay code or to any type it fills can never read an old state as current);
//! - it is for this incident (the id it was opened as) and this data dir's origin;
//! - its body is whole (its length and XXH3 digest match the header) and decodes;
//! - the journal still starts with the prefix it was derived from: at least as long, the
//!   byte before the end of the prefix a newline, as many lines, and the XXH3-128 digest of
//!   those bytes the one recorded (checked under the journal lock when opening);
//! - the decoded state agrees with the prefix (its last sequence number is the prefix's).
//!
//! Format: one header line of JSON, then the body, `body_len` bytes: JSON of the state; or,
//! when the header's `split` is not 0, JSON of the state holding the incident's first notes
//! (`split` bytes), a newline, and the JSON array of the incident's other notes, so that the
//! two parts decode on two threads (the notes are most of a long incident).

use super::file::{Journal, JournalError, Resume};
use super::store::IncidentSummary;
use crate::domain::event::Event;
use crate::domain::incident::{DomainError, Incident, Note, Unshown};
use crate::domain::merge;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

/// The snapshot format this build reads and writes (3: the body may be split in two).
pub const FORMAT: u32 = 3;
/// The build that writes (and alone reads) a snapshot: see `build.rs`.
pub const SOURCE_ID: &str = env!("COMMANDPOST_SOURCE_ID");
/// Write a new snapshot once this many events were replayed beyond the last one.
pub const EVERY: u64 = 2_000;
/// Journals shorter than this get no snapshot: replaying them is already quick.
pub const MIN_EVENTS: usize = 1_000;
const MAGIC: &str = "commandpost journal snapshot";

/// The snapshot of the journal at `journal`.
pub fn path_for(journal: &Path) -> PathBuf {
    let mut p = journal.as_os_str().to_owned();
    p.push(".snapshot");
    PathBuf::from(p)
}

/// A merge key `(lc, origin, oseq)`, owned (see `domain::merge::MergeKey`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub lc: u64,
    pub origin: String,
    pub oseq: u64,
}

impl Key {
    /// The merge key of `e` in a journal whose local origin is `home`.
    pub fn of(e: &Event, home: &str) -> Key {
        let k = merge::key(e, home);
        Key {
            lc: k.lc,
            origin: k.origin.to_string(),
            oseq: k.oseq,
        }
    }

    /// Whether `e` sorts after this key.
    pub fn below(&self, e: &Event, home: &str) -> bool {
        let k = merge::key(e, home);
        (self.lc, self.origin.as_str(), self.oseq) < (k.lc, k.origin, k.oseq)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    magic: String,
    format: u32,
    source: String,
    incident: String,
    /// This data dir's origin when the state was folded (`""`: it had none).
    home: String,
    journal: Resume,
    /// The largest merge key in the prefix.
    last_key: Key,
    /// The incident as `commandpost list` shows it (so listing reads no body).
    summary: IncidentSummary,
    body_len: u64,
    body_digest: String,
    /// Where the body's second part starts, after a newline (0: the body is one part).
    #[serde(default)]
    split: u64,
    /// XXH3-128 of this header serialised with `check` empty.
    check: String,
}

fn digest_hex(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

impl Header {
    fn checksum(&self) -> Result<String, serde_json::Error> {
        let mut h = self.clone();
        h.check = String::new();
        Ok(digest_hex(&serde_json::to_vec(&h)?))
    }
}

/// Why a snapshot was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("no snapshot")]
    Missing,
    #[error("unreadable: {0}")]
    Unreadable(String),
    #[error("not a snapshot header: {0}")]
    Header(String),
    #[error("format {0} (this build reads {FORMAT})")]
    Format(u32),
    #[error("written by another build ({0})")]
    OtherBuild(String),
    #[error("for incident {0:?}")]
    OtherIncident(String),
    #[error("for the data dir origin {0:?}")]
    OtherHome(String),
    #[error("damaged body: {0}")]
    Body(String),
    #[error("the journal no longer starts with the prefix it was derived from")]
    Stale,
    #[error("the state does not match its journal prefix: {0}")]
    Inconsistent(String),
    #[error("an event after the prefix sorts before its last (merge order)")]
    OutOfOrder,
}

/// A state replayed from the journal's events in merge order: the incident, or more (the
/// cockpit's and the commands' state adds the outbox). Its snapshot body is a JSON object of
/// the parts; a state may read only some of them (unknown fields are skipped).
pub trait Fold: Sized {
    /// The state after the journal's first event (which opens the incident), or why not.
    fn first(e: &Event) -> Result<Self, DomainError>;
    /// Folds one more event in (it sorts after every event folded so far).
    fn apply(&mut self, e: &Event);
    /// The state of `events` (the whole journal, in journal order) replayed in merge order.
    fn full(events: &[Event], home: &str) -> Result<Self, DomainError>;
    /// The incident.
    fn incident(&self) -> &Incident;
    /// The incident, to give it the notes a split body holds apart.
    fn incident_mut(&mut self) -> &mut Incident;
}

/// The incident part of a snapshot body alone (for listing incidents).
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentOnly(pub Incident);

#[derive(Deserialize)]
struct IncidentOnlyBody {
    incident: Incident,
    unshown: Unshown,
}

impl<'de> Deserialize<'de> for IncidentOnly {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let b = IncidentOnlyBody::deserialize(d)?;
        Ok(IncidentOnly(b.incident.with_unshown(b.unshown)))
    }
}

impl Fold for IncidentOnly {
    fn first(e: &Event) -> Result<Self, DomainError> {
        Ok(IncidentOnly(Incident::replay([e])?))
    }
    fn apply(&mut self, e: &Event) {
        self.0.apply(e)
    }
    fn full(events: &[Event], home: &str) -> Result<Self, DomainError> {
        Ok(IncidentOnly(merge::replay(events, home)?))
    }
    fn incident(&self) -> &Incident {
        &self.0
    }
    fn incident_mut(&mut self) -> &mut Incident {
        &mut self.0
    }
}

/// What `commandpost list` shows of `inc`, a journal of `events` events.
pub fn summary(inc: &Incident, events: u64) -> IncidentSummary {
    IncidentSummary {
        id: inc.id.clone(),
        title: inc.title.clone(),
        state: inc.state,
        opened_at: inc.opened_at,
        ic: inc.ic().map(|h| h.name.clone()),
        events,
    }
}

/// A snapshot's header, checked (everything but the journal prefix, which reading the
/// journal checks), with the reader standing at its body.
struct Opened {
    header: Header,
    body: std::io::BufReader<std::fs::File>,
}

fn open_header(journal: &Path, id: &str, home: &str) -> Result<Opened, Rejected> {
    let path = path_for(journal);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Rejected::Missing),
        Err(e) => return Err(Rejected::Unreadable(e.to_string())),
    };
    let mut reader = std::io::BufReader::with_capacity(256 * 1024, file);
    let mut line = Vec::new();
    // A header is short; a longer first line is not one.
    (&mut reader)
        .take(1024 * 1024)
        .read_until(b'\n', &mut line)
        .map_err(|e| Rejected::Unreadable(e.to_string()))?;
    let header: Header =
        serde_json::from_slice(&line).map_err(|e| Rejected::Header(e.to_string()))?;
    if header.magic != MAGIC {
        return Err(Rejected::Header(format!("magic {:?}", header.magic)));
    }
    if header.checksum().ok().as_ref() != Some(&header.check) {
        return Err(Rejected::Header("header digest mismatch".into()));
    }
    if header.format != FORMAT {
        return Err(Rejected::Format(header.format));
    }
    if header.source != SOURCE_ID {
        return Err(Rejected::OtherBuild(header.source));
    }
    if header.incident != id {
        return Err(Rejected::OtherIncident(header.incident));
    }
    if header.home != home {
        return Err(Rejected::OtherHome(header.home));
    }
    if header.summary.events != header.journal.lines as u64 {
        return Err(Rejected::Inconsistent("event count".into()));
    }
    Ok(Opened {
        header,
        body: reader,
    })
}

/// The body of an opened snapshot, read whole, its length and digest checked, as text.
fn body_text(opened: Opened) -> Result<(Header, String), Rejected> {
    let Opened { header, mut body } = opened;
    let len = usize::try_from(header.body_len).map_err(|e| Rejected::Body(e.to_string()))?;
    let mut bytes = Vec::with_capacity(len.min(1 << 30));
    (&mut body)
        .take(header.body_len.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Rejected::Unreadable(e.to_string()))?;
    if bytes.len() != len {
        return Err(Rejected::Body(format!(
            "{} bytes instead of {len}",
            bytes.len()
        )));
    }
    if digest_hex(&bytes) != header.body_digest {
        return Err(Rejected::Body("digest mismatch".into()));
    }
    // Checked as UTF-8 once here rather than string by string while decoding.
    let text = String::from_utf8(bytes).map_err(|e| Rejected::Body(e.to_string()))?;
    Ok((header, text))
}

/// A split body's two parts: the state (with the incident's first notes) and the JSON array
/// of the incident's other notes.
fn parts(text: &str, split: u64) -> Result<(&str, &str), Rejected> {
    let at = usize::try_from(split).map_err(|e| Rejected::Body(e.to_string()))?;
    match (text.as_bytes().get(at), text.get(..at), text.get(at + 1..)) {
        (Some(b'\n'), Some(state), Some(notes)) => Ok((state, notes)),
        _ => Err(Rejected::Body(format!(
            "no newline at {split}, where it splits"
        ))),
    }
}

/// The state a snapshot body holds (`split`: where its second part starts, 0 for none):
/// a split body's two parts are decoded on two threads, the second part's notes then
/// appended to the incident's.
pub fn state_of<S: DeserializeOwned + Fold>(text: &str, split: u64) -> Result<S, Rejected> {
    merged(parts_of(text, split))
}

/// The state with the notes of a split body's second part given to its incident.
fn merged<S: Fold>(parts: Result<(S, Vec<Note>), Rejected>) -> Result<S, Rejected> {
    let (mut state, notes) = parts?;
    if !notes.is_empty() {
        state.incident_mut().notes.extend(notes);
    }
    Ok(state)
}

/// The state a snapshot body holds, and the notes its second part holds apart (none when
/// it is one part): decoded on two threads. (They own what they hold: the body's text can
/// go before the notes are joined.)
fn parts_of<S: DeserializeOwned>(text: &str, split: u64) -> Result<(S, Vec<Note>), Rejected> {
    let err = |e: serde_json::Error| Rejected::Body(e.to_string());
    if split == 0 {
        return Ok((serde_json::from_str(text).map_err(err)?, Vec::new()));
    }
    let (state, notes) = parts(text, split)?;
    let decode_notes = move || serde_json::from_str::<Vec<Note>>(notes);
    let (state, notes) = std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .name("snapshot-notes".into())
            .spawn_scoped(scope, decode_notes);
        let state = serde_json::from_str::<S>(state);
        let notes = match other {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(serde::de::Error::custom("decoding failed"))),
            // No second thread: decoded here.
            Err(_) => decode_notes(),
        };
        (state, notes)
    });
    Ok((state.map_err(err)?, notes.map_err(err)?))
}

/// The JSON of the state `body` holds, as one text (a split body's parts joined): the
/// incident's notes are the first part's followed by the second part's. Checked to be well
/// formed.
pub fn joined_body(body: &str, split: u64) -> Result<String, Rejected> {
    let err = |e: serde_json::Error| Rejected::Body(e.to_string());
    if split == 0 {
        serde_json::from_str::<serde::de::IgnoredAny>(body).map_err(err)?;
        return Ok(body.to_string());
    }
    let (state, notes) = parts(body, split)?;
    let raw: NotesOf<'_> = serde_json::from_str(state).map_err(err)?;
    let first = raw.incident.notes.get();
    let more: &serde_json::value::RawValue = serde_json::from_str(notes).map_err(err)?;
    let more = more.get();
    let (Some(first_inner), Some(more_inner)) = (
        first.strip_prefix('[').and_then(|t| t.strip_suffix(']')),
        more.strip_prefix('[').and_then(|t| t.strip_suffix(']')),
    ) else {
        return Err(Rejected::Body("notes are not arrays".into()));
    };
    // Where the first part's notes end (before its closing bracket).
    let end = (first.as_ptr() as usize)
        .wrapping_sub(state.as_ptr() as usize)
        .saturating_add(first.len() - 1);
    let (Some(head), Some(tail)) = (state.get(..end), state.get(end..)) else {
        return Err(Rejected::Body("notes out of place".into()));
    };
    let mut out = String::with_capacity(state.len() + more_inner.len() + 1);
    out.push_str(head);
    if !first_inner.trim().is_empty() && !more_inner.trim().is_empty() {
        out.push(',');
    }
    out.push_str(more_inner);
    out.push_str(tail);
    Ok(out)
}

/// The incident's notes in a snapshot body, as text.
#[derive(Deserialize)]
struct NotesOf<'a> {
    #[serde(borrow)]
    incident: NotesIn<'a>,
}

#[derive(Deserialize)]
struct NotesIn<'a> {
    #[serde(borrow)]
    notes: &'a serde_json::value::RawValue,
}

/// `plain` (the JSON of a state) laid out in two parts (see the module's doc): the body and
/// where its second part starts; `plain` itself and 0 when it has too few notes to split.
fn split_body(plain: Vec<u8>) -> (Vec<u8>, u64) {
    #[derive(Deserialize)]
    struct Body<'a> {
        #[serde(borrow)]
        incident: Notes<'a>,
    }
    #[derive(Deserialize)]
    struct Notes<'a> {
        #[serde(borrow)]
        notes: Vec<&'a serde_json::value::RawValue>,
    }
    let cut = (|| {
        let text = std::str::from_utf8(&plain).ok()?;
        let body: Body<'_> = serde_json::from_str(text).ok()?;
        let notes = body.incident.notes;
        let at = |n: &serde_json::value::RawValue| {
            (n.get().as_ptr() as usize).wrapping_sub(text.as_ptr() as usize)
        };
        let last = notes.last()?;
        let end = at(last).checked_add(last.get().len())?;
        // The second part about half the body (the first also holds everything else).
        let target = end.saturating_sub(text.len() / 2);
        let first = notes.partition_point(|n| at(n) < target).max(1);
        let from = at(notes.get(first)?);
        // Compact JSON: a comma before each note after the first, the bracket after the last.
        let fits = from > 0 && plain.get(from - 1) == Some(&b',') && plain.get(end) == Some(&b']');
        fits.then_some((from, end))
    })();
    let Some((from, end)) = cut else {
        return (plain, 0);
    };
    let mut body = Vec::with_capacity(plain.len() + 2);
    body.extend_from_slice(&plain[..from - 1]);
    body.extend_from_slice(&plain[end..]);
    let split = body.len() as u64;
    body.extend_from_slice(b"\n[");
    body.extend_from_slice(&plain[from..end]);
    body.push(b']');
    (body, split)
}

fn read_body<S: DeserializeOwned + Fold>(opened: Opened) -> Result<(Header, S), Rejected> {
    let (header, text) = body_text(opened)?;
    let parts = parts_of::<S>(&text, header.split);
    // The text goes before the notes are joined (a copy of half of them, for a moment).
    drop(text);
    let state = merged(parts)?;
    let inc = state.incident();
    if inc.last_seq != header.journal.last_seq
        || summary(inc, header.summary.events) != header.summary
    {
        return Err(Rejected::Inconsistent(format!(
            "state at seq {}, prefix at {}",
            inc.last_seq, header.journal.last_seq
        )));
    }
    Ok((header, state))
}

/// What a snapshot holds besides the state: where it stands in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// The journal prefix the state is the replay of.
    pub resume: Resume,
    /// The largest merge key in that prefix.
    pub last_key: Key,
}

/// Writes the snapshot of `journal` (incident `id`, data dir origin `home`): `state` must be
/// exactly the merge-order replay of the prefix `at` describes. Written to a temporary file
/// and renamed into place, so a reader sees the old snapshot or the new one, whole.
pub fn save<S: Serialize>(
    journal: &Path,
    id: &str,
    home: &str,
    at: &Point,
    inc: &Incident,
    state: &S,
) -> std::io::Result<()> {
    let (body, split) = split_body(serde_json::to_vec(state).map_err(std::io::Error::other)?);
    let mut header = Header {
        magic: MAGIC.into(),
        format: FORMAT,
        source: SOURCE_ID.into(),
        incident: id.into(),
        home: home.into(),
        journal: at.resume.clone(),
        last_key: at.last_key.clone(),
        summary: summary(inc, at.resume.lines as u64),
        body_len: body.len() as u64,
        body_digest: digest_hex(&body),
        split,
        check: String::new(),
    };
    header.check = header.checksum().map_err(std::io::Error::other)?;
    let mut head = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
    head.push(b'\n');
    let path = path_for(journal);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&head)?;
        f.write_all(&body)?;
        f.flush()?;
        std::fs::rename(&tmp, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// What opening or reading a journal through its snapshot gives.
#[derive(Debug)]
pub struct Replayed<S> {
    pub state: S,
    /// The largest merge key folded in.
    pub last_key: Key,
    /// Events replayed from the journal (all of them when no snapshot was used).
    pub replayed: u64,
    /// Whether a snapshot was used, or why not.
    pub snapshot: Result<(), Rejected>,
}

/// Folds a journal's events as they stream in, in merge order while they come in it, from a
/// restored state when the journal resumed from a snapshot's prefix. Anything else (an event
/// that sorts before the last one, a remote identity seen twice, a remote event under this
/// data dir's own origin, a first event that does not open the incident) stops the stream
/// fold: the journal is then replayed whole in merge order ([`Fold::full`]).
/// A snapshot's state with its last merge key and the remote identities of its prefix.
type Start<S> = (Key, HashSet<(String, u64)>, S);

/// The snapshot's state as it is decoded (on another thread, while the journal's prefix is
/// read and checked): waiting for it gives the state or why it cannot be used.
type Restoring<'a, S> = Box<dyn FnOnce() -> Result<Start<S>, Rejected> + 'a>;

struct Folder<'a, S> {
    home: String,
    restored: Option<Restoring<'a, S>>,
    /// Why the snapshot's state was not used, once that is known.
    rejected: Option<Rejected>,
    state: Option<S>,
    last_key: Option<Key>,
    remote: HashSet<(String, u64)>,
    in_order: bool,
    started: bool,
    replayed: u64,
}

impl<'a, S: Fold> Folder<'a, S> {
    fn new(home: &str, restored: Option<Restoring<'a, S>>) -> Self {
        Folder {
            home: home.to_string(),
            restored,
            rejected: None,
            state: None,
            last_key: None,
            remote: HashSet::new(),
            in_order: true,
            started: false,
            replayed: 0,
        }
    }

    /// Before the first event: when the journal resumed from the snapshot's prefix, waits
    /// for the snapshot's state (its events follow that state). Otherwise the whole journal
    /// streams in and the state is not waited for.
    fn start(&mut self, resumed: bool) {
        if !self.started {
            self.started = true;
            if resumed && let Some(restoring) = self.restored.take() {
                match restoring() {
                    Ok((key, remote, state)) => {
                        self.last_key = Some(key);
                        self.remote = remote;
                        self.state = Some(state);
                    }
                    Err(e) => {
                        // The prefix was skipped: the journal is replayed whole.
                        self.rejected = Some(e);
                        self.in_order = false;
                    }
                }
            }
        }
    }

    /// Why the snapshot was not used (waiting for its decoding if the journal did not
    /// resume from it), if it was not.
    fn rejected(&mut self) -> Option<Rejected> {
        if let Some(restoring) = self.restored.take()
            && let Err(e) = restoring()
        {
            self.rejected = Some(e);
        }
        self.rejected.clone()
    }

    fn event(&mut self, e: &Event, resumed: bool) {
        self.start(resumed);
        self.replayed += 1;
        if !self.in_order {
            return;
        }
        if let Some(o) = &e.rep.origin
            && (*o == self.home || !self.remote.insert((o.clone(), e.oseq())))
        {
            self.in_order = false;
            return;
        }
        if self
            .last_key
            .as_ref()
            .is_some_and(|k| !k.below(e, &self.home))
        {
            self.in_order = false;
            return;
        }
        self.last_key = Some(Key::of(e, &self.home));
        match &mut self.state {
            Some(s) => s.apply(e),
            None => match S::first(e) {
                Ok(s) => self.state = Some(s),
                Err(_) => self.in_order = false,
            },
        }
    }

    /// The state, its largest key and the events replayed; `None` when the stream fold
    /// stopped (the journal must be replayed whole).
    fn finish(&mut self, resumed: bool) -> Option<(S, Key, u64)> {
        self.start(resumed);
        if !self.in_order {
            return None;
        }
        Some((self.state.take()?, self.last_key.take()?, self.replayed))
    }
}

/// The merge-order replay of the first `lines` events of the journal at `path` (what a
/// reader read; a writer may have appended since), with its largest merge key.
fn full<S: Fold>(path: &Path, lines: usize, home: &str) -> Result<(S, Key), OpenError> {
    let (mut events, _) = Journal::read(path)?;
    events.truncate(lines);
    let last_key = events
        .iter()
        .map(|e| Key::of(e, home))
        .max()
        .ok_or(DomainError::NotOpened)?;
    Ok((S::full(&events, home)?, last_key))
}

/// An error opening a journal through its snapshot.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Domain(#[from] DomainError),
}

/// The state of an opened snapshot, decoded and checked, as the folder starts from it.
fn decode<S: DeserializeOwned + Fold>(opened: Opened) -> Result<Start<S>, Rejected> {
    let (h, s) = read_body::<S>(opened)?;
    let remote = h
        .journal
        .remote_ids()
        .ok_or_else(|| Rejected::Inconsistent("remote identities".into()))?;
    Ok((h.last_key, remote, s))
}

/// A snapshot whose body is being decoded before its journal is opened. The cockpit starts
/// one for the incident it will most likely open (the newest whose snapshot says it is
/// open) while it finds out which incident is current: on a long incident the decoding is
/// most of the start, and finding the current incident reads every journal's prefix.
/// Opening that journal with it ([`open_ahead`]) makes exactly the checks [`open`] makes;
/// opening another one, or none, leaves it unused.
pub struct Ahead<S> {
    path: PathBuf,
    id: String,
    home: String,
    resume: Resume,
    decoding: std::thread::JoinHandle<Result<Start<S>, Rejected>>,
}

impl<S> std::fmt::Debug for Ahead<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ahead")
            .field("path", &self.path)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Starts decoding the snapshot of the journal at `path` (incident `id`, data dir origin
/// `home`) on its own thread when its header checks out and says the incident is open;
/// `Ok(None)` when it says the incident is resolved, why not when there is no such header.
pub fn ahead<S>(path: &Path, id: &str, home: &str) -> Result<Option<Ahead<S>>, Rejected>
where
    S: DeserializeOwned + Fold + Send + 'static,
{
    let opened = open_header(path, id, home)?;
    if !opened.header.summary.state.is_open() {
        return Ok(None);
    }
    let resume = opened.header.journal.clone();
    let decoding = std::thread::Builder::new()
        .name("snapshot".into())
        .spawn(move || decode::<S>(opened))
        .map_err(|e| Rejected::Unreadable(e.to_string()))?;
    Ok(Some(Ahead {
        path: path.to_path_buf(),
        id: id.to_string(),
        home: home.to_string(),
        resume,
        decoding,
    }))
}

/// Replays the journal at `path` through its snapshot: the snapshot's header is checked
/// here, its body decoded on another thread while `replay` reads the journal from the
/// prefix the header records (checking the journal still starts with it). `replay` is
/// given that prefix (`None`: no usable header) and the folder; it returns what it read,
/// whether the journal resumed from the prefix, and how many lines it holds. A snapshot
/// decoded `ahead` for this very journal is used instead of opening it again.
fn through_snapshot<S, T>(
    path: &Path,
    id: &str,
    home: &str,
    ahead: Option<Ahead<S>>,
    replay: impl FnOnce(Option<&Resume>, &mut Folder<'_, S>) -> Result<(T, bool, usize), OpenError>,
) -> Result<(T, Replayed<S>), OpenError>
where
    S: DeserializeOwned + Fold + Send,
{
    if let Some(a) = ahead.filter(|a| a.path == path && a.id == id && a.home == home) {
        let resume = a.resume;
        let decoding = a.decoding;
        let restoring: Restoring<'_, S> = Box::new(move || joined(decoding.join()));
        return fold_from(path, home, &resume, restoring, replay);
    }
    let opened = match open_header(path, id, home) {
        Ok(opened) => opened,
        Err(why) => {
            let mut folder = Folder::new(home, None);
            let (t, resumed, lines) = replay(None, &mut folder)?;
            let replayed = conclude(folder, resumed, path, lines, home, Err(why))?;
            return Ok((t, replayed));
        }
    };
    let resume = opened.header.journal.clone();
    std::thread::scope(|scope| {
        let decoding = std::thread::Builder::new()
            .name("snapshot".into())
            .spawn_scoped(scope, move || decode::<S>(opened));
        let restoring: Restoring<'_, S> = match decoding {
            Ok(handle) => Box::new(move || joined(handle.join())),
            Err(e) => {
                let e = Rejected::Unreadable(e.to_string());
                Box::new(move || Err(e))
            }
        };
        fold_from(path, home, &resume, restoring, replay)
    })
}

/// What a decoding thread ended with (one that panicked decoded nothing usable).
fn joined<S>(ended: std::thread::Result<Result<Start<S>, Rejected>>) -> Result<Start<S>, Rejected> {
    ended.unwrap_or_else(|_| Err(Rejected::Body("decoding failed".into())))
}

/// `replay` from the snapshot prefix `resume`, the snapshot's state coming from `restoring`.
fn fold_from<S: Fold, T>(
    path: &Path,
    home: &str,
    resume: &Resume,
    restoring: Restoring<'_, S>,
    replay: impl FnOnce(Option<&Resume>, &mut Folder<'_, S>) -> Result<(T, bool, usize), OpenError>,
) -> Result<(T, Replayed<S>), OpenError> {
    let mut folder = Folder::new(home, Some(restoring));
    let (t, resumed, lines) = replay(Some(resume), &mut folder)?;
    // Whether or not the journal resumed, the decoding has ended here (taken as the
    // start when it resumed and no event followed the prefix).
    folder.start(resumed);
    let why = match folder.rejected() {
        Some(e) => Err(e),
        None if !resumed => Err(Rejected::Stale),
        None => Ok(()),
    };
    let replayed = conclude(folder, resumed, path, lines, home, why)?;
    Ok((t, replayed))
}

/// Ends a replay: the stream fold's state, or the whole journal replayed in merge order.
fn conclude<S: Fold>(
    mut folder: Folder<'_, S>,
    resumed: bool,
    path: &Path,
    lines: usize,
    home: &str,
    mut why: Result<(), Rejected>,
) -> Result<Replayed<S>, OpenError> {
    match folder.finish(resumed) {
        Some((state, last_key, replayed)) => Ok(Replayed {
            state,
            last_key,
            replayed,
            snapshot: why,
        }),
        None => {
            if why.is_ok() {
                why = Err(Rejected::OutOfOrder);
            }
            let (state, last_key) = full::<S>(path, lines, home)?;
            Ok(Replayed {
                state,
                last_key,
                replayed: lines as u64,
                snapshot: why,
            })
        }
    }
}

/// Opens the journal at `path` (incident `id`, data dir origin `home`) like
/// [`Journal::open_with`] and replays it in merge order into `S`, from its snapshot when
/// that passes every check.
pub fn open<S: DeserializeOwned + Fold + Send>(
    path: &Path,
    id: &str,
    home: &str,
) -> Result<(Journal, Replayed<S>, Vec<String>), OpenError> {
    open_ahead(path, id, home, None)
}

/// [`open`], with the snapshot decoded [`ahead`] when that was for this journal.
pub fn open_ahead<S: DeserializeOwned + Fold + Send>(
    path: &Path,
    id: &str,
    home: &str,
    ahead: Option<Ahead<S>>,
) -> Result<(Journal, Replayed<S>, Vec<String>), OpenError> {
    let ((journal, warnings), replayed) =
        through_snapshot::<S, _>(path, id, home, ahead, |resume, folder| {
            let (journal, warnings, resumed) =
                Journal::open_from(path, resume, |e, resumed| folder.event(&e, resumed))?;
            let lines = journal.resume_point().lines;
            Ok(((journal, warnings), resumed, lines))
        })?;
    log_rejected(path, &replayed.snapshot);
    Ok((journal, replayed, warnings))
}

/// Reads the journal at `path` without changing it (like [`Journal::read`]) into `S`, in
/// merge order, from its snapshot when that passes every check. Returns the state, where
/// the journal's good prefix ends, and whether a torn last line follows.
pub fn read<S: DeserializeOwned + Fold + Send>(
    path: &Path,
    id: &str,
    home: &str,
) -> Result<(Replayed<S>, Resume, bool), OpenError> {
    let ((end, torn), replayed) =
        through_snapshot::<S, _>(path, id, home, None, |resume, folder| {
            read_on(path, resume, folder)
        })?;
    log_rejected(path, &replayed.snapshot);
    Ok((replayed, end, torn))
}

/// Reads the journal from `resume` (without writing) into `folder`: where it ended and
/// whether a torn line follows, whether it resumed, and the lines read.
fn read_on<S: Fold>(
    path: &Path,
    resume: Option<&Resume>,
    folder: &mut Folder<'_, S>,
) -> Result<((Resume, bool), bool, usize), OpenError> {
    let (end, torn, resumed) =
        Journal::read_from(path, resume, |e, resumed| folder.event(&e, resumed))?;
    let lines = end.lines;
    Ok(((end, torn), resumed, lines))
}

/// The summary `commandpost list` shows of incident `id`, read without changing anything:
/// from the snapshot's header alone when the journal has nothing after its prefix, else as
/// [`read`] does.
pub fn summarize(path: &Path, id: &str, home: &str) -> Result<IncidentSummary, OpenError> {
    summarize_kept(path, id, home).map(|(s, _)| s)
}

/// The incident a [`summarize_kept`] read folded, kept for reading the same journal again
/// in this process ([`read_kept`]): it is the merge-order replay of exactly the journal
/// prefix `end` records, so a read that finds the journal still starts with that prefix
/// (the check a snapshot's prefix gets) folds only what follows it.
#[derive(Debug)]
pub struct Kept {
    path: PathBuf,
    id: String,
    home: String,
    end: Resume,
    last_key: Key,
    state: IncidentOnly,
}

impl Kept {
    /// The incident as read.
    pub fn incident(&self) -> &Incident {
        &self.state.0
    }
}

/// [`summarize`], with the incident it had to fold (when the journal held anything after
/// its snapshot's prefix, or had no usable snapshot) kept for [`read_kept`].
pub fn summarize_kept(
    path: &Path,
    id: &str,
    home: &str,
) -> Result<(IncidentSummary, Option<Kept>), OpenError> {
    if let Ok(opened) = open_header(path, id, home) {
        let resume = &opened.header.journal;
        // Nothing after the prefix: the prefix is checked, nothing is folded.
        if std::fs::metadata(path).map(|m| m.len()).ok() == Some(resume.offset) {
            let (end, _torn, resumed) = Journal::read_from(path, Some(resume), |_, _| {})?;
            if resumed && end.lines == resume.lines {
                return Ok((opened.header.summary, None));
            }
        }
    }
    let (replayed, end, _torn) = read::<IncidentOnly>(path, id, home)?;
    let s = summary(&replayed.state.0, end.lines as u64);
    let kept = Kept {
        path: path.to_path_buf(),
        id: id.to_string(),
        home: home.to_string(),
        end,
        last_key: replayed.last_key,
        state: replayed.state,
    };
    Ok((s, Some(kept)))
}

/// [`read`] of the incident alone, from `kept` when that was read from this very journal
/// (path, id, data dir origin): the journal is checked to still start with the prefix
/// `kept` was folded from (else it is replayed whole, as with a stale snapshot) and only
/// the events after it are folded. The snapshot is reported used (`kept` came through it,
/// or from a full replay of that prefix).
pub fn read_kept(
    path: &Path,
    id: &str,
    home: &str,
    kept: Option<Kept>,
) -> Result<(Replayed<IncidentOnly>, Resume, bool), OpenError> {
    let Some(kept) = kept.filter(|k| k.path == path && k.id == id && k.home == home) else {
        return read::<IncidentOnly>(path, id, home);
    };
    let Kept {
        end: resume,
        last_key,
        state,
        ..
    } = kept;
    let start = resume
        .remote_ids()
        .map(|remote| (last_key, remote, state))
        .ok_or_else(|| Rejected::Inconsistent("remote identities".into()));
    let restoring: Restoring<'_, IncidentOnly> = Box::new(move || start);
    let ((end, torn), replayed) = fold_from(path, home, &resume, restoring, |resume, folder| {
        read_on(path, resume, folder)
    })?;
    log_rejected(path, &replayed.snapshot);
    Ok((replayed, end, torn))
}

/// The incident's JSON as a snapshot holds it (compact, as `serde_json` writes an
/// [`Incident`]), for a journal that holds nothing after the snapshot's prefix: what
/// `show --json` prints, without decoding the incident only to encode it again. It
/// serialises as the incident (each part transcoded from the text, checked to be well
/// formed; a split body's notes are the first part's followed by the second part's).
#[derive(Debug)]
pub struct IncidentJson {
    body: String,
    /// The incident's JSON in the body (in its first part when it is split).
    incident: std::ops::Range<usize>,
    /// The notes of a split body's second part, each one's JSON in the body.
    more: Option<Vec<std::ops::Range<usize>>>,
}

/// JSON text, serialised as the value it holds (transcoded).
struct Transcoded<'a>(&'a str);

impl Serialize for Transcoded<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut de = serde_json::Deserializer::from_str(self.0);
        serde_transcode::Transcoder::new(&mut de).serialize(s)
    }
}

/// The incident's notes: those of the first part, then those of the second.
struct AllNotes<'a> {
    first: &'a str,
    body: &'a str,
    more: &'a [std::ops::Range<usize>],
}

impl Serialize for AllNotes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let first: Vec<&serde_json::value::RawValue> =
            serde_json::from_str(self.first).map_err(S::Error::custom)?;
        let mut seq = s.serialize_seq(None)?;
        for n in first {
            seq.serialize_element(&Transcoded(n.get()))?;
        }
        for r in self.more {
            let n = self.body.get(r.clone()).unwrap_or("null");
            seq.serialize_element(&Transcoded(n))?;
        }
        seq.end()
    }
}

/// A JSON object's entries as text, in the order written.
struct Entries<'a>(Vec<(String, &'a serde_json::value::RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(e) = m.next_entry()? {
                    out.push(e);
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for IncidentJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        let text = self.body.get(self.incident.clone()).unwrap_or("null");
        let Some(more) = &self.more else {
            return Transcoded(text).serialize(s);
        };
        let entries: Entries<'_> = serde_json::from_str(text).map_err(S::Error::custom)?;
        let mut map = s.serialize_map(None)?;
        for (k, v) in entries.0 {
            if k == "notes" {
                let notes = AllNotes {
                    first: v.get(),
                    body: &self.body,
                    more,
                };
                map.serialize_entry(&k, &notes)?;
            } else {
                map.serialize_entry(&k, &Transcoded(v.get()))?;
            }
        }
        map.end()
    }
}

/// The parts of a snapshot body that [`incident_json`] looks at (the outbox is skipped).
#[derive(Deserialize)]
struct RawBody<'a> {
    #[serde(borrow)]
    incident: &'a serde_json::value::RawValue,
    unshown: Unshown,
}

/// What [`summary`] reads of an incident (the rest is skipped, but checked to be JSON),
/// and its notes as text.
#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(borrow)]
    notes: &'a serde_json::value::RawValue,
    id: String,
    title: String,
    state: crate::domain::event::Severity,
    opened_at: jiff::Timestamp,
    roles: std::collections::BTreeMap<crate::domain::role::Role, crate::domain::incident::Holder>,
}

/// The incident of the journal at `path` (incident `id`, data dir origin `home`) as JSON
/// text, straight from its snapshot, when the snapshot passes every check [`read`] makes
/// and the journal holds exactly its prefix (no event after it, no torn line). Otherwise
/// why not (then [`read`] the journal, which folds any tail or replays it whole).
///
/// The checks are [`read`]'s: the header's, the body's length and digest, the journal
/// prefix's, and the state's agreement with the header (its last seq, and the incident's
/// summary, read from the incident's JSON without building the incident).
pub fn incident_json(path: &Path, id: &str, home: &str) -> Result<IncidentJson, Rejected> {
    let opened = open_header(path, id, home)?;
    let resume = opened.header.journal.clone();
    let len = std::fs::metadata(path)
        .map_err(|e| Rejected::Unreadable(e.to_string()))?
        .len();
    if len != resume.offset {
        // Events (or a torn line) after the prefix, or a journal that no longer has it.
        return Err(Rejected::Stale);
    }
    let mut after = 0u64;
    let (end, torn, resumed) = Journal::read_from(path, Some(&resume), |_, _| after += 1)
        .map_err(|e| Rejected::Unreadable(e.to_string()))?;
    if !resumed || torn || after != 0 || end.lines != resume.lines {
        return Err(Rejected::Stale);
    }
    let (header, body) = body_text(opened)?;
    let (first, second) = match header.split {
        0 => (body.as_str(), None),
        split => {
            let (first, second) = parts(&body, split)?;
            (first, Some(second))
        }
    };
    let at = |t: &str| (t.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
    let (incident, more) = {
        let raw: RawBody<'_> =
            serde_json::from_str(first).map_err(|e| Rejected::Body(e.to_string()))?;
        let text = raw.incident.get();
        if raw.unshown.last_seq != header.journal.last_seq {
            return Err(Rejected::Inconsistent(format!(
                "state at seq {}, prefix at {}",
                raw.unshown.last_seq, header.journal.last_seq
            )));
        }
        let peek: Peek<'_> =
            serde_json::from_str(text).map_err(|e| Rejected::Body(e.to_string()))?;
        let seen = IncidentSummary {
            id: peek.id,
            title: peek.title,
            state: peek.state,
            opened_at: peek.opened_at,
            ic: peek
                .roles
                .get(&crate::domain::role::Role::Ic)
                .map(|h| h.name.clone()),
            events: header.summary.events,
        };
        if seen != header.summary {
            return Err(Rejected::Inconsistent("summary".into()));
        }
        // A split body's notes: the first part's an array, the second part's each checked
        // to be JSON.
        let more = match second {
            None => None,
            Some(second) => {
                if !peek.notes.get().starts_with('[') {
                    return Err(Rejected::Body("notes are not an array".into()));
                }
                let more: Vec<&serde_json::value::RawValue> =
                    serde_json::from_str(second).map_err(|e| Rejected::Body(e.to_string()))?;
                Some(
                    more.iter()
                        .map(|n| at(n.get())..at(n.get()).saturating_add(n.get().len()))
                        .collect(),
                )
            }
        };
        (at(text)..at(text).saturating_add(text.len()), more)
    };
    Ok(IncidentJson {
        body,
        incident,
        more,
    })
}

fn log_rejected(path: &Path, why: &Result<(), Rejected>) {
    match why {
        Ok(()) | Err(Rejected::Missing) => {}
        Err(e) => tracing::info!(
            journal = %path.display(),
            "snapshot not used ({e}): replaying the whole journal"
        ),
    }
}
