//! Several cockpits, one incident: the journal replicated through the incident's Matrix room
//! (issue 12; design and measured facts in `shared/sync.md`).
//!
//! - [`link`]: push/pull between a replica and the room (order, batching, 429, backoff, gaps).
//! - [`matrix`]: the Matrix client-server API client (HTTP only).
//! - [`envelope`]: room event content for the transport (batches, notices, parts of oversized events); pure. Being replaced by the replica's `wire`/`room` where they overlap.

pub mod envelope;
pub mod link;
pub mod matrix;
