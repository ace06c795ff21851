//! The cockpit against hostile input, in a real terminal (issue 15): a damaged journal is named
//! with its file and line (the cockpit never offers to open a new incident over it), a bad
//! `[keys]` table is named with file:line:col after the terminal is restored, and a template
//! that loops or doubles a string is stopped and said: Esc, q and SIGTERM still work.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use std::path::Path;

mod tmux_common;
use tmux_common::{BIN, Tmux};

fn cockpit(t: &Tmux, data: &Path, config: Option<&Path>) {
    let config = config
        .map(|c| format!(" --config {}", c.display()))
        .unwrap_or_default();
    t.shell(&format!(
        "{BIN} --data-dir {}{config} --as Alice; echo EXIT=$?",
        data.display()
    ));
}

/// Waits for the shell's `EXIT=<status>` line (not the command line that asks for it).
fn exited(t: &Tmux) -> String {
    t.wait_until("EXIT=<status>", |s| {
        // Anywhere in a line: keys typed while the cockpit was stopping can be echoed by the
        // shell in front of it ("more textEXIT=143"). The command line's `EXIT=$?` never matches.
        s.match_indices("EXIT=")
            .any(|(i, m)| s[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
    })
}

fn new_incident(data: &Path) -> String {
    let out = std::process::Command::new(BIN)
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "--as",
            "Alice",
            "new",
            "Checkout down",
        ])
        .env("XDG_CONFIG_HOME", data.join("xdg"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Quits the cockpit by keys (`q`, `y`) and checks it ended with status 0.
fn quit(t: &Tmux) {
    t.text("q");
    t.wait_for("Quit the cockpit?");
    t.text("y");
    let s = exited(t);
    assert!(s.contains("EXIT=0"), "{s}");
}

/// Opens the cockpit on `data` with `config`, waits for the incident, opens the sitrep
/// composer and asks for its preview (below 120 columns the preview opens on demand).
fn open_sitrep_preview(t: &Tmux, data: &Path, config: &Path) {
    cockpit(t, data, Some(config));
    t.wait_for("Checkout down");
    t.text("s");
    t.wait_for("Sitrep v1 (draft)");
    t.keys(&["C-o"]);
}

/// A private tmux, a temporary dir and its data dir holding one incident ("Checkout down").
fn with_incident(name: &str) -> Option<(Tmux, tempfile::TempDir, std::path::PathBuf)> {
    let t = Tmux::start(name)?;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    new_incident(&data);
    Some((t, dir, data))
}

#[test]
fn a_damaged_journal_is_named_with_file_and_line_never_a_new_incident() {
    let Some(t) = Tmux::start("damaged") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let id = new_incident(&data);
    let path = data.join("incidents").join(&id).join("journal.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"v\":1,\"seq\":2,\"ts\":\"2026-11-21T03:00:00Z\",\"actor\":\"x\",\"type\":\"state_changed\",\"data\":{\"to\":\"nope\"}}\n");
    std::fs::write(&path, &text).unwrap();
    cockpit(&t, &data, None);
    let s = exited(&t);
    assert!(s.contains("EXIT=1"), "{s}");
    assert!(s.contains("journal.jsonl:2:"), "{s}");
    assert!(s.contains("by hand"), "what to do: {s}");
    assert!(!s.contains("no open incident"), "{s}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "nothing written"
    );
}

#[test]
fn a_bad_keys_table_is_named_with_file_line_and_column() {
    let Some((t, dir, data)) = with_incident("keys") else {
        return;
    };
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[roster]\nspan_of_control = 6\n\n[keys]\nhandoff = \"ctrl-\"\n",
    )
    .unwrap();
    cockpit(&t, &data, Some(&config));
    let s = exited(&t);
    assert!(s.contains("EXIT=1"), "{s}");
    assert!(s.contains("config.toml:5:11:"), "file:line:col: {s}");
    assert!(s.contains("keys.handoff"), "{s}");
    // The terminal works as before: the shell prompt answers.
    t.shell("echo still-here");
    t.wait_for("still-here");
}

/// A config whose sitrep template is the file `template`.
fn template_config(dir: &Path, template: &str) -> std::path::PathBuf {
    let t = dir.join("sitrep.j2");
    std::fs::write(&t, template).unwrap();
    let c = dir.join("config.toml");
    std::fs::write(
        &c,
        format!("[templates]\nsitrep = {:?}\n", t.display().to_string()),
    )
    .unwrap();
    c
}

/// Before issue 15 a looping template froze the cockpit for good: the preview rendered on
/// every key press without a bound, and Esc, q, Ctrl-C and SIGTERM were never read. Now the
/// render stops (fuel; a memory- and time-limited child for a file template), the preview
/// says why, and every key and signal works.
#[test]
fn a_looping_template_never_freezes_the_cockpit() {
    let Some((t, dir, data)) = with_incident("loop") else {
        return;
    };
    let config = template_config(
        dir.path(),
        "{{ summary }}\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    );
    open_sitrep_preview(&t, &data, &config);
    let s = t.wait_for("stopped after");
    assert!(
        s.contains("sitrep.j2"),
        "the preview names the template: {s}"
    );
    // Keys are read while it renders: typed text shows, Esc closes the composer.
    t.text("EU checkout fails");
    t.wait_for("EU checkout fails");
    t.keys(&["Escape"]);
    // (Not "the error is gone": while the next render runs, the preview says "rendering…".)
    t.wait_for("Sitrep draft kept");
    t.wait_gone("stopped after");
    // q quits (the composer's draft is kept).
    quit(&t);

    // SIGTERM while the composer renders on every key: the cockpit ends at once, with the
    // signal's status, and the terminal is restored.
    t.shell("clear");
    open_sitrep_preview(&t, &data, &config);
    t.wait_for("stopped after");
    let pid = t.child_pid().expect("cockpit pid");
    t.text("more text");
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let s = exited(&t);
    assert!(s.contains("EXIT=143"), "{s}");
    assert!(!s.contains("stopped after"), "alternate screen left: {s}");
    t.shell("echo still-here");
    t.wait_for("still-here");
}

/// A template that doubles a string in a loop asks for more memory than exists: the render
/// child is stopped at 256 MB and the cockpit says so, instead of aborting with the terminal
/// left raw.
#[test]
fn a_template_doubling_a_string_is_refused_in_the_cockpit_not_an_abort() {
    let Some((t, dir, data)) = with_incident("double") else {
        return;
    };
    let config = template_config(
        dir.path(),
        &("{% set s = 'xxxxxxxxxxxxxxxx' %}".to_string()
            + &"{% set s = s ~ s %}".repeat(40)
            + "{{ s|length }}"),
    );
    open_sitrep_preview(&t, &data, &config);
    let s = t.wait_for("MB of memory");
    assert!(s.contains("sitrep.j2"), "{s}");
    t.text("still typing");
    t.wait_for("still typing");
    t.keys(&["Escape"]);
    t.wait_for("Sitrep draft kept");
    t.wait_gone("MB of memory");
    quit(&t);
}

/// The render children of the cockpit `pid` (the sandbox forks them from a render thread).
fn render_children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Polls `ok` every 10 ms for up to `max`; how long it took, or `None`.
fn within(max: std::time::Duration, ok: impl Fn() -> bool) -> Option<std::time::Duration> {
    let start = std::time::Instant::now();
    while start.elapsed() < max {
        if ok() {
            return Some(start.elapsed());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}

/// A template whose render takes longer than the 2 s the sandbox allows: a one-megabyte
/// string copied a hundred thousand times (little memory, little fuel, much time).
const SLOW_TEMPLATE: &str = "{% set s = 'x' * 1000000 %}{% for i in range(100000) %}\
    {% set y = s|replace('x', 'yy') %}{% endfor %}{{ summary }}";

/// Before, the UI thread waited for the render child on every key press of the composer (up
/// to 2 s each). Now the render is a background job: keys show at once while a slow template
/// renders, each key's render replaces (kills) the one before, Esc kills the one under way,
/// and the preview says why it failed when it does.
#[test]
fn a_slow_template_renders_in_the_background_and_esc_cancels_it() {
    use std::time::Duration;
    let Some((t, dir, data)) = with_incident("slow") else {
        return;
    };
    let config = template_config(dir.path(), SLOW_TEMPLATE);
    open_sitrep_preview(&t, &data, &config);
    let pid = t.child_pid().expect("cockpit pid");
    t.wait_for("Preview ·");
    // Keys while it renders: each shows at once (a new render starts each time).
    let mut times = Vec::new();
    for (i, c) in "EUcheckout".chars().enumerate() {
        let shown: String = "EUcheckout".chars().take(i + 1).collect();
        times.push(t.timed(&c.to_string(), &format!("Checkout down{shown}")));
    }
    times.sort();
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];
    eprintln!("key to screen while rendering: median {median:?}, worst {worst:?} ({times:?})");
    assert!(
        median < Duration::from_millis(250),
        "keys wait for the render: median {median:?} ({times:?})"
    );
    assert!(
        worst < Duration::from_millis(1000),
        "a key waited for the render: {worst:?} ({times:?})"
    );
    let s = t.screen();
    assert!(
        s.contains("· rendering…"),
        "the preview says it renders: {s}"
    );
    assert!(
        within(Duration::from_secs(5), || !render_children(pid).is_empty()).is_some(),
        "no render child under way"
    );
    // Esc leaves the composer and kills the render under way (its 2 s are not waited for).
    t.keys(&["Escape"]);
    t.wait_for("Sitrep draft kept");
    let gone = within(Duration::from_millis(1500), || {
        render_children(pid).is_empty()
    });
    eprintln!("render child gone after Esc in {gone:?}");
    assert!(
        gone.is_some_and(|d| d < Duration::from_millis(700)),
        "Esc did not cancel the render: {gone:?}"
    );
    // Left alone, the render is stopped at 2 s and the preview says why.
    t.text("s");
    t.wait_for("Sitrep v1 (draft)");
    let s = t.wait_for("took longer than 2 s");
    assert!(s.contains("sitrep.j2"), "{s}");
    // Nothing can be sent that was not rendered.
    t.keys(&["C-s"]);
    t.wait_for("cannot send yet");
    t.keys(&["Escape"]);
    t.wait_for("Sitrep draft kept");
    quit(&t);
}
