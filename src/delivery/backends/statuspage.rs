//! Atlassian Statuspage v1: the first status update of an incident creates a Statuspage
//! incident (its id becomes the delivery's `remote_ref`); later ones PATCH it; the `resolved`
//! stage resolves it and sets the configured components back to operational. A test message
//! only checks the credentials (`GET /pages/{page_id}`): nothing is posted publicly.

use reqwest::Client;
use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{BuildError, Common, required_secret, required_str};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::http::{Peer, execute};
use crate::delivery::render::{stage_label, truncate_chars};
use crate::domain::outbound::{MessageKind, OutboundMessage, StatusPayload};

pub const DEFAULT_API_BASE: &str = "https://api.statuspage.io/v1";
pub const MAX_NAME_CHARS: usize = 255;
pub const MAX_BODY_CHARS: usize = 25_000;
pub const STAGES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];
pub const COMPONENT_STATUSES: [&str; 5] = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];

pub struct Statuspage {
    common: Common,
    api_base: String,
    page_id: String,
    api_key: SecretString,
    components: BTreeMap<String, String>,
    client: reqwest::Client,
    peer: Peer,
}

/// Maps common spellings to Statuspage's component statuses.
pub fn component_status(s: &str) -> Option<&'static str> {
    let s = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    if let Some(k) = COMPONENT_STATUSES.iter().find(|k| **k == s) {
        return Some(k);
    }
    Some(match s.as_str() {
        "ok" | "up" | "fine" => "operational",
        "degraded" | "slow" => "degraded_performance",
        "partial" => "partial_outage",
        "major" | "outage" | "down" => "major_outage",
        "maintenance" => "under_maintenance",
        _ => return None,
    })
}

/// What one status update sends: the incident object, and notes about skipped components.
pub struct Update {
    pub incident: serde_json::Value,
    pub notes: Vec<String>,
}

impl Statuspage {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        let page_id = required_str(cfg, "page_id", &cfg.page_id)?.to_string();
        // The documented base, without its version, or an endpoint under it.
        let api_base = crate::delivery::endpoint::statuspage_api(
            cfg.api_base.as_deref().unwrap_or(DEFAULT_API_BASE),
            Some(&page_id),
        )
        .map_err(|e| BuildError::one(cfg, "api_base", e))?
        .url;
        let api_key = required_secret(cfg, "api_key", &cfg.api_key)?;
        let peer = Peer::new(&cfg.name, &api_base, vec![api_key.clone()]);
        Ok(Statuspage {
            common,
            api_base,
            page_id,
            api_key,
            components: cfg.components.clone().unwrap_or_default(),
            client,
            peer,
        })
    }

    fn incident_name(msg: &OutboundMessage) -> String {
        let t = msg.incident_title.trim();
        truncate_chars(
            if t.is_empty() { &msg.incident_id } else { t },
            MAX_NAME_CHARS,
        )
    }

    fn body_text(st: &StatusPayload) -> String {
        let mut lines = vec![st.message.trim().to_string()];
        if let Some(w) = st.workaround.as_deref().filter(|w| !w.trim().is_empty()) {
            lines.push(format!("Workaround: {}", w.trim()));
        }
        if let Some(n) = st.next_update.as_deref().filter(|n| !n.trim().is_empty()) {
            lines.push(format!("Next update: {}", n.trim()));
        }
        truncate_chars(&lines.join("\n\n"), MAX_BODY_CHARS)
    }

    /// The `incident` object for a create (`creating`) or an update.
    pub fn update(&self, msg: &OutboundMessage, creating: bool) -> Result<Update, DeliveryError> {
        let st = msg.status.as_ref().ok_or_else(|| {
            DeliveryError::permanent(self.peer.reason("status message without a status payload"))
        })?;
        let stage = st.stage.trim().to_ascii_lowercase();
        if !STAGES.contains(&stage.as_str()) {
            return Err(DeliveryError::permanent(self.peer.reason(&format!(
                "unknown stage {:?} (investigating, identified, monitoring, resolved)",
                st.stage
            ))));
        }
        let mut notes = Vec::new();
        let mut comps: BTreeMap<String, &'static str> = BTreeMap::new();
        if stage == "resolved" {
            for id in self.components.values() {
                comps.insert(id.clone(), "operational");
            }
        }
        for (name, status) in &st.components {
            let Some(id) = self.components.get(name) else {
                notes.push(format!("component {name:?} is not configured"));
                continue;
            };
            match component_status(status) {
                Some(s) => {
                    comps.insert(id.clone(), s);
                }
                None => notes.push(format!("component {name:?}: unknown status {status:?}")),
            }
        }
        let mut incident = serde_json::Map::new();
        if creating {
            incident.insert("name".into(), json!(Self::incident_name(msg)));
        }
        incident.insert("status".into(), json!(stage));
        incident.insert("body".into(), json!(Self::body_text(st)));
        if creating {
            incident.insert(
                "component_ids".into(),
                json!(comps.keys().collect::<Vec<_>>()),
            );
        }
        if !comps.is_empty() || creating {
            incident.insert("components".into(), json!(comps));
        }
        if creating {
            match msg.severity.trim() {
                "major" => {
                    incident.insert("impact_override".into(), json!("major"));
                }
                "confirmed" => {
                    incident.insert("impact_override".into(), json!("minor"));
                }
                _ => {}
            }
            incident.insert("deliver_notifications".into(), json!(true));
        }
        Ok(Update {
            incident: json!({ "incident": incident }),
            notes,
        })
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/pages/{}/{tail}", self.api_base, self.page_id)
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.header(
            reqwest::header::AUTHORIZATION,
            format!("OAuth {}", self.api_key.expose_secret()),
        )
    }

    /// After an attempt whose outcome is unknown, an incident of ours may already exist.
    async fn find_created(&self, msg: &OutboundMessage) -> Result<Option<String>, DeliveryError> {
        let req = self.auth(self.client.get(self.url("incidents/unresolved")));
        let r = execute(&self.peer, req, self.common.timeout).await?;
        let name = Self::incident_name(msg);
        let found = serde_json::from_str::<serde_json::Value>(&r.body)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .into_iter()
            .find(|i| i.get("name").and_then(|n| n.as_str()) == Some(name.as_str()))
            .and_then(|i| i.get("id").and_then(|x| x.as_str()).map(str::to_string));
        Ok(found)
    }

    fn with_notes(detail: String, notes: &[String]) -> String {
        if notes.is_empty() {
            detail
        } else {
            format!("{detail}; {}", notes.join("; "))
        }
    }
}

