//! The Matrix client against a real Synapse on 127.0.0.1 (tests/support/synapse_server.py):
//! login with a device of its own, join by alias, refusals of encrypted and history-hidden
//! rooms, idempotent sends, parked /sync, 429 with Synapse's default rate limits, /messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod synapse_common;

use commandpost::sync::matrix::{self, Client, Dir, MatrixError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::time::{Duration, Instant};
use synapse_common::*;

fn http() -> reqwest::Client {
    commandpost::delivery::http::build_client().unwrap()
}

fn client(s: &Synapse, token: &str) -> Client {
    Client::new(
        http(),
        matrix::parse_homeserver(&s.base).unwrap(),
        SecretString::from(token),
    )
}

#[tokio::test]
async fn login_keeps_one_device_and_never_echoes_the_password() {
    let Some(s) = shared("login_keeps_one_device_and_never_echoes_the_password") else {
        return;
    };
    s.register("lena");
    let hs = matrix::parse_homeserver(&s.base).unwrap();
    let pw = SecretString::from(password("lena"));
    let first = matrix::login(&http(), &hs, "lena", &pw, None)
        .await
        .unwrap();
    assert_eq!(first.user_id, "@lena:localhost");
    assert!(!first.device_id.is_empty());
    // Logging in again with the same device keeps the device (its txnIds stay valid).
    let again = matrix::login(&http(), &hs, "lena", &pw, Some(&first.device_id))
        .await
        .unwrap();
    assert_eq!(again.device_id, first.device_id);
    let who = client(s, again.access_token.expose_secret())
        .whoami()
        .await
        .unwrap();
    assert_eq!(who.user_id, "@lena:localhost");
    assert_eq!(who.device_id.as_deref(), Some(first.device_id.as_str()));

    let bad = SecretString::from("wrong-password-123456");
    let err = matrix::login(&http(), &hs, "lena", &bad, None)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Some(403), "{text}");
    assert!(text.contains("M_FORBIDDEN"), "{text}");
    assert!(!text.contains("wrong-password-123456"), "{text}");

    let err = client(s, "syt_not_a_token").whoami().await.unwrap_err();
    assert_eq!(err.errcode(), Some("M_UNKNOWN_TOKEN"));
    assert!(!err.to_string().contains("syt_not_a_token"), "{err}");
}

