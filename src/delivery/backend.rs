//! The one trait every backend implements, and what a delivery attempt returns.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::backends::Common;
use super::config::BackendKind;
use crate::domain::outbound::{MessageKind, OutboundMessage};

/// What the outbox knows when it makes an attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryContext {
    /// Backend state from an earlier delivery to this backend for this incident (e.g. the
    /// Statuspage incident id created by the first status update).
    pub remote_ref: Option<String>,
    /// 1 for the first attempt of this message to this backend.
    pub attempt: u32,
    /// Parts of this message already delivered by earlier attempts (backends that split a long
    /// message into several requests resume after them, so a retry never repeats a part).
    #[serde(default)]
    pub parts_done: u32,
}

impl DeliveryContext {
    pub fn first() -> Self {
        DeliveryContext {
            remote_ref: None,
            attempt: 1,
            parts_done: 0,
        }
    }
}

/// A successful delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    /// New or unchanged backend state to pass as [`DeliveryContext::remote_ref`] next time.
    pub remote_ref: Option<String>,
    /// Short human detail: "HTTP 200", "event $abc", "3 parts".
    pub detail: String,
}

/// A failed attempt. Reasons never contain secrets: they name the backend's host at most.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum DeliveryError {
    /// Network error, timeout, 429 or 5xx: try again, after `retry_after` if the server said.
    #[error("{reason}")]
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
        /// Parts delivered so far, including earlier attempts (see [`DeliveryContext::parts_done`]).
        #[serde(default)]
        parts_done: u32,
    },
    /// Any other 4xx, a bad configuration, a rejected message: retrying will not help.
    #[error("{reason}")]
    Permanent { reason: String },
}

impl DeliveryError {
    pub fn retryable(reason: impl Into<String>) -> Self {
        DeliveryError::Retryable {
            reason: reason.into(),
            retry_after: None,
            parts_done: 0,
        }
    }
    pub fn permanent(reason: impl Into<String>) -> Self {
        DeliveryError::Permanent {
            reason: reason.into(),
        }
    }
    pub fn reason(&self) -> &str {
        match self {
            DeliveryError::Retryable { reason, .. } | DeliveryError::Permanent { reason } => reason,
        }
    }
    pub fn is_retryable(&self) -> bool {
        matches!(self, DeliveryError::Retryable { .. })
    }
    /// Records progress made before this error (multi-part messages).
    pub fn with_parts_done(self, done: u32) -> Self {
        match self {
            DeliveryError::Retryable {
                reason,
                retry_after,
                ..
            } => DeliveryError::Retryable {
                reason,
                retry_after,
                parts_done: done,
            },
            p => p,
        }
    }
}

/// The future returned by [`Backend::deliver`] (boxed, so the trait stays dyn-compatible).
pub type DeliverFuture<'a> = Pin<Box<dyn Future<Output = DeliveryResult> + Send + 'a>>;

/// What one attempt gives.
pub type DeliveryResult = Result<Delivered, DeliveryError>;

/// One configured destination, as the rest of the app sees it (dyn-compatible: the future
/// is boxed). Every [`Deliver`] is a `Backend`; implement that one.
pub trait Backend: Send + Sync {
    /// The configured name (unique, shown in the UI).
    fn name(&self) -> &str;
    fn kind(&self) -> BackendKind;
    /// Whether this backend is configured to receive messages of this kind.
    fn accepts(&self, kind: MessageKind) -> bool;
    /// Makes one attempt. The per-request timeout is applied inside.
    fn deliver<'a>(
        &'a self,
        msg: &'a OutboundMessage,
        ctx: &'a DeliveryContext,
    ) -> DeliverFuture<'a>;
    /// Preview: what the receiver will see, one string per part (request, post, mail).
    fn render(&self, msg: &OutboundMessage) -> Vec<String>;
    /// Where a message about incident `incident` goes, when that can be said without a
    /// secret (a file's path, mail recipients, a Matrix room), for the send confirmation.
    fn target(&self, incident: &str) -> Option<String> {
        let _ = incident;
        None
    }
}

/// What each backend kind implements (one file per kind in `backends/`): its common
/// settings, one attempt as an `async fn`, and the preview. Name, kind, `accepts` and the
/// boxing of the future come with it ([`Backend`] is implemented for every `Deliver`).
pub trait Deliver: Send + Sync {
    /// What the backend keeps from its `[[backends]]` entry: name, kind, sends, timeout.
    fn common(&self) -> &Common;
    /// Makes one attempt. The per-request timeout is applied inside.
    fn send(
        &self,
        msg: &OutboundMessage,
        ctx: &DeliveryContext,
    ) -> impl Future<Output = DeliveryResult> + Send;
    /// What the receiver will see, one string per part (request, post, mail).
    fn preview(&self, msg: &OutboundMessage) -> Vec<String>;
    /// [`Backend::target`]: none unless the kind can name it without a secret.
    fn target(&self, incident: &str) -> Option<String> {
        let _ = incident;
        None
    }
}

impl<T: Deliver> Backend for T {
    fn name(&self) -> &str {
        &self.common().name
    }
    fn kind(&self) -> BackendKind {
        self.common().kind
    }
    fn accepts(&self, kind: MessageKind) -> bool {
        self.common().accepts(kind)
    }
    fn deliver<'a>(
        &'a self,
        msg: &'a OutboundMessage,
        ctx: &'a DeliveryContext,
    ) -> DeliverFuture<'a> {
        Box::pin(self.send(msg, ctx))
    }
    fn render(&self, msg: &OutboundMessage) -> Vec<String> {
        self.preview(msg)
    }
    fn target(&self, incident: &str) -> Option<String> {
        Deliver::target(self, incident)
    }
}