impl Deliver for Statuspage {
    fn common(&self) -> &Common {
        &self.common
    }
    async fn send(&self, msg: &OutboundMessage, ctx: &DeliveryContext) -> DeliveryResult {
        if msg.test {
            let req = self.auth(
                self.client
                    .get(format!("{}/pages/{}", self.api_base, self.page_id)),
            );
            let r = execute(&self.peer, req, self.common.timeout).await?;
            return Ok(Delivered {
                remote_ref: ctx.remote_ref.clone(),
                detail: format!(
                    "HTTP {}: page and API key OK (a test is not posted publicly)",
                    r.status
                ),
            });
        }
        if msg.kind != MessageKind::Status {
            return Err(DeliveryError::permanent(self.peer.reason(&format!(
                "statuspage only sends status updates, not {}",
                msg.kind
            ))));
        }
        let incident_id = ctx.remote_ref.clone();
        if incident_id.is_none()
            && ctx.attempt > 1
            && let Some(found) = self.find_created(msg).await?
        {
            let upd = self.update(msg, true)?;
            return Ok(Delivered {
                remote_ref: Some(found.clone()),
                detail: Self::with_notes(
                    format!("incident {found} was created by an earlier attempt"),
                    &upd.notes,
                ),
            });
        }
        match incident_id {
            None => {
                let upd = self.update(msg, true)?;
                let req = self
                    .auth(self.client.post(self.url("incidents")))
                    .json(&upd.incident);
                let r = execute(&self.peer, req, self.common.timeout).await?;
                let id = serde_json::from_str::<serde_json::Value>(&r.body)
                    .ok()
                    .and_then(|v| v.get("id").and_then(|x| x.as_str()).map(str::to_string));
                let Some(id) = id else {
                    return Err(DeliveryError::permanent(
                        self.peer
                            .reason("created incident but the answer had no id"),
                    ));
                };
                Ok(Delivered {
                    remote_ref: Some(id.clone()),
                    detail: Self::with_notes(
                        format!("HTTP {}: created incident {id}", r.status),
                        &upd.notes,
                    ),
                })
            }
            Some(id) => {
                let upd = self.update(msg, false)?;
                let req = self
                    .auth(self.client.patch(self.url(&format!("incidents/{id}"))))
                    .json(&upd.incident);
                let r = execute(&self.peer, req, self.common.timeout).await?;
                Ok(Delivered {
                    remote_ref: Some(id.clone()),
                    detail: Self::with_notes(
                        format!("HTTP {}: updated incident {id}", r.status),
                        &upd.notes,
                    ),
                })
            }
        }
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        let Some(st) = &msg.status else {
            return vec![format!(
                "(statuspage sends status updates only; {} not sent)",
                msg.kind
            )];
        };
        let mut s = format!(
            "{}{}\n{}: {}",
            if msg.test {
                "[TEST: credentials check only] "
            } else {
                ""
            },
            Self::incident_name(msg),
            stage_label(&st.stage),
            Self::body_text(st)
        );
        for (name, status) in &st.components {
            s.push_str(&format!(
                "\n{name}: {}",
                component_status(status).unwrap_or("(unknown status)")
            ));
        }
        vec![s]
    }
}
