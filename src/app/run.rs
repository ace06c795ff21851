//! The event loop and the executor. The loop turns terminal input, a
//! 1-second tick, signals and executor results into `Msg`s, feeds them to
//! `update`, hands the resulting `Cmd`s to the executor thread and draws
//! only when something visible changed.

use crate::app::cmd::Cmd;
use crate::app::deliveries::{Courier, OutboxCmd, OutboxMsg};
use crate::app::keymap::Keymap;
use crate::app::model::Model;
use crate::app::msg::Msg;
use crate::app::update::update;
use crate::app::{AppError, RunOptions};
use crate::domain::incident::Incident;
use crate::journal::{Journal, Store};
use crate::term::TermGuard;
use crate::ui::{self, Theme};
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{IsTerminal, Write};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

pub fn run(opts: RunOptions) -> Result<(), AppError> {
    let keymap = Keymap::build(&opts.config).map_err(AppError::Keys)?;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(AppError::NotATerminal);
    }
    let mut config = opts.config;
    let (store, incident, _demo_dir) = if opts.demo {
        let dir = crate::demo::TempDir::new().map_err(|e| AppError::Demo(e.to_string()))?;
        let store = Store::new(dir.path());
        let id = crate::demo::build(&store, &mut config, &opts.actor, Timestamp::now())
            .map_err(|e| AppError::Demo(e.to_string()))?;
        (store, Some(id), Some(dir))
    } else {
        (opts.store, opts.incident, None)
    };
    // A drill: a new incident under <data_dir>/drills/<id>/, on its own clock.
    let drill = match &opts.drill {
        Some(d) => Some(crate::app::drill::open(
            d,
            &config,
            store.root(),
            Timestamp::now(),
        )?),
        None => None,
    };
    let id = match (incident, &drill) {
        (_, Some(_)) => None,
        (Some(id), None) => Some(id),
        (None, None) => store.current()?,
    };
    let mut warnings = Vec::new();
    let (journal, events) = match &id {
        _ if drill.is_some() => (
            None,
            drill
                .as_ref()
                .map(|(s, _)| s.events.clone())
                .unwrap_or_default(),
        ),
        Some(id) => {
            let (opened, _) = store.open(id)?;
            for w in &opened.warnings {
                tracing::warn!("{w}");
            }
            warnings = opened.warnings;
            (Some(opened.journal), opened.events)
        }
        None => (None, Vec::new()),
    };
    let now = Timestamp::now();
    // In a drill the user plays the scenario's IC, from the drill's start.
    let (actor, start) = match &drill {
        Some((session, view)) => (session.scenario.initial.ic.clone(), view.clock.origin),
        None => (opts.actor, now),
    };
    let mut model = Model::new(&actor, config, keymap, events, start);
    let session = drill.map(|(session, view)| {
        model.drill = Some(view);
        session
    });
    model.tz = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    model.demo = opts.demo;
    crate::app::drafts::load(&mut model.cx, &store, id.as_deref());
    if !warnings.is_empty() {
        model.flash = Some(crate::app::model::Flash {
            text: warnings.join("; "),
            error: true,
            at: now,
        });
    }
    // The loop runs on this thread (block_on); delivery workers run on the runtime's own
    // threads, so a slow or hanging backend never delays a frame.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(DELIVERY_THREADS)
        .thread_name("delivery")
        .enable_all()
        .build()
        .map_err(AppError::Runtime)?;
    let result = rt.block_on(event_loop(model, store, journal, id, actor, session));
    // Deliveries still in flight stay journaled as attempts: resumed on the next start.
    rt.shutdown_timeout(SHUTDOWN_GRACE);
    drop(_demo_dir);
    result
}

/// Runtime threads for delivery workers (the event loop has the main thread).
const DELIVERY_THREADS: usize = 2;
/// How long quitting waits for delivery tasks to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(300);

/// Most input events handled between two draws.
const MAX_BATCH: usize = 64;

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

