//! The event loop. It turns terminal input, a 1-second tick, signals and the executor's
//! answers into `Msg`s, feeds them to `update`, hands the resulting `Cmd`s to the executor
//! thread and draws only when something visible changed.
//!
//! A new source of messages (another cockpit's events, metrics) is a task that sends `Msg`s
//! on the loop's channel, as the courier does (`shell::real`): the loop needs no change.

use crate::app::cmd::Cmd;
use crate::app::model::Model;
use crate::app::msg::Msg;
use crate::app::update::update;
use crate::drill::DrillClock;
use crate::shell::drill::DrillEffects;
use crate::shell::effects::{self, Effects};
use crate::shell::options::AppError;
use crate::shell::real::Courier;
use crate::shell::real::RealEffects;
use crate::shell::start::Started;
use crate::term::{Scrubbed, TermGuard};
use crate::ui::{self, Theme};
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::Write;
use std::pin::Pin;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tokio::time::Sleep;

/// Most input events handled between two draws.
const MAX_BATCH: usize = 64;

/// Runs the cockpit on the terminal until it quits, a signal or the terminal ends it.
pub(super) async fn run(s: Started) -> Result<(), AppError> {
    let mut model = s.model;
    let mut screen = Screen::enter(&mut model)?;
    let (msg_tx, msg_rx) = mpsc::unbounded_channel::<Msg>();
    // Signals are caught from here on: one that comes while the effects are built ends the
    // loop as usual (the terminal restored, the snapshot kept).
    let mut sources = Sources::new(msg_rx)?;
    // The first frame before the effects are built (the executor's copy of the incident,
    // the backends, the snapshot keeper): they are not needed to show the incident.
    screen.draw(&model, Duration::ZERO)?;
    let (clock, fx) = effects_for(
        &model,
        s.store,
        (s.journal, s.kept),
        s.id,
        s.actor,
        s.session,
        &msg_tx,
    );
    let pollers = health_pollers(&model, &msg_tx);
    let executor = Executor::spawn(fx, msg_tx)?;
    let outcome = looped(
        &mut model,
        &mut screen,
        &mut sources,
        &executor,
        clock.as_ref(),
    )
    .await;
    for p in pollers {
        p.abort();
    }
    // Drafts typed in the last second (a signal ends the loop without `quit`); the executor
    // finishes what it was given (appends are quick).
    let report = executor.finish(model.save_drafts());
    drop(screen);
    if let Some(r) = report {
        print!("{r}");
    }
    outcome
}

async fn looped(
    model: &mut Model,
    screen: &mut Screen,
    sources: &mut Sources,
    executor: &Executor,
    clock: Option<&watch::Sender<DrillClock>>,
) -> Result<(), AppError> {
    // (The first frame is drawn already.)
    let mut dirty = false;
    // How long the last batch of messages took to handle (update + commands handed off).
    let mut handled = Duration::ZERO;
    let mut first = true;
    loop {
        if dirty {
            screen.draw(model, handled)?;
            dirty = false;
        }
        if std::mem::take(&mut first) {
            warm_linter(&model.config);
        }
        let batch = match sources.next(executor).await {
            Ok(batch) => batch,
            Err(end) => return end,
        };
        let handling = Instant::now();
        for msg in batch {
            dirty |= match &msg {
                Msg::Tick(t) => t.as_second() != model.now.as_second(),
                _ => true,
            };
            let cmds = update(model, msg);
            if let (Some(tx), Some(d)) = (clock, &model.drill) {
                // The drill's effects stamp appends with the model's drill clock.
                tx.send_if_modified(|c| std::mem::replace(c, d.clock) != d.clock);
            }
            dirty |= carry_out(model, screen, executor, cmds)?;
            if model.quit {
                return Ok(());
            }
        }
        handled = handling.elapsed();
    }
}

/// Hands commands to the executor; redraws and suspends here. Whether the screen must be
/// drawn again.
fn carry_out(
    model: &mut Model,
    screen: &mut Screen,
    executor: &Executor,
    cmds: Vec<Cmd>,
) -> Result<bool, AppError> {
    let mut dirty = false;
    for cmd in cmds {
        match cmd {
            Cmd::Quit => {}
            Cmd::Redraw => {
                screen.redraw(model).map_err(AppError::Terminal)?;
                dirty = true;
            }
            Cmd::Suspend => {
                screen.suspend(model)?;
                dirty = true;
            }
            other => executor.send(other),
        }
    }
    Ok(dirty)
}

