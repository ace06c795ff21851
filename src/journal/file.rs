use crate::domain::event::{Event, FORMAT_VERSION, Payload, Rep};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// An I/O error on `path` while doing `op` (`read`, `write`, `fsync`, ...).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {op}: {source}")]
pub struct IoAt {
    pub path: PathBuf,
    pub op: &'static str,
    pub source: std::io::Error,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Io(#[from] IoAt),
    #[error(
        "{path}:{line}: damaged journal line: {reason} (the journal was not modified; fix or remove that line by hand)"
    )]
    Damaged {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{path}: already exists")]
    Exists { path: PathBuf },
    #[error("{path}: the journal is empty")]
    Empty { path: PathBuf },
    #[error(
        "{path}:{line}: sequence number {seq} is the largest there is: no event can follow it \
         (nothing was written; fix that line's \"seq\" by hand)"
    )]
    SeqExhausted {
        path: PathBuf,
        line: usize,
        seq: u64,
    },
    #[error(
        "{path}:{line}: written by a newer commandpost (v{v}, event {kind:?}): this version \
         cannot {what} without understanding it; upgrade commandpost (the journal was not modified)"
    )]
    Newer {
        path: PathBuf,
        line: usize,
        v: u32,
        kind: String,
        what: &'static str,
    },
    #[error("cannot encode event: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Newlines in `bytes`.
fn memchr_count(bytes: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', bytes).count()
}

/// The error `op` on `path` failed with (`.map_err(io(path, "write"))`).
pub(super) fn io<'p>(path: &'p Path, op: &'static str) -> impl FnOnce(std::io::Error) -> IoAt + 'p {
    move |source| IoAt {
        path: path.to_path_buf(),
        op,
        source,
    }
}

/// An open journal. Reading is incremental: [`Journal::poll`] returns
/// complete lines appended by any writer since the last read.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    /// Bytes of the file consumed so far (always at a line boundary).
    offset: u64,
    /// Lines consumed so far (for error messages).
    lines: usize,
    last_seq: u64,
    /// Time of the last local event read or written: a new event is never stamped
    /// earlier. (Remote events keep their own clocks' times and do not count: one
    /// laptop's fast clock must not drag everyone's stamps forward.)
    last_ts: Timestamp,
    /// Highest Lamport counter read or written (a new local event gets one more).
    max_lc: u64,
    /// Identities `(origin, oseq)` of the remote events read or written, by origin.
    remote: HashMap<String, HashSet<u64>>,
    /// Digest of the bytes consumed so far (`[0, offset)`): what a snapshot derived from
    /// this prefix records, and checks the file against before it is used.
    digest: Digest,
}

/// What identifies a file's content without reading it, as far as the kernel tells: a
/// write changes its length or its change time (which no user can set), and usually both.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// Journal prefixes this process has already read and found to match a snapshot's
/// record, so that a command that first lists incidents (which checks each snapshot's
/// prefix) and then opens one does not read and digest the same 17 MB twice.
///
/// Remembered only for a file that had not changed for [`verified::SETTLED`] when it was
/// read (as git trusts a file's stat data only when it is older than the index: "racy
/// git"): any later write to it changes its change time (file times are coarse, but a write
/// made after the read is stamped later than `SETTLED` before it), or its length. Anything
/// else about the file differing (another file, inode, length, times) reads it again.
mod verified {
    use super::{Digest, Resume, Stamp};
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;
    use std::time::{Duration, SystemTime};

    /// How long a file must have been left alone before its check is remembered.
    pub(super) const SETTLED: Duration = Duration::from_secs(2);
    const KEEP: usize = 8;

    struct Entry {
        path: PathBuf,
        stamp: Stamp,
        offset: u64,
        lines: usize,
        digest_hex: String,
        digest: Digest,
    }

    static SEEN: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

    fn time(t: (i64, i64)) -> Option<SystemTime> {
        let secs = u64::try_from(t.0).ok()?;
        let nanos = u32::try_from(t.1).ok()?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
    }

    pub(super) fn get(path: &Path, stamp: &Stamp, resume: &Resume) -> Option<Digest> {
        let seen = SEEN.lock().ok()?;
        seen.iter()
            .find(|e| {
                e.path == path
                    && e.stamp == *stamp
                    && e.offset == resume.offset
                    && e.lines == resume.lines
                    && e.digest_hex == resume.digest
            })
            .map(|e| e.digest.clone())
    }