#[expect(clippy::too_many_lines, reason = "split in the arch branch")]
#[expect(clippy::cognitive_complexity, reason = "split in the arch branch")]
async fn event_loop(
    mut model: Model,
    store: Store,
    journal: Option<Journal>,
    id: Option<String>,
    actor: String,
    drill: Option<crate::drill::DrillSession>,
) -> Result<(), AppError> {
    let guard = TermGuard::enter().map_err(AppError::Terminal)?;
    let theme = Theme::from_env();
    let mut terminal =
        Terminal::new(CrosstermBackend::new(std::io::stdout())).map_err(AppError::Terminal)?;
    let size = terminal.size().map_err(AppError::Terminal)?;
    model.size = (size.width, size.height);

    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel::<Msg>();
    let (cmd_tx, cmd_rx) = std_mpsc::channel::<Cmd>();
    // In a drill the executor is the drill's (sim-time stamps, injects, the
    // sink, the score); `clock_tx` mirrors the model's drill clock to it.
    let (clock_tx, clock_rx) = match &model.drill {
        Some(d) => {
            let (tx, rx) = tokio::sync::watch::channel(d.clock);
            (Some(tx), Some(rx))
        }
        None => (None, None),
    };
    let config = model.config.clone();
    // The backends the composer previews are the ones delivered to (a demo's
    // are its throwaway file; a drill has none: its executor writes the sink).
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
    let inc = model.inc.clone();
    let executor = std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || match (drill, clock_rx) {
            (Some(session), Some(clock)) => Some(crate::app::drill::execute(
                session, config, clock, cmd_rx, msg_tx,
            )),
            _ => {
                let ex = Executor {
                    store,
                    journal,
                    id,
                    actor,
                    inc,
                    config,
                    courier,
                };
                execute(ex, cmd_rx, msg_tx);
                None
            }
        })
        .map_err(AppError::Terminal)?;

    let mut input = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate()).map_err(AppError::Terminal)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(AppError::Terminal)?;
    let tick = tokio::time::sleep(until_next_second());
    tokio::pin!(tick);
    let mut dirty = true;
    let mut outcome = Ok(());
    // How long the last batch of messages took to handle (update + commands handed off).
    let mut handled = Duration::ZERO;

    loop {
        if dirty {
            let drawing = std::time::Instant::now();
            draw(&mut terminal, &model, &theme).map_err(AppError::Terminal)?;
            dirty = false;
            // Frame times (RUST_LOG=commandpost::frame=trace; the tmux tests read them).
            tracing::trace!(
                target: "commandpost::frame",
                handle_us = handled.as_micros() as u64,
                draw_us = drawing.elapsed().as_micros() as u64,
                "frame"
            );
        }
        let msg = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => match input_msg(ev) {
                    Some(m) => m,
                    None => continue,
                },
                Some(Err(e)) => { outcome = Err(AppError::Terminal(e)); break; }
                None => break,
            },
            Some(m) = msg_rx.recv() => m,
            () = &mut tick => {
                tick.as_mut().reset(tokio::time::Instant::now() + until_next_second());
                let _ = cmd_tx.send(Cmd::Poll);
                Msg::Tick(Timestamp::now())
            }
            _ = sigterm.recv() => {
                outcome = Err(AppError::Signal("SIGTERM", libc::SIGTERM));
                break;
            }
            _ = sighup.recv() => {
                outcome = Err(AppError::Signal("SIGHUP", libc::SIGHUP));
                break;
            }
        };
        // Input already waiting (a burst of resizes, fast typing) is handled
        // before the next draw, so a burst costs one frame.
        let mut batch = vec![msg];
        if matches!(
            batch.first(),
            Some(Msg::Key(_) | Msg::Paste(_) | Msg::Resize(..))
        ) {
            while batch.len() < MAX_BATCH {
                // Poll once with this task's waker (not a no-op one: the
                // stream keeps the waker it was last given).
                let ready = std::future::poll_fn(|cx| match input.poll_next_unpin(cx) {
                    std::task::Poll::Ready(ev) => std::task::Poll::Ready(ev),
                    std::task::Poll::Pending => std::task::Poll::Ready(None),
                })
                .await;
                match ready {
                    Some(Ok(ev)) => batch.extend(input_msg(ev)),
                    _ => break,
                }
            }
        }
        let handling = std::time::Instant::now();
        for msg in batch {
            dirty |= match &msg {
                Msg::Tick(t) => t.as_second() != model.now.as_second(),
                _ => true,
            };
            let cmds = update(&mut model, msg);
            if let (Some(tx), Some(d)) = (&clock_tx, &model.drill) {
                tx.send_if_modified(|c| std::mem::replace(c, d.clock) != d.clock);
            }
            for cmd in cmds {
                match cmd {
                    Cmd::Quit => {}
                    Cmd::Redraw => {
                        full_redraw(&mut terminal, &mut model).map_err(AppError::Terminal)?;
                        dirty = true;
                    }
                    Cmd::Suspend => {
                        guard.suspend().map_err(AppError::Terminal)?;
                        full_redraw(&mut terminal, &mut model).map_err(AppError::Terminal)?;
                        dirty = true;
                    }
                    other => {
                        let _ = cmd_tx.send(other);
                    }
                }
            }
            if model.quit {
                break;
            }
        }
        if model.quit {
            break;
        }
        handled = handling.elapsed();
    }
    // Drafts typed in the last second (a signal ends the loop without `quit`).
    for cmd in model.save_drafts() {
        let _ = cmd_tx.send(cmd);
    }
    // Let the executor finish what it was given (appends are quick).
    drop(cmd_tx);
    let drill_exit = executor.join().ok().flatten();
    drop(terminal);
    drop(guard);
    if let Some(exit) = drill_exit {
        print!("{}", exit.report());
    }
    outcome
}

