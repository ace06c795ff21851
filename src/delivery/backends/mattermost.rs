//! Mattermost incoming webhook: Markdown `text`, `@all` is a real mention (and stray `@all`,
//! `@channel`, `@here` in a message that should not ping are defused); posts ≤ 16,383 chars,
//! longer messages are split into several posts.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{BuildError, Common, parts_detail, post_parts, secret_url};
use crate::delivery::backend::{Backend, DeliverFuture, Delivered, DeliveryContext, DeliveryError};
use crate::delivery::config::{BackendConfig, BackendKind};
use crate::delivery::http::Peer;
use crate::delivery::render::{
    body_markdown, headline, headline_with_mention, split_chars, title_line,
};
use crate::domain::outbound::{MessageKind, OutboundMessage};

pub const MAX_POST_CHARS: usize = 16_000;

pub struct Mattermost {
    common: Common,
    url: SecretString,
    client: reqwest::Client,
    peer: Peer,
}

/// Inserts a zero-width joiner so `@all`/`@channel`/`@here` render but do not notify.
fn defuse(s: &str) -> String {
    s.replace("@all", "@\u{2060}all")
        .replace("@channel", "@\u{2060}channel")
        .replace("@here", "@\u{2060}here")
}

impl Mattermost {
    pub fn new(
        cfg: &BackendConfig,
        common: Common,
        client: reqwest::Client,
    ) -> Result<Self, BuildError> {
        let url = secret_url(cfg, "url", &cfg.url)?;
        let peer = Peer::new(&cfg.name, url.expose_secret(), vec![url.clone()]);
        Ok(Mattermost {
            common,
            url,
            client,
            peer,
        })
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

impl Backend for Mattermost {
    fn name(&self) -> &str {
        &self.common.name
    }
    fn kind(&self) -> BackendKind {
        BackendKind::Mattermost
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
            let replies = post_parts(
                &self.client,
                &self.peer,
                self.url.expose_secret(),
                &parts,
                ctx,
                self.common.timeout,
            )
            .await?;
            Ok::<_, DeliveryError>(Delivered {
                remote_ref: None,
                detail: parts_detail(replies.last().map(|r| r.status), parts.len(), replies.len()),
            })
        })
    }
    fn render(&self, msg: &OutboundMessage) -> Vec<String> {
        Self::texts(msg)
    }
}
