//! The data dir's origin file (issue 12): `<data_dir>/origin`, 16 characters of
//! lowercase RFC 4648 base32 (80 random bits), made once and never changed: every event
//! made here is `(origin, oseq)` with `oseq` its journal seq. Reading never creates the
//! file; only [`load_or_create`] (a writing command: `new`, `sync attach|join`, ingest)
//! does.

use super::file::{IoAt, io};
pub use crate::domain::identity::{ORIGIN_LEN, Origin, txn_id, txn_id_range};
use rand::Rng;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The origin file is unreadable, unwritable or holds something else.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error(transparent)]
    Io(#[from] IoAt),
    #[error(
        "{path}: not an origin id ({reason}); it identifies this data dir's events to other cockpits: restore it from a backup rather than editing it"
    )]
    Invalid { path: PathBuf, reason: String },
}

/// A fresh random origin.
pub fn random(rng: &mut impl Rng) -> Origin {
    Origin::generate(|n| rng.random_range(0..n))
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
        Err(source) => Err(io(&path, "read")(source).into()),
    }
}

/// The data dir's origin, made (durably, atomically: two processes racing agree on one)
/// if it has none yet.
pub fn load_or_create(data_dir: &Path) -> Result<Origin, OriginError> {
    if let Some(o) = read(data_dir)? {
        return Ok(o);
    }
    std::fs::create_dir_all(data_dir).map_err(io(data_dir, "create directory"))?;
    let path = origin_path(data_dir);
    let fresh = random(&mut rand::rng());
    let tmp = data_dir.join(format!(".origin.{}.tmp", fresh.as_str()));
    {
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp, "create"))?;
        writeln!(f, "{fresh}").map_err(io(&tmp, "write"))?;
        f.sync_all().map_err(io(&tmp, "fsync"))?;
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
        Err(source) => Err(io(&path, "create")(source).into()),
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
            (0..200).map(|_| random(&mut rng).word()).collect();
        assert!(words.len() > 150, "{}", words.len());
    }
}
