//! Hostile templates and files (issue 15, items 3 and 5): a template written in a hurry cannot
//! loop for minutes, abort the process or send 100 MB; a FIFO or /dev/zero where a file should be
//! is an error at once; invalid UTF-8 and bad drill scripts are reported with line and column.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod cli_common;
use cli_common::cp;

/// Every command here must finish within this (on main some ran for minutes or forever).
const LIMIT: Duration = Duration::from_secs(30);

fn run(data: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = cp(data).args(args).timeout(LIMIT).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn new_incident(data: &Path) -> String {
    let (code, out, err) = run(data, &["new", "Hostile input"]);
    assert_eq!(code, Some(0), "{err}");
    out.trim().to_string()
}

fn journal(data: &Path, id: &str) -> String {
    std::fs::read_to_string(data.join("incidents").join(id).join("journal.jsonl")).unwrap()
}

/// A config whose sitrep template is `template` (written to a file).
fn with_template(data: &Path, template: &str) -> PathBuf {
    let t = data.join("sitrep.j2");
    std::fs::write(&t, template).unwrap();
    config_naming(data, &t)
}

fn config_naming(data: &Path, template: &Path) -> PathBuf {
    let c = data.join("config.toml");
    std::fs::write(
        &c,
        format!(
            "[templates]\nsitrep = {:?}\nstatus = {:?}\n",
            template.display().to_string(),
            template.display().to_string()
        ),
    )
    .unwrap();
    c
}

fn sitrep_send(data: &Path, config: &Path) -> (Option<i32>, String, String, Duration) {
    let start = Instant::now();
    let (code, out, err) = run(
        data,
        &["--config", config.to_str().unwrap(), "sitrep", "send"],
    );
    (code, out, err, start.elapsed())
}

#[test]
fn a_template_that_loops_stops_with_its_name_and_line() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    let config = with_template(
        d.path(),
        "{{ summary }}\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
    );
    let (code, _, err, took) = sitrep_send(d.path(), &config);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("sitrep.j2 line 2"), "{err}");
    assert!(err.contains("stopped after"), "{err}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(!journal(d.path(), &id).contains("sitrep_sent"));
}

#[test]
fn a_string_doubled_in_a_loop_is_an_error_not_an_abort() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    let template =
        "{% set s = summary %}".to_string() + &"{% set s = s ~ s %}\n".repeat(40) + "{{ s }}";
    let config = with_template(d.path(), &template);
    let (code, _, err, _) = sitrep_send(d.path(), &config);
    assert_eq!(code, Some(1), "exit status (a signal is None): {err}");
    assert!(err.contains("sitrep.j2"), "{err}");
    assert!(
        err.contains("needed more than 256 MB") || err.contains("longer than"),
        "{err}"
    );
    assert!(!journal(d.path(), &id).contains("sitrep_sent"));
}

#[test]
fn a_rendered_text_longer_than_backends_accept_is_not_journaled_or_sent() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    let config = with_template(d.path(), "{{ summary * 100000000 }}");
    let input = d.path().join("sitrep.toml");
    std::fs::write(&input, "summary = \"x\"\n").unwrap();
    let start = Instant::now();
    let (code, _, err) = run(
        d.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "sitrep",
            "send",
            "--file",
            input.to_str().unwrap(),
        ],
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("longer than 40000 characters"), "{err}");
    assert!(err.contains("Slack"), "says which backend limit: {err}");
    assert!(!journal(d.path(), &id).contains("sitrep_sent"));
    let outbox = d.path().join("incidents").join(&id).join("outbox.md");
    assert!(std::fs::metadata(&outbox).map_or(0, |m| m.len()) < 100_000);
}

#[cfg(unix)]
#[test]
fn a_template_path_naming_a_fifo_or_dev_zero_is_an_error_at_once() {
    let d = tempfile::tempdir().unwrap();
    new_incident(d.path());
    let fifo = d.path().join("fifo.j2");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for (path, says) in [
        (fifo.as_path(), "FIFO"),
        (Path::new("/dev/zero"), "character device"),
    ] {
        let config = config_naming(d.path(), path);
        let cfg = config.to_str().unwrap();
        for args in [
            &["--config", cfg, "sitrep", "send"][..],
            &["--config", cfg, "config", "check"],
        ] {
            let start = Instant::now();
            let (code, _, err) = run(d.path(), args);
            // `config check` reports an unreadable template as a warning (exit 0).
            if args.contains(&"send") {
                assert_ne!(code, Some(0), "{args:?}");
            }
            assert!(err.contains(says), "{args:?}: {err}");
            assert!(start.elapsed() < Duration::from_secs(20));
        }
    }
    // Input files too: `--file` naming a FIFO.
    let (code, _, err) = run(
        d.path(),
        &["sitrep", "send", "--file", fifo.to_str().unwrap()],
    );
    assert_ne!(code, Some(0));
    assert!(err.contains("FIFO"), "{err}");
    // And a FIFO as the configuration file itself.
    let (code, _, err) = run(d.path(), &["--config", fifo.to_str().unwrap(), "show"]);
    assert_ne!(code, Some(0));
    assert!(err.contains("FIFO"), "{err}");
}

#[test]
fn invalid_utf8_in_config_and_scenario_is_reported_with_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    new_incident(d.path());
    let config = d.path().join("config.toml");
    std::fs::write(
        &config,
        b"[roster]\n# Jos\xe9 wrote this\nspan_of_control = 5\n",
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    for args in [
        &["--config", cfg, "show"][..],
        &["--config", cfg, "config", "check"],
    ] {
        let (code, _, err) = run(d.path(), args);
        assert_ne!(code, Some(0));
        assert!(
            err.contains("config.toml:2:6: not valid UTF-8 (byte 0xe9)"),
            "{args:?}: {err}"
        );
    }
    let scenario = d.path().join("drill.toml");
    let mut bytes = std::fs::read("examples/drills/db-failover.toml").unwrap();
    let at = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    bytes.splice(at..at, b"# \xff\n".iter().copied());
    std::fs::write(&scenario, bytes).unwrap();
    let (code, _, err) = run(d.path(), &["drill", "--check", scenario.to_str().unwrap()]);
    assert_ne!(code, Some(0));
    assert!(err.contains("drill.toml:2:3: not valid UTF-8"), "{err}");
}

/// On main a bad `[keys]` table was reported by `config check`, ignored by headless commands
/// (which then acted on the incident) and made the cockpit exit without a file or line. Now
/// every entry point runs the same check and refuses alike, with file:line:col, before acting.
#[test]
fn a_bad_keys_table_is_refused_alike_by_every_entry_point() {
    let d = tempfile::tempdir().unwrap();
    let id = new_incident(d.path());
    let before = journal(d.path(), &id);
    let config = d.path().join("config.toml");
    std::fs::write(
        &config,
        "[roster]\nspan_of_control = 6\n\n[keys]\nhandoff = \"ctrl-\"\n",
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    for args in [
        &["--config", cfg, "note", "written with a bad keymap"][..],
        &["--config", cfg, "show"],
        &["--config", cfg, "config", "check"],
    ] {
        let (code, _, err) = run(d.path(), args);
        assert_ne!(code, Some(0), "{args:?}");
        assert!(err.contains("config.toml:5:11:"), "{args:?}: {err}");
        assert!(err.contains("keys.handoff"), "{args:?}: {err}");
    }
    assert_eq!(journal(d.path(), &id), before, "nothing journaled");
}
