//! `config check`: every problem, with file:line:col, key and suggestion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use commandpost::config::{
    Config, ConfigError, Diagnostic, SecretError, SecretRef, Severity, check, check_with,
    init_text, write_init,
};
use secrecy::ExposeSecret;
use std::path::Path;

/// Every diagnostic of `text` (checked as `c.toml`), displayed.
fn lines(text: &str) -> Vec<String> {
    check(text, Path::new("c.toml"))
        .1
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn has_config(text: &str) -> bool {
    check(text, Path::new("c.toml")).0.is_some()
}

#[test]
fn syntax_errors_are_located_and_all_reported() {
    let text = "[cadence]\nstatus = 20m\n\n[roster\nspan_of_control = 7\n";
    let got = lines(text);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(got[0].starts_with("c.toml:2:10: error: "), "{got:#?}");
    assert!(got[1].starts_with("c.toml:4:8: error: "), "{got:#?}");
    assert!(!has_config(text));
}

#[test]
fn misspelt_key_in_a_table_gets_the_closest_key() {
    assert_eq!(
        lines("[cadence]\nsitrep_confirmd = \"60m\"\n"),
        [
            "c.toml:2:1: error: cadence.sitrep_confirmd: unknown key (did you mean `sitrep_confirmed`?)"
        ]
    );
    assert_eq!(
        lines("[shifts]\n  lenght = \"8h\"\n"),
        ["c.toml:2:3: error: shifts.lenght: unknown key (did you mean `length`?)"]
    );
}

#[test]
fn misspelt_top_level_key_gets_the_closest_key() {
    assert_eq!(
        lines("[shifs]\nlength = \"8h\"\n"),
        ["c.toml:1:2: error: shifs: unknown key (did you mean `shifts`?)"]
    );
    // A nested key written at the top level is offered as a dotted key.
    assert_eq!(
        lines("status = \"20m\"\n"),
        ["c.toml:1:1: error: status: unknown key (did you mean `cadence.status`?)"]
    );
    // Nothing close: the valid keys are listed instead.
    assert_eq!(
        lines("zzz = 1\n"),
        [
            "c.toml:1:1: error: zzz: unknown key (valid keys: cadence, shifts, roster, people, keys, backends, templates, lint, cleanup, handoff, rotation, sync, metrics, alerts)"
        ]
    );
}

#[test]
fn misspelt_key_in_an_array_of_tables() {
    assert_eq!(
        lines("[[people]]\nname = \"Ana\"\n\n[[people]]\nnmae = \"Bo\"\n"),
        [
            "c.toml:4:1: error: people[1]: missing required key `name`",
            "c.toml:5:1: error: people[1].nmae: unknown key (did you mean `name`?)",
        ]
    );
}

#[test]
fn wrong_types() {
    assert_eq!(
        lines("[roster]\nspan_of_control = \"7\"\n[cadence]\nstatus = 20\n"),
        [
            "c.toml:2:19: error: roster.span_of_control: expected an integer, found string",
            "c.toml:4:10: error: cadence.status: expected a duration such as \"45m\" or \"8h\", found integer",
        ]
    );
    assert_eq!(
        lines("cadence = \"20m\"\npeople = \"Ana\"\n[keys]\nquit = 1\nhelp = [\"?\", 2]\n"),
        [
            "c.toml:1:11: error: cadence: expected a table, found string",
            "c.toml:2:10: error: people: expected an array of tables ([[people]]), found string",
            "c.toml:4:8: error: keys.quit: expected a key such as \"h\" or a list such as [\"h\", \"ctrl-h\"], found integer",
            "c.toml:5:14: error: keys.help[1]: expected a string, found integer",
        ]
    );
}

#[test]
fn bad_durations() {
    assert_eq!(
        lines("[shifts]\nlength = \"8 hours\"\nwarn_at = \"7x\"\nbreak_after = \"\"\n"),
        [
            "c.toml:3:11: error: shifts.warn_at: invalid duration \"7x\": unknown unit \"x\" (use d, h, m or s)",
            "c.toml:4:15: error: shifts.break_after: empty duration (expected something like \"45m\" or \"8h\")",
        ]
    );
}

#[test]
fn semantic_checks() {
    assert_eq!(
        lines("[shifts]\nwarn_at = \"8h\"\n"),
        ["c.toml:2:11: error: shifts.warn_at: warn_at (8h) must be shorter than length (8h)"]
    );
    // The default warn_at (7h) against a shorter length: the key in the file is blamed.
    assert_eq!(
        lines("[shifts]\nlength = \"6h\"\nbreak_after = \"2h\"\n"),
        ["c.toml:2:10: error: shifts.length: warn_at (7h) must be shorter than length (6h)"]
    );
    assert_eq!(
        lines("[cadence]\nsitrep_major = \"0m\"\n"),
        ["c.toml:2:16: error: cadence.sitrep_major: must be longer than zero"]
    );
    assert_eq!(
        lines("[roster]\nspan_of_control = 0\n"),
        [
            "c.toml:2:19: error: roster.span_of_control: must be between 1 and 50 (ICS suggests 3 to 7), found 0"
        ]
    );
    assert!(lines("[roster]\nspan_of_control = 50\n").is_empty());
    assert_eq!(
        lines("[shifts]\nbreak_after = \"8h\"\nwarn_at = \"6h\"\n"),
        [
            "c.toml:2:15: warning: shifts.break_after: break_after (8h) is not shorter than length (8h): no break will be suggested"
        ]
    );
}

#[test]
fn people_names_are_non_empty_and_unique() {
    let text = "[[people]]\nname = \"Ricardo\"\nhandle = \"@ric\"\n\
                [[people]]\nname = \"  \"\n\
                [[people]]\nname = \"ricardo \"\n\
                [[people]]\nname = \"Ana\"\nhandle = \"@RIC\"\n";
    assert_eq!(
        lines(text),
        [
            "c.toml:5:8: error: people[1].name: a name cannot be empty",
            "c.toml:7:8: error: people[2].name: duplicate person \"ricardo\" (also people[0])",
            "c.toml:10:10: warning: people[3].handle: handle \"@RIC\" is also people[0]'s",
        ]
    );
}

#[test]
fn every_problem_is_reported_together() {
    let text = "\
[cadence]
sitrep_confirmd = \"60m\"
status = \"soon\"

[shifts]
warn_at = \"9h\"

[roster]
span_of_control = 99

[[people]]
team = \"db\"
";
    let (config, diagnostics) = check(text, Path::new("c.toml"));
    assert!(config.is_none());
    let got: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "c.toml:2:1: error: cadence.sitrep_confirmd: unknown key (did you mean `sitrep_confirmed`?)",
            "c.toml:3:10: error: cadence.status: invalid duration \"soon\": expected a number at \"soon\" (e.g. \"45m\", \"8h\", \"1h30m\")",
            "c.toml:6:11: error: shifts.warn_at: warn_at (9h) must be shorter than length (8h)",
            "c.toml:9:19: error: roster.span_of_control: must be between 1 and 50 (ICS suggests 3 to 7), found 99",
            "c.toml:11:1: error: people[0]: missing required key `name`",
        ]
    );
    assert!(diagnostics.iter().all(|d| d.severity == Severity::Error));
    let Err(ConfigError::Invalid(all)) = Config::parse(text, Path::new("c.toml")) else {
        panic!("expected every diagnostic from Config::parse");
    };
    assert_eq!(all, diagnostics);
}

