//! File logging with `tracing`. Never to the terminal the TUI owns; headless
//! commands add stderr output with `--verbose`.

use std::io::Write;
use std::path::Path;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Lines the background log writer queues before dropping (never blocking the caller).
const LOG_QUEUE_LINES: usize = 4096;

/// A log writer whose every line goes through the one sanitiser
/// ([`crate::domain::text::safe`]): a name or message with control or bidi characters cannot
/// reach a terminal that shows the log (`--verbose`, `tail -f`).
#[derive(Clone)]
struct Scrubbed<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Scrubbed<M> {
    type Writer = ScrubbedWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        ScrubbedWriter(self.0.make_writer())
    }
}

struct ScrubbedWriter<W>(W);

impl<W: Write> Write for ScrubbedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0
            .write_all(crate::domain::text::safe(&text).as_bytes())?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Keeps the background log writer alive; drop it last to flush.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Installs the global subscriber writing to `<data_dir>/logs/commandpost.log`.
/// The filter comes from `RUST_LOG` (default `info`). Errors setting up the
/// log file are not fatal: the program runs without a log and says so once.
pub fn init(data_dir: &Path, verbose_stderr: bool) -> LogGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let dir = data_dir.join("logs");
    let file = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("commandpost.log"))
    });
    match file {
        Ok(f) => {
            // The default queue holds 128,000 lines, allocated and touched up front: about
            // 4 MB of page faults (most of a headless command's run time). A few thousand
            // lines is plenty for what one process logs between two writes.
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .buffered_lines_limit(LOG_QUEUE_LINES)
                .finish(f);
            let result = if verbose_stderr {
                tracing_subscriber::fmt()
                    .with_env_filter(filter)
                    .with_ansi(false)
                    .with_writer(Scrubbed(writer.and(std::io::stderr)))
                    .try_init()
            } else {
                tracing_subscriber::fmt()
                    .with_env_filter(filter)
                    .with_ansi(false)
                    .with_writer(Scrubbed(writer))
                    .try_init()
            };
            drop(result);
            LogGuard(Some(guard))
        }
        Err(e) => {
            if verbose_stderr {
                eprintln!("commandpost: logging disabled: {}: {e}", dir.display());
            }
            LogGuard(None)
        }
    }
}
