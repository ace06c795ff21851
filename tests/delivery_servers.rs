//! Against real servers on 127.0.0.1: a Matrix homeserver (matrix-synapse) and an SMTP server
//! (aiosmtpd), from a venv the test support installs on first use (`target/test-servers/venv`,
//! or COMMANDPOST_TEST_VENV). They skip loudly only when the package registry cannot be reached
//! (or there is no python3 with venv), and fail instead when COMMANDPOST_REQUIRE_TEST_SERVERS
//! is set (CI).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod delivery_common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use commandpost::delivery::backends::email::{Email, message_id, thread_root};
use commandpost::delivery::backends::{Common, build_backend};
use commandpost::delivery::retry::{RetryOutcome, deliver_with_retry};
use commandpost::delivery::{Backend, BackendConfig, BackendKind, DeliveryContext, EmailTls};
use delivery_common::*;
use serde_json::{Value, json};

/// Kills the server when the test ends, however it ends.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log_tail(&self) -> String {
        let s = std::fs::read_to_string(&self.log).unwrap_or_default();
        s.lines()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn support(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(file)
}

fn spawn(venv: &Path, args: &[&str], dir: &Path) -> Server {
    let log = dir.join("server.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new(venv.join("bin/python"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap();
    Server { child, log }
}

// ---------------------------------------------------------------- Matrix (synapse)

async fn start_synapse(venv: &Path, dir: &Path) -> (Server, String) {
    let port = free_port();
    let hs = dir.join("hs");
    std::fs::create_dir_all(&hs).unwrap();
    let server = spawn(
        venv,
        &[
            support("synapse_server.py").to_str().unwrap(),
            hs.to_str().unwrap(),
            &port.to_string(),
        ],
        dir,
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = client();
    let t = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/health")).send().await
            && r.status().is_success()
        {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "synapse did not start:\n{}",
            server.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    (server, base)
}

async fn post(http: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{status}: {v}");
    v
}

#[tokio::test]
async fn synapse_room_gets_the_sitrep_once_even_when_the_txn_is_retried() {
    let Some(venv) = test_venv("synapse_room_gets_the_sitrep_once_even_when_the_txn_is_retried")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_server, base) = start_synapse(&venv, dir.path()).await;
    let http = client();
    let reg = post(
        &http,
        format!("{base}/_matrix/client/v3/register"),
        None,
        json!({"username": "ic", "password": "correct-horse-battery", "auth": {"type": "m.login.dummy"}}),
    )
    .await;
    let token = reg["access_token"].as_str().unwrap().to_string();
    let room = post(
        &http,
        format!("{base}/_matrix/client/v3/createRoom"),
        Some(&token),
        json!({"room_alias_name": "inc42", "preset": "public_chat"}),
    )
    .await;
    let room_id = room["room_id"].as_str().unwrap().to_string();

    let mut cfg = BackendConfig::new("matrix", BackendKind::Matrix);
    cfg.homeserver = Some(base.clone());
    cfg.room = Some("#inc42:localhost".into()); // joined (idempotently) to learn the id
    cfg.access_token = Some(token.clone());
    let b = build_backend(&cfg, &http).unwrap();

    // Delivered through the retry loop, then the same message again, as a retry after an
    // unknown outcome would: same txnId, so the homeserver returns the same event.
    let out = deliver_with_retry(
        b.as_ref(),
        &sitrep(),
        &fast_policy(),
        tokio::time::Instant::now() + Duration::from_secs(30),
    )
    .await;
    let RetryOutcome::Delivered {
        delivered: first, ..
    } = out
    else {
        panic!("{out:?}")
    };
    let again = b
        .deliver(
            &sitrep(),
            &DeliveryContext {
                attempt: 2,
                ..DeliveryContext::first()
            },
        )
        .await
        .unwrap();
    assert!(first.detail.starts_with("event $"), "{}", first.detail);
    assert_eq!(
        again.detail, first.detail,
        "a retried txnId yields the same event"
    );
    b.deliver(&announcement(), &DeliveryContext::first())
        .await
        .unwrap();

    // Read the room back.
    let r: Value = http
        .get(format!(
            "{base}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=100",
            room_id.replace('!', "%21").replace(':', "%3A")
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages: Vec<&Value> = r["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "m.room.message")
        .collect();
    let expected = Value::from(commandpost::delivery::render::full_plain(
        &sitrep(),
        "@room",
    ));
    let sitreps: Vec<&&Value> = messages
        .iter()
        .filter(|e| e["content"]["body"] == expected)
        .collect();
    assert_eq!(
        sitreps.len(),
        1,
        "the sitrep is in the room exactly once: {messages:#?}"
    );
    assert_eq!(sitreps[0]["content"]["msgtype"], "m.notice");
    assert_eq!(sitreps[0]["content"]["m.mentions"], json!({}));
    let ann: Vec<&&Value> = messages
        .iter()
        .filter(|e| {
            e["content"]["body"]
                .as_str()
                .unwrap_or("")
                .contains("@room: IC -> Ricardo")
        })
        .collect();
    assert_eq!(ann.len(), 1);
    assert_eq!(ann[0]["content"]["m.mentions"], json!({"room": true}));

    // A wrong token is a permanent error that names the host, never the token.
    cfg.access_token = Some("syt_wrong_token_0000".into());
    let bad = build_backend(&cfg, &http).unwrap();
    let e = bad
        .deliver(&sitrep(), &DeliveryContext::first())
        .await
        .unwrap_err();
    assert!(!e.is_retryable());
    assert!(e.reason().contains("M_UNKNOWN_TOKEN"), "{e}");
    assert!(!e.reason().contains("syt_wrong_token_0000") && !e.reason().contains(&token));
}

// ---------------------------------------------------------------- SMTP (aiosmtpd)

async fn start_smtp(venv: &Path, dir: &Path, mode: Option<&str>) -> (Server, u16, PathBuf) {
    let port = free_port();
    let out = dir.join("mail");
    std::fs::create_dir_all(&out).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let mut args: Vec<String> = vec![
        support("smtp_sink.py").display().to_string(),
        "serve".into(),
        port.to_string(),
        out.display().to_string(),
    ];
    if let Some(m) = mode {
        let st = Command::new(venv.join("bin/python"))
            .args([
                support("smtp_sink.py").to_str().unwrap(),
                "gen-cert",
                dir.to_str().unwrap(),
            ])
            .status()
            .unwrap();
        assert!(st.success());
        args.extend([
            m.to_string(),
            cert.display().to_string(),
            key.display().to_string(),
        ]);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = spawn(venv, &argv, dir);
    let t = Instant::now();
    while !std::fs::read_to_string(&server.log)
        .unwrap_or_default()
        .contains("READY")
    {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "aiosmtpd did not start:\n{}",
            server.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (server, port, out)
}

fn email_config(port: u16, tls: EmailTls, host: &str) -> BackendConfig {
    let mut cfg = BackendConfig::new("mail", BackendKind::Email);
    cfg.host = Some(host.into());
    cfg.port = Some(port);
    cfg.tls = Some(tls);
    cfg.from = Some("commandpost <ic@example.com>".into());
    cfg.to = Some(vec![
        "oncall@example.com".into(),
        "Exec Team <execs@example.com>".into(),
    ]);
    cfg
}

fn received(out: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

async fn wait_for_mail(out: &Path, n: usize) -> Vec<Value> {
    let t = Instant::now();
    loop {
        let r = received(out);
        if r.len() >= n || t.elapsed() > Duration::from_secs(10) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn smtp_plaintext_mail_is_threaded_by_incident() {
    let Some(venv) = test_venv("smtp_plaintext_mail_is_threaded_by_incident") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_server, port, out) = start_smtp(&venv, dir.path(), None).await;
    let b = build_backend(&email_config(port, EmailTls::None, "127.0.0.1"), &client()).unwrap();
    let d = b
        .deliver(&sitrep(), &DeliveryContext::first())
        .await
        .unwrap();
    assert!(d.detail.starts_with("SMTP 250"), "{}", d.detail);
    b.deliver(&announcement(), &DeliveryContext::first())
        .await
        .unwrap();
    let mails = wait_for_mail(&out, 2).await;
    assert_eq!(mails.len(), 2);
    let m = &mails[0];
    assert_eq!(m["mail_from"], "ic@example.com");
    assert_eq!(
        m["rcpt_tos"],
        json!(["oncall@example.com", "execs@example.com"])
    );
    assert_eq!(
        m["subject"],
        "[MAJOR] INC-20261121-1527 · Elevated API errors: Sitrep v3"
    );
    assert_eq!(m["message_id"], message_id(&sitrep()));
    assert_eq!(
        m["message_id"].as_str().unwrap(),
        "<INC-20261121-1527_m17_e3d4f703@commandpost>"
    );
    assert_eq!(m["in_reply_to"], "<INC-20261121-1527@commandpost>");
    assert_eq!(m["references"], thread_root("INC-20261121-1527"));
    assert_eq!(m["content_type"], "text/plain");
    assert_eq!(
        m["body"].as_str().unwrap().replace("\r\n", "\n").trim_end(),
        "[MAJOR] INC-20261121-1527 · Elevated API errors\nSitrep v3\n\nImpact\nEU customers see 5xx on checkout & login\n- since 15:12 UTC\n- rollback in progress"
    );
    // The announcement is in the same thread, with its own id.
    assert_eq!(mails[1]["in_reply_to"], m["in_reply_to"]);
    assert_ne!(mails[1]["message_id"], m["message_id"]);
    assert_eq!(
        mails[1]["subject"],
        "[MAJOR] INC-20261121-1527 · Elevated API errors: @all: IC -> Ricardo"
    );
}

#[tokio::test]
async fn smtp_starttls_and_implicit_tls() {
    let Some(venv) = test_venv("smtp_starttls_and_implicit_tls") else {
        return;
    };
    for (mode, tls) in [
        ("--starttls", EmailTls::Starttls),
        ("--implicit", EmailTls::Implicit),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (_server, port, out) = start_smtp(&venv, dir.path(), Some(mode)).await;
        let pem = std::fs::read(dir.path().join("ca.pem")).unwrap();
        let cfg = email_config(port, tls, "localhost");
        let common = Common::from_config(&cfg).unwrap();
        let b = Email::with_root_certificate(&cfg, common, Some(&pem)).unwrap();
        b.deliver(&sitrep(), &DeliveryContext::first())
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        let mails = wait_for_mail(&out, 1).await;
        assert_eq!(mails.len(), 1, "{mode}");
        assert_eq!(mails[0]["tls"], true, "{mode}");
        assert_eq!(mails[0]["message_id"], message_id(&sitrep()));

        // Without trusting the server's certificate nothing is sent (and it is retried later).
        let untrusted = build_backend(&cfg, &client()).unwrap();
        let e = untrusted
            .deliver(&sitrep(), &DeliveryContext::first())
            .await
            .unwrap_err();
        assert!(
            e.reason().starts_with(&format!("mail (localhost:{port})")),
            "{e}"
        );
        assert_eq!(received(&out).len(), 1, "{mode}");
    }
}

#[tokio::test]
async fn smtp_server_down_then_up_delivers_once() {
    let Some(venv) = test_venv("smtp_server_down_then_up_delivers_once") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Learn a port, then start the server on it only after the first attempts failed.
    let port = free_port();
    let b = build_backend(&email_config(port, EmailTls::None, "127.0.0.1"), &client()).unwrap();
    let task = tokio::spawn(async move {
        deliver_with_retry(
            b.as_ref(),
            &sitrep(),
            &fast_policy(),
            tokio::time::Instant::now() + Duration::from_secs(30),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = dir.path().join("mail");
    std::fs::create_dir_all(&out).unwrap();
    let _server = spawn(
        &venv,
        &[
            support("smtp_sink.py").to_str().unwrap(),
            "serve",
            &port.to_string(),
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    let outcome = task.await.unwrap();
    assert!(
        matches!(outcome, RetryOutcome::Delivered { attempts, .. } if attempts >= 2),
        "{outcome:?}"
    );
    assert_eq!(wait_for_mail(&out, 1).await.len(), 1);
}
