//! Timestamps as a snapshot body holds them (`domain::stamp`): the hand-written reader of the
//! form commandpost writes must give, for any text, exactly what jiff's parser gives (the
//! same timestamp, or an error with the same message), and never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = commandpost::domain::stamp::parse(text).map_err(|e| e.to_string());
    let jiffs = text.parse::<jiff::Timestamp>().map_err(|e| e.to_string());
    assert_eq!(ours, jiffs, "{text:?}");
});
