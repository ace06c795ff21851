//! The interactive drill in the cockpit (`commandpost drill <scenario>`).
//!
//! The model keeps a `DrillView` (`app::drill_view`): the drill clock and what the screen
//! shows. `update` stays pure: real time only comes in with `Msg::Tick(real)`, and `m.now`
//! becomes the clock's simulated time, so every duration on screen is drill time. Keys act
//! on the clock from the last tick's real time (what is on screen is exactly what is
//! paused). The drill's effects (its journal, the sink, the score) are
//! `shell::drill::DrillEffects`.

use crate::app::cmd::Cmd;
use crate::app::cockpit::{FLASH_ERROR_SECS, FLASH_INFO_SECS};
pub use crate::app::drill_view::DrillView;
use crate::app::intent::Intent;
use crate::app::keymap::Action;
use crate::app::model::Model;
use crate::app::overlay::confirm::Confirm;
use crate::app::overlay::decision::Decision;
use crate::app::overlay::{self, Overlay};
use crate::domain::alert::AlertsUpdate;
use crate::domain::duration::short;
use crate::drill::run::open_decision;
use crate::drill::schedule;
use jiff::{SignedDuration, Timestamp};

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
    let cmds = feed_health(m);
    let Some(d) = &mut m.cx.drill else {
        return cmds;
    };
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
    cmds
}

/// The scenario's `metric` values due by now go into the live view (as Prometheus' answers
/// would), its fired `alert`s are the alerts view's list; what is due of the figures is
/// journaled as in a real incident.
fn feed_health(m: &mut Model) -> Vec<Cmd> {
    let now = m.cx.now;
    let Some(d) = &mut m.cx.drill else {
        return Vec::new();
    };
    let elapsed = d.elapsed(now);
    if elapsed <= d.fed {
        return Vec::new();
    }
    let prev = std::mem::replace(&mut d.fed, elapsed);
    let (scenario, origin, alerts) = (d.scenario.clone(), d.clock.origin, d.alerts);
    let names: Vec<&str> =
        m.cx.config
            .metrics
            .series
            .iter()
            .map(|s| s.name.as_str())
            .collect();
    let samples = schedule::metric_samples(&scenario, &names, origin, prev, elapsed);
    let fed = !samples.is_empty();
    for (i, s) in samples {
        m.cx.health.inject(i, s);
    }
    if alerts {
        m.cx.alerts = Some(AlertsUpdate {
            at: now,
            result: Ok(schedule::alerts_firing(&scenario, origin, elapsed)),
        });
    }
    if !fed {
        return Vec::new();
    }
    m.cx.refresh();
    crate::app::health::observe_due(m)
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
