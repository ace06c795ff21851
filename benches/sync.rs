//! Sync through a real Synapse on 127.0.0.1 (the test venv, installed on first use, or
//! COMMANDPOST_TEST_VENV; prints SKIPPED without it):
//! - replication latency: an event appended on A (its follower nudged, as the cockpit's
//!   executor does) until B's cockpit has drawn a frame holding it (B's follower -> the
//!   journal poll -> `update` -> `ui::render` into a TestBackend), p50/p99 over 200 events;
//! - idle CPU: two followers parked on /sync (this process), and a real cockpit process
//!   (the release binary in tmux) following the room, each over 20 s;
//! - late join: backfill and journal build of an incident of 2,000 and 10,000 events
//!   published by `attach` (batches under 60 KB), and sent one by one as they were made
//!   (one room event each, as a live cockpit sends them); median, min and max over several
//!   joins. A second homeserver with Synapse's default message limit; the publisher's limit
//!   is lifted with the admin API (`override_ratelimit`), as the README says.
//!
//! Targets: p50 < 100 ms, p99 < 250 ms, idle CPU < 0.3 %. Prints OVER when one is missed.
//!
//!     cargo bench --bench sync
//!     cargo bench --bench sync -- late-join    # the late joins only
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/synapse_common/mod.rs"]
mod synapse_common;
#[path = "../tests/tmux_common/mod.rs"]
mod tmux_common;

use commandpost::app::sync_view::{SyncMsg, SyncView};
use commandpost::app::{Keymap, Model, Msg, update};
use commandpost::config::Config;
use commandpost::domain::event::Payload;
use commandpost::journal::{Journal, Store};
use commandpost::sync::follow::{News, follow};
use commandpost::sync::journaled::{Collect, Journaled};
use commandpost::sync::link::{Backoff, Link};
use commandpost::sync::matrix::{self, Client};
use commandpost::ui::{Theme, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
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

/// A attaches a new incident with `n` notes to a new room; returns (room id, A's store, id).
/// `one_by_one`: each note is sent as it is made (one room event each, as a live cockpit
/// does); otherwise attach publishes them all at once (batches under 60 KB).
fn incident_in_room(
    rt: &tokio::runtime::Runtime,
    s: &Synapse,
    token: &str,
    tag: &str,
    n: usize,
    one_by_one: bool,
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
    let room = s.create_room(token, tag, vec![]);
    let mut r = Journaled::open(&store, &id, vec![], "alice").unwrap();
    r.sidecar.room_id = Some(room.clone());
    r.save().unwrap();
    let link = Link::new(client(s, token), &room);
    let r = Mutex::new(r);
    let push = || {
        let p = rt.block_on(link.push(
            &r,
            tokio::time::Instant::now() + Duration::from_secs(600),
            &mut Backoff::default(),
        ));
        assert_eq!(p.left, 0, "{:?}", p.stopped);
    };
    if one_by_one {
        push();
    }
    for i in 0..n {
        j.append(
            "alice",
            jiff::Timestamp::now(),
            Payload::NoteAdded {
                text: format!("note {i}"),
            },
        )
        .unwrap();
        if one_by_one {
            push();
        }
    }
    push();
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

/// CPU use (%) of a cockpit on `data` over 20 s once it has settled.
fn idle_cockpit(s: &Synapse, token: &str, data: &std::path::Path) -> Option<f64> {
    let t = tmux_common::Tmux::start("bench-idle")?;
    let tf = data.join("token");
    std::fs::write(&tf, token).unwrap();
    let config = data.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[sync]\nhomeserver = \"{}\"\naccess_token = \"file:{}\"\n",
            s.base,
            tf.display()
        ),
    )
    .unwrap();
    let d = data.display();
    t.shell(&format!(
        "env -u COMMANDPOST_CONFIG -u RUST_LOG HOME={d} XDG_CONFIG_HOME={d}/xdg {} --data-dir {d} \
         --config {} --as bob; echo EXIT=$?",
        tmux_common::BIN,
        config.display()
    ));
    t.wait_for("sync: live");
    std::thread::sleep(Duration::from_secs(3));
    let pid = t.child_pid()?;
    let ticks = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or_default().to_string();
        let f: Vec<&str> = after.split_whitespace().collect();
        f.get(11).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
            + f.get(12).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
    };
    let (t0, c0) = (Instant::now(), ticks());
    std::thread::sleep(Duration::from_secs(20));
    let cpu = (ticks() - c0) as f64 / 100.0 / t0.elapsed().as_secs_f64() * 100.0;
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
    Some(cpu)
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
    if std::env::args().any(|a| a == "late-join") {
        late_joins(&rt, &venv);
        return;
    }
    let hs = tempfile::tempdir().unwrap();
    let s = Synapse::start_in(&venv, hs.path(), Limits::Raised);
    let (_, ta) = s.register("bench-a");
    let (_, tb) = s.register("bench-b");

    // Replication latency.
    let (room, store_a, id) = incident_in_room(&rt, &s, &ta, "bench-live", 0, false);
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

    // B's cockpit, as the shell runs it: the follower's news arrive on a channel; an arrival
    // makes the executor poll the journal, `update` folds the events and a frame is drawn.
    // An event counts as shown when the frame that holds it is drawn.
    let arrived: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let (news_tx, news_rx) = std::sync::mpsc::channel::<()>();
    let follower_b = follow(rb, lb.clone(), move |news| {
        if let News::Events(_) = news {
            let _ = news_tx.send(());
        }
    })
    .unwrap();
    let cockpit_b = {
        let arrived = arrived.clone();
        let path = store_b.journal_path(&id);
        let home = store_b.home();
        std::thread::spawn(move || {
            let opened = Journal::open(&path).unwrap();
            let mut journal = opened.journal;
            let config = Config::default();
            let keymap = Keymap::build(&config).unwrap();
            let mut model =
                Model::new("bob", config, keymap, opened.events, jiff::Timestamp::now());
            model.cx.sync = Some(SyncView::new("bench"));
            model.cx.set_home(&home);
            let theme = Theme::no_color();
            let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
            while news_rx.recv().is_ok() {
                let _ = update(&mut model, Msg::Sync(SyncMsg::Arrived));
                let events = journal.poll().unwrap();
                let texts: Vec<String> = events
                    .iter()
                    .filter_map(|e| match &e.payload {
                        Payload::NoteAdded { text } => Some(text.clone()),
                        _ => None,
                    })
                    .collect();
                let _ = update(&mut model, Msg::Journaled { events, own: false });
                term.draw(|f| render(&model, &theme, f)).unwrap();
                let now = Instant::now();
                let mut m = arrived.lock().unwrap();
                for t in texts {
                    m.insert(t, now);
                }
            }
        })
    };
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
        "sync latency A append -> frame drawn by B's cockpit: p50 {:.1} ms ({}), p99 {:.1} ms ({}), min {:.1} ms, max {:.1} ms, n={}",
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
    drop(follower_b);
    cockpit_b.join().unwrap();

    // Idle CPU of a real cockpit (the release binary in tmux) following the room: B's data
    // dir, B's token; A's follower stays parked too. Its 1 Hz clock redraw is included.
    match idle_cockpit(&s, &tb, dir_b.path()) {
        Some(cpu) => println!(
            "sync idle CPU of a following cockpit (real process in tmux), 20 s: {cpu:.2} % ({})",
            verdict(cpu < 0.3)
        ),
        None => println!("sync idle CPU of a following cockpit: SKIPPED (no tmux)"),
    }
    drop(follower_a);

    drop(s);
    late_joins(&rt, &venv);
}

