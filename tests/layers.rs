//! Dependencies point one way (issue 11). Reads every `.rs` file under `src/` as text and
//! checks two rules:
//!
//! 1. The domain (`src/domain/`) imports nothing of the crate outside itself (not config,
//!    journal, delivery, drill, app, ui, cli, ...), no IO or terminal crate (tokio, reqwest,
//!    lettre, ratatui, crossterm, directories), nothing of `std::fs`, `std::net`,
//!    `std::process`, `std::env` or `std::thread`, and never reads the clock (`now` comes in).
//! 2. No cycle between the crate's top-level modules (`src/<dir>/` or `src/<file>.rs`): if
//!    `a` uses `b` (directly or through others), `b` does not use `a`.
//!
//! Comments, doc comments and string literals are blanked out first, so prose that names a
//! module is not an import. `crate::a::...`, `crate::{a, b}` and `super::...` chains that
//! climb to the crate root are all followed, wherever they stand (in `use`, a type, an
//! expression, a test module). The checks themselves are tested on synthetic sources below.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// IO, network and terminal crates the domain may not name.
const DOMAIN_FORBIDDEN_CRATES: &[&str] = &[
    "tokio",
    "reqwest",
    "lettre",
    "ratatui",
    "crossterm",
    "directories",
];

/// Parts of `std` that do IO or read the environment.
const DOMAIN_FORBIDDEN_STD: &[&str] = &["fs", "net", "process", "env", "thread"];

/// Clock types whose `::now()` the domain may not call.
const CLOCKS: &[&str] = &["Timestamp", "SystemTime", "Instant", "Zoned"];

/// Edges `(from, to)` between top-level modules that still close a cycle, each with the
/// reason and the plan. The test fails when one is no longer there (remove it then), so this
/// list only shrinks.
/// (The last one, app -> ui, went when the terminal loop moved from app to shell.)
const KNOWN_CYCLE_EDGES: &[(&str, &str, &str)] = &[];

/// One source file: its path below `src/` (with `/`) and its text.
struct Source {
    path: String,
    text: String,
}

/// What a path in the code names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// A top-level module of this crate (`crate::journal::...`).
    Module(String),
    /// Another crate, or `std::<part>` (`tokio`, `std::fs`).
    Extern(String),
    /// A clock read: `Timestamp::now()`.
    Clock(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    line: usize,
    target: Target,
}

fn sources(root: &Path) -> Vec<Source> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Source>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| {
                e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                    .path()
            })
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(root).unwrap_or(&p);
                let path = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let text =
                    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                out.push(Source { path, text });
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

