//! A drill in the cockpit (`commandpost drill <scenario>`): its session, opened at start,
//! and its effects. Every append is stamped with the drill clock's simulated time (the loop
//! mirrors the model's clock here), each poll fires the injects due, the end scores.
//!
//! **Outgoing messages (the seam for delivery).** In a drill nothing reaches a real backend
//! unless the backend is marked `drill = true`: `DrillSession::record` journals a change and
//! writes announcements, sitreps and status updates to `sink.md`; what it did not write in
//! full (a page, an announcement with the hand-off brief) is written to the sink by
//! [`DrillEffects::outbox`]; retries and drops are refused. A command that would deliver
//! goes through that one method and, there, may only reach the backends [`real_backends`]
//! returns (marked `drill = true`).

use crate::app::cmd::Cmd;
use crate::app::composer::kind::Kind;
use crate::app::deliveries::{OutboxCmd, OutboxMsg};
use crate::app::drill_view::DrillView;
use crate::app::msg::Msg;
use crate::config::Config;
use crate::domain::outbound::MessageKind;
use crate::domain::{Event, Payload};
use crate::drill::clock::add;
use crate::drill::{DrillClock, DrillSession, ScoreCard};
use crate::shell::effects::{self, Effects, Refused};
use crate::shell::options::AppError;
pub use crate::shell::options::DrillOptions;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use tokio::sync::{mpsc, watch};

/// Starts the drill's session at `real_now` (its simulated start) and the view.
pub fn open(
    opts: &DrillOptions,
    config: &Config,
    data_dir: &Path,
    real_now: Timestamp,
) -> Result<(DrillSession, DrillView), AppError> {
    let session = DrillSession::start(&opts.scenario, config, data_dir, real_now)
        .map_err(|e| AppError::Drill(e.to_string()))?;
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

/// The effects of a drill: its session on the drill clock.
pub struct DrillEffects {
    pub session: DrillSession,
    pub config: Config,
    /// The model's drill clock, mirrored by the loop.
    pub clock: watch::Receiver<DrillClock>,
    /// How it ended so far (left, until scored).
    pub exit: DrillExit,
}

impl DrillEffects {
    pub fn new(session: DrillSession, config: Config, clock: watch::Receiver<DrillClock>) -> Self {
        let exit = DrillExit::Left {
            id: session.id.clone(),
            dir: session.dir.clone(),
        };
        DrillEffects {
            session,
            config,
            clock,
            exit,
        }
    }

    /// Simulated now, never past the scenario's end.
    fn at(&self) -> Timestamp {
        let end = add(self.session.start, self.session.scenario.duration);
        self.clock.borrow().now_sim(Timestamp::now()).min(end)
    }
}

/// What the sink says was written instead of sent.
const IN_THE_SINK: &str = " (drill: written to sink.md)";

impl Effects for DrillEffects {
    fn create(&mut self, _title: &str) -> Result<Vec<Event>, Refused> {
        Err(Refused::new("a drill has its incident already"))
    }

    fn append(&mut self, p: Payload) -> Result<Vec<Event>, Refused> {
        let at = self.at();
        let s = &mut self.session;
        let actor = s
            .inc
            .ic()
            .map_or_else(|| s.scenario.initial.ic.clone(), |h| h.name.clone());
        s.record(&actor, at, p)
            .map_err(|e| Refused::new(e.to_string()))
    }

    /// Nothing is sent: what `record` did not write to the sink in full (a page, an
    /// announcement with the hand-off brief) is written now; retries and drops are refused.
    fn outbox(&mut self, c: OutboxCmd) -> OutboxMsg {
        let OutboxCmd::Send { msg, .. } = c else {
            return OutboxMsg::Failed("a drill delivers nothing: nothing to retry or drop".into());
        };
        let recorded = msg.kind != MessageKind::Page
            && (msg.kind != MessageKind::Announcement || msg.body.trim().is_empty());
        if recorded {
            return OutboxMsg::Done(format!("{}{IN_THE_SINK}", msg.headline));
        }
        let text = if msg.body.trim().is_empty() {
            msg.headline.clone()
        } else {
            format!("{}\n\n{}", msg.headline, msg.body)
        };
        match self.session.to_sink(self.at(), msg.kind.as_str(), &text) {
            Ok(()) => OutboxMsg::Done(format!("{}{IN_THE_SINK}", msg.headline)),
            Err(e) => OutboxMsg::Failed(e.to_string()),
        }
    }

    fn queued_note(&self) -> &'static str {
        IN_THE_SINK
    }

    /// A drill is not resumed: its drafts are not kept.
    fn draft(&mut self, _kind: Kind, _content: Option<&str>) -> Result<(), String> {
        Ok(())
    }

    fn postmortem(
        &mut self,
        _tz: Option<TimeZone>,
        _reply: &mpsc::UnboundedSender<Msg>,
    ) -> Option<Msg> {
        Some(Msg::Postmortem(Err(
            "a drill is scored, not post-mortemed: Q ends it and writes the score card".into(),
        )))
    }

    fn poll(&mut self) -> Result<Vec<Event>, String> {
        let at = self.at();
        let s = &mut self.session;
        s.advance(at)
            .and_then(|mut evs| {
                s.sync().map(|more| {
                    evs.extend(more);
                    evs
                })
            })
            .map_err(|e| e.to_string())
    }

    fn end_drill(&mut self) {
        let at = self.at();
        let dir = self.session.dir.clone();
        let s = &mut self.session;
        self.exit = match s.sync().and_then(|_| s.finish(&self.config, at)) {
            Ok(card) => DrillExit::Scored {
                card: Box::new(card),
                dir,
            },
            Err(e) => DrillExit::Failed {
                error: e.to_string(),
                dir,
            },
        };
    }

    fn finish(self: Box<Self>) -> Option<String> {
        Some(self.exit.report())
    }
}

/// Runs a drill's commands in order against its session until the loop hangs up; how it
/// ended.
pub fn execute(
    session: DrillSession,
    config: Config,
    clock: watch::Receiver<DrillClock>,
    rx: std_mpsc::Receiver<Cmd>,
    tx: mpsc::UnboundedSender<Msg>,
) -> DrillExit {
    let mut fx = DrillEffects::new(session, config, clock);
    effects::execute(&mut fx, rx, tx);
    fx.exit
}
