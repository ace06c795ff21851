//! One file per backend kind behind [`Backend`]; [`build_backend`] turns a validated
//! `[[backends]]` entry into one.

pub mod command;
pub mod discord;
pub mod email;
pub mod file;
pub mod matrix;
pub mod mattermost;
pub mod ntfy;
pub mod pagerduty;
pub mod slack;
pub mod statuspage;
pub mod teams;
pub mod webhook;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::backend::{Backend, Delivered, DeliveryContext, DeliveryError, DeliveryResult};
use super::config::{BackendConfig, BackendKind, ConfigIssue, resolve_secret};
use super::http::{Peer, Reply, execute};
use crate::domain::outbound::MessageKind;

/// Why a `[[backends]]` entry could not become a backend: its problems, key by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    pub backend: String,
    pub issues: Vec<ConfigIssue>,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "backend {:?}: ", self.backend)?;
        let parts: Vec<String> = self
            .issues
            .iter()
            .map(|(k, m)| format!("{k}: {m}"))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for BuildError {}

impl BuildError {
    pub(crate) fn one(
        cfg: &BackendConfig,
        field: &'static str,
        message: impl Into<String>,
    ) -> Self {
        BuildError {
            backend: cfg.name.clone(),
            issues: vec![(field, message.into())],
        }
    }
}

/// What every backend keeps from its config.
#[derive(Debug, Clone)]
pub struct Common {
    pub name: String,
    pub kind: BackendKind,
    pub sends: Vec<MessageKind>,
    pub timeout: Duration,
}

impl Common {
    pub fn from_config(cfg: &BackendConfig) -> Result<Self, BuildError> {
        let timeout = cfg
            .timeout()
            .map_err(|e| BuildError::one(cfg, "timeout", e))?;
        Ok(Common {
            name: cfg.name.clone(),
            kind: cfg.kind,
            sends: cfg.sends(),
            timeout,
        })
    }
    /// Configured to send `k` (`sends`), and a kind this backend kind can carry.
    pub fn accepts(&self, k: MessageKind) -> bool {
        self.sends.contains(&k) && self.kind.supported_kinds().contains(&k)
    }
}

/// Resolves a required secret-bearing key.
pub(crate) fn required_secret(
    cfg: &BackendConfig,
    field: &'static str,
    raw: &Option<String>,
) -> Result<SecretString, BuildError> {
    let raw = raw
        .as_deref()
        .ok_or_else(|| BuildError::one(cfg, field, format!("required for kind {}", cfg.kind)))?;
    resolve_secret(raw).map_err(|e| BuildError::one(cfg, field, e.to_string()))
}

pub(crate) fn optional_secret(
    cfg: &BackendConfig,
    field: &'static str,
    raw: &Option<String>,
) -> Result<Option<SecretString>, BuildError> {
    match raw {
        None => Ok(None),
        Some(_) => required_secret(cfg, field, raw).map(Some),
    }
}

pub(crate) fn required_str<'a>(
    cfg: &BackendConfig,
    field: &'static str,
    v: &'a Option<String>,
) -> Result<&'a str, BuildError> {
    v.as_deref()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| BuildError::one(cfg, field, format!("required for kind {}", cfg.kind)))
}

/// A secret that must be an http(s) URL. The error never quotes it.
pub(crate) fn secret_url(
    cfg: &BackendConfig,
    field: &'static str,
    raw: &Option<String>,
) -> Result<SecretString, BuildError> {
    let s = required_secret(cfg, field, raw)?;
    match reqwest::Url::parse(s.expose_secret()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(s),
        _ => Err(BuildError::one(
            cfg,
            field,
            "is not an http(s) URL (value not shown: it is a secret)",
        )),
    }
}

/// Builds the backend for one entry (validated first). HTTP kinds share `client`.
pub fn build_backend(
    cfg: &BackendConfig,
    client: &reqwest::Client,
) -> Result<Arc<dyn Backend>, BuildError> {
    if let Err(issues) = cfg.validate() {
        return Err(BuildError {
            backend: cfg.name.clone(),
            issues,
        });
    }
    let common = Common::from_config(cfg)?;
    let c = client.clone();
    Ok(match cfg.kind {
        BackendKind::Slack => Arc::new(slack::Slack::new(cfg, common, c)?),
        BackendKind::Teams => Arc::new(teams::Teams::new(cfg, common, c)?),
        BackendKind::Discord => Arc::new(discord::Discord::new(cfg, common, c)?),
        BackendKind::Mattermost => Arc::new(mattermost::Mattermost::new(cfg, common, c)?),
        BackendKind::Matrix => Arc::new(matrix::Matrix::new(cfg, common, c)?),
        BackendKind::Statuspage => Arc::new(statuspage::Statuspage::new(cfg, common, c)?),
        BackendKind::Pagerduty => Arc::new(pagerduty::PagerDuty::new(cfg, common, c)?),
        BackendKind::Ntfy => Arc::new(ntfy::Ntfy::new(cfg, common, c)?),
        BackendKind::Webhook => Arc::new(webhook::Webhook::new(cfg, common, c)?),
        BackendKind::Email => Arc::new(email::Email::new(cfg, common)?),
        BackendKind::Command => Arc::new(command::CommandBackend::new(cfg, common)?),
        BackendKind::File => Arc::new(file::FileBackend::new(cfg, common)?),
    })
}

