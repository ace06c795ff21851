//! End-to-end in a real terminal (tmux), follow-up and delivery: resolve by keys, tick the
//! cleanup checklist to closed, write the post-mortem; and a cockpit whose ten backends all
//! hang (a server on 127.0.0.1 that accepts and never answers) keeps handling keys and
//! drawing, with frame times read from its trace log. Skipped (loudly) without tmux.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::delivery::OutboxState;
use commandpost::delivery::outbox::Outbox;
use commandpost::domain::Payload;
use commandpost::domain::outbound::OutboxEvent;
use commandpost::journal::Store;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod tmux_common;
use tmux_common::{BIN, Tmux};

fn cockpit(t: &Tmux, data: &Path, config: Option<&Path>, actor: &str) {
    let config = config
        .map(|c| format!(" --config {}", c.display()))
        .unwrap_or_default();
    t.shell(&format!(
        "RUST_LOG=commandpost::frame=trace {BIN} --data-dir {}{config} --as {actor}; echo EXIT=$?",
        data.display()
    ));
}

fn kinds(store: &Store, id: &str) -> Vec<String> {
    let (opened, _) = store.open(id).unwrap();
    opened
        .events
        .iter()
        .map(|e| e.payload.kind())
        .filter(|k| k != "outbox")
        .collect()
}