#[tokio::test]
async fn encrypted_and_history_hidden_rooms_are_refused_with_the_setting_to_change() {
    let Some(s) = shared("encrypted_and_history_hidden_rooms_are_refused") else {
        return;
    };
    let (_, owner) = s.register("owner1");
    let (_, other) = s.register("other1");
    let plain = s.create_room(&owner, "plain1", vec![]);
    let enc = s.create_room(
        &owner,
        "secret1",
        vec![json!({"type": "m.room.encryption", "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"}})],
    );
    let hidden = s.create_room(
        &owner,
        "hidden1",
        vec![json!({"type": "m.room.history_visibility", "state_key": "",
                    "content": {"history_visibility": "joined"}})],
    );
    let c = client(s, &other);
    assert_eq!(c.join("#plain1:localhost").await.unwrap(), plain);
    assert_eq!(c.check_room(&plain).await.unwrap(), None);
    assert_eq!(c.join("#secret1:localhost").await.unwrap(), enc);
    let why = c.check_room(&enc).await.unwrap().unwrap();
    assert!(why.contains("end-to-end encrypted"), "{why}");
    assert_eq!(c.join(&hidden).await.unwrap(), hidden);
    let why = c.check_room(&hidden).await.unwrap().unwrap();
    assert!(why.contains("\"joined\""), "{why}");
    assert!(why.contains("\"shared\""), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_txn_id_is_one_event_and_a_parked_sync_wakes_at_once() {
    let Some(s) = shared("same_txn_id_is_one_event_and_a_parked_sync_wakes_at_once") else {
        return;
    };
    let (alice_id, alice) = s.register("alice2");
    let (_, bob) = s.register("bob2");
    let room = s.create_room(&alice, "txn2", vec![]);
    let a = client(s, &alice);
    let b = client(s, &bob);
    b.join(&room).await.unwrap();
    let content = json!({"org.commandpost": {"v": 1, "events": ["x"]}});
    let e1 = a
        .send(&room, matrix::EVENT_TYPE, "cp1-t-1", &content)
        .await
        .unwrap();
    let e2 = a
        .send(&room, matrix::EVENT_TYPE, "cp1-t-1", &content)
        .await
        .unwrap();
    assert_eq!(e1, e2, "a retried txnId is the same event");

    // Bob's /sync: the initial one gives a token; the next parks until Alice sends.
    let bob_id = b.whoami().await.unwrap().user_id;
    let filter = b
        .create_filter(&bob_id, &matrix::sync_filter(&room, 100))
        .await
        .unwrap();
    let first = b.sync(None, &filter, Duration::ZERO).await.unwrap();
    let tl = &first.rooms.join[&room].timeline;
    assert!(tl.events.iter().any(|e| e.event_id == e1));
    let since = first.next_batch.clone();
    let b2 = b.clone();
    let f2 = filter.clone();
    let parked = tokio::spawn(async move {
        let r = b2.sync(Some(&since), &f2, matrix::SYNC_TIMEOUT).await;
        (r, Instant::now())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent_at = Instant::now();
    let e3 = a
        .send(&room, matrix::EVENT_TYPE, "cp1-t-2", &content)
        .await
        .unwrap();
    let (r, woke) = parked.await.unwrap();
    let r = r.unwrap();
    let evs: Vec<&str> = r.rooms.join[&room]
        .timeline
        .events
        .iter()
        .map(|e| e.event_id.as_str())
        .collect();
    assert_eq!(evs, vec![e3.as_str()]);
    assert_eq!(r.rooms.join[&room].timeline.events[0].sender, alice_id);
    let latency = woke.duration_since(sent_at);
    assert!(latency < Duration::from_secs(2), "{latency:?}");

    // /messages from the room's start lists both events once, oldest first.
    let page = b
        .messages(
            &room,
            None,
            Dir::Forward,
            1000,
            Some(&matrix::messages_filter()),
        )
        .await
        .unwrap();
    let ours: Vec<&str> = page
        .chunk
        .iter()
        .filter(|e| e.kind == matrix::EVENT_TYPE)
        .map(|e| e.event_id.as_str())
        .collect();
    assert_eq!(ours, vec![e1.as_str(), e3.as_str()]);
}

#[tokio::test]
async fn an_unreachable_homeserver_is_offline() {
    let port = free_port();
    let c = Client::new(
        http(),
        matrix::parse_homeserver(&format!("http://127.0.0.1:{port}")).unwrap(),
        SecretString::from("tok-123456"),
    );
    let err = c.whoami().await.unwrap_err();
    assert!(err.is_offline(), "{err:?}");
    assert!(err.is_transient());
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
}

#[tokio::test]
async fn default_rate_limits_answer_429_with_a_retry_time() {
    let Some(venv) = test_venv("default_rate_limits_answer_429_with_a_retry_time") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Synapse::start_in(&venv, dir.path(), Limits::Default);
    let (_, tok) = s.register("burst");
    let room = s.create_room(&tok, "burst", vec![]);
    let c = client(&s, &tok);
    let mut limited = None;
    for i in 0..30 {
        match c
            .send(
                &room,
                matrix::EVENT_TYPE,
                &format!("b{i}"),
                &json!({"n": i}),
            )
            .await
        {
            Ok(_) => {}
            Err(e @ MatrixError::RateLimited { .. }) => {
                limited = Some((i, e));
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let (i, e) = limited.expect("Synapse's default limit (burst 10) throttles 30 sends");
    assert!((5..=12).contains(&i), "throttled after {i} sends");
    let after = e.retry_after().unwrap();
    assert!(
        after > Duration::ZERO && after <= Duration::from_secs(10),
        "{after:?}"
    );
}

#[path = "cli_common/mod.rs"]
mod cli_common;

#[test]
fn sync_login_keeps_a_private_token_and_one_device_and_prints_no_secret() {
    let Some(s) = shared("sync_login_keeps_a_private_token_and_one_device") else {
        return;
    };
    s.register("nina");
    let dir = tempfile::tempdir().unwrap();
    let pwf = dir.path().join("pw");
    std::fs::write(&pwf, format!("{}\n", password("nina"))).unwrap();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut c = cli_common::cp(dir.path());
        c.args(["sync", "login", "--homeserver", &s.base, "--user", "nina"])
            .args(args);
        if let Some(i) = stdin {
            c.write_stdin(i);
        }
        c.output().unwrap()
    };
    let out = run(&["--password-file", pwf.to_str().unwrap()], None);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("logged in as @nina:localhost"), "{stdout}");
    let path = dir.path().join("sync/credentials.json");
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let token = kept["access_token"].as_str().unwrap().to_string();
    let device = kept["device_id"].as_str().unwrap().to_string();
    assert!(stdout.contains(&device));
    assert!(!stdout.contains(&token) && !stdout.contains(&password("nina")));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Again, the password on stdin: the same device (its txnIds stay valid).
    let out = run(&[], Some(&format!("{}\n", password("nina"))));
    assert!(out.status.success());
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(again["device_id"], device.as_str());
    // A wrong password fails with the server's reason and echoes nothing.
    let out = run(&[], Some("not-the-password-42\n"));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success());
    assert!(err.contains("M_FORBIDDEN"), "{err}");
    assert!(!err.contains("not-the-password-42"), "{err}");
    let log = std::fs::read_to_string(dir.path().join("logs/commandpost.log")).unwrap_or_default();
    assert!(!log.contains(&token) && !log.contains(&password("nina")));
}