#[test]
fn a_valid_file_overrides_the_defaults() {
    let text = "[cadence]\nstatus = \"15m\"\n[[people]]\nname = \"渡辺 健\"\n[keys]\nquit = [\"q\", \"ctrl-c\"]\n";
    let (config, diagnostics) = check(text, Path::new("c.toml"));
    assert_eq!(diagnostics, Vec::<Diagnostic>::new());
    let config = config.unwrap_or_default();
    assert_eq!(config.cadence.status.as_secs(), 15 * 60);
    assert_eq!(config.cadence.sitrep_major.as_secs(), 30 * 60);
    assert_eq!(config.people[0].name, "渡辺 健");
    assert_eq!(config.keys["quit"].keys(), ["q", "ctrl-c"]);
}

#[test]
fn extra_checks_are_located_by_key_path() {
    let text = "[keys]\nquit = \"q\"\nfly = [\"f\", \"q\"]\n";
    let extra = |config: &Config| {
        assert!(config.keys.contains_key("fly"));
        vec![
            ("keys.fly".to_string(), "unknown action".to_string()),
            ("keys.fly[1]".to_string(), "`q` is already quit".to_string()),
            (
                "keys.nothere".to_string(),
                "falls back to the table".to_string(),
            ),
        ]
    };
    let (config, diagnostics) = check_with(text, Path::new("c.toml"), &extra);
    assert!(config.is_none());
    let got: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "c.toml:1:1: error: keys.nothere: falls back to the table",
            "c.toml:3:7: error: keys.fly: unknown action",
            "c.toml:3:13: error: keys.fly[1]: `q` is already quit",
        ]
    );
}