/// Builds the linter (and compiles its detectors) on a background thread once the first
/// frame is out, so the composer's first lint does not pay for it on a key press.
fn warm_linter(config: &crate::config::Config) {
    let lint = config.lint.clone();
    let spawned = std::thread::Builder::new()
        .name("lint-warm-up".into())
        .spawn(move || {
            if let Ok(l) = crate::config::linter_for(&lint) {
                l.warm_up();
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot warm the linter up: {e}");
    }
}

/// The effects the executor runs: the drill's (and the channel mirroring the drill clock to
/// them), or the incident's.
fn effects_for(
    model: &Model,
    store: crate::journal::Store,
    (journal, kept): (
        Option<crate::journal::Journal>,
        Option<(crate::shell::keep::Keeper, crate::journal::Journal)>,
    ),
    id: Option<String>,
    actor: String,
    session: Option<crate::drill::DrillSession>,
    msg_tx: &mpsc::UnboundedSender<Msg>,
) -> (Option<watch::Sender<DrillClock>>, Box<dyn Effects>) {
    let config = model.config.clone();
    if let (Some(session), Some(d)) = (session, &model.drill) {
        let (tx, rx) = watch::channel(d.clock);
        // The backends marked `drill = true` get the drill's messages for real, marked.
        let courier = crate::shell::drill::courier(
            tokio::runtime::Handle::current(),
            &config,
            store.root(),
            &actor,
            msg_tx.clone(),
        );
        let fx = DrillEffects::new(session, config, rx).with_courier(courier);
        return (Some(tx), Box::new(fx));
    }
    // The backends the composer previews are the ones delivered to (a demo's are its
    // throwaway file).
    let courier = Courier::with_backends(
        tokio::runtime::Handle::current(),
        match &model.desk.backends.error {
            Some(e) => Err(e.clone()),
            None => Ok(model.desk.backends.list.clone()),
        },
        &if model.demo {
            crate::config::Config::default()
        } else {
            model.config.clone()
        },
        &actor,
        msg_tx.clone(),
    );
    let (keeper, outbox_reader) = kept.map_or((None, None), |(k, r)| (Some(k), Some(r)));
    // A synced incident follows its room on a thread of its own; what it reports comes in
    // on the loop's channel like the courier's answers.
    let sync_tried = model.sync.is_some();
    let follower = match (&model.sync, &id) {
        (Some(_), Some(id)) => crate::shell::sync::start(&store, id, &config, &actor, msg_tx),
        _ => None,
    };
    let fx = RealEffects {
        store,
        journal,
        id,
        actor,
        inc: model.inc.clone(),
        config,
        courier,
        keeper,
        outbox_reader,
        follower,
        sync_tx: (!model.demo).then(|| msg_tx.clone()),
        sync_tried,
    };
    (None, Box::new(fx))
}

/// The Prometheus and Alertmanager pollers (`[metrics]`, `[alerts]`): tasks on the runtime
/// that send their answers as messages, like the courier. None in a drill or the demo.
fn health_pollers(
    model: &Model,
    msg_tx: &mpsc::UnboundedSender<Msg>,
) -> Vec<tokio::task::JoinHandle<()>> {
    if model.drill.is_some() || model.demo {
        return Vec::new();
    }
    let pollers = crate::health::poll::Pollers::from_config(&model.config);
    if pollers.is_empty() {
        return Vec::new();
    }
    let (metrics, alerts) = (msg_tx.clone(), msg_tx.clone());
    pollers.spawn(
        &tokio::runtime::Handle::current(),
        Box::new(move |u| metrics.send(Msg::Health(u)).is_ok()),
        Box::new(move |a| alerts.send(Msg::Alerts(a)).is_ok()),
    )
}

/// The executor thread: runs the commands in order against the effects.
struct Executor {
    cmds: std_mpsc::Sender<Cmd>,
    thread: std::thread::JoinHandle<Option<String>>,
}

impl Executor {
    fn spawn(mut fx: Box<dyn Effects>, msgs: mpsc::UnboundedSender<Msg>) -> Result<Self, AppError> {
        let (cmds, rx) = std_mpsc::channel::<Cmd>();
        let thread = std::thread::Builder::new()
            .name("journal".into())
            .spawn(move || {
                effects::execute(fx.as_mut(), rx, msgs);
                fx.finish()
            })
            .map_err(AppError::Terminal)?;
        Ok(Executor { cmds, thread })
    }

    fn send(&self, cmd: Cmd) {
        let _ = self.cmds.send(cmd);
    }

    /// The last commands, then waits for the executor; what it has to say.
    fn finish(self, last: Vec<Cmd>) -> Option<String> {
        for cmd in last {
            self.send(cmd);
        }
        drop(self.cmds);
        self.thread.join().ok().flatten()
    }
}

/// Where messages come from: the terminal, the executor (and the courier), the clock,
/// signals.
struct Sources {
    input: EventStream,
    msgs: mpsc::UnboundedReceiver<Msg>,
    tick: Pin<Box<Sleep>>,
    sigterm: Signal,
    sighup: Signal,
}

impl Sources {
    fn new(msgs: mpsc::UnboundedReceiver<Msg>) -> Result<Sources, AppError> {
        Ok(Sources {
            input: EventStream::new(),
            msgs,
            tick: Box::pin(tokio::time::sleep(until_next_second())),
            sigterm: signal(SignalKind::terminate()).map_err(AppError::Terminal)?,
            sighup: signal(SignalKind::hangup()).map_err(AppError::Terminal)?,
        })
    }

    /// The next messages to handle before a draw, or how the loop ends.
    async fn next(&mut self, executor: &Executor) -> Result<Vec<Msg>, Result<(), AppError>> {
        loop {
            let msg = tokio::select! {
                ev = self.input.next() => match ev {
                    Some(Ok(ev)) => match input_msg(ev) {
                        Some(m) => m,
                        None => continue,
                    },
                    Some(Err(e)) => return Err(Err(AppError::Terminal(e))),
                    None => return Err(Ok(())),
                },
                Some(m) = self.msgs.recv() => m,
                () = &mut self.tick => {
                    self.tick.as_mut().reset(tokio::time::Instant::now() + until_next_second());
                    executor.send(Cmd::Poll);
                    Msg::Tick(Timestamp::now())
                }
                _ = self.sigterm.recv() => return Err(Err(AppError::Signal("SIGTERM", libc::SIGTERM))),
                _ = self.sighup.recv() => return Err(Err(AppError::Signal("SIGHUP", libc::SIGHUP))),
            };
            return Ok(self.batch(msg).await);
        }
    }

    /// Input already waiting (a burst of resizes, fast typing) is handled before the next
    /// draw, so a burst costs one frame.
    async fn batch(&mut self, first: Msg) -> Vec<Msg> {
        let input = matches!(first, Msg::Key(_) | Msg::Paste(_) | Msg::Resize(..));
        let mut batch = vec![first];
        while input && batch.len() < MAX_BATCH {
            // Poll once with this task's waker (not a no-op one: the stream keeps the waker
            // it was last given).
            let ready = std::future::poll_fn(|cx| match self.input.poll_next_unpin(cx) {
                std::task::Poll::Ready(ev) => std::task::Poll::Ready(ev),
                std::task::Poll::Pending => std::task::Poll::Ready(None),
            })
            .await;
            match ready {
                Some(Ok(ev)) => batch.extend(input_msg(ev)),
                _ => break,
            }
        }
        batch
    }
}

/// The message for a terminal event, if it is one the cockpit uses.
fn input_msg(ev: TermEvent) -> Option<Msg> {
    match ev {
        TermEvent::Key(k) if k.kind == KeyEventKind::Press => Some(Msg::Key(k)),
        TermEvent::Paste(s) => Some(Msg::Paste(s)),
        TermEvent::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Time until just past the next wall-clock second, so the clock on
/// screen changes when the real one does.
fn until_next_second() -> Duration {
    let ms = Timestamp::now().subsec_millisecond().clamp(0, 999) as u64;
    Duration::from_millis(1000 - ms + 5)
}

/// The terminal: frames drawn, redrawn, suspended; restored when dropped (the guard after
/// the terminal).
struct Screen {
    terminal: Terminal<Scrubbed<CrosstermBackend<std::io::Stdout>>>,
    guard: TermGuard,
    theme: Theme,
}

impl Screen {
    fn enter(model: &mut Model) -> Result<Screen, AppError> {
        let guard = TermGuard::enter().map_err(AppError::Terminal)?;
        let terminal = Terminal::new(Scrubbed(CrosstermBackend::new(std::io::stdout())))
            .map_err(AppError::Terminal)?;
        let size = terminal.size().map_err(AppError::Terminal)?;
        model.size = (size.width, size.height);
        Ok(Screen {
            terminal,
            guard,
            theme: Theme::from_env(),
        })
    }

    fn draw(&mut self, model: &Model, handled: Duration) -> Result<(), AppError> {
        use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
        let drawing = Instant::now();
        let theme = &self.theme;
        let t = &mut self.terminal;
        let mut frame = || -> std::io::Result<()> {
            crossterm::queue!(t.backend_mut(), BeginSynchronizedUpdate)?;
            t.draw(|f| ui::render(model, theme, f))?;
            crossterm::queue!(t.backend_mut(), EndSynchronizedUpdate)?;
            t.backend_mut().flush()
        };
        frame().map_err(AppError::Terminal)?;
        // Frame times (RUST_LOG=commandpost::frame=trace; the tmux tests read them).
        tracing::trace!(
            target: "commandpost::frame",
            handle_us = handled.as_micros() as u64,
            draw_us = drawing.elapsed().as_micros() as u64,
            "frame"
        );
        Ok(())
    }

    /// Clears the screen and forgets the last frame, so the next draw repaints every cell.
    /// (`Terminal::clear` would ask the terminal for the cursor position: a round trip that
    /// can time out, e.g. right after resuming.)
    fn redraw(&mut self, model: &mut Model) -> std::io::Result<()> {
        let size = self.terminal.size()?;
        model.size = (size.width, size.height);
        self.terminal
            .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
    }

    /// Ctrl-Z: restores the terminal and stops until resumed.
    fn suspend(&mut self, model: &mut Model) -> Result<(), AppError> {
        self.guard.suspend().map_err(AppError::Terminal)?;
        self.redraw(model).map_err(AppError::Terminal)
    }
}
