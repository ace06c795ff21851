//! Configuration loading from bytes: UTF-8 (with line:col), then every check the entry points
//! run (`[keys]` included) and what a valid configuration builds. No panic; every diagnostic
//! displays.
#![no_main]
use commandpost::config::{Config, check_with};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.toml");
    let text = match commandpost::files::utf8(data.to_vec(), path) {
        Ok(t) => t,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let (config, diags) = check_with(&text, path, &commandpost::app::validate_keys);
    for d in &diags {
        let _ = d.to_string();
    }
    if let Some(c) = config {
        let _ = c.policy();
        let _ = c.linter();
        let _ = commandpost::delivery::setup::check_backends(&c);
        // Built-in templates only: a file template would be read from this machine's disk.
        if !c.templates.sitrep.contains('/') && !c.templates.sitrep.ends_with(".j2") {
            let _ = c.sitrep_template();
        }
        let _ = Config::parse(&text, path);
    }
});
