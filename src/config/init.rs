//! `config init`: the fully commented default configuration, written with mode 0600.

use super::{ConfigError, DEFAULT_TOML};
use std::io::Write;
use std::path::Path;

/// The commented default configuration (`assets/config.toml`): every key, with its default.
pub fn init_text() -> &'static str {
    DEFAULT_TOML
}

/// Writes [`init_text`] to `path`, creating its parent directories. Refuses to replace an
/// existing file unless `force`. The file is created with mode 0600 (on unix), and a
/// replaced file is set to 0600 too.
pub fn write_init(path: &Path, force: bool) -> Result<(), ConfigError> {
    let io = |source| ConfigError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            ConfigError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            io(source)
        }
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    file.write_all(init_text().as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}
