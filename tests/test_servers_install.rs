//! The test-server venv is installed once however many test binaries (or threads) ask for it
//! at the same time, a half-made one is made again, and only an unreachable registry is a
//! reason to skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod test_servers;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use test_servers::{Problem, ensure, registry_unreachable};

/// An installer that counts its runs and takes a while, as pip does.
fn counting(n: Arc<AtomicUsize>) -> impl Fn(&Path) -> Result<String, Problem> {
    move |venv: &Path| {
        n.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(300));
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        std::fs::write(venv.join("bin/python"), "").unwrap();
        Ok("fake 1.0".into())
    }
}

#[test]
fn parallel_first_uses_install_once_and_all_get_the_venv() {
    let dir = tempfile::tempdir().unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let dir = dir.path().to_path_buf();
            let n = n.clone();
            std::thread::spawn(move || ensure(&dir, &counting(n)))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Ok(dir.path().join("venv")));
    }
    assert_eq!(n.load(Ordering::SeqCst), 1, "installed once");
    // Reused after: no install.
    ensure(dir.path(), &counting(n.clone())).unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 1);
}

#[test]
fn separate_processes_wait_for_one_install() {
    // Two processes holding the lock file: the second blocks until the first is done.
    let dir = tempfile::tempdir().unwrap();
    let lock = std::fs::File::create(dir.path().join("install.lock")).unwrap();
    lock.lock().unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let waiter = {
        let dir = dir.path().to_path_buf();
        let n = n.clone();
        std::thread::spawn(move || ensure(&dir, &counting(n)))
    };
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        n.load(Ordering::SeqCst),
        0,
        "waits while another holds the lock"
    );
    drop(lock);
    waiter.join().unwrap().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 1);
}

#[test]
fn a_half_made_venv_is_made_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("venv/bin")).unwrap();
    std::fs::write(dir.path().join("venv/bin/python"), "").unwrap();
    std::fs::write(dir.path().join("venv/stale"), "").unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    ensure(dir.path(), &counting(n.clone())).unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 1);
    assert!(!dir.path().join("venv/stale").exists());
}

#[test]
fn an_install_failure_is_passed_on_and_nothing_is_marked_ready() {
    let dir = tempfile::tempdir().unwrap();
    let failing = |_: &Path| Err(Problem::Failed("pip install failed: boom".into()));
    assert_eq!(
        ensure(dir.path(), &failing),
        Err(Problem::Failed("pip install failed: boom".into()))
    );
    let n = Arc::new(AtomicUsize::new(0));
    ensure(dir.path(), &counting(n.clone())).unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 1, "tried again");
}

#[test]
fn only_an_unreachable_registry_reads_as_unreachable() {
    let offline = "WARNING: Retrying (Retry(total=1, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/matrix-synapse/\nERROR: Could not find a version that satisfies the requirement matrix-synapse (from versions: none)\nERROR: No matching distribution found for matrix-synapse";
    assert!(registry_unreachable(offline));
    let broken = "error: subprocess-exited-with-error\n× Building wheel for psycopg2 (pyproject.toml) did not run successfully.";
    assert!(!registry_unreachable(broken));
}
