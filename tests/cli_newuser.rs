//! The command line as a brand-new user meets it (fresh HOME and data dir, no config, an
//! 80-column terminal): `commandpost --help` and every command's `--help`, the default file
//! backend, and a config example with a typo in a key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_common;

use clap::CommandFactory;
use cli_common::cp;
use commandpost::cli::Cli;
use std::path::Path;

/// Every command below `cmd`, with its path (`sitrep send`).
fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        let p = format!("{path} {}", sub.get_name()).trim().to_string();
        out.push((p.clone(), sub.clone()));
        walk(sub, &p, out);
    }
}

/// Every command and argument says what it is: before, `--json`, `<PERSON>`, `--handle`,
/// `--team`, `--contact`, `--reason`, `--note` and `--owner` showed a name and nothing.
#[test]
fn every_command_argument_and_option_has_a_description() {
    let root = Cli::command();
    let mut all = vec![(String::new(), root.clone())];
    walk(&root, "", &mut all);
    let mut missing = Vec::new();
    for (path, cmd) in &all {
        if !path.is_empty() && cmd.get_about().is_none() && cmd.get_long_about().is_none() {
            missing.push(format!("commandpost {path}: the command"));
        }
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_hide_set() || id == "help" || id == "version" {
                continue;
            }
            let said = arg
                .get_help()
                .or(arg.get_long_help())
                .is_some_and(|h| !h.to_string().trim().is_empty());
            if !said {
                missing.push(format!("commandpost {path}: {id}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented in --help:\n{}",
        missing.join("\n")
    );
}

/// Every command's path (`""`, `"sitrep send"`, ...).
fn command_paths() -> Vec<String> {
    let root = Cli::command();
    let mut all = vec![(String::new(), root.clone())];
    walk(&root, "", &mut all);
    all.into_iter()
        .map(|(p, _)| p)
        .filter(|p| !p.split(' ').any(|w| w == "help"))
        .collect()
}

/// `commandpost <path> --help` in an 80-column terminal: its stdout.
fn help_at_80(data: &Path, path: &str) -> String {
    let mut c = cp(data);
    c.env("COLUMNS", "80");
    if !path.is_empty() {
        c.args(path.split(' '));
    }
    let out = c.arg("--help").output().unwrap();
    assert!(out.status.success(), "{path} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// Before, the help did not wrap: at 80 columns `--wait`'s 190-character line (in every
/// command's help) and most descriptions ran on into the next line from column 0. Now each
/// help wraps to the terminal, with the descriptions' column kept.
#[test]
fn every_help_fits_80_columns() {
    let d = tempfile::tempdir().unwrap();
    let mut wide = Vec::new();
    for path in command_paths() {
        for line in help_at_80(d.path(), &path).lines() {
            let w = unicode_width::UnicodeWidthStr::width(line);
            if w > 80 {
                wide.push(format!("commandpost {path} --help: {w} columns: {line}"));
            }
        }
    }
    assert!(wide.is_empty(), "{}", wide.join("\n"));
}

/// A command's own options come first; the options every command takes follow under their
/// own heading (before they were interleaved: `--data-dir`, `--from-alert`, `--config`...).
#[test]
fn a_commands_own_options_come_before_the_global_ones() {
    let d = tempfile::tempdir().unwrap();
    let h = help_at_80(d.path(), "new");
    let own = h.find("--from-alert").unwrap();
    let global = h.find("Global options:").expect("a Global options heading");
    assert!(own < global, "{h}");
    for g in ["--data-dir", "--config", "--incident", "--as", "--wait"] {
        let at = h.find(g).unwrap();
        assert!(at > global, "{g} is not under Global options:\n{h}");
    }
}

/// The example configuration with a typo in a key, checked the way a new user types it
/// (`config check FILE`; before, the file had to be given as `--config FILE` and
/// `config check FILE` was refused as an unexpected argument): the file, line and column,
/// the key, and the key it should be.
#[test]
fn config_check_names_a_typo_in_the_example_with_file_line_and_the_right_key() {
    let d = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/configs/drill-health.toml");
    let text = std::fs::read_to_string(&example).unwrap();
    assert!(text.contains("\nrefresh = "), "the example changed: {text}");
    let typo = d.path().join("health.toml");
    std::fs::write(&typo, text.replacen("\nrefresh = ", "\nrefesh = ", 1)).unwrap();
    let line = text[..text.find("\nrefresh = ").unwrap()].lines().count() + 1;
    for args in [
        vec!["config", "check", typo.to_str().unwrap()],
        vec!["--config", typo.to_str().unwrap(), "config", "check"],
    ] {
        let out = cp(d.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("health.toml:{line}:1:"))
                && err.contains("metrics.refesh: unknown key")
                && err.contains("did you mean `refresh`"),
            "{args:?}: {err}"
        );
    }
    // The example as shipped is valid.
    cp(d.path())
        .args(["config", "check", example.to_str().unwrap()])
        .assert()
        .success();
    // A file that is not there is said, not taken for "no config".
    let out = cp(d.path())
        .args(["config", "check", "no-such.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such.toml"));
}

/// With no configuration, messages go to the default file backend: `backends list` says
/// where that file is (before it said `outbox-file file sends ...` and nothing of where).
#[test]
fn backends_list_says_where_the_default_file_backend_writes() {
    let d = tempfile::tempdir().unwrap();
    let id = cp(d.path())
        .args(["new", "Checkout down"])
        .output()
        .unwrap();
    let id = String::from_utf8(id.stdout).unwrap().trim().to_string();
    cp(d.path())
        .args(["note", "rolled back"])
        .assert()
        .success();
    let out = cp(d.path()).args(["backends", "list"]).output().unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let want = d
        .path()
        .join("incidents")
        .join("{incident}")
        .join("outbox.md");
    assert!(
        out.contains(&format!("writes to {}", want.display())),
        "{out}"
    );
    // And it is where a sitrep goes.
    let file = d.path().join("sitrep.toml");
    std::fs::write(&file, "summary = \"Checkout returns 502 in EU\"\n").unwrap();
    cp(d.path())
        .args(["sitrep", "send", "--file", file.to_str().unwrap()])
        .assert()
        .success();
    let written = d.path().join("incidents").join(&id).join("outbox.md");
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(text.contains("Checkout returns 502 in EU"), "{text}");
}
