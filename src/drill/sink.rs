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

/// The `[[backends]]` a drill may deliver to for real: those marked
/// `drill = true` ([`drill_filter`] says `Route::Real`). Every
/// other backend only gets the drill's `sink.md`.
pub fn real_backends(config: &crate::config::Config) -> Vec<&toml::Table> {
    config
        .backends
        .iter()
        .filter(|b| drill_filter(backend_is_drill(b)) == Route::Real)
        .collect()
}

/// Where one drill message goes: the backends it reaches for real (marked
/// `drill = true`) and the backends whose copy goes to the sink instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes {
    pub real: Vec<String>,
    pub sink: Vec<String>,
}

/// The routes of a message of `kind`: to `only` these backends when given (a page to
/// one backend, as `page --backend`), else to every configured backend that sends `kind`.
/// A backend whose entry does not parse is routed to the sink (never reached for real).
pub fn routes(
    cfg: &crate::config::Config,
    kind: crate::domain::outbound::MessageKind,
    only: Option<&[String]>,
) -> Routes {
    let mut out = Routes::default();
    for t in &cfg.backends {
        let parsed = crate::delivery::BackendConfig::from_table(t).ok();
        let name = match (&parsed, t.get("name").and_then(toml::Value::as_str)) {
            (Some(b), _) => b.name.clone(),
            (None, Some(n)) => n.to_string(),
            (None, None) => continue,
        };
        let wanted = match only {
            Some(names) => names.contains(&name),
            None => parsed.as_ref().is_some_and(|b| b.sends().contains(&kind)),
        };
        if !wanted {
            continue;
        }
        match (drill_filter(backend_is_drill(t)), parsed.is_some()) {
            (Route::Real, true) => out.real.push(name),
            _ => out.sink.push(name),
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::domain::outbound::MessageKind;

    fn config(tables: &[&str]) -> Config {
        Config {
            backends: tables
                .iter()
                .map(|t| toml::from_str(t).unwrap_or_default())
                .collect(),
            ..Config::default()
        }
    }

    #[test]
    fn only_backends_marked_drill_are_real_and_only_narrows() {
        let cfg = config(&[
            "name = \"practice\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\nsends = [\"page\", \"sitrep\"]\ndrill = true",
            "name = \"pd\"\nkind = \"pagerduty\"\nrouting_key = \"k\"\nsends = [\"page\"]",
            "name = \"chat\"\nkind = \"slack\"\nurl = \"https://hooks.slack.com/services/x\"\nsends = [\"sitrep\"]\ndrill = false",
        ]);
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            routes(&cfg, MessageKind::Page, None),
            Routes {
                real: names(&["practice"]),
                sink: names(&["pd"])
            }
        );
        assert_eq!(
            routes(&cfg, MessageKind::Sitrep, None),
            Routes {
                real: names(&["practice"]),
                sink: names(&["chat"])
            }
        );
        // One backend chosen: only it, real or sink as marked.
        assert_eq!(
            routes(&cfg, MessageKind::Page, Some(&names(&["pd"]))),
            Routes {
                real: vec![],
                sink: names(&["pd"])
            }
        );
        assert_eq!(
            routes(&cfg, MessageKind::Page, Some(&names(&["practice"]))),
            Routes {
                real: names(&["practice"]),
                sink: vec![]
            }
        );
        // Nothing configured: nothing is real.
        assert_eq!(
            routes(&Config::default(), MessageKind::Page, None),
            Routes::default()
        );
    }
}
