//! What the headless commands and the cockpit share to deliver: the configured backends (or
//! the embedded default file backend), every message about an incident (built here only:
//! announcements, sent sitreps and status updates, pages), and what a change brings with it
//! (resolving opens the cleanup checklist and resolves the page). One copy, used by the
//! cockpit (`app`) and the headless commands (`cli`).

use std::path::Path;
use std::sync::Arc;

use super::Backend;
use super::backends::build_backends;
use super::config::{BackendConfig, BackendKind};
use super::outbox::OutboxState;
use crate::config::Config;
use crate::config::Finding;
use crate::domain::event::{Payload, Severity, StatusFields};
use crate::domain::incident::{DomainError, Incident};
use crate::domain::outbound::{MessageKind, OutboundMessage, PageAction, StatusPayload};
use crate::domain::text::capitalised;
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

/// An announcement about `inc` (`@all: IC -> Ricardo`), with an optional body (the hand-off
/// brief).
pub fn announcement(inc: &Incident, text: &str, body: &str) -> OutboundMessage {
    message(inc, MessageKind::Announcement, text, body)
}

/// The headline of sitrep `version`: `Sitrep v3`.
pub fn sitrep_headline(version: u32) -> String {
    format!("Sitrep v{version}")
}

/// The headline of a status update at `stage`: `Status update: Identified`.
pub fn status_headline(stage: &str) -> String {
    format!("Status update: {}", capitalised(stage.trim()))
}

/// What status page backends get of a status update.
pub fn status_payload(f: &StatusFields) -> StatusPayload {
    StatusPayload {
        stage: f.stage.clone(),
        message: f.message.clone(),
        workaround: Some(f.workaround.clone()).filter(|w| !w.trim().is_empty()),
        components: f.components.clone(),
        next_update: f
            .next_update_at
            .map(|t| t.strftime("%H:%M UTC").to_string()),
    }
}

/// A sent sitrep (version `version`, its rendered text) about `inc`.
pub fn sitrep_message(inc: &Incident, version: u32, rendered: &str) -> OutboundMessage {
    message(
        inc,
        MessageKind::Sitrep,
        &sitrep_headline(version),
        rendered,
    )
}

/// A posted public status update about `inc`: the rendered text as body, the fields as the
/// structured payload (Statuspage builds its incident from them).
pub fn status_message(inc: &Incident, fields: &StatusFields, rendered: &str) -> OutboundMessage {
    let mut msg = message(
        inc,
        MessageKind::Status,
        &status_headline(&fields.stage),
        rendered,
    );
    msg.status = Some(status_payload(fields));
    msg
}

/// The message a journaled change sends, if it sends one: a sent sitrep or a posted status
/// update becomes this message (`inc` as it is after the change). The cockpit and the
/// headless commands both send through here.
pub fn sent(inc: &Incident, payload: &Payload) -> Option<OutboundMessage> {
    match payload {
        Payload::SitrepSent {
            version, rendered, ..
        } => Some(sitrep_message(inc, *version, rendered)),
        Payload::StatusPosted { fields, rendered } => Some(status_message(inc, fields, rendered)),
        _ => None,
    }
}

/// What resolving brings with it (doctrine section 8).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// The cleanup checklist opens (from the configured items).
    pub cleanup: Result<Payload, DomainError>,
    /// The page, if one was triggered and not resolved yet, is resolved.
    pub page: Option<OutboundMessage>,
}

