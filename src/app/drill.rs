//! The interactive drill in the cockpit (`commandpost drill <scenario>`).
//!
//! The model keeps a [`DrillView`]: the drill clock and what the screen shows.
//! `update` stays pure: real time only comes in with `Msg::Tick(real)`, and
//! `m.now` becomes the clock's simulated time, so every duration on screen is
//! drill time. Keys act on the clock from the last tick's real time (what is on
//! screen is exactly what is paused).
//!
//! The executor of a drill is [`execute`]: it owns the [`DrillSession`] (the
//! drill's journal under `<data_dir>/drills/<id>/`), stamps every append with
//! simulated time, fires the scenario's injects on each poll and, at the end,
//! scores the drill.
//!
//! **Outgoing messages (the seam for delivery).** In a drill nothing reaches a
//! real backend unless the backend is marked `drill = true`:
//! [`DrillSession::record`] journals a change and writes announcements, sitreps
//! and status updates to `sink.md`; `Cmd::Announce` is answered without touching
//! the outbox. A command that would deliver must be matched in [`execute`]
//! (the match is exhaustive on purpose) and, there, may only reach the backends
//! [`real_backends`] returns (marked `drill = true`); everything else is already
//! in the sink. Delivery code outside the drill executor can test `m.drill` /
//! `RunOptions::drill`.

use crate::app::cmd::Cmd;
use crate::app::keymap::Action;
use crate::app::model::{Flash, Intent, Mode, Model};
use crate::app::msg::Msg;
use crate::app::update::{
    FLASH_ERROR_SECS, FLASH_INFO_SECS, append, flash_error, flash_info, quit,
};
use crate::config::Config;
use crate::domain::duration::short;
use crate::drill::clock::add;
use crate::drill::run::open_decision;
use crate::drill::schedule::decision_note;
use crate::drill::{DrillClock, DrillSession, Scenario, ScoreCard};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use tokio::sync::{mpsc, watch};

/// What `commandpost drill <scenario> [--speed N]` asks the cockpit for.
#[derive(Debug, Clone)]
pub struct DrillOptions {
    pub scenario: Scenario,
    /// 1 to 60 times real time.
    pub speed: u32,
}

/// The drill as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DrillView {
    pub id: String,
    /// `<data_dir>/drills/<id>`: journal, `sink.md`, the score card.
    pub dir: PathBuf,
    /// The scenario's simulated length.
    pub duration: SignedDuration,
    pub clock: DrillClock,
    /// Real time at the last tick.
    pub real: Timestamp,
    /// The scenario's time is up: the clock stopped at its end.
    pub over: bool,
    /// The end of the drill was offered (once).
    pub end_offered: bool,
    /// The decision put aside with Esc (its inject's journal sequence number).
    pub dismissed: Option<u64>,
    /// The message in the status line and when (real time) it appeared: at
    /// 60x, simulated seconds are too short to read it.
    flash_seen: Option<(Flash, Timestamp)>,
}

impl DrillView {
    /// The view of a session started at `real_now` (its simulated start).
    pub fn new(session: &DrillSession, speed: u32, real_now: Timestamp) -> DrillView {
        DrillView {
            id: session.id.clone(),
            dir: session.dir.clone(),
            duration: session.scenario.duration,
            clock: DrillClock::new(real_now, session.start, speed),
            real: real_now,
            over: false,
            end_offered: false,
            dismissed: None,
            flash_seen: None,
        }
    }

    /// Simulated time since the start, at simulated time `now`.
    pub fn elapsed(&self, now: Timestamp) -> SignedDuration {
        now.duration_since(self.clock.origin)
            .max(SignedDuration::ZERO)
    }

    /// The simulated moment the scenario ends.
    pub fn end(&self) -> Timestamp {
        add(self.clock.origin, self.duration)
    }

    /// The banner: `DRILL 10x +12m/1h`, `DRILL PAUSED +12m/1h`, `DRILL OVER 1h`.
    pub fn banner(&self, now: Timestamp) -> String {
        let at = format!("+{}/{}", short(self.elapsed(now)), short(self.duration));
        if self.over {
            format!(" DRILL OVER {at} ")
        } else if self.clock.paused {
            format!(" DRILL PAUSED {at} ")
        } else {
            format!(" DRILL {}x {at} ", self.clock.speed)
        }
    }
}

/// The decision prompt: an inject's question and its options.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The journal sequence number of the inject that asks.
    pub seq: u64,
    pub question: String,
    pub options: Vec<String>,
    pub sel: usize,
}

