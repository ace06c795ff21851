//! The journal line decoder and replay, as `Journal::read` sees a file: complete lines decoded
//! (a newer version's kept), seq increasing, an incomplete tail left alone; then the incident
//! replayed and described. Properties: no panic; what decodes encodes and decodes to the same
//! event (replication re-encodes events).
#![no_main]
use commandpost::domain::{Event, Incident};
use commandpost::journal::Journal;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("commandpost-fuzz-{}.jsonl", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&b| b == b'\n') {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if let Ok(ev) = Event::from_line(text) {
            let again = ev.to_line().expect("a decoded event encodes");
            let back = Event::from_line(&again).expect("an encoded event decodes");
            assert_eq!(back, ev, "{text}");
            let _ = commandpost::domain::describe::describe(&ev.payload);
        }
    }
    // The whole input as a journal file: the reader's rules (torn tail, damage, seq order).
    let path = scratch();
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok((events, _torn)) = Journal::read(&path) {
        let _ = commandpost::journal::require_understood(&path, &events, "fuzz");
        if let Ok(inc) = Incident::replay(&events) {
            let _ = serde_json::to_string(&inc);
            let _ = inc.group_of(&inc.opened_by);
            let _ = inc.person(&inc.opened_by);
            let _ = commandpost::domain::sitrep::prefill(&inc);
            let _ = commandpost::domain::status::prefill(&inc);
        }
    }
});
