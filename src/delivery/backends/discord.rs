//! Discord webhook: `content` ≤ 2,000 chars (split into several messages, resumed part by part
//! on retry), `allowed_mentions` so only an `@all` announcement pings (`@everyone`).

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{BuildError, Common, parts_detail, post_parts, secret_url};
use crate::delivery::backend::{Backend, DeliverFuture, Delivered, DeliveryContext, DeliveryError};
use crate::delivery::config::{BackendConfig, BackendKind};
use crate::delivery::http::Peer;
use crate::delivery::render::{full_markdown, split_chars};
use crate::domain::outbound::{MessageKind, OutboundMessage};

pub const MAX_CONTENT_CHARS: usize = 2_000;

pub struct Discord {
    common: Common,
    url: SecretString,
    client: reqwest::Client,
    peer: Peer,
}

impl Discord {
    pub fn new(
        cfg: &BackendConfig,
        common: Common,
        client: reqwest::Client,
    ) -> Result<Self, BuildError> {
        let raw = secret_url(cfg, "url", &cfg.url)?;
        // The Slack-/GitHub-compatible variants (`.../slack`) as the plain webhook.
        let url = SecretString::from(
            crate::delivery::endpoint::discord_webhook(raw.expose_secret())
                .map_err(|e| BuildError::one(cfg, "url", e))?
                .url,
        );
        let peer = Peer::new(&cfg.name, url.expose_secret(), vec![url.clone(), raw]);
        Ok(Discord {
            common,
            url,
            client,
            peer,
        })
    }

    pub fn contents(msg: &OutboundMessage) -> Vec<String> {
        split_chars(&full_markdown(msg, "@everyone"), MAX_CONTENT_CHARS)
    }

    /// One JSON body per message part; only the first part of an `@all` message may ping.
    pub fn payloads(msg: &OutboundMessage) -> Vec<serde_json::Value> {
        Self::contents(msg)
            .into_iter()
            .enumerate()
            .map(|(i, content)| {
                let parse: Vec<&str> = if msg.mention_all && i == 0 {
                    vec!["everyone"]
                } else {
                    vec![]
                };
                json!({"content": content, "allowed_mentions": {"parse": parse}})
            })
            .collect()
    }

    /// The webhook URL with `wait=true` (200 and the created message instead of 204).
    fn post_url(&self) -> String {
        match reqwest::Url::parse(self.url.expose_secret()) {
            Ok(mut u) => {
                if !u.query_pairs().any(|(k, _)| k == "wait") {
                    u.query_pairs_mut().append_pair("wait", "true");
                }
                u.to_string()
            }
            Err(_) => self.url.expose_secret().to_string(),
        }
    }
}

impl Backend for Discord {
    fn name(&self) -> &str {
        &self.common.name
    }
    fn kind(&self) -> BackendKind {
        BackendKind::Discord
    }
    fn accepts(&self, k: MessageKind) -> bool {
        self.common.accepts(k)
    }
    fn deliver<'a>(
        &'a self,
        msg: &'a OutboundMessage,
        ctx: &'a DeliveryContext,
    ) -> DeliverFuture<'a> {
        Box::pin(async move {
            let parts = Self::payloads(msg);
            let url = self.post_url();
            let replies = post_parts(
                &self.client,
                &self.peer,
                &url,
                &parts,
                ctx,
                self.common.timeout,
            )
            .await?;
            let id = replies
                .last()
                .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok())
                .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
            let mut detail =
                parts_detail(replies.last().map(|r| r.status), parts.len(), replies.len());
            if let Some(id) = id {
                detail.push_str(&format!(", message {id}"));
            }
            Ok::<_, DeliveryError>(Delivered {
                remote_ref: None,
                detail,
            })
        })
    }
    fn render(&self, msg: &OutboundMessage) -> Vec<String> {
        Self::contents(msg)
    }
}