/// `Msg::Tick(real)` in a drill: simulated time moves on (unless paused or
/// over), messages expire in real time, a waiting decision is asked.
pub fn on_tick(m: &mut Model, real: Timestamp) -> Vec<Cmd> {
    let Some(d) = &mut m.drill else {
        return Vec::new();
    };
    d.real = real.max(d.real);
    let mut now = d.clock.now_sim(d.real);
    let end = d.end();
    if !d.over && now >= end {
        // Stop the clock at the scenario's end.
        d.clock.start_sim = end;
        d.clock.start_real = d.real;
        d.clock.paused = true;
        d.over = true;
        now = end;
    }
    m.now = now.max(m.now);
    // Messages stay for their time in real seconds.
    match (&m.flash, &d.flash_seen) {
        (None, _) => d.flash_seen = None,
        (Some(f), Some((seen, since))) if seen == f => {
            let keep = if f.error {
                FLASH_ERROR_SECS
            } else {
                FLASH_INFO_SECS
            };
            if d.real.duration_since(*since) >= SignedDuration::from_secs(keep) {
                m.flash = None;
                d.flash_seen = None;
            }
        }
        (Some(f), _) => d.flash_seen = Some((f.clone(), d.real)),
    }
    let offer_end = d.over && !d.end_offered && m.mode == Mode::Normal;
    if offer_end {
        d.end_offered = true;
    }
    m.refresh();
    if offer_end {
        m.mode = Mode::Confirm {
            intent: Intent::EndDrill,
            prompt: format!(
                "The scenario is over ({}). End the drill and see the score card?",
                short(
                    m.drill
                        .as_ref()
                        .map_or(SignedDuration::ZERO, |d| d.duration)
                )
            ),
            announces: None,
        };
    } else {
        ask_decision(m);
    }
    Vec::new()
}

/// After new journal events: an inject that asks for a decision opens the prompt.
pub fn after_journaled(m: &mut Model) {
    ask_decision(m);
}

/// Opens the decision prompt if a decision waits, nothing else is open, and the
/// IC did not put this one aside.
fn ask_decision(m: &mut Model) {
    let Some(d) = &m.drill else { return };
    if m.mode != Mode::Normal || m.writing > 0 || !m.deferred.is_empty() {
        return;
    }
    let Some(inc) = &m.inc else { return };
    if let Some(open) = open_decision(&m.events, inc)
        && Some(open.seq) != d.dismissed
    {
        m.mode = Mode::DrillDecision(Decision {
            seq: open.seq,
            question: open.question,
            options: open.options,
            sel: 0,
        });
    }
}

fn key_name(m: &Model, a: Action) -> String {
    m.keymap
        .first(a)
        .map_or_else(|| a.name().to_string(), |k| k.to_string())
}

/// The drill keys: faster, slower, pause, decide, end.
pub fn on_action(m: &mut Model, action: Action) -> Vec<Cmd> {
    let Some(d) = &mut m.drill else {
        let k = key_name(m, action);
        flash_info(
            m,
            format!("{k} works in a drill only (commandpost drill <scenario>)"),
        );
        return Vec::new();
    };
    let real = d.real;
    let text = match action {
        Action::DrillFaster | Action::DrillSlower | Action::DrillPause if d.over => {
            format!(
                "The drill is over; {} ends it with a score card",
                key_name(m, Action::DrillEnd)
            )
        }
        Action::DrillFaster => format!("Drill clock {}x", d.clock.faster(real)),
        Action::DrillSlower => format!("Drill clock {}x", d.clock.slower(real)),
        Action::DrillPause => {
            if d.clock.toggle_pause(real) {
                "Drill paused".to_string()
            } else {
                format!("Drill running at {}x", d.clock.speed)
            }
        }
        Action::DrillDecide => {
            d.dismissed = None;
            ask_decision(m);
            if !matches!(m.mode, Mode::DrillDecision(_)) {
                flash_info(m, "No decision is waiting".into());
            }
            return Vec::new();
        }
        Action::DrillEnd => {
            m.mode = Mode::Confirm {
                intent: Intent::EndDrill,
                prompt: "End the drill now and score it?".into(),
                announces: None,
            };
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    flash_info(m, text);
    Vec::new()
}

/// Ctrl-Z in a drill: the clock stops while the cockpit is suspended.
pub fn on_suspend(m: &mut Model) {
    let Some(d) = &mut m.drill else { return };
    if d.over || d.clock.paused {
        return;
    }
    d.clock.pause(d.real);
    let k = key_name(m, Action::DrillPause);
    flash_info(m, format!("Drill paused while suspended; {k} resumes"));
}

/// A key in the decision prompt: 1-9 or Enter answers (journaled as a note),
/// Esc puts it aside.
pub fn decision_key(m: &mut Model, k: &KeyEvent, mut d: Decision) -> Vec<Cmd> {
    let n = d.options.len();
    let chosen = match k.code {
        KeyCode::Char(c @ '1'..='9') => {
            let i = c as usize - '1' as usize;
            (i < n).then_some(i)
        }
        KeyCode::Enter | KeyCode::Char(' ') => Some(d.sel),
        KeyCode::Up | KeyCode::Char('k') => {
            d.sel = d.sel.saturating_sub(1);
            None
        }
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
            d.sel = (d.sel + 1).min(n.saturating_sub(1));
            None
        }
        KeyCode::Esc => return dismiss(m, d.seq),
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            return dismiss(m, d.seq);
        }
        _ => None,
    };
    let Some(option) = chosen.and_then(|i| d.options.get(i)).cloned() else {
        m.mode = Mode::DrillDecision(d);
        return Vec::new();
    };
    let Some(inc) = &m.inc else {
        return Vec::new();
    };
    let p = inc.cmd_note(&decision_note(&d.question, &option));
    append(m, p)
}

