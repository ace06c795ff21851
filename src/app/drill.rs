//! The interactive drill in the cockpit (`commandpost drill <scenario>`).
//!
//! The model keeps a `DrillView` (`app::drill_view`): the drill clock and what the screen
//! shows. `update` stays pure: real time only comes in with `Msg::Tick(real)`, and `m.now`
//! becomes the clock's simulated time, so every duration on screen is drill time. Keys act
//! on the clock from the last tick's real time (what is on screen is exactly what is
//! paused).
//!
//! The executor of a drill is [`execute`]: it owns the [`DrillSession`] (the drill's journal
//! under `<data_dir>/drills/<id>/`), stamps every append with simulated time, fires the
//! scenario's injects on each poll and, at the end, scores the drill.
//!
//! **Outgoing messages (the seam for delivery).** In a drill nothing reaches a real backend
//! unless the backend is marked `drill = true`: [`DrillSession::record`] journals a change
//! and writes announcements, sitreps and status updates to `sink.md`; `Cmd::Announce` is
//! answered without touching the outbox. A command that would deliver must be matched in
//! [`execute`] (the match is exhaustive on purpose) and, there, may only reach the backends
//! [`real_backends`] returns (marked `drill = true`); everything else is already in the
//! sink. Delivery code outside the drill executor can test `m.drill` / `RunOptions::drill`.

use crate::app::cmd::Cmd;
use crate::app::cockpit::{FLASH_ERROR_SECS, FLASH_INFO_SECS};
pub use crate::app::drill_view::{DrillOptions, DrillView};
use crate::app::intent::Intent;
use crate::app::keymap::Action;
use crate::app::model::Model;
use crate::app::msg::Msg;
use crate::app::overlay::confirm::Confirm;
use crate::app::overlay::decision::Decision;
use crate::app::overlay::{self, Overlay};
use crate::config::Config;
use crate::domain::duration::short;
use crate::drill::clock::add;
use crate::drill::run::open_decision;
use crate::drill::{DrillClock, DrillSession, ScoreCard};
use jiff::{SignedDuration, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use tokio::sync::{mpsc, watch};

/// `Msg::Tick(real)` in a drill: simulated time moves on (unless paused or
/// over), messages expire in real time, a waiting decision is asked.
pub fn on_tick(m: &mut Model, real: Timestamp) -> Vec<Cmd> {
    let Some(d) = &mut m.cx.drill else {
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
    m.cx.now = now.max(m.cx.now);
    // Messages stay for their time in real seconds.
    match (&m.cx.flash, &d.flash_seen) {
        (None, _) => d.flash_seen = None,
        (Some(f), Some((seen, since))) if seen == f => {
            let keep = if f.error {
                FLASH_ERROR_SECS
            } else {
                FLASH_INFO_SECS
            };
            if d.real.duration_since(*since) >= SignedDuration::from_secs(keep) {
                m.cx.flash = None;
                d.flash_seen = None;
            }
        }
        (Some(f), _) => d.flash_seen = Some((f.clone(), d.real)),
    }
    let offer_end = d.over && !d.end_offered && m.overlay.is_none();
    if offer_end {
        d.end_offered = true;
    }
    let length = d.duration;
    m.cx.refresh();
    if offer_end {
        m.overlay = Some(Overlay::Confirm(Confirm {
            intent: Intent::EndDrill,
            prompt: format!(
                "The scenario is over ({}). End the drill and see the score card?",
                short(length)
            ),
            detail: Vec::new(),
            back: None,
        }));
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
    let Some(d) = &m.cx.drill else { return };
    if m.overlay.is_some() || m.cx.writing > 0 || !m.cx.deferred.is_empty() {
        return;
    }
    let Some(inc) = &m.cx.inc else { return };
    if let Some(open) = open_decision(&m.cx.events, inc)
        && Some(open.seq) != d.dismissed
    {
        m.overlay = Some(Overlay::Decision(Decision {
            seq: open.seq,
            question: open.question,
            options: open.options,
            sel: 0,
        }));
    }
}

/// The drill keys: faster, slower, pause, decide, end.
pub fn on_action(m: &mut Model, action: Action) -> Vec<Cmd> {
    let end_key = m.key(Action::DrillEnd);
    let Some(d) = &mut m.cx.drill else {
        let k = m.key(action);
        m.flash_info(format!(
            "{k} works in a drill only (commandpost drill <scenario>)"
        ));
        return Vec::new();
    };
    let real = d.real;
    let text = match action {
        Action::DrillFaster | Action::DrillSlower | Action::DrillPause if d.over => {
            format!("The drill is over; {end_key} ends it with a score card")
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
            if !matches!(m.overlay, Some(Overlay::Decision(_))) {
                m.flash_info("No decision is waiting");
            }
            return Vec::new();
        }
        Action::DrillEnd => {
            m.overlay = overlay::ask(&mut m.cx, Intent::EndDrill);
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    m.flash_info(text);
    Vec::new()
}

/// Ctrl-Z in a drill: the clock stops while the cockpit is suspended.
pub fn on_suspend(m: &mut Model) {
    let k = m.key(Action::DrillPause);
    let Some(d) = &mut m.cx.drill else { return };
    if d.over || d.clock.paused {
        return;
    }
    d.clock.pause(d.real);
    m.flash_info(format!("Drill paused while suspended; {k} resumes"));
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
