//! The product health sources at the edge (issue 17): Prometheus (the figures in the header)
//! and Alertmanager (the firing alerts panel). Plain HTTP clients on the project's one reqwest
//! client, each request bounded by the configured timeout, and the pollers that run them off
//! the UI thread and hand their answers over as domain values (`domain::health::live::Update`,
//! `domain::alert::AlertsUpdate`). Nothing here draws or journals.

pub mod alertmanager;
pub mod poll;
pub mod prometheus;

use crate::config::SecretRef;
use crate::config::health::parse_base_url;
use crate::delivery::http::{Peer, human_duration, io_cause};
use jiff::SignedDuration;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// One server asked over HTTP (Prometheus, Alertmanager): its base URL, bearer token and
/// timeout, and the peer that keeps its address and secrets out of what is said of it.
#[derive(Clone)]
pub(crate) struct Server {
    http: reqwest::Client,
    base: reqwest::Url,
    token: Option<SecretString>,
    peer: Peer,
    timeout: Duration,
}

impl Server {
    /// `what` names the server in errors; `token_key` is the token's config key
    /// (`metrics.bearer_token`).
    pub(crate) fn new(
        http: reqwest::Client,
        what: &str,
        raw: &str,
        (token, token_key): (Option<&str>, &str),
        timeout: SignedDuration,
    ) -> Result<Server, String> {
        let base = parse_base_url(raw, what)?;
        let token = bearer(token, token_key)?;
        let secrets: Vec<SecretString> = token.iter().cloned().collect();
        Ok(Server {
            http,
            peer: Peer::new(what, raw, secrets),
            base,
            token,
            timeout: timeout.unsigned_abs(),
        })
    }

    /// `127.0.0.1:9090`.
    pub(crate) fn host(&self) -> &str {
        &self.peer.host
    }

    /// `GET path?params`, bounded by the timeout: the status and the body, or the transport
    /// failure in words.
    pub(crate) async fn get(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<(u16, String), String> {
        let mut req = self
            .http
            .get(endpoint(&self.base, path, params))
            .timeout(self.timeout);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t.expose_secret());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| transport(&self.peer, &e, self.timeout))?;
        let status = resp.status().as_u16();
        let body = resp
            .text()
            .await
            .map_err(|e| transport(&self.peer, &e, self.timeout))?;
        Ok((status, body))
    }

    /// `text` without the server's secrets.
    pub(crate) fn scrub(&self, text: &str) -> String {
        self.peer.scrub(text)
    }
}

/// The bearer token a section names (`None`: none), or why it cannot be read (never the
/// secret itself).
fn bearer(raw: Option<&str>, key: &str) -> Result<Option<SecretString>, String> {
    match raw {
        None => Ok(None),
        Some(r) => SecretRef::parse(r)
            .resolve()
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
    }
}

/// A transport failure in words, secret-free: `timed out after 5s`,
/// `cannot connect: connection refused`.
fn transport(peer: &Peer, e: &reqwest::Error, timeout: Duration) -> String {
    let what = if e.is_timeout() {
        format!("timed out after {}", human_duration(timeout))
    } else if e.is_connect() {
        format!(
            "cannot connect: {}",
            io_cause(e).unwrap_or_else(|| "connection failed".into())
        )
    } else if e.is_decode() || e.is_body() {
        "the answer could not be read".into()
    } else if e.is_redirect() {
        "redirect not followed (check the URL)".into()
    } else {
        format!(
            "network error: {}",
            io_cause(e)
                .or_else(|| innermost(e))
                .unwrap_or_else(|| "request failed".into())
        )
    };
    peer.scrub(&what)
}

/// The deepest cause of a reqwest error in words (hyper's "connection closed before message
/// completed"); reqwest's own text is not used, it carries the URL.
fn innermost(e: &reqwest::Error) -> Option<String> {
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    let mut last = None;
    while let Some(s) = src {
        last = Some(s.to_string());
        src = s.source();
    }
    last.filter(|s| !s.contains("://"))
}

/// The URL of `path` under a base URL that may have a path prefix of its own, with `params`
/// form-encoded in its query.
fn endpoint(base: &reqwest::Url, path: &str, params: &[(&str, &str)]) -> reqwest::Url {
    let mut u = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path);
    u.set_path(&joined);
    u.set_query(None);
    if !params.is_empty() {
        u.query_pairs_mut().extend_pairs(params);
    }
    u
}