/// Clears the screen and forgets the last frame, so the next draw repaints
/// every cell. (`Terminal::clear` would ask the terminal for the cursor
/// position: a round trip that can time out, e.g. right after resuming.)
fn full_redraw(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    model: &mut Model,
) -> std::io::Result<()> {
    let size = terminal.size()?;
    model.size = (size.width, size.height);
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

fn draw(
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
    model: &Model,
    theme: &Theme,
) -> std::io::Result<()> {
    use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|f| ui::render(model, theme, f))?;
    crossterm::queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()
}

/// What the executor owns: the journal, the incident as it knows it (to address
/// announcements) and the delivery outbox.
struct Executor {
    store: Store,
    journal: Option<Journal>,
    id: Option<String>,
    actor: String,
    inc: Option<Incident>,
    config: crate::config::Config,
    courier: Courier,
}

/// Folds events into the executor's view of the incident.
fn fold(inc: &mut Option<Incident>, events: &[crate::domain::Event]) {
    for e in events {
        match inc {
            Some(i) => i.apply(e),
            None => *inc = Incident::replay(std::slice::from_ref(e)).ok(),
        }
    }
}

/// Why a locked append wrote nothing.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    #[error("{0}")]
    Domain(crate::domain::incident::DomainError),
}

impl Executor {
    fn saw(&mut self, events: &[crate::domain::Event]) {
        fold(&mut self.inc, events);
    }

    /// Queues a message in the outbox; the answer for the status line.
    fn send(&mut self, msg: crate::domain::outbound::OutboundMessage) -> Msg {
        let headline = msg.headline.clone();
        match self.courier.run(OutboxCmd::Send { msg, only: None }) {
            OutboxMsg::Failed(e) => Msg::AnnounceFailed(e),
            _ => Msg::Announced(headline),
        }
    }
}

