//! Two machines, one incident, through a real Synapse on 127.0.0.1: two data dirs with two
//! Matrix users and the real binary. `sync login`, `attach`, `join`, hand-offs seen on the
//! other machine, room commands typed by people, an encrypted and a history-hidden room
//! refused, offline commands queued and sent later, a late join of 2,000 events, and a crash
//! between a send and its acknowledgement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod synapse_common;

use serde_json::{Value, json};
use synapse_common::*;

/// A machine on homeserver `s` as `actor`.
fn machine(s: &Synapse, actor: &str, people: &[(&str, &str)], token: Option<&str>) -> Machine {
    Machine::at(&s.base, actor, people, token, "")
}

/// The state both machines must agree on (`show --json` minus what is per machine).
fn state(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("last_seq");
    }
    v
}

fn note_texts(v: &Value) -> Vec<String> {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn login_attach_join_and_a_hand_off_on_a_shows_on_b() {
    let Some(s) = shared("login_attach_join_and_a_hand_off_on_a_shows_on_b") else {
        return;
    };
    let p = s.pair("cli");
    let (people, alice_tok, bob_tok, room) = (p.people(), &p.alice_tok, &p.bob_tok, &p.room);
    let (mallory_id, mallory_tok) = s.register("mallory-cli");
    s.join(&mallory_tok, room);

    // A logs in with a password (kept, mode 0600, never printed); B uses a token file.
    let a = machine(s, "alice", &people, None);
    let pw = a.path().join("pw");
    std::fs::write(&pw, password("alice-cli")).unwrap();
    let (out, err) = a.ok(&[
        "sync",
        "login",
        "--homeserver",
        &s.base,
        "--user",
        "alice-cli",
        "--password-file",
        pw.to_str().unwrap(),
    ]);
    assert!(out.contains("logged in as @alice-cli:localhost"), "{out}");
    assert!(!out.contains(&password("alice-cli")) && !err.contains(&password("alice-cli")));
    let creds = std::fs::read_to_string(a.path().join("sync/credentials.json")).unwrap();
    assert!(!out.contains(&creds), "the token is never printed");
    let b = machine(s, "bob", &people, Some(bob_tok));

    let (id, _) = a.ok(&["new", "API errors in EU"]);
    let id = id.trim().to_string();
    a.ok(&["note", "checked the load balancer"]);
    let (out, _) = a.ok(&["sync", "attach", "#inc-cli:localhost"]);
    assert!(out.contains("attached"), "{out}");
    let (out, _) = b.ok(&["sync", "join", "#inc-cli:localhost"]);
    assert!(out.contains(&id), "{out}");
    assert_eq!(state(&a.show()), state(&b.show()));

    // A hand-off made on A is on B at B's next command.
    a.ok(&["handoff", "ic", "bob"]);
    assert_eq!(ic(&b.show()), "bob");
    assert_eq!(state(&a.show()), state(&b.show()));

    // Room commands: a member who is not the IC is rejected on both machines; the IC's
    // mapped user moves the role on both.
    s.say(&mallory_tok, room, "@all: IC -> Mallory");
    assert_eq!(ic(&a.show()), "bob");
    assert_eq!(ic(&b.show()), "bob");
    let (st, _) = b.ok(&["sync", "status"]);
    assert!(st.to_lowercase().contains("reject"), "{st}");
    let _ = mallory_id;
    s.say(bob_tok, room, "@all: IC -> Carol");
    assert_eq!(ic(&b.show()), "Carol");
    assert_eq!(ic(&a.show()), "Carol");
    assert_eq!(state(&a.show()), state(&b.show()));

    // The room shows the hand-off once, as a readable notice.
    let notices: Vec<String> = s
        .room_events(alice_tok, room)
        .iter()
        .filter(|e| e["content"]["msgtype"] == "m.notice")
        .map(|e| {
            e["content"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        notices.iter().filter(|b| b.contains("IC -> bob")).count(),
        1,
        "{notices:?}"
    );
}

#[test]
fn encrypted_and_history_hidden_rooms_are_refused_by_attach_and_join() {
    let Some(s) = shared("encrypted_and_history_hidden_rooms_are_refused_by_attach_and_join")
    else {
        return;
    };
    let (_, tok) = s.register("carol-cli");
    s.create_room(
        &tok,
        "enc-cli",
        vec![json!({"type": "m.room.encryption", "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"}})],
    );
    s.create_room(
        &tok,
        "hid-cli",
        vec![json!({"type": "m.room.history_visibility", "state_key": "",
                    "content": {"history_visibility": "joined"}})],
    );
    let m = machine(s, "carol", &[], Some(&tok));
    m.ok(&["new", "DB failover"]);
    let e = m.fails(&["sync", "attach", "#enc-cli:localhost"]);
    assert!(e.contains("end-to-end encrypted"), "{e}");
    let e = m.fails(&["sync", "join", "#enc-cli:localhost"]);
    assert!(e.contains("end-to-end encrypted"), "{e}");
    let e = m.fails(&["sync", "attach", "#hid-cli:localhost"]);
    assert!(
        e.contains("history visibility") && e.contains("\"shared\""),
        "{e}"
    );
}

#[test]
fn offline_commands_say_queued_and_their_events_arrive_later_once() {
    let Some(venv) = test_venv("offline_commands_say_queued_and_their_events_arrive_later_once")
    else {
        return;
    };
    let hs = tempfile::tempdir().unwrap();
    let mut s = Synapse::start_in(&venv, hs.path(), Limits::Raised);
    let p = s.pair("off");
    let room = &p.room;
    let a = machine(&s, "alice", &p.people(), Some(&p.alice_tok));
    let b = machine(&s, "bob", &p.people(), Some(&p.bob_tok));
    a.ok(&["new", "Payments down"]);
    a.ok(&["sync", "attach", room]);
    b.ok(&["sync", "join", room]);

    s.stop();
    for i in 0..20 {
        let (_, err) = a.ok(&["note", &format!("offline note {i}")]);
        assert!(err.contains("queued, offline"), "{err}");
    }
    s.start();
    // A's next command sends the queued events; B's next command receives them.
    a.ok(&["show"]);
    let shown = b.show();
    assert_eq!(state(&a.show()), state(&shown));
    let texts = note_texts(&shown);
    let offline: Vec<&String> = texts
        .iter()
        .filter(|t| t.starts_with("offline note"))
        .collect();
    let expected: Vec<String> = (0..20).map(|i| format!("offline note {i}")).collect();
    assert_eq!(
        offline,
        expected.iter().collect::<Vec<_>>(),
        "each once, in order"
    );
}

#[test]
fn a_late_join_of_2000_events_rebuilds_the_same_state() {
    let Some(s) = shared("a_late_join_of_2000_events_rebuilds_the_same_state") else {
        return;
    };
    let (_, a_tok) = s.register("alice-2k");
    let (_, b_tok) = s.register("bob-2k");
    let room = s.create_room(&a_tok, "inc-2k", vec![]);
    let a = machine(s, "alice", &[], Some(&a_tok));
    let b = machine(s, "bob", &[], Some(&b_tok));
    let (id, _) = a.ok(&["new", "Late join"]);
    let store = commandpost::journal::Store::new(a.path());
    let (mut j, _, _) = store.open_replayed(id.trim()).unwrap();
    for i in 0..2000 {
        j.append(
            "alice",
            jiff::Timestamp::now(),
            commandpost::domain::event::Payload::NoteAdded {
                text: format!("note {i}"),
            },
        )
        .unwrap();
    }
    a.ok(&["--wait", "120s", "sync", "attach", &room]);
    s.join(&b_tok, &room);
    b.ok(&["sync", "join", "#inc-2k:localhost"]);
    assert_eq!(state(&a.show()), state(&b.show()));
    assert_eq!(b.show()["notes"].as_array().unwrap().len(), 2000);
}

#[test]
fn a_crash_between_send_and_ack_leaves_one_room_event_and_one_line_per_journal() {
    use commandpost::sync::journaled::Journaled;
    use commandpost::sync::link::{Backoff, Link, Replica};
    let Some(s) = shared("a_crash_between_send_and_ack_leaves_one_room_event") else {
        return;
    };
    let Pair {
        alice_tok: a_tok,
        bob_tok: b_tok,
        room,
        ..
    } = s.pair("k9");
    let a = machine(s, "alice", &[], Some(&a_tok));
    let b = machine(s, "bob", &[], Some(&b_tok));
    let (id, _) = a.ok(&["new", "Crash"]);
    a.ok(&["sync", "attach", &room]);
    b.ok(&["sync", "join", &room]);
    a.ok(&["--wait", "0s", "note", "before the crash"]);
    // The note may have been sent by the command; make one that is not: append directly.
    let store = commandpost::journal::Store::new(a.path());
    let (mut j, _, _) = store.open_replayed(id.trim()).unwrap();
    j.append(
        "alice",
        jiff::Timestamp::now(),
        commandpost::domain::event::Payload::NoteAdded {
            text: "sent, never acknowledged".into(),
        },
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = commandpost::sync::matrix::Client::new(
        commandpost::delivery::http::build_client().unwrap(),
        commandpost::sync::matrix::parse_homeserver(&s.base).unwrap(),
        secrecy::SecretString::from(a_tok.clone()),
    );
    // What the cockpit does up to the PUT, then kill -9: the in-flight batch is on disk.
    {
        let mut r = Journaled::open(&store, id.trim(), vec![], "alice").unwrap();
        let out = r.next_outbound().unwrap().unwrap();
        rt.block_on(client.send(&room, &out.event_type, &out.txn_id, &out.content))
            .unwrap();
    }
    // Restart: the same batch goes again with the same txnId.
    let r = std::sync::Mutex::new(Journaled::open(&store, id.trim(), vec![], "alice").unwrap());
    let link = Link::new(client, &room);
    let p = rt.block_on(link.push(
        &r,
        tokio::time::Instant::now() + std::time::Duration::from_secs(10),
        &mut Backoff::default(),
    ));
    assert_eq!(p.left, 0, "{:?}", p.stopped);
    let carrying: usize = s
        .room_events(&a_tok, &room)
        .iter()
        .filter(|e| {
            e["content"]["org.commandpost"]["events"]
                .as_array()
                .is_some_and(|l| {
                    l.iter()
                        .any(|x| x.as_str().unwrap_or("").contains("never acknowledged"))
                })
        })
        .count();
    assert_eq!(carrying, 1, "one room event");
    for m in [&a, &b] {
        assert_eq!(
            note_texts(&m.show())
                .iter()
                .filter(|t| *t == "sent, never acknowledged")
                .count(),
            1
        );
    }
}

#[test]
fn an_oversized_sitrep_goes_out_in_parts_and_arrives_whole() {
    let Some(s) = shared("an_oversized_sitrep_goes_out_in_parts_and_arrives_whole") else {
        return;
    };
    let Pair {
        alice_tok: a_tok,
        bob_tok: b_tok,
        room,
        ..
    } = s.pair("big");
    let a = machine(s, "alice", &[], Some(&a_tok));
    let b = machine(s, "bob", &[], Some(&b_tok));
    a.ok(&["new", "Huge sitrep"]);
    a.ok(&["sync", "attach", &room]);
    b.ok(&["sync", "join", &room]);
    // Four fields of 9,000 two-byte characters (quotes too: they double when escaped), and
    // the rendered text repeating them: far over one room event (~64 KB), yet within the
    // 40,000 characters a sitrep may have (what chat backends accept).
    let field = |c: &str| format!("{}\"end of {c}\"", "é".repeat(4_500) + &"\"".repeat(4_500));
    let toml = format!(
        "summary = '''{}'''\nimpact = '''{}'''\nactions = '''{}'''\nneeds = '''{}'''\n",
        field("summary"),
        field("impact"),
        field("actions"),
        field("needs")
    );
    let file = a.path().join("big.toml");
    std::fs::write(&file, toml).unwrap();
    let (_, err) = a.ok(&[
        "--wait",
        "30s",
        "sitrep",
        "send",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(!err.contains("queued"), "{err}");
    a.ok(&["note", "after the big one"]);

    // The room holds it in parts under 60 KB each, the last one a readable notice.
    let events = s.room_events(&a_tok, &room);
    let parts: Vec<&Value> = events
        .iter()
        .filter(|e| !e["content"]["org.commandpost"]["part"].is_null())
        .collect();
    assert!(parts.len() >= 4, "{} parts", parts.len());
    for p in &parts {
        assert!(p["content"].to_string().len() <= 60_000);
    }
    // The sitrep's last part is the readable notice (the outbox's copy of the message to
    // deliver is oversized too, and goes as hidden parts).
    let notices: Vec<&&Value> = parts
        .iter()
        .filter(|p| p["content"]["msgtype"] == "m.notice")
        .collect();
    assert_eq!(notices.len(), 1);
    let part = &notices[0]["content"]["org.commandpost"]["part"];
    assert_eq!(part["i"].as_u64().unwrap() + 1, part["n"].as_u64().unwrap());
    assert!(
        notices[0]["content"]["body"]
            .as_str()
            .unwrap()
            .starts_with("Sitrep v1"),
        "{}",
        notices[0]["content"]["body"]
    );
    // Each part once (no re-send under a new transaction id).
    let mut seen = std::collections::HashSet::new();
    for p in &parts {
        let part = &p["content"]["org.commandpost"]["part"];
        assert!(
            seen.insert((part["oseq"].as_u64(), part["i"].as_u64())),
            "{part}"
        );
    }

    // B puts it together: the same sitrep, and the note after it.
    let (shown, _) = b.ok(&["sitrep", "show"]);
    assert!(
        shown.contains("end of needs"),
        "{}",
        &shown[..shown.len().min(300)]
    );
    assert_eq!(state(&a.show()), state(&b.show()));
    assert!(note_texts(&b.show()).contains(&"after the big one".to_string()));
}

/// Room events carrying a replicated event whose line contains `needle`.
fn carrying(s: &Synapse, token: &str, room: &str, needle: &str) -> usize {
    s.room_events(token, room)
        .iter()
        .filter(|e| {
            e["content"]["org.commandpost"]["events"]
                .as_array()
                .is_some_and(|l| l.iter().any(|x| x.as_str().unwrap_or("").contains(needle)))
        })
        .count()
}

#[test]
fn kill_9_between_a_send_and_its_acknowledgement_leaves_one_room_event_and_one_line_each() {
    let Some(s) = shared("kill_9_between_a_send_and_its_acknowledgement") else {
        return;
    };
    let Pair {
        alice_tok: a_tok,
        bob_tok: b_tok,
        room,
        ..
    } = s.pair("kill");
    // A reaches the homeserver through a proxy that can hold the answers to its sends.
    let proxy = Proxy::start(s.port());
    let a = Machine::at(&proxy.base, "alice", &[], Some(&a_tok), "");
    let b = machine(s, "bob", &[], Some(&b_tok));
    a.ok(&["new", "Kill -9"]);
    a.ok(&["sync", "attach", &room]);
    b.ok(&["sync", "join", &room]);

    // 1. The homeserver stored the event and answered; the process dies before it hears.
    proxy.hold(true);
    let held = proxy.held();
    let mut child = a.spawn(&["note", "held then killed"]);
    assert!(
        proxy.wait_held(held + 1, std::time::Duration::from_secs(30)),
        "the note was never sent"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    proxy.hold(false);
    assert_eq!(
        carrying(s, &a_tok, &room, "held then killed"),
        1,
        "it is in the room"
    );

    // 2. Killed at random points around its send (before the PUT is answered, after, while
    //    the sidecar is written), several times.
    let mut rng = 0x9e3779b97f4a7c15_u64;
    for i in 0..8 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let puts = proxy.puts();
        let mut child = a.spawn(&["note", &format!("random kill {i}")]);
        if proxy.wait_puts(puts + 1, std::time::Duration::from_secs(30)) {
            std::thread::sleep(std::time::Duration::from_micros(rng % 60_000));
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }

    // Restarted: the next command sends what was in flight, under the same transaction id.
    a.ok(&["note", "after the restart"]);
    let a_notes = note_texts(&a.show());
    let b_notes = note_texts(&b.show());
    assert!(a_notes.contains(&"held then killed".to_string()));
    assert!(a_notes.contains(&"after the restart".to_string()));
    for text in &a_notes {
        assert_eq!(
            a_notes.iter().filter(|t| *t == text).count(),
            1,
            "{text} in A"
        );
        assert_eq!(
            b_notes.iter().filter(|t| *t == text).count(),
            1,
            "{text} in B"
        );
        assert_eq!(
            carrying(s, &a_tok, &room, text),
            1,
            "{text}: one room event"
        );
    }
    assert_eq!(state(&a.show()), state(&b.show()));
}

/// The hypothesis of `v` (`show --json`) with this text: its label (`3` or `3-kato`) and
/// the reason it was ruled out with, if it was.
fn hypothesis(v: &Value, text: &str) -> (String, Option<String>) {
    let h = v["hypotheses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["text"] == text)
        .unwrap_or_else(|| panic!("no hypothesis {text:?} in {}", v["hypotheses"]));
    let label = match h["mark"].as_str() {
        Some(m) => format!("{}-{m}", h["id"]),
        None => h["id"].to_string(),
    };
    let why = h["ruled_out"]
        .as_array()
        .and_then(|r| r.get(1))
        .and_then(Value::as_str)
        .map(str::to_string);
    (label, why)
}

/// Two cockpits add a hypothesis at the same time (Synapse down: neither has the other's),
/// both numbered #2, and each IC rules out "2", the only #2 they see, their own. Synapse
/// back, both machines show both #2 (marked with their cockpit's word), each ruled out by
/// its own IC. Then both add a #3 the same way; now that both see two #3, a bare `3` is
/// refused as ambiguous and each rules out its own by its marked label. Synapse's default
/// message rate limit is kept.
#[test]
fn concurrent_hypotheses_with_one_number_are_each_ruled_out_by_their_own_ic() {
    let Some(venv) = test_venv("concurrent_hypotheses_with_one_number") else {
        return;
    };
    let hs = tempfile::tempdir().unwrap();
    let mut s = Synapse::start_in(&venv, hs.path(), Limits::Default);
    let p = s.pair("num");
    let a = machine(&s, "alice", &p.people(), Some(&p.alice_tok));
    let b = machine(&s, "bob", &p.people(), Some(&p.bob_tok));
    a.ok(&["new", "Checkout errors"]);
    a.ok(&["hypothesis", "add", "bad deploy"]);
    a.ok(&["sync", "attach", &p.room]);
    b.ok(&["sync", "join", &p.room]);

    s.stop();
    let (_, err) = a.ok(&["hypothesis", "add", "db pool exhausted"]);
    assert!(err.contains("queued, offline"), "{err}");
    b.ok(&["hypothesis", "add", "cache stampede"]);
    assert_eq!(hypothesis(&a.show(), "db pool exhausted").0, "2");
    assert_eq!(hypothesis(&b.show(), "cache stampede").0, "2");
    a.ok(&[
        "hypothesis",
        "rule-out",
        "2",
        "--reason",
        "alice: pool at 40%",
    ]);
    b.ok(&[
        "hypothesis",
        "rule-out",
        "2",
        "--reason",
        "bob: hit ratio fine",
    ]);
    s.start();
    // Each machine's next command sends its events and receives the other's.
    a.ok(&["show"]);
    b.ok(&["show"]);
    let (va, vb) = (a.show(), b.show());
    assert_eq!(state(&va), state(&vb));
    let (la, why_a) = hypothesis(&va, "db pool exhausted");
    let (lb, why_b) = hypothesis(&va, "cache stampede");
    assert_eq!(why_a.as_deref(), Some("alice: pool at 40%"), "{va}");
    assert_eq!(why_b.as_deref(), Some("bob: hit ratio fine"), "{va}");
    assert!(
        la.starts_with("2-") && lb.starts_with("2-") && la != lb,
        "{la} {lb}"
    );
    assert_eq!(hypothesis(&va, "bad deploy"), ("1".to_string(), None));

    // Both know both #2: a second pair of #3, each ruled out by its marked label.
    s.stop();
    a.ok(&["hypothesis", "add", "dns resolver"]);
    b.ok(&["hypothesis", "add", "tls cert expired"]);
    s.start();
    a.ok(&["show"]);
    b.ok(&["show"]);
    let va = a.show();
    let err = a.fails(&["hypothesis", "rule-out", "3"]);
    assert!(err.contains("ambiguous"), "{err}");
    let (la, _) = hypothesis(&va, "dns resolver");
    let (lb, _) = hypothesis(&b.show(), "tls cert expired");
    let (out, _) = a.ok(&[
        "hypothesis",
        "rule-out",
        &la,
        "--reason",
        "alice: resolvers fine",
    ]);
    assert!(out.contains(&format!("ruled out #{la}: alice")), "{out}");
    b.ok(&["hypothesis", "rule-out", &lb, "--reason", "bob: cert valid"]);
    a.ok(&["show"]);
    let (va, vb) = (a.show(), b.show());
    assert_eq!(state(&va), state(&vb));
    for v in [&va, &vb] {
        assert_eq!(
            hypothesis(v, "dns resolver").1.as_deref(),
            Some("alice: resolvers fine")
        );
        assert_eq!(
            hypothesis(v, "tls cert expired").1.as_deref(),
            Some("bob: cert valid")
        );
        assert_eq!(
            hypothesis(v, "cache stampede").1.as_deref(),
            Some("bob: hit ratio fine")
        );
    }
    // The post-mortem and the brief name them by the same labels.
    let (pm, _) = a.ok(&["postmortem"]);
    assert!(pm.contains(&format!("#{la}")), "{pm}");
}
