//! Message templates (minijinja 2) for sitreps and public status updates.
//!
//! The built-in templates live in `assets/templates/` and are embedded in the binary; config can
//! pick another built-in (`[templates] sitrep = "can"`) or a file (`sitrep = "/path/to/file.j2"`).
//!
//! Rendering is plain text (Markdown-light): no auto-escaping. Whatever the user typed, including
//! `*_[]<>|#` and `{{ }}`, is passed through as text; escaping for a receiver's dialect (Slack
//! mrkdwn, HTML email, ...) is the delivery backends' job, not the template's. Undefined variables
//! are errors (semi-strict: `{% if x %}` on an undefined `x` is allowed), so a typo in a custom
//! template is reported with the template's name and line instead of rendering as nothing.
//!
//! Bounded: a render runs at most [`RENDER_FUEL`] template instructions (a loop that does not end
//! stops with an error naming the template and line) and writes at most [`MAX_MESSAGE_CHARS`]
//! characters (what a chat backend accepts). What a few instructions can still do, e.g. a string
//! doubled on each of 40 lines, needs a memory bound that only the operating system can give: a
//! template from a file is rendered through a [`Sandbox`] the edge supplies (`crate::sandbox`: a
//! child process with a memory and time limit, cancellable).
//!
//! Pure: reading a template file goes through a caller-supplied reader ([`Template::resolve`]).

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Most template instructions one render may run (minijinja fuel). The built-in templates need
/// a few thousand for a sitrep with fifty links; a loop that does not end stops here (about a
/// tenth of a second) instead of freezing the cockpit.
pub const RENDER_FUEL: u64 = 500_000;

/// Longest rendered sitrep or status update, in characters: Slack's limit for a message, the
/// most any chat backend accepts (Statuspage takes 25,000, Teams 20,000; Discord splits at
/// 2,000). Longer would be truncated or refused on delivery, so it is refused when rendered.
pub const MAX_MESSAGE_CHARS: usize = 40_000;

/// Runs a render somewhere its memory and time are bounded and it can be cancelled (the edge's
/// child process, `crate::sandbox`). `render` is the whole render, limits included.
pub trait Sandbox: Send + Sync {
    fn run(
        &self,
        name: &str,
        render: &mut dyn FnMut() -> Result<String, TemplateError>,
    ) -> Result<String, TemplateError>;
}

/// The built-in default sitrep: summary first, then impact, actions, open issues, links, people.
pub const SITREP_DEFAULT: &str = include_str!("../../assets/templates/sitrep.md.j2");
/// The built-in CAN sitrep: Conditions, Actions, Needs.
pub const SITREP_CAN: &str = include_str!("../../assets/templates/sitrep-can.md.j2");
/// The built-in public status update.
pub const STATUS_DEFAULT: &str = include_str!("../../assets/templates/status.md.j2");

/// A message before its render: the template's context, and what sending it journals once
/// rendered (the payload, its `rendered` text still empty) or why it cannot be sent. The
/// cockpit renders `context` off the UI thread, shows the text, and sends exactly that text
/// ([`Prepared::payload`]): nothing is rendered a second time between seeing and sending.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub context: minijinja::Value,
    pub send: Result<crate::domain::event::Payload, String>,
}

impl Prepared {
    /// What sending journals, with `text` (the render of `context`) as its rendered text.
    pub fn payload(&self, text: &str) -> Result<crate::domain::event::Payload, String> {
        use crate::domain::event::Payload;
        let mut p = self.send.clone()?;
        if let Payload::SitrepSent { rendered, .. } | Payload::StatusPosted { rendered, .. } =
            &mut p
        {
            *rendered = text.to_string();
        }
        Ok(p)
    }
}

/// What a template renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Sitrep,
    Status,
}

impl TemplateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::Sitrep => "sitrep",
            TemplateKind::Status => "status",
        }
    }

    /// Names of the built-in templates of this kind.
    pub fn builtin_names(self) -> &'static [&'static str] {
        match self {
            TemplateKind::Sitrep => &["default", "can"],
            TemplateKind::Status => &["default"],
        }
    }
}

