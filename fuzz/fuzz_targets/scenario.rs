//! Drill scenario loading: UTF-8 with line:col, then the scenario check. No panic; every
//! diagnostic displays; a scenario that loads gives its schedule.
#![no_main]
use commandpost::drill::Scenario;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz-drill.toml");
    let text = match commandpost::files::utf8(data.to_vec(), path) {
        Ok(t) => t,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    match Scenario::parse(&text, path) {
        Ok((s, warnings)) => {
            for w in &warnings {
                let _ = w.to_string();
            }
            let _ = s.person(&s.initial.ic);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // A drill script (`[[action]]` entries) from the same bytes.
    if let Err(errors) = commandpost::drill::parse_script(&text) {
        for e in errors {
            let _ = e.len();
        }
    }
});
