//! Everything the command line prints goes through here: plain text through the one sanitiser
//! ([`crate::domain::text::safe`]), JSON with the same characters escaped as `\uXXXX`
//! (lossless: a U+009B or U+202E in a journal string stays data, never a terminal command).
//! A closed pipe (`commandpost export | head`) ends the output quietly instead of panicking.

use crate::domain::text::{is_unsafe, safe};
use serde::Serialize;
use std::io::Write;

fn write(mut w: impl Write, s: impl std::fmt::Display, newline: bool) {
    let s = s.to_string();
    let s = safe(&s);
    let r = w
        .write_all(s.as_bytes())
        .and_then(|()| if newline { w.write_all(b"\n") } else { Ok(()) });
    if let Err(e) = r
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        // The reader went away: nothing more to say to it.
        std::process::exit(0);
    }
}

/// A line of plain output.
pub fn line(s: impl std::fmt::Display) {
    write(std::io::stdout().lock(), s, true);
}

/// Plain output as is (no newline added).
pub fn text(s: impl std::fmt::Display) {
    write(std::io::stdout().lock(), s, false);
}

/// Text on standard error (no newline added), e.g. a prompt.
pub fn err_text(s: impl std::fmt::Display) {
    write(std::io::stderr().lock(), s, false);
}

/// A line on standard error.
pub fn err(s: impl std::fmt::Display) {
    write(std::io::stderr().lock(), s, true);
}

/// `value` as pretty JSON on standard output, unsafe characters escaped.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), serde_json::Error> {
    let text = to_json(value)?;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
    Ok(())
}

/// Like [`json`], written as it is serialised (a long incident's JSON is never held whole in
/// memory).
pub fn json_streamed<T: Serialize + ?Sized>(value: &T) -> Result<(), serde_json::Error> {
    let out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut ser = serde_json::Serializer::with_formatter(out, Escaping::default());
    let done = value.serialize(&mut ser).map(|()| ser.into_inner());
    end_json(done)
}

/// A JSON document written (or why not): its newline, flushed; a reader that went away
/// (`| head`) ends the process quietly, as the other commands' output does.
fn end_json<W: Write>(written: Result<W, serde_json::Error>) -> Result<(), serde_json::Error> {
    let done = written.and_then(|mut out| {
        out.write_all(b"\n")
            .and_then(|()| out.flush())
            .map_err(serde_json::Error::io)
    });
    match done {
        Err(e) if e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) => {
            std::process::exit(0)
        }
        r => r,
    }
}

/// Like [`json_streamed`] for a value already serialised as JSON text (`json`, checked to
/// be well formed): written as [`json`] writes the value it holds, without decoding it.
pub fn json_reformatted(json: &str) -> Result<(), serde_json::Error> {
    let out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    end_json(reformat(json, out))
}

/// `json` (JSON text) written to `out` as [`to_json`] writes the value it holds.
pub fn reformat<W: Write>(json: &str, out: W) -> Result<W, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let mut ser = serde_json::Serializer::with_formatter(out, Escaping::default());
    serde_transcode::transcode(&mut de, &mut ser)?;
    de.end()?;
    Ok(ser.into_inner())
}

/// Pretty JSON with every [`is_unsafe`] character escaped as `\uXXXX` (C0 controls are escaped
/// by JSON itself; C1 controls, DEL and bidi formatting characters are not).
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Escaping::default());
    value.serialize(&mut ser)?;
    String::from_utf8(buf).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

/// Methods of the pretty formatter, passed on to it (`with first`: those that take `first`).
macro_rules! pretty {
    ($($plain:ident),*; with first: $($first:ident),*) => {
        $(fn $plain<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
            self.0.$plain(w)
        })*
        $(fn $first<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
            self.0.$first(w, first)
        })*
    };
}

#[derive(Default)]
struct Escaping(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for Escaping {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // Printable ASCII (all of most text) has nothing to escape: serde_json has already
        // escaped C0 controls, and DEL and every other unsafe character is not ASCII
        // printable.
        if fragment.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                write!(w, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    // Pretty layout: the pretty formatter's.
    pretty! {
        begin_array, end_array, end_array_value, begin_object, end_object,
        begin_object_value, end_object_value;
        with first: begin_array_value, begin_object_key
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_c1_and_bidi_and_round_trips() {
        let v = serde_json::json!({"name": "Mallory\u{9b}2J\u{202E}gpj.exe\u{7f}", "ok": "渡辺 \"x\"\n"});
        let text = to_json(&v).unwrap();
        assert!(
            text.contains(r"Mallory\u009b2J\u202egpj.exe\u007f"),
            "{text}"
        );
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text:?}");
        assert!(text.contains("渡辺"));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v, "lossless");
        // Plain ASCII around a DEL alone (the printable-ASCII shortcut must not take it).
        let text = to_json(&serde_json::json!(["plain", "a\u{7f}b"])).unwrap();
        assert!(
            text.contains(r#""plain""#) && text.contains(r"a\u007fb"),
            "{text}"
        );
    }
}
