//! The event loop and the executor. The loop turns terminal input, a
//! 1-second tick, signals and executor results into `Msg`s, feeds them to
//! `update`, hands the resulting `Cmd`s to the executor thread and draws
//! only when something visible changed.

use crate::app::cmd::Cmd;
use crate::app::keymap::Keymap;
use crate::app::model::Model;
use crate::app::msg::Msg;
use crate::app::update::update;
use crate::app::{AppError, RunOptions};
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
    crate::app::composer::load(&mut model, &store, id.as_deref());
    if !warnings.is_empty() {
        model.flash = Some(crate::app::model::Flash {
            text: warnings.join("; "),
            error: true,
            at: now,
        });
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(AppError::Runtime)?;
    let result = rt.block_on(event_loop(model, store, journal, id, actor, session));
    drop(_demo_dir);
    result
}

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
    let backends = model.desk.backends.list.clone();
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
    let executor = std::thread::Builder::new()
        .name("journal".into())
        .spawn(move || match (drill, clock_rx) {
            (Some(session), Some(clock)) => Some(crate::app::drill::execute(
                session, config, clock, cmd_rx, msg_tx,
            )),
            _ => {
                execute(store, journal, id, actor, cmd_rx, msg_tx, backends);
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

    loop {
        if dirty {
            draw(&mut terminal, &model, &theme).map_err(AppError::Terminal)?;
            dirty = false;
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
    }
    // Drafts typed in the last second (a signal ends the loop without `quit`).
    for cmd in crate::app::composer::flush(&mut model) {
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

/// The executor: owns the journal; runs commands in order on its thread.
fn execute(
    store: Store,
    mut journal: Option<Journal>,
    mut id: Option<String>,
    actor: String,
    rx: std_mpsc::Receiver<Cmd>,
    tx: mpsc::UnboundedSender<Msg>,
    backends: Vec<std::sync::Arc<dyn crate::delivery::Backend>>,
) {
    let mut last_poll_error: Option<String> = None;
    for cmd in rx {
        let reply = match cmd {
            Cmd::Create { title } => match store.create(&title, &actor, Timestamp::now()) {
                Ok((j, ev)) => {
                    journal = Some(j);
                    if let crate::domain::Payload::IncidentOpened { id: new, .. } = &ev.payload {
                        id = Some(new.clone());
                    }
                    Some(Msg::Journaled {
                        events: vec![ev],
                        own: true,
                    })
                }
                Err(e) => Some(Msg::JournalFailed(e.to_string())),
            },
            Cmd::Append(p) => match journal.as_mut() {
                Some(j) => match j.append(&actor, Timestamp::now(), p) {
                    Ok(events) => Some(Msg::Journaled { events, own: true }),
                    Err(e) => Some(Msg::JournalFailed(e.to_string())),
                },
                None => Some(Msg::JournalFailed("no incident is open".into())),
            },
            Cmd::Announce { text } => Some(match id.as_deref() {
                Some(id) => match announce(&store.outbox_file(id), &text) {
                    Ok(()) => Msg::Announced(text),
                    Err(e) => Msg::AnnounceFailed(e.to_string()),
                },
                None => Msg::AnnounceFailed("no incident is open".into()),
            }),
            Cmd::Send(msg) => Some(match id.as_deref() {
                Some(id) => send(&store, id, &actor, &backends, msg),
                None => Msg::AnnounceFailed("no incident is open".into()),
            }),
            Cmd::Draft { kind, content } => match id.as_deref() {
                Some(id) => crate::app::composer::write_draft(
                    &store.incident_dir(id),
                    kind,
                    content.as_deref(),
                )
                .err()
                .map(|e| Msg::DraftFailed(e.to_string())),
                None => None,
            },
            Cmd::Poll => match journal.as_mut().map(Journal::poll) {
                Some(Ok(events)) if !events.is_empty() => {
                    last_poll_error = None;
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

/// Queues `msg` in the incident's durable outbox (journaled, fsynced) for
/// every backend that sends its kind, then delivers it on a thread of its
/// own (a slow backend delays nothing else). Undelivered messages stay
/// queued for `commandpost outbox flush`.
fn send(
    store: &Store,
    id: &str,
    actor: &str,
    backends: &[std::sync::Arc<dyn crate::delivery::Backend>],
    msg: crate::delivery::OutboundMessage,
) -> Msg {
    use crate::delivery::Outbox;
    /// How long the background delivery of one message may take.
    const DELIVERY_DEADLINE: Duration = Duration::from_secs(120);
    let headline = msg.headline.clone();
    let ob = match Outbox::open(&store.journal_path(id), backends.to_vec(), actor) {
        Ok(ob) => ob,
        Err(e) => return Msg::AnnounceFailed(format!("{headline}: {e}")),
    };
    if let Err(e) = ob.queue(msg) {
        return Msg::AnnounceFailed(format!("{headline}: {e}"));
    }
    let spawned = std::thread::Builder::new()
        .name("deliver".into())
        .spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let deadline = tokio::time::Instant::now() + DELIVERY_DEADLINE;
                if let Err(e) = rt.block_on(ob.run(Some(deadline))) {
                    tracing::warn!("delivery: {e}");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("delivery thread: {e}");
    }
    Msg::Announced(headline)
}

/// The local outbox: one Markdown line per announcement, next to the
/// journal. The delivery outbox replaces this function.
fn announce(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let line = format!(
        "- {} {}\n",
        Timestamp::now().strftime("%Y-%m-%d %H:%M:%S UTC"),
        crate::domain::text::one_line(text)
    );
    f.write_all(line.as_bytes())?;
    f.sync_data()
}
