//! What the headless commands and the cockpit share to deliver: the configured backends (or
//! the embedded default file backend), the message about an incident, pages and whether one
//! is open. One copy, used by `cli::deliver` and `app::deliveries`.

use std::path::Path;
use std::sync::Arc;

use super::Backend;
use super::backends::build_backends;
use super::config::BackendConfig;
use super::outbox::OutboxState;
use crate::config::Config;
use crate::domain::event::Severity;
use crate::domain::incident::Incident;
use crate::domain::outbound::{MessageKind, OutboundMessage, PageAction};

/// The configured backends, or the embedded default (Markdown to the incident's `outbox.md`
/// under `data_dir`) when none is configured.
pub fn backend_configs(cfg: &Config, data_dir: &Path) -> Result<Vec<BackendConfig>, String> {
    if cfg.backends.is_empty() {
        return Ok(vec![BackendConfig::default_file(data_dir)]);
    }
    cfg.backends
        .iter()
        .map(|t| BackendConfig::from_table(t).map_err(|e| format!("config: {e}")))
        .collect()
}

/// The backends, built with the shared HTTP client. Errors are one line.
pub fn build(cfg: &Config, data_dir: &Path) -> Result<Vec<Arc<dyn Backend>>, String> {
    let cfgs = backend_configs(cfg, data_dir)?;
    let client = super::http::build_client().map_err(|e| format!("HTTP client: {e}"))?;
    build_backends(&cfgs, &client).map_err(|errors| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// A message about `inc` (the id is assigned when it is queued).
pub fn message(inc: &Incident, kind: MessageKind, headline: &str, body: &str) -> OutboundMessage {
    OutboundMessage {
        id: String::new(),
        incident_id: inc.id.clone(),
        incident_title: inc.title.clone(),
        severity: inc.state.label().to_string(),
        kind,
        headline: headline.to_string(),
        body: body.to_string(),
        mention_all: headline.starts_with("@all"),
        status: None,
        page: None,
        test: false,
    }
}

/// A page about `inc`: `[major] INC-..: <summary>`, severity `error` while investigating,
/// else `critical`. `Err` when the summary is empty.
pub fn page_trigger(inc: &Incident, summary: &str) -> Result<OutboundMessage, String> {
    let summary = crate::domain::text::one_line(summary);
    if summary.is_empty() {
        return Err("page: the summary cannot be empty".into());
    }
    let headline = format!("[{}] {}: {summary}", inc.state.label(), inc.id);
    let mut msg = message(inc, MessageKind::Page, &headline, &summary);
    let severity = if inc.state == Severity::Investigating {
        "error"
    } else {
        "critical"
    };
    msg.page = Some(PageAction::Trigger {
        summary: headline,
        severity: severity.into(),
    });
    Ok(msg)
}

/// The page resolution sent when the incident is resolved.
pub fn page_resolve(inc: &Incident) -> OutboundMessage {
    let mut msg = message(inc, MessageKind::Page, "Resolved", "Incident resolved");
    msg.page = Some(PageAction::Resolve);
    msg
}

/// Whether a page was triggered for this incident (so resolving resolves it).
pub fn page_open(st: &OutboxState) -> bool {
    let mut open = false;
    for m in &st.messages {
        match m.message.page {
            Some(PageAction::Trigger { .. }) => open = true,
            Some(PageAction::Resolve) => open = false,
            _ => {}
        }
    }
    open
}
