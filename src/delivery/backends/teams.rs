//! Microsoft Teams Workflows webhook ("When a Teams webhook request is received"): an Adaptive
//! Card in `attachments` (the retired connector MessageCard is not supported). Returns 202.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{BuildError, Common, secret_url};
use crate::delivery::backend::{Backend, DeliverFuture, Delivered, DeliveryContext, DeliveryError};
use crate::delivery::config::{BackendConfig, BackendKind};
use crate::delivery::http::{Peer, execute};
use crate::delivery::render::{
    body_markdown, headline_with_mention, md_headings_to_bold, title_line, truncate_chars,
};
use crate::domain::outbound::{MessageKind, OutboundMessage};

/// Teams rejects messages over about 28 KB; the body TextBlock is cut well below.
pub const MAX_BODY_CHARS: usize = 20_000;

pub struct Teams {
    common: Common,
    url: SecretString,
    client: reqwest::Client,
    peer: Peer,
}

impl Teams {
    pub fn new(
        cfg: &BackendConfig,
        common: Common,
        client: reqwest::Client,
    ) -> Result<Self, BuildError> {
        let url = secret_url(cfg, "url", &cfg.url)?;
        let peer = Peer::new(&cfg.name, url.expose_secret(), vec![url.clone()]);
        Ok(Teams {
            common,
            url,
            client,
            peer,
        })
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

impl Backend for Teams {
    fn name(&self) -> &str {
        &self.common.name
    }
    fn kind(&self) -> BackendKind {
        BackendKind::Teams
    }
    fn accepts(&self, k: MessageKind) -> bool {
        self.common.accepts(k)
    }
    fn deliver<'a>(
        &'a self,
        msg: &'a OutboundMessage,
        _ctx: &'a DeliveryContext,
    ) -> DeliverFuture<'a> {
        Box::pin(async move {
            let req = self
                .client
                .post(self.url.expose_secret())
                .json(&Self::payload(msg));
            let r = execute(&self.peer, req, self.common.timeout).await?;
            Ok::<_, DeliveryError>(Delivered {
                remote_ref: None,
                detail: format!("HTTP {} (the flow runs asynchronously)", r.status),
            })
        })
    }
    fn render(&self, msg: &OutboundMessage) -> Vec<String> {
        vec![Self::blocks(msg).join("\n")]
    }
}
