//! Outbound delivery: per-backend rendering and sending, the durable outbox and the retry
//! policy. Never imports ratatui; never logs or shows a secret (errors name backend and host).
//!
//! - The message itself ([`OutboundMessage`](crate::domain::outbound::OutboundMessage)) and the
//!   outbox's journal events are pure data in [`crate::domain::outbound`].
//! - [`config`]: `[[backends]]` entries, validation, `env:`/`file:` secrets.
//! - [`endpoint`]: what a pasted vendor URL means (full endpoint, base, subscribe URL, link).
//! - [`backend`]: the [`Backend`] trait, [`DeliveryContext`], [`Delivered`], [`DeliveryError`].
//! - [`backends`]: one file per kind; [`backends::build_backends`].
//! - [`retry`]: status classification, Retry-After and body hints, backoff, [`retry::deliver_with_retry`].
//! - [`http`]: the shared reqwest client ([`http::build_client`]).
//! - [`outbox`]: the durable outbox (journal events, replay, per-backend workers, locks).
//! - [`setup`]: configured backends (or the default file backend), messages, pages.

pub mod backend;
pub mod backends;
pub mod config;
pub mod endpoint;
pub mod http;
pub mod outbox;
pub mod render;
pub mod retry;
pub mod setup;

pub use backend::{Backend, DeliverFuture, Delivered, DeliveryContext, DeliveryError};
pub use config::{BackendConfig, BackendKind, EmailTls, SecretError, resolve_secret};
pub use outbox::{Outbox, OutboxReport, OutboxState};
pub use retry::{RetryOutcome, RetryPolicy, deliver_with_retry};
