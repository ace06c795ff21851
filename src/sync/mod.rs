//! Several cockpits, one incident: the journal replicated through the incident's Matrix
//! room (issue 12). This module is the pure replication model and its journal side;
//! the Matrix transport builds on it.
//!
//! Pure parts live in the domain, the origin file beside the journal (dependencies point
//! one way: sync -> journal -> domain); this module re-exports them:
//!
//! - `domain::identity` / `journal::origin` ([`origin`]): this data dir's identity,
//!   txnIds, incident-id words.
//! - `domain::merge` ([`order`]): merge order `(lc, origin, oseq)`, replay in it,
//!   [`Replica`].
//! - `domain::replicated`: compare-and-set, conflicts, room-command authorisation, standing.
//! - [`wire`]: [`WireEvent`] / [`Batch`], the canonical-JSON-safe form on the wire.
//! - [`ingest`]: remote events into the journal (lock, fsync, idempotent) and local events
//!   not yet in the room.
//! - [`sidecar`]: the cursor and watermark file, cheap to lose.
//! - [`room`]: what a room event is, and people's `@all:` commands.
//! - [`status`]: what `sync status` says.
//!
//! See `/work/notes/sync-interface.md` (and the README's "Working as a team").

pub mod ingest;
pub mod room;
pub mod sidecar;
pub mod status;
pub mod wire;

pub use crate::domain::merge as order;
pub use crate::domain::merge::{Folded, MergeKey, Replica};
pub use crate::journal::origin;
pub use crate::journal::origin::{Origin, OriginError, txn_id, txn_id_range};
pub use ingest::{Arrival, Ingested, ingest, unsent};
pub use sidecar::Sidecar;
pub use wire::{Batch, WireEvent};
