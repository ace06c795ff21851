//! Matrix client-server API: `PUT /rooms/{roomId}/send/m.room.message/{txnId}` with an
//! `m.notice`. The txnId is derived from the message id, so a retry after an unknown outcome
//! reuses it and the homeserver returns the same event (one message in the room). `@all`
//! becomes `@room` with `m.mentions.room`; a room alias is joined once to learn its id.

use reqwest::Client;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{BuildError, Common, idempotency_key, required_secret, required_str};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::http::{Peer, execute};
use crate::delivery::render::{
    body_markdown, escape_html, full_plain, headline_with_mention, md_to_html, title_line,
    truncate_bytes,
};
use crate::domain::outbound::OutboundMessage;

/// Events are limited to 65,536 bytes in all; each of body and formatted_body stays below this.
pub const MAX_BODY_BYTES: usize = 30_000;

pub struct Matrix {
    common: Common,
    homeserver: reqwest::Url,
    room: String,
    room_id: Mutex<Option<String>>,
    token: SecretString,
    client: reqwest::Client,
    peer: Peer,
}

/// The transaction id for a message: deterministic, so retries reuse it.
pub fn txn_id(msg: &OutboundMessage) -> String {
    format!("cp_{}", idempotency_key(&msg.id))
}

impl Matrix {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        let hs = required_str(cfg, "homeserver", &cfg.homeserver)?;
        // With or without a trailing slash or the `/_matrix/...` API path.
        let base = crate::delivery::endpoint::matrix_homeserver(hs)
            .map_err(|e| BuildError::one(cfg, "homeserver", e))?
            .url;
        let homeserver = reqwest::Url::parse(&base)
            .map_err(|_| BuildError::one(cfg, "homeserver", "is not a URL"))?;
        // A room id, an alias or a matrix.to link to either.
        let room = crate::delivery::endpoint::matrix_room(required_str(cfg, "room", &cfg.room)?)
            .map_err(|e| BuildError::one(cfg, "room", e))?;
        let token = required_secret(cfg, "access_token", &cfg.access_token)?;
        let peer = Peer::new(&cfg.name, hs, vec![token.clone()]);
        let room_id = room.starts_with('!').then(|| room.clone());
        Ok(Matrix {
            common,
            homeserver,
            room,
            room_id: Mutex::new(room_id),
            token,
            client,
            peer,
        })
    }

    fn api_url(&self, segments: &[&str]) -> String {
        let mut u = self.homeserver.clone();
        if let Ok(mut p) = u.path_segments_mut() {
            p.pop_if_empty();
            p.extend(["_matrix", "client", "v3"]);
            p.extend(segments);
        }
        u.to_string()
    }

    /// The event content.
    pub fn content(msg: &OutboundMessage) -> serde_json::Value {
        let body = truncate_bytes(&full_plain(msg, "@room"), MAX_BODY_BYTES);
        let mut html = format!(
            "<b>{}</b><br>\n{}",
            escape_html(&title_line(msg)),
            escape_html(&headline_with_mention(msg, "@room"))
        );
        let md = body_markdown(msg);
        if !md.is_empty() {
            html.push_str("<br>\n<br>\n");
            html.push_str(&md_to_html(&md));
        }
        let mentions = if msg.mention_all {
            json!({"room": true})
        } else {
            json!({})
        };
        if html.len() <= MAX_BODY_BYTES {
            json!({
                "msgtype": "m.notice",
                "body": body,
                "format": "org.matrix.custom.html",
                "formatted_body": html,
                "m.mentions": mentions,
            })
        } else {
            // Cutting HTML would break it: the plain body alone (already cut) is sent.
            json!({"msgtype": "m.notice", "body": body, "m.mentions": mentions})
        }
    }

    async fn room_id(&self) -> Result<String, DeliveryError> {
        if let Ok(guard) = self.room_id.lock()
            && let Some(id) = guard.as_ref()
        {
            return Ok(id.clone());
        }
        // An alias: join it (idempotent for a member) to learn the room id.
        let url = self.api_url(&["join", &self.room]);
        let req = self
            .client
            .post(url)
            .bearer_auth(self.token.expose_secret())
            .json(&json!({}));
        let r = execute(&self.peer, req, self.common.timeout).await?;
        let id = answer_str(&r.body, "room_id").ok_or_else(|| {
            DeliveryError::permanent(self.peer.reason("join answered without a room_id"))
        })?;
        if let Ok(mut guard) = self.room_id.lock() {
            *guard = Some(id.clone());
        }
        Ok(id)
    }
}

/// The string `key` of a JSON answer, if it has one.
fn answer_str(body: &str, key: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()?
        .get(key)?
        .as_str()
        .map(str::to_string)
}

impl Deliver for Matrix {
    fn common(&self) -> &Common {
        &self.common
    }
    async fn send(&self, msg: &OutboundMessage, _ctx: &DeliveryContext) -> DeliveryResult {
        let room_id = self.room_id().await?;
        let txn = txn_id(msg);
        let url = self.api_url(&["rooms", &room_id, "send", "m.room.message", &txn]);
        let req = self
            .client
            .put(url)
            .bearer_auth(self.token.expose_secret())
            .json(&Self::content(msg));
        let r = execute(&self.peer, req, self.common.timeout).await?;
        let event = answer_str(&r.body, "event_id");
        Ok::<_, DeliveryError>(Delivered {
            remote_ref: None,
            detail: match event {
                Some(e) => format!("event {e}"),
                None => format!("HTTP {}", r.status),
            },
        })
    }
    fn target(&self, _incident: &str) -> Option<String> {
        Some(format!("posts in {}", self.room))
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        let c = Self::content(msg);
        vec![
            c.get("body")
                .and_then(|b| b.as_str())
                .unwrap_or_default()
                .to_string(),
        ]
    }
}
