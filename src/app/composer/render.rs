//! A composer's template render as a background job: the form asks for one
//! ([`RenderJob`], carried by `Cmd::Render`) each time what the template sees changes, with a
//! generation number; the executor renders it off the UI thread (a template from a file in a
//! memory- and time-bounded child that a newer job, or leaving the composer, kills) and
//! answers with [`Rendered`] (`Msg::Rendered`). A result whose generation is not the form's
//! latest is stale and dropped. Sending takes the text of the latest render, the one shown.

use crate::app::composer::kind::Kind;
use crate::domain::template::Template;

/// Render `context` with `template` for the `kind` composer; `generation` is the form's
/// count of requests, so that only the newest answer is taken.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderJob {
    pub kind: Kind,
    pub generation: u64,
    pub template: Template,
    pub context: minijinja::Value,
}

/// The answer to a [`RenderJob`]: the text, or why not (an error naming the template and
/// line, "took longer than 2 s", "cancelled", ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub kind: Kind,
    pub generation: u64,
    pub text: Result<String, String>,
}

impl RenderJob {
    /// Renders here, now (the executor calls this on a thread of its own; through the
    /// template's sandbox when it has one).
    pub fn run(&self) -> Rendered {
        Rendered {
            kind: self.kind,
            generation: self.generation,
            text: self
                .template
                .render(&self.context)
                .map_err(|e| e.to_string()),
        }
    }
}
