//! A snapshot body (`journal::snapshot`): the reader of the split layout (the state with the
//! incident's first notes, a newline, the array of its other notes) must never panic, and
//! whatever it reads from two parts must be exactly what the parts joined into one text read
//! as.
#![no_main]
use commandpost::journal::snapshot::{self, IncidentOnly};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let split = text.find('\n').map_or(0, |i| i as u64);
    for split in [split, 0] {
        let parts = snapshot::state_of::<IncidentOnly>(text, split);
        let joined = snapshot::joined_body(text, split);
        if let (Ok(parts), Ok(joined)) = (parts, joined) {
            let whole = snapshot::state_of::<IncidentOnly>(&joined, 0);
            assert_eq!(whole.as_ref().ok(), Some(&parts), "{text:?} split at {split}");
        }
    }
});
