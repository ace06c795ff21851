//! Discord webhook: `content` ≤ 2,000 chars (split into several messages, resumed part by part
//! on retry), `allowed_mentions` so only an `@all` announcement pings (`@everyone`).

use reqwest::Client;
use serde_json::json;

use super::{BuildError, Common, Hook, parts_detail};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::render::{full_markdown, split_chars};
use crate::domain::outbound::OutboundMessage;

pub const MAX_CONTENT_CHARS: usize = 2_000;

/// The chat webhook it posts to.
pub struct Discord(Hook);

impl Discord {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        // The Slack-/GitHub-compatible variants (`.../slack`) as the plain webhook.
        Hook::checked(cfg, common, client, |url| {
            crate::delivery::endpoint::discord_webhook(url).map(|e| e.url)
        })
        .map(Discord)
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
        match reqwest::Url::parse(self.0.url()) {
            Ok(mut u) => {
                if !u.query_pairs().any(|(k, _)| k == "wait") {
                    u.query_pairs_mut().append_pair("wait", "true");
                }
                u.to_string()
            }
            Err(_) => self.0.url().to_string(),
        }
    }
}

impl Deliver for Discord {
    fn common(&self) -> &Common {
        self.0.common()
    }
    async fn send(&self, msg: &OutboundMessage, ctx: &DeliveryContext) -> DeliveryResult {
        let parts = Self::payloads(msg);
        let url = self.post_url();
        let replies = self.0.post_parts(&url, &parts, ctx).await?;
        let id = replies
            .last()
            .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok())
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
        let mut detail = parts_detail(replies.last().map(|r| r.status), parts.len(), replies.len());
        if let Some(id) = id {
            detail.push_str(&format!(", message {id}"));
        }
        Ok::<_, DeliveryError>(Delivered {
            remote_ref: None,
            detail,
        })
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        Self::contents(msg)
    }
}
