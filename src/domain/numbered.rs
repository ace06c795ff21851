//! Numbered items (hypotheses, remediation items) in an incident run from several cockpits.
//! Pure: no IO, no clock.
//!
//! # The problem
//! Each cockpit numbers a new item `1 + the largest number it knows` (under its journal's
//! lock). Two cockpits adding an item at about the same time, before either has received
//! the other's event, both write "#3". Events fold in merge order (`domain::merge`), so
//! every replica keeps both items, but a reference that names only the number ("rule out
//! #3", "remediation 3 done") used to reach the first #3 in merge order on every replica:
//! the second cockpit's IC, meaning their own, ruled out the other one.
//!
//! # The design
//! - **Identity.** An item is `(number as allocated, origin of the data dir that allocated
//!   it)`: [`ItemRef`]. The adding event carries its author's origin in its payload
//!   (`HypothesisAdded.origin`, `RemediationAdded.origin`), stamped by the writer ([`stamp`])
//!   because a local journal line does not name its origin (`Event::rep.origin` is `None`
//!   on the machine that wrote it and `Some` everywhere else, so it cannot name an item the
//!   same way on every replica; the payload can). Two cockpits never share an origin, and one
//!   cockpit allocates under its journal's lock, so the pair is unique.
//! - **References carry the identity.** `HypothesisRuledOut`, `RemediationAssigned` and
//!   `RemediationDone` carry `of`, the target's origin, beside its number. They are resolved
//!   to the item with that exact identity, wherever it sorts and whatever arrived since: a
//!   concurrent item that sorts first and arrives late cannot capture them. A reference
//!   folded before its target has arrived (possible only when the homeserver delivers the
//!   author's reference before the item it saw, e.g. over federation) matches nothing and
//!   changes nothing; when the item arrives it sorts before the reference (its author had
//!   applied it: a higher Lamport counter) and the refold applies it. Never the wrong item.
//! - **Numbers never change; a shared number gains a mark.** The number shown is the number
//!   allocated. When items of two or more origins share a number, each of them (all, not
//!   only the later ones) is shown with a mark derived from its origin, the four-letter word
//!   of `Origin::word` (`#3-kato`, `#3-rimu`), the full origin if two share a word, `old`
//!   for an item without an origin (written by an older version) sharing a number. Every
//!   replica computes the same marks from the same items. Because every member of the group
//!   is marked, a bare `#3` typed after the collision is known is refused as ambiguous,
//!   listing both, rather than silently taken as one of them; a `#3` typed before it was
//!   known was resolved to the only #3 there was, and its event names that one's origin.
//!   The mark appears on screen (lists, brief, post-mortem, `show --json` `mark`) the moment
//!   the second item arrives: the change is visible and does not reuse another item's label.
//!   Renumbering the later item to the next free number was rejected: a cockpit that has not
//!   seen it allocates that number too, so renumbering cascades and a number people saw
//!   could come to mean another item.
//! - **Old journals.** A journal of one data dir (no `origin`/`of` fields anywhere) has
//!   unique numbers; every item's identity is `(n, None)` and every reference `(n, None)`:
//!   it replays exactly as before (for hand-edited duplicates too: the first in order wins,
//!   a duplicate remediation number is dropped as before). A reference without `of` whose
//!   exact identity is missing falls back to the old rule (the first item with that number),
//!   so references written by an older cockpit in a synced incident still reach the only
//!   item of that number.
//! - **Older binaries** read the new fields as unknown keys (payload data is not
//!   `deny_unknown_fields`) and ignore them: they replay a synced journal with the old rule
//!   and may show two `#3`; they never fail on it.

use crate::domain::event::Payload;
use crate::domain::identity::Origin;
use crate::domain::incident::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// An item's identity: the number its cockpit allocated and that cockpit's origin (`None`:
/// a data dir without an origin, or an older version).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ItemRef {
    pub id: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A numbered item of the incident.
