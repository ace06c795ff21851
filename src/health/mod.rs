//! The product health sources at the edge (issue 17): Prometheus (the figures in the header)
//! and Alertmanager (the firing alerts panel). Plain HTTP clients on the project's one reqwest
//! client, each request bounded by the configured timeout, and the pollers that run them off
//! the UI thread and hand their answers over as domain values (`domain::health::live::Update`,
//! `domain::alert::AlertsUpdate`). Nothing here draws or journals.

pub mod alertmanager;
pub mod poll;
pub mod prometheus;

use crate::config::SecretRef;
use crate::delivery::http::{Peer, human_duration, io_cause};
use secrecy::SecretString;
use std::time::Duration;

/// The bearer token a section names (`None`: none), or why it cannot be read (never the
/// secret itself).
pub(crate) fn bearer(raw: Option<&str>, key: &str) -> Result<Option<SecretString>, String> {
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
pub(crate) fn transport(peer: &Peer, e: &reqwest::Error, timeout: Duration) -> String {
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
pub(crate) fn endpoint(base: &reqwest::Url, path: &str, params: &[(&str, &str)]) -> reqwest::Url {
    let mut u = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path);
    u.set_path(&joined);
    u.set_query(None);
    if !params.is_empty() {
        u.query_pairs_mut().extend_pairs(params);
    }
    u
}
