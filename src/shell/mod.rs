//! The cockpit's shell: everything that touches the world. It opens the incident (or the
//! demo, or a drill), runs the event loop (terminal input, the clock, signals, the
//! executor's answers in; frames out) and the one executor, whose effects are real
//! ([`real::RealEffects`]) or a drill's ([`drill::DrillEffects`]). The core it drives is
//! `app` (pure), the view `ui`. See docs/architecture.md.

pub mod drafts;
pub mod drill;
pub mod effects;
mod event_loop;
pub mod keep;
pub mod options;
pub mod postmortem;
pub mod real;
pub mod render;
mod start;
pub mod sync;

pub use options::{AppError, RunOptions};

/// Runs the cockpit until the user quits (or SIGTERM/SIGHUP).
pub fn run(opts: RunOptions) -> Result<(), AppError> {
    let mut started = start::start(opts)?;
    let demo_dir = started.demo_dir.take();
    // The loop runs on this thread (block_on); delivery workers run on the runtime's own
    // threads, so a slow or hanging backend never delays a frame.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(DELIVERY_THREADS)
        .thread_name("delivery")
        .enable_all()
        .build()
        .map_err(AppError::Runtime)?;
    let result = rt.block_on(event_loop::run(started));
    // Deliveries still in flight stay journaled as attempts: resumed on the next start.
    rt.shutdown_timeout(SHUTDOWN_GRACE);
    drop(demo_dir);
    result
}

/// Runtime threads for delivery workers (the event loop has the main thread).
const DELIVERY_THREADS: usize = 2;
/// How long quitting waits for delivery tasks to stop.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_millis(300);
