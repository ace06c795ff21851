//! A real Matrix homeserver (matrix-synapse from the test venv, SQLite, 127.0.0.1 only) for
//! the sync tests: start, stop, restart; register users; create rooms; read a room back.
//! The venv is installed on first use (`tests/test_servers`); the tests skip loudly only when
//! the package registry cannot be reached (and fail in CI, where
//! COMMANDPOST_REQUIRE_TEST_SERVERS is set).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The venv with synapse, installed on first use (see `tests/test_servers`).
#[path = "../test_servers/mod.rs"]
pub mod test_servers;
pub use test_servers::test_venv;

mod machine;
#[allow(unused_imports)] // each test binary uses a subset
pub use machine::{BIN, Machine, ic};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Synapse's rate limits for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limits {
    /// Everything raised: tests not about limits stay fast.
    Raised,
    /// `rc_message` at Synapse's default (0.2/s, burst 10 per user): what users meet.
    Default,
}

/// Two registered users in one room (`Synapse::pair`).
pub struct Pair {
    pub alice_id: String,
    pub alice_tok: String,
    pub bob_id: String,
    pub bob_tok: String,
    pub room: String,
}

impl Pair {
    /// The people table naming both: alice and bob with their Matrix ids.
    pub fn people(&self) -> [(&str, &str); 2] {
        [("alice", &self.alice_id), ("bob", &self.bob_id)]
    }
}

pub struct Synapse {
    venv: PathBuf,
    dir: PathBuf,
    port: u16,
    limits: Limits,
    watch_parent: bool,
    child: Option<Child>,
    _tmp: Option<tempfile::TempDir>,
    pub base: String,
}

impl Drop for Synapse {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One homeserver shared by every test of a test binary (raised limits). It exits with the
/// test process (`--watch-parent`).
pub fn shared(test: &str) -> Option<&'static Synapse> {
    static S: OnceLock<Option<Synapse>> = OnceLock::new();
    let venv = test_venv(test)?;
    S.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = Synapse::new(&venv, tmp.path(), Limits::Raised);
        s.watch_parent = true;
        s._tmp = Some(tmp);
        s.start();
        Some(s)
    })
    .as_ref()
}

