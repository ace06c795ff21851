//! The sync sidecar: `<incident_dir>/sync.json`, written atomically (temporary file, fsync,
//! rename, fsync of the directory). It holds the room, the `/sync` cursor and the
//! acknowledged watermark: what is cheap to lose. The journal stays the only source of
//! truth: without the sidecar the transport re-reads the room (ingest is idempotent by
//! `(origin, oseq)`) and re-sends local events (same txnIds; receivers dedupe).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the sidecar in an incident's directory.
pub const FILE_NAME: &str = "sync.json";
/// Version of the sidecar format.
pub const SIDECAR_VERSION: u32 = 1;

/// The last event received from the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// When this machine received it (its clock).
    pub at: Timestamp,
    pub origin: String,
    pub oseq: u64,
    /// Its author and type, for `sync status`.
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub kind: String,
    /// The Matrix event it came in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<String>,
}

/// The transport's last contact with the homeserver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Contact {
    /// Last successful request (a `/sync` returning, a send acknowledged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok_at: Option<Timestamp>,
    /// Last failure and what it was (no secrets: the transport writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A redaction seen in the room: the event's content is gone from the room, never from
/// the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub eid: String,
    #[serde(default)]
    pub by: String,
    pub at: Timestamp,
}

/// A batch being sent: written before the PUT, so a restart after a crash re-sends the
/// same local events under the same txnId (the homeserver answers with the same event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    /// First and last local journal seq (= oseq) in the batch.
    pub first: u64,
    pub last: u64,
    pub txn: String,
}

/// The sidecar's content. Unknown keys (a newer version's, the transport's own) are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    pub v: u32,
    /// This data dir's origin when written (a sidecar copied from elsewhere is ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The room the incident is attached to (room id, `!abc:example.org`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// `/sync` cursor (`next_batch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Highest local journal seq such that every local event up to it is in the room.
    #[serde(default)]
    pub watermark: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_flight: Option<InFlight>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_received: Option<Received>,
    #[serde(default)]
    pub contact: Contact,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redactions: Vec<Redaction>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Default for Sidecar {
    fn default() -> Self {
        Sidecar {
            v: SIDECAR_VERSION,
            origin: None,
            room_id: None,
            since: None,
            watermark: 0,
            in_flight: None,
            last_received: None,
            contact: Contact::default(),
            redactions: Vec::new(),
            extra: BTreeMap::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {op}: {source}")]
pub struct SidecarError {
    pub path: PathBuf,
    pub op: &'static str,
    pub source: std::io::Error,
}

/// Lock file guarding read-modify-write of the sidecar (held briefly, never across a request).
pub const LOCK_NAME: &str = "sync.lock";
/// Lock file held by the one process of a data dir that is sending (from composing a batch
/// until the homeserver's answer is recorded): a cockpit and a headless command on the same
/// data dir never send the same own events twice.
pub const SEND_LOCK_NAME: &str = "sync.send.lock";

/// An exclusive advisory lock (`flock`) on a lock file next to the sidecar, released when
/// dropped (or when the process dies). Like the journal's lock, it is advisory: every
/// writer of the sidecar takes it.
#[derive(Debug)]
pub struct FileLock(std::fs::File);

impl FileLock {
    /// Waits for lock file `name` in `incident_dir`, at most `wait`; `Ok(None)` when another
    /// process still holds it then.
    pub fn acquire(
        incident_dir: &Path,
        name: &str,
        wait: std::time::Duration,
    ) -> Result<Option<FileLock>, SidecarError> {
        let path = incident_dir.join(name);
        let err = |op: &'static str| {
            let path = path.clone();
            move |source| SidecarError { path, op, source }
        };
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(err("open"))?;
        let start = std::time::Instant::now();
        loop {
            match f.try_lock() {
                Ok(()) => return Ok(Some(FileLock(f))),
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                Err(std::fs::TryLockError::Error(e)) => return Err(err("lock")(e)),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// `<incident_dir>/sync.json`.
pub fn path(incident_dir: &Path) -> PathBuf {
    incident_dir.join(FILE_NAME)
}

impl Sidecar {
    /// Reads the sidecar. Missing: the default. Unreadable JSON, or written for another
    /// origin: the default and a warning saying what it costs (a re-read of the room).
    pub fn load(
        path: &Path,
        origin: Option<&str>,
    ) -> Result<(Sidecar, Option<String>), SidecarError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Sidecar::default(), None));
            }
            Err(source) => {
                return Err(SidecarError {
                    path: path.to_path_buf(),
                    op: "read",
                    source,
                });
            }
        };
        match serde_json::from_str::<Sidecar>(&text) {
            Ok(s) if origin.is_some() && s.origin.is_some() && s.origin.as_deref() != origin => {
                Ok((
                    Sidecar::default(),
                    Some(format!(
                        "{}: written for another data dir (origin {}); ignored: the room will be read again",
                        path.display(),
                        s.origin.unwrap_or_default()
                    )),
                ))
            }
            Ok(s) => Ok((s, None)),
            Err(e) => Ok((
                Sidecar::default(),
                Some(format!(
                    "{}: unreadable ({e}); ignored: the room will be read again and local events re-sent (receivers drop duplicates)",
                    path.display()
                )),
            )),
        }
    }

    /// Writes the sidecar atomically.
    pub fn save(&self, path: &Path) -> Result<(), SidecarError> {
        let err = |op: &'static str| {
            let path = path.to_path_buf();
            move |source| SidecarError { path, op, source }
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(format!(".{}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| std::io::Error::other(e.to_string()))
            .map_err(err("encode"))?;
        {
            let mut f = std::fs::File::create(&tmp).map_err(err("create"))?;
            f.write_all(text.as_bytes()).map_err(err("write"))?;
            f.write_all(b"\n").map_err(err("write"))?;
            f.sync_all().map_err(err("fsync"))?;
        }
        if let Err(e) = std::fs::rename(&tmp, path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(err("rename")(e));
        }
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Raises the watermark (never lowers it).
    pub fn acknowledge(&mut self, up_to_seq: u64) {
        self.watermark = self.watermark.max(up_to_seq);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path());
        let (mut s, warn) = Sidecar::load(&p, Some("abcd")).unwrap();
        assert_eq!((s.clone(), warn), (Sidecar::default(), None));
        s.origin = Some("abcd".into());
        s.room_id = Some("!r:hs".into());
        s.since = Some("s72_1".into());
        s.acknowledge(9);
        s.acknowledge(4);
        s.in_flight = Some(InFlight {
            first: 10,
            last: 12,
            txn: "cp1-INC-1-abcd-10-12".into(),
        });
        s.extra.insert("device".into(), Value::String("X".into()));
        s.save(&p).unwrap();
        let (back, warn) = Sidecar::load(&p, Some("abcd")).unwrap();
        assert_eq!(warn, None);
        assert_eq!(back, s);
        assert_eq!(back.watermark, 9);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_damaged_or_foreign_sidecar_costs_a_re_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = path(dir.path());
        std::fs::write(&p, "{\"v\":1,\"watermark\":").unwrap();
        let (s, warn) = Sidecar::load(&p, Some("abcd")).unwrap();
        assert_eq!(s, Sidecar::default());
        assert!(warn.unwrap().contains("read again"));
        let other = Sidecar {
            origin: Some("zzzz".into()),
            watermark: 50,
            ..Sidecar::default()
        };
        other.save(&p).unwrap();
        let (s, warn) = Sidecar::load(&p, Some("abcd")).unwrap();
        assert_eq!(s.watermark, 0);
        assert!(warn.unwrap().contains("another data dir"));
    }
}
