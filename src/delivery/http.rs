//! The shared HTTP client and the request/response handling every HTTP backend uses:
//! per-request timeout, status classification, server hints, secret-free error reasons.

use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use super::backend::DeliveryError;
use super::retry::{StatusClass, classify_status, server_hint};

/// Installs rustls' ring provider for the process (idempotent). Must run before building a
/// reqwest client; [`build_client`] calls it.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The one reqwest client all HTTP backends share: rustls on ring, no redirects followed
/// (a redirect of a secret URL is a failure, not something to chase), connect timeout.
pub fn build_client() -> Result<reqwest::Client, String> {
    install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("commandpost/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", e.without_url()))
}

/// Who is talking to whom, for error reasons: backend name and host only, and the secrets to
/// scrub from anything a server says back.
#[derive(Clone)]
pub struct Peer {
    pub backend: String,
    pub host: String,
    pub secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("backend", &self.backend)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl Peer {
    /// `url` may be secret: only its host is kept.
    pub fn new(backend: &str, url: &str, secrets: Vec<SecretString>) -> Self {
        Peer {
            backend: backend.to_string(),
            host: host_of(url),
            secrets,
        }
    }

    /// `backend (host): what`
    pub fn reason(&self, what: &str) -> String {
        self.scrub(&format!("{} ({}): {what}", self.backend, self.host))
    }

    /// Replaces every occurrence of a secret (and of its URL-significant pieces) with `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            let v = s.expose_secret();
            if v.len() >= 4 {
                out = out.replace(v, "[redacted]");
            }
            // URL secrets: their path and query are the secret part.
            if let Ok(u) = reqwest::Url::parse(v) {
                for piece in u.path().split('/').chain(u.query()) {
                    if piece.len() >= 8 {
                        out = out.replace(piece, "[redacted]");
                    }
                }
            }
        }
        out
    }

    /// Maps a transport error to a retryable, secret-free reason.
    pub fn transport_error(&self, e: &reqwest::Error, timeout: Duration) -> DeliveryError {
        let what = if e.is_timeout() {
            format!("timed out after {}", human_duration(timeout))
        } else if e.is_builder() {
            return DeliveryError::permanent(self.reason("invalid request (check the URL)"));
        } else if e.is_connect() {
            format!(
                "cannot connect ({})",
                io_cause(e).unwrap_or("connection failed".into())
            )
        } else if e.is_redirect() {
            return DeliveryError::permanent(self.reason("redirect not followed"));
        } else {
            format!(
                "network error ({})",
                io_cause(e).unwrap_or("request failed".into())
            )
        };
        DeliveryError::retryable(self.reason(&what))
    }
}

pub(crate) fn io_cause(e: &reqwest::Error) -> Option<String> {
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
                std::io::ErrorKind::ConnectionReset => "connection reset".into(),
                std::io::ErrorKind::ConnectionAborted => "connection aborted".into(),
                std::io::ErrorKind::TimedOut => "timed out".into(),
                std::io::ErrorKind::UnexpectedEof => "connection closed".into(),
                k => k.to_string(),
            });
        }
        src = s.source();
    }
    // DNS and TLS failures: say so without the underlying text (which may carry the URL).
    let dbg = format!("{e:?}").to_ascii_lowercase();
    if dbg.contains("dns") || dbg.contains("resolve") {
        Some("name resolution failed".into())
    } else if dbg.contains("certificate") || dbg.contains("tls") {
        Some("TLS handshake failed".into())
    } else {
        None
    }
}

/// `10s`, `1.5s`, `250ms`.
pub fn human_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// The host of a URL (`hooks.slack.com`, `127.0.0.1:8008`), or `?`.
pub fn host_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => "?".into(),
        },
        Err(_) => "?".into(),
    }
}

/// A 2xx response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// Sends the request with the per-request timeout; 2xx -> [`Reply`], anything else -> a
/// classified, secret-free [`DeliveryError`] with the server's short reason and delay hint.
pub async fn execute(
    peer: &Peer,
    req: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Reply, DeliveryError> {
    let resp = req
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| peer.transport_error(&e, timeout))?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match resp.text().await {
        Ok(b) => b,
        Err(e) => {
            if classify_status(status) == StatusClass::Success {
                // The server accepted it; the body is only detail.
                String::new()
            } else {
                return Err(peer.transport_error(&e, timeout));
            }
        }
    };
    match classify_status(status) {
        StatusClass::Success => Ok(Reply { status, body }),
        StatusClass::Retryable => Err(DeliveryError::Retryable {
            reason: peer.reason(&status_text(status, &body)),
            retry_after: server_hint(retry_after.as_deref(), &body, SystemTime::now()),
            parts_done: 0,
        }),
        StatusClass::Permanent => Err(DeliveryError::permanent(
            peer.reason(&status_text(status, &body)),
        )),
    }
}

/// `HTTP 404: Unknown Webhook` with the server's reason, short.
pub fn status_text(status: u16, body: &str) -> String {
    let reason = server_reason(body);
    if reason.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {reason}")
    }
}

/// The server's short reason from a JSON error body (`message`, `error`, `errcode`,
/// `description`, `msg`, `errors`) or the first line of a text body; at most 200 chars.
pub fn server_reason(body: &str) -> String {
    let text = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) if v.is_object() => {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            let errcode = s("errcode");
            let main = s("message")
                .or_else(|| s("error"))
                .or_else(|| s("description"))
                .or_else(|| s("msg"))
                .or_else(|| v.get("errors").map(|e| e.to_string()));
            match (errcode, main) {
                (Some(c), Some(m)) => format!("{c} {m}"),
                (Some(c), None) => c,
                (None, Some(m)) => m,
                (None, None) => String::new(),
            }
        }
        _ => body
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .to_string(),
    };
    let mut short: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    if text.chars().count() > 200 {
        short.push('…');
    }
    short
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_short_and_scrubbed() {
        let secret =
            SecretString::from("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX");
        let peer = Peer::new(
            "room",
            "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
            vec![secret],
        );
        assert_eq!(peer.host, "hooks.slack.com");
        let r = peer.reason("HTTP 404: no hook XXXXXXXXXXXXXXXX here");
        assert_eq!(
            r,
            "room (hooks.slack.com): HTTP 404: no hook [redacted] here"
        );
        assert_eq!(
            server_reason(r#"{"message":"Unknown Webhook","code":10015}"#),
            "Unknown Webhook"
        );
        assert_eq!(
            server_reason(
                r#"{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}"#
            ),
            "M_UNKNOWN_TOKEN Invalid access token passed."
        );
        assert_eq!(server_reason("channel_not_found"), "channel_not_found");
        assert_eq!(server_reason(&"x".repeat(500)).chars().count(), 201);
        assert_eq!(status_text(500, ""), "HTTP 500");
        assert_eq!(human_duration(Duration::from_secs(10)), "10s");
        assert_eq!(human_duration(Duration::from_millis(300)), "300ms");
    }
}
