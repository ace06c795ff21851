//! Configuration: embedded defaults (assets/config.toml) <- user file <- flags.

use crate::domain::duration::serde_human;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The commented default configuration, embedded in the binary.
pub const DEFAULT_TOML: &str = include_str!("../../assets/config.toml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub cadence: Cadence,
    pub shifts: Shifts,
    pub roster: Roster,
    pub people: Vec<KnownPerson>,
    /// Key remapping: action name -> key(s), e.g. `handoff = "h"`.
    pub keys: BTreeMap<String, KeySpec>,
    /// Delivery backends (validated by the delivery module).
    pub backends: Vec<toml::Table>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

impl KeySpec {
    pub fn keys(&self) -> Vec<&str> {
        match self {
            KeySpec::One(k) => vec![k.as_str()],
            KeySpec::Many(ks) => ks.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cadence {
    #[serde(with = "serde_human")]
    pub sitrep_investigating: SignedDuration,
    #[serde(with = "serde_human")]
    pub sitrep_confirmed: SignedDuration,
    #[serde(with = "serde_human")]
    pub sitrep_major: SignedDuration,
    #[serde(with = "serde_human")]
    pub status: SignedDuration,
    #[serde(with = "serde_human")]
    pub impact_review: SignedDuration,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            sitrep_investigating: SignedDuration::from_mins(60),
            sitrep_confirmed: SignedDuration::from_mins(60),
            sitrep_major: SignedDuration::from_mins(30),
            status: SignedDuration::from_mins(20),
            impact_review: SignedDuration::from_mins(60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Shifts {
    #[serde(with = "serde_human")]
    pub length: SignedDuration,
    #[serde(with = "serde_human")]
    pub warn_at: SignedDuration,
    #[serde(with = "serde_human")]
    pub break_after: SignedDuration,
    #[serde(with = "serde_human")]
    pub min_rest: SignedDuration,
}

impl Default for Shifts {
    fn default() -> Self {
        Shifts {
            length: SignedDuration::from_hours(8),
            warn_at: SignedDuration::from_hours(7),
            break_after: SignedDuration::from_hours(4),
            min_rest: SignedDuration::from_hours(8),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Roster {
    pub span_of_control: usize,
}

impl Default for Roster {
    fn default() -> Self {
        Roster { span_of_control: 7 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownPerson {
    pub name: String,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cadence: Cadence::default(),
            shifts: Shifts::default(),
            roster: Roster::default(),
            people: Vec::new(),
            keys: BTreeMap::new(),
            backends: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{col}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl Config {
    /// Parses a configuration text; errors carry file:line:col.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                col,
                message: e.message().to_string(),
            }
        })
    }

    /// Loads `path` if given (it must exist), else the default location if a
    /// file is there, else the embedded default.
    pub fn load(
        explicit: Option<&Path>,
        default_path: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let path = match (explicit, default_path) {
            (Some(p), _) => p,
            (None, Some(p)) if p.exists() => p,
            _ => return Config::parse(DEFAULT_TOML, Path::new("<embedded default>")),
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses_to_the_built_in_values() {
        let c = Config::parse(DEFAULT_TOML, Path::new("d")).ok();
        assert_eq!(c, Some(Config::default()));
    }

    #[test]
    fn errors_name_line_and_column() {
        let text = "[cadence]\nstatus = \"20x\"\n";
        let Err(ConfigError::Parse {
            line, col, message, ..
        }) = Config::parse(text, Path::new("c.toml"))
        else {
            panic!("expected a parse error");
        };
        assert_eq!((line, col), (2, 10));
        assert!(message.contains("unknown unit"), "{message}");
    }
}
