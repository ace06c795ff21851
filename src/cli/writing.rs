//! The writing desk, headless: `sitrep send|show|log`, `status post`, `lint`.
//!
//! Input files are TOML with the composers' fields; unknown keys and bad values are reported
//! as `file:line:col: message`. Rendering goes through the same templates and domain functions
//! as the cockpit ([`sitrep::compose`], [`status::compose`]).

use super::ctx::{Ctx, Fail, clock, open, read_incident};
use crate::config::line_col;
use crate::domain::event::{Link, Payload, SitrepFields, StatusFields};
use crate::domain::lint::{Field, Stage, Warning};
use crate::domain::text::pad;
use crate::domain::{duration, sitrep, status};
use crate::journal::store::record_with;
use clap::Subcommand;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Subcommand)]
pub enum SitrepCmd {
    /// Send the next sitrep version. Fields missing from the file are prefilled from the
    /// incident (last sitrep, impact, open hypotheses, links); IC, Comms and responders come
    /// from the roster
    Send {
        /// TOML with summary, impact, actions, needs and [[links]] (label, url); - for stdin
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Print a sitrep (the latest by default)
    Show {
        /// Version to show
        #[arg(long, value_name = "N")]
        version: Option<u32>,
        /// Show the line diff against the previous version instead
        #[arg(long)]
        diff: bool,
    },
    /// List every sitrep version with its author, time and summary
    Log,
}

#[derive(Debug, Subcommand)]
pub enum StatusCmd {
    /// Post a public status update. Lint warnings are printed to stderr and never block
    Post {
        /// investigating, identified, monitoring or resolved
        #[arg(long)]
        stage: String,
        /// TOML with message, workaround, components = { name = "status" }, next_update = "30m";
        /// - for stdin
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// Sitrep or status input: where it came from (for messages) and its text.
pub struct Input {
    pub name: String,
    pub text: String,
}

fn read_input(file: &Path) -> Result<Input, Fail> {
    use crate::files::{MAX_INPUT, read_stdin, read_text};
    if file.as_os_str() == "-" {
        return Ok(Input {
            name: "<stdin>".into(),
            text: read_stdin(MAX_INPUT, "input").map_err(|e| Fail(e.to_string()))?,
        });
    }
    Ok(Input {
        name: file.display().to_string(),
        text: read_text(file, MAX_INPUT, "input file").map_err(|e| Fail(e.to_string()))?,
    })
}

impl Input {
    /// `name:line:col: message` at byte offset `at`.
    fn fail_at(&self, at: usize, message: impl fmt::Display) -> Fail {
        let (line, col) = line_col(&self.text, at);
        Fail(format!("{}:{line}:{col}: {message}", self.name))
    }

    fn parse<T: for<'de> Deserialize<'de>>(&self) -> Result<T, Fail> {
        toml::from_str(&self.text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            self.fail_at(at, e.message().trim_end())
        })
    }
}

// ----- sitrep -------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SitrepFile {
    summary: Option<String>,
    impact: Option<String>,
    actions: Option<String>,
    needs: Option<String>,
    links: Option<Vec<Spanned<LinkFile>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkFile {
    label: String,
    url: String,
}

/// Applies a sitrep input file (TOML: summary, impact, actions, needs, `[[links]]`) over
/// `fields`: what it gives replaces the field. Returns each link's span (for errors about a
/// link); errors are `name:line:col: message`.
pub fn apply_sitrep_input(
    input: &Input,
    fields: &mut SitrepFields,
) -> Result<Vec<Range<usize>>, String> {
    let f: SitrepFile = input.parse().map_err(|e| e.0)?;
    let set = |target: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *target = v;
        }
    };
    set(&mut fields.summary, f.summary);
    set(&mut fields.impact, f.impact);
    set(&mut fields.actions, f.actions);
    set(&mut fields.needs, f.needs);
    let mut spans = Vec::new();
    if let Some(links) = f.links {
        spans = links.iter().map(Spanned::span).collect();
        fields.links = links
            .into_iter()
            .map(|l| {
                let l = l.into_inner();
                Link {
                    label: l.label,
                    url: l.url,
                }
            })
            .collect();
    }
    Ok(spans)
}