/// The executor: owns the journal; runs commands in order on its thread.
fn execute(mut ex: Executor, rx: std_mpsc::Receiver<Cmd>, tx: mpsc::UnboundedSender<Msg>) {
    let mut last_poll_error: Option<String> = None;
    if let Some(id) = &ex.id {
        // Undelivered messages resume now.
        ex.courier.open(&ex.store.journal_path(id));
    }
    for cmd in rx {
        let reply = match cmd {
            Cmd::Create { title } => match ex.store.create(&title, &ex.actor, Timestamp::now()) {
                Ok((j, ev)) => {
                    ex.journal = Some(j);
                    if let crate::domain::Payload::IncidentOpened { id: new, .. } = &ev.payload {
                        ex.id = Some(new.clone());
                        ex.courier.open(&ex.store.journal_path(new));
                    }
                    ex.saw(std::slice::from_ref(&ev));
                    Some(Msg::Journaled {
                        events: vec![ev],
                        own: true,
                    })
                }
                Err(e) => Some(Msg::JournalFailed(e.to_string())),
            },
            Cmd::Append(p) => match ex.journal.as_mut() {
                Some(j) => {
                    // Numbered under the journal's lock against the incident as it is then
                    // (another cockpit or a script may have added items meanwhile).
                    let inc = &mut ex.inc;
                    let mut foreign = Vec::new();
                    let appended = j.append_with(&ex.actor, Timestamp::now, |new, _now| {
                        fold(inc, new);
                        foreign.extend_from_slice(new);
                        match inc.as_ref() {
                            Some(i) => i.renumber(p).map_err(Refused::Domain),
                            None => Ok(p),
                        }
                    });
                    match appended {
                        Ok(events) => {
                            fold(
                                &mut ex.inc,
                                events.last().map(std::slice::from_ref).unwrap_or_default(),
                            );
                            Some(Msg::Journaled { events, own: true })
                        }
                        Err(e) => {
                            // What other writers appended was read: the model must see it too.
                            if !foreign.is_empty() {
                                let _ = tx.send(Msg::Journaled {
                                    events: foreign,
                                    own: false,
                                });
                            }
                            Some(Msg::JournalFailed(e.to_string()))
                        }
                    }
                }
                None => Some(Msg::JournalFailed("no incident is open".into())),
            },
            Cmd::Announce { text } => Some(match &ex.inc {
                Some(inc) => {
                    let msg = crate::app::deliveries::announcement(inc, &text, "");
                    match ex.send(msg) {
                        Msg::Announced(_) => Msg::Announced(text),
                        other => other,
                    }
                }
                None => Msg::AnnounceFailed("no incident is open".into()),
            }),
            Cmd::Send(msg) => Some(ex.send(msg)),
            Cmd::Outbox(c) => Some(Msg::Outbox(ex.courier.run(c))),
            Cmd::Postmortem { tz } => match &ex.id {
                Some(id) => {
                    let (store, id, cfg, tx) =
                        (ex.store.clone(), id.clone(), ex.config.clone(), tx.clone());
                    // Off the executor: a long journal must not hold up appends.
                    let spawned =
                        std::thread::Builder::new()
                            .name("postmortem".into())
                            .spawn(move || {
                                let r = crate::app::followup::write_postmortem(
                                    &store,
                                    &id,
                                    &cfg,
                                    tz.as_ref(),
                                );
                                let _ = tx.send(Msg::Postmortem(r));
                            });
                    spawned.err().map(|e| Msg::Postmortem(Err(e.to_string())))
                }
                None => Some(Msg::Postmortem(Err("no incident is open".into()))),
            },
            Cmd::Draft { kind, content } => match ex.id.as_deref() {
                Some(id) => crate::app::drafts::write_draft(
                    &ex.store.incident_dir(id),
                    kind,
                    content.as_deref(),
                )
                .err()
                .map(|e| Msg::DraftFailed(e.to_string())),
                None => None,
            },
            Cmd::Poll => match ex.journal.as_mut().map(Journal::poll) {
                Some(Ok(events)) if !events.is_empty() => {
                    last_poll_error = None;
                    ex.saw(&events);
                    Some(Msg::Journaled { events, own: false })
                }
                Some(Err(e)) => {
                    let text = e.to_string();
                    if last_poll_error.as_ref() == Some(&text) {
                        None
                    } else {
                        last_poll_error = Some(text.clone());
                        Some(Msg::PollFailed(text))
                    }
                }
                _ => None,
            },
            Cmd::Redraw | Cmd::Suspend | Cmd::Quit | Cmd::DrillEnd => None,
        };
        if let Some(m) = reply
            && tx.send(m).is_err()
        {
            break;
        }
    }
}
