//! A private tmux server driving the built binary, shared by the end-to-end
//! tests. Each test skips (loudly) when tmux is not installed.
#![allow(dead_code)] // each test binary uses a subset

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_commandpost");

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// A private tmux server with one 100x30 pane running bash.
    pub fn start(name: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!(
                "\n\n*** SKIPPED {name}: tmux is not installed (apt-get install tmux; .ci/run installs it) ***\n\n"
            );
            return None;
        }
        let t = Tmux {
            socket: format!("cp-e2e-{}-{name}", std::process::id()),
        };
        t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "100",
            "-y",
            "30",
            "env -u NO_COLOR PS1='$ ' bash --norc --noprofile",
        ]);
        Some(t)
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types text literally.
    pub fn text(&self, s: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", s]);
    }

    /// Sends named keys (Enter, Tab, C-z, ...).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Pastes `s` as a terminal paste (bracketed when the program asked
    /// for it, as the cockpit does).
    pub fn paste(&self, s: &str) {
        self.tmux(&["set-buffer", "-b", "p", "--", s]);
        self.tmux(&["paste-buffer", "-p", "-d", "-b", "p", "-t", "t"]);
    }

    /// A shell command line (Ctrl-J works even if the tty was left raw).
    pub fn shell(&self, line: &str) {
        self.text(line);
        self.keys(&["C-j"]);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_until(needle, |s| s.contains(needle))
    }

    pub fn wait_gone(&self, needle: &str) -> String {
        self.wait_until(&format!("{needle} to disappear"), |s| !s.contains(needle))
    }

    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a key and returns how long until `needle` is on screen.
    pub fn timed(&self, key: &str, needle: &str) -> Duration {
        let start = Instant::now();
        self.text(key);
        self.wait_for(needle);
        start.elapsed()
    }

    /// The pid of the program running in the pane's shell.
    pub fn child_pid(&self) -> Option<u32> {
        let shell = self.tmux(&["display", "-p", "-t", "t", "#{pane_pid}"]);
        let shell = shell.trim();
        let kids = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).ok()?;
        kids.split_whitespace().next()?.parse().ok()
    }

    /// Picks `to` for IC by keys (a new name when `new`): `h`, Enter on IC, the name, Enter.
    /// The confirmation is left open.
    pub fn pick_ic(&self, to: &str, new: bool) {
        self.text("h");
        self.wait_for("Hand off which role?");
        self.keys(&["Enter"]);
        self.wait_for("Hand IC to whom?");
        self.text(to);
        self.wait_for(&if new {
            format!("+ {to}")
        } else {
            format!("› {to}")
        });
        self.keys(&["Enter"]);
    }

    /// Hands IC to `to` by keys (a new name when `new`) and confirms the announcement.
    pub fn hand_ic(&self, to: &str, new: bool) {
        self.pick_ic(to, new);
        self.wait_for(&format!("Announces: @all: IC -> {to}"));
        self.text("y");
    }

    /// Quits the cockpit by keys (`q`, then `y` to the question) and waits for the shell's
    /// `EXIT=0`.
    pub fn quit(&self) {
        self.text("q");
        self.wait_for("Quit the cockpit?");
        self.text("y");
        self.wait_for("EXIT=0");
    }

    pub fn cockpit(&self, dir: &Path, actor: &str) {
        self.shell(&format!(
            "{BIN} --data-dir {} --as {actor}; echo EXIT=$?",
            dir.display()
        ));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
