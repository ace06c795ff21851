//! Crash test: a child process appends in a loop and is killed with SIGKILL at
//! random moments, many times. Every append it reported as successful must be
//! present afterwards, and the journal must reopen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::domain::event::Payload;
use commandpost::domain::incident;
use commandpost::journal::Journal;
use jiff::Timestamp;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "COMMANDPOST_CRASH_CHILD_JOURNAL";

/// Runs as the child when the environment says so: append forever, printing
/// each sequence number once `append` has returned Ok (i.e. after fsync).
#[test]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut j = Journal::open(Path::new(&path)).unwrap().journal;
    let out = std::io::stdout();
    let mut out = out.lock();
    for i in 0.. {
        let text = format!("append {i} {}", "padding ".repeat(i % 40));
        let evs = j
            .append("child", Timestamp::now(), Payload::NoteAdded { text })
            .unwrap();
        let seq = evs.last().unwrap().seq;
        writeln!(out, "ok {seq}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn sigkill_never_loses_an_acknowledged_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    Journal::create(
        &path,
        "a",
        Timestamp::now(),
        incident::open("INC-1", "t", "a").unwrap(),
    )
    .unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let rounds = 25;
    let mut torn_seen = 0;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Random delay 5..60 ms after the first acknowledged append.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(5 + seed % 55);
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut acked = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ok ").and_then(|n| n.parse::<u64>().ok()) {
                    acked.push(n);
                }
            }
            acked
        });
        let start = Instant::now();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let acked = reader.join().unwrap();

        let opened = Journal::open(&path)
            .unwrap_or_else(|e| panic!("round {round}: journal must reopen: {e}"));
        torn_seen += opened.warnings.len();
        let present: std::collections::HashSet<u64> = opened.events.iter().map(|e| e.seq).collect();
        for seq in &acked {
            assert!(
                present.contains(seq),
                "round {round}: acknowledged append {seq} lost (killed after {:?})",
                start.elapsed()
            );
        }
        let seqs: Vec<u64> = opened.events.iter().map(|e| e.seq).collect();
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "round {round}: gap in sequence"
        );
    }
    let total = Journal::open(&path).unwrap().events.len();
    assert!(total > rounds, "the child made progress ({total} events)");
    eprintln!("{rounds} kills, {total} events, {torn_seen} torn tails recovered");
}
