//! Timestamps read fast. The form commandpost itself writes (`2026-11-21T03:00:00Z`, with
//! an optional fraction of one to nine digits) is read here directly; any other text goes to
//! jiff's parser, so what is accepted, what it means and every error stay jiff's.
//!
//! A long incident's snapshot holds one timestamp per note (68,000 at 100,000 events); with
//! jiff's general parser they were a sixth of the time to decode it.

use jiff::Timestamp;

/// The timestamp `text` names, as `text.parse::<Timestamp>()` reads it.
pub fn parse(text: &str) -> Result<Timestamp, jiff::Error> {
    match canonical(text.as_bytes()) {
        Some(t) => Ok(t),
        None => text.parse(),
    }
}

/// For `#[serde(deserialize_with = "...")]`: a timestamp field read through [`parse`].
pub fn de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    struct Text;
    impl serde::de::Visitor<'_> for Text {
        type Value = Timestamp;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 timestamp string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
            parse(v).map_err(E::custom)
        }
    }
    d.deserialize_str(Text)
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` read by hand; `None` for anything else (and for any
/// value jiff might read differently: a leap second, a date out of range), left to jiff.
fn canonical(b: &[u8]) -> Option<Timestamp> {
    let (head, rest) = b.split_at_checked(19)?;
    let frac = rest.strip_suffix(b"Z")?;
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        head.get(range)?.iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(i, c)| head.get(i) != Some(&c)) {
        return None;
    }
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let nanos = match frac {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            let n = fraction.iter().try_fold(0i32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + i32::from(c - b'0'))
            })?;
            let scale = 9u32.checked_sub(u32::try_from(fraction.len()).ok()?)?;
            n.checked_mul(10i32.checked_pow(scale)?)?
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
    Timestamp::new(seconds, nanos).ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_written_forms_are_read_by_hand_and_agree_with_jiff() {
        for text in [
            "2026-11-21T03:00:00Z",
            "2026-11-19T15:01:09.984Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59.000000001Z",
            "2000-02-29T12:00:00.5Z",
            "1969-12-31T23:59:59.999999999Z",
            "0001-01-01T00:00:00Z",
        ] {
            let by_hand = canonical(text.as_bytes());
            assert!(by_hand.is_some(), "{text} not read by hand");
            assert_eq!(by_hand, text.parse::<Timestamp>().ok(), "{text}");
        }
    }

    #[test]
    fn other_forms_go_to_jiff_with_its_answer_and_errors() {
        for text in [
            "2026-11-21T03:00:00+01:00",
            "2026-11-21 03:00:00Z",
            "2026-11-21t03:00:00z",
            "2026-11-21T03:00:60Z",
            "2023-02-29T00:00:00Z",
            "2026-11-21T03:00:00.Z",
            "2026-11-21T03:00:00.1234567890Z",
            "2026-11-21T03:00:00,5Z",
            "2026-13-01T00:00:00Z",
            "+2026-11-21T03:00:00Z",
            "",
            "Z",
        ] {
            assert_eq!(canonical(text.as_bytes()), None, "{text} read by hand");
            let ours = parse(text).map_err(|e| e.to_string());
            let jiffs = text.parse::<Timestamp>().map_err(|e| e.to_string());
            assert_eq!(ours, jiffs, "{text}");
        }
    }

    #[test]
    fn a_note_read_through_it_is_the_note_jiff_reads() {
        let json = r#"{"at":"2026-11-19T15:01:09.984Z","by":"Marta","text":"x"}"#;
        let note: crate::domain::incident::Note = serde_json::from_str(json).unwrap();
        assert_eq!(
            note.at,
            "2026-11-19T15:01:09.984Z".parse::<Timestamp>().unwrap()
        );
        let bad = r#"{"at":"2023-02-29T00:00:00Z","by":"Marta","text":"x"}"#;
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code, reason = "only the error is compared")]
        struct JiffNote {
            at: Timestamp,
            by: String,
            text: String,
        }
        let ours = serde_json::from_str::<crate::domain::incident::Note>(bad).unwrap_err();
        let jiffs = serde_json::from_str::<JiffNote>(bad).unwrap_err();
        assert_eq!(ours.to_string(), jiffs.to_string());
    }

    proptest! {
        #[test]
        fn any_timestamp_as_written_reads_back_by_hand(
            secs in Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
            nanos in 0i32..1_000_000_000,
        ) {
            if let Ok(t) = Timestamp::new(secs, nanos) {
                let text = t.to_string();
                prop_assert_eq!(parse(&text).ok(), Some(t));
                if text.len() <= 30 && !text.starts_with('-') {
                    prop_assert_eq!(canonical(text.as_bytes()), Some(t), "{}", text);
                }
            }
        }

        #[test]
        fn any_text_of_the_written_shape_reads_as_jiff_reads_it(
            text in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,10})?Z?",
        ) {
            prop_assert_eq!(
                parse(&text).map_err(|e| e.to_string()),
                text.parse::<Timestamp>().map_err(|e| e.to_string())
            );
        }

        #[test]
        fn any_bytes_never_panic_and_agree_with_jiff(text in "\\PC{0,40}") {
            prop_assert_eq!(
                parse(&text).map_err(|e| e.to_string()),
                text.parse::<Timestamp>().map_err(|e| e.to_string())
            );
        }
    }
}
