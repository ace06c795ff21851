//! Event identity across cockpits (issue 12): a data dir's origin, txnIds and the
//! incident-id word. Pure; the origin file lives in `journal::origin`.

use std::fmt;

/// Base32 (RFC 4648) lowercase alphabet: no 0/1/8/9, URL- and txnId-safe.
pub const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// Length of a new origin id.
pub const ORIGIN_LEN: usize = 16;

/// A data dir's replication identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin(String);

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

    /// An origin of [`ORIGIN_LEN`] characters, each `ALPHABET[pick(32)]` (`pick(n)` is
    /// below `n`; the caller brings the randomness).
    pub fn generate(mut pick: impl FnMut(usize) -> usize) -> Origin {
        let s = (0..ORIGIN_LEN)
            .map(|_| char::from(ALPHABET[pick(ALPHABET.len()) % ALPHABET.len()]))
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
