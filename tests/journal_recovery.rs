//! The journal: recovery from torn writes, damage detection, unknown event
//! types, two writers, and truncation at any byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::domain::event::{Event, Payload};
use commandpost::domain::incident;
use commandpost::journal::{Journal, JournalError};
use jiff::Timestamp;
use proptest::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

fn now() -> Timestamp {
    "2026-11-21T03:00:00Z".parse().unwrap()
}

fn new_journal(dir: &Path, notes: usize) -> (PathBuf, Vec<Event>) {
    let path = dir.join("journal.jsonl");
    let (mut j, first) = Journal::create(
        &path,
        "alice",
        now(),
        incident::open("INC-1", "t", "alice").unwrap(),
    )
    .unwrap();
    let mut all = vec![first];
    for i in 0..notes {
        all.extend(
            j.append(
                "alice",
                now(),
                Payload::NoteAdded {
                    text: format!("note {i} ✓"),
                },
            )
            .unwrap(),
        );
    }
    (path, all)
}

#[test]
fn reopen_returns_every_event_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (path, written) = new_journal(dir.path(), 20);
    let opened = Journal::open(&path).unwrap();
    assert_eq!(opened.events, written);
    assert!(opened.warnings.is_empty());
    assert_eq!(opened.journal.last_seq(), 21);
    let seqs: Vec<u64> = opened.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=21).collect::<Vec<_>>());
}

#[test]
fn create_refuses_an_existing_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 0);
    let err = Journal::create(
        &path,
        "a",
        now(),
        incident::open("INC-1", "t", "a").unwrap(),
    )
    .unwrap_err();
    assert!(matches!(err, JournalError::Exists { .. }));
}

#[test]
fn torn_last_line_is_moved_aside_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (path, written) = new_journal(dir.path(), 3);
    let good_len = std::fs::metadata(&path).unwrap().len();
    let torn = br#"{"v":1,"seq":5,"ts":"2026-11-21T03:00:00Z","actor":"alice","type":"note_ad"#;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(torn)
        .unwrap();

    let mut opened = Journal::open(&path).unwrap();
    assert_eq!(opened.events, written);
    assert_eq!(opened.warnings.len(), 1);
    assert!(
        opened.warnings[0].contains("moved to"),
        "{}",
        opened.warnings[0]
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        good_len,
        "journal cut back to the last whole line"
    );
    let aside = std::fs::read(Journal::torn_path(&path)).unwrap();
    assert!(
        aside.starts_with(torn),
        "the torn bytes are kept, not dropped"
    );
    // Appending continues the sequence.
    let evs = opened
        .journal
        .append(
            "bob",
            now(),
            Payload::NoteAdded {
                text: "after".into(),
            },
        )
        .unwrap();
    assert_eq!(evs.last().map(|e| e.seq), Some(5));
    assert_eq!(Journal::open(&path).unwrap().events.len(), 5);
}

#[test]
fn damaged_middle_line_is_an_error_naming_file_and_line_and_nothing_is_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 4);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "{this is not json";
    let damaged = format!("{}\n", lines.join("\n"));
    std::fs::write(&path, &damaged).unwrap();

    let err = Journal::open(&path).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, JournalError::Damaged { line: 3, .. }),
        "{msg}"
    );
    assert!(msg.contains("journal.jsonl:3:"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        damaged,
        "never rewritten silently"
    );
    assert!(!Journal::torn_path(&path).exists());
}

#[test]
fn out_of_order_sequence_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 3);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let swapped = format!("{}\n{}\n{}\n{}\n", lines[0], lines[2], lines[1], lines[3]);
    std::fs::write(&path, swapped).unwrap();
    let msg = Journal::open(&path).unwrap_err().to_string();
    assert!(msg.contains(":3:") && msg.contains("sequence"), "{msg}");
}

#[test]
fn unknown_event_types_survive_open_and_append() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 1);
    let future = r#"{"v":2,"seq":3,"ts":"2026-11-21T03:00:00Z","actor":"v2","type":"ai_summary","data":{"text":"hi"}}"#;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(format!("{future}\n").as_bytes())
        .unwrap();
    let mut opened = Journal::open(&path).unwrap();
    assert!(
        matches!(&opened.events[2].payload, Payload::Unknown { kind, .. } if kind == "ai_summary")
    );
    let inc = commandpost::domain::Incident::replay(&opened.events).unwrap();
    assert_eq!(inc.unknown, vec![(3, "ai_summary".to_string())]);
    opened
        .journal
        .append("a", now(), Payload::NoteAdded { text: "x".into() })
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(future),
        "the unknown line is kept byte for byte"
    );
}

#[test]
fn two_writers_never_reuse_sequence_numbers_and_see_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 0);
    let mut a = Journal::open(&path).unwrap().journal;
    let mut b = Journal::open(&path).unwrap().journal;
    let from_a = a
        .append("a", now(), Payload::NoteAdded { text: "a1".into() })
        .unwrap();
    assert_eq!(from_a.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2]);
    // b has not read a's event: append returns it first, then its own.
    let from_b = b
        .append("b", now(), Payload::NoteAdded { text: "b1".into() })
        .unwrap();
    assert_eq!(from_b.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
    let polled = a.poll().unwrap();
    assert_eq!(polled.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3]);
    assert!(a.poll().unwrap().is_empty());
}