    /// Remembers that the file at `path`, as `stamp` describes it when a read that
    /// `started` then, starts with the prefix `resume` records (`digest`).
    pub(super) fn put(
        path: &Path,
        stamp: Stamp,
        started: SystemTime,
        resume: &Resume,
        digest: &Digest,
    ) {
        let Some(settled) = started.checked_sub(SETTLED) else {
            return;
        };
        let old = |t| time(t).is_some_and(|t| t <= settled);
        if !old(stamp.mtime) || !old(stamp.ctime) {
            return;
        }
        let Ok(mut seen) = SEEN.lock() else {
            return;
        };
        if seen.len() >= KEEP {
            seen.remove(0);
        }
        seen.push(Entry {
            path: path.to_path_buf(),
            stamp,
            offset: resume.offset,
            lines: resume.lines,
            digest_hex: resume.digest.clone(),
            digest: digest.clone(),
        });
    }
}

/// A running XXH3-128 digest of a journal prefix.
#[derive(Clone, Default)]
struct Digest(xxhash_rust::xxh3::Xxh3);

impl Digest {
    fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn hex(&self) -> String {
        format!("{:032x}", self.0.digest128())
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.hex())
    }
}

/// A point in a journal to continue reading from: everything before `offset` was read (it
/// held `lines` events, the last numbered `last_seq`; the latest local one stamped
/// `last_ts`; the highest Lamport counter `max_lc`; the remote identities `remote`, as
/// ranges of `oseq` per origin) and digests to `digest` (XXH3-128, hex). Derived state saved
/// with it (a snapshot) is valid for exactly that prefix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    pub offset: u64,
    pub lines: usize,
    pub last_seq: u64,
    pub last_ts: Timestamp,
    pub max_lc: u64,
    pub remote: BTreeMap<String, Vec<(u64, u64)>>,
    pub digest: String,
}

impl Resume {
    /// The remote identities `(origin, oseq)` of the prefix, or `None` when the ranges are
    /// not sorted and disjoint or hold more numbers than the prefix has lines (a snapshot's
    /// header is checked, never trusted).
    pub fn remote_ids(&self) -> Option<HashSet<(String, u64)>> {
        let mut out = HashSet::new();
        let mut left = self.lines as u64;
        for (origin, r) in &self.remote {
            let set = unranged(r, left)?;
            if set.is_empty() {
                return None;
            }
            left -= set.len() as u64;
            out.extend(set.into_iter().map(|n| (origin.clone(), n)));
        }
        Some(out)
    }
}

/// `oseq`s as sorted inclusive ranges.
fn ranges(set: &HashSet<u64>) -> Vec<(u64, u64)> {
    let mut v: Vec<u64> = set.iter().copied().collect();
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for n in v {
        match out.last_mut() {
            Some((_, hi)) if hi.checked_add(1) == Some(n) => *hi = n,
            _ => out.push((n, n)),
        }
    }
    out
}

/// The set of `oseq`s in `ranges`, or `None` when they are not sorted, disjoint ranges
/// (a snapshot's header is checked, never trusted) or hold more than `limit` numbers.
fn unranged(ranges: &[(u64, u64)], limit: u64) -> Option<HashSet<u64>> {
    let mut set = HashSet::new();
    let mut total: u64 = 0;
    let mut floor: Option<u64> = None;
    for &(lo, hi) in ranges {
        if hi < lo || floor.is_some_and(|f| lo <= f) {
            return None;
        }
        total = total.checked_add(hi - lo + 1)?;
        if total > limit {
            return None;
        }
        set.extend(lo..=hi);
        floor = Some(hi);
    }
    Some(set)
}

/// A journal together with what it held when opened.
#[derive(Debug)]
pub struct Opened {
    pub journal: Journal,
    pub events: Vec<Event>,
    /// Human-readable notes about recovery (e.g. a torn last line moved aside).
    pub warnings: Vec<String>,
}

/// RAII advisory lock on the journal file (held through a duplicate of the
/// descriptor, which shares the lock with the original).
struct Lock(File);