/// Why a template could not be loaded or rendered. Always names the template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template {name}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Render {
        name: String,
        line: Option<usize>,
        message: String,
    },
    #[error(
        "unknown built-in {kind} template {name:?} (expected {expected}, or a path to a .j2 file)"
    )]
    UnknownBuiltin {
        kind: &'static str,
        name: String,
        expected: String,
    },
    #[error("template {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
}

/// What a `[templates]` value names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSpec {
    Builtin(&'static str),
    File(PathBuf),
}

impl TemplateSpec {
    /// `default`, `can` (sitrep only), or a path: anything with a `/` or ending in `.j2`.
    pub fn parse(spec: &str, kind: TemplateKind) -> Result<TemplateSpec, TemplateError> {
        let s = spec.trim();
        if s.contains('/') || s.contains('\\') || s.ends_with(".j2") {
            return Ok(TemplateSpec::File(PathBuf::from(s)));
        }
        let wanted = if s.is_empty() { "default" } else { s };
        kind.builtin_names()
            .iter()
            .find(|n| n.eq_ignore_ascii_case(wanted))
            .map(|n| TemplateSpec::Builtin(n))
            .ok_or_else(|| TemplateError::UnknownBuiltin {
                kind: kind.as_str(),
                name: s.to_string(),
                expected: kind
                    .builtin_names()
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
            })
    }
}

/// A template: its name (shown in errors) and its source, and where it renders (in process, or
/// through a [`Sandbox`]).
#[derive(Clone)]
pub struct Template {
    name: String,
    source: Cow<'static, str>,
    sandbox: Option<Arc<dyn Sandbox>>,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("sandboxed", &self.sandbox.is_some())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Template {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.source == other.source
    }
}

impl Eq for Template {}

impl Template {
    /// The built-in default sitrep template.
    pub fn sitrep_default() -> Template {
        Template::builtin_source("sitrep.md.j2", SITREP_DEFAULT)
    }

    /// The built-in CAN (Conditions, Actions, Needs) sitrep template.
    pub fn sitrep_can() -> Template {
        Template::builtin_source("sitrep-can.md.j2", SITREP_CAN)
    }

    /// The built-in status-update template.
    pub fn status_default() -> Template {
        Template::builtin_source("status.md.j2", STATUS_DEFAULT)
    }

    fn builtin_source(name: &str, source: &'static str) -> Template {
        Template {
            name: name.to_string(),
            source: Cow::Borrowed(source),
            sandbox: None,
        }
    }

    /// A template from any source; `name` is what errors call it (e.g. its path).
    pub fn from_source(name: impl Into<String>, source: impl Into<String>) -> Template {
        Template {
            name: name.into(),
            source: Cow::Owned(source.into()),
            sandbox: None,
        }
    }

    /// A built-in template by kind and name.
    pub fn builtin(kind: TemplateKind, name: &str) -> Option<Template> {
        match (kind, name) {
            (TemplateKind::Sitrep, "default") => Some(Template::sitrep_default()),
            (TemplateKind::Sitrep, "can") => Some(Template::sitrep_can()),
            (TemplateKind::Status, "default") => Some(Template::status_default()),
            _ => None,
        }
    }

    /// This template rendered through `sandbox` (memory and time bounded, cancellable).
    pub fn with_sandbox(mut self, sandbox: Arc<dyn Sandbox>) -> Template {
        self.sandbox = Some(sandbox);
        self
    }

    /// Resolves a `[templates]` value. A file is read with `read` (e.g.
    /// `std::fs::read_to_string`) and compiled, so syntax errors show up here, not at send time;
    /// it renders through `sandbox` when one is given (built-ins always render in process).
    pub fn resolve_sandboxed(
        spec: &str,
        kind: TemplateKind,
        read: impl FnOnce(&Path) -> std::io::Result<String>,
        sandbox: Option<Arc<dyn Sandbox>>,
    ) -> Result<Template, TemplateError> {
        let t = Template::resolve(spec, kind, read)?;
        Ok(match (TemplateSpec::parse(spec, kind)?, sandbox) {
            (TemplateSpec::File(_), Some(s)) => t.with_sandbox(s),
            _ => t,
        })
    }