fn dismiss(m: &mut Model, seq: u64) -> Vec<Cmd> {
    if let Some(d) = &mut m.drill {
        d.dismissed = Some(seq);
    }
    let k = key_name(m, Action::DrillDecide);
    flash_info(m, format!("Decision put aside; {k} answers it"));
    Vec::new()
}

/// The quit confirmation in a drill.
pub fn quit_prompt(m: &Model) -> String {
    format!(
        "Leave the drill without a score? ({} ends it with a score card)",
        key_name(m, Action::DrillEnd)
    )
}

/// The IC confirmed the end: score, save, quit. The card is printed once the
/// terminal is restored.
pub fn end(m: &mut Model) -> Vec<Cmd> {
    if m.drill.is_none() {
        flash_error(m, "not a drill".into());
        return Vec::new();
    }
    let mut cmds = vec![Cmd::DrillEnd];
    cmds.extend(quit(m));
    cmds
}

/// Starts the drill's session at `real_now` (its simulated start) and the view.
pub fn open(
    opts: &DrillOptions,
    config: &Config,
    data_dir: &Path,
    real_now: Timestamp,
) -> Result<(DrillSession, DrillView), crate::app::AppError> {
    let session = DrillSession::start(&opts.scenario, config, data_dir, real_now)
        .map_err(|e| crate::app::AppError::Drill(e.to_string()))?;
    let view = DrillView::new(&session, opts.speed, real_now);
    Ok((session, view))
}

/// The `[[backends]]` a drill may deliver to for real: those marked
/// `drill = true` ([`crate::drill::drill_filter`] says `Route::Real`). Every
/// other backend only gets the drill's `sink.md`.
pub fn real_backends(config: &Config) -> Vec<&toml::Table> {
    use crate::drill::{Route, drill_filter, sink::backend_is_drill};
    config
        .backends
        .iter()
        .filter(|b| drill_filter(backend_is_drill(b)) == Route::Real)
        .collect()
}

/// How a drill in the cockpit ended.
#[derive(Debug)]
pub enum DrillExit {
    /// Scored; the card is saved in `dir`.
    Scored { card: Box<ScoreCard>, dir: PathBuf },
    /// Left without a score (`q`, a signal).
    Left { id: String, dir: PathBuf },
    /// Scoring failed.
    Failed { error: String, dir: PathBuf },
}

impl DrillExit {
    /// What to print once the terminal is restored.
    pub fn report(&self) -> String {
        match self {
            DrillExit::Scored { card, dir } => {
                let sink = dir.join("sink.md");
                let sent = if sink.exists() {
                    format!("; what the drill sent is in {}", sink.display())
                } else {
                    "; the drill sent nothing".to_string()
                };
                format!(
                    "{}\n\n(saved to {}{sent})\n",
                    card.markdown().trim_end(),
                    dir.join("score.md").display(),
                )
            }
            DrillExit::Left { id, dir } => format!(
                "Drill {id} left without a score. Its journal and sink are in {}\n",
                dir.display()
            ),
            DrillExit::Failed { error, dir } => format!(
                "Drill NOT scored: {error}\nIts journal and sink are in {}\n",
                dir.display()
            ),
        }
    }
}

