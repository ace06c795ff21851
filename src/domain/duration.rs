//! Human durations ("45m", "8h", "1h30m", "90s") and their display ("1h12m").

use jiff::SignedDuration;

/// Parses a human duration: a sequence of `<number><unit>` with units
/// `d`, `h`, `m`, `s` (also `min`, `hr`, `sec` and plural words), e.g. `8h`,
/// `1h 30m`, `45 minutes`. Returns a message describing what is wrong.
pub fn parse(input: &str) -> Result<SignedDuration, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("empty duration (expected something like \"45m\" or \"8h\")".into());
    }
    let mut total: i64 = 0;
    let mut rest = s;
    let mut parts = 0;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(format!(
                "invalid duration {input:?}: expected a number at {rest:?} (e.g. \"45m\", \"8h\", \"1h30m\")"
            ));
        }
        let n: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("invalid duration {input:?}: number too large"))?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        let secs = match unit.to_ascii_lowercase().as_str() {
            "d" | "day" | "days" => 86_400,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "" => {
                return Err(format!(
                    "invalid duration {input:?}: missing unit after {n} (use d, h, m or s)"
                ));
            }
            other => {
                return Err(format!(
                    "invalid duration {input:?}: unknown unit {other:?} (use d, h, m or s)"
                ));
            }
        };
        total = n
            .checked_mul(secs)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("invalid duration {input:?}: too large"))?;
        rest = &rest[unit_len..];
        parts += 1;
    }
    if parts == 0 {
        return Err(format!("invalid duration {input:?}"));
    }
    Ok(SignedDuration::from_secs(total))
}

/// Compact display: `0s`, `45s`, `12m`, `1h05m`, `2d3h`. Negative durations
/// display as their absolute value prefixed by `-`.
pub fn short(d: SignedDuration) -> String {
    let secs = d.as_secs();
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let (days, hours, mins) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60);
    let body = if days > 0 {
        format!("{days}d{hours}h")
    } else if hours > 0 {
        format!("{hours}h{mins:02}m")
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{s}s")
    };
    format!("{sign}{body}")
}

/// Display for configuration round-trips: `8h`, `45m`, `1h30m`, `90s`.
pub fn config_form(d: SignedDuration) -> String {
    let s = d.as_secs().unsigned_abs();
    let mut out = String::new();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

/// Serde adapter for human durations in config files.
pub mod serde_human {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::config_form(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
        let raw = String::deserialize(d)?;
        super::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(parse("45m").map(|d| d.as_secs()), Ok(2700));
        assert_eq!(parse("8h").map(|d| d.as_secs()), Ok(28_800));
        assert_eq!(parse("1h 30m").map(|d| d.as_secs()), Ok(5400));
        assert_eq!(parse("1h30m15s").map(|d| d.as_secs()), Ok(5415));
        assert_eq!(parse("30 minutes").map(|d| d.as_secs()), Ok(1800));
        assert_eq!(parse("2d").map(|d| d.as_secs()), Ok(172_800));
    }

    #[test]
    fn rejects_garbage_with_reason() {
        assert!(parse("").is_err());
        assert!(parse("45").unwrap_err().contains("missing unit"));
        assert!(parse("5y").unwrap_err().contains("unknown unit"));
        assert!(parse("h").unwrap_err().contains("expected a number"));
        assert!(parse("99999999999999999999h").is_err());
    }

    #[test]
    fn displays_compactly() {
        assert_eq!(short(SignedDuration::from_secs(0)), "0s");
        assert_eq!(short(SignedDuration::from_secs(71 * 60)), "1h11m");
        assert_eq!(short(SignedDuration::from_secs(18 * 60 + 5)), "18m");
        assert_eq!(
            short(SignedDuration::from_secs(7 * 3600 + 12 * 60)),
            "7h12m"
        );
        assert_eq!(short(SignedDuration::from_secs(26 * 3600)), "1d2h");
        assert_eq!(short(SignedDuration::from_secs(-90)), "-1m");
        assert_eq!(config_form(SignedDuration::from_secs(5400)), "1h30m");
    }
}
