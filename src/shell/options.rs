//! What the cockpit starts with, and why it could not run.

/// What `commandpost` (no subcommand) and `commandpost demo` start with.
pub struct RunOptions {
    pub store: crate::journal::Store,
    pub config: crate::config::Config,
    /// Who is at the keyboard (journal actor; IC of a new incident).
    pub actor: String,
    /// An explicit incident id; else the current open one, else a new one.
    pub incident: Option<String>,
    /// Build a lively demo incident in a throwaway directory and open it.
    pub demo: bool,
    /// Run a drill: a throwaway incident under `<data_dir>/drills/<id>/`
    /// driven by a scenario on a fast clock (`incident` is then ignored).
    pub drill: Option<DrillOptions>,
}

/// Why the cockpit could not run (one line each).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "the cockpit needs a terminal: stdin and stdout must be a TTY (headless commands work without one)"
    )]
    NotATerminal,
    #[error("terminal: {0}")]
    Terminal(std::io::Error),
    #[error("{0}")]
    Store(#[from] crate::journal::StoreError),
    #[error("{0}")]
    Journal(#[from] crate::journal::JournalError),
    #[error("invalid [keys] configuration: {}", .0.iter().map(|(k, m)| format!("{k}: {m}")).collect::<Vec<_>>().join("; "))]
    Keys(Vec<(String, String)>),
    #[error("demo: {0}")]
    Demo(String),
    #[error("drill: {0}")]
    Drill(String),
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// SIGTERM or SIGHUP: the terminal was restored, nothing was lost.
    #[error("stopped by {0}; the incident stays open")]
    Signal(&'static str, i32),
}

impl AppError {
    /// The process exit status for this error: 128 + n for a signal.
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Signal(_, n) => u8::try_from(128 + n).unwrap_or(1),
            _ => 1,
        }
    }
}

/// What `commandpost drill <scenario> [--speed N]` asks the cockpit for.
#[derive(Debug, Clone)]
pub struct DrillOptions {
    pub scenario: crate::drill::Scenario,
    /// 1 to 60 times real time.
    pub speed: u32,
}
