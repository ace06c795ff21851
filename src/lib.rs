//! commandpost: a terminal cockpit for the incident commander.

pub mod cli;
pub mod config;
pub mod domain;
pub mod journal;
pub mod logging;