// ---- secrets ----

#[test]
fn inline_secrets_warn_and_references_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("token");
    std::fs::write(&secret_file, "s3cr3t\n").unwrap();
    let text = format!(
        "[[backends]]\nname = \"a\"\nkind = \"slack\"\nurl = \"https://hooks.example/T0/XYZ\"\n\
         [[backends]]\nname = \"b\"\nkind = \"webhook\"\nurl = \"env:PATH\"\nsecret = \"file:{}\"\n",
        secret_file.display()
    );
    let (config, diagnostics) = check(&text, Path::new("c.toml"));
    let got: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "c.toml:4:7: warning: backends[0].url: inline secret in backends[0].url: use env:NAME or file:/path"
        ]
    );
    assert!(!got[0].contains("XYZ"));
    assert_eq!(config.map(|c| c.backends.len()), Some(2));
}

#[test]
fn unresolvable_references_warn_naming_the_variable_or_file() {
    let text = "[[backends]]\nname = \"a\"\nrouting_key = \"env:COMMANDPOST_TEST_SURELY_UNSET\"\n\
                api_key = \"file:/nonexistent/commandpost/key\"\npassword = \"env:\"\n\
                access_token = 42\n";
    let got = lines(text);
    assert_eq!(got.len(), 4, "{got:#?}");
    assert_eq!(
        got[0],
        "c.toml:3:15: warning: backends[0].routing_key: environment variable COMMANDPOST_TEST_SURELY_UNSET is not set"
    );
    assert!(
        got[1].starts_with(
            "c.toml:4:11: warning: backends[0].api_key: secret file /nonexistent/commandpost/key: "
        ),
        "{}",
        got[1]
    );
    assert_eq!(
        got[2],
        "c.toml:5:12: error: backends[0].password: invalid environment variable name \"\" (write env:NAME)"
    );
    assert_eq!(
        got[3],
        "c.toml:6:16: error: backends[0].access_token: expected a string (env:NAME, file:/path or the secret), found integer"
    );
}

#[test]
fn backend_names_are_unique() {
    assert_eq!(
        lines("[[backends]]\nname = \"ops\"\n[[backends]]\nname = \"ops\"\n"),
        ["c.toml:4:8: error: backends[1].name: duplicate backend name \"ops\" (also backends[0])"]
    );
}

#[test]
fn secret_refs_resolve_or_name_what_is_missing() {
    let path = std::env::var("PATH").unwrap();
    let got = SecretRef::parse("env:PATH").resolve().unwrap();
    assert_eq!(got.expose_secret(), path);

    let err = SecretRef::parse("env:COMMANDPOST_TEST_SURELY_UNSET")
        .resolve()
        .unwrap_err();
    assert!(matches!(err, SecretError::EnvMissing { .. }));
    assert_eq!(
        err.to_string(),
        "environment variable COMMANDPOST_TEST_SURELY_UNSET is not set"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "hunter2\r\n").unwrap();
    let got = SecretRef::parse(&format!("file:{}", file.display()))
        .resolve()
        .unwrap();
    assert_eq!(got.expose_secret(), "hunter2");

    std::fs::write(&file, "\n").unwrap();
    let err = SecretRef::File(file.clone()).resolve().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("secret file {} is empty", file.display())
    );

    let missing = dir.path().join("missing");
    let err = SecretRef::File(missing.clone()).resolve().unwrap_err();
    assert!(matches!(err, SecretError::File { .. }));
    assert!(err.to_string().contains(&missing.display().to_string()));

    let inline = SecretRef::parse("hunter2").resolve().unwrap();
    assert_eq!(inline.expose_secret(), "hunter2");
}

#[cfg(unix)]
#[test]
fn a_readable_file_with_inline_secrets_warns() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = "[[backends]]\nname = \"a\"\nurl = \"https://hooks.example/secret\"\n";
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (config, diagnostics) = check(text, &path);
    assert!(config.is_some());
    let got: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    let p = path.display();
    assert_eq!(
        got,
        [
            format!(
                "{p}:1:1: warning: {p} holds inline secrets and is readable by group or others (mode 644): run `chmod 600 {p}`"
            ),
            format!(
                "{p}:3:7: warning: backends[0].url: inline secret in backends[0].url: use env:NAME or file:/path"
            ),
        ]
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(check(text, &path).1.len(), 1);

    // References only: no secret in the file, no permission warning.
    let text = "[[backends]]\nname = \"a\"\nurl = \"env:PATH\"\n";
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(check(text, &path).1, vec![]);

    // Config::load returns the warnings alongside the configuration.
    let text = "[[backends]]\nname = \"a\"\nurl = \"inline\"\n";
    std::fs::write(&path, text).unwrap();
    let (config, warnings) = Config::load(Some(&path), None).unwrap();
    assert_eq!(config.backends.len(), 1);
    assert_eq!(warnings.len(), 2);
}

