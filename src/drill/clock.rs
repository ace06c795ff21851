//! The drill clock: simulated time running at 1x to 60x real time, pausable.
//! Pure arithmetic on timestamps passed in; it never reads the system clock.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// The slowest and fastest speeds.
pub const MIN_SPEED: u32 = 1;
pub const MAX_SPEED: u32 = 60;
/// The steps `faster` and `slower` move through.
pub const SPEED_STEPS: [u32; 7] = [1, 2, 5, 10, 20, 30, 60];

/// Simulated time. Between two changes (speed, pause) it is
/// `start_sim + (real_now - start_real) * speed`; every change re-anchors
/// `start_real`/`start_sim` at the moment of the change, so simulated time never
/// jumps. `origin` is the simulated moment the drill started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DrillClock {
    pub origin: Timestamp,
    pub start_real: Timestamp,
    pub start_sim: Timestamp,
    pub speed: u32,
    pub paused: bool,
}

/// `t + d`, saturating instead of overflowing.
pub fn add(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(if d.is_negative() {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

impl DrillClock {
    /// A running clock whose simulated time starts at `sim_origin` when the real
    /// clock reads `real_now`. The speed is clamped to 1..=60.
    pub fn new(real_now: Timestamp, sim_origin: Timestamp, speed: u32) -> DrillClock {
        DrillClock {
            origin: sim_origin,
            start_real: real_now,
            start_sim: sim_origin,
            speed: speed.clamp(MIN_SPEED, MAX_SPEED),
            paused: false,
        }
    }

    /// Simulated time at `real_now`. A real clock that went backwards does not
    /// move simulated time backwards.
    pub fn now_sim(&self, real_now: Timestamp) -> Timestamp {
        if self.paused {
            return self.start_sim;
        }
        let real = real_now
            .duration_since(self.start_real)
            .max(SignedDuration::ZERO);
        let speed = i32::try_from(self.speed).unwrap_or(1);
        let sim = real.checked_mul(speed).unwrap_or(SignedDuration::MAX);
        add(self.start_sim, sim)
    }

    /// Simulated time since the drill started.
    pub fn elapsed(&self, real_now: Timestamp) -> SignedDuration {
        self.now_sim(real_now).duration_since(self.origin)
    }

    fn anchor(&mut self, real_now: Timestamp) {
        self.start_sim = self.now_sim(real_now);
        self.start_real = real_now.max(self.start_real);
    }

    /// Sets the speed (clamped to 1..=60) from `real_now` on; returns the speed in effect.
    pub fn set_speed(&mut self, real_now: Timestamp, speed: u32) -> u32 {
        self.anchor(real_now);
        self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
        self.speed
    }

    /// The next step up in [`SPEED_STEPS`].
    pub fn faster(&mut self, real_now: Timestamp) -> u32 {
        let next = SPEED_STEPS
            .iter()
            .copied()
            .find(|s| *s > self.speed)
            .unwrap_or(MAX_SPEED);
        self.set_speed(real_now, next)
    }

    /// The next step down in [`SPEED_STEPS`].
    pub fn slower(&mut self, real_now: Timestamp) -> u32 {
        let next = SPEED_STEPS
            .iter()
            .rev()
            .copied()
            .find(|s| *s < self.speed)
            .unwrap_or(MIN_SPEED);
        self.set_speed(real_now, next)
    }

    /// Freezes simulated time at its value at `real_now`.
    pub fn pause(&mut self, real_now: Timestamp) {
        if !self.paused {
            self.anchor(real_now);
            self.paused = true;
        }
    }

    /// Lets simulated time run again from where it was frozen.
    pub fn resume(&mut self, real_now: Timestamp) {
        if self.paused {
            self.start_real = real_now;
            self.paused = false;
        }
    }

    /// Pauses a running clock, resumes a paused one; returns whether it is now paused.
    pub fn toggle_pause(&mut self, real_now: Timestamp) -> bool {
        if self.paused {
            self.resume(real_now);
        } else {
            self.pause(real_now);
        }
        self.paused
    }

    /// Real time from `real_now` until simulated time reaches `sim_target` (zero if
    /// it already has); `None` while paused. For the runner to sleep until the next inject.
    pub fn real_until(&self, real_now: Timestamp, sim_target: Timestamp) -> Option<SignedDuration> {
        if self.paused {
            return None;
        }
        let sim_left = sim_target.duration_since(self.now_sim(real_now));
        if sim_left <= SignedDuration::ZERO {
            return Some(SignedDuration::ZERO);
        }
        let speed = i64::from(self.speed.max(1));
        // Round up so that the sim target has been reached on waking.
        let nanos = sim_left.as_nanos();
        let speed = i128::from(speed);
        let real = (nanos + speed - 1) / speed;
        Some(SignedDuration::from_nanos(
            i64::try_from(real).unwrap_or(i64::MAX),
        ))
    }
}