pub trait Numbered {
    fn number(&self) -> u32;
    fn origin(&self) -> Option<&str>;
    fn mark(&self) -> Option<&str>;
    fn set_mark(&mut self, mark: Option<String>);
    fn summary(&self) -> &str;

    /// `3`, or `3-kato` when items of other origins share the number.
    fn label(&self) -> String {
        match self.mark() {
            Some(m) => format!("{}-{m}", self.number()),
            None => self.number().to_string(),
        }
    }

    fn item_ref(&self) -> ItemRef {
        ItemRef {
            id: self.number(),
            origin: self.origin().map(str::to_string),
        }
    }
}

/// [`Numbered`] for an item type whose fields are `id`, `origin`, `mark` and `text` (a
/// hypothesis, a remediation item).
macro_rules! numbered_item {
    ($ty:ty) => {
        impl $crate::domain::numbered::Numbered for $ty {
            fn number(&self) -> u32 {
                self.id
            }
            fn origin(&self) -> Option<&str> {
                self.origin.as_deref()
            }
            fn mark(&self) -> Option<&str> {
                self.mark.as_deref()
            }
            fn set_mark(&mut self, mark: Option<String>) {
                self.mark = mark;
            }
            fn summary(&self) -> &str {
                &self.text
            }
        }
    };
}
pub(crate) use numbered_item;

/// The writer's origin on a new item's payload (`home` gives this data dir's origin, `""` if
/// it has none: then nothing is stamped, as before; it is asked only for a new item).
pub fn stamp(p: Payload, home: impl FnOnce() -> String) -> Payload {
    let mine = || Some(home()).filter(|h| !h.is_empty());
    match p {
        Payload::HypothesisAdded {
            id,
            text,
            origin: None,
        } => Payload::HypothesisAdded {
            id,
            text,
            origin: mine(),
        },
        Payload::RemediationAdded {
            id,
            text,
            owner,
            origin: None,
        } => Payload::RemediationAdded {
            id,
            text,
            owner,
            origin: mine(),
        },
        other => other,
    }
}

/// [`crate::domain::describe::describe`] of an event about a numbered item, naming the
/// item by its label in `inc` (`ruled out #3-kato: ...`) when its number is shared.
pub fn describe_in(inc: &crate::domain::incident::Incident, p: &Payload) -> String {
    let text = crate::domain::describe::describe(p);
    let label = match p {
        Payload::HypothesisAdded { id, origin: of, .. }
        | Payload::HypothesisRuledOut { id, of, .. } => inc
            .hypothesis_named(*id, of.as_deref())
            .map(|h| (h.id, h.label())),
        Payload::RemediationAdded { id, origin: of, .. }
        | Payload::RemediationAssigned { id, of, .. }
        | Payload::RemediationDone { id, of, .. } => inc
            .remediation_named(*id, of.as_deref())
            .map(|r| (r.id, r.label())),
        _ => None,
    };
    match label {
        Some((id, l)) if l != id.to_string() => {
            text.replacen(&format!("#{id}"), &format!("#{l}"), 1)
        }
        _ => text,
    }
}

/// What a person typed to name an item: `3`, `#3`, `3-kato`, `#3-kato`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pick {
    pub id: u32,
    pub mark: Option<String>,
}

impl std::str::FromStr for Pick {
    type Err = String;

    fn from_str(s: &str) -> Result<Pick, String> {
        let t = s.trim();
        let t = t.strip_prefix('#').unwrap_or(t);
        let (n, mark) = match t.split_once('-') {
            Some((n, m)) => (n, Some(m.trim().to_lowercase())),
            None => (t, None),
        };
        let id = n.trim().parse::<u32>().map_err(|_| {
            format!("{s:?} is not an item number (e.g. 3, or 3-kato when two cockpits share #3)")
        })?;
        if mark.as_deref().is_some_and(str::is_empty) {
            return Err(format!("{s:?}: nothing after the '-'"));
        }
        Ok(Pick { id, mark })
    }
}