impl Synapse {
    fn new(venv: &Path, dir: &Path, limits: Limits) -> Synapse {
        let port = free_port();
        let hs = dir.join("hs");
        std::fs::create_dir_all(&hs).unwrap();
        Synapse {
            venv: venv.to_path_buf(),
            dir: hs,
            port,
            limits,
            watch_parent: false,
            child: None,
            _tmp: None,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A homeserver of its own in `dir` (stopped when dropped).
    pub fn start_in(venv: &Path, dir: &Path, limits: Limits) -> Synapse {
        let mut s = Synapse::new(venv, dir, limits);
        s.start();
        s
    }

    pub fn log_tail(&self) -> String {
        let s = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    pub fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/synapse_server.py");
        let mut cmd = Command::new(self.venv.join("bin/python"));
        cmd.arg(script)
            .arg(&self.dir)
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        if self.limits == Limits::Default {
            cmd.arg("--default-rate-limits");
        }
        if self.watch_parent {
            cmd.arg("--watch-parent");
        }
        self.child = Some(cmd.spawn().unwrap());
        let t = Instant::now();
        loop {
            if let Ok((200, body)) = http_raw(self.port, "GET", "/health", None, None)
                && body == "OK"
            {
                break;
            }
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(st)) = c.try_wait()
            {
                panic!("synapse exited ({st}):\n{}", self.log_tail());
            }
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "synapse did not start:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stops the homeserver (SIGTERM, then SIGKILL after 10 s) and waits until the port is
    /// closed.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe {
                libc::kill(c.id() as i32, libc::SIGTERM);
            }
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = c.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.start();
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Value {
        let (status, text) = http_raw(self.port, method, path, token, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status}: {text}"
        );
        v
    }

    pub fn try_call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let (status, text) = http_raw(self.port, method, path, token, body).unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Registers `user` (password `pw-<user>-secret`) and returns (mxid, access token).
    pub fn register(&self, user: &str) -> (String, String) {
        let v = self.call(
            "POST",
            "/_matrix/client/v3/register",
            None,
            Some(&json!({"username": user, "password": password(user),
                         "auth": {"type": "m.login.dummy"}})),
        );
        (
            v["user_id"].as_str().unwrap().to_string(),
            v["access_token"].as_str().unwrap().to_string(),
        )
    }

    /// Two users, `alice-{tag}` and `bob-{tag}`, in a new room `#inc-{tag}` alice created.
    pub fn pair(&self, tag: &str) -> Pair {
        let (alice_id, alice_tok) = self.register(&format!("alice-{tag}"));
        let (bob_id, bob_tok) = self.register(&format!("bob-{tag}"));
        let room = self.create_room(&alice_tok, &format!("inc-{tag}"), vec![]);
        self.join(&bob_tok, &room);
        Pair {
            alice_id,
            alice_tok,
            bob_id,
            bob_tok,
            room,
        }
    }

    /// Creates a public room (history visibility `shared`) with `alias` (local part) and
    /// optional extra initial state; returns the room id.
    pub fn create_room(&self, token: &str, alias: &str, initial_state: Vec<Value>) -> String {
        let v = self.call(
            "POST",
            "/_matrix/client/v3/createRoom",
            Some(token),
            Some(&json!({"room_alias_name": alias, "preset": "public_chat",
                         "initial_state": initial_state})),
        );
        v["room_id"].as_str().unwrap().to_string()
    }

    pub fn join(&self, token: &str, room: &str) -> String {
        let v = self.call(
            "POST",
            &format!("/_matrix/client/v3/join/{}", enc(room)),
            Some(token),
            Some(&json!({})),
        );
        v["room_id"].as_str().unwrap().to_string()
    }

    /// Sends an `m.text` as a person typing in a chat client.
    pub fn say(&self, token: &str, room_id: &str, body: &str) -> String {
        let txn = format!(
            "t{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let v = self.call(
            "PUT",
            &format!(
                "/_matrix/client/v3/rooms/{}/send/m.room.message/{txn}",
                enc(room_id)
            ),
            Some(token),
            Some(&json!({"msgtype": "m.text", "body": body})),
        );
        v["event_id"].as_str().unwrap().to_string()
    }

    pub fn redact(&self, token: &str, room_id: &str, event_id: &str) {
        self.call(
            "PUT",
            &format!(
                "/_matrix/client/v3/rooms/{}/redact/{}/r{}",
                enc(room_id),
                enc(event_id),
                std::process::id()
            ),
            Some(token),
            Some(&json!({"reason": "test"})),
        );
    }

    /// Every timeline event of the room, oldest first (paged forward from the start).
    pub fn room_events(&self, token: &str, room_id: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut from: Option<String> = None;
        loop {
            let mut path = format!(
                "/_matrix/client/v3/rooms/{}/messages?dir=f&limit=1000",
                enc(room_id)
            );
            if let Some(f) = &from {
                path.push_str(&format!("&from={}", enc(f)));
            }
            let v = self.call("GET", &path, Some(token), None);
            let chunk = v["chunk"].as_array().cloned().unwrap_or_default();
            let end = v["end"].as_str().map(str::to_string);
            if chunk.is_empty() || end.is_none() {
                out.extend(chunk);
                return out;
            }
            out.extend(chunk);
            from = end;
        }
    }

    /// Registers `user` as a server admin through the shared-secret admin API (the secret
    /// the generated config holds) and returns (mxid, access token).
    pub fn register_admin(&self, user: &str) -> (String, String) {
        let nonce = self.call("GET", "/_synapse/admin/v1/register", None, None)["nonce"]
            .as_str()
            .unwrap()
            .to_string();
        let pw = password(user);
        let mac = Command::new(self.venv.join("bin/python"))
            .arg("-c")
            .arg(
                "import hmac, hashlib, sys, yaml\n\
                 secret = yaml.safe_load(open(sys.argv[1]))['registration_shared_secret']\n\
                 msg = '\\0'.join([sys.argv[2], sys.argv[3], sys.argv[4], 'admin'])\n\
                 print(hmac.new(secret.encode(), msg.encode(), hashlib.sha1).hexdigest())",
            )
            .arg(self.dir.join("homeserver.yaml"))
            .args([&nonce, user, &pw])
            .output()
            .unwrap();
        assert!(
            mac.status.success(),
            "{}",
            String::from_utf8_lossy(&mac.stderr)
        );
        let mac = String::from_utf8(mac.stdout).unwrap().trim().to_string();
        let v = self.call(
            "POST",
            "/_synapse/admin/v1/register",
            None,
            Some(&json!({"nonce": nonce, "username": user, "password": pw,
                         "admin": true, "mac": mac})),
        );
        (
            v["user_id"].as_str().unwrap().to_string(),
            v["access_token"].as_str().unwrap().to_string(),
        )
    }

    /// Lifts the message rate limit of `user_id` (needs an admin token).
    pub fn override_ratelimit(&self, admin_token: &str, user_id: &str) {
        self.call(
            "POST",
            &format!(
                "/_synapse/admin/v1/users/{}/override_ratelimit",
                enc(user_id)
            ),
            Some(admin_token),
            Some(&json!({"messages_per_second": 0, "burst_count": 0})),
        );
    }
}

pub fn password(user: &str) -> String {
    format!("pw-{user}-secret")
}

/// Percent-encodes a path segment or query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A minimal blocking HTTP/1.1 client for 127.0.0.1 (the tests' own set-up calls).
pub fn http_raw(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no HTTP header"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let rest = &raw[split + 4..];
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = s.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&s[..i]).trim(), 16).unwrap_or(0);
        let rest = &s[i + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        s = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}

