//! What every command pays before doing anything: loading the configuration must not
//! compile the linter (it is built on first use, once per process).
//! One test in this binary: the build counter is process-wide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use commandpost::config::{self, Config};

#[test]
fn loading_the_configuration_never_builds_the_linter() {
    let d = tempfile::tempdir().unwrap();
    // The embedded default, and a file that sets other things (an empty [lint] included).
    let (default, _) = Config::load(None, Some(&d.path().join("missing.toml"))).unwrap();
    let file = d.path().join("config.toml");
    std::fs::write(
        &file,
        "[cadence]\nstatus = \"20m\"\n\n[lint]\ndisable = []\n\n[templates]\nsitrep = \"can\"\n",
    )
    .unwrap();
    let (custom, warnings) = Config::load(Some(&file), None).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config::linter_builds(), 0, "loading built the linter");

    // Built on first use, once: later callers get the same rules without compiling again.
    let a = default.linter().unwrap();
    let b = custom.linter().unwrap();
    assert_eq!(config::linter_builds(), 1);
    let text = "The fix will be deployed in 30 minutes.";
    assert_eq!(a.lint_text(text), b.lint_text(text));
    assert!(!a.lint_text(text).is_empty(), "the built-in rules apply");

    // Overrides are checked when the configuration is loaded (errors keep file:line), and
    // that linter is the one handed out afterwards.
    std::fs::write(&file, "[lint]\ndisable = [\"eta\"]\n").unwrap();
    let (no_eta, _) = Config::load(Some(&file), None).unwrap();
    assert_eq!(config::linter_builds(), 2);
    assert!(no_eta.linter().unwrap().lint_text(text).is_empty());
    assert_eq!(config::linter_builds(), 2);
    std::fs::write(&file, "[lint]\ndisable = [\"nope\"]\n").unwrap();
    let err = Config::load(Some(&file), None).unwrap_err().to_string();
    assert!(err.contains("unknown lint rule `nope`"), "{err}");
}
