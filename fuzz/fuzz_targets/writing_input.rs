//! Sitrep and status TOML input (`sitrep send --file`, `status post --file`) applied to an
//! incident, validated, linted and rendered with the built-in templates: what a user typed is
//! the template's context. No panic; a rendered text stays within the backends' limit.
#![no_main]
use commandpost::cli::{Input, apply_sitrep_input, apply_status_input};
use commandpost::domain::event::{Event, FORMAT_VERSION};
use commandpost::domain::lint::Linter;
use commandpost::domain::template::{MAX_MESSAGE_CHARS, Template};
use commandpost::domain::{Incident, incident, sitrep, status};
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static NOW: LazyLock<Timestamp> = LazyLock::new(|| "2026-11-21T03:00:00Z".parse().unwrap());
static INC: LazyLock<Incident> = LazyLock::new(|| {
    let e = Event {
        v: FORMAT_VERSION,
        seq: 1,
        ts: *NOW,
        actor: "alice".into(),
        payload: incident::open("INC-1", "Checkout errors", "alice").unwrap(),
        rep: Default::default(),
    };
    Incident::replay([&e]).unwrap()
});
static LINTER: LazyLock<Linter> = LazyLock::new(|| Linter::builtin().unwrap());

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let input = Input {
        name: "fuzz.toml".into(),
        text: text.to_string(),
    };
    if mode % 2 == 0 {
        let mut fields = sitrep::prefill(&INC);
        if apply_sitrep_input(&input, &mut fields).is_ok() {
            for t in [Template::sitrep_default(), Template::sitrep_can()] {
                if let Ok(commandpost::domain::Payload::SitrepSent { rendered, .. }) =
                    sitrep::compose(&INC, &fields, &t, *NOW)
                {
                    assert!(rendered.chars().count() <= MAX_MESSAGE_CHARS);
                }
            }
        }
    } else {
        let mut fields = status::prefill(&INC);
        fields.stage = "investigating".into();
        if let Ok(next) = apply_status_input(&input, &mut fields) {
            fields.next_update_at = next.and_then(|d| NOW.checked_add(d).ok());
            if let Ok(built) = status::build(&fields, *NOW) {
                for w in status::lint(&LINTER, &built) {
                    let _ = w.reason.len();
                }
            }
            let _ = status::compose(&INC, &fields, &Template::status_default(), *NOW);
        }
    }
});
