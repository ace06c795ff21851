//! The sync transport against a real Synapse on 127.0.0.1, with an in-memory replica on
//! each side (the journal-backed one is tested through the CLI): order, batching under
//! Synapse's default rate limits, offline and back, a gap after a pause, a late join by
//! backfill, and a crash between a send and its acknowledgement. Also the journal-backed
//! replica with two senders on one data dir (a cockpit and a headless command).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod synapse_common;

use commandpost::sync::envelope::{Incoming, Outgoing, classify, next_batch};
use commandpost::sync::follow::{Followed, News, follow};
use commandpost::sync::link::{Backoff, Link, Outbound, Received, Replica};
use commandpost::sync::matrix::{self, Client, RoomEvent};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use synapse_common::*;
use tokio::time::Instant;

const INC: &str = "INC-T";

/// A replica in memory: own events (numbered from 1), what the room holds, what arrived.
#[derive(Default, Clone)]
struct Mem {
    origin: String,
    own: Vec<String>,
    watermark: u64,
    inflight: Option<Outbound>,
    /// (origin, oseq) -> line, from the room (own included when read back).
    got: BTreeMap<(String, u64), String>,
    /// Arrival order of new (origin, oseq).
    order: Vec<(String, u64)>,
    cursor: Option<String>,
    /// Lines received since `take_new`, and how many times `receive` was called.
    fresh: Vec<String>,
    receives: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Fail the next `delivered` (a crash between the send and its acknowledgement).
    crash_before_ack: bool,
    sends: usize,
}

impl Mem {
    fn new(origin: &str) -> Mem {
        Mem {
            origin: origin.into(),
            ..Mem::default()
        }
    }
    fn add(&mut self, n: usize) {
        for _ in 0..n {
            let seq = self.own.len() + 1;
            self.own
                .push(format!("{{\"o\":\"{}\",\"n\":{seq}}}", self.origin));
        }
    }
    fn from(&self, origin: &str) -> Vec<u64> {
        self.order
            .iter()
            .filter(|(o, _)| o == origin)
            .map(|(_, n)| *n)
            .collect()
    }
}

impl Replica for Mem {
    fn next_outbound(&mut self) -> Result<Option<Outbound>, String> {
        if let Some(o) = &self.inflight {
            return Ok(Some(o.clone()));
        }
        let pending: Vec<Outgoing> = self.own[self.watermark as usize..]
            .iter()
            .enumerate()
            .map(|(i, l)| Outgoing {
                oseq: self.watermark + 1 + i as u64,
                line: l.clone(),
                notice: None,
            })
            .collect();
        let Some(b) = next_batch(INC, &self.origin, &pending, 10_000, 0) else {
            return Ok(None);
        };
        let out = Outbound {
            first: b.first,
            last: b.last,
            count: b.count,
            event_type: b.event_type.to_string(),
            txn_id: b.txn_id,
            content: b.content,
            part: b.part,
        };
        self.inflight = Some(out.clone());
        Ok(Some(out))
    }
    fn delivered(&mut self, out: &Outbound, _event_id: &str) -> Result<(), String> {
        self.sends += 1;
        if self.crash_before_ack {
            self.crash_before_ack = false;
            return Err("crashed".into());
        }
        self.watermark = out.last;
        self.inflight = None;
        Ok(())
    }
    fn refused(&mut self, _out: &Outbound) -> Result<(), String> {
        self.inflight = None;
        Ok(())
    }
    fn unsent(&self) -> usize {
        self.own.len() - self.watermark as usize
    }
    fn receive(&mut self, events: &[RoomEvent]) -> Result<Received, String> {
        self.receives
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut r = Received::default();
        for e in events {
            if let Incoming::Lines { origin, lines, .. } = classify(e, INC) {
                for l in lines {
                    let v: serde_json::Value = serde_json::from_str(&l).unwrap();
                    let key = (origin.clone(), v["n"].as_u64().unwrap());
                    if self.got.insert(key.clone(), l.clone()).is_none() {
                        self.fresh.push(l);
                        self.order.push(key);
                        r.new_events += 1;
                    } else {
                        r.duplicates += 1;
                    }
                }
            }
        }
        Ok(r)
    }
    fn cursor(&self) -> Option<String> {
        self.cursor.clone()
    }
    fn set_cursor(&mut self, next_batch: &str) -> Result<(), String> {
        self.cursor = Some(next_batch.into());
        Ok(())
    }
}