/// The executor of a drill: runs commands in order against the session. Every
/// append is stamped with the drill clock's simulated time (`clock` mirrors the
/// model's), each poll fires the injects due, `Cmd::DrillEnd` scores.
pub fn execute(
    mut session: DrillSession,
    config: Config,
    clock: watch::Receiver<DrillClock>,
    rx: std_mpsc::Receiver<Cmd>,
    tx: mpsc::UnboundedSender<Msg>,
) -> DrillExit {
    let mut exit = DrillExit::Left {
        id: session.id.clone(),
        dir: session.dir.clone(),
    };
    let end = add(session.start, session.scenario.duration);
    let mut last_poll_error: Option<String> = None;
    for cmd in rx {
        let at = clock.borrow().now_sim(Timestamp::now()).min(end);
        let reply = match cmd {
            Cmd::Create { .. } => Some(Msg::JournalFailed(
                "a drill has its incident already".into(),
            )),
            Cmd::Append(p) => {
                let actor = session
                    .inc
                    .ic()
                    .map_or_else(|| session.scenario.initial.ic.clone(), |h| h.name.clone());
                Some(match session.record(&actor, at, p) {
                    Ok(events) => Msg::Journaled { events, own: true },
                    Err(e) => Msg::JournalFailed(e.to_string()),
                })
            }
            // Already written to the drill's sink by `record`: nothing is sent.
            Cmd::Announce { text } => Some(Msg::Announced(format!(
                "{text} (drill: written to sink.md)"
            ))),
            // The sitrep or status update is in the sink already (`record`).
            Cmd::Send(msg) => Some(Msg::Announced(format!(
                "{} (drill: written to sink.md)",
                msg.headline
            ))),
            // A page (or a retry or drop) in a drill: the sink, nothing is sent.
            Cmd::Outbox(crate::app::deliveries::OutboxCmd::Send { msg, .. }) => {
                let text = if msg.body.trim().is_empty() {
                    msg.headline.clone()
                } else {
                    format!("{}\n\n{}", msg.headline, msg.body)
                };
                Some(Msg::Outbox(
                    match session.to_sink(at, msg.kind.as_str(), &text) {
                        Ok(()) => crate::app::deliveries::OutboxMsg::Done(format!(
                            "{} (drill: written to sink.md)",
                            msg.headline
                        )),
                        Err(e) => crate::app::deliveries::OutboxMsg::Failed(e.to_string()),
                    },
                ))
            }
            Cmd::Outbox(_) => Some(Msg::Outbox(crate::app::deliveries::OutboxMsg::Failed(
                "a drill delivers nothing: nothing to retry or drop".into(),
            ))),
            Cmd::Postmortem { .. } => Some(Msg::Postmortem(Err(
                "a drill is scored, not post-mortemed: Q ends it and writes the score card".into(),
            ))),
            // A drill is not resumed: its drafts are not kept.
            Cmd::Draft { .. } => None,
            Cmd::Poll => {
                let polled = session.advance(at).and_then(|mut evs| {
                    session.sync().map(|more| {
                        evs.extend(more);
                        evs
                    })
                });
                match polled {
                    Ok(events) if events.is_empty() => None,
                    Ok(events) => {
                        last_poll_error = None;
                        Some(Msg::Journaled { events, own: false })
                    }
                    Err(e) => {
                        let text = e.to_string();
                        (last_poll_error.as_ref() != Some(&text)).then(|| {
                            last_poll_error = Some(text.clone());
                            Msg::PollFailed(text)
                        })
                    }
                }
            }
            Cmd::DrillEnd => {
                let dir = session.dir.clone();
                exit = match session.sync().and_then(|_| session.finish(&config, at)) {
                    Ok(card) => DrillExit::Scored {
                        card: Box::new(card),
                        dir,
                    },
                    Err(e) => DrillExit::Failed {
                        error: e.to_string(),
                        dir,
                    },
                };
                None
            }
            Cmd::Redraw | Cmd::Suspend | Cmd::Quit => None,
        };
        if let Some(m) = reply
            && tx.send(m).is_err()
        {
            // The loop is gone; keep going so that a queued DrillEnd still scores.
            continue;
        }
    }
    exit
}
