//! The status-update linter through its public API, as `lint` and `status post` use it: every
//! warning's span is turned into line:col of the text. No panic.
#![no_main]
use commandpost::domain::lint::Linter;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static LINTER: LazyLock<Linter> = LazyLock::new(|| Linter::builtin().unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for w in LINTER.lint_text(text) {
        let _ = commandpost::config::line_col(text, w.span.start);
        let _ = commandpost::config::line_col(text, w.span.end);
        assert!(
            text.get(w.span.clone()).is_some(),
            "span on char boundaries: {w:?}"
        );
    }
});
