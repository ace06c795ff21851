//! ntfy: JSON publish (`POST <server>/` with `topic`, `title`, `message`, `priority`, `tags`,
//! `markdown`), so titles need no header encoding. `url` is the topic URL
//! (`https://ntfy.sh/<topic>`); optional `access_token` (Bearer) or `username`/`password`.

use reqwest::Client;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{BuildError, Common, optional_secret, required_secret};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::http::{Peer, execute};
use crate::delivery::render::{
    body_markdown, headline_with_mention, title_line, truncate_bytes, truncate_chars,
};
use crate::domain::outbound::{MessageKind, OutboundMessage, PageAction};

/// Larger messages become attachments on ntfy: stay below 4 KB.
pub const MAX_MESSAGE_BYTES: usize = 3_900;

enum Auth {
    None,
    Bearer(SecretString),
    Basic(String, SecretString),
}

pub struct Ntfy {
    common: Common,
    url: SecretString,
    auth: Auth,
    client: reqwest::Client,
    peer: Peer,
}

/// (publish URL, topic) from a topic URL as ntfy documents it (see
/// [`endpoint::ntfy_topic`](crate::delivery::endpoint::ntfy_topic)).
fn split_topic(url: &str) -> Option<(String, String)> {
    crate::delivery::endpoint::ntfy_topic(url)
        .ok()
        .map(|t| (t.publish, t.topic))
}

impl Ntfy {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        let url = required_secret(cfg, "url", &cfg.url)?;
        let topic = crate::delivery::endpoint::ntfy_topic(url.expose_secret())
            .map_err(|e| BuildError::one(cfg, "url", e))?;
        // The topic URL as understood too, so a scheme-less one is scrubbed piece by piece.
        let full = SecretString::from(format!("{}{}", topic.publish, topic.topic));
        let mut secrets = vec![url.clone(), full];
        let auth = match (
            optional_secret(cfg, "access_token", &cfg.access_token)?,
            &cfg.username,
            optional_secret(cfg, "password", &cfg.password)?,
        ) {
            (Some(t), _, _) => {
                secrets.push(t.clone());
                Auth::Bearer(t)
            }
            (None, Some(u), Some(p)) => {
                secrets.push(p.clone());
                Auth::Basic(u.clone(), p)
            }
            _ => Auth::None,
        };
        let peer = Peer::new(&cfg.name, &topic.publish, secrets);
        Ok(Ntfy {
            common,
            url,
            auth,
            client,
            peer,
        })
    }

    pub fn priority(msg: &OutboundMessage) -> u8 {
        match (&msg.page, msg.mention_all) {
            (Some(PageAction::Trigger { .. }), _) if msg.kind == MessageKind::Page => 5,
            (_, true) => 4,
            _ => 3,
        }
    }

    pub fn payload(msg: &OutboundMessage, topic: &str) -> serde_json::Value {
        let mut text = headline_with_mention(msg, "");
        let body = body_markdown(msg);
        if !body.is_empty() {
            text.push_str("\n\n");
            text.push_str(&body);
        }
        let mut tags = vec![
            "commandpost".to_string(),
            msg.kind.to_string(),
            msg.severity.trim().to_lowercase(),
        ];
        if msg.test {
            tags.push("test".into());
        }
        json!({
            "topic": topic,
            "title": truncate_chars(&title_line(msg), 250),
            "message": truncate_bytes(&text, MAX_MESSAGE_BYTES),
            "priority": Self::priority(msg),
            "tags": tags,
            "markdown": true,
        })
    }
}

impl Deliver for Ntfy {
    fn common(&self) -> &Common {
        &self.common
    }
    async fn send(&self, msg: &OutboundMessage, _ctx: &DeliveryContext) -> DeliveryResult {
        let (publish, topic) = split_topic(self.url.expose_secret())
            .ok_or_else(|| DeliveryError::permanent(self.peer.reason("url has no topic")))?;
        let mut req = self.client.post(publish).json(&Self::payload(msg, &topic));
        req = match &self.auth {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t.expose_secret()),
            Auth::Basic(u, p) => req.basic_auth(u, Some(p.expose_secret())),
        };
        let r = execute(&self.peer, req, self.common.timeout).await?;
        let id = serde_json::from_str::<serde_json::Value>(&r.body)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
        Ok::<_, DeliveryError>(Delivered {
            remote_ref: None,
            detail: match id {
                Some(id) => format!("HTTP {}: message {id}", r.status),
                None => format!("HTTP {}", r.status),
            },
        })
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        let p = Self::payload(msg, "");
        let s = |k: &str| {
            p.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        vec![format!("{}\n{}", s("title"), s("message"))]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn topic_urls_split() {
        assert_eq!(
            split_topic("https://ntfy.sh/incidents"),
            Some(("https://ntfy.sh/".into(), "incidents".into()))
        );
        assert_eq!(
            split_topic("http://127.0.0.1:9/ntfy/incidents/"),
            Some(("http://127.0.0.1:9/ntfy/".into(), "incidents".into()))
        );
        assert_eq!(split_topic("https://ntfy.sh/"), None);
    }
}
