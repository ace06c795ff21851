//! A drill in the cockpit (`commandpost drill <scenario>`): its session, opened at start,
//! and its effects. Every append is stamped with the drill clock's simulated time (the loop
//! mirrors the model's clock here), each poll fires the injects due, the end scores.
//!
//! **Outgoing messages.** Every message of a drill comes through the one road,
//! [`DrillEffects::outbox`] (`Cmd::Outbox`, built by `delivery::setup`), and is routed there
//! ([`crate::drill::sink::routes`]): backends marked `drill = true` receive it for real,
//! marked as a drill ([`crate::delivery::setup::drill_message`]), through a courier of
//! their own on the drill's journal (retries, drops and the deliveries overlay work as in an
//! incident); every other backend's copy is written to the drill's `sink.md`
//! (`DrillSession::record` writes sitreps, status updates and announcements when they are
//! journaled; pages and announcements with a brief are written here).

use crate::app::cmd::Cmd;
use crate::app::composer::kind::Kind;
use crate::app::deliveries::{OutboxCmd, OutboxMsg};
use crate::app::drill_view::DrillView;
use crate::app::msg::Msg;
use crate::config::Config;
use crate::delivery::setup::drill_message;
use crate::domain::outbound::{MessageKind, OutboundMessage};
use crate::domain::{Event, Payload};
use crate::drill::clock::add;
use crate::drill::sink::{Routes, routes};
use crate::drill::{DrillClock, DrillSession, ScoreCard};
use crate::shell::effects::{self, Effects, Refused};
use crate::shell::options::AppError;
pub use crate::shell::options::DrillOptions;
use crate::shell::real::Courier;
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

/// The courier of a drill: the backends marked `drill = true` only (`None` when there are
/// none: then nothing is sent for real). Opened on the drill's journal by
/// [`DrillEffects::start`].
pub fn courier(
    handle: tokio::runtime::Handle,
    config: &Config,
    data_dir: &Path,
    actor: &str,
    tx: mpsc::UnboundedSender<Msg>,
) -> Option<Courier> {
    let real: Vec<toml::Table> = crate::drill::sink::real_backends(config)
        .into_iter()
        .cloned()
        .collect();
    if real.is_empty() {
        return None;
    }
    let only_real = Config {
        backends: real,
        ..config.clone()
    };
    Some(Courier::new(handle, &only_real, data_dir, actor, tx))
}

/// The effects of a drill: its session on the drill clock.
pub struct DrillEffects {
    pub session: DrillSession,
    pub config: Config,
    /// The model's drill clock, mirrored by the loop.
    pub clock: watch::Receiver<DrillClock>,
    /// How it ended so far (left, until scored).
    pub exit: DrillExit,
    /// Delivers to the backends marked `drill = true` (`None`: there are none).
    pub courier: Option<Courier>,
    /// What the last message queued did, said after its headline.
    note: String,
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
            courier: None,
            note: String::new(),
        }
    }

    /// With a courier for the backends marked `drill = true` (see [`courier`]).
    pub fn with_courier(mut self, courier: Option<Courier>) -> Self {
        self.courier = courier;
        self
    }

    /// Writes what the sink did not get yet: a page, an announcement with the hand-off brief
    /// (`record` wrote sitreps, status updates and plain announcements when journaled).
    fn to_sink(&self, msg: &OutboundMessage, sink: &[String]) -> Result<(), String> {
        let recorded = msg.kind != MessageKind::Page
            && (msg.kind != MessageKind::Announcement || msg.body.trim().is_empty());
        if recorded {
            return Ok(());
        }
        let text = if msg.body.trim().is_empty() {
            msg.headline.clone()
        } else {
            format!("{}\n\n{}", msg.headline, msg.body)
        };
        let to = (!sink.is_empty()).then(|| sink.join(", "));
        self.session
            .to_sink_for(self.at(), msg.kind.as_str(), to.as_deref(), &text)
            .map_err(|e| e.to_string())
    }

    /// Queues the drill-marked message for the real backends.
    fn deliver(&mut self, msg: OutboundMessage, real: Vec<String>) -> OutboxMsg {
        let marked = drill_message(msg, &self.session.id);
        match &mut self.courier {
            Some(c) => c.run(OutboxCmd::Send {
                msg: marked,
                only: Some(real),
            }),
            None => OutboxMsg::Failed(format!(
                "drill: {} NOT sent: the backends marked drill = true could not be set up",
                real.join(", ")
            )),
        }
    }

    /// Simulated now, never past the scenario's end.
    fn at(&self) -> Timestamp {
        let end = add(self.session.start, self.session.scenario.duration);
        self.clock.borrow().now_sim(Timestamp::now()).min(end)
    }
}

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

    fn start(&mut self) {
        let path = self.session.journal_path().to_path_buf();
        if let Some(c) = &mut self.courier {
            c.open(&path);
        }
    }

    /// Routes a message: the backends marked `drill = true` get it for real, marked as a
    /// drill; the others' copy goes to the sink. A retry or a drop concerns a real delivery.
    fn outbox(&mut self, c: OutboxCmd) -> OutboxMsg {
        let (msg, only) = match c {
            OutboxCmd::Send { msg, only } => (msg, only),
            other => {
                return match &mut self.courier {
                    Some(courier) => courier.run(other),
                    None => OutboxMsg::Failed(
                        "a drill delivered nothing for real: nothing to retry or drop".into(),
                    ),
                };
            }
        };
        let Routes { real, sink } = routes(&self.config, msg.kind, only.as_deref());
        let headline = msg.headline.clone();
        let mut said = Vec::new();
        // Nothing real (or a copy for the others): the sink has it.
        if !sink.is_empty() || real.is_empty() {
            if let Err(e) = self.to_sink(&msg, &sink) {
                self.note.clear();
                return OutboxMsg::Failed(e);
            }
            said.push("written to sink.md".to_string());
        }
        let mut failed = None;
        if !real.is_empty() {
            match self.deliver(msg, real.clone()) {
                OutboxMsg::Failed(e) => failed = Some(e),
                _ => said.push(format!(
                    "sent for real, marked [DRILL], to {}",
                    real.join(", ")
                )),
            }
        }
        self.note = format!(" (drill: {})", said.join("; "));
        match failed {
            Some(e) => OutboxMsg::Failed(e),
            None => OutboxMsg::Done(format!("{headline}{}", self.note)),
        }
    }

    fn queued_note(&self) -> String {
        self.note.clone()
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
/// ended. `courier` delivers to the backends marked `drill = true` ([`courier`]).
pub fn execute(
    session: DrillSession,
    config: Config,
    clock: watch::Receiver<DrillClock>,
    courier: Option<Courier>,
    rx: std_mpsc::Receiver<Cmd>,
    tx: mpsc::UnboundedSender<Msg>,
) -> DrillExit {
    let mut fx = DrillEffects::new(session, config, clock).with_courier(courier);
    effects::execute(&mut fx, rx, tx);
    fx.exit
}