/// Builds every entry; all problems of all entries, or all backends. Names must be unique.
pub fn build_backends(
    cfgs: &[BackendConfig],
    client: &reqwest::Client,
) -> Result<Vec<Arc<dyn Backend>>, Vec<BuildError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for cfg in cfgs {
        if !seen.insert(cfg.name.as_str()) {
            errors.push(BuildError::one(cfg, "name", "duplicate backend name"));
            continue;
        }
        match build_backend(cfg, client) {
            Ok(b) => out.push(b),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A deterministic, receiver-safe idempotency key from a message id: the id with characters
/// outside `[A-Za-z0-9_-]` replaced by `_`, plus 8 hex digits of its SHA-256 (so two ids that
/// sanitise alike still differ). Same id, same key, on every retry and after a restart.
pub fn idempotency_key(id: &str) -> String {
    let clean: String = id
        .chars()
        .take(120)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = Sha256::digest(id.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{clean}_{hex}")
}

/// A chat webhook (Slack, Teams, Mattermost, Discord): what every backend keeps, its URL
/// (a secret, never in errors or the UI), the shared client, and the peer that names it in
/// errors. Each request is bounded by the entry's timeout.
pub struct Hook {
    common: Common,
    url: SecretString,
    client: reqwest::Client,
    peer: Peer,
}

impl Hook {
    /// The entry's `url`, an http(s) URL.
    pub(crate) fn from_config(
        cfg: &BackendConfig,
        common: Common,
        client: reqwest::Client,
    ) -> Result<Hook, BuildError> {
        Hook::checked(cfg, common, client, |url| Ok(url.to_string()))
    }

    /// The entry's `url` after `check`, which may refuse it (the message is the `url` key's)
    /// or rewrite it; the URL as written is scrubbed from errors too.
    pub(crate) fn checked(
        cfg: &BackendConfig,
        common: Common,
        client: reqwest::Client,
        check: impl FnOnce(&str) -> Result<String, String>,
    ) -> Result<Hook, BuildError> {
        let raw = secret_url(cfg, "url", &cfg.url)?;
        let url = SecretString::from(
            check(raw.expose_secret()).map_err(|e| BuildError::one(cfg, "url", e))?,
        );
        let mut secrets = vec![url.clone()];
        if raw.expose_secret() != url.expose_secret() {
            secrets.push(raw);
        }
        let peer = Peer::new(&cfg.name, url.expose_secret(), secrets);
        Ok(Hook {
            common,
            url,
            client,
            peer,
        })
    }

    pub(crate) fn common(&self) -> &Common {
        &self.common
    }

    pub(crate) fn url(&self) -> &str {
        self.url.expose_secret()
    }

    /// One POST of `body` as JSON; delivered says `HTTP <status>`.
    pub(crate) async fn post(&self, body: &serde_json::Value) -> DeliveryResult {
        let req = self.client.post(self.url()).json(body);
        let r = execute(&self.peer, req, self.common.timeout).await?;
        Ok(Delivered {
            remote_ref: None,
            detail: format!("HTTP {}", r.status),
        })
    }

    /// POSTs each JSON part to `url` in order, resuming after `ctx.parts_done`; an error
    /// carries how many parts are delivered so a retry never repeats one.
    pub(crate) async fn post_parts(
        &self,
        url: &str,
        parts: &[serde_json::Value],
        ctx: &DeliveryContext,
    ) -> Result<Vec<Reply>, DeliveryError> {
        let mut replies = Vec::new();
        let start = (ctx.parts_done as usize).min(parts.len());
        for (i, part) in parts.iter().enumerate().skip(start) {
            let req = self.client.post(url).json(part);
            match execute(&self.peer, req, self.common.timeout).await {
                Ok(r) => replies.push(r),
                Err(e) => return Err(part_error(e, i, parts.len())),
            }
        }
        Ok(replies)
    }
}

/// The error of part `i` (0-based) of `total`, saying which part and how many are done.
fn part_error(e: DeliveryError, i: usize, total: usize) -> DeliveryError {
    if total <= 1 {
        return e.with_parts_done(i as u32);
    }
    match e {
        DeliveryError::Retryable {
            reason,
            retry_after,
            ..
        } => DeliveryError::Retryable {
            reason: format!("{reason} (part {}/{total})", i + 1),
            retry_after,
            parts_done: i as u32,
        },
        DeliveryError::Permanent { reason } => DeliveryError::Permanent {
            reason: format!("{reason} (part {}/{total}, {i} delivered)", i + 1),
        },
    }
}

pub(crate) fn parts_detail(status: Option<u16>, total: usize, sent_now: usize) -> String {
    let mut s = match status {
        Some(code) => format!("HTTP {code}"),
        None => "delivered".to_string(),
    };
    if total > 1 {
        s.push_str(&format!(", {total} parts"));
        if sent_now < total {
            s.push_str(&format!(" ({} resumed)", total - sent_now));
        }
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_stable_and_distinct() {
        let a = idempotency_key("INC-20261121-1527.m17");
        assert_eq!(a, idempotency_key("INC-20261121-1527.m17"));
        assert!(a.starts_with("INC-20261121-1527_m17_"), "{a}");
        assert_eq!(a.len(), "INC-20261121-1527_m17_".len() + 8);
        assert_ne!(a, idempotency_key("INC-20261121-1527_m17"));
        assert!(!a.contains('.'));
    }
}
