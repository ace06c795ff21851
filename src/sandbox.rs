//! Bounded template rendering for templates that come from files: the render runs in a child
//! process (a `fork` of this one, so the template and its context are already there) whose
//! address space the kernel caps, which the parent kills when it takes too long or is cancelled.
//!
//! Fuel and an output cap bound what a template does in instructions and characters
//! ([`crate::domain::template`]); neither bounds memory: forty lines of `{% set s = s ~ s %}`
//! ask for a terabyte in forty instructions, and an allocation that fails aborts a Rust process.
//! Only the operating system can bound that, so the child is the one that aborts, and the parent
//! says why ("needed more than 256 MB").
//!
//! The child only renders (pure computation and allocation), writes the result to a pipe and
//! leaves with `_exit`: no destructors, no locks of the parent's other threads are taken.

use crate::domain::template::{Sandbox, TemplateError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Memory a render may allocate on top of what the process already maps.
pub const RENDER_MEMORY: u64 = 256 * 1024 * 1024;
/// Longest a render may take (fuel normally stops a loop long before).
pub const RENDER_TIME: Duration = Duration::from_secs(2);
/// Most bytes the child may send back (a message is at most 40,000 characters of 4 bytes).
const MAX_REPLY: usize = 1024 * 1024;

/// What the child sends back.
#[derive(Serialize, Deserialize)]
enum Reply {
    Ok(String),
    Err {
        name: String,
        line: Option<usize>,
        message: String,
    },
}

/// A sandbox whose renders can be cancelled from another thread ([`ForkSandbox::cancel`]).
#[derive(Debug)]
pub struct ForkSandbox {
    memory: u64,
    time: Duration,
    /// Bumped by `cancel`: a render started under an older value is killed.
    generation: AtomicU64,
    /// Set by `stop`: every render, under way or to come, is refused.
    stopped: AtomicBool,
}

impl Default for ForkSandbox {
    fn default() -> Self {
        ForkSandbox::new(RENDER_MEMORY, RENDER_TIME)
    }
}

/// The process-wide sandbox the configuration's file templates render in.
pub fn shared() -> Arc<ForkSandbox> {
    static SHARED: std::sync::LazyLock<Arc<ForkSandbox>> =
        std::sync::LazyLock::new(|| Arc::new(ForkSandbox::default()));
    Arc::clone(&SHARED)
}

impl ForkSandbox {
    pub fn new(memory: u64, time: Duration) -> ForkSandbox {
        ForkSandbox {
            memory,
            time,
            generation: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
        }
    }

    /// Kills every render under way in this sandbox (they return an error saying so).
    pub fn cancel(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Kills every render under way and refuses every later one: for a sandbox of one job,
    /// whose render may not have started yet when it is cancelled (a `cancel` before the
    /// render starts would be missed).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.cancel();
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    fn fail(name: &str, message: String) -> TemplateError {
        TemplateError::Render {
            name: name.to_string(),
            line: None,
            message,
        }
    }
}

impl Sandbox for ForkSandbox {
    fn run(
        &self,
        name: &str,
        render: &mut dyn FnMut() -> Result<String, TemplateError>,
    ) -> Result<String, TemplateError> {
        imp::run(self, name, render)
    }
}

#[cfg(unix)]
mod imp {
    use super::*;
    use std::os::fd::{FromRawFd, OwnedFd};

    /// Virtual memory this process maps now (the child's limit is this plus its allowance).
    fn mapped_bytes() -> Option<u64> {
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = statm.split_whitespace().next()?.parse().ok()?;
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        Some(pages * u64::try_from(page).ok()?)
    }

    fn encode(result: Result<String, TemplateError>) -> Vec<u8> {
        let reply = match result {
            Ok(s) => Reply::Ok(s),
            Err(TemplateError::Render {
                name,
                line,
                message,
            }) => Reply::Err {
                name,
                line,
                message,
            },
            Err(other) => Reply::Err {
                name: String::new(),
                line: None,
                message: other.to_string(),
            },
        };
        serde_json::to_vec(&reply).unwrap_or_default()
    }

    /// In the child: never returns.
    fn child(
        write_fd: i32,
        limit: Option<u64>,
        cpu: Duration,
        render: &mut dyn FnMut() -> Result<String, TemplateError>,
    ) -> ! {
        // SAFETY: plain system calls on descriptors and limits this process owns; the child
        // has one thread and leaves with _exit (no destructor or atexit handler runs).
        unsafe {
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            // An allocation failure prints to stderr before aborting: not on the cockpit's screen.
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            if null >= 0 {
                libc::dup2(null, 1);
                libc::dup2(null, 2);
            }
            if let Some(bytes) = limit {
                let lim = libc::rlimit {
                    rlim_cur: bytes as libc::rlim_t,
                    rlim_max: bytes as libc::rlim_t,
                };
                libc::setrlimit(libc::RLIMIT_AS, &lim);
            }
            let secs = cpu.as_secs().saturating_add(1) as libc::rlim_t;
            let lim = libc::rlimit {
                rlim_cur: secs,
                rlim_max: secs,
            };
            libc::setrlimit(libc::RLIMIT_CPU, &lim);
        }
        // The parent's panic hook (the cockpit's restores the terminal: the parent's terminal)
        // and signal handlers are not the child's: a failure here only ends the child.
        std::panic::set_hook(Box::new(|_| {}));
        for sig in [
            libc::SIGABRT,
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGILL,
            libc::SIGFPE,
        ] {
            // SAFETY: restoring the default disposition in a single-threaded child.
            unsafe { libc::signal(sig, libc::SIG_DFL) };
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut *render))
            .unwrap_or_else(|_| {
                Err(TemplateError::Render {
                    name: String::new(),
                    line: None,
                    message: "the template engine failed".into(),
                })
            });
        let bytes = encode(result);
        let mut off = 0;
        while off < bytes.len() {
            // SAFETY: writing from a live buffer to our pipe.
            let n =
                unsafe { libc::write(write_fd, bytes[off..].as_ptr().cast(), bytes.len() - off) };
            if n <= 0 {
                break;
            }
            off += n as usize;
        }
        // SAFETY: leaves the child at once.
        unsafe { libc::_exit(0) }
    }

    pub(super) fn run(
        sb: &ForkSandbox,
        name: &str,
        render: &mut dyn FnMut() -> Result<String, TemplateError>,
    ) -> Result<String, TemplateError> {
        let started_gen = sb.generation.load(Ordering::SeqCst);
        if sb.stopped() {
            return Err(ForkSandbox::fail(name, "cancelled".into()));
        }
        let limit = mapped_bytes().map(|b| b.saturating_add(sb.memory));
        let mut fds = [0i32; 2];
        // SAFETY: pipe2 fills two descriptors we own from here on.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(ForkSandbox::fail(
                name,
                format!("cannot render: pipe: {}", std::io::Error::last_os_error()),
            ));
        }
        // SAFETY: both descriptors were just created and are owned once each.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // SAFETY: the child only renders, writes to the pipe and calls _exit (see `child`).
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(ForkSandbox::fail(
                name,
                format!("cannot render: fork: {}", std::io::Error::last_os_error()),
            ));
        }
        if pid == 0 {
            use std::os::fd::AsRawFd;
            child(write_end.as_raw_fd(), limit, sb.time, render);
        }
        drop(write_end);
        let deadline = Instant::now() + sb.time;
        let mut reply = Vec::new();
        let mut stop: Option<String> = None;
        let mut file = std::fs::File::from(read_end);
        loop {
            use std::io::Read;
            use std::os::fd::AsRawFd;
            if sb.generation.load(Ordering::SeqCst) != started_gen || sb.stopped() {
                stop = Some("cancelled".into());
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                stop = Some(format!(
                    "took longer than {} s (a loop over too much?): not rendered",
                    sb.time.as_secs()
                ));
                break;
            }
            let mut pfd = libc::pollfd {
                fd: file.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let wait_ms = left.min(Duration::from_millis(20)).as_millis() as i32;
            // SAFETY: one valid pollfd.
            let ready = unsafe { libc::poll(&mut pfd, 1, wait_ms.max(1)) };
            if ready <= 0 {
                continue;
            }
            let mut chunk = [0u8; 64 * 1024];
            match file.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    reply.extend_from_slice(&chunk[..n]);
                    if reply.len() > MAX_REPLY {
                        stop = Some("produced too much output: not rendered".into());
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    stop = Some(format!("cannot render: {e}"));
                    break;
                }
            }
        }
        if stop.is_some() {
            // SAFETY: our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let mut status = 0i32;
        // SAFETY: reaps our own child.
        while unsafe { libc::waitpid(pid, &mut status, 0) } < 0
            && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
        {}
        if let Some(why) = stop {
            return Err(ForkSandbox::fail(name, why));
        }
        match serde_json::from_slice::<Reply>(&reply) {
            Ok(Reply::Ok(s)) => Ok(s),
            Ok(Reply::Err {
                name: n,
                line,
                message,
            }) => Err(TemplateError::Render {
                name: if n.is_empty() { name.to_string() } else { n },
                line,
                message,
            }),
            Err(_) => {
                let why = if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGXCPU {
                    format!(
                        "took longer than {} s of CPU: not rendered",
                        sb.time.as_secs()
                    )
                } else {
                    format!(
                        "needed more than {} MB of memory (a string doubled in a loop?): not \
                         rendered",
                        sb.memory / (1024 * 1024)
                    )
                };
                Err(ForkSandbox::fail(name, why))
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use super::*;

    /// Without fork: in process (fuel and the output cap still apply).
    pub(super) fn run(
        _sb: &ForkSandbox,
        _name: &str,
        render: &mut dyn FnMut() -> Result<String, TemplateError>,
    ) -> Result<String, TemplateError> {
        render()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::template::Template;

    fn sandboxed(src: &str) -> Template {
        Template::from_source("t.j2", src).with_sandbox(Arc::new(ForkSandbox::default()))
    }

    #[test]
    fn renders_in_the_child_like_in_process() {
        let t = sandboxed("Hello {{ name }}\n\n\n{{ n * 2 }}");
        assert_eq!(
            t.render(serde_json::json!({"name": "渡辺", "n": 21})),
            Ok("Hello 渡辺\n\n42".into())
        );
        let e = sandboxed("{{ nope.x }}")
            .render(serde_json::json!({}))
            .unwrap_err();
        assert!(e.to_string().contains("t.j2 line 1"), "{e}");
    }

    #[test]
    fn a_string_doubled_past_the_memory_limit_is_an_error_not_an_abort() {
        let src = "{% set s = 'xxxxxxxxxxxxxxxx' %}".to_string()
            + &"{% set s = s ~ s %}".repeat(40)
            + "{{ s|length }}";
        let t = Template::from_source("double.j2", src)
            .with_sandbox(Arc::new(ForkSandbox::new(64 * 1024 * 1024, RENDER_TIME)));
        let e = t.render(serde_json::json!({})).unwrap_err().to_string();
        assert!(e.contains("double.j2") && e.contains("64 MB"), "{e}");
    }

    #[test]
    fn a_render_that_takes_too_long_is_killed() {
        // One instruction that works for long: fuel cannot see it, the clock can.
        let t = Template::from_source("slow.j2", "{{ range(100000)|join(s) }}").with_sandbox(
            Arc::new(ForkSandbox::new(RENDER_MEMORY, Duration::from_millis(200))),
        );
        let start = Instant::now();
        let r = t.render(serde_json::json!({"s": "x".repeat(100_000)}));
        assert!(start.elapsed() < Duration::from_secs(5));
        let e = r.unwrap_err().to_string();
        assert!(e.contains("took longer") || e.contains("memory"), "{e}");
    }

    #[test]
    fn a_stopped_sandbox_refuses_a_render_that_had_not_started() {
        let sb = Arc::new(ForkSandbox::new(RENDER_MEMORY, Duration::from_secs(30)));
        sb.stop();
        let t = Template::from_source("slow.j2", "{{ range(100000)|join(s) }}")
            .with_sandbox(sb.clone());
        let start = Instant::now();
        let e = t
            .render(serde_json::json!({"s": "x".repeat(1000)}))
            .unwrap_err();
        assert!(e.to_string().contains("cancelled"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn cancel_kills_a_render_under_way() {
        let sb = Arc::new(ForkSandbox::new(RENDER_MEMORY, Duration::from_secs(30)));
        let t = Template::from_source("slow.j2", "{{ range(100000)|join(s) }}")
            .with_sandbox(sb.clone());
        let canceller = std::thread::spawn({
            let sb = sb.clone();
            move || {
                std::thread::sleep(Duration::from_millis(100));
                sb.cancel();
            }
        });
        let start = Instant::now();
        let r = t.render(serde_json::json!({"s": "x".repeat(50_000)}));
        canceller.join().unwrap();
        assert!(start.elapsed() < Duration::from_secs(10));
        if let Err(e) = r {
            assert!(
                e.to_string().contains("cancelled") || e.to_string().contains("memory"),
                "{e}"
            );
        }
    }
}
