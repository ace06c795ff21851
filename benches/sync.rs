//! Sync through a real Synapse on 127.0.0.1 (needs COMMANDPOST_TEST_VENV, see
//! scripts/test-servers.sh; prints SKIPPED without it):
//! - replication latency: an event appended on A (its follower nudged, as the cockpit's
//!   executor does) until B's follower hands it to B's cockpit, p50/p99 over 200 events;
//! - idle CPU of a following process (two followers parked on /sync) over 20 s;
//! - late join: `sync join` of an incident of 2,000 and of 10,000 events (backfill and
//!   journal build).
//!
//! Targets: p50 < 100 ms, p99 < 250 ms, idle CPU < 0.3 %. Prints OVER when one is missed.
//!
//!     source scripts/test-servers.sh && cargo bench --bench sync
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/synapse_common/mod.rs"]
mod synapse_common;

use commandpost::domain::event::Payload;
use commandpost::journal::Store;
use commandpost::sync::follow::{News, follow};
use commandpost::sync::journaled::{Collect, Journaled};
use commandpost::sync::link::{Backoff, Link};
use commandpost::sync::matrix::{self, Client};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use synapse_common::*;

fn client(s: &Synapse, token: &str) -> Client {
    Client::new(
        commandpost::delivery::http::build_client().unwrap(),
        matrix::parse_homeserver(&s.base).unwrap(),
        SecretString::from(token),
    )
}

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A attaches a new incident with `n` notes to a new room; returns (room id, A's store).
fn incident_in_room(
    rt: &tokio::runtime::Runtime,
    s: &Synapse,
    token: &str,
    tag: &str,
    n: usize,
) -> (String, Store, String) {
    let dir = tempfile::tempdir().unwrap().keep();
    let store = Store::new(&dir);
    let (mut j, ev) = store
        .create("Bench incident", "alice", jiff::Timestamp::now())
        .unwrap();
    let Payload::IncidentOpened { id, .. } = &ev.payload else {
        panic!()
    };
    let id = id.clone();
    for i in 0..n {
        j.append(
            "alice",
            jiff::Timestamp::now(),
            Payload::NoteAdded {
                text: format!("note {i}"),
            },
        )
        .unwrap();
    }
    let room = s.create_room(token, tag, vec![]);
    let mut r = Journaled::open(&store, &id, vec![], "alice").unwrap();
    r.sidecar.room_id = Some(room.clone());
    r.save().unwrap();
    let link = Link::new(client(s, token), &room);
    let r = Mutex::new(r);
    let p = rt.block_on(link.push(
        &r,
        tokio::time::Instant::now() + Duration::from_secs(600),
        &mut Backoff::default(),
    ));
    assert_eq!(p.left, 0, "{:?}", p.stopped);
    (room, store, id)
}

fn late_join(
    rt: &tokio::runtime::Runtime,
    s: &Synapse,
    token: &str,
    room: &str,
) -> (Duration, usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    s.join(token, room);
    let t = Instant::now();
    let link = Link::new(client(s, token), room);
    let c = Mutex::new(Collect::default());
    rt.block_on(link.backfill(&c)).unwrap();
    let (arrivals, _) = c.into_inner().unwrap().arrivals(None);
    let home = store.ensure_origin().unwrap();
    let (id, _j, _) = commandpost::sync::ingest::join(&store, &home, &arrivals).unwrap();
    let took = t.elapsed();
    let (opened, _) = store.open(&id).unwrap();
    (took, opened.events.len())
}

fn main() {
    let Some(venv) = test_venv("bench sync") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hs = tempfile::tempdir().unwrap();
    let s = Synapse::start_in(&venv, hs.path(), Limits::Raised);
    let (_, ta) = s.register("bench-a");
    let (_, tb) = s.register("bench-b");

    // Replication latency.
    let (room, store_a, id) = incident_in_room(&rt, &s, &ta, "bench-live", 0);
    s.join(&tb, &room);
    let dir_b = tempfile::tempdir().unwrap();
    let store_b = Store::new(dir_b.path());
    let lb = Link::new(client(&s, &tb), &room);
    let c = Mutex::new(Collect::default());
    rt.block_on(lb.backfill(&c)).unwrap();
    let collected = c.into_inner().unwrap();
    let (arrivals, _) = collected.arrivals(None);
    let home_b = store_b.ensure_origin().unwrap();
    let (id_b, _j, _) = commandpost::sync::ingest::join(&store_b, &home_b, &arrivals).unwrap();
    assert_eq!(id_b, id);
    let mut rb = Journaled::open(&store_b, &id, vec![], "bob").unwrap();
    rb.sidecar.room_id = Some(room.clone());
    rb.sidecar.since = collected.cursor.clone();
    rb.save().unwrap();

    let arrived: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let arr2 = arrived.clone();
    let follower_b = follow(rb, lb.clone(), move |news| {
        if let News::Events(evs) = news {
            let now = Instant::now();
            let mut m = arr2.lock().unwrap();
            for e in evs {
                if let Payload::NoteAdded { text } = &e.payload {
                    m.insert(text.clone(), now);
                }
            }
        }
    })
    .unwrap();
    let ra = Journaled::open(&store_a, &id, vec![], "alice").unwrap();
    let follower_a = follow(ra, Link::new(client(&s, &ta), &room), |_| {}).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let (mut ja, _, _) = store_a.open_replayed(&id).unwrap();
    let mut lat = Vec::new();
    for i in 0..200 {
        let text = format!("live {i}");
        let t = Instant::now();
        ja.append(
            "alice",
            jiff::Timestamp::now(),
            Payload::NoteAdded { text: text.clone() },
        )
        .unwrap();
        follower_a.nudge();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(at) = arrived.lock().unwrap().get(&text) {
                lat.push(at.duration_since(t));
                break;
            }
            assert!(Instant::now() < deadline, "event {i} never arrived");
            std::thread::sleep(Duration::from_micros(500));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    lat.sort();
    let (p50, p99) = (pct(&lat, 0.50), pct(&lat, 0.99));
    let verdict = |ok: bool| if ok { "ok" } else { "OVER" };
    println!(
        "sync latency A append -> B follower: p50 {:.1} ms ({}), p99 {:.1} ms ({}), min {:.1} ms, max {:.1} ms, n={}",
        p50.as_secs_f64() * 1e3,
        verdict(p50 < Duration::from_millis(100)),
        p99.as_secs_f64() * 1e3,
        verdict(p99 < Duration::from_millis(250)),
        lat[0].as_secs_f64() * 1e3,
        lat[lat.len() - 1].as_secs_f64() * 1e3,
        lat.len()
    );

    // Idle CPU of this process with both followers parked.
    std::thread::sleep(Duration::from_secs(2));
    let hz = 100.0; // USER_HZ on Linux
    let (t0, c0) = (Instant::now(), cpu_ticks());
    std::thread::sleep(Duration::from_secs(20));
    let cpu = (cpu_ticks() - c0) as f64 / hz / t0.elapsed().as_secs_f64() * 100.0;
    println!(
        "sync idle CPU, two followers parked on /sync, 20 s: {cpu:.2} % ({})",
        verdict(cpu < 0.3)
    );
    drop(follower_a);
    drop(follower_b);

    // Late join.
    for (n, tag) in [(2_000, "bench-2k"), (10_000, "bench-10k")] {
        let (room, _, _) = incident_in_room(&rt, &s, &ta, tag, n);
        let (_, tc) = s.register(&format!("join-{tag}"));
        let (took, events) = late_join(&rt, &s, &tc, &room);
        println!(
            "sync late join of {n} events: {:.2} s ({events} journal lines)",
            took.as_secs_f64()
        );
    }
}
