//! One machine of a sync test: a data dir of its own, a config naming the homeserver, the
//! access token and the people, and the real binary run as one actor (headless, as a child
//! to kill, or as the cockpit in a tmux pane). Shared by the CLI and tmux sync tests.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_commandpost");

pub struct Machine {
    dir: tempfile::TempDir,
    pub config: PathBuf,
    pub actor: String,
}

impl Machine {
    /// A machine reaching the homeserver at `base` (e.g. through a proxy) as `actor`, with
    /// the access token in a file when there is one, and `extra` TOML before `[sync]`.
    pub fn at(
        base: &str,
        actor: &str,
        people: &[(&str, &str)],
        token: Option<&str>,
        extra: &str,
    ) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        let mut text = format!("{extra}\n[sync]\nhomeserver = \"{base}\"\n");
        if let Some(t) = token {
            let tf = dir.path().join("token");
            std::fs::write(&tf, t).unwrap();
            text.push_str(&format!("access_token = \"file:{}\"\n", tf.display()));
        }
        for (name, mxid) in people {
            text.push_str(&format!(
                "[[people]]\nname = \"{name}\"\nmatrix = \"{mxid}\"\n"
            ));
        }
        std::fs::write(&config, text).unwrap();
        Machine {
            dir,
            config,
            actor: actor.to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The binary in this machine's environment (no user config, no RUST_LOG) as its actor.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env("COMMANDPOST_DATA_DIR", self.path())
            .env_remove("COMMANDPOST_CONFIG")
            .env("XDG_CONFIG_HOME", self.path().join("xdg"))
            .env("HOME", self.path())
            .env("USER", &self.actor)
            .env_remove("RUST_LOG")
            .arg("--config")
            .arg(&self.config)
            .arg("--as")
            .arg(&self.actor)
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// A headless command that must succeed: its stdout and stderr.
    pub fn ok(&self, args: &[&str]) -> (String, String) {
        let out = self.command(args).output().unwrap();
        let (o, e) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert!(out.status.success(), "{args:?} failed:\n{o}\n{e}");
        (o, e)
    }

    /// A headless command that must fail: its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.command(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// The real binary as a child process (to be killed).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// `show --json`.
    pub fn show(&self) -> Value {
        serde_json::from_str(&self.ok(&["show", "--json"]).0).unwrap()
    }

    /// The shell line that runs the cockpit in this machine's environment and then prints
    /// `EXIT=<status>` (for a tmux pane).
    pub fn cockpit_line(&self) -> String {
        let d = self.path().display();
        format!(
            "env -u COMMANDPOST_CONFIG -u RUST_LOG XDG_CONFIG_HOME={d}/xdg HOME={d} \
             COMMANDPOST_DATA_DIR={d} {BIN} --config {} --as {}; echo EXIT=$?",
            self.config.display(),
            self.actor
        )
    }
}

/// The IC in `show --json`.
pub fn ic(v: &Value) -> String {
    let roles = &v["roles"];
    // `roles` is a map or a list of holders depending on the version: find IC either way.
    if let Some(h) = roles.get("ic") {
        return h["name"].as_str().unwrap_or_default().to_string();
    }
    if let Some(list) = roles.as_array() {
        for r in list {
            if r["role"] == "ic" {
                return r["holder"]["name"]
                    .as_str()
                    .or(r["name"].as_str())
                    .unwrap_or_default()
                    .to_string();
            }
        }
    }
    panic!("no IC in {roles}")
}