impl Followed for Mem {
    fn take_new(&mut self) -> Vec<commandpost::domain::event::Event> {
        std::mem::take(&mut self.fresh)
            .into_iter()
            .filter_map(|l| {
                let line = serde_json::json!({"v": 1, "seq": 1, "ts": "2026-11-21T14:00:00Z",
                    "actor": "x", "type": "note_added", "data": {"text": l}});
                commandpost::domain::event::Event::from_line(&line.to_string()).ok()
            })
            .collect()
    }
    fn contact(&mut self, _result: Result<(), &str>) {}
    fn persist(&mut self) -> Result<(), String> {
        Ok(())
    }
}

fn client(s: &Synapse, token: &str) -> Client {
    Client::new(
        commandpost::delivery::http::build_client().unwrap(),
        matrix::parse_homeserver(&s.base).unwrap(),
        SecretString::from(token),
    )
}

/// Two members of one room: (link A, link B).
fn pair(s: &Synapse, tag: &str) -> (Link, Link, String, String) {
    let (_, ta) = s.register(&format!("a{tag}"));
    let (_, tb) = s.register(&format!("b{tag}"));
    let room = s.create_room(&ta, &format!("r{tag}"), vec![]);
    s.join(&tb, &room);
    (
        Link::new(client(s, &ta), &room),
        Link::new(client(s, &tb), &room),
        ta,
        room,
    )
}

fn in_secs(n: u64) -> Instant {
    Instant::now() + Duration::from_secs(n)
}

