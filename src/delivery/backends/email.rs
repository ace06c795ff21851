//! Email through SMTP (lettre, async on tokio, rustls): STARTTLS (required, never downgraded),
//! implicit TLS, or plaintext for a local relay. Each message has a stable `Message-ID` derived
//! from its id, and `In-Reply-To`/`References` pointing at the incident's thread root
//! `<incident_id@commandpost>`, so mail clients thread an incident's messages together.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use super::{BuildError, Common, idempotency_key, optional_secret};
use crate::delivery::backend::{
    Deliver, Delivered, DeliveryContext, DeliveryError, DeliveryResult,
};
use crate::delivery::config::{BackendConfig, EmailTls};
use crate::delivery::http::{Peer, human_duration};
use crate::delivery::render::{full_plain, headline, page_line, safe_chars, title_line};
use crate::domain::outbound::{MessageKind, OutboundMessage};

pub struct Email {
    common: Common,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
    peer: Peer,
}

/// `<INC-42_m3_1a2b3c4d@commandpost>`
pub fn message_id(msg: &OutboundMessage) -> String {
    format!("<{}@commandpost>", idempotency_key(&msg.id))
}

/// The incident's thread root, `<INC-42@commandpost>` (characters outside `[A-Za-z0-9._-]` as `_`).
pub fn thread_root(incident_id: &str) -> String {
    let clean = safe_chars(incident_id, true);
    format!("<{}@commandpost>", clean.trim_matches('.'))
}

/// `title: headline`; a page's is its one line (state, id, title, summary).
pub fn subject(msg: &OutboundMessage) -> String {
    let s = if msg.kind == MessageKind::Page {
        page_line(msg)
    } else {
        format!("{}: {}", title_line(msg), headline(msg))
    };
    s.chars().filter(|c| !c.is_control()).collect()
}

impl Email {
    pub fn new(cfg: &BackendConfig, common: Common) -> Result<Self, BuildError> {
        Self::with_root_certificate(cfg, common, None)
    }