#[test]
fn concurrent_threads_append_without_interleaving() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 0);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut j = Journal::open(&path).unwrap().journal;
                for i in 0..50 {
                    j.append(
                        &format!("w{t}"),
                        now(),
                        Payload::NoteAdded {
                            text: format!("{t}-{i} {}", "x".repeat(500)),
                        },
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let opened = Journal::open(&path).unwrap();
    assert_eq!(opened.events.len(), 201);
    assert!(opened.warnings.is_empty());
}

#[test]
fn poll_does_not_consume_a_partial_line() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 0);
    let mut reader = Journal::open(&path).unwrap().journal;
    let ev = Event {
        v: 1,
        seq: 2,
        ts: now(),
        actor: "x".into(),
        payload: Payload::NoteAdded {
            text: "half".into(),
        },
        rep: Default::default(),
    };
    let line = ev.to_line().unwrap();
    let (first, second) = line.split_at(20);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(first.as_bytes()).unwrap();
    assert!(reader.poll().unwrap().is_empty());
    f.write_all(format!("{second}\n").as_bytes()).unwrap();
    assert_eq!(reader.poll().unwrap(), vec![ev]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Truncating the file at any byte recovers every complete event before the cut.
    #[test]
    fn truncation_at_any_byte_recovers_every_complete_event(
        texts in proptest::collection::vec("[a-zA-Z0-9 éü渡辺🚒\"\\\\{}\n]{0,40}", 1..12),
        cut_frac in 0.0f64..1.0,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let (mut j, _) = Journal::create(&path, "a", now(), incident::open("INC-1", "t", "a").unwrap()).unwrap();
        for t in &texts {
            j.append("a", now(), Payload::NoteAdded { text: t.clone() }).unwrap();
        }
        drop(j);
        let bytes = std::fs::read(&path).unwrap();
        // The first line must survive for the journal to be an incident.
        let first_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        let cut = first_end + ((bytes.len() - first_end) as f64 * cut_frac) as usize;
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let complete = bytes[..cut].iter().filter(|&&b| b == b'\n').count();

        let opened = Journal::open(&path).unwrap();
        prop_assert_eq!(opened.events.len(), complete);
        for (i, e) in opened.events.iter().enumerate().skip(1) {
            prop_assert_eq!(&e.payload, &Payload::NoteAdded { text: texts[i - 1].clone() });
        }
        let torn = cut > 0 && bytes[cut - 1] != b'\n';
        prop_assert_eq!(opened.warnings.len(), usize::from(torn));
        // And it reopens cleanly afterwards.
        prop_assert!(Journal::open(&path).unwrap().warnings.is_empty());
    }
}

/// Issue 15: the time is read under the lock and never goes back, so time order is seq order
/// even when a clock steps back (NTP) or two writers race.
#[test]
fn an_event_is_never_stamped_before_the_last_one() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 1);
    let mut j = Journal::open(&path).unwrap().journal;
    let earlier = now() - jiff::SignedDuration::from_hours(1);
    let evs = j
        .append("a", earlier, Payload::NoteAdded { text: "x".into() })
        .unwrap();
    assert_eq!(evs.last().unwrap().ts, now());
}

/// Issue 15: the locked append hands its closure what other writers appended and writes
/// nothing when the closure refuses.
#[test]
fn append_with_sees_foreign_events_and_a_refusal_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 0);
    let mut a = Journal::open(&path).unwrap().journal;
    let mut b = Journal::open(&path).unwrap().journal;
    a.append("a", now(), Payload::NoteAdded { text: "a".into() })
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let refused = b.append_with("b", now, |new, _| {
        assert_eq!(new.len(), 1, "b sees a's note before deciding");
        Err(JournalError::Empty { path: path.clone() })
    });
    assert!(refused.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let evs = b
        .append_with("b", now, |new, ts| {
            assert!(new.is_empty(), "already read");
            assert_eq!(ts, now());
            Ok::<_, JournalError>(Payload::NoteAdded { text: "b".into() })
        })
        .unwrap();
    assert_eq!(evs.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3]);
}

/// Issue 15: a complete last line that does not decode is damage, never a torn write: it is
/// reported with file and line and stays where it is (it used to be moved to .torn).
#[test]
fn a_complete_undecodable_last_line_is_not_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 2);
    let bad = r#"{"v":1,"seq":4,"ts":"2026-11-21T03:00:00Z","actor":"x","type":"state_changed","data":{"to":"mitigated"}}"#;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(format!("{bad}\n").as_bytes())
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = Journal::open(&path).unwrap_err();
    assert!(
        matches!(err, JournalError::Damaged { line: 4, .. }),
        "{err}"
    );
    assert!(Journal::read(&path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!Journal::torn_path(&path).exists());
}

/// Issue 15: a newer version's line that this version cannot decode is kept as an unknown
/// event (with its version), whatever changed in it.
#[test]
fn a_newer_versions_undecodable_line_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_journal(dir.path(), 1);
    for line in [
        r#"{"v":2,"seq":3,"ts":"2026-11-21T03:00:00Z","actor":"x","type":"state_changed","data":{"from":"major","to":"mitigated"}}"#,
        r#"{"v":3,"seq":4,"time":"2026-11-21T03:00:00Z","origin":"laptop","type":"note_added","body":{"text":"x"}}"#,
    ] {
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }
    let opened = Journal::open(&path).unwrap();
    assert!(matches!(
        &opened.events[2].payload,
        Payload::Unknown { kind, v: 2, .. } if kind == "state_changed"
    ));
    match &opened.events[3].payload {
        Payload::Unknown { kind, v: 3, data } => {
            assert_eq!(kind, "note_added");
            assert_eq!(data["body"]["text"], "x", "the whole line is carried");
        }
        other => panic!("{other:?}"),
    }
    let err =
        commandpost::journal::require_understood(&path, &opened.events, "draft the post-mortem")
            .unwrap_err()
            .to_string();
    assert!(
        err.contains("journal.jsonl:3:") && err.contains("newer commandpost (v2"),
        "{err}"
    );
}