#[test]
fn resolve_tick_cleanup_and_write_the_postmortem_by_keys() {
    let Some(t) = Tmux::start("cleanup") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cockpit(&t, &data, None, "Alice");
    t.wait_for("no open incident");
    t.text("Checkout 502s");
    t.keys(&["Enter"]);
    t.wait_for("1 INVESTIGATING");

    // Resolve: confirmed, then the cleanup checklist opens.
    t.text("R");
    t.wait_for("Resolve the incident?");
    t.text("y");
    t.wait_for("0 of 4 done");
    t.text(" ");
    t.wait_for("1 of 4 done");
    t.text("s");
    t.wait_for("Skip \"Maintenance modes off\": why?");
    t.text("none were set");
    t.keys(&["Enter"]);
    t.wait_for("2 of 4 done");
    t.text(" ");
    t.wait_for("3 of 4 done");
    t.text(" ");
    let s = t.wait_for("CLOSED: every item is done or skipped.");
    assert!(s.contains("skipped by Alice"), "{s}");

    // The post-mortem draft: written next to the journal and shown.
    t.keys(&["Escape"]);
    t.wait_gone("Cleanup ·");
    t.text("P");
    t.wait_for("Post-mortem draft");
    // Written on its own thread: the path shows once the file is on disk.
    t.wait_for("written to");
    t.keys(&["PageDown"]);
    t.wait_for("lines 11-");
    t.keys(&["Escape"]);
    t.wait_gone("written to");
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");

    let store = Store::new(&data);
    let id = store.ids().unwrap().pop().expect("an incident");
    let pm = std::fs::read_to_string(store.incident_dir(&id).join("postmortem.md")).unwrap();
    assert!(pm.starts_with("# Post-mortem draft: Checkout 502s"), "{pm}");
    assert!(pm.contains("Maintenance modes off"), "{pm}");
    assert_eq!(
        kinds(&store, &id),
        [
            "incident_opened",
            "state_changed",
            "cleanup_opened",
            "cleanup_item_done",
            "cleanup_item_skipped",
            "cleanup_item_done",
            "cleanup_item_done",
        ]
    );
    let (_, inc) = store.open(&id).unwrap();
    assert!(inc.closed());
    // The resolution was announced through the outbox (default file backend).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = std::fs::read_to_string(store.outbox_file(&id)).unwrap_or_default();
        if out.contains("@all: Incident Resolved") {
            break;
        }
        assert!(Instant::now() < deadline, "not delivered:\n{out}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A server on 127.0.0.1 that accepts connections and never answers.
struct Hang {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Hang {
    fn start() -> Hang {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let port = l.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s2.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((sock, _)) => held.push(sock),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Hang { port, stop }
    }
}

impl Drop for Hang {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn percentile(v: &[u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let i = ((s.len() as f64 - 1.0) * p).round() as usize;
    s[i.min(s.len() - 1)]
}

#[test]
fn hanging_backends_never_stop_keys_or_frames() {
    let Some(t) = Tmux::start("hang") else {
        return;
    };
    let hang = Hang::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    let mut toml = String::new();
    for (i, kind) in [
        "slack",
        "discord",
        "mattermost",
        "ntfy",
        "teams",
        "slack",
        "discord",
        "mattermost",
        "ntfy",
        "teams",
    ]
    .iter()
    .enumerate()
    {
        toml.push_str(&format!(
            "[[backends]]\nname = \"hang-{i}\"\nkind = \"{kind}\"\nurl = \"http://127.0.0.1:{}/hook/{i}\"\nsends = [\"sitrep\", \"status\", \"announcement\", \"page\"]\ntimeout = \"60s\"\n\n",
            hang.port
        ));
    }
    std::fs::write(&config, toml).unwrap();

    // An incident with a message queued before the cockpit starts: it resumes at start.
    let store = Store::new(&data);
    let (j, _) = store
        .create("Payments API down", "Alice", jiff::Timestamp::now())
        .unwrap();
    let id = store.current().unwrap().unwrap();
    drop(j);
    let ob = Outbox::open(&store.journal_path(&id), Vec::new(), "Alice").unwrap();
    let (_, inc) = store.open(&id).unwrap();
    let msg = commandpost::delivery::setup::message(
        &inc,
        commandpost::domain::outbound::MessageKind::Announcement,
        "@all: queued before the start",
        "",
    );
    let queued = ob.queue_to(msg, vec!["hang-0".into()]).unwrap();
    drop(ob);

    cockpit(&t, &data, Some(&config), "Alice");
    t.wait_for("Event loop");
    // State 3: the announcement goes to all ten hanging backends.
    t.text("3");
    t.wait_for("Set state 3 MAJOR?");
    t.text("y");
    t.wait_for("3 MAJOR");
    t.wait_for("sends: 11 pending");

    // Keys keep working: overlays open and close while every backend hangs.
    let mut lat = Vec::new();
    for _ in 0..8 {
        lat.push(t.timed("o", "Rotation ·"));
        t.keys(&["Escape"]);
        t.wait_gone("Rotation ·");
        lat.push(t.timed("D", "Deliveries ·"));
        t.keys(&["Escape"]);
        t.wait_gone("Deliveries ·");
    }
    t.text("D");
    let s = t.wait_for("sending");
    assert!(s.contains("hang-"), "{s}");
    t.keys(&["Escape"]);
    // The next key only once Escape is read: sent together on a loaded machine they arrive
    // in one read, which is Alt+key.
    t.wait_gone("Deliveries ·");
    // Paging and resolving still work (the page queues behind the hanging ones).
    t.text("p");
    t.wait_for("Page: what needs someone now?");
    t.text("EU checkout down");
    t.keys(&["Enter"]);
    t.wait_for("Page through hang-0");
    t.text("y");
    t.wait_for("sends: 21 pending");
    lat.push(t.timed("R", "Resolve the incident?"));
    t.text("y");
    t.wait_for("0 of 4 done");
    lat.push(t.timed(" ", "1 of 4 done"));
    t.keys(&["Escape"]);
    t.wait_gone("1 of 4 done");

    // Quitting does not wait for the hanging backends.
    let start = Instant::now();
    t.text("q");
    t.wait_for("Quit the cockpit?");
    let s = t.screen();
    assert!(s.contains("pending: resumed on the next start"), "{s}");
    t.text("y");
    t.wait_for("EXIT=0");
    let quit = start.elapsed();

    // Every backend was attempted and none answered: they hung throughout.
    let (opened, _) = store.open(&id).unwrap();
    let st = OutboxState::replay(&opened.events);
    let attempts = opened
        .events
        .iter()
        .filter(|e| matches!(&e.payload, Payload::Outbox(OutboxEvent::Attempt { .. })))
        .count();
    let outcomes = opened
        .events
        .iter()
        .filter(|e| matches!(&e.payload, Payload::Outbox(OutboxEvent::Outcome { .. })))
        .count();
    assert!(
        st.delivery(&queued.id, "hang-0")
            .is_some_and(|d| d.attempts >= 1),
        "the message queued before the start was attempted"
    );
    assert_eq!(attempts, 10, "one attempt in flight per backend");
    assert_eq!(outcomes, 0);

    let log = std::fs::read_to_string(data.join("logs").join("commandpost.log")).unwrap();
    let field = |line: &str, key: &str| -> Option<u64> {
        let rest = &line[line.find(key)? + key.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    let mut draw = Vec::new();
    let mut handle = Vec::new();
    for line in log.lines().filter(|l| l.contains("commandpost::frame")) {
        draw.extend(field(line, "draw_us="));
        handle.extend(field(line, "handle_us="));
    }
    assert!(draw.len() > 40, "{} frames logged", draw.len());
    let total: Vec<u64> = draw.iter().zip(&handle).map(|(d, h)| d + h).collect();
    let lat_ms: Vec<u64> = lat.iter().map(|d| d.as_millis() as u64).collect();
    eprintln!(
        "\nhanging backends: {} frames; draw p50 {} us, p99 {} us, max {} us; \
         handle+draw max {} us; key-to-screen via tmux p50 {} ms, max {} ms; quit {} ms\n",
        draw.len(),
        percentile(&draw, 0.5),
        percentile(&draw, 0.99),
        percentile(&draw, 1.0),
        percentile(&total, 1.0),
        percentile(&lat_ms, 0.5),
        percentile(&lat_ms, 1.0),
        quit.as_millis()
    );
    // What this test asserts is that a hanging backend never blocks the UI: every frame (and
    // every key) is bounded far below what waiting on one request would cost (the 60 s
    // timeout above). The 16 ms frame budget is a speed target, checked by `cargo bench
    // --bench ui` in release, not here: a debug build sharing 2 cores with a parallel build is
    // preempted often enough to put its p95 past 16 ms (seen at load 13: p95 20 ms, max 28 ms).
    assert!(
        percentile(&total, 1.0) < 250_000,
        "a frame took {} us",
        percentile(&total, 1.0)
    );
    assert!(
        lat.iter().all(|d| *d < Duration::from_millis(1500)),
        "{lat:?}"
    );
    assert!(quit < Duration::from_secs(3), "quit took {quit:?}");
}

/// Issue 16, item 6: `p` pages through one backend when asked (as `page --backend NAME`): the
/// dialog lists every page backend and each one (its footer says how to choose, `?` says it
/// can), and the page reaches only the backend chosen. Two file backends are the receivers.
#[test]
fn p_pages_through_the_one_backend_chosen() {
    let Some(t) = Tmux::start("pageone") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    let alpha = dir.path().join("alpha.md");
    let bravo = dir.path().join("bravo.md");
    std::fs::write(
        &config,
        format!(
            "[[backends]]\nname = \"alpha\"\nkind = \"file\"\npath = \"{}\"\nsends = [\"page\"]\n\n\
             [[backends]]\nname = \"bravo\"\nkind = \"file\"\npath = \"{}\"\nsends = [\"page\"]\n",
            alpha.display(),
            bravo.display()
        ),
    )
    .unwrap();
    let store = Store::new(&data);
    drop(
        store
            .create("Payments API down", "Alice", jiff::Timestamp::now())
            .unwrap(),
    );
    cockpit(&t, &data, Some(&config), "Alice");
    t.wait_for("Event loop");

    // `?` says `p` can page one backend.
    t.text("?");
    t.wait_for("page: all backends or one");
    t.keys(&["Escape"]);
    t.wait_gone("Keys (from your keymap)");

    t.text("p");
    let s = t.wait_for("Page: what needs someone now?");
    for want in [
        "Goes to: alpha, bravo",
        "all page backends (2)",
        "alpha only",
        "bravo only",
        "Tab/↑↓ choose backend",
    ] {
        assert!(s.contains(want), "{want:?} missing:\n{s}");
    }
    t.text("EU checkout down");
    t.wait_for("EU checkout down");
    t.keys(&["Tab"]);
    t.wait_for("Goes to: alpha only");
    t.keys(&["Tab"]);
    t.wait_for("Goes to: bravo only");
    t.keys(&["Enter"]);
    t.wait_for("Page through bravo only?");
    t.text("y");
    t.wait_for("Queued page");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = std::fs::read_to_string(&bravo).unwrap_or_default();
        if got.contains("Page: EU checkout down") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "bravo never got the page: {got:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Delivered to bravo, so alpha (never queued) has nothing, now or later.
    std::thread::sleep(Duration::from_millis(300));
    let a = std::fs::read_to_string(&alpha).unwrap_or_default();
    assert!(!a.contains("EU checkout down"), "alpha got it too:\n{a}");

    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    t.wait_for("EXIT=0");
}
