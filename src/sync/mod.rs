//! Several cockpits, one incident: the journal replicated through the incident's Matrix room
//! (issue 12; design and measured facts in `shared/sync.md`).
//!
//! The replica (pure model and journal side; pure parts live in the domain, the origin
//! file beside the journal, so dependencies point one way: sync -> journal -> domain):
//!
//! - `domain::identity` / `journal::origin` ([`origin`]): this data dir's identity,
//!   txnIds, incident-id words.
//! - `domain::merge` ([`order`]): merge order `(lc, origin, oseq)`, replay in it,
//!   [`Replica`].
//! - `domain::replicated`: compare-and-set, conflicts, room-command authorisation, standing.
//! - [`wire`]: [`WireEvent`], one replicated event (the line a room event carries).
//! - [`ingest`]: remote events into the journal (lock, fsync, idempotent), `join`, and local
//!   events not yet in the room.
//! - [`sidecar`]: the cursor and watermark file, cheap to lose.
//! - [`room`]: people's `@all:` commands typed in the room.
//! - [`status`]: what `sync status` says.
//!
//! The transport:
//!
//! - [`account`]: the Matrix account (`[sync]` or the login kept by `sync login`, mode 0600).
//! - [`follow`]: a cockpit's follower thread (parked `/sync`, push when nudged).
//! - [`link`]: push/pull between a replica and the room (order, batching, 429, backoff, gaps).
//! - [`matrix`]: the Matrix client-server API client (HTTP only).
//! - [`envelope`]: room event content for the transport (batches, notices, parts of oversized
//!   events); pure.
//!
//! Interface summary: `/work/notes/sync-interface.md`.

pub mod account;
pub mod envelope;
pub mod follow;
pub mod ingest;
pub mod journaled;
pub mod link;
pub mod matrix;
pub mod room;
pub mod sidecar;
pub mod status;
pub mod wire;

pub use crate::domain::merge as order;
pub use crate::domain::merge::{Folded, MergeKey};
pub use crate::journal::origin;
pub use crate::journal::origin::{Origin, OriginError, txn_id, txn_id_range};
pub use ingest::{Arrival, Ingested, ingest, join, unsent};
pub use sidecar::Sidecar;
pub use wire::WireEvent;