/// The mark of an origin: its word (`Origin::word`), or, for a string that is not an
/// origin, its letters and digits.
fn word(origin: &str) -> String {
    match Origin::parse(origin) {
        Ok(o) => o.word(),
        Err(_) => sanitized(origin),
    }
}

fn sanitized(origin: &str) -> String {
    let s: String = origin
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(64)
        .collect::<String>()
        .to_lowercase();
    if s.is_empty() { "x".into() } else { s }
}

/// The mark of an item without an origin (an older version's, or a data dir's before it had
/// an origin) when another origin's item shares its number.
pub const NO_ORIGIN_MARK: &str = "old";

/// The marks of items sharing one number, given their origins in fold order: none unless
/// two origins share it; then every item is marked: its origin's word (the full origin if
/// another origin of the group has the same word), [`NO_ORIGIN_MARK`] without an origin.
pub(crate) fn marks(origins: &[Option<&str>]) -> Vec<Option<String>> {
    let mut distinct: Vec<Option<&str>> = Vec::new();
    for o in origins {
        if !distinct.contains(o) {
            distinct.push(*o);
        }
    }
    if distinct.len() < 2 {
        return vec![None; origins.len()];
    }
    let words: Vec<(&str, String)> = distinct.iter().flatten().map(|o| (*o, word(o))).collect();
    origins
        .iter()
        .map(|o| {
            let Some(o) = *o else {
                return Some(NO_ORIGIN_MARK.to_string());
            };
            let w = word(o);
            let shared = words.iter().any(|(x, wx)| *x != o && *wx == w);
            Some(if shared { sanitized(o) } else { w })
        })
        .collect()
}

/// Where each number is in `items`, in order.
pub(crate) fn positions<T: Numbered>(items: &[T]) -> HashMap<u32, Vec<usize>> {
    let mut at: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, x) in items.iter().enumerate() {
        at.entry(x.number()).or_default().push(i);
    }
    at
}

/// The places of the items numbered `id`: from the index when it agrees with `items`,
/// else by a scan (an index rebuilt behind the items' back, or not built: empty while
/// items are held). A number the index does not hold is nobody's: no scan (a scan per new
/// number made replaying n items O(n²)).
fn group<T: Numbered>(items: &[T], index: &HashMap<u32, Vec<usize>>, id: u32) -> Vec<usize> {
    match index.get(&id) {
        Some(v)
            if v.iter()
                .all(|&i| items.get(i).is_some_and(|x| x.number() == id)) =>
        {
            v.clone()
        }
        None if !index.is_empty() || items.is_empty() => Vec::new(),
        _ => items
            .iter()
            .enumerate()
            .filter(|(_, x)| x.number() == id)
            .map(|(i, _)| i)
            .collect(),
    }
}

/// The item a reference `(id, of)` in a journaled event names: the exact identity, else (a
/// reference without `of`, written by an older version) the first item numbered `id`.
pub(crate) fn resolve<T: Numbered>(
    items: &[T],
    index: &HashMap<u32, Vec<usize>>,
    id: u32,
    of: Option<&str>,
) -> Option<usize> {
    let g = group(items, index, id);
    g.iter()
        .copied()
        .find(|&i| items.get(i).is_some_and(|x| x.origin() == of))
        .or_else(|| g.first().copied().filter(|_| of.is_none()))
}

/// Whether an item with exactly this identity is held.
pub(crate) fn holds<T: Numbered>(
    items: &[T],
    index: &HashMap<u32, Vec<usize>>,
    r: &ItemRef,
) -> bool {
    group(items, index, r.id).iter().any(|&i| {
        items
            .get(i)
            .is_some_and(|x| x.origin() == r.origin.as_deref())
    })
}

/// Pushes a new item and marks its number's group again.
pub(crate) fn push<T: Numbered>(items: &mut Vec<T>, index: &mut HashMap<u32, Vec<usize>>, x: T) {
    let id = x.number();
    let mut g = group(items, index, id);
    g.push(items.len());
    items.push(x);
    let origins: Vec<Option<&str>> = g
        .iter()
        .map(|&i| items.get(i).and_then(Numbered::origin))
        .collect();
    let marks = marks(&origins);
    for (&i, m) in g.iter().zip(marks) {
        if let Some(x) = items.get_mut(i) {
            x.set_mark(m);
        }
    }
    index.insert(id, g);
}