/// Applies a status input file (TOML: message, workaround, components = { name = "status" },
/// next_update = "30m") over `fields`: the message always, the rest when given. Each component
/// status is checked (with its line and column). Returns the promised next update as an offset
/// from the update's time, if given; errors are `name:line:col: message`.
pub fn apply_status_input(
    input: &Input,
    fields: &mut StatusFields,
) -> Result<Option<jiff::SignedDuration>, String> {
    let parsed: StatusFile = input.parse().map_err(|e| e.0)?;
    fields.message = parsed.message.unwrap_or_default();
    if let Some(w) = parsed.workaround {
        fields.workaround = w;
    }
    if let Some(Components(list)) = parsed.components {
        let mut components = Vec::new();
        for (name, value) in list {
            if let Err(e) = value.get_ref().parse::<status::ComponentStatus>() {
                return Err(input
                    .fail_at(value.span().start, format!("component {name:?}: {e}"))
                    .0);
            }
            components.push((name, value.into_inner()));
        }
        fields.components = components;
    }
    match parsed.next_update {
        Some(raw) => {
            let at = raw.span().start;
            let d = duration::parse(raw.get_ref())
                .map_err(|e| input.fail_at(at, format!("next_update: {e}")).0)?;
            if d <= jiff::SignedDuration::ZERO {
                return Err(input.fail_at(at, "next_update: must be longer than zero").0);
            }
            Ok(Some(d))
        }
        None => Ok(None),
    }
}

pub fn sitrep(ctx: &Ctx, cmd: SitrepCmd) -> Result<(), Fail> {
    match cmd {
        SitrepCmd::Send { file } => sitrep_send(ctx, file.as_deref()),
        SitrepCmd::Show { version, diff } => sitrep_show(ctx, version, diff),
        SitrepCmd::Log => sitrep_log(ctx),
    }
}

fn sitrep_send(ctx: &Ctx, file: Option<&Path>) -> Result<(), Fail> {
    let input = file.map(read_input).transpose()?;
    // Parsed before anything is opened: a bad file changes nothing.
    let mut from_file = SitrepFields::default();
    let link_spans = match &input {
        Some(i) => apply_sitrep_input(i, &mut from_file).map_err(Fail)?,
        None => Vec::new(),
    };
    let template = ctx
        .config
        .sitrep_template()
        .map_err(|e| Fail(e.to_string()))?;
    let (mut journal, mut inc) = open(ctx, false)?;
    let mut fields = sitrep::prefill(&inc);
    if let Some(i) = &input {
        apply_sitrep_input(i, &mut fields).map_err(Fail)?;
    }
    // Composed under the journal's lock: the version and the send time are the journal's.
    let events = record_with(&mut journal, &mut inc, &ctx.actor, clock, |inc, now| {
        sitrep::compose(inc, &fields, &template, now).map_err(|e| match (&e, &input) {
            (sitrep::SitrepError::BadLink { index, .. }, Some(input)) => {
                match link_spans.get(index.saturating_sub(1)) {
                    Some(span) => input.fail_at(span.start, &e),
                    None => Fail(e.to_string()),
                }
            }
            (_, Some(input)) => Fail(format!("{}: {e}", input.name)),
            _ => Fail(e.to_string()),
        })
    })?;
    let Some(Payload::SitrepSent {
        version, rendered, ..
    }) = events.last().map(|e| &e.payload)
    else {
        return Err(Fail("internal error: not a sitrep".into()));
    };
    let (version, rendered) = (*version, rendered.clone());
    super::out::line(format!("{rendered}\n"));
    super::out::line(format!("sitrep v{version} sent"));
    let msgs = events
        .last()
        .and_then(|e| crate::delivery::setup::sent(&inc, &e.payload))
        .into_iter()
        .collect();
    super::deliver::send(ctx, &inc.id, msgs, None)
}