/// Pulls on B until it holds `n` events from `origin` or the deadline passes.
async fn pull_until(link: &Link, b: &Mutex<Mem>, origin: &str, n: usize, within: Duration) {
    let end = Instant::now() + within;
    while b.lock().unwrap().from(origin).len() < n {
        assert!(
            Instant::now() < end,
            "B has {} of {n} events from {origin} after {within:?}",
            b.lock().unwrap().from(origin).len()
        );
        link.pull(b, Duration::from_millis(500)).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_30_event_burst_reaches_the_other_side_in_order_under_default_rate_limits() {
    let Some(venv) = test_venv("a_30_event_burst_reaches_the_other_side_under_default_limits")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Synapse::start_in(&venv, dir.path(), Limits::Default);
    let (la, lb, _, _) = pair(&s, "burst");
    let a = Mutex::new(Mem::new("oa"));
    let b = Mutex::new(Mem::new("ob"));
    lb.pull(&b, Duration::ZERO).await.unwrap();
    // Thirty events made 50 ms apart while a pusher sends what is waiting (as a cockpit
    // does): the first ten go one by one, then a 429, and what waited goes as one batch.
    let a = std::sync::Arc::new(a);
    let start = Instant::now();
    let producer = {
        let a = a.clone();
        tokio::spawn(async move {
            for _ in 0..30 {
                a.lock().unwrap().add(1);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let pusher = {
        let a = a.clone();
        let la = la.clone();
        tokio::spawn(async move {
            let mut backoff = Backoff::default();
            let mut limited = 0;
            while a.lock().unwrap().watermark < 30 {
                let p = la.push(&*a, in_secs(30), &mut backoff).await;
                assert!(p.stopped.is_none(), "{:?}", p.stopped);
                limited = limited.max(backoff.failures());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    producer.await.unwrap();
    pusher.await.unwrap();
    pull_until(&lb, &b, "oa", 30, Duration::from_secs(20)).await;
    let took = start.elapsed();
    assert_eq!(b.lock().unwrap().from("oa"), (1..=30).collect::<Vec<u64>>());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let sends = a.lock().unwrap().sends;
    assert!(sends < 30, "{sends} room events for 30 events");
    let mut backoff = Backoff::default();

    // A burst made while nothing was sent goes as one room event.
    let sends = a.lock().unwrap().sends;
    a.lock().unwrap().add(30);
    let p = la.push(&a, in_secs(30), &mut backoff).await;
    assert_eq!((p.room_events, p.events, p.left), (1, 30, 0));
    assert_eq!(a.lock().unwrap().sends, sends + 1);
    pull_until(&lb, &b, "oa", 60, Duration::from_secs(10)).await;
    assert_eq!(b.lock().unwrap().from("oa"), (1..=60).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_made_while_the_homeserver_is_down_arrive_once_and_in_order() {
    let Some(venv) = test_venv("events_made_while_the_homeserver_is_down_arrive_once") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut s = Synapse::start_in(&venv, dir.path(), Limits::Raised);
    let (la, lb, _, _) = pair(&s, "down");
    let a = Mutex::new(Mem::new("oa"));
    let b = Mutex::new(Mem::new("ob"));
    lb.pull(&b, Duration::ZERO).await.unwrap();
    a.lock().unwrap().add(3);
    let mut backoff = Backoff::default();
    la.push(&a, in_secs(10), &mut backoff).await;

    s.stop();
    let mut backoff = Backoff::default();
    for _ in 0..20 {
        a.lock().unwrap().add(1);
        let p = la
            .push(
                &a,
                Instant::now() + Duration::from_millis(200),
                &mut backoff,
            )
            .await;
        let e = p.stopped.expect("offline");
        assert!(e.is_offline(), "{e}");
    }
    assert_eq!(a.lock().unwrap().unsent(), 20);
    assert!(lb.pull(&b, Duration::ZERO).await.unwrap_err().is_offline());
    s.start();
    let p = la.push(&a, in_secs(30), &mut Backoff::default()).await;
    assert!(p.stopped.is_none(), "{:?}", p.stopped);
    assert_eq!(p.left, 0);
    pull_until(&lb, &b, "oa", 23, Duration::from_secs(15)).await;
    let m = b.lock().unwrap();
    assert_eq!(m.from("oa"), (1..=23).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_after_a_pause_is_filled_from_the_room_history() {
    let Some(s) = shared("a_gap_after_a_pause_is_filled_from_the_room_history") else {
        return;
    };
    let (_, ta) = s.register("agap");
    let (_, tb) = s.register("bgap");
    let room = s.create_room(&ta, "rgap", vec![]);
    s.join(&tb, &room);
    let la = Link::new(client(s, &ta), &room);
    // B's /sync returns at most 10 timeline events: 50 room events make a gap.
    let lb = Link::with_timeline_limit(client(s, &tb), &room, 10);
    let a = Mutex::new(Mem::new("oa"));
    let b = Mutex::new(Mem::new("ob"));
    lb.pull(&b, Duration::ZERO).await.unwrap();
    let mut backoff = Backoff::default();
    for _ in 0..50 {
        a.lock().unwrap().add(1);
        la.push(&a, in_secs(10), &mut backoff).await;
    }
    assert_eq!(a.lock().unwrap().sends, 50);
    let got = lb.pull(&b, Duration::ZERO).await.unwrap();
    assert_eq!(got.new_events, 50, "{got:?}");
    assert_eq!(b.lock().unwrap().from("oa"), (1..=50).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_joiner_reads_the_whole_room_then_follows_it() {
    let Some(s) = shared("a_late_joiner_reads_the_whole_room_then_follows_it") else {
        return;
    };
    let (_, ta) = s.register("alate");
    let (_, tb) = s.register("blate");
    let room = s.create_room(&ta, "rlate", vec![]);
    let la = Link::new(client(s, &ta), &room);
    let a = Mutex::new(Mem::new("oa"));
    let mut backoff = Backoff::default();
    // 2,000 events in 40 room events.
    for _ in 0..40 {
        a.lock().unwrap().add(50);
        la.push(&a, in_secs(10), &mut backoff).await;
    }
    s.join(&tb, &room);
    let lb = Link::new(client(s, &tb), &room);
    let b = Mutex::new(Mem::new("ob"));
    let t = std::time::Instant::now();
    let got = lb.pull(&b, Duration::ZERO).await.unwrap();
    let took = t.elapsed();
    assert_eq!(got.new_events, 2000);
    assert_eq!(
        b.lock().unwrap().from("oa"),
        (1..=2000).collect::<Vec<u64>>()
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
    // Then it follows: one more event arrives through /sync.
    a.lock().unwrap().add(1);
    la.push(&a, in_secs(10), &mut backoff).await;
    pull_until(&lb, &b, "oa", 2001, Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_send_and_ack_leaves_one_room_event() {
    let Some(s) = shared("a_crash_between_send_and_ack_leaves_one_room_event") else {
        return;
    };
    let (_, ta) = s.register("acrash");
    let room = s.create_room(&ta, "rcrash", vec![]);
    let la = Link::new(client(s, &ta), &room);
    let a = Mutex::new(Mem::new("oa"));
    a.lock().unwrap().add(3);
    a.lock().unwrap().crash_before_ack = true;
    let p = la.push(&a, in_secs(10), &mut Backoff::default()).await;
    assert!(p.stopped.is_some());
    // "Restart": the in-flight record survived; two more events were made meanwhile.
    let mut restarted = a.lock().unwrap().clone();
    restarted.add(2);
    let a2 = Mutex::new(restarted);
    let p = la.push(&a2, in_secs(10), &mut Backoff::default()).await;
    assert!(p.stopped.is_none(), "{:?}", p.stopped);
    assert_eq!(p.left, 0);
    let ours: Vec<serde_json::Value> = s
        .room_events(&ta, &room)
        .into_iter()
        .filter(|e| e["type"] == matrix::EVENT_TYPE)
        .collect();
    let lines: Vec<usize> = ours
        .iter()
        .map(|e| {
            e["content"]["org.commandpost"]["events"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(
        lines,
        vec![3, 2],
        "the re-sent batch is the same room event"
    );
}

#[test]
fn a_follower_shows_the_other_sides_event_within_a_second_and_idles_parked() {
    let Some(s) = shared("a_follower_shows_the_other_sides_event_within_a_second") else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_, ta) = s.register("afol");
    let (_, tb) = s.register("bfol");
    let room = s.create_room(&ta, "rfol", vec![]);
    s.join(&tb, &room);
    let la = Link::new(client(s, &ta), &room);
    let lb = Link::new(client(s, &tb), &room);
    let mb = Mem::new("ob");
    let receives = mb.receives.clone();
    let (tx, rx) = std::sync::mpsc::channel::<(std::time::Instant, News)>();
    let follower = follow(mb, lb, move |n| {
        let _ = tx.send((std::time::Instant::now(), n));
    })
    .unwrap();
    // Catching up and parking: then idle for 3 s costs no request.
    std::thread::sleep(Duration::from_secs(1));
    let before = receives.load(std::sync::atomic::Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(3));
    let idle = receives.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert_eq!(idle, 0, "no /sync returned while nothing happened");
    while rx.try_recv().is_ok() {}
    // A sends one event: B's follower reports it within a second.
    let a = Mutex::new(Mem::new("oa"));
    a.lock().unwrap().add(1);
    let sent = std::time::Instant::now();
    let p = rt.block_on(la.push(&a, in_secs(10), &mut Backoff::default()));
    assert_eq!(p.left, 0);
    let deadline = sent + Duration::from_secs(5);
    let arrived = loop {
        match rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
            Ok((at, News::Events(evs))) if !evs.is_empty() => break at,
            Ok(_) => continue,
            Err(e) => panic!("nothing arrived: {e}"),
        }
    };
    let took = arrived.duration_since(sent);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    drop(follower);
}

/// Every `(origin, oseq)` the room's machine events carry, with how many times.
fn carried(s: &Synapse, token: &str, room: &str) -> BTreeMap<(String, u64), usize> {
    let mut out = BTreeMap::new();
    for e in s.room_events(token, room) {
        let Some(lines) = e["content"]["org.commandpost"]["events"].as_array() else {
            continue;
        };
        for l in lines {
            let w: serde_json::Value = serde_json::from_str(l.as_str().unwrap()).unwrap();
            let key = (
                w["origin"].as_str().unwrap().to_string(),
                w["oseq"].as_u64().unwrap(),
            );
            *out.entry(key).or_insert(0) += 1;
        }
    }
    out
}

/// A cockpit and a headless command on one data dir both send (two journal handles, two
/// sidecar readers, one account and device): the sidecar's lock makes them take turns, so
/// no watermark steps back and no batch goes out twice under another range.
#[test]
fn two_senders_on_one_data_dir_put_each_event_in_the_room_once() {
    use commandpost::domain::event::Payload;
    use commandpost::journal::Store;
    use commandpost::sync::journaled::Journaled;
    let Some(s) = shared("two_senders_on_one_data_dir_put_each_event_in_the_room_once") else {
        return;
    };
    let (_, token) = s.register("twosenders");
    let room = s.create_room(&token, "rtwosenders", vec![]);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    let (j1, ev) = store
        .create("Two senders", "alice", jiff::Timestamp::now())
        .unwrap();
    let Payload::IncidentOpened { id, .. } = &ev.payload else {
        panic!()
    };
    let id = id.clone();
    let mut r = Journaled::open(&store, &id, vec![], "alice").unwrap();
    r.sidecar.room_id = Some(room.clone());
    r.save().unwrap();
    drop(r);
    const ROUNDS: usize = 25;
    let (j2, _, _) = store.open_replayed(&id).unwrap();
    let senders: Vec<_> = [("cockpit", j1), ("headless", j2)]
        .into_iter()
        .map(|(who, mut j)| {
            let (store, id, room, link) = (
                store.clone(),
                id.clone(),
                room.clone(),
                Link::new(client(s, &token), &room),
            );
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let mut r = Journaled::open(&store, &id, vec![], who).unwrap();
                r.sidecar.room_id = Some(room);
                let r = Mutex::new(r);
                for i in 0..ROUNDS {
                    j.append(
                        who,
                        jiff::Timestamp::now(),
                        Payload::NoteAdded {
                            text: format!("{who} {i}"),
                        },
                    )
                    .unwrap();
                    let p = rt.block_on(link.push(&r, in_secs(30), &mut Backoff::default()));
                    assert!(p.stopped.is_none(), "{who}: {:?}", p.stopped);
                }
            })
        })
        .collect();
    for t in senders {
        t.join().unwrap();
    }
    let r = Journaled::open(&store, &id, vec![], "alice").unwrap();
    let home = r.home.as_str().to_string();
    let local = r.events().len() as u64;
    assert_eq!(local, 1 + 2 * ROUNDS as u64);
    assert_eq!(r.sidecar.watermark, local, "every event acknowledged");
    let got = carried(s, &token, &room);
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "events in the room more than once: {twice:?}"
    );
    let want: BTreeMap<(String, u64), usize> =
        (1..=local).map(|o| ((home.clone(), o), 1)).collect();
    assert_eq!(got, want, "each event in the room once");
}
