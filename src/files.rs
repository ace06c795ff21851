//! Reading the text files users point commandpost at (configuration, templates, drill scenarios
//! and scripts, sitrep and status input, secret files): only regular files, at most a size that
//! fits what they are, and UTF-8 with the line and column of the first bad byte. A FIFO or a
//! device (`/dev/zero`) is an error at once, never a hang or an endless read.

use std::fmt;
use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest configuration file.
pub const MAX_CONFIG: u64 = 1024 * 1024;
/// Largest template file.
pub const MAX_TEMPLATE: u64 = 256 * 1024;
/// Largest drill scenario or drill script.
pub const MAX_SCENARIO: u64 = 4 * 1024 * 1024;
/// Largest sitrep or status input, or text to lint (fields hold at most 10,000 characters).
pub const MAX_INPUT: u64 = 1024 * 1024;
/// Largest secret file.
pub const MAX_SECRET: u64 = 64 * 1024;

/// Why a text file could not be read. Names the file; never shows its content.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: is {kind}, not a regular file: give the path of a file", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error(
        "{}: larger than {} (the most a {what} may be): is this the right file?",
        path.display(),
        Size(*max)
    )]
    TooLarge {
        path: PathBuf,
        max: u64,
        what: &'static str,
    },
    #[error(
        "{}:{line}:{col}: not valid UTF-8 (byte 0x{byte:02x}): save the file as UTF-8",
        path.display()
    )]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        col: usize,
        byte: u8,
    },
}

impl ReadError {
    /// As an I/O error whose message leaves out the path (for errors that name it already).
    pub fn into_io(self) -> std::io::Error {
        match self {
            ReadError::Io { source, .. } => source,
            ReadError::NotUtf8 {
                line, col, byte, ..
            } => std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{line}:{col}: not valid UTF-8 (byte 0x{byte:02x}): save the file as UTF-8"
                ),
            ),
            other => {
                let text = other.to_string();
                let detail = text.split_once(": ").map_or(text.as_str(), |(_, d)| d);
                std::io::Error::new(std::io::ErrorKind::InvalidInput, detail.to_string())
            }
        }
    }

    /// The underlying I/O error kind, if this is one (e.g. `NotFound`).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            ReadError::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            n if n >= 1024 * 1024 => write!(f, "{} MB", n / (1024 * 1024)),
            n if n >= 1024 => write!(f, "{} KB", n / 1024),
            n => write!(f, "{n} bytes"),
        }
    }
}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Reads the regular file at `path` as UTF-8, refusing anything larger than `max` bytes.
/// `what` names the kind of file in the size error ("configuration file").
pub fn read_text(path: &Path, max: u64, what: &'static str) -> Result<String, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading would wait for a writer: never block, then look.
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = opts.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular {
            path: path.to_path_buf(),
            kind: kind_of(meta.file_type()),
        });
    }
    let too_large = || ReadError::TooLarge {
        path: path.to_path_buf(),
        max,
        what,
    };
    if meta.len() > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow while read: never read more than the cap.
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    utf8(bytes, path)
}

/// Reads standard input as UTF-8, at most `max` bytes; `name` stands for it in errors.
pub fn read_stdin(max: u64, what: &'static str) -> Result<String, ReadError> {
    let path = Path::new("<stdin>");
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            max,
            what,
        });
    }
    utf8(bytes, path)
}

/// `bytes` as a string, or where the first invalid byte is (1-based line and character column).
pub fn utf8(bytes: Vec<u8>, path: &Path) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let good = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let line = good.matches('\n').count() + 1;
        let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ReadError::NotUtf8 {
            path: path.to_path_buf(),
            line,
            col,
            byte: bytes.get(at).copied().unwrap_or_default(),
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_reported_with_line_and_column() {
        let e = utf8(b"a = 1\nname = \"Jos\xe9\"\n".to_vec(), Path::new("c.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml:2:12: not valid UTF-8 (byte 0xe9): save the file as UTF-8"
        );
        let e = utf8(b"\xff".to_vec(), Path::new("x")).unwrap_err();
        assert!(e.to_string().starts_with("x:1:1:"), "{e}");
        assert_eq!(utf8("渡辺".into(), Path::new("x")).unwrap(), "渡辺");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_or_a_device_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.j2");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_text(&fifo, MAX_TEMPLATE, "template").unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
        let e = read_text(Path::new("/dev/zero"), MAX_TEMPLATE, "template").unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let e = read_text(dir.path(), MAX_TEMPLATE, "template").unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
    }

    #[test]
    fn a_file_over_the_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; 2048]).unwrap();
        let e = read_text(&big, 1024, "configuration file").unwrap_err();
        assert!(
            e.to_string()
                .contains("larger than 1 KB (the most a configuration file may be)"),
            "{e}"
        );
        assert_eq!(read_text(&big, 4096, "x").unwrap().len(), 2048);
    }
}
