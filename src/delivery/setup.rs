//! What the headless commands and the cockpit share to deliver: the configured backends (or
//! the embedded default file backend), the message about an incident, pages and whether one
//! is open. One copy, used by `cli::deliver` and `app::deliveries`.

use std::path::Path;
use std::sync::Arc;

use super::Backend;
use super::backends::build_backends;
use super::config::{BackendConfig, BackendKind};
use super::outbox::OutboxState;
use crate::config::Config;
use crate::config::Finding;
use crate::domain::event::Severity;
use crate::domain::incident::Incident;
use crate::domain::outbound::{MessageKind, OutboundMessage, PageAction};
use secrecy::ExposeSecret;

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

/// A sent sitrep (version `version`, its rendered text) about `inc`.
pub fn sitrep_message(inc: &Incident, version: u32, rendered: &str) -> OutboundMessage {
    message(
        inc,
        MessageKind::Sitrep,
        &format!("Sitrep v{version}"),
        rendered,
    )
}

/// A posted public status update about `inc`: the rendered text as body, the fields as the
/// structured payload (Statuspage builds its incident from them).
pub fn status_message(
    inc: &Incident,
    fields: &crate::domain::event::StatusFields,
    rendered: &str,
) -> OutboundMessage {
    let stage = crate::delivery::render::stage_label(&fields.stage);
    let mut msg = message(
        inc,
        MessageKind::Status,
        &format!("Status update: {stage}"),
        rendered,
    );
    msg.status = Some(crate::domain::outbound::StatusPayload {
        stage: fields.stage.clone(),
        message: fields.message.clone(),
        workaround: Some(fields.workaround.clone()).filter(|w| !w.trim().is_empty()),
        components: fields.components.clone(),
        next_update: fields
            .next_update_at
            .map(|t| t.strftime("%H:%M UTC").to_string()),
    });
    msg
}

/// A page about `inc`: headline `Page: <summary>`, the summary as typed (the title line
/// says the state, id and title), severity `error` while investigating, else `critical`.
/// `Err` when the summary is empty.
pub fn page_trigger(inc: &Incident, summary: &str) -> Result<OutboundMessage, String> {
    let summary = crate::domain::text::one_line(summary);
    if summary.is_empty() {
        return Err("page: the summary cannot be empty".into());
    }
    let mut msg = message(inc, MessageKind::Page, &format!("Page: {summary}"), "");
    let severity = if inc.state == Severity::Investigating {
        "error"
    } else {
        "critical"
    };
    msg.page = Some(PageAction::Trigger {
        summary,
        severity: severity.into(),
    });
    Ok(msg)
}

/// The page resolution sent when the incident is resolved.
pub fn page_resolve(inc: &Incident) -> OutboundMessage {
    let mut msg = message(inc, MessageKind::Page, "Page resolved", "");
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

/// `config check` for `[[backends]]`: unknown keys, each entry against its kind, and what
/// every URL key was understood as (notes; a secret URL is described, never shown). Secret
/// references that resolve are read to check the URL inside; the others were warned about.
pub fn check_backends(cfg: &Config) -> Vec<Finding> {
    use super::config::KEYS;
    use super::endpoint;
    let mut out = Vec::new();
    for (i, table) in cfg.backends.iter().enumerate() {
        let at = |key: &str| format!("backends[{i}].{key}");
        let unknown: Vec<&String> = table
            .keys()
            .filter(|k| !KEYS.contains(&k.as_str()))
            .collect();
        for k in &unknown {
            out.push(Finding::unknown_key(at(k), k, &KEYS));
        }
        // The rest of the entry is still checked.
        let mut known = table.clone();
        known.retain(|k, _| KEYS.contains(&k));
        let b = match BackendConfig::from_table(&known) {
            Ok(b) => b,
            Err(e) => {
                out.push(Finding::error(format!("backends[{i}]"), e));
                continue;
            }
        };
        if let Err(issues) = b.validate() {
            for (key, message) in issues {
                out.push(Finding::error(at(key), message));
            }
        }
        for (key, understood) in b.understood_urls() {
            if let Ok(e) = understood {
                out.push(Finding::note(at(key), e.understood));
            }
        }
        if let Some(room) = &b.room
            && let Ok(id) = endpoint::matrix_room(room)
            && id != room.trim()
        {
            let what = if id.starts_with('#') {
                "alias"
            } else {
                "room id"
            };
            out.push(Finding::note(
                at("room"),
                format!("a matrix.to link to the {what} {id}"),
            ));
        }
        // Secret URLs: read through their reference, described without their value.
        type Understand = fn(&str) -> Result<endpoint::Endpoint, String>;
        let ntfy = |raw: &str| {
            endpoint::ntfy_topic(raw).map(|t| endpoint::Endpoint {
                url: t.publish,
                understood: t.understood,
                warning: None,
            })
        };
        let secret_urls: Vec<(&str, &Option<String>, Understand)> = match b.kind {
            BackendKind::Slack => vec![("url", &b.url, endpoint::slack_webhook)],
            BackendKind::Teams => vec![("url", &b.url, endpoint::teams_webhook)],
            BackendKind::Discord => vec![("url", &b.url, endpoint::discord_webhook)],
            BackendKind::Ntfy => vec![("url", &b.url, ntfy)],
            BackendKind::Email => vec![("smtp_url", &b.smtp_url, endpoint::smtp_url)],
            _ => vec![],
        };
        for (key, raw, understand) in secret_urls {
            let Some(Ok(value)) = raw.as_deref().map(super::config::resolve_secret) else {
                continue;
            };
            match understand(value.expose_secret()) {
                Ok(e) => {
                    out.push(Finding::note(at(key), e.understood));
                    if let Some(w) = e.warning {
                        out.push(Finding::warning(at(key), w));
                    }
                }
                Err(e) => out.push(Finding::error(at(key), e)),
            }
        }
    }
    out
}
