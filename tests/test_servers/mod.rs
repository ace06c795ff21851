//! The real servers the tests talk to (matrix-synapse, aiosmtpd) live in a Python venv. Plain
//! `cargo test` installs it on first use under the target directory
//! (`target/test-servers/venv`) and reuses it after; a file lock makes parallel test binaries
//! wait for one install instead of racing. `COMMANDPOST_TEST_VENV` names another venv (what
//! `scripts/test-servers.sh` makes) and skips the install.
//!
//! A test skips loudly only when the servers cannot be had here: the package registry cannot
//! be reached, or there is no `python3` with `venv`. With `COMMANDPOST_REQUIRE_TEST_SERVERS`
//! set (CI) it fails instead. Any other install failure fails the test.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// What the venv holds, and the import that proves it.
pub const PACKAGES: [&str; 2] = ["matrix-synapse", "aiosmtpd"];
const IMPORT_CHECK: &str = "import synapse, aiosmtpd; print('synapse', synapse.__version__, 'aiosmtpd', aiosmtpd.__version__)";
/// Written last: a venv without it is half-made (an install was killed) and is made again.
const READY: &str = ".commandpost-ready";

/// Why there is no venv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The package registry cannot be reached (offline machine): skip loudly.
    Unreachable(String),
    /// No `python3` that can make a venv: skip loudly, like a missing tmux.
    NoPython(String),
    /// Anything else: a failure.
    Failed(String),
}

impl Problem {
    fn skippable(&self) -> bool {
        !matches!(self, Problem::Failed(_))
    }
    fn text(&self) -> &str {
        match self {
            Problem::Unreachable(s) | Problem::NoPython(s) | Problem::Failed(s) => s,
        }
    }
}

/// Says something on the test's stderr handle, not with eprintln!: the harness would swallow
/// it for a passing test.
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// The venv with the servers for `test`, installed on first use; `None` (after a loud
/// SKIPPED) when it cannot be had here. Panics in CI (`COMMANDPOST_REQUIRE_TEST_SERVERS`)
/// instead of skipping, and on any other install failure.
pub fn test_venv(test: &str) -> Option<PathBuf> {
    static VENV: OnceLock<Result<PathBuf, Problem>> = OnceLock::new();
    match VENV.get_or_init(resolve) {
        Ok(v) => Some(v.clone()),
        Err(p)
            if p.skippable() && std::env::var_os("COMMANDPOST_REQUIRE_TEST_SERVERS").is_none() =>
        {
            say(&format!("\n*** SKIPPED {test}: {} ***\n", p.text()));
            None
        }
        Err(p) => panic!(
            "{test}: the test servers are required (COMMANDPOST_REQUIRE_TEST_SERVERS) or failed to install: {}",
            p.text()
        ),
    }
}

fn resolve() -> Result<PathBuf, Problem> {
    if let Some(v) = std::env::var_os("COMMANDPOST_TEST_VENV") {
        let v = PathBuf::from(v);
        if v.join("bin/python").exists() {
            return Ok(v);
        }
        say(&format!(
            "COMMANDPOST_TEST_VENV={} is not a venv: installing one under the target directory",
            v.display()
        ));
    }
    ensure(&target_dir().join("test-servers"), &pip_install)
}

/// The cargo target directory this test binary was built in (`target/debug/deps/<bin>` ->
/// `target`), or `$CARGO_TARGET_DIR`.
pub fn target_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        let d = PathBuf::from(d);
        if d.is_absolute() {
            return d;
        }
        return PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(d);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// `dir/venv`, made by `install` unless a finished one is there. Holds `dir/install.lock`
/// (an exclusive file lock) throughout, so that of several processes (and threads) one
/// installs and the others wait and reuse it.
pub fn ensure(
    dir: &Path,
    install: &dyn Fn(&Path) -> Result<String, Problem>,
) -> Result<PathBuf, Problem> {
    let io = |what: &str, e: std::io::Error| Problem::Failed(format!("{what}: {e}"));
    fs::create_dir_all(dir).map_err(|e| io(&dir.display().to_string(), e))?;
    let lock_path = dir.join("install.lock");
    let lock = File::create(&lock_path).map_err(|e| io(&lock_path.display().to_string(), e))?;
    lock.lock()
        .map_err(|e| io(&format!("locking {}", lock_path.display()), e))?;
    let venv = dir.join("venv");
    if venv.join(READY).exists() && venv.join("bin/python").exists() {
        return Ok(venv);
    }
    if venv.exists() {
        fs::remove_dir_all(&venv).map_err(|e| io(&venv.display().to_string(), e))?;
    }
    say(&format!(
        "\n*** installing the test servers ({}) into {} (first run only; a minute or two) ***",
        PACKAGES.join(", "),
        venv.display()
    ));
    let versions = install(&venv)?;
    fs::write(venv.join(READY), &versions).map_err(|e| io("writing the ready marker", e))?;
    say(&format!(
        "*** test servers ready: {} ***\n",
        versions.trim()
    ));
    Ok(venv)
    // The lock is released when `lock` is dropped.
}

fn run(cmd: &mut Command) -> Result<Output, String> {
    cmd.output().map_err(|e| e.to_string())
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(2)..].join(" | ")
}

/// What pip says when it cannot reach the package index.
const UNREACHABLE: [&str; 10] = [
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "Connection refused",
    "ProxyError",
    "Max retries exceeded",
    "ConnectTimeoutError",
    "No matching distribution found",
];

/// Whether pip's failure output says the registry could not be reached.
pub fn registry_unreachable(pip_stderr: &str) -> bool {
    UNREACHABLE.iter().any(|p| pip_stderr.contains(p))
}

/// `python3 -m venv` and `pip install` the servers; returns their versions.
fn pip_install(venv: &Path) -> Result<String, Problem> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let made = run(Command::new(&python).args(["-m", "venv"]).arg(venv));
    match made {
        Err(e) => {
            return Err(Problem::NoPython(format!(
                "cannot run {python} ({e}): install python3 and python3-venv, or set COMMANDPOST_TEST_VENV"
            )));
        }
        Ok(o) if !o.status.success() => {
            let _ = fs::remove_dir_all(venv);
            return Err(Problem::NoPython(format!(
                "{python} -m venv failed ({}): install python3-venv, or set COMMANDPOST_TEST_VENV",
                tail(&o.stderr)
            )));
        }
        Ok(_) => {}
    }
    let py = venv.join("bin/python");
    let pip = run(Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--retries",
            "2",
        ])
        .args(PACKAGES));
    let o = pip.map_err(|e| Problem::Failed(format!("cannot run pip: {e}")))?;
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        let _ = fs::remove_dir_all(venv);
        return Err(if registry_unreachable(&err) {
            Problem::Unreachable(format!(
                "the package registry cannot be reached to install {} ({})",
                PACKAGES.join(", "),
                tail(err.as_bytes())
            ))
        } else {
            Problem::Failed(format!("pip install failed: {}", tail(err.as_bytes())))
        });
    }
    let check = run(Command::new(&py).args(["-c", IMPORT_CHECK]))
        .map_err(|e| Problem::Failed(format!("cannot run the venv's python: {e}")))?;
    if !check.status.success() {
        return Err(Problem::Failed(format!(
            "installed, but the import fails: {}",
            tail(&check.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&check.stdout).to_string())
}
