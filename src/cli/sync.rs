//! `commandpost sync ...`: log in to a Matrix homeserver, attach the open incident to its
//! room or join an incident from a room, and say how the sync is doing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use secrecy::SecretString;

use super::commands::{Ctx, Fail};
use crate::sync::account;

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Log in once with a password (read from stdin or --password-file); the token and this
    /// machine's device are kept in the data dir (mode 0600), never printed
    Login {
        /// e.g. https://matrix.example.org
        #[arg(long)]
        homeserver: String,
        /// e.g. ricardo or @ricardo:example.org
        #[arg(long)]
        user: String,
        /// Read the password from this file instead of stdin
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    // `attach`, `join` and `status` come with the journal side of the sync.
}

fn runtime() -> Result<tokio::runtime::Runtime, Fail> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail(format!("cannot start the async runtime: {e}")))
}

fn http() -> Result<reqwest::Client, Fail> {
    crate::delivery::http::build_client().map_err(Fail)
}

/// Reads a password: the first line of `file`, or of stdin (not echoed on a terminal).
fn read_password(file: Option<&Path>) -> Result<SecretString, Fail> {
    use secrecy::zeroize::Zeroize;
    let mut line = String::new();
    match file {
        Some(p) => {
            let mut text = std::fs::read_to_string(p)
                .map_err(|e| Fail(format!("--password-file {}: {e}", p.display())))?;
            line = text.lines().next().unwrap_or_default().to_string();
            text.zeroize();
        }
        None => {
            let stdin = std::io::stdin();
            let tty = stdin.is_terminal();
            if tty {
                eprint!("Matrix password: ");
                let _ = std::io::stderr().flush();
            }
            let _echo = tty.then(NoEcho::new).flatten();
            stdin
                .lock()
                .read_line(&mut line)
                .map_err(|e| Fail(format!("cannot read the password from stdin: {e}")))?;
            if tty {
                eprintln!();
            }
        }
    }
    let trimmed = line.trim_end_matches(['\n', '\r']).to_string();
    line.zeroize();
    if trimmed.is_empty() {
        return Err(Fail(
            "no password given (type it, pipe it on stdin, or use --password-file)".into(),
        ));
    }
    Ok(SecretString::from(trimmed))
}

/// Turns terminal echo off on stdin while alive.
struct NoEcho(libc::termios);

impl NoEcho {
    fn new() -> Option<NoEcho> {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed, then filled, termios.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return None;
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                return None;
            }
            Some(NoEcho(saved))
        }
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        // SAFETY: restores the attributes read in `new`.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &self.0);
        }
    }
}

pub fn run(ctx: &Ctx, cmd: SyncCmd) -> Result<(), Fail> {
    match cmd {
        SyncCmd::Login {
            homeserver,
            user,
            password_file,
        } => {
            let password = read_password(password_file.as_deref())?;
            let rt = runtime()?;
            let http = http()?;
            let (c, path) = rt
                .block_on(account::login(
                    &http,
                    ctx.store.root(),
                    &homeserver,
                    &user,
                    &password,
                ))
                .map_err(Fail)?;
            println!(
                "logged in as {} on {} (device {}); the token is kept in {} (mode 0600)",
                c.user_id,
                c.homeserver,
                c.device_id,
                path.display()
            );
            Ok(())
        }
    }
}
