//! Two cockpits, one incident, in two real terminals (tmux) on two data dirs with two Matrix
//! users, through a real Synapse on 127.0.0.1 (issue 12): a hand-off pressed on A shows on
//! B's screen and A's cockpit says that its user no longer holds IC; a warm hand-off proposed
//! on A is acknowledged in B's cockpit, and both screens agree. A homeserver that never
//! answers does not delay a key. Skipped (loudly) without tmux; Synapse comes from the test
//! venv (`tests/test_servers`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod synapse_common;
mod tmux_common;

use std::time::{Duration, Instant};
use synapse_common::*;
use tmux_common::Tmux;

/// Runs `m`'s cockpit in `t`'s pane.
fn cockpit(m: &Machine, t: &Tmux) {
    t.shell(&m.cockpit_line());
}

/// Waits (longer than `Tmux::wait_for`: events cross a homeserver) until `ok` holds.
fn wait_until(t: &Tmux, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let s = t.screen();
        if ok(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what:?}; screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_for(t: &Tmux, needle: &str) -> String {
    wait_until(t, needle, Duration::from_secs(30), |s| s.contains(needle))
}

/// Two machines on one incident: A (alice, IC) attached it to a new room, B (bob) joined.
fn two_machines(s: &Synapse, tag: &str, extra: &str) -> (Machine, Machine) {
    let p = s.pair(tag);
    let a = Machine::at(&s.base, "alice", &p.people(), Some(&p.alice_tok), extra);
    let b = Machine::at(&s.base, "bob", &p.people(), Some(&p.bob_tok), extra);
    a.ok(&["new", "Checkout latency in EU"]);
    a.ok(&["note", "started on A"]);
    let alias = format!("#inc-{tag}:localhost");
    a.ok(&["sync", "attach", &alias]);
    b.ok(&["sync", "join", &alias]);
    (a, b)
}

/// Quits each cockpit by keys and waits for its shell's `EXIT=0`.
fn quit_all(ts: &[&Tmux]) {
    for t in ts {
        t.quit();
    }
}

/// A cockpit started before `sync attach` (run in another terminal) starts following the
/// room without a restart: its journal poll notices the sidecar appearing.
#[test]
fn a_cockpit_started_before_attach_follows_the_room_without_a_restart() {
    let name = "a_cockpit_started_before_attach_follows_the_room_without_a_restart";
    let Some(s) = shared(name) else {
        return;
    };
    let Some(ta) = Tmux::start("sync-late-attach") else {
        return;
    };
    let p = s.pair("late");
    let a = Machine::at(&s.base, "alice", &p.people(), Some(&p.alice_tok), "");
    let b = Machine::at(&s.base, "bob", &p.people(), Some(&p.bob_tok), "");
    a.ok(&["new", "Checkout latency in EU"]);
    cockpit(&a, &ta);
    wait_for(&ta, "IC alice for");
    assert!(!ta.screen().contains("sync:"));

    // Another terminal attaches the incident; the cockpit starts following.
    let alias = "#inc-late:localhost";
    a.ok(&["sync", "attach", alias]);
    wait_for(&ta, "sync: live");
    // B joins and adds a note: it reaches A's screen.
    b.ok(&["sync", "join", alias]);
    b.ok(&["note", "seen from B after the late attach"]);
    wait_for(&ta, "seen from B after the late attach");
    // A note typed in A's cockpit reaches B.
    ta.text("n");
    ta.wait_for("note");
    ta.text("typed on A after attach");
    ta.keys(&["Enter"]);
    wait_until(
        &ta,
        "A live, nothing unsent",
        Duration::from_secs(30),
        |s| s.contains("sync: live") && !s.contains("unsent"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !b
        .ok(&["show", "--json"])
        .0
        .contains("typed on A after attach")
    {
        assert!(Instant::now() < deadline, "A's note never reached B");
        std::thread::sleep(Duration::from_millis(200));
    }
    ta.quit();
    assert_eq!(a.show(), b.show());
}

/// Synapse's default message rate limits (0.2/s, burst 10 per user): what users meet.
#[test]
fn a_hand_off_pressed_on_a_shows_on_b_and_a_says_it_no_longer_holds_ic() {
    let name = "a_hand_off_pressed_on_a_shows_on_b_and_a_says_it_no_longer_holds_ic";
    let Some(venv) = test_venv(name) else {
        return;
    };
    let (Some(ta), Some(tb)) = (Tmux::start("sync-a"), Tmux::start("sync-b")) else {
        return;
    };
    let hs = tempfile::tempdir().unwrap();
    let s = Synapse::start_in(&venv, hs.path(), Limits::Default);
    let (a, b) = two_machines(&s, "e2e", "");

    cockpit(&a, &ta);
    cockpit(&b, &tb);
    wait_for(&ta, "IC alice for");
    wait_for(&tb, "IC alice for");
    wait_for(&ta, "sync: live");
    wait_for(&tb, "sync: live");

    // A hands IC to bob by keys.
    ta.pick_ic("bob", false);
    ta.wait_for("Announces: @all: IC -> bob");
    let pressed = Instant::now();
    ta.text("y");

    // B's screen shows it (within a second on one homeserver; generous under load).
    wait_for(&tb, "IC bob for");
    let seen = pressed.elapsed();
    assert!(seen < Duration::from_secs(10), "took {seen:?}");
    // A's cockpit makes it plain that alice no longer holds IC.
    wait_for(&ta, "You are no longer IC");
    // Nothing waits to be sent on either side.
    wait_until(
        &ta,
        "A live, nothing unsent",
        Duration::from_secs(30),
        |s| s.contains("sync: live") && !s.contains("unsent"),
    );

    // Another event on B reaches A's screen.
    tb.text("n");
    tb.wait_for("note");
    tb.text("rolled back the deploy on B");
    tb.keys(&["Enter"]);
    wait_for(&ta, "rolled back the deploy on B");

    // Both cockpits quit; both journals agree.
    quit_all(&[&ta, &tb]);
    let (sa, sb) = (a.show(), b.show());
    assert_eq!(ic(&sa), "bob");
    assert_eq!(sa, sb);
}

#[test]
fn a_warm_hand_off_proposed_on_a_is_acknowledged_in_bs_cockpit() {
    let name = "a_warm_hand_off_proposed_on_a_is_acknowledged_in_bs_cockpit";
    let Some(s) = shared(name) else {
        return;
    };
    let (Some(ta), Some(tb)) = (Tmux::start("warm-a"), Tmux::start("warm-b")) else {
        return;
    };
    let (a, b) = two_machines(s, "warm", "[handoff]\nrequire_ack = true\n");
    cockpit(&a, &ta);
    cockpit(&b, &tb);
    wait_for(&ta, "sync: live");
    wait_for(&tb, "sync: live");

    // A proposes IC to bob; alice keeps command until bob acknowledges.
    ta.pick_ic("bob", false);
    ta.wait_for("must acknowledge");
    ta.text("y");
    ta.wait_for("waiting for bob");
    ta.keys(&["Escape"]);

    // B's cockpit shows the brief; bob acknowledges there.
    wait_for(&tb, "proposes handing IC to you");
    tb.text("A");
    wait_for(&tb, "Take over IC from alice?");
    tb.text("y");
    wait_for(&tb, "IC bob for");
    // A sees the role move and says alice no longer holds it.
    wait_for(&ta, "You are no longer IC");
    quit_all(&[&ta, &tb]);
    let (sa, sb) = (a.show(), b.show());
    assert_eq!(ic(&sa), "bob");
    assert_eq!(sa, sb);
}

/// The IC as the header says it: `IC bob for 2m`, or to the one who lost it, `You are no
/// longer IC: bob has held it since ...`.
fn ic_on_screen(s: &str) -> Option<String> {
    let line = s.lines().nth(1)?;
    if let Some((_, rest)) = line.split_once("You are no longer IC: ") {
        return rest.split(" has held").next().map(str::to_string);
    }
    let (_, rest) = line.split_once("· IC ")?;
    rest.split(" for ").next().map(str::to_string)
}

/// The timeline's visible lines saying a hand-off lost a race (` 07:38 alice      CONFLICT:
/// ...`), newest first, from `CONFLICT:` on.
fn conflict_lines(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| {
            l.get(3..4) == Some(":") && l.get(1..3).is_some_and(|h| h.parse::<u8>().is_ok())
        })
        .filter_map(|l| l.find("CONFLICT: ").map(|i| l[i..].trim_end().to_string()))
        .collect()
}

/// Both laptops hand IC at once (the homeserver is down, so neither knows of the other's):
/// when it is back, both cockpits show the same winner and the same conflict. Twice.
#[test]
fn concurrent_hand_offs_end_with_the_same_winner_and_conflict_on_both_screens() {
    let name = "concurrent_hand_offs_end_with_the_same_winner_and_conflict_on_both_screens";
    let Some(venv) = test_venv(name) else {
        return;
    };
    let (Some(ta), Some(tb)) = (Tmux::start("race-a"), Tmux::start("race-b")) else {
        return;
    };
    let hs = tempfile::tempdir().unwrap();
    let mut s = Synapse::start_in(&venv, hs.path(), Limits::Raised);
    let (a, b) = two_machines(&s, "race", "");
    cockpit(&a, &ta);
    cockpit(&b, &tb);
    wait_for(&ta, "sync: live");
    wait_for(&tb, "sync: live");
    for (round, (to_a, to_b)) in [("carol", "bob"), ("dave", "erin")].into_iter().enumerate() {
        s.stop();
        wait_for(&ta, "sync: offline");
        wait_for(&tb, "sync: offline");
        ta.hand_ic(to_a, true);
        tb.hand_ic(to_b, round > 0);
        wait_for(&ta, "unsent");
        wait_for(&tb, "unsent");
        s.start();
        let limit = Duration::from_secs(60);
        let settled = |t: &Tmux| {
            wait_until(t, "the race settled", limit, |s| {
                s.contains("sync: live")
                    && !s.contains("unsent")
                    && conflict_lines(s)
                        .first()
                        .is_some_and(|c| c.contains(to_a) && c.contains(to_b))
            })
        };
        let (sa, sb) = (settled(&ta), settled(&tb));
        let (wa, wb) = (ic_on_screen(&sa), ic_on_screen(&sb));
        // The header of the one who lost IC says so instead; compare the journals' view.
        let (ja, jb) = (a.show(), b.show());
        assert_eq!(ic(&ja), ic(&jb), "round {round}");
        assert!(
            [to_a, to_b].contains(&ic(&ja).as_str()),
            "round {round}: {ja}"
        );
        assert_eq!(ja["conflicts"], jb["conflicts"], "round {round}");
        assert_eq!(
            ja["conflicts"].as_array().unwrap().len(),
            round + 1,
            "{}",
            ja["conflicts"]
        );
        assert_eq!(wa, Some(ic(&ja)), "round {round}:\n{sa}");
        assert_eq!(wb, Some(ic(&jb)), "round {round}:\n{sb}");
        // This round's conflict, the newest, in the same words on both screens.
        assert_eq!(
            conflict_lines(&sa).first(),
            conflict_lines(&sb).first(),
            "{sa}\n{sb}"
        );
    }
    quit_all(&[&ta, &tb]);
    assert_eq!(a.show(), b.show());
}

/// A homeserver that accepts connections and never answers: the cockpit's keys and frames
/// do not wait for it.
#[test]
fn a_hanging_homeserver_does_not_delay_a_key() {
    let Some(t) = Tmux::start("sync-hang") else {
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and hold every connection, never answering.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming() {
            held.push(c);
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let m = Machine::at(&base, "alice", &[], Some("not-a-real-token"), "");
    m.ok(&["new", "Hanging homeserver"]);
    // Attach as `sync attach` would have left it (the sidecar names the room).
    let store = commandpost::journal::Store::new(m.path());
    let id = store.current().unwrap().unwrap();
    let origin = store.ensure_origin().unwrap();
    let sc = commandpost::sync::Sidecar {
        origin: Some(origin.as_str().to_string()),
        room_id: Some("!hanging:localhost".into()),
        ..Default::default()
    };
    sc.save(&store.sidecar_path(&id)).unwrap();

    cockpit(&m, &t);
    t.wait_for("IC alice for");
    t.wait_for("sync:");
    for _ in 0..5 {
        let took = t.timed("?", "Keys");
        assert!(took < Duration::from_millis(1500), "key took {took:?}");
        t.keys(&["Escape"]);
        t.wait_gone("Keys");
    }
    t.text("q");
    t.wait_for("Quit the cockpit?");
    let quit = Instant::now();
    t.text("y");
    t.wait_for("EXIT=0");
    assert!(
        quit.elapsed() < Duration::from_secs(3),
        "quitting waited for the homeserver: {:?}",
        quit.elapsed()
    );
}
