//! Event identity: the data dir's origin, txnIds and incident-id words.
//!
//! An origin is made once per data dir (`<data_dir>/origin`, 16 characters of lowercase
//! RFC 4648 base32: 80 random bits) and never changes: every event made here is
//! `(origin, oseq)` with `oseq` its journal seq. Reading never creates the file; only
//! [`load_or_create`] (a writing command: `new`, `sync attach|join`, ingest) does.

use rand::Rng;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Base32 (RFC 4648) lowercase alphabet: no 0/1/8/9, URL- and txnId-safe.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Length of a new origin id.
pub const ORIGIN_LEN: usize = 16;

/// A data dir's replication identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin(String);

/// The origin file is unreadable, unwritable or holds something else.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("{path}: {op}: {source}")]
    Io {
        path: PathBuf,
        op: &'static str,
        source: std::io::Error,
    },
    #[error(
        "{path}: not an origin id ({reason}); it identifies this data dir's events to other cockpits: restore it from a backup rather than editing it"
    )]
    Invalid { path: PathBuf, reason: String },
}

impl Origin {
    /// Validates an origin id: 4 to 64 characters of `a-z`, `0-9`.
    pub fn parse(s: &str) -> Result<Origin, String> {
        let s = s.trim();
        if !(4..=64).contains(&s.len()) {
            return Err(format!("{} characters (expected 4 to 64)", s.len()));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        {
            return Err(format!("character {c:?} (expected a-z, 0-9)"));
        }
        Ok(Origin(s.to_string()))
    }

    /// A fresh random origin.
    pub fn random(rng: &mut impl Rng) -> Origin {
        let s = (0..ORIGIN_LEN)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        Origin(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A pronounceable four-letter word (consonant, vowel, consonant, vowel) derived from
    /// the origin: the same machine always gets the same word, two machines rarely do
    /// (1 in 6,400). Used in incident ids (`INC-20261121-kato`) so ids made on two
    /// laptops the same day differ and can be read aloud on a call.
    pub fn word(&self) -> String {
        // FNV-1a: stable across versions and platforms (unlike std's hasher).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.0.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        const C: &[u8; 16] = b"bdfghjkmnprstvwz";
        const V: &[u8; 5] = b"aeiou";
        let mut w = String::with_capacity(4);
        for (i, set) in [&C[..], &V[..], &C[..], &V[..]].iter().enumerate() {
            let n = set.len() as u64;
            let pick = (h >> (i * 16)) % n;
            w.push(char::from(set[pick as usize]));
        }
        w
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `<data_dir>/origin`.
pub fn origin_path(data_dir: &Path) -> PathBuf {
    data_dir.join("origin")
}

/// The data dir's origin if it has one (never creates it).
pub fn read(data_dir: &Path) -> Result<Option<Origin>, OriginError> {
    let path = origin_path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => Origin::parse(&text)
            .map(Some)
            .map_err(|reason| OriginError::Invalid { path, reason }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(OriginError::Io {
            path,
            op: "read",
            source,
        }),
    }
}

/// The data dir's origin, made (durably, atomically: two processes racing agree on one)
/// if it has none yet.
pub fn load_or_create(data_dir: &Path) -> Result<Origin, OriginError> {
    if let Some(o) = read(data_dir)? {
        return Ok(o);
    }
    let io = |op: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| OriginError::Io { path, op, source }
    };
    std::fs::create_dir_all(data_dir).map_err(io("create directory", data_dir))?;
    let path = origin_path(data_dir);
    let fresh = Origin::random(&mut rand::rng());
    let tmp = data_dir.join(format!(".origin.{}.tmp", fresh.as_str()));
    {
        let mut f = std::fs::File::create(&tmp).map_err(io("create", &tmp))?;
        writeln!(f, "{fresh}").map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("fsync", &tmp))?;
    }
    // hard_link fails if the file exists: the first writer wins, the others read it.
    let linked = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            if let Ok(d) = std::fs::File::open(data_dir) {
                let _ = d.sync_all();
            }
            Ok(fresh)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read(data_dir)?.ok_or_else(|| OriginError::Invalid {
                path,
                reason: "vanished while being created".into(),
            })
        }
        Err(source) => Err(OriginError::Io {
            path,
            op: "create",
            source,
        }),
    }
}

/// The Matrix txnId of one event: `cp1-{incident}-{origin}-{oseq}`. Deterministic, so a
/// resend after a crash (same user and device) returns the same Matrix event.
pub fn txn_id(incident: &str, origin: &Origin, oseq: u64) -> String {
    format!("cp1-{incident}-{origin}-{oseq}")
}

/// The txnId of a batch of this origin's events `first..=last` (in oseq order).
pub fn txn_id_range(incident: &str, origin: &Origin, first: u64, last: u64) -> String {
    if first == last {
        txn_id(incident, origin, first)
    } else {
        format!("cp1-{incident}-{origin}-{first}-{last}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read(dir.path()).unwrap().is_none());
        let a = load_or_create(dir.path()).unwrap();
        let b = load_or_create(dir.path()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str().len(), ORIGIN_LEN);
        assert_eq!(read(dir.path()).unwrap(), Some(a));
        // No temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("origin")]);
    }

    #[test]
    fn a_damaged_origin_file_is_an_error_not_a_new_identity() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(origin_path(dir.path()), "Not An Origin!\n").unwrap();
        let err = load_or_create(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not an origin id"), "{err}");
    }

    #[test]
    fn racing_creators_agree() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().to_path_buf();
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || load_or_create(&p).unwrap())
            })
            .collect();
        let all: Vec<Origin> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(all.windows(2).all(|w| w[0] == w[1]), "{all:?}");
    }

    #[test]
    fn txn_ids_are_deterministic() {
        let o = Origin::parse("abcd2345").unwrap();
        assert_eq!(txn_id("INC-1", &o, 7), "cp1-INC-1-abcd2345-7");
        assert_eq!(txn_id_range("INC-1", &o, 7, 7), "cp1-INC-1-abcd2345-7");
        assert_eq!(txn_id_range("INC-1", &o, 7, 9), "cp1-INC-1-abcd2345-7-9");
    }

    #[test]
    fn words_are_pronounceable_and_stable() {
        let o = Origin::parse("abcd2345").unwrap();
        let w = o.word();
        assert_eq!(w, o.word());
        assert_eq!(w.len(), 4);
        let b: Vec<char> = w.chars().collect();
        assert!("aeiou".contains(b[1]) && "aeiou".contains(b[3]), "{w}");
        // Different origins spread over many words.
        let mut rng = rand::rng();
        let words: std::collections::BTreeSet<String> =
            (0..200).map(|_| Origin::random(&mut rng).word()).collect();
        assert!(words.len() > 150, "{}", words.len());
    }
}
