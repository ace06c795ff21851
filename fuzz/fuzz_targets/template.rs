//! Template source: compiled (syntax errors with name and line), then rendered in process with
//! the product's fuel and output cap against a sitrep's context. No panic, no hang (fuel), no
//! output past the cap.
//!
//! Sources that can grow memory in a few instructions (`~`, `+`, `*`, `%`, `set`, macros and
//! the filters that build strings from strings) are compiled but not rendered here: no
//! in-process limit can bound them (a terabyte in forty instructions), so the product renders
//! template files in a memory-limited child (`commandpost::sandbox`, tested there), and a
//! child's coverage would not reach libFuzzer anyway.
#![no_main]
use commandpost::domain::template::{MAX_MESSAGE_CHARS, Template};
use libfuzzer_sys::fuzz_target;

const GROWS: &[&str] = &[
    "~",
    "+",
    "*",
    "%",
    "set",
    "macro",
    "call",
    "namespace",
    "join",
    "replace",
    "indent",
    "center",
    "format",
    "pprint",
    "tojson",
    "wordwrap",
    "repeat",
    "urlize",
    "dictsort",
    "sum",
    "include",
    "import",
    "extends",
    "block",
    "filter",
];

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let t = Template::from_source("fuzz.j2", src);
    if t.check().is_err() || GROWS.iter().any(|g| src.contains(g)) {
        return;
    }
    let ctx = serde_json::json!({
        "summary": "Checkout fails for 4% of EU requests",
        "impact": "EU customers cannot pay",
        "actions": "failing over the database\nrolling back 2.14",
        "needs": "- Open question: is the CDN involved?",
        "links": [{"label": "Vendor ticket", "url": "https://status.example.com/t/1"}],
        "ic": "Alice", "comms": null,
        "responders": ["渡辺 健", "José", "Noah"],
        "groups": ["database", "network"],
        "version": 3, "sent_at": "2026-11-21 03:00 UTC",
        "incident": {"id": "INC-1", "title": "Checkout", "state": "major",
                     "state_word": "Major", "level": 3},
    });
    if let Ok(out) = t.render(&ctx) {
        assert!(out.chars().count() <= MAX_MESSAGE_CHARS);
    }
});
