//! Slack incoming webhook: mrkdwn `text`, `@all` as `<!channel>`, 40,000-char limit.

use reqwest::Client;
use serde_json::json;

use super::{BuildError, Common, Hook};
use crate::delivery::backend::{Deliver, DeliveryContext, DeliveryResult};
use crate::delivery::config::BackendConfig;
use crate::delivery::render::{
    apply_mention, body_markdown, escape_slack, headline, md_to_slack, title_line, truncate_chars,
};
use crate::domain::outbound::OutboundMessage;

/// Slack truncates `text` beyond 40,000 characters; we cut first, with a marker.
pub const MAX_TEXT_CHARS: usize = 40_000;

/// The chat webhook it posts to.
pub struct Slack(Hook);

impl Slack {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        // A Web API method URL is refused with what to write instead.
        Hook::checked(cfg, common, client, |url| {
            crate::delivery::endpoint::slack_webhook(url).map(|_| url.to_string())
        })
        .map(Slack)
    }

    /// The mrkdwn text Slack shows.
    pub fn text(msg: &OutboundMessage) -> String {
        let mut s = format!(
            "*{}*\n{}",
            escape_slack(&title_line(msg)),
            apply_mention(&escape_slack(&headline(msg)), msg.mention_all, "<!channel>")
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

impl Deliver for Slack {
    fn common(&self) -> &Common {
        self.0.common()
    }
    async fn send(&self, msg: &OutboundMessage, _ctx: &DeliveryContext) -> DeliveryResult {
        self.0.post(&Self::payload(msg)).await
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        vec![Self::text(msg)]
    }
}