/// What follows resolving `inc` (as it is after the change), given its outbox.
pub fn resolution(inc: &Incident, cleanup_items: &[String], outbox: &OutboxState) -> Resolution {
    Resolution {
        cleanup: inc.cmd_open_cleanup(cleanup_items),
        page: page_open(outbox).then(|| page_resolve(inc)),
    }
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

/// What marks a drill's message wherever it is read.
pub const DRILL_MARK: &str = "[DRILL]";

/// A drill's message as a backend marked `drill = true` receives it: the headline, the page
/// summary and the public status text start with [`DRILL_MARK`] (after a leading `@all:`,
/// which stays the mention), and the body opens with a line saying it is a drill, so that
/// nobody who reads it anywhere mistakes it for a real incident. Marking twice changes
/// nothing.
pub fn drill_message(msg: OutboundMessage, drill_id: &str) -> OutboundMessage {
    let mut msg = msg;
    msg.headline = drill_line(&msg.headline);
    let note = format!("{DRILL_MARK} This is a drill ({drill_id}), not a real incident.");
    if !msg.body.starts_with(DRILL_MARK) {
        msg.body = if msg.body.trim().is_empty() {
            note
        } else {
            format!("{note}\n\n{}", msg.body)
        };
    }
    if let Some(PageAction::Trigger { summary, .. } | PageAction::Change { summary }) =
        &mut msg.page
    {
        *summary = drill_line(summary);
    }
    if let Some(st) = &mut msg.status {
        st.message = drill_line(&st.message);
    }
    msg
}

/// `[DRILL] text`; `@all: [DRILL] text` keeps the mention first.
fn drill_line(text: &str) -> String {
    if text.contains(DRILL_MARK) {
        return text.to_string();
    }
    match text.strip_prefix("@all") {
        Some(rest) => {
            let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
            format!("@all: {DRILL_MARK} {rest}")
        }
        None => format!("{DRILL_MARK} {}", text.trim_start()),
    }
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
        // A misspelt kind, where it is written (not at the entry), with the closest kind.
        if let Some(toml::Value::String(kind)) = table.get("kind")
            && kind.parse::<BackendKind>().is_err()
        {
            let kinds: Vec<&'static str> = BackendKind::ALL.iter().map(|k| k.as_str()).collect();
            out.push(Finding::unknown_value(
                at("kind"),
                kind,
                "backend kind",
                &kinds,
            ));
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kind: MessageKind, headline: &str, body: &str) -> OutboundMessage {
        OutboundMessage {
            id: String::new(),
            incident_id: "DRILL-20261206-030000".into(),
            incident_title: "DRILL: Database failover".into(),
            severity: "major".into(),
            kind,
            headline: headline.into(),
            body: body.into(),
            mention_all: headline.starts_with("@all"),
            status: None,
            page: None,
            test: false,
        }
    }

    #[test]
    fn a_drill_message_is_marked_in_headline_body_page_and_status() {
        let id = "DRILL-20261206-030000";
        let m = drill_message(msg(MessageKind::Sitrep, "Sitrep v2", "Summary: x"), id);
        assert_eq!(m.headline, "[DRILL] Sitrep v2");
        assert_eq!(
            m.body,
            "[DRILL] This is a drill (DRILL-20261206-030000), not a real incident.\n\nSummary: x"
        );
        // The mention stays first: `@all` still pings.
        let m = drill_message(msg(MessageKind::Announcement, "@all: IC -> Ola", ""), id);
        assert_eq!(m.headline, "@all: [DRILL] IC -> Ola");
        assert!(m.mention_all);
        assert!(m.body.starts_with("[DRILL] This is a drill"));
        let mut page = msg(MessageKind::Page, "Page: db down", "");
        page.page = Some(PageAction::Trigger {
            summary: "db down".into(),
            severity: "critical".into(),
        });
        let m = drill_message(page, id);
        assert_eq!(
            m.page,
            Some(PageAction::Trigger {
                summary: "[DRILL] db down".into(),
                severity: "critical".into()
            })
        );
        // What a page backend renders keeps the mark.
        assert_eq!(
            crate::delivery::render::headline(&m),
            "Page: [DRILL] db down"
        );
        let mut st = msg(
            MessageKind::Status,
            "Status update: Identified",
            "We found it.",
        );
        st.status = Some(StatusPayload {
            stage: "identified".into(),
            message: "We found it.".into(),
            ..StatusPayload::default()
        });
        let m = drill_message(st, id);
        assert_eq!(
            m.status.map(|s| s.message).unwrap_or_default(),
            "[DRILL] We found it."
        );
        // Twice is once.
        let once = drill_message(msg(MessageKind::Sitrep, "Sitrep v2", "x"), id);
        assert_eq!(drill_message(once.clone(), id), once);
    }
}
