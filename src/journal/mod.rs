//! The append-only, crash-proof journal: one JSON event per line, fsynced
//! before a change counts as made; an advisory lock per append so two
//! writers never interleave or reuse sequence numbers.

mod file;
pub mod origin;
pub mod snapshot;
pub mod store;

pub use file::{Journal, JournalError, Opened, Resume, require_understood};
pub use store::{IncidentSummary, Store, StoreError};
