//! commandpost: a terminal cockpit for the incident commander.

pub mod app;
pub mod cli;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod drill;
pub mod files;
pub mod health;
pub mod journal;
pub mod logging;
pub mod replay;
pub mod sandbox;
pub mod shell;
pub mod sync;
pub mod term;
pub mod ui;