fn sitrep_show(ctx: &Ctx, version: Option<u32>, diff: bool) -> Result<(), Fail> {
    let inc = read_incident(ctx, true)?;
    let Some(last) = inc.last_sitrep() else {
        return Err(Fail(format!("no sitrep has been sent for {}", inc.id)));
    };
    let want = version.unwrap_or(last.version);
    let Some(idx) = inc.sitreps.iter().rposition(|s| s.version == want) else {
        return Err(Fail(format!(
            "no sitrep v{want} in {} (latest is v{})",
            inc.id, last.version
        )));
    };
    let s = &inc.sitreps[idx];
    let when = s.at.strftime("%Y-%m-%d %H:%M UTC");
    if diff {
        let prev = idx.checked_sub(1).and_then(|i| inc.sitreps.get(i));
        let from = prev.map_or("nothing".to_string(), |p| format!("v{}", p.version));
        super::out::line(format!(
            "sitrep v{} ({when}, {}) against {from}:",
            s.version, s.by
        ));
        let lines = sitrep::diff(prev.map_or("", |p| p.rendered.as_str()), &s.rendered);
        super::out::line(sitrep::diff_text(&lines));
    } else {
        super::out::line(format!("sitrep v{} · {when} · by {}", s.version, s.by));
        if !s.groups.is_empty() {
            super::out::line(format!("groups: {}", s.groups.join(", ")));
        }
        super::out::line(format!("\n{}", s.rendered));
    }
    Ok(())
}

fn sitrep_log(ctx: &Ctx) -> Result<(), Fail> {
    let inc = read_incident(ctx, true)?;
    if inc.sitreps.is_empty() {
        super::out::line(format!("No sitrep sent yet for {}.", inc.id));
        return Ok(());
    }
    for s in &inc.sitreps {
        let summary = crate::domain::text::one_line(&s.fields.summary);
        let summary = if summary.chars().count() > 70 {
            format!("{}…", summary.chars().take(69).collect::<String>())
        } else {
            summary
        };
        super::out::line(format!(
            "{} {}  {} {summary}",
            pad(&format!("v{}", s.version), 4),
            s.at.strftime("%Y-%m-%d %H:%M UTC"),
            pad(&s.by, 16),
        ));
    }
    Ok(())
}

// ----- status -------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusFile {
    message: Option<String>,
    workaround: Option<String>,
    components: Option<Components>,
    next_update: Option<Spanned<String>>,
}

/// `components = { name = "status", ... }` in file order, each status with its span.
struct Components(Vec<(String, Spanned<String>)>);

impl<'de> Deserialize<'de> for Components {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Components;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of component = \"status\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Components, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Spanned<String>>()? {
                    out.push(entry);
                }
                Ok(Components(out))
            }
        }
        d.deserialize_map(V)
    }
}

pub fn status(ctx: &Ctx, cmd: StatusCmd) -> Result<(), Fail> {
    match cmd {
        StatusCmd::Post { stage, file } => status_post(ctx, &stage, file.as_deref()),
    }
}

fn status_post(ctx: &Ctx, stage: &str, file: Option<&Path>) -> Result<(), Fail> {
    let stage: Stage = stage.parse().map_err(|e| Fail(format!("--stage: {e}")))?;
    let Some(file) = file else {
        return Err(Fail(
            "status post needs the update's text: --file FILE (TOML with message, workaround, \
             components, next_update) or --file - for stdin"
                .into(),
        ));
    };
    let input = read_input(file)?;
    // Parsed before anything is opened: a bad file changes nothing.
    apply_status_input(&input, &mut StatusFields::default()).map_err(Fail)?;
    let template = ctx
        .config
        .status_template()
        .map_err(|e| Fail(e.to_string()))?;
    let linter = ctx.config.linter().map_err(|e| Fail(e.to_string()))?;
    let (mut journal, mut inc) = open(ctx, false)?;

    let mut fields = status::prefill(&inc);
    fields.stage = stage.as_str().to_string();
    if stage == Stage::Resolved {
        fields.workaround.clear();
    }
    let next_in = apply_status_input(&input, &mut fields).map_err(Fail)?;
    if let Some(d) = next_in {
        ctx.now
            .checked_add(d)
            .map_err(|e| Fail(format!("{}: next_update: {e}", input.name)))?;
    }

    // Composed under the journal's lock, at the journal's time.
    let events = record_with(&mut journal, &mut inc, &ctx.actor, clock, |inc, now| {
        fields.next_update_at = match next_in {
            Some(d) => Some(
                now.checked_add(d)
                    .map_err(|e| Fail(format!("next_update: {e}")))?,
            ),
            None if stage == Stage::Resolved => None,
            None => status::next_update_default(inc, &ctx.config.cadence, now),
        };
        status::compose(inc, &fields, &template, now)
            .map_err(|e| Fail(format!("{}: {e}", input.name)))
    })?;
    let Some(Payload::StatusPosted { fields, rendered }) = events.last().map(|e| &e.payload) else {
        return Err(Fail("internal error: not a status update".into()));
    };
    let (fields, rendered): (StatusFields, String) = (fields.clone(), rendered.clone());
    for w in status::lint(&linter, &fields) {
        super::out::err(format!("warning: {}", status_warning(&fields, &w)));
    }
    let msgs = events
        .last()
        .and_then(|e| crate::delivery::setup::sent(&inc, &e.payload))
        .into_iter()
        .collect();
    super::out::line(format!("{rendered}\n"));
    match fields.next_update_at {
        Some(t) => super::out::line(format!(
            "status update posted ({}); next update promised by {}",
            fields.stage,
            t.strftime("%H:%M UTC")
        )),
        None => super::out::line(format!("status update posted ({})", fields.stage)),
    }
    super::deliver::send(ctx, &inc.id, msgs, None)
}

