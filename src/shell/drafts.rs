//! The writing desk's IO, done by the executor and at start-up (never in `update`): drafts
//! written to and read from `<incident dir>/drafts/`, the backends the composer previews.

use crate::app::cockpit::Cockpit;
use crate::app::composer::form::Backends;
use crate::app::composer::kind::Kind;
use crate::config::Config;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The configured backends, or the default (Markdown to the incident's `outbox.md`) when
/// none is configured. Secrets are resolved here: call it outside `update`.
pub fn build_backends(cfg: &Config, data_dir: &Path) -> Backends {
    match crate::delivery::setup::build(cfg, data_dir) {
        Ok(list) => Backends {
            list,
            error: None,
            instead: None,
        },
        Err(e) => Backends {
            list: Vec::new(),
            error: Some(e),
            instead: None,
        },
    }
}

/// `<incident dir>/drafts`.
pub fn drafts_dir(incident_dir: &Path) -> PathBuf {
    incident_dir.join("drafts")
}

/// Writes (fsynced, then renamed into place) or deletes a draft.
pub fn write_draft(incident_dir: &Path, kind: Kind, content: Option<&str>) -> std::io::Result<()> {
    use std::io::Write;
    let dir = drafts_dir(incident_dir);
    let path = dir.join(kind.file_name());
    match content {
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        Some(text) => {
            std::fs::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".{}.tmp", kind.file_name()));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, &path)?;
            // The rename itself is durable once the directory is synced.
            if let Ok(d) = std::fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        }
    }
}

/// The drafts saved for an incident; unreadable ones are reported, not lost
/// (the file stays until a send replaces it).
pub fn read_drafts(incident_dir: &Path) -> (BTreeMap<Kind, BTreeMap<String, String>>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for kind in [Kind::Sitrep, Kind::Status] {
        let path = drafts_dir(incident_dir).join(kind.file_name());
        match std::fs::read_to_string(&path) {
            Ok(text) => match toml::from_str::<BTreeMap<String, String>>(&text) {
                Ok(v) => {
                    out.insert(kind, v);
                }
                Err(e) => errors.push(format!("{}: {}", path.display(), e.message())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => errors.push(format!("{}: {e}", path.display())),
        }
    }
    (out, errors)
}

/// At start-up: the backends to preview (and deliver to) for `config`. A drill sends only
/// to the backends marked `drill = true` (marked as a drill; the others' copy goes to the
/// drill's sink); the demo only to its throwaway outbox file. (Built off the UI thread
/// while the incident is read: the HTTP client loads the system's root certificates.)
pub fn backends(config: &Config, drill: bool, demo: bool, data_dir: &Path) -> Backends {
    if drill {
        let real: Vec<toml::Table> = crate::drill::sink::real_backends(config)
            .into_iter()
            .cloned()
            .collect();
        let instead = Some("drill: written to the drill's sink.md, nothing is sent".into());
        if real.is_empty() {
            Backends {
                instead,
                ..Backends::default()
            }
        } else {
            let only_real = Config {
                backends: real,
                ..config.clone()
            };
            Backends {
                instead,
                ..build_backends(&only_real, data_dir)
            }
        }
    } else if demo {
        build_backends(&Config::default(), data_dir)
    } else {
        build_backends(config, data_dir)
    }
}

/// At start-up: the backends (from [`backends`]) and the incident's saved drafts.
pub fn load(m: &mut Cockpit, backends: Backends, store: &crate::journal::Store, id: Option<&str>) {
    m.desk.backends = backends;
    if let Some(id) = id {
        let (drafts, errors) = read_drafts(&store.incident_dir(id));
        m.desk.stored = drafts;
        if !errors.is_empty() {
            m.flash_error(format!("draft unreadable: {}", errors.join("; ")));
        }
    }
}
