//! The drill as the model sees it: the drill clock and what the screen shows. (What the
//! drill keys do is in `app::drill`; the drill's effects in `shell::drill`.)

use crate::app::flash::Flash;
use crate::domain::duration::short;
use crate::drill::clock::add;
use crate::drill::scenario::Scenario;
use crate::drill::{DrillClock, DrillSession};
use jiff::{SignedDuration, Timestamp};
use std::path::PathBuf;
use std::sync::Arc;

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
    pub flash_seen: Option<(Flash, Timestamp)>,
    /// The scenario: its `metric` and `alert` injects feed the header, the checklist and the
    /// alerts view as Prometheus and Alertmanager would.
    pub scenario: Arc<Scenario>,
    /// Simulated time up to which `metric` injects were fed to the live view.
    pub fed: SignedDuration,
    /// The scenario fires alerts: the header shows them and `!` lists them.
    pub alerts: bool,
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
            scenario: Arc::new(session.scenario.clone()),
            fed: crate::drill::schedule::NOT_STARTED,
            alerts: crate::drill::schedule::has_alerts(&session.scenario),
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