impl Lock {
    fn exclusive(f: &File, path: &Path) -> Result<Self, JournalError> {
        let dup = f.try_clone().map_err(io(path, "dup"))?;
        dup.lock().map_err(io(path, "lock"))?;
        Ok(Lock(dup))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// For commands that must understand every event (a post-mortem): the first
/// event this version cannot read (from a newer version, or of a type it does
/// not know) is an error naming the file and its line. `events` are the
/// journal's events from its first line (one event per line).
pub fn require_understood(
    path: &Path,
    events: &[Event],
    what: &'static str,
) -> Result<(), JournalError> {
    match events.iter().enumerate().find(|(_, e)| !e.understood()) {
        None => Ok(()),
        Some((i, e)) => Err(JournalError::Newer {
            path: path.to_path_buf(),
            line: i + 1,
            v: e.v,
            kind: e.payload.kind(),
            what,
        }),
    }
}

impl Journal {
    fn fresh(path: &Path, file: File) -> Journal {
        Journal {
            path: path.to_path_buf(),
            file,
            offset: 0,
            lines: 0,
            last_seq: 0,
            last_ts: Timestamp::UNIX_EPOCH,
            max_lc: 0,
            remote: HashMap::new(),
            digest: Digest::default(),
        }
    }

    /// A second reader (and writer) of the same journal, standing where this one stands
    /// (for another thread: e.g. the outbox beside the cockpit's executor).
    pub fn reader_at(&self) -> Result<Journal, JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map_err(io(&self.path, "open"))?;
        Ok(Journal {
            path: self.path.clone(),
            file,
            offset: self.offset,
            lines: self.lines,
            last_seq: self.last_seq,
            last_ts: self.last_ts,
            max_lc: self.max_lc,
            remote: self.remote.clone(),
            digest: self.digest.clone(),
        })
    }

    /// Where this reader stands: the prefix read so far, what it held and its digest.
    pub fn resume_point(&self) -> Resume {
        Resume {
            offset: self.offset,
            lines: self.lines,
            last_seq: self.last_seq,
            last_ts: self.last_ts,
            max_lc: self.max_lc,
            remote: self
                .remote
                .iter()
                .map(|(o, s)| (o.clone(), ranges(s)))
                .collect(),
            digest: self.digest.hex(),
        }
    }

    /// Reads `[0, resume.offset)` of `file` and digests it: the digest to continue from if
    /// it is the one `resume` records (the file is that long, the prefix ends a line and
    /// holds `resume.lines` lines), else `None`.
    fn verify_prefix(
        file: &File,
        path: &Path,
        resume: &Resume,
    ) -> Result<Option<Digest>, JournalError> {
        let started = std::time::SystemTime::now();
        let meta = file.metadata().map_err(io(path, "stat"))?;
        let len = meta.len();
        if resume.offset == 0 || len < resume.offset {
            return Ok(None);
        }
        let stamp = Stamp::of(&meta);
        if let Some(digest) = verified::get(path, &stamp, resume) {
            return Ok(Some(digest));
        }
        let digest = Self::digest_prefix(file, path, resume)?;
        if let Some(d) = &digest {
            verified::put(path, stamp, started, resume, d);
        }
        Ok(digest)
    }

    /// Reads and digests the prefix `resume` records: its digest when the file starts with
    /// it (the same bytes, as many lines, ending with a newline).
    fn digest_prefix(
        file: &File,
        path: &Path,
        resume: &Resume,
    ) -> Result<Option<Digest>, JournalError> {
        let mut digest = Digest::default();
        let mut reader = file;
        reader.seek(SeekFrom::Start(0)).map_err(io(path, "seek"))?;
        let mut left = resume.offset;
        let mut buf = vec![0u8; 256 * 1024];
        let mut last = 0u8;
        let mut lines = 0usize;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = reader.read(&mut buf[..want]).map_err(io(path, "read"))?;
            if n == 0 {
                return Ok(None);
            }
            digest.update(&buf[..n]);
            lines += memchr_count(&buf[..n]);
            last = buf[n - 1];
            left -= n as u64;
        }
        let same = last == b'\n' && lines == resume.lines && digest.hex() == resume.digest;
        Ok(same.then_some(digest))
    }

