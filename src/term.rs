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

/// The terminal backend every frame goes through: each cell ratatui writes (only the cells that
/// changed since the last frame) passes the one sanitiser ([`crate::domain::text::is_unsafe`]),
/// whichever widget drew it, so no control or bidi character reaches the terminal. Checking
/// only what is written keeps this off the cost of a frame.
#[derive(Debug)]
pub struct Scrubbed<B>(pub B);

impl<B> Scrubbed<B> {
    pub fn inner(&self) -> &B {
        &self.0
    }
}

/// `cell` with every unsafe character of its symbol removed (a blank if nothing is left), or
/// `None` if it is safe as it is.
pub fn scrub_cell(cell: &ratatui::buffer::Cell) -> Option<ratatui::buffer::Cell> {
    let symbol = cell.symbol();
    if let [b] = symbol.as_bytes()
        && (0x20..0x7f).contains(b)
    {
        return None;
    }
    if !symbol.chars().any(crate::domain::text::is_unsafe) {
        return None;
    }
    let kept: String = crate::domain::text::safe(symbol)
        .chars()
        .filter(|&c| c != '\n')
        .collect();
    let mut clean = cell.clone();
    clean.set_symbol(if kept.is_empty() { " " } else { &kept });
    Some(clean)
}

impl<B: ratatui::backend::Backend> ratatui::backend::Backend for Scrubbed<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        let content: Vec<(u16, u16, &ratatui::buffer::Cell)> = content.collect();
        let cleaned: Vec<Option<ratatui::buffer::Cell>> =
            content.iter().map(|(_, _, c)| scrub_cell(c)).collect();
        self.0.draw(
            content
                .iter()
                .zip(&cleaned)
                .map(|(&(x, y, cell), clean)| (x, y, clean.as_ref().unwrap_or(cell))),
        )
    }
    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.0.append_lines(n)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.0.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.0.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> Result<(), Self::Error> {
        self.0.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.0.clear()
    }
    fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.0.clear_region(clear_type)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.0.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.0.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}

impl<B: io::Write> io::Write for Scrubbed<B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod scrub_tests {
    use super::*;
    use ratatui::backend::TestBackend;

    #[test]
    fn no_unsafe_character_a_widget_lets_through_reaches_the_terminal() {
        let mut t = ratatui::Terminal::new(Scrubbed(TestBackend::new(12, 1))).unwrap();
        t.draw(|f| {
            let b = f.buffer_mut();
            // Written cell by cell as a careless widget could: CSI (C1), bidi override, BEL
            // and ESC after a letter (ratatui itself drops a lone C0 control).
            for (x, s) in ["M", "\u{9b}", "\u{202e}", "渡", "x\u{7}", "y\u{1b}"]
                .iter()
                .enumerate()
            {
                b[(x as u16 * 2, 0)].set_symbol(s);
            }
        })
        .unwrap();
        let shown: String = t
            .backend()
            .inner()
            .buffer()
            .content
            .iter()
            .map(|c| c.symbol().to_string())
            .collect();
        assert!(
            !shown.chars().any(crate::domain::text::is_unsafe),
            "{shown:?}"
        );
        assert!(shown.starts_with('M') && shown.contains('渡') && shown.contains('x'));
    }
}
