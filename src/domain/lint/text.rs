//! Text preparation for the built-in detectors: an ASCII, lower-case copy of the text with a map
//! back to the original byte offsets, split into sentences.
//!
//! Every char of the original becomes exactly one byte of the copy, so a range of the copy maps
//! back to a range of the original that starts and ends on char boundaries.

use std::ops::Range;

/// The prepared text.
pub(crate) struct Prepared {
    /// One ASCII byte per char of the original: lower case; curly quotes and dashes folded to
    /// their ASCII forms; other letters and digits `x`; anything else a space.
    pub s: Vec<u8>,
    /// `map[i]` is the byte offset in the original of the char that became `s[i]`;
    /// `map[s.len()]` is the original's length.
    map: Vec<usize>,
    /// Sentences (ranges of `s`), trimmed, in order. A line break always ends a sentence.
    pub sentences: Vec<Range<usize>>,
}

impl Prepared {
    pub fn new(text: &str) -> Prepared {
        let mut s = Vec::with_capacity(text.len());
        let mut map = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.char_indices() {
            let b = match c {
                c if c.is_ascii() => c.to_ascii_lowercase() as u8,
                '\u{2018}' | '\u{2019}' | '\u{2032}' | '\u{02BC}' => b'\'',
                '\u{201C}' | '\u{201D}' | '\u{00AB}' | '\u{00BB}' => b'"',
                '\u{2010}'..='\u{2015}' | '\u{2212}' => b'-',
                '\u{2026}' => b'.',
                c if c.is_whitespace() => b' ',
                c if c.is_alphanumeric() => b'x',
                _ => b' ',
            };
            s.push(b);
            map.push(i);
        }
        map.push(text.len());
        // HTML line breaks as some status pages store them: `<br />`, `<br/>`, `<br>`.
        let mut i = 0;
        while let Some(at) = find(&s[i..], b"<br") {
            let start = i + at;
            let Some(close) = s[start..].iter().take(6).position(|&b| b == b'>') else {
                i = start + 3;
                continue;
            };
            s[start] = b'\n';
            for b in &mut s[start + 1..=start + close] {
                *b = b' ';
            }
            i = start + close + 1;
        }
        let sentences = split_sentences(&s);
        Prepared { s, map, sentences }
    }

    /// The original byte range of a range of `s`.
    pub fn original(&self, r: Range<usize>) -> Range<usize> {
        let start = self.map.get(r.start).copied().unwrap_or(0);
        let end = self.map.get(r.end).copied().unwrap_or(start);
        start..end.max(start)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Words after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&[u8]] = &[
    b"a.m", b"p.m", b"e.g", b"i.e", b"approx", b"vs", b"etc", b"inc", b"no", b"st", b"jan", b"feb",
    b"mar", b"apr", b"jun", b"jul", b"aug", b"sep", b"sept", b"oct", b"nov", b"dec", b"u.s", b"mr",
    b"ms", b"dr", b"est",
];

fn split_sentences(s: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let push = |from: usize, to: usize, out: &mut Vec<Range<usize>>| {
        let mut a = from;
        let mut b = to;
        while a < b && s[a].is_ascii_whitespace() {
            a += 1;
        }
        while b > a && s[b - 1].is_ascii_whitespace() {
            b -= 1;
        }
        if a < b {
            out.push(a..b);
        }
    };
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let end = match b {
            b'\n' | b'!' | b'?' | b';' => true,
            b'.' => {
                let next = s.get(i + 1).copied();
                let at_gap = matches!(next, None | Some(b' ' | b'\n' | b'\t' | b'"' | b')'));
                at_gap && !after_abbreviation(s, i)
            }
            _ => false,
        };
        if end {
            push(start, i + 1, &mut out);
            start = i + 1;
        }
        i += 1;
    }
    push(start, s.len(), &mut out);
    out
}

/// Whether the full stop at `dot` ends an abbreviation (`a.m.`, `e.g.`, `approx.`).
fn after_abbreviation(s: &[u8], dot: usize) -> bool {
    let word_start = s[..dot]
        .iter()
        .rposition(|b| !(b.is_ascii_alphabetic() || *b == b'.'))
        .map_or(0, |p| p + 1);
    let word = &s[word_start..dot];
    ABBREVIATIONS.contains(&word)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<String> {
        let p = Prepared::new(text);
        p.sentences
            .iter()
            .map(|r| String::from_utf8(p.s[r.clone()].to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn folds_to_ascii_one_byte_per_char() {
        let text = "We’ll fix it — Señor 🚀 “ok”";
        let p = Prepared::new(text);
        assert_eq!(p.s.len(), text.chars().count());
        assert_eq!(&p.s, b"we'll fix it - sexor   \"ok\"");
        let r = p.original(0..5);
        assert_eq!(&text[r], "We’ll");
        let all = p.original(0..p.s.len());
        assert_eq!(all, 0..text.len());
    }

    #[test]
    fn splits_sentences_not_abbreviations() {
        assert_eq!(
            sentences("Back by 9 a.m. CET. Next update soon!\nThanks; bye"),
            vec!["back by 9 a.m. cet.", "next update soon!", "thanks;", "bye"]
        );
        assert_eq!(sentences("v2.14 is out. ok"), vec!["v2.14 is out.", "ok"]);
        assert_eq!(sentences("one<br /><br />two"), vec!["one", "two"]);
    }
}
