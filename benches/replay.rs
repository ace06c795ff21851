//! Replaying a 100,000-event journal: open (parse + checks) and fold into an
//! Incident. Targets on the CI machine: under 200 ms, under 50 MB peak.
//! Run: `cargo bench --bench replay`
#![allow(clippy::unwrap_used, clippy::panic)] // benchmark harness, not product code

use commandpost::domain::event::{Event, FORMAT_VERSION, Payload, Severity};
use commandpost::domain::incident::{self, Incident};
use commandpost::domain::role::Role;
use commandpost::journal::Journal;
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use std::io::{BufWriter, Write};
use std::path::Path;

const EVENTS: u64 = 100_000;

fn write_journal(path: &Path) {
    let t0: Timestamp = "2026-11-21T00:00:00Z".parse().unwrap_or_default();
    let mut w = BufWriter::new(std::fs::File::create(path).unwrap());
    let people = [
        "Alice",
        "Ricardo",
        "渡辺 健",
        "José",
        "Keiko",
        "Noah",
        "Greg",
        "Harold",
    ];
    for seq in 1..=EVENTS {
        let payload = match seq {
            1 => incident::open("INC-1", "Bench", "Alice").unwrap(),
            s if s % 1000 == 0 => Payload::StateChanged {
                from: if s % 2000 == 0 {
                    Severity::Major
                } else {
                    Severity::Confirmed
                },
                to: if s % 2000 == 0 {
                    Severity::Confirmed
                } else {
                    Severity::Major
                },
            },
            s if s % 97 == 0 => Payload::RoleHandedOff {
                role: Role::Ic,
                from: None,
                to: people[(s as usize) % people.len()].to_string(),
            },
            s if s % 13 == 0 => Payload::PersonJoined {
                name: people[(s as usize) % people.len()].to_string(),
                handle: None,
                contact: None,
                team: None,
                group: Some("database".into()),
            },
            s if s % 7 == 0 => Payload::ImpactUpdated {
                text: format!("impact revision {s}: EU API errors at 4%"),
            },
            s => Payload::NoteAdded {
                text: format!("note {s}: replication lag is {}s on db-{}", s % 60, s % 9),
            },
        };
        let e = Event {
            v: FORMAT_VERSION,
            seq,
            ts: t0 + SignedDuration::from_millis(seq as i64 * 500),
            actor: "Alice".into(),
            payload,
            rep: Default::default(),
        };
        let line = e.to_line().unwrap();
        writeln!(w, "{line}").unwrap();
    }
    w.flush().unwrap();
}

fn replay(path: &Path) -> Incident {
    commandpost::journal::store::replay_file(path).unwrap().1
}

fn replay_collecting(path: &Path) -> Incident {
    let opened = Journal::open(path).unwrap();
    Incident::replay(&opened.events).unwrap()
}

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    write_journal(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    // Peak memory of one replay: reset the high-water mark, replay, read it.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = vm_hwm_kib();
    let inc = replay(&path);
    let after = vm_hwm_kib();
    eprintln!(
        "journal: {EVENTS} events, {:.1} MB; peak RSS during replay: {:?} KiB (before: {:?} KiB); final state {:?}, {} people",
        size as f64 / 1e6,
        after,
        before,
        inc.state,
        inc.people.len()
    );
    let mut g = c.benchmark_group("journal");
    g.sample_size(10);
    g.bench_function("open_and_replay_100k", |b| b.iter(|| replay(&path)));
    g.bench_function("open_collect_and_replay_100k", |b| {
        b.iter(|| replay_collecting(&path))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