/// The item a person named (`what`: "hypothesis", "remediation item"): the only one whose
/// label matches, or why none is.
pub fn pick<'a, T: Numbered>(
    items: &'a [T],
    what: &'static str,
    typed: &str,
) -> Result<&'a T, DomainError> {
    let p: Pick = typed.parse().map_err(|reason| DomainError::Invalid {
        field: what,
        reason,
    })?;
    let numbered: Vec<&T> = items.iter().filter(|x| x.number() == p.id).collect();
    let hits: Vec<&T> = numbered
        .iter()
        .copied()
        .filter(|x| x.mark().map(str::to_lowercase) == p.mark)
        .collect();
    match (hits.as_slice(), numbered.is_empty()) {
        ([one], _) => Ok(one),
        ([], true) => Err(DomainError::UnknownItem {
            what,
            label: typed.trim().trim_start_matches('#').to_string(),
        }),
        _ => Err(DomainError::Ambiguous {
            what,
            label: typed.trim().trim_start_matches('#').to_string(),
            choices: choices(&numbered),
            example: numbered.first().map(|x| x.label()).unwrap_or_default(),
        }),
    }
}

/// `#3-kato (db pool exhausted), #3-rimu (cache stampede)`.
fn choices<T: Numbered>(items: &[&T]) -> String {
    items
        .iter()
        .map(|x| {
            let s: String = x.summary().chars().take(40).collect();
            format!("#{} ({s})", x.label())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn picks_parse_numbers_and_marks() {
        let p = |s: &str| s.parse::<Pick>();
        assert_eq!(p("3"), Ok(Pick { id: 3, mark: None }));
        assert_eq!(
            p(" #3-Kato "),
            Ok(Pick {
                id: 3,
                mark: Some("kato".into())
            })
        );
        assert!(p("three").is_err());
        assert!(p("3-").is_err());
        assert!(p("-1").is_err());
    }

    #[test]
    fn marks_only_when_two_origins_share_a_number() {
        assert_eq!(marks(&[Some("aaaa"), Some("aaaa")]), vec![None, None]);
        assert_eq!(marks(&[None, None]), vec![None, None]);
        let m = marks(&[Some("aaaaaaaa"), Some("bbbbbbbb"), None]);
        assert!(m[0].is_some() && m[1].is_some() && m[0] != m[1], "{m:?}");
        assert_eq!(m[2].as_deref(), Some(NO_ORIGIN_MARK));
        assert_eq!(m[0].as_deref(), Some(word("aaaaaaaa").as_str()));
    }

    #[test]
    fn two_origins_with_one_word_are_told_apart_by_the_whole_origin() {
        let a = "aaaaaaaaaaaaaaaa";
        let b = (0..1_000_000)
            .map(|i| format!("b{i:015}"))
            .find(|b| word(b) == word(a))
            .unwrap();
        let m = marks(&[Some(a), Some(&b), Some("cccccccccccccccc")]);
        assert_eq!(m[0].as_deref(), Some(a));
        assert_eq!(m[1].as_deref(), Some(b.as_str()));
        assert_eq!(m[2], Some(word("cccccccccccccccc")));
    }

    #[test]
    fn stamping_marks_only_new_items_of_a_data_dir_with_an_origin() {
        let add = Payload::HypothesisAdded {
            id: 1,
            text: "t".into(),
            origin: None,
        };
        assert_eq!(
            stamp(add.clone(), || "kato".into()),
            Payload::HypothesisAdded {
                id: 1,
                text: "t".into(),
                origin: Some("kato".into()),
            }
        );
        assert_eq!(stamp(add.clone(), String::new), add);
        let note = Payload::NoteAdded { text: "n".into() };
        assert_eq!(stamp(note.clone(), || panic!("asked for a note")), note);
    }
}
