//! Generic webhook signed per Standard Webhooks v1: `webhook-id` (derived from the message id,
//! the same on every retry: the receiver's idempotency key), `webhook-timestamp` (this
//! attempt), `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>`.

use reqwest::Client;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde_json::json;
use sha2::Sha256;

use super::{BuildError, Common, idempotency_key, required_secret, secret_url};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::BackendConfig;
use crate::delivery::http::{Peer, execute};
use crate::delivery::render::full_plain;
use crate::domain::outbound::OutboundMessage;

pub struct Webhook {
    common: Common,
    url: SecretString,
    key: SecretBox<Vec<u8>>,
    client: reqwest::Client,
    peer: Peer,
}

/// The signing key: `whsec_<base64>` decoded, or the secret's own bytes otherwise.
pub fn signing_key(secret: &str) -> Result<Vec<u8>, String> {
    match secret.strip_prefix("whsec_") {
        Some(b64) => STANDARD
            .decode(b64.trim())
            .map_err(|_| "a whsec_ secret must be base64 after the prefix".to_string()),
        None => Ok(secret.as_bytes().to_vec()),
    }
}

/// `v1,<base64 signature>` of `{id}.{timestamp}.{body}`.
pub fn sign(key: &[u8], id: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        // HMAC takes keys of any length; this arm is unreachable in practice.
        Err(_) => return String::new(),
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-id` of a message.
pub fn webhook_id(msg: &OutboundMessage) -> String {
    format!("msg_{}", idempotency_key(&msg.id))
}

impl Webhook {
    pub fn new(cfg: &BackendConfig, common: Common, client: Client) -> Result<Self, BuildError> {
        let url = secret_url(cfg, "url", &cfg.url)?;
        let secret = required_secret(cfg, "secret", &cfg.secret)?;
        let key =
            signing_key(secret.expose_secret()).map_err(|e| BuildError::one(cfg, "secret", e))?;
        if key.is_empty() {
            return Err(BuildError::one(cfg, "secret", "is empty"));
        }
        let peer = Peer::new(&cfg.name, url.expose_secret(), vec![url.clone(), secret]);
        Ok(Webhook {
            common,
            url,
            key: SecretBox::new(Box::new(key)),
            client,
            peer,
        })
    }

    /// The JSON event: `type` `incident.<kind>`, `timestamp`, `data` = the message plus `text`
    /// (its plain-text rendering).
    pub fn payload(msg: &OutboundMessage, now: SystemTime) -> serde_json::Value {
        let mut data = serde_json::to_value(msg).unwrap_or_else(|_| json!({}));
        if let Some(o) = data.as_object_mut() {
            o.insert("text".into(), json!(full_plain(msg, "@all")));
        }
        let ts = jiff::Timestamp::try_from(now)
            .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
            .unwrap_or_default();
        json!({"type": format!("incident.{}", msg.kind), "timestamp": ts, "data": data})
    }
}

impl Deliver for Webhook {
    fn common(&self) -> &Common {
        &self.common
    }
    async fn send(&self, msg: &OutboundMessage, _ctx: &DeliveryContext) -> DeliveryResult {
        let now = SystemTime::now();
        let body = serde_json::to_vec(&Self::payload(msg, now)).map_err(|e| {
            DeliveryError::permanent(self.peer.reason(&format!("cannot encode: {e}")))
        })?;
        let ts = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let id = webhook_id(msg);
        let sig = sign(self.key.expose_secret(), &id, ts, &body);
        let req = self
            .client
            .post(self.url.expose_secret())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sig)
            .body(body);
        let r = execute(&self.peer, req, self.common.timeout).await?;
        Ok::<_, DeliveryError>(Delivered {
            remote_ref: None,
            detail: format!("HTTP {}: {id}", r.status),
        })
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        let p = Self::payload(msg, SystemTime::now());
        vec![serde_json::to_string_pretty(&p).unwrap_or_default()]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::outbound::MessageKind;

    #[test]
    fn standard_webhooks_spec_vector() {
        let key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn ids_have_no_dots_and_are_stable() {
        let m = crate::delivery::render::tests::msg(MessageKind::Sitrep);
        let a = webhook_id(&m);
        assert_eq!(a, webhook_id(&m));
        assert!(!a.contains('.'));
        assert!(a.starts_with("msg_INC-42_m3_"));
    }
}
