//! Microsoft Teams Workflows webhook ("When a Teams webhook request is received"): an Adaptive
//! Card in `attachments` (the retired connector MessageCard is not supported). Returns 202.

use reqwest::Client;
use serde_json::json;

use super::{BuildError, Common, Hook};
use crate::delivery::backend::{Deliver, DeliveryContext, DeliveryResult};
use crate::delivery::config::BackendConfig;
use crate::delivery::render::{
    body_markdown, headline_with_mention, md_headings_to_bold, title_line, truncate_chars,
};
use crate::domain::outbound::OutboundMessage;

/// Teams rejects messages over about 28 KB; the body TextBlock is cut well below.
pub const MAX_BODY_CHARS: usize = 20_000;

/// The chat webhook it posts to.
pub struct Teams(Hook);

impl Teams {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        Hook::from_config(cfg, common, client).map(Teams)
    }

    /// The TextBlocks' texts, in order: title, headline, body (if any).
    pub fn blocks(msg: &OutboundMessage) -> Vec<String> {
        // Mentions are unreliable from a flow bot: "@all" is shown bold instead.
        let mut v = vec![title_line(msg), headline_with_mention(msg, "**@all**")];
        let body = body_markdown(msg);
        if !body.is_empty() {
            v.push(truncate_chars(&md_headings_to_bold(&body), MAX_BODY_CHARS));
        }
        v
    }

    pub fn payload(msg: &OutboundMessage) -> serde_json::Value {
        let blocks = Self::blocks(msg);
        let body: Vec<serde_json::Value> = blocks
            .iter()
            .enumerate()
            .map(|(i, text)| {
                if i == 0 {
                    json!({"type": "TextBlock", "text": text, "weight": "Bolder", "size": "Medium", "wrap": true})
                } else {
                    json!({"type": "TextBlock", "text": text, "wrap": true})
                }
            })
            .collect();
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                }
            }]
        })
    }
}

impl Deliver for Teams {
    fn common(&self) -> &Common {
        self.0.common()
    }
    async fn send(&self, msg: &OutboundMessage, _ctx: &DeliveryContext) -> DeliveryResult {
        let mut d = self.0.post(&Self::payload(msg)).await?;
        d.detail.push_str(" (the flow runs asynchronously)");
        Ok(d)
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        vec![Self::blocks(msg).join("\n")]
    }
}
