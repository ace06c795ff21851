//! Several cockpits, one incident: the journal replicated through the incident's Matrix room
//! (issue 12; design and measured facts in `shared/sync.md`).
//!
//! - [`link`]: push/pull between a replica and the room (order, batching, 429, backoff, gaps).
//! - [`matrix`]: the Matrix client-server API client (HTTP only).
//! - [`room`]: room events <-> machine events (classification, batches, notices, parts); pure.

pub mod link;
pub mod matrix;
pub mod room;
