//! Mattermost incoming webhook: Markdown `text`, `@all` is a real mention (and stray `@all`,
//! `@channel`, `@here` in a message that should not ping are defused); posts ≤ 16,383 chars,
//! longer messages are split into several posts.

use reqwest::Client;
use serde_json::json;

use super::{BuildError, Common, Hook, parts_detail};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::render::{
    body_markdown, headline, headline_with_mention, split_chars, title_line,
};
use crate::domain::outbound::OutboundMessage;

pub const MAX_POST_CHARS: usize = 16_000;

/// The chat webhook it posts to.
pub struct Mattermost(Hook);

/// Inserts a zero-width joiner so `@all`/`@channel`/`@here` render but do not notify.
fn defuse(s: &str) -> String {
    s.replace("@all", "@\u{2060}all")
        .replace("@channel", "@\u{2060}channel")
        .replace("@here", "@\u{2060}here")
}

impl Mattermost {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        Hook::from_config(cfg, common, client).map(Mattermost)
    }

    pub fn texts(msg: &OutboundMessage) -> Vec<String> {
        let headline = if msg.mention_all {
            headline_with_mention(msg, "@all")
        } else {
            defuse(&headline(msg))
        };
        let mut s = format!("#### {}\n{}", defuse(&title_line(msg)), headline);
        let body = body_markdown(msg);
        if !body.is_empty() {
            s.push_str("\n\n");
            s.push_str(&defuse(&body));
        }
        split_chars(&s, MAX_POST_CHARS)
    }

    pub fn payloads(msg: &OutboundMessage) -> Vec<serde_json::Value> {
        Self::texts(msg)
            .into_iter()
            .map(|t| json!({ "text": t }))
            .collect()
    }
}

impl Deliver for Mattermost {
    fn common(&self) -> &Common {
        self.0.common()
    }
    async fn send(&self, msg: &OutboundMessage, ctx: &DeliveryContext) -> DeliveryResult {
        let parts = Self::payloads(msg);
        let replies = self.0.post_parts(self.0.url(), &parts, ctx).await?;
        Ok::<_, DeliveryError>(Delivered {
            remote_ref: None,
            detail: parts_detail(replies.last().map(|r| r.status), parts.len(), replies.len()),
        })
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        Self::texts(msg)
    }
}
