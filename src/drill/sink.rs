//! Where a drill's outbound messages go. Nothing reaches a real backend unless
//! the backend is marked `drill = true`; everything else lands in the drill
//! sink, `<drill_dir>/sink.md`, for the user to read.

use jiff::Timestamp;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where one message for one backend goes while drilling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To the real backend (it is marked `drill = true`).
    Real,
    /// To the drill sink.
    Sink,
}

/// While drilling: only backends marked `drill = true` are used for real.
pub fn drill_filter(backend_is_drill: bool) -> Route {
    if backend_is_drill {
        Route::Real
    } else {
        Route::Sink
    }
}

/// Whether a `[[backends]]` table of the configuration is marked `drill = true`.
pub fn backend_is_drill(backend: &toml::Table) -> bool {
    backend
        .get("drill")
        .and_then(toml::Value::as_bool)
        .unwrap_or(false)
}

/// One message as the sink records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkEntry<'a> {
    /// Simulated time it was sent.
    pub at: Timestamp,
    /// Offset from the start of the drill, e.g. `+1h05m`.
    pub offset: String,
    /// `announcement`, `sitrep`, `status`, ...
    pub kind: &'a str,
    /// The backends it would have gone to, or a description (`all backends`).
    pub to: &'a str,
    /// Why it was not delivered, if the scenario took the backend down.
    pub undelivered: Option<&'a str>,
    pub text: &'a str,
}

impl SinkEntry<'_> {
    /// The Markdown block appended to the sink.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "## {} ({}) {} to {}\n\n",
            self.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            self.offset,
            self.kind,
            self.to
        );
        if let Some(why) = self.undelivered {
            out.push_str(&format!("> NOT DELIVERED: {why}\n\n"));
        }
        for line in self.text.lines() {
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        out
    }
}

/// Appends messages to `<drill_dir>/sink.md`.
#[derive(Debug, Clone)]
pub struct DrillSink {
    path: PathBuf,
}

impl DrillSink {
    pub fn new(drill_dir: &Path) -> DrillSink {
        DrillSink {
            path: drill_dir.join("sink.md"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one message (fsynced: the sink is the drill's outbox).
    pub fn deliver(&self, entry: &SinkEntry<'_>) -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(entry.markdown().as_bytes())?;
        f.sync_data()
    }
}