fn src_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The text with comments and the contents of string and char literals replaced by spaces
/// (line breaks kept, so line numbers stay right).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&c, i) {
            // r"..." / r#"..."# / br#"..."#: up to the quote followed by as many hashes.
            let open = c[i..].iter().position(|&x| x == '"').unwrap_or(0) + i;
            out.extend(std::iter::repeat_n(' ', open + 1 - i));
            i = open + 1;
            while i < c.len() {
                if c[i] == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#')) {
                    out.extend(std::iter::repeat_n(' ', hashes + 1));
                    i += hashes + 1;
                    break;
                }
                out.push(blank(c[i]));
                i += 1;
            }
        } else if c[i] == '"' {
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c[i] == '\'' && char_literal_len(&c, i) > 0 {
            let n = char_literal_len(&c, i);
            out.extend(std::iter::repeat_n(' ', n));
            i += n;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// At a raw string (`r"`, `r#"`, `br##"`, not inside an identifier): its number of hashes.
fn raw_string_start(c: &[char], i: usize) -> Option<usize> {
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None;
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = c[j..].iter().take_while(|&&x| x == '#').count();
    (c.get(j + hashes) == Some(&'"')).then_some(hashes)
}

/// At `'`: the length of a char literal (`'a'`, `'\n'`, `'\u{1F600}'`), or 0 for a lifetime.
fn char_literal_len(c: &[char], i: usize) -> usize {
    if c.get(i + 1) == Some(&'\\') {
        c.get(i + 3..)
            .and_then(|rest| rest.iter().position(|&x| x == '\''))
            .map_or(0, |p| p + 4)
    } else if c.get(i + 2) == Some(&'\'') {
        3
    } else {
        0
    }
}

/// The module path of a file below `src/`: `domain/followup/mod.rs` -> `[domain, followup]`.
fn module_path(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path.split('/').map(str::to_string).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// The top-level module a file belongs to (`None` for the crate roots).
fn top_level(path: &str) -> Option<String> {
    module_path(path).into_iter().next()
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Reads identifiers separated by `::` from `s` (spaces allowed), stopping before a `{`.
/// Returns the segments and what follows them.
fn path_segments(s: &str) -> (Vec<String>, &str) {
    let mut segs = Vec::new();
    let mut rest = s;
    loop {
        let t = rest.trim_start();
        let n = t.find(|ch: char| !is_ident(ch)).unwrap_or(t.len());
        if n == 0 {
            return (segs, t);
        }
        segs.push(t[..n].to_string());
        let after = t[n..].trim_start();
        match after.strip_prefix("::") {
            Some(r) => rest = r,
            None => return (segs, after),
        }
    }
}

/// The first segment of every item of a `{a::b, c, d::{e, f}}` group at `s` (which starts
/// at `{`).
fn group_heads(s: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut at_item = true;
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() {
        match b[i] {
            b'{' => {
                depth += 1;
                at_item = depth == 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => at_item = true,
            _ if at_item && depth == 1 && is_ident(b[i] as char) => {
                let (segs, _) = path_segments(&s[i..]);
                heads.extend(segs.into_iter().next());
                at_item = false;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

/// Inline modules (`mod tests { ... }`) of a file: byte range of the body and name.
fn inline_modules(code: &str) -> Vec<(usize, usize, String)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    for (at, _) in code.match_indices("mod") {
        let word_before = at > 0 && is_ident(b[at - 1] as char);
        let rest = &code[at + 3..];
        if word_before || !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let (segs, after) = path_segments(rest);
        let (Some(name), true) = (segs.first(), segs.len() == 1 && after.starts_with('{')) else {
            continue;
        };
        let open = code.len() - after.len();
        let mut depth = 0;
        for (i, ch) in code[open..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push((open, open + i, name.clone()));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Every reference a file makes to a top-level module of the crate, to one of `externs`
/// or to `std::<part>`, or to the clock.
fn references(path: &str, text: &str, externs: &[&str]) -> Vec<Reference> {
    let code = code_only(text);
    let file_module = module_path(path);
    let inline = inline_modules(&code);
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    for (at, _) in code.match_indices("::") {
        let before = &code[..at];
        let word_start = before.rfind(|ch: char| !is_ident(ch)).map_or(0, |p| p + 1);
        let head = &before[word_start..];
        let (segs, rest) = path_segments(&code[at + 2..]);
        let mut push = |target: Target| {
            out.push(Reference {
                line: line_of(at),
                target,
            });
        };
        if CLOCKS.contains(&head) {
            if segs.first().is_some_and(|s| s == "now") && rest.starts_with('(') {
                push(Target::Clock(format!("{head}::now()")));
            }
            continue;
        }
        if before[..word_start].trim_end().ends_with("::") {
            continue; // not the head of a path
        }
        let heads = |segs: &[String]| match segs.first() {
            Some(first) => vec![first.clone()],
            None if rest.starts_with('{') => group_heads(rest),
            None => Vec::new(),
        };
        let names = match head {
            "crate" => segs,
            "super" => {
                let mut here = file_module.clone();
                here.extend(
                    inline
                        .iter()
                        .filter(|(s, e, _)| *s < at && at < *e)
                        .map(|(_, _, n)| n.clone()),
                );
                let ups = 1 + segs.iter().take_while(|s| *s == "super").count();
                if ups != here.len() {
                    continue; // stays inside a top-level module (or climbs past the root)
                }
                segs[ups - 1..].to_vec()
            }
            "std" => {
                for p in heads(&segs) {
                    push(Target::Extern(format!("std::{p}")));
                }
                continue;
            }
            h if externs.contains(&h) => {
                push(Target::Extern(h.to_string()));
                continue;
            }
            _ => continue,
        };
        for t in heads(&names) {
            if t != "self" && t != "super" {
                push(Target::Module(t));
            }
        }
    }
    // `use tokio;` / `extern crate tokio;`: a crate named without a path.
    for (n, line) in code.lines().enumerate() {
        let words: Vec<&str> = line
            .split(|ch: char| !is_ident(ch))
            .filter(|w| !w.is_empty())
            .collect();
        if matches!(words.first(), Some(&"use") | Some(&"extern")) {
            for w in &words {
                if externs.contains(w) && !line.contains(&format!("{w}::")) {
                    out.push(Reference {
                        line: n + 1,
                        target: Target::Extern((*w).to_string()),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| (a.line, &a.target).cmp(&(b.line, &b.target)));
    out.dedup();
    out
}

/// Every reference of a domain file against the direction, as `file:line: what`.
fn domain_violations(files: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        if top_level(&f.path).as_deref() != Some("domain") {
            continue;
        }
        for r in references(&f.path, &f.text, DOMAIN_FORBIDDEN_CRATES) {
            let bad = match &r.target {
                Target::Module(m) => (m != "domain").then(|| format!("uses crate::{m}")),
                Target::Extern(e) => {
                    let std_part = e.strip_prefix("std::");
                    match std_part {
                        Some(p) if !DOMAIN_FORBIDDEN_STD.contains(&p) => None,
                        _ => Some(format!("uses {e}")),
                    }
                }
                Target::Clock(c) => Some(format!("reads the clock ({c}); take `now` instead")),
            };
            if let Some(what) = bad {
                out.push(format!("src/{}:{}: {what}", f.path, r.line));
            }
        }
    }
    out
}

/// Edges between top-level modules, each with the first place that makes it.
fn module_graph(files: &[Source]) -> BTreeMap<(String, String), String> {
    let mut edges = BTreeMap::new();
    for f in files {
        let Some(from) = top_level(&f.path) else {
            continue;
        };
        for r in references(&f.path, &f.text, &[]) {
            if let Target::Module(to) = r.target
                && to != from
            {
                edges
                    .entry((from.clone(), to))
                    .or_insert_with(|| format!("src/{}:{}", f.path, r.line));
            }
        }
    }
    edges
}

/// Groups of top-level modules that reach each other (each a cycle), with the edges inside
/// each group and where they are made.
fn cycles(edges: &BTreeMap<(String, String), String>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().flat_map(|(a, b)| [a, b]).collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for (a, b) in edges.keys() {
                if *a == n && seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> = nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reach[n].contains(*n) {
            continue;
        }
        let group: Vec<&String> = nodes
            .iter()
            .filter(|m| reach[n].contains(**m) && reach[*m].contains(*n))
            .copied()
            .collect();
        let mut lines = vec![format!(
            "cycle between {}:",
            group
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )];
        for ((a, b), at) in edges {
            if group.contains(&a) && group.contains(&b) {
                lines.push(format!("  {a} -> {b} ({at})"));
            }
        }
        done.extend(group.into_iter().cloned());
        out.push(lines);
    }
    out
}

/// The graph without the known (listed) cycle edges.
fn without_known(
    mut edges: BTreeMap<(String, String), String>,
) -> BTreeMap<(String, String), String> {
    for (a, b, _) in KNOWN_CYCLE_EDGES {
        edges.remove(&((*a).to_string(), (*b).to_string()));
    }
    edges
}

#[test]
fn the_domain_imports_no_outer_layer_no_io_and_no_clock() {
    let files = sources(&src_dir());
    assert!(
        files.iter().any(|f| f.path.starts_with("domain/")),
        "no domain files found under {}",
        src_dir().display()
    );
    let v = domain_violations(&files);
    assert!(
        v.is_empty(),
        "the domain must not depend on outer layers, IO or the clock:\n{}",
        v.join("\n")
    );
}

#[test]
fn no_cycle_between_top_level_modules() {
    let edges = module_graph(&sources(&src_dir()));
    let found = cycles(&without_known(edges.clone()));
    let graph: Vec<String> = edges.keys().map(|(a, b)| format!("{a} -> {b}")).collect();
    assert!(
        found.is_empty(),
        "{}\n\nall edges: {}",
        found
            .iter()
            .map(|c| c.join("\n"))
            .collect::<Vec<_>>()
            .join("\n"),
        graph.join(", ")
    );
}

#[test]
fn every_known_cycle_edge_is_still_there() {
    let edges = module_graph(&sources(&src_dir()));
    for (a, b, why) in KNOWN_CYCLE_EDGES {
        assert!(
            edges.contains_key(&((*a).to_string(), (*b).to_string())),
            "{a} -> {b} is gone: remove it from KNOWN_CYCLE_EDGES ({why})"
        );
    }
}

// The checks on synthetic sources: they must catch what they are for.

fn src(path: &str, text: &str) -> Source {
    Source {
        path: path.into(),
        text: text.into(),
    }
}

#[test]
fn synthetic_domain_imports_against_the_direction_are_caught() {
    let cases = [
        (
            "domain/a.rs",
            "use crate::delivery::outbox::Outbox;\n",
            "uses crate::delivery",
        ),
        (
            "domain/a.rs",
            "use crate::{domain::role::Role, journal::Journal};",
            "uses crate::journal",
        ),
        (
            "domain/a.rs",
            "use crate::{\n    config::Config,\n};",
            "uses crate::config",
        ),
        (
            "domain/x/y.rs",
            "use super::super::super::app::Model;",
            "uses crate::app",
        ),
        (
            "domain/x/mod.rs",
            "use super::super::ui::draw;",
            "uses crate::ui",
        ),
        (
            "domain/event.rs",
            "pub enum P {\n    Outbox(crate::delivery::outbox::OutboxEvent),\n}",
            "src/domain/event.rs:2: uses crate::delivery",
        ),
        (
            "domain/a.rs",
            "fn f() { let _ = crate::cli::run(); }",
            "uses crate::cli",
        ),
        (
            "domain/a.rs",
            "use crate::drill::score;",
            "uses crate::drill",
        ),
        ("domain/a.rs", "use tokio::sync::mpsc;", "uses tokio"),
        ("domain/a.rs", "use tokio;", "uses tokio"),
        (
            "domain/a.rs",
            "fn f() { tokio::spawn(async {}); }",
            "uses tokio",
        ),
        ("domain/a.rs", "use reqwest::Client;", "uses reqwest"),
        ("domain/a.rs", "use ratatui::text::Line;", "uses ratatui"),
        (
            "domain/a.rs",
            "use crossterm::event::KeyCode;",
            "uses crossterm",
        ),
        ("domain/a.rs", "use std::fs::File;", "uses std::fs"),
        ("domain/a.rs", "use std::{fs, path::Path};", "uses std::fs"),
        (
            "domain/a.rs",
            "let t = std::fs::read_to_string(p);",
            "uses std::fs",
        ),
        (
            "domain/a.rs",
            "let v = std::env::var(\"X\");",
            "uses std::env",
        ),
        (
            "domain/a.rs",
            "let now = Timestamp::now();",
            "reads the clock",
        ),
        (
            "domain/a.rs",
            "let now = jiff::Timestamp::now();",
            "reads the clock",
        ),
        (
            "domain/a.rs",
            "#[cfg(test)]\nmod tests {\n    use crate::config::Config;\n}",
            "src/domain/a.rs:3: uses crate::config",
        ),
    ];
    for (path, text, expect) in cases {
        let v = domain_violations(&[src(path, text)]);
        assert!(
            v.iter().any(|x| x.contains(expect)),
            "{path}: {text:?} should give {expect:?}, got {v:?}"
        );
    }
}

#[test]
fn synthetic_allowed_domain_code_passes() {
    let ok = r####"
//! Names `crate::delivery` in prose: fine. So is tokio:: in a comment.
use crate::domain::role::Role;
use super::figures::KeyFigures;
use std::{collections::BTreeMap, fmt, path::Path};
use std::io;
/// Like `std::fs::read_to_string` (a doc comment).
fn f(now: Timestamp) -> String {
    /* crate::app::Model in a block /* nested */ comment */
    let s = "crate::journal::Journal and tokio::spawn in a string";
    let r = r#"crate::ui::draw in a "raw" string"#;
    let c = '"';
    let q = '\'';
    let life: &'static str = "x";
    format!("{s}{r}{c}{q}{life}{}", now)
}
"####;
    for path in ["domain/a.rs", "domain/followup/b.rs", "domain/x/mod.rs"] {
        let v = domain_violations(&[src(path, ok)]);
        assert!(v.is_empty(), "{path}: {v:?}");
    }
    // Outer layers may use anything.
    let outer = "use crate::delivery::outbox::Outbox;\nuse tokio::sync::mpsc;\nTimestamp::now();";
    assert!(domain_violations(&[src("app/run.rs", outer)]).is_empty());
}

#[test]
fn synthetic_cycle_between_folders_is_caught() {
    // Today's cycle before issue 11: domain -> delivery -> journal -> domain.
    let files = [
        src(
            "domain/event.rs",
            "pub enum P { Outbox(crate::delivery::outbox::OutboxEvent) }",
        ),
        src(
            "delivery/outbox.rs",
            "use crate::journal::{Journal, JournalError};",
        ),
        src("journal/file.rs", "use crate::domain::event::Event;"),
        src("config/mod.rs", "use crate::domain::duration::serde_human;"),
        src(
            "app/run.rs",
            "use crate::{config::Config, delivery::Outbox};",
        ),
    ];
    let found = cycles(&module_graph(&files));
    assert_eq!(found.len(), 1, "{found:?}");
    let text = found[0].join("\n");
    assert!(
        text.starts_with("cycle between delivery, domain, journal:"),
        "{text}"
    );
    assert!(
        text.contains("domain -> delivery (src/domain/event.rs:1)"),
        "{text}"
    );
    assert!(!text.contains("app") && !text.contains("config"), "{text}");

    // Break one edge: no cycle left.
    let fixed: Vec<Source> = files
        .into_iter()
        .map(|f| {
            if f.path == "domain/event.rs" {
                src(
                    "domain/event.rs",
                    "pub enum P { Outbox(super::outbound::OutboxEvent) }",
                )
            } else {
                f
            }
        })
        .collect();
    assert_eq!(cycles(&module_graph(&fixed)), Vec::<Vec<String>>::new());

    // A two-module cycle through `super` from a nested file and a grouped import.
    let two = [
        src(
            "ui/overlay/x.rs",
            "use super::super::super::app::model::Model;",
        ),
        src(
            "app/run.rs",
            "use crate::{ui::{self, Theme}, config::Config};",
        ),
    ];
    let found = cycles(&module_graph(&two));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0][0].contains("app, ui"), "{found:?}");
}

#[test]
fn code_only_blanks_comments_and_literals_but_keeps_lines() {
    let text = "a // crate::x\n\"crate::y\" b\n/* c\n d */ e 'f' 'g r#\"h\"# i";
    let code = code_only(text);
    assert_eq!(code.lines().count(), text.lines().count());
    assert!(!code.contains("crate"), "{code}");
    for kept in ["a", "b", "e", "'g", "i"] {
        assert!(code.contains(kept), "{kept} in {code}");
    }
}

/// The module graph in docs/architecture.md is the code's: the block after "What each
/// module uses, exactly" is `scripts/arch-metrics.py modules` less `lib` and `main`.
#[test]
fn the_documented_module_graph_is_the_code_s() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/arch-metrics.py"))
        .arg("modules")
        .output()
        .expect("python3 runs scripts/arch-metrics.py (CI installs python3)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("lib ") && !l.starts_with("main "))
        .map(str::to_string)
        .collect();
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let block: Vec<String> = doc
        .split("What each module uses, exactly")
        .nth(1)
        .and_then(|s| s.split("```text\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("docs/architecture.md lists what each module uses in a ```text block")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        block, code,
        "the module graph in docs/architecture.md: paste `python3 scripts/arch-metrics.py \
         modules` (less lib and main)"
    );
}

/// The road of `p` in docs/architecture.md is the code's: `scripts/arch-metrics.py road`
/// finds every hop (each function still calls the next; it exits 1 when one moved), the
/// doc's table lists the files it crosses and the doc's counts are its counts.
#[test]
fn the_documented_road_of_a_key_press_is_the_code_s() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/arch-metrics.py"))
        .arg("road")
        .output()
        .expect("python3 runs scripts/arch-metrics.py (CI installs python3)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the road of `p` moved: update ROAD in scripts/arch-metrics.py and the road in \
         docs/architecture.md\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<&str> = Vec::new();
    for line in text.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() >= 4 && cols[3] == "->" && !files.contains(&cols[1]) {
            files.push(cols[1]);
        }
    }
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let section = doc
        .split("## One key press")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("docs/architecture.md has a section `## One key press`");
    let mut table: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| ") && l[2..].starts_with(|c: char| c.is_ascii_digit()))
        .filter_map(|l| l.split('`').nth(1))
        .collect();
    table.sort_unstable();
    files.sort_unstable();
    assert_eq!(table, files, "the road's table in docs/architecture.md");

    let count = |what: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(what))
            .map(str::trim)
            .unwrap_or_else(|| panic!("`{what}` in the script's output:\n{text}"))
            .to_string()
    };
    let said = format!(
        "`p` crosses {}, Enter {}, `y` {}; {} in all",
        count("files crossed by p:"),
        count("files crossed by Enter:"),
        count("files crossed by y:"),
        count("files crossed from `p` to the outbox:"),
    );
    let folded = section.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        folded.contains(&said),
        "docs/architecture.md should say \"{said}\""
    );
}

/// The files of the cockpit's outer folders (app/, ui/, cli/, shell/) import each other one
/// way (issue 11: each held a cycle of 5-6 files). `scripts/arch-metrics.py cycles` finds
/// the cycles between the files of each folder; the folders that still hold one (config/,
/// delivery/, domain/, journal/, sync/: a parent `mod.rs` and its children) are not checked.
#[test]
fn no_file_cycle_inside_app_ui_cli_or_shell() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/arch-metrics.py"))
        .arg("cycles")
        .output()
        .expect("python3 runs scripts/arch-metrics.py (CI installs python3)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let found: Vec<&str> = text
        .lines()
        .filter(|l| {
            ["app/", "ui/", "cli/", "shell/"]
                .iter()
                .any(|d| l.starts_with(d))
        })
        .collect();
    assert!(
        found.is_empty(),
        "files that import each other (`python3 scripts/arch-metrics.py imports <folder>` shows \
         who imports what; move what both need into a file of its own):\n{}",
        found.join("\n")
    );
}
