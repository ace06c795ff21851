//! Slack incoming webhook: mrkdwn `text`, `@all` as `<!channel>`, 40,000-char limit.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{BuildError, Common, secret_url};
use crate::delivery::backend::{Backend, DeliverFuture, Delivered, DeliveryContext, DeliveryError};
use crate::delivery::config::{BackendConfig, BackendKind};
use crate::delivery::http::{Peer, execute};
use crate::delivery::render::{
    apply_mention, body_markdown, headline, md_to_slack, title_line, truncate_chars,
};
use crate::domain::outbound::{MessageKind, OutboundMessage};

/// Slack truncates `text` beyond 40,000 characters; we cut first, with a marker.
pub const MAX_TEXT_CHARS: usize = 40_000;

pub struct Slack {
    common: Common,
    url: SecretString,
    client: reqwest::Client,
    peer: Peer,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Slack {
    pub fn new(
        cfg: &BackendConfig,
        common: Common,
        client: reqwest::Client,
    ) -> Result<Self, BuildError> {
        let url = secret_url(cfg, "url", &cfg.url)?;
        // A Web API method URL is refused with what to write instead.
        crate::delivery::endpoint::slack_webhook(url.expose_secret())
            .map_err(|e| BuildError::one(cfg, "url", e))?;
        let peer = Peer::new(&cfg.name, url.expose_secret(), vec![url.clone()]);
        Ok(Slack {
            common,
            url,
            client,
            peer,
        })
    }

    /// The mrkdwn text Slack shows.
    pub fn text(msg: &OutboundMessage) -> String {
        let mut s = format!(
            "*{}*\n{}",
            esc(&title_line(msg)),
            apply_mention(&esc(&headline(msg)), msg.mention_all, "<!channel>")
        );
        let body = body_markdown(msg);
        if !body.is_empty() {
            s.push_str("\n\n");
            s.push_str(&md_to_slack(&body));
        }
        truncate_chars(&s, MAX_TEXT_CHARS)
    }

    pub fn payload(msg: &OutboundMessage) -> serde_json::Value {
        json!({ "text": Self::text(msg) })
    }
}

impl Backend for Slack {
    fn name(&self) -> &str {
        &self.common.name
    }
    fn kind(&self) -> BackendKind {
        BackendKind::Slack
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
                detail: format!("HTTP {}", r.status),
            })
        })
    }
    fn render(&self, msg: &OutboundMessage) -> Vec<String> {
        vec![Self::text(msg)]
    }
}