    /// Continues from `resume` when the journal still starts with the prefix it records.
    fn resumed(&mut self, resume: &Resume) -> Result<bool, JournalError> {
        if resume.last_seq == 0 || resume.max_lc == 0 || resume.lines == 0 {
            return Ok(false);
        }
        let Some(digest) = Self::verify_prefix(&self.file, &self.path, resume)? else {
            return Ok(false);
        };
        // No more remote identities than lines (the header is checked, never trusted).
        let mut left = resume.lines as u64;
        let mut remote = HashMap::new();
        for (origin, r) in &resume.remote {
            match unranged(r, left) {
                Some(set) if !set.is_empty() => {
                    left -= set.len() as u64;
                    remote.insert(origin.clone(), set);
                }
                _ => return Ok(false),
            }
        }
        self.offset = resume.offset;
        self.lines = resume.lines;
        self.last_seq = resume.last_seq;
        self.last_ts = resume.last_ts;
        self.max_lc = resume.max_lc;
        self.remote = remote;
        self.digest = digest;
        Ok(true)
    }

    /// Path of the file that receives torn tails.
    pub fn torn_path(path: &Path) -> PathBuf {
        let mut p = path.as_os_str().to_owned();
        p.push(".torn");
        PathBuf::from(p)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Where the part read so far ends (a line boundary).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Events in the part read so far.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// The highest Lamport counter in the journal as read so far.
    pub fn max_lc(&self) -> u64 {
        self.max_lc
    }

    /// Whether the remote event `(origin, oseq)` is in the journal (as read so far).
    pub fn has_remote(&self, origin: &str, oseq: u64) -> bool {
        self.remote.get(origin).is_some_and(|s| s.contains(&oseq))
    }

    /// The origins of remote events in the journal, with how many of each.
    pub fn remote_origins(&self) -> impl Iterator<Item = (&str, usize)> {
        self.remote.iter().map(|(o, s)| (o.as_str(), s.len()))
    }

    /// Notes an event read or written.
    fn note(&mut self, ev: &Event) {
        self.last_seq = ev.seq;
        self.max_lc = self.max_lc.max(ev.lc());
        match &ev.rep.origin {
            None => self.last_ts = self.last_ts.max(ev.ts),
            Some(o) => {
                self.remote.entry(o.clone()).or_default().insert(ev.oseq());
            }
        }
    }

    /// Creates a new journal (the file must not exist) whose first event is
    /// `opening`. Returns the journal and that event.
    pub fn create(
        path: &Path,
        actor: &str,
        now: Timestamp,
        opening: Payload,
    ) -> Result<(Journal, Event), JournalError> {
        Self::create_from(path, Event::new(1, now, actor, opening))
    }

    /// Creates a new journal (the file must not exist) whose first line is `first` (its
    /// seq becomes 1): a local opening, or another cockpit's when joining an incident.
    pub fn create_from(path: &Path, first: Event) -> Result<(Journal, Event), JournalError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir, "create directory"))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    JournalError::Exists {
                        path: path.to_path_buf(),
                    }
                } else {
                    io(path, "create")(e).into()
                }
            })?;
        let mut j = Journal::fresh(path, file);
        let (_, mut evs) = j.append_many_with(|_| vec![Event { seq: 1, ..first }])?;
        if let Some(dir) = path.parent() {
            // Make the new directory entry durable too.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        let ev = evs.pop().ok_or_else(|| JournalError::Empty {
            path: path.to_path_buf(),
        })?;
        Ok((j, ev))
    }

    /// Opens an existing journal for writing and reads it whole. Holding the
    /// lock, it repairs a torn tail (an incomplete last line, without its
    /// newline, from an interrupted write) by moving it to `<journal>.torn`.
    /// A complete line that does not decode is never moved: it is an error
    /// naming file and line, and the file is left untouched.
    pub fn open(path: &Path) -> Result<Opened, JournalError> {
        let mut events = Vec::new();
        let (journal, warnings) = Self::open_with(path, |e| events.push(e))?;
        Ok(Opened {
            journal,
            events,
            warnings,
        })
    }

    /// Like [`Journal::open`] but streams each event to `on_event` instead of
    /// collecting them, so replaying a long journal needs little memory.
    /// Returns the journal and the recovery warnings.
    pub fn open_with(
        path: &Path,
        mut on_event: impl FnMut(Event),
    ) -> Result<(Journal, Vec<String>), JournalError> {
        Self::open_from(path, None, |e, _| on_event(e)).map(|(j, warnings, _)| (j, warnings))
    }

    /// Like [`Journal::open_with`], but when the journal still starts with the prefix
    /// `resume` records (length, line count and digest, checked under the lock), streams
    /// only the events after it. `on_event` gets each event with that answer (`true`:
    /// resumed, only the events after the prefix come; `false`: every event comes, from the
    /// first); the third value returned is the same answer.
    pub fn open_from(
        path: &Path,
        resume: Option<&Resume>,
        mut on_event: impl FnMut(Event, bool),
    ) -> Result<(Journal, Vec<String>, bool), JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(io(path, "open"))?;
        let mut j = Journal::fresh(path, file);
        let mut warnings = Vec::new();
        let _lock = Lock::exclusive(&j.file, path)?;
        let resumed = match resume {
            Some(r) => j.resumed(r)?,
            None => false,
        };
        let reader = j.file.try_clone().map_err(io(path, "dup"))?;
        let (_, good_len, tail) = j.stream(reader, |e| on_event(e, resumed))?;
        // Events in the journal: those before the resume point and those streamed.
        let count = j.lines;
        if let Some(tail) = tail {
            j.move_aside(&tail, good_len)?;
            warnings.push(format!(
                "{}: incomplete last line ({} bytes, from an interrupted write) moved to {}",
                path.display(),
                tail.len(),
                Self::torn_path(path).display()
            ));
        }
        j.offset = good_len;
        if count == 0 {
            return Err(JournalError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok((j, warnings, resumed))
    }

    /// Reads a journal without changing it (no recovery, no lock): every
    /// event, and whether an incomplete last line follows (a writer being
    /// interrupted or still writing: only a writer repairs it). A complete
    /// line that does not decode is an error naming file and line.
    pub fn read(path: &Path) -> Result<(Vec<Event>, bool), JournalError> {
        let mut events = Vec::new();
        let torn = Self::read_with(path, |e| events.push(e))?;
        Ok((events, torn))
    }

    /// Like [`Journal::read`] but streams each event to `on_event`. Returns
    /// whether an incomplete last line follows.
    pub fn read_with(path: &Path, mut on_event: impl FnMut(Event)) -> Result<bool, JournalError> {
        Self::read_from(path, None, |e, _| on_event(e)).map(|(_, torn, _)| torn)
    }

    /// Like [`Journal::read`] (no recovery, no lock), streaming the events; with `resume`,
    /// only those after the prefix it records when the file still starts with it (as
    /// [`Journal::open_from`]). Returns where the good prefix ends (and what it held),
    /// whether a torn last line follows, and whether it resumed.
    pub fn read_from(
        path: &Path,
        resume: Option<&Resume>,
        mut on_event: impl FnMut(Event, bool),
    ) -> Result<(Resume, bool, bool), JournalError> {
        let file = File::open(path).map_err(io(path, "open"))?;
        let reader = file.try_clone().map_err(io(path, "dup"))?;
        let mut j = Journal::fresh(path, file);
        let resumed = match resume {
            Some(r) => j.resumed(r)?,
            None => false,
        };
        let (_, good_len, tail) = j.stream(reader, |e| on_event(e, resumed))?;
        if j.lines == 0 {
            return Err(JournalError::Empty {
                path: path.to_path_buf(),
            });
        }
        j.offset = good_len;
        Ok((j.resume_point(), tail.is_some(), resumed))
    }

    /// The last `max` events that end at or before byte `end` (a line boundary, e.g. a
    /// reader's [`Resume::offset`] or where a previous call started), read backwards from
    /// there without reading the rest of the file: oldest first, with the offset where the
    /// first of them starts. For a timeline that pages back through a long journal.
    pub fn read_back(path: &Path, end: u64, max: usize) -> Result<(Vec<Event>, u64), JournalError> {
        const CHUNK: u64 = 64 * 1024;
        let mut file = File::open(path).map_err(io(path, "open"))?;
        let mut lines: Vec<Vec<u8>> = Vec::new();
        // Bytes read so far that start before the newest complete line found: a partial line.
        let mut carry: Vec<u8> = Vec::new();
        let mut pos = end;
        let mut start = end;
        while lines.len() < max && pos > 0 {
            let from = pos.saturating_sub(CHUNK);
            let len = usize::try_from(pos - from).unwrap_or(0);
            let mut chunk = vec![0u8; len];
            file.seek(SeekFrom::Start(from)).map_err(io(path, "seek"))?;
            file.read_exact(&mut chunk).map_err(io(path, "read"))?;
            chunk.extend_from_slice(&carry);
            pos = from;
            // Split off complete lines from the end: a line is complete when a newline (or
            // the start of the file) precedes it.
            let mut stop = chunk.len();
            while lines.len() < max {
                let body_end = if stop > 0 && chunk[stop - 1] == b'\n' {
                    stop - 1
                } else {
                    stop
                };
                match chunk[..body_end].iter().rposition(|&b| b == b'\n') {
                    Some(nl) => {
                        // (A blank line is skipped, as `poll` does.)
                        if nl + 1 < body_end {
                            lines.push(chunk[nl + 1..body_end].to_vec());
                            start = pos + nl as u64 + 1;
                        }
                        stop = nl + 1;
                    }
                    None if pos == 0 && body_end > 0 => {
                        lines.push(chunk[..body_end].to_vec());
                        start = 0;
                        stop = 0;
                        break;
                    }
                    None => break,
                }
            }
            chunk.truncate(stop);
            carry = chunk;
        }
        lines.reverse();
        let mut events = Vec::with_capacity(lines.len());
        let mut offset = start;
        for line in &lines {
            let damaged = |reason: String| JournalError::Damaged {
                path: path.to_path_buf(),
                line: 0,
                reason: format!("at byte {offset}: {reason}"),
            };
            let text = std::str::from_utf8(line).map_err(|e| damaged(format!("not UTF-8: {e}")))?;
            events.push(Event::from_line(text).map_err(|e| damaged(e.to_string()))?);
            offset += line.len() as u64 + 1;
        }
        Ok((events, start))
    }

    /// Streams the file from `self.offset` (the start, or a verified resume point). Returns
    /// the number of events streamed, the length of the good prefix and the torn tail (if
    /// any): a last line without its newline. A complete line that does not decode is an
    /// error.
    fn stream(
        &mut self,
        file: File,
        mut on_event: impl FnMut(Event),
    ) -> Result<(usize, u64, Option<Vec<u8>>), JournalError> {
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        reader
            .seek(SeekFrom::Start(self.offset))
            .map_err(io(&self.path, "seek"))?;
        let mut line = Vec::with_capacity(1024);
        let mut good: u64 = self.offset;
        let mut count = 0;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(io(&self.path, "read"))?;
            if n == 0 {
                return Ok((count, good, None));
            }
            if line.last() != Some(&b'\n') {
                // No newline: the write was interrupted.
                return Ok((count, good, Some(line)));
            }
            let line_no = self.lines + 1;
            // A complete line is never a torn write, even the last one: one that does not
            // decode is damage (or a hand edit), reported and left where it is.
            let ev = self.decode(&line[..n - 1], line_no)?;
            on_event(ev);
            count += 1;
            self.lines += 1;
            self.digest.update(&line);
            good += n as u64;
        }
    }

    fn decode(&mut self, line: &[u8], line_no: usize) -> Result<Event, JournalError> {
        let damaged = |reason: String| JournalError::Damaged {
            path: self.path.clone(),
            line: line_no,
            reason,
        };
        let text = std::str::from_utf8(line).map_err(|e| damaged(format!("not UTF-8: {e}")))?;
        let ev = Event::from_line(text).map_err(|e| damaged(e.to_string()))?;
        if ev.seq <= self.last_seq {
            return Err(damaged(format!(
                "sequence number {} does not follow {}",
                ev.seq, self.last_seq
            )));
        }
        self.note(&ev);
        Ok(ev)
    }

    fn move_aside(&mut self, tail: &[u8], good_len: u64) -> Result<(), JournalError> {
        let torn = Self::torn_path(&self.path);
        let mut t = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&torn)
            .map_err(io(&torn, "open"))?;
        t.write_all(tail).map_err(io(&torn, "write"))?;
        t.write_all(b"\n").map_err(io(&torn, "write"))?;
        t.sync_all().map_err(io(&torn, "fsync"))?;
        tracing::warn!(path = %self.path.display(), bytes = tail.len(), "torn last line moved aside");
        self.file
            .set_len(good_len)
            .map_err(io(&self.path, "truncate"))?;
        self.file.sync_all().map_err(io(&self.path, "fsync"))?;
        Ok(())
    }

    /// Reads complete lines appended (by anyone) since the last read.
    pub fn poll(&mut self) -> Result<Vec<Event>, JournalError> {
        let len = self.file.metadata().map_err(io(&self.path, "stat"))?.len();
        if len <= self.offset {
            return Ok(Vec::new());
        }
        let mut buf = Vec::with_capacity((len - self.offset) as usize);
        (&self.file)
            .seek(SeekFrom::Start(self.offset))
            .map_err(io(&self.path, "seek"))?;
        (&self.file)
            .take(len - self.offset)
            .read_to_end(&mut buf)
            .map_err(io(&self.path, "read"))?;
        // Only whole lines; a line being written right now is read next time.
        let whole = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut events = Vec::new();
        for line in buf[..whole]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
        {
            let line_no = self.lines + 1;
            events.push(self.decode(line, line_no)?);
            self.lines += 1;
        }
        self.digest.update(&buf[..whole]);
        self.offset += whole as u64;
        Ok(events)
    }

    /// Appends one event under the lock and fsyncs it. Returns every event
    /// new to this reader, in order: any appended by other writers since the
    /// last read, then this one (always last). The change counts as made
    /// only when this returns `Ok`. The event is stamped `now`, or the last
    /// event's time if that is later (time order always follows seq order).
    pub fn append(
        &mut self,
        actor: &str,
        now: Timestamp,
        payload: Payload,
    ) -> Result<Vec<Event>, JournalError> {
        self.append_with(actor, || now, |_, _| Ok(payload))
    }

    /// The locked append: everything numbered is numbered here. Under the
    /// lock it reads what other writers appended (`new`, passed to `make`),
    /// allocates the next seq (checked: the largest seq has no successor),
    /// reads `clock` for the event's time (never earlier than the last
    /// event's), then asks `make` for the payload given the new events and
    /// that time, and writes it. `make` can refuse (`Err`): nothing is written.
    pub fn append_with<E: From<JournalError>>(
        &mut self,
        actor: &str,
        clock: impl FnOnce() -> Timestamp,
        make: impl FnOnce(&[Event], Timestamp) -> Result<Payload, E>,
    ) -> Result<Vec<Event>, E> {
        let _lock = Lock::exclusive(&self.file, &self.path)?;
        let mut events = self.poll()?;
        let seq = self.after(self.last_seq)?;
        let ts = clock().max(self.last_ts);
        let payload = make(&events, ts)?;
        let ev = Event {
            v: FORMAT_VERSION,
            seq,
            ts,
            actor: actor.to_string(),
            payload,
            // One more than any Lamport counter seen: a local event sorts last.
            rep: Rep::local(seq, self.max_lc.saturating_add(1)),
        };
        let mut line = ev.to_line().map_err(JournalError::from)?;
        line.push('\n');
        self.write_lines(&line, std::slice::from_ref(&ev))?;
        events.push(ev);
        Ok(events)
    }

    /// The seq after `seq`; the largest seq has none.
    fn after(&self, seq: u64) -> Result<u64, JournalError> {
        seq.checked_add(1)
            .ok_or_else(|| JournalError::SeqExhausted {
                path: self.path.clone(),
                line: self.lines,
                seq,
            })
    }

    /// Under the lock: writes `buf`, the journal lines of `events`, at the end (after setting
    /// aside a torn tail nobody read) with one fsync, and moves this reader past them.
    fn write_lines(&mut self, buf: &str, events: &[Event]) -> Result<(), JournalError> {
        let path = self.path.clone();
        self.set_aside_unread_tail()?;
        self.file
            .write_all(buf.as_bytes())
            .map_err(io(&path, "write"))?;
        self.file.sync_data().map_err(io(&path, "fsync"))?;
        self.digest.update(buf.as_bytes());
        self.offset += buf.len() as u64;
        self.lines += events.len();
        for ev in events {
            self.note(ev);
        }
        Ok(())
    }

    /// Called under the lock before writing, after a poll. A torn tail from a crashed
    /// writer may exist (it would have been moved aside on open): a partial line we did
    /// not read, from another writer that died mid-write. Move it aside rather than
    /// append after it.
    fn set_aside_unread_tail(&mut self) -> Result<(), JournalError> {
        let path = self.path.clone();
        let end = self.file.metadata().map_err(io(&path, "stat"))?.len();
        if end != self.offset {
            let mut tail = Vec::new();
            (&self.file)
                .seek(SeekFrom::Start(self.offset))
                .map_err(io(&path, "seek"))?;
            (&self.file)
                .read_to_end(&mut tail)
                .map_err(io(&path, "read"))?;
            let good = self.offset;
            self.move_aside(&tail, good)?;
        }
        Ok(())
    }

    /// Under the lock, reads what other writers appended, then appends the events `make`
    /// returns given the journal as it now stands (its last seq, highest Lamport counter,
    /// known remote events), all with one fsync: how remote events are ingested
    /// (`sync::ingest`). Their seqs must continue the journal's (`last_seq() + 1`, `+ 2`,
    /// ...), else nothing is written. Returns (events other writers appended since the
    /// last read, the events appended). Nothing is written if `make` returns none.
    pub fn append_many_with(
        &mut self,
        make: impl FnOnce(&Journal) -> Vec<Event>,
    ) -> Result<(Vec<Event>, Vec<Event>), JournalError> {
        let path = self.path.clone();
        let _lock = Lock::exclusive(&self.file, &path)?;
        let foreign = self.poll()?;
        let new = make(self);
        if new.is_empty() {
            return Ok((foreign, new));
        }
        let mut buf = String::new();
        let mut seq = self.last_seq;
        for ev in &new {
            let next = self.after(seq)?;
            if ev.seq != next {
                return Err(JournalError::Damaged {
                    path: path.clone(),
                    line: self.lines + 1,
                    reason: format!(
                        "refusing to append sequence number {} after {seq} (nothing was written)",
                        ev.seq
                    ),
                });
            }
            seq = ev.seq;
            buf.push_str(&ev.to_line()?);
            buf.push('\n');
        }
        self.write_lines(&buf, &new)?;
        Ok((foreign, new))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn resume(digest: &Digest) -> Resume {
        Resume {
            offset: 10,
            lines: 2,
            last_seq: 2,
            last_ts: Timestamp::UNIX_EPOCH,
            max_lc: 2,
            remote: BTreeMap::new(),
            digest: digest.hex(),
        }
    }

    fn stamp(secs: i64) -> Stamp {
        Stamp {
            dev: 1,
            ino: 2,
            len: 10,
            mtime: (secs, 0),
            ctime: (secs, 0),
        }
    }

    #[test]
    fn a_verified_prefix_is_remembered_only_for_a_settled_unchanged_file() {
        let mut digest = Digest::default();
        digest.update(b"one\ntwo\n\n");
        let r = resume(&digest);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let path = Path::new("/nonexistent/settled/journal.jsonl");
        // Changed a second ago: a write in the same clock tick could go unseen.
        verified::put(path, stamp(999_999), now, &r, &digest);
        assert!(verified::get(path, &stamp(999_999), &r).is_none());
        // Unchanged for longer than `SETTLED`: remembered, for that very file and prefix.
        verified::put(path, stamp(999_000), now, &r, &digest);
        let got = verified::get(path, &stamp(999_000), &r).unwrap();
        assert_eq!(got.hex(), digest.hex());
        let mut grown = stamp(999_000);
        grown.len = 11;
        assert!(verified::get(path, &grown, &r).is_none());
        let mut touched = stamp(999_000);
        touched.ctime = (1_000_001, 0);
        assert!(verified::get(path, &touched, &r).is_none());
        let mut other = r.clone();
        other.lines = 3;
        assert!(verified::get(path, &stamp(999_000), &other).is_none());
        assert!(verified::get(Path::new("/elsewhere"), &stamp(999_000), &r).is_none());
    }
}
