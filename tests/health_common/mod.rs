//! Real Prometheus and Alertmanager (the Debian packages `prometheus` and
//! `prometheus-alertmanager`), started per test on 127.0.0.1 free ports with temp storage, and
//! a tiny exporter whose values the test controls (Prometheus scrapes it every second).
//!
//! Without the binaries a test skips loudly; with `COMMANDPOST_REQUIRE_TEST_SERVERS` set (CI,
//! whose `.ci/run` installs them) it fails instead. Everything listens on 127.0.0.1 only
//! (Alertmanager's cluster port is switched off).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Says something on the test's stderr handle (the harness swallows eprintln! of a pass).
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// The first of `names` on PATH; `None` after a loud SKIPPED, or a panic in CI.
pub fn binary(test: &str, names: &[&str], package: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if std::env::var_os("COMMANDPOST_REQUIRE_TEST_SERVERS").is_some() {
        panic!(
            "{test}: {} not found and the test servers are required \
             (COMMANDPOST_REQUIRE_TEST_SERVERS): apt-get install {package}",
            names.join(" or ")
        );
    }
    say(&format!(
        "\n*** SKIPPED {test}: {} not found (apt-get install {package}) ***\n",
        names.join(" or ")
    ));
    None
}

/// A port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process, killed (and its temp dir removed) on drop.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    name: &'static str,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops it now (the test's "goes down mid-incident").
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn start(
    name: &'static str,
    bin: &Path,
    dir: tempfile::TempDir,
    port: u16,
    args: &[String],
) -> Server {
    let log = std::fs::File::create(dir.path().join("log")).unwrap();
    let child = Command::new(bin)
        .args(args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let server = Server {
        child: Some(child),
        port,
        dir,
        name,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if get(port, "/-/ready").is_some_and(|(s, _)| s == 200) {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{name} did not become ready:\n{}", server.log());
}

/// Prometheus scraping the exporter on `target_port` every second.
pub fn prometheus(test: &str, target_port: u16) -> Option<Server> {
    let bin = binary(test, &["prometheus"], "prometheus")?;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n"
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let args = vec![
        "--config.file=prometheus.yml".to_string(),
        "--storage.tsdb.path=data".into(),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--log.level=warn".into(),
    ];
    Some(start("prometheus", &bin, dir, port, &args))
}

/// Alertmanager with one receiver that sends nowhere; alerts are POSTed by the test.
pub fn alertmanager(test: &str) -> Option<Server> {
    let bin = binary(
        test,
        &["prometheus-alertmanager", "alertmanager"],
        "prometheus-alertmanager",
    )?;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    std::fs::write(
        dir.path().join("alertmanager.yml"),
        "route:\n  receiver: none\nreceivers:\n  - name: none\n",
    )
    .unwrap();
    let args = vec![
        "--config.file=alertmanager.yml".to_string(),
        "--storage.path=data".into(),
        format!("--web.listen-address=127.0.0.1:{port}"),
        // No gossip port (it would listen on every interface).
        "--cluster.listen-address=".into(),
        "--log.level=warn".into(),
    ];
    Some(start("alertmanager", &bin, dir, port, &args))
}

/// POSTs alerts (a JSON array, Alertmanager's v2 PostableAlerts) and checks it took them.
pub fn push_alerts(am: &Server, json: &str) {
    let (status, body) = request(am.port, "POST", "/api/v2/alerts", json).unwrap();
    assert_eq!(status, 200, "Alertmanager refused the alerts: {body}");
}

/// A minimal HTTP/1.1 request on 127.0.0.1 (no client crate needed in the harness).
pub fn request(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split_whitespace().nth(1)?.parse().ok()?;
    let body = out.split_once("\r\n\r\n").map(|x| x.1.to_string())?;
    Some((status, body))
}

pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    request(port, "GET", path, "")
}

/// An exporter on 127.0.0.1 serving whatever text the test sets, in Prometheus' text format.
pub struct Exporter {
    pub port: u16,
    text: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
}

impl Exporter {
    pub fn start(text: &str) -> Exporter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let text = Arc::new(Mutex::new(text.to_string()));
        let stop = Arc::new(AtomicBool::new(false));
        let (t, s) = (text.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        let _ = conn.set_nonblocking(false);
                        let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                        let mut buf = [0u8; 4096];
                        let _ = conn.read(&mut buf);
                        let body = t.lock().map(|b| b.clone()).unwrap_or_default();
                        let resp = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\
                             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = conn.write_all(resp.as_bytes());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Exporter { port, text, stop }
    }

    /// What the next scrape sees.
    pub fn set(&self, text: &str) {
        *self.text.lock().unwrap() = text.to_string();
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The exporter's text for an error ratio: `cp_test_error_ratio{service="api"} 0.02`.
pub fn ratio(v: f64) -> String {
    format!(
        "# TYPE cp_test_error_ratio gauge\ncp_test_error_ratio{{service=\"api\"}} {v}\n\
         # TYPE cp_test_latency_seconds gauge\ncp_test_latency_seconds 0.32\n"
    )
}

/// Waits until Prometheus answers `query` with `want` (scrapes are every second).
pub fn wait_for_value(prom: &Server, query: &str, want: &str) {
    let path = format!("/api/v1/query?query={query}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Some((200, body)) = get(prom.port, &path) {
            if body.contains(&format!("\"{want}\"")) {
                return;
            }
            last = body;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("Prometheus never answered {query} = {want}; last: {last}");
}

/// A port on which something accepts connections and never answers (a hanging server).
pub struct Hanging {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Hanging {
    pub fn start() -> Hanging {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((c, _)) => held.push(c),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Hanging { port, stop }
    }
}

impl Drop for Hanging {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