    /// Like [`Email::new`], also trusting `root_pem` (a private CA or a test server's
    /// self-signed certificate) for STARTTLS / implicit TLS with `host`.
    pub fn with_root_certificate(
        cfg: &BackendConfig,
        common: Common,
        root_pem: Option<&[u8]>,
    ) -> Result<Self, BuildError> {
        crate::delivery::http::install_crypto_provider();
        let smtp_url = optional_secret(cfg, "smtp_url", &cfg.smtp_url)?;
        let password = optional_secret(cfg, "password", &cfg.password)?;
        let mut secrets: Vec<SecretString> = Vec::new();
        // `host:port` and `smtp://host:587` (no tls=) as providers document them: STARTTLS
        // required towards a remote host, never a credential in clear.
        let smtp_url = match smtp_url {
            None => None,
            Some(raw) => {
                let e = crate::delivery::endpoint::smtp_url(raw.expose_secret())
                    .map_err(|e| BuildError::one(cfg, "smtp_url", e))?;
                secrets.push(raw);
                Some(SecretString::from(e.url))
            }
        };
        let builder = if let Some(url) = &smtp_url {
            secrets.push(url.clone());
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret()).map_err(|_| {
                BuildError::one(
                    cfg,
                    "smtp_url",
                    "is not a valid smtp:// or smtps:// URL (value not shown)",
                )
            })?
        } else {
            let host = cfg
                .host
                .as_deref()
                .ok_or_else(|| BuildError::one(cfg, "host", "email needs smtp_url or host"))?;
            let tls = cfg.tls.unwrap_or(EmailTls::Starttls);
            let params = || -> Result<TlsParameters, BuildError> {
                let mut b = TlsParameters::builder(host.to_string());
                if let Some(pem) = root_pem {
                    let cert = Certificate::from_pem(pem).map_err(|_| {
                        BuildError::one(cfg, "tls", "the extra root certificate is not valid PEM")
                    })?;
                    b = b.add_root_certificate(cert);
                }
                b.build_rustls()
                    .map_err(|e| BuildError::one(cfg, "tls", format!("cannot set up TLS: {e}")))
            };
            match tls {
                EmailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(cfg.port.unwrap_or(587))
                    .tls(Tls::Required(params()?)),
                EmailTls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(cfg.port.unwrap_or(465))
                    .tls(Tls::Wrapper(params()?)),
                EmailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(cfg.port.unwrap_or(25))
                    .tls(Tls::None),
            }
        };
        let builder = match (&cfg.username, &password) {
            (Some(u), Some(p)) => {
                secrets.push(p.clone());
                builder.credentials(Credentials::new(u.clone(), p.expose_secret().to_string()))
            }
            (Some(_), None) => {
                return Err(BuildError::one(
                    cfg,
                    "password",
                    "username given without password",
                ));
            }
            _ => builder,
        };
        let transport = builder.timeout(Some(common.timeout)).build();
        let from_raw = cfg
            .from
            .as_deref()
            .ok_or_else(|| BuildError::one(cfg, "from", "required for kind email"))?;
        let from: Mailbox = from_raw.parse().map_err(|_| {
            BuildError::one(cfg, "from", format!("{from_raw:?} is not an email address"))
        })?;
        let mut to = Vec::new();
        for t in cfg.to.as_deref().unwrap_or_default() {
            to.push(t.parse::<Mailbox>().map_err(|_| {
                BuildError::one(cfg, "to", format!("{t:?} is not an email address"))
            })?);
        }
        if to.is_empty() {
            return Err(BuildError::one(cfg, "to", "needs at least one recipient"));
        }
        let peer_url = match (&smtp_url, &cfg.host) {
            (Some(u), _) => u.expose_secret().to_string(),
            (None, Some(h)) => format!("smtp://{h}:{}", cfg.port.unwrap_or(0)),
            (None, None) => String::new(),
        };
        let mut peer = Peer::new(&cfg.name, &peer_url, secrets);
        if smtp_url.is_none() && cfg.port.is_none() {
            peer.host = cfg.host.clone().unwrap_or_default();
        }
        Ok(Email {
            common,
            transport,
            from,
            to,
            peer,
        })
    }

    pub fn build_message(&self, msg: &OutboundMessage) -> Result<Message, DeliveryError> {
        let root = thread_root(&msg.incident_id);
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(subject(msg))
            .message_id(Some(message_id(msg)))
            .in_reply_to(root.clone())
            .references(root)
            .header(ContentType::TEXT_PLAIN);
        for t in &self.to {
            b = b.to(t.clone());
        }
        b.body(full_plain(msg, "")).map_err(|e| {
            DeliveryError::permanent(self.peer.reason(&format!("cannot build the mail: {e}")))
        })
    }
}

impl Deliver for Email {
    fn common(&self) -> &Common {
        &self.common
    }
    async fn send(&self, msg: &OutboundMessage, _ctx: &DeliveryContext) -> DeliveryResult {
        let mail = self.build_message(msg)?;
        let timeout = self.common.timeout;
        // lettre applies the timeout per socket operation; bound the whole exchange too.
        let sent = tokio::time::timeout(timeout * 3, self.transport.send(mail)).await;
        match sent {
            Err(_) => Err(DeliveryError::retryable(
                self.peer
                    .reason(&format!("timed out after {}", human_duration(timeout * 3))),
            )),
            Ok(Ok(resp)) => Ok(Delivered {
                remote_ref: None,
                detail: format!("SMTP {}: {}", resp.code(), message_id(msg)),
            }),
            Ok(Err(e)) => {
                let what = e.to_string();
                if e.is_permanent() {
                    Err(DeliveryError::permanent(self.peer.reason(&what)))
                } else if e.is_timeout() {
                    Err(DeliveryError::retryable(self.peer.reason(&format!(
                        "timed out after {}",
                        human_duration(timeout)
                    ))))
                } else {
                    Err(DeliveryError::retryable(self.peer.reason(&what)))
                }
            }
        }
    }
    fn target(&self, _incident: &str) -> Option<String> {
        let to: Vec<String> = self.to.iter().map(ToString::to_string).collect();
        Some(format!("mails {}", to.join(", ")))
    }
    fn preview(&self, msg: &OutboundMessage) -> Vec<String> {
        vec![format!(
            "Subject: {}\n\n{}",
            subject(msg),
            full_plain(msg, "")
        )]
    }
}
