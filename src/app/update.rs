//! The only code that changes the model: `update(model, msg) -> commands`.
//! Pure: no IO, no clock. Changes to the incident are never applied here
//! directly: they become `Cmd::Append` and show once `Msg::Journaled` says
//! they are on disk.

use crate::app::cmd::Cmd;
use crate::app::cockpit::{FLASH_ERROR_SECS, FLASH_INFO_SECS};
use crate::app::keymap::{Action, Key};
use crate::app::model::Model;
use crate::app::msg::Msg;
use crate::app::overlay::Overlay;
use crate::app::{drill, health, journaled, normal, synced};
use crossterm::event::KeyEvent;
use jiff::{SignedDuration, Timestamp};

pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    let mut cmds = dispatch(m, msg);
    // Renders the message asked for (a composer's draft, roster or clock changed).
    cmds.extend(m.desk.take_jobs());
    cmds
}

fn dispatch(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Tick(now) if m.drill.is_some() => drill::on_tick(m, now),
        Msg::Tick(now) => tick(m, now),
        Msg::Resize(w, h) => resize(m, w, h),
        Msg::Key(_) | Msg::Paste(_) if m.writing > 0 => defer(m, msg),
        Msg::Key(k) => on_key(m, &k),
        Msg::Paste(s) => on_paste(m, &s),
        Msg::Journaled { events, own } => {
            if own {
                health::after_own(m, events.last());
            }
            let mut cmds = journaled::on_events(m, events, own);
            cmds.extend(health::observe_due(m));
            cmds.extend(drain_deferred(m));
            cmds
        }
        Msg::JournalFailed(err) => journal_failed(m, &err),
        Msg::PollFailed(err) => error(m, format!("cannot read the journal: {err}")),
        Msg::Older(r) => normal::on_older(m, r),
        Msg::Announced(text) => info(m, format!("Queued for announcement: {text}")),
        Msg::AnnounceFailed(err) => {
            m.deliveries_failed += 1;
            error(m, format!("announcement NOT queued: {err}"))
        }
        Msg::Rendered(r) => {
            if let Some(inc) = &m.cx.inc {
                m.cx.desk.rendered(r, inc);
            }
            Vec::new()
        }
        Msg::DraftFailed(err) => error(m, format!("draft NOT saved: {err}")),
        Msg::Deliveries { pending, failed } => {
            (m.deliveries_pending, m.deliveries_failed) = (pending, failed);
            Vec::new()
        }
        Msg::Outbox(o) => journaled::on_outbox(m, o),
        Msg::Postmortem(r) => journaled::on_postmortem(m, r),
        Msg::Health(u) => health::on_update(m, u),
        Msg::Alerts(a) => {
            m.alerts = Some(a);
            Vec::new()
        }
        Msg::Sync(s) => synced::on_sync(m, s),
    }
}

/// The clock: messages expire, the checklist is re-evaluated, changed drafts are written.
fn tick(m: &mut Model, now: Timestamp) -> Vec<Cmd> {
    let minute = |t: Timestamp| t.as_second().div_euclid(60);
    let new_minute = minute(now) != minute(m.now);
    m.now = now;
    // The open composer's preview says when it is sent: it follows the minute.
    if let (true, Some(Overlay::Compose(c)), Some(inc)) = (new_minute, &m.overlay, &m.cx.inc) {
        m.cx.desk.refresh(c.kind, inc, now);
    }
    if let Some(f) = &m.flash {
        let keep = if f.error {
            FLASH_ERROR_SECS
        } else {
            FLASH_INFO_SECS
        };
        if now.duration_since(f.at) >= SignedDuration::from_secs(keep) {
            m.flash = None;
        }
    }
    m.refresh();
    m.save_drafts()
}

fn resize(m: &mut Model, w: u16, h: u16) -> Vec<Cmd> {
    m.size = (w, h);
    Vec::new()
}

fn defer(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    m.deferred.push_back(msg);
    Vec::new()
}

fn info(m: &mut Model, text: String) -> Vec<Cmd> {
    m.flash_info(text);
    Vec::new()
}

fn error(m: &mut Model, text: String) -> Vec<Cmd> {
    m.flash_error(text);
    Vec::new()
}

fn journal_failed(m: &mut Model, err: &str) -> Vec<Cmd> {
    m.writing = m.writing.saturating_sub(1);
    // Whichever append failed, observations may be asked for again (at worst twice).
    m.observing = 0;
    m.flash_error(format!("NOT SAVED: {err}"));
    drain_deferred(m)
}

/// Keys typed while an append was in flight, now that it is done.
fn drain_deferred(m: &mut Model) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    while m.writing == 0 {
        let Some(msg) = m.deferred.pop_front() else {
            break;
        };
        cmds.extend(update(m, msg));
    }
    cmds
}

/// A key: Ctrl-z anywhere; only quitting on a screen too small; else the open overlay's,
/// or the main screen's.
fn on_key(m: &mut Model, k: &KeyEvent) -> Vec<Cmd> {
    let key = Key::from_event(k);
    if m.keymap.action(key) == Some(Action::Suspend) {
        drill::on_suspend(m);
        return vec![Cmd::Suspend];
    }
    if m.flash.as_ref().is_some_and(|f| f.error) {
        m.flash = None;
    }
    if m.too_small() {
        // Nothing else is visible: only quitting makes sense.
        return match m.keymap.action(key) {
            Some(Action::Interrupt | Action::Quit) => m.quit(),
            _ => Vec::new(),
        };
    }
    match m.overlay.take() {
        Some(o) => {
            let (next, cmds) = o.key(&mut m.cx, k);
            m.overlay = next;
            cmds
        }
        None => normal::key(m, k),
    }
}

fn on_paste(m: &mut Model, text: &str) -> Vec<Cmd> {
    match m.overlay.take() {
        Some(o) => {
            let (next, cmds) = o.paste(&mut m.cx, text);
            m.overlay = next;
            cmds
        }
        None => info(m, "Paste ignored: no text field is open".into()),
    }
}

/// A fixed clock for tests and benches.
pub fn fixed_now() -> Timestamp {
    "2026-11-21T03:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}