    /// Resolves a `[templates]` value. A file is read with `read` (e.g.
    /// `std::fs::read_to_string`) and compiled, so syntax errors show up here, not at send time.
    pub fn resolve(
        spec: &str,
        kind: TemplateKind,
        read: impl FnOnce(&Path) -> std::io::Result<String>,
    ) -> Result<Template, TemplateError> {
        let t = match TemplateSpec::parse(spec, kind)? {
            TemplateSpec::Builtin(name) => {
                Template::builtin(kind, name).ok_or_else(|| TemplateError::UnknownBuiltin {
                    kind: kind.as_str(),
                    name: name.to_string(),
                    expected: kind.builtin_names().join(" or "),
                })?
            }
            TemplateSpec::File(path) => {
                let source = read(&path).map_err(|e| TemplateError::Read {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                Template::from_source(path.display().to_string(), source)
            }
        };
        t.check()?;
        Ok(t)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it renders through a sandbox (a template from a file).
    pub fn sandboxed(&self) -> bool {
        self.sandbox.is_some()
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Compiles the template: syntax errors, with the template's name and line.
    pub fn check(&self) -> Result<(), TemplateError> {
        let env = environment();
        env.template_from_named_str(&self.name, &self.source)
            .map(|_| ())
            .map_err(|e| self.error(&e))
    }

    /// Renders with `ctx`. The result has no trailing whitespace, no runs of more than one
    /// blank line, and no trailing newline. At most [`RENDER_FUEL`] instructions and
    /// [`MAX_MESSAGE_CHARS`] characters; through the sandbox if the template has one.
    pub fn render<S: Serialize>(&self, ctx: S) -> Result<String, TemplateError> {
        let ctx = minijinja::Value::from_serialize(ctx);
        let mut render = || self.render_here(&ctx);
        match &self.sandbox {
            Some(s) => s.run(&self.name, &mut render),
            None => render(),
        }
    }

    fn render_here(&self, ctx: &minijinja::Value) -> Result<String, TemplateError> {
        let mut env = environment();
        env.set_fuel(Some(RENDER_FUEL));
        let tmpl = env
            .template_from_named_str(&self.name, &self.source)
            .map_err(|e| self.error(&e))?;
        // Blank lines and trailing spaces are tidied away after: allow some slack for them.
        let mut out = Capped::new(2 * MAX_MESSAGE_CHARS);
        let rendered = tmpl.render_captured_to(ctx, &mut out);
        if out.over {
            return Err(self.too_long());
        }
        rendered.map_err(|e| self.error(&e))?;
        let text = tidy(&String::from_utf8_lossy(&out.buf));
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(self.too_long());
        }
        Ok(text)
    }

    fn too_long(&self) -> TemplateError {
        TemplateError::Render {
            name: self.name.clone(),
            line: None,
            message: format!(
                "the rendered text is longer than {MAX_MESSAGE_CHARS} characters, the most a chat \
                 backend accepts (Slack; Statuspage takes 25,000, Teams 20,000): not rendered"
            ),
        }
    }

    fn error(&self, e: &minijinja::Error) -> TemplateError {
        let message = match (e.kind(), e.detail()) {
            (minijinja::ErrorKind::OutOfFuel, _) => format!(
                "stopped after {RENDER_FUEL} steps (a loop that does not end, or one over too \
                 much?): not rendered"
            ),
            (_, Some(d)) => format!("{}: {d}", e.kind()),
            (_, None) => e.kind().to_string(),
        };
        TemplateError::Render {
            name: e.name().unwrap_or(&self.name).to_string(),
            line: e.line(),
            message,
        }
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env
}

/// Output that stops (with an error to the renderer) past `max` characters.
struct Capped {
    buf: Vec<u8>,
    chars: usize,
    max: usize,
    over: bool,
}

impl Capped {
    fn new(max: usize) -> Capped {
        Capped {
            buf: Vec::new(),
            chars: 0,
            max,
            over: false,
        }
    }
}

impl std::io::Write for Capped {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        // A character is at most 4 bytes: a write this long is over without counting.
        if b.len() / 4 > self.max.saturating_sub(self.chars) {
            self.over = true;
            return Err(std::io::Error::other("rendered text too long"));
        }
        // Characters are counted by their first byte (not a UTF-8 continuation byte).
        self.chars += b.iter().filter(|&&c| (c & 0xC0) != 0x80).count();
        if self.chars > self.max {
            self.over = true;
            return Err(std::io::Error::other("rendered text too long"));
        }
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Trailing spaces off each line, at most one blank line in a row, no blank lines at either end.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0usize;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_run > 0 {
                out.push('\n');
            }
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn builtins_compile() {
        for t in [
            Template::sitrep_default(),
            Template::sitrep_can(),
            Template::status_default(),
        ] {
            assert_eq!(t.check(), Ok(()), "{}", t.name());
        }
    }

    #[test]
    fn specs_parse() {
        let k = TemplateKind::Sitrep;
        assert_eq!(
            TemplateSpec::parse("CAN", k),
            Ok(TemplateSpec::Builtin("can"))
        );
        assert_eq!(
            TemplateSpec::parse("", k),
            Ok(TemplateSpec::Builtin("default"))
        );
        assert_eq!(
            TemplateSpec::parse("~/t/mine.j2", k),
            Ok(TemplateSpec::File("~/t/mine.j2".into()))
        );
        let e = TemplateSpec::parse("can", TemplateKind::Status).unwrap_err();
        assert!(e.to_string().contains("\"default\""), "{e}");
    }

    #[test]
    fn syntax_errors_name_the_template_and_line() {
        let t = Template::from_source("mine.j2", "ok\nstill ok\n{% if %}\n");
        let e = t.check().unwrap_err();
        let TemplateError::Render { name, line, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!((name.as_str(), *line), ("mine.j2", Some(3)));
        assert!(
            e.to_string().starts_with("template mine.j2 line 3: "),
            "{e}"
        );
    }

    #[test]
    fn undefined_variables_are_errors_but_can_be_tested() {
        let t = Template::from_source("u.j2", "{% if nope %}x{% endif %}\n{{ sumary }}");
        let e = t.render(serde_json::json!({"summary": "s"})).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let ok = Template::from_source("u.j2", "{% if nope %}x{% endif %}{{ summary }}");
        assert_eq!(
            ok.render(serde_json::json!({"summary": "s"})),
            Ok("s".into())
        );
    }

    #[test]
    fn resolve_reads_files_through_the_reader() {
        let t = Template::resolve("/t/x.j2", TemplateKind::Status, |_| Ok("{{ a }}".into()));
        assert_eq!(t.map(|t| t.name().to_string()), Ok("/t/x.j2".into()));
        let e = Template::resolve("/t/x.j2", TemplateKind::Status, |_| {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        })
        .unwrap_err();
        assert!(matches!(e, TemplateError::Read { .. }));
        let e = Template::resolve("/t/x.j2", TemplateKind::Status, |_| Ok("{{".into()));
        assert!(matches!(e, Err(TemplateError::Render { .. })));
    }

    #[test]
    fn a_loop_that_does_not_end_runs_out_of_fuel_in_process() {
        let t = Template::from_source(
            "loop.j2",
            "x\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        );
        let e = t.render(serde_json::json!({})).unwrap_err().to_string();
        assert!(
            e.starts_with("template loop.j2 line 2: stopped after"),
            "{e}"
        );
    }

    #[test]
    fn output_past_what_backends_accept_is_refused_and_says_so() {
        let t = Template::from_source("big.j2", "{{ s * n }}");
        let e = t
            .render(serde_json::json!({"s": "é", "n": MAX_MESSAGE_CHARS + 1}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("longer than 40000 characters") && e.contains("Slack"),
            "{e}"
        );
        // Exactly at the limit (multi-byte characters count once) is fine.
        let ok = t.render(serde_json::json!({"s": "é", "n": MAX_MESSAGE_CHARS}));
        assert_eq!(ok.map(|s| s.chars().count()), Ok(MAX_MESSAGE_CHARS));
        let e = t
            .render(serde_json::json!({"s": "x", "n": 100_000_000}))
            .unwrap_err();
        assert!(e.to_string().contains("longer than"), "{e}");
    }

    #[test]
    fn tidy_collapses_blank_runs() {
        assert_eq!(tidy("\n\na  \n\n\n\nb\n\n"), "a\n\nb");
    }
}
