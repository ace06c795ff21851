//! Secret references in configuration: `env:NAME`, `file:/path`, or (discouraged) the
//! secret itself inline.
//!
//! Errors name the environment variable or the file, never a value.

use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::PathBuf;

/// Keys of a `[[backends]]` entry that hold secrets and so should be references.
pub const SECRET_KEYS: &[&str] = &[
    "url",
    "secret",
    "access_token",
    "api_key",
    "routing_key",
    "password",
    "smtp_url",
];

/// Where a secret comes from.
#[derive(Debug, Clone)]
pub enum SecretRef {
    /// `env:NAME`: the value of an environment variable.
    Env(String),
    /// `file:/path`: the contents of a file, without its trailing newline.
    File(PathBuf),
    /// Anything else: the secret itself, written in the configuration file.
    Inline(SecretString),
}

/// Why a secret could not be resolved. Never contains the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {name} is not set")]
    EnvMissing { name: String },
    #[error("environment variable {name} is not valid UTF-8")]
    EnvNotUnicode { name: String },
    #[error("environment variable {name} is empty")]
    EnvEmpty { name: String },
    #[error("invalid environment variable name {name:?} (write env:NAME)")]
    EnvName { name: String },
    #[error("secret file {}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("secret file {} is empty", path.display())]
    FileEmpty { path: PathBuf },
    #[error("empty secret file path (write file:/path)")]
    FilePath,
    #[error("the inline secret is empty")]
    InlineEmpty,
}

impl SecretRef {
    /// `env:NAME` -> [`SecretRef::Env`], `file:/path` -> [`SecretRef::File`], anything
    /// else -> [`SecretRef::Inline`].
    pub fn parse(raw: &str) -> SecretRef {
        if let Some(name) = raw.strip_prefix("env:") {
            SecretRef::Env(name.to_string())
        } else if let Some(path) = raw.strip_prefix("file:") {
            SecretRef::File(PathBuf::from(path))
        } else {
            SecretRef::Inline(SecretString::from(raw))
        }
    }

    pub fn is_inline(&self) -> bool {
        matches!(self, SecretRef::Inline(_))
    }

    /// Problems visible without touching the environment or the file system.
    pub fn validate(&self) -> Result<(), SecretError> {
        match self {
            SecretRef::Env(name) if !valid_env_name(name) => {
                Err(SecretError::EnvName { name: name.clone() })
            }
            SecretRef::File(path) if path.as_os_str().is_empty() => Err(SecretError::FilePath),
            _ => Ok(()),
        }
    }

    /// Reads the secret: the environment variable's value, or the file's contents with
    /// trailing `\n`/`\r` removed. An empty secret is an error.
    pub fn resolve(&self) -> Result<SecretString, SecretError> {
        self.validate()?;
        match self {
            SecretRef::Env(name) => match std::env::var(name) {
                Ok(mut value) => {
                    let secret = if value.is_empty() {
                        Err(SecretError::EnvEmpty { name: name.clone() })
                    } else {
                        Ok(SecretString::from(value.as_str()))
                    };
                    value.zeroize();
                    secret
                }
                Err(std::env::VarError::NotPresent) => {
                    Err(SecretError::EnvMissing { name: name.clone() })
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    Err(SecretError::EnvNotUnicode { name: name.clone() })
                }
            },
            SecretRef::File(path) => {
                let mut raw =
                    crate::files::read_text(path, crate::files::MAX_SECRET, "secret file")
                        .map_err(|e| SecretError::File {
                            path: path.clone(),
                            source: e.into_io(),
                        })?;
                let trimmed = raw.trim_end_matches(['\n', '\r']);
                let secret = if trimmed.is_empty() {
                    Err(SecretError::FileEmpty { path: path.clone() })
                } else {
                    Ok(SecretString::from(trimmed))
                };
                raw.zeroize();
                secret
            }
            SecretRef::Inline(s) if s.expose_secret().is_empty() => Err(SecretError::InlineEmpty),
            SecretRef::Inline(s) => Ok(s.clone()),
        }
    }
}

/// `env:NAME`, `file:/path`, or `inline secret` (never the value).
impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(name) => write!(f, "env:{name}"),
            SecretRef::File(path) => write!(f, "file:{}", path.display()),
            SecretRef::Inline(_) => f.write_str("inline secret"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for SecretRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut raw = String::deserialize(d)?;
        let parsed = SecretRef::parse(&raw);
        raw.zeroize();
        Ok(parsed)
    }
}

fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert!(matches!(SecretRef::parse("env:TOKEN"), SecretRef::Env(n) if n == "TOKEN"));
        assert!(
            matches!(SecretRef::parse("file:/run/s/t"), SecretRef::File(p) if p == std::path::Path::new("/run/s/t"))
        );
        let inline = SecretRef::parse("https://hooks.example/T0/B0/xyz");
        assert!(inline.is_inline());
        assert_eq!(inline.to_string(), "inline secret");
        assert!(!format!("{inline:?}").contains("xyz"));
    }

    #[test]
    fn env_names_are_validated() {
        assert!(SecretRef::parse("env:").validate().is_err());
        assert!(SecretRef::parse("env:1X").validate().is_err());
        assert!(SecretRef::parse("env:A-B").validate().is_err());
        assert!(SecretRef::parse("env:SLACK_URL_2").validate().is_ok());
        assert!(SecretRef::parse("file:").validate().is_err());
    }
}