/// `message:1:27: eta: reason: "excerpt"`, or `missing-workaround: reason`.
fn status_warning(fields: &StatusFields, w: &Warning) -> String {
    let (field, text) = match w.field {
        Field::Message => ("message", fields.message.as_str()),
        Field::Workaround => ("workaround", fields.workaround.as_str()),
        Field::Text => ("text", ""),
        Field::Structural => return format!("{}: {}", w.rule, w.reason),
    };
    let (line, col) = line_col(text, w.span.start);
    format!(
        "{field}:{line}:{col}: {}: {}: {:?}",
        w.rule, w.reason, w.excerpt
    )
}

// ----- lint ---------------------------------------------------------------

#[derive(Serialize)]
struct JsonWarning<'a> {
    line: usize,
    col: usize,
    end_line: usize,
    end_col: usize,
    /// Byte offsets into the text.
    start: usize,
    end: usize,
    rule: &'a str,
    reason: &'a str,
    excerpt: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'a str>,
}

/// Lints plain text with the text rules (ETA, root cause, blame). Warnings make the command
/// fail (exit 1) without an error line: the output is the report.
pub fn lint(ctx: &Ctx, file: Option<&Path>, json: bool) -> Result<(), Fail> {
    let input = read_input(file.unwrap_or(Path::new("-")))?;
    let linter = ctx.config.linter().map_err(|e| Fail(e.to_string()))?;
    let warnings = linter.lint_text(&input.text);
    if json {
        let list: Vec<JsonWarning> = warnings
            .iter()
            .map(|w| {
                let (line, col) = line_col(&input.text, w.span.start);
                let (end_line, end_col) = line_col(&input.text, w.span.end);
                JsonWarning {
                    line,
                    col,
                    end_line,
                    end_col,
                    start: w.span.start,
                    end: w.span.end,
                    rule: &w.rule,
                    reason: &w.reason,
                    excerpt: &w.excerpt,
                    suggestion: w.suggestion.as_deref(),
                }
            })
            .collect();
        super::out::json(&list)?;
    } else {
        for w in &warnings {
            let (line, col) = line_col(&input.text, w.span.start);
            super::out::line(format!(
                "{line}:{col}: {}: {}: {:?}",
                w.rule, w.reason, w.excerpt
            ));
            if let Some(s) = &w.suggestion {
                super::out::line(format!("{line}:{col}: {}: suggest: {s}", w.rule));
            }
        }
    }
    if warnings.is_empty() {
        Ok(())
    } else {
        Err(Fail(String::new()))
    }
}