// ---- init ----

#[test]
fn init_text_parses_back_to_the_default_without_diagnostics() {
    let (config, diagnostics) = check(init_text(), Path::new("init.toml"));
    assert_eq!(diagnostics, vec![]);
    assert_eq!(config, Some(Config::default()));
}

#[test]
fn init_text_documents_every_key() {
    let text = init_text();
    for table in [
        "[cadence]",
        "# [keys]",
        "# [[people]]",
        "# [[backends]]",
        "[shifts]",
        "[roster]",
    ] {
        assert!(text.contains(table), "{table} is not in the init text");
    }
    let keys = commandpost::config::CADENCE_KEYS
        .iter()
        .chain(commandpost::config::SHIFTS_KEYS)
        .chain(commandpost::config::ROSTER_KEYS)
        .map(|k| format!("\n{k} = "))
        .chain(
            commandpost::config::PERSON_KEYS
                .iter()
                .map(|k| format!("\n# {k} = ")),
        );
    for key in keys {
        assert!(text.contains(&key), "{key:?} is not in the init text");
    }
    // Uncommenting the examples gives a valid configuration.
    let uncommented: String = text
        .lines()
        .map(|l| {
            let example = |r: &&str| {
                r.starts_with('[')
                    || r.split_once(" = ")
                        .is_some_and(|(k, _)| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            };
            l.strip_prefix("# ").filter(example).unwrap_or(l)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (config, diagnostics) = check(&uncommented, Path::new("u.toml"));
    assert!(
        diagnostics.iter().all(|d| !d.is_error()),
        "{diagnostics:#?}"
    );
    let config = config.unwrap_or_default();
    assert_eq!(config.people.len(), 1);
    assert_eq!(config.backends.len(), 2);
    assert_eq!(config.keys.len(), 2);
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/config.toml");
    write_init(&path, false).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), init_text());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    std::fs::write(&path, "# mine\n").unwrap();
    let err = write_init(&path, false).unwrap_err();
    assert!(matches!(err, ConfigError::Exists { .. }));
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    write_init(&path, true).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), init_text());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn default_locations_end_in_commandpost() {
    if let Some(p) = commandpost::config::default_path() {
        assert!(p.ends_with("commandpost/config.toml"), "{}", p.display());
    }
    if let Some(p) = commandpost::config::default_data_dir() {
        assert!(p.ends_with("commandpost"), "{}", p.display());
    }
}

#[test]
fn followup_sections_are_checked_with_location() {
    let out = lines("[handoff]\nrequire_ack = \"yes\"\n");
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(
        out[0].starts_with("c.toml:2:15: error: handoff:"),
        "{out:?}"
    );
    let out = lines("[cleanup]\nitem = []\n");
    assert!(
        out[0].starts_with("c.toml:2:1: error: cleanup:") && out[0].contains("unknown field"),
        "{out:?}"
    );
    assert!(lines("[rotation]\nroles = [\"ops:database\"]\n").is_empty());
}

/// A misspelt backend kind is reported where it is written, with the kind meant (it was
/// reported at the entry's first line, as serde's "unknown variant").
#[test]
fn a_misspelt_backend_kind_is_reported_at_the_kind_with_the_closest_kind() {
    let text = "[[backends]]\nname = \"x\"\nkind = \"slak\"\nurl = \"env:PATH\"\n\
                [[backends]]\nname = \"y\"\nkind = \"carrier-pigeon\"\n";
    // As `config check` runs it: the keys, then every backend entry against its kind.
    let (_, diagnostics) =
        commandpost::config::check_with_findings(text, Path::new("c.toml"), &|c| {
            commandpost::delivery::setup::check_backends(c)
        });
    let got: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "c.toml:3:8: error: backends[0].kind: unknown backend kind \"slak\" (did you mean `slack`?)",
            "c.toml:7:8: error: backends[1].kind: unknown backend kind \"carrier-pigeon\" (one of: slack, teams, discord, mattermost, matrix, statuspage, pagerduty, email, ntfy, webhook, command, file)",
        ]
    );
}
