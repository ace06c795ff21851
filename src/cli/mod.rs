//! The command line: global options, headless commands and dispatch.

mod act;
mod args;
mod commands;
mod ctx;
mod deliver;
mod drill;
mod export;
mod followup;
mod health;
pub mod out;
mod sync;
mod writing;

pub use args::{
    BackendsCmd, Cli, Command, ConfigCmd, ExportFormat, Global, HypothesisCmd, OutboxCmd,
};
pub use writing::{Input, SitrepCmd, StatusCmd, apply_sitrep_input, apply_status_input};

use clap::{CommandFactory, Parser};
use std::process::ExitCode;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    if let Some(Command::Completions { shell }) = &cli.command {
        let mut cmd = Cli::command();
        clap_complete::generate(*shell, &mut cmd, "commandpost", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Already reported on stdout (e.g. `lint` found something).
        Err(commands::Outcome::Fail(e)) if e.0.is_empty() => ExitCode::FAILURE,
        Err(commands::Outcome::Fail(e)) => {
            out::err(format!("commandpost: {e}"));
            ExitCode::FAILURE
        }
        Err(commands::Outcome::Cockpit(e)) => {
            out::err(format!("commandpost: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}
