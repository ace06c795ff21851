//! The terminal guard: raw mode, alternate screen and bracketed paste on
//! enter; restored on drop, by a chained panic hook, and by the event loop
//! on SIGTERM/SIGHUP. Ctrl-Z suspends: restore, stop, re-enter on resume.

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use std::io;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the terminal is currently in the cockpit's modes.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Puts the terminal back as it was. Idempotent, never panics; safe to call
/// from a panic hook or a signal path.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, Show);
        let _ = disable_raw_mode();
    }
}

fn enable() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, EnableBracketedPaste, Hide)
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first so the message lands on a normal screen.
            restore();
            previous(info);
        }));
    });
}

/// Holds the terminal in raw mode on the alternate screen.
pub struct TermGuard {
    _private: (),
}

impl TermGuard {
    pub fn enter() -> io::Result<TermGuard> {
        install_panic_hook();
        if let Err(e) = enable() {
            restore();
            return Err(e);
        }
        Ok(TermGuard { _private: () })
    }

    /// Ctrl-Z: give the terminal back, stop the process, and take the
    /// terminal again once the shell resumes it (`fg`).
    pub fn suspend(&self) -> io::Result<()> {
        restore();
        // SAFETY: raise only sends a signal to this process; the default
        // SIGTSTP action stops it until SIGCONT.
        unsafe {
            libc::raise(libc::SIGTSTP);
        }
        enable()
    }
}

impl Drop for TermGuard {
    fn drop(&mut self) {
        restore();
    }
}