/// A TCP proxy on 127.0.0.1 in front of a homeserver that can hold the answers to sends
/// (`PUT .../send/...`): the homeserver has stored the event, the client never hears so.
/// Lets a test kill a process between a send and its acknowledgement, for real.
pub struct Proxy {
    pub base: String,
    state: std::sync::Arc<ProxyState>,
}

#[derive(Default)]
struct ProxyState {
    hold: std::sync::atomic::AtomicBool,
    /// Sends forwarded to the homeserver.
    puts: std::sync::atomic::AtomicUsize,
    /// Answers to sends held back.
    held: std::sync::atomic::AtomicUsize,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(ProxyState::default());
        let st = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                let st = st.clone();
                std::thread::spawn(move || relay(client, server, st));
            }
        });
        Proxy {
            base: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    /// From now on, answers to sends are held (`true`) or passed on (`false`).
    pub fn hold(&self, on: bool) {
        self.state
            .hold
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn puts(&self) -> usize {
        self.state.puts.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn held(&self) -> usize {
        self.state.held.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits until `n` sends were forwarded (or `limit` passes); whether they were.
    pub fn wait_puts(&self, n: usize, limit: Duration) -> bool {
        let t = Instant::now();
        while self.puts() < n {
            if t.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }

    /// Waits until `n` answers are held (or `limit` passes); whether they are.
    pub fn wait_held(&self, n: usize, limit: Duration) -> bool {
        let t = Instant::now();
        while self.held() < n {
            if t.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

fn relay(client: TcpStream, server: TcpStream, st: std::sync::Arc<ProxyState>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    let put_pending = Arc::new(AtomicBool::new(false));
    let closed = Arc::new(AtomicBool::new(false));
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (pp, cl, st2) = (put_pending.clone(), closed.clone(), st.clone());
    // Client to homeserver: note when a send goes up.
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        let mut window = String::new();
        loop {
            match c_read.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    window.push_str(&String::from_utf8_lossy(&buf[..n]));
                    if window.contains("PUT /_matrix/client/v3/rooms/") && window.contains("/send/")
                    {
                        window.clear();
                        pp.store(true, SeqCst);
                        st2.puts.fetch_add(1, SeqCst);
                    } else if window.len() > 8192 {
                        let cut = window.len() - 4096;
                        let cut = (cut..window.len())
                            .find(|i| window.is_char_boundary(*i))
                            .unwrap_or(window.len());
                        window.drain(..cut);
                    }
                    if s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        cl.store(true, SeqCst);
        let _ = s_write.shutdown(std::net::Shutdown::Write);
    });
    // Homeserver to client: hold the answer to a send while asked to.
    let (mut s_read, mut c_write) = (server, client);
    let mut buf = [0u8; 65536];
    loop {
        let n = match s_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if put_pending.swap(false, SeqCst) && st.hold.load(SeqCst) {
            st.held.fetch_add(1, SeqCst);
            // Until the client is gone (killed) or holding stops.
            while !closed.load(SeqCst) && st.hold.load(SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
            if closed.load(SeqCst) {
                break;
            }
        }
        if c_write.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = c_write.shutdown(std::net::Shutdown::Both);
}