/// Late join: an incident published by `attach` (batches under 60 KB) and one sent one
/// event at a time as it was made (one room event each, as a live cockpit sends them), of
/// 2,000 and 10,000 events, each joined several times by new users: median, min, max.
/// This homeserver keeps Synapse's default message limit (0.2/s, burst 10); the publishing
/// user's limit is lifted with the admin API the README names (`override_ratelimit`), as a
/// team would on its own homeserver. Joining users keep the default limit (a join sends
/// nothing).
fn late_joins(rt: &tokio::runtime::Runtime, venv: &std::path::Path) {
    let hs = tempfile::tempdir().unwrap();
    let s = Synapse::start_in(venv, hs.path(), Limits::Default);
    let (_, admin) = s.register_admin("bench-admin");
    let (pub_id, tp) = s.register("bench-pub");
    s.override_ratelimit(&admin, &pub_id);
    for (n, tag, one_by_one, runs) in [
        (2_000, "bench-2k", false, 5),
        (10_000, "bench-10k", false, 5),
        (2_000, "bench-2k-live", true, 5),
        (10_000, "bench-10k-live", true, 3),
    ] {
        let t = Instant::now();
        let (room, _, _) = incident_in_room(rt, &s, &tp, tag, n, one_by_one);
        let built = t.elapsed();
        let mut took = Vec::new();
        let mut lines = 0;
        for run in 0..runs {
            let (_, tc) = s.register(&format!("join-{tag}-{run}"));
            let (t, events) = late_join(rt, &s, &tc, &room);
            took.push(t);
            lines = events;
        }
        took.sort();
        println!(
            "sync late join of {n} events ({}): median {:.2} s, min {:.2} s, max {:.2} s, \
             runs={runs} ({lines} journal lines; building the room took {:.0} s)",
            if one_by_one {
                "sent one by one as made: one room event each"
            } else {
                "published by attach: batches under 60 KB"
            },
            pct(&took, 0.5).as_secs_f64(),
            took[0].as_secs_f64(),
            took[took.len() - 1].as_secs_f64(),
            built.as_secs_f64()
        );
    }
}
