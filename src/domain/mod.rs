//! The incident as pure data and rules. No IO, no clock: every function that
//! needs the time takes `now`.

pub mod alert;
pub mod checklist;
pub mod describe;
pub mod duration;
pub mod event;
pub mod followup;
pub mod health;
pub mod identity;
pub mod incident;
pub mod lint;
pub mod merge;
pub mod named;
pub mod numbered;
pub mod outbound;
pub mod policy;
pub mod replicated;
pub mod reporting;
pub mod role;
pub mod sitrep;
pub mod stamp;
pub mod status;
pub mod template;
pub mod text;

pub use event::{Event, Payload, Severity};
pub use incident::{DomainError, Incident};
pub use role::Role;
