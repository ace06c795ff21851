//! The built binary in an isolated environment: data dir, no user config,
//! `$USER` = alice. Shared by the CLI test suites.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses a subset

use assert_cmd::Command;
use std::path::Path;

pub fn cp(data: &Path) -> Command {
    let mut c = Command::cargo_bin("commandpost").unwrap();
    c.env("COMMANDPOST_DATA_DIR", data)
        .env_remove("COMMANDPOST_CONFIG")
        .env("XDG_CONFIG_HOME", data.join("xdg"))
        .env("HOME", data)
        .env("USER", "alice")
        .env_remove("RUST_LOG");
    c
}