/// `lint --explain RULE`: what the rule looks for, with real examples from the corpus of public
/// status-page updates the built-in rules are measured on.
pub fn lint_explain(ctx: &Ctx, rule: &str) -> Result<(), Fail> {
    use crate::domain::lint::{Linter, MISSING_WORKAROUND, corpus};

    let linter = ctx.config.linter().map_err(|e| Fail(e.to_string()))?;
    let Some(ex) = Linter::explain(rule) else {
        if rule == MISSING_WORKAROUND {
            super::out::line(format!(
                "{MISSING_WORKAROUND}: warns on a public status update whose workaround is empty \
                 while the stage is not `resolved`: tell customers what they can do meanwhile."
            ));
            return Ok(());
        }
        if let Some(spec) = ctx.config.lint.rules.iter().find(|r| r.id == rule) {
            super::out::line(format!("{}: {} (a rule from config)", spec.id, spec.reason));
            for p in &spec.patterns {
                super::out::line(format!("  pattern:   {p}"));
            }
            for e in &spec.exceptions {
                super::out::line(format!("  exception: {e}"));
            }
            if let Some(s) = &spec.suggestion {
                super::out::line(format!("  suggests:  {s}"));
            }
            return Ok(());
        }
        return Err(Fail(format!(
            "unknown lint rule `{rule}` (rules: {})",
            linter.rule_ids().join(", ")
        )));
    };
    super::out::line(format!("{} — {}\n", ex.id, ex.reason));
    super::out::line(format!("{}\n", ex.text));
    super::out::line(format!("Suggested rewrite: {}", ex.suggestion));
    if !linter.rule_ids().contains(&ex.id.as_str()) {
        super::out::line("\n(disabled in this config: [lint] disable)");
    }
    let entries = corpus::embedded().map_err(|e| Fail(format!("the lint corpus: {e}")))?;
    let label = corpus::LABELS
        .iter()
        .find(|(_, r)| *r == ex.id)
        .map(|(l, _)| *l)
        .unwrap_or("");
    let builtin = Linter::shared().map_err(|e| Fail(e.to_string()))?;
    let mut flagged: Vec<(&corpus::Entry, crate::domain::lint::Warning)> = Vec::new();
    let mut fine: Vec<&corpus::Entry> = Vec::new();
    let mut shortest: Vec<&corpus::Entry> =
        entries.iter().filter(|e| e.text.len() <= 240).collect();
    shortest.sort_by_key(|e| (e.text.len(), e.id.clone()));
    let mut orgs = std::collections::BTreeSet::new();
    for e in &shortest {
        let warnings = builtin.with_own_names(&e.own_names()).lint_text(&e.text);
        let hit = warnings.into_iter().find(|w| w.rule == ex.id);
        match hit {
            Some(w) if e.has(label) && flagged.len() < 4 && orgs.insert(e.org.clone()) => {
                flagged.push((e, w));
            }
            None if !e.breaks()
                && fine.len() < 3
                && e.note.as_deref().is_some_and(|n| note_is_about(n, label)) =>
            {
                fine.push(e);
            }
            _ => {}
        }
    }
    super::out::line("\nReal updates it warns on (tests/data/status-updates/corpus.toml):");
    for (e, w) in &flagged {
        super::out::line(format!("- {} ({})\n  {:?}", e.org, e.url, e.text.trim()));
        super::out::line(format!("  warns on: {:?}", w.excerpt));
        if let Some(s) = &w.suggestion {
            super::out::line(format!("  suggests: {s}"));
        }
    }
    if !fine.is_empty() {
        super::out::line("\nReal updates it leaves alone, by the doctrine:");
        for e in &fine {
            super::out::line(format!("- {} ({})\n  {:?}", e.org, e.url, e.text.trim()));
            if let Some(n) = &e.note {
                super::out::line(format!("  why: {n}"));
            }
        }
    }
    Ok(())
}

/// Whether a corpus note explains a decision about `label`.
fn note_is_about(note: &str, label: &str) -> bool {
    let keys: &[&str] = match label {
        "eta" => &["next-update", "past", "vague", "shortly", "update promise"],
        "cause" => &[
            "no cause",
            "not named",
            "names no cause",
            "condition",
            "symptom",
        ],
        "blame" => &[
            "not blame",
            "working with",
            "region",
            "integration",
            "product",
        ],
        _ => &[],
    };
    keys.iter().any(|k| note.contains(k))
}
