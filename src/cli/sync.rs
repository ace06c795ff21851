//! `commandpost sync ...`: log in to a Matrix homeserver, attach the open incident to its
//! room or join an incident from a room, and say how the sync is doing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use clap::Subcommand;
use secrecy::SecretString;

use super::ctx::{Ctx, Fail};
use crate::sync::journaled::{Collect, Journaled};
use crate::sync::link::{Backoff, Link, Replica};
use crate::sync::{account, matrix};

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Log in once with a password (read from stdin or --password-file); the token and this
    /// machine's device are kept in the data dir (mode 0600), never printed
    Login {
        /// e.g. https://matrix.example.org
        #[arg(long)]
        homeserver: String,
        /// e.g. ricardo or @ricardo:example.org
        #[arg(long)]
        user: String,
        /// Read the password from this file instead of stdin
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Attach the open incident to a Matrix room (id or alias) and publish its journal
    Attach {
        /// !room:server, #alias:server or a matrix.to link
        room: String,
    },
    /// Build an incident from a Matrix room into this data dir and follow it
    Join {
        /// !room:server, #alias:server or a matrix.to link
        room: String,
    },
    /// Live or offline, unsent events, last event received, conflicts, rejected commands
    Status {
        /// Print it as JSON
        #[arg(long)]
        json: bool,
    },
}

fn runtime() -> Result<tokio::runtime::Runtime, Fail> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail(format!("cannot start the async runtime: {e}")))
}

fn http() -> Result<reqwest::Client, Fail> {
    crate::delivery::http::build_client().map_err(Fail)
}

/// Reads a password: the first line of `file`, or of stdin (not echoed on a terminal).
fn read_password(file: Option<&Path>) -> Result<SecretString, Fail> {
    use secrecy::zeroize::Zeroize;
    let mut line = String::new();
    match file {
        Some(p) => {
            let mut text = std::fs::read_to_string(p)
                .map_err(|e| Fail(format!("--password-file {}: {e}", p.display())))?;
            line = text.lines().next().unwrap_or_default().to_string();
            text.zeroize();
        }
        None => {
            let stdin = std::io::stdin();
            let tty = stdin.is_terminal();
            if tty {
                super::out::err_text("Matrix password: ");
                let _ = std::io::stderr().flush();
            }
            let _echo = tty.then(NoEcho::new).flatten();
            stdin
                .lock()
                .read_line(&mut line)
                .map_err(|e| Fail(format!("cannot read the password from stdin: {e}")))?;
            if tty {
                super::out::err("");
            }
        }
    }
    let trimmed = line.trim_end_matches(['\n', '\r']).to_string();
    line.zeroize();
    if trimmed.is_empty() {
        return Err(Fail(
            "no password given (type it, pipe it on stdin, or use --password-file)".into(),
        ));
    }
    Ok(SecretString::from(trimmed))
}

/// Turns terminal echo off on stdin while alive.
struct NoEcho(libc::termios);

impl NoEcho {
    fn new() -> Option<NoEcho> {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed, then filled, termios.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return None;
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                return None;
            }
            Some(NoEcho(saved))
        }
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        // SAFETY: restores the attributes read in `new`.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &self.0);
        }
    }
}

/// The room as the user may give it: an id, an alias, or a matrix.to link to either.
pub fn room_arg(raw: &str) -> Result<String, Fail> {
    crate::delivery::endpoint::matrix_room(raw).map_err(|e| Fail(format!("room {raw:?}: {e}")))
}

/// Joins `room` (a no-op for a member) and refuses an encrypted or history-hidden room.
pub async fn join_checked(client: &matrix::Client, room: &str) -> Result<String, Fail> {
    let room_id = client
        .join(room)
        .await
        .map_err(|e| Fail(format!("cannot join {room}: {e}")))?;
    if let Some(why) = client
        .check_room(&room_id)
        .await
        .map_err(|e| Fail(format!("cannot read the state of {room}: {e}")))?
    {
        return Err(Fail(format!("refusing to sync through {room}: {why}")));
    }
    Ok(room_id)
}

pub fn run(ctx: &Ctx, cmd: SyncCmd) -> Result<(), Fail> {
    match cmd {
        SyncCmd::Login {
            homeserver,
            user,
            password_file,
        } => {
            let password = read_password(password_file.as_deref())?;
            let rt = runtime()?;
            let http = http()?;
            let (c, path) = rt
                .block_on(account::login(
                    &http,
                    ctx.store.root(),
                    &homeserver,
                    &user,
                    &password,
                ))
                .map_err(Fail)?;
            super::out::line(format!(
                "logged in as {} on {} (device {}); the token is kept in {} (mode 0600)",
                c.user_id,
                c.homeserver,
                c.device_id,
                path.display()
            ));
            Ok(())
        }
        SyncCmd::Attach { room } => attach(ctx, &room),
        SyncCmd::Join { room } => join(ctx, &room),
        SyncCmd::Status { json } => status(ctx, json),
    }
}

/// How long a headless command waits for the homeserver before and after it acts.
pub const HEADLESS_WAIT: Duration = Duration::from_secs(4);

fn deadline(d: Duration) -> tokio::time::Instant {
    tokio::time::Instant::now() + d
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn attach(ctx: &Ctx, room: &str) -> Result<(), Fail> {
    let room = room_arg(room)?;
    let id = ctx.store.resolve(ctx.incident.as_deref(), false)?;
    let acct = account::resolve(&ctx.config.sync, ctx.store.root()).map_err(Fail)?;
    let rt = runtime()?;
    let client = acct.client(http()?);
    let room_id = rt.block_on(join_checked(&client, &room))?;
    let mut j =
        Journaled::open(&ctx.store, &id, ctx.config.people.clone(), &ctx.actor).map_err(Fail)?;
    if let Some(other) = j.room_id()
        && other != room_id
    {
        return Err(Fail(format!(
            "{id} is already attached to {other}; one incident syncs through one room"
        )));
    }
    j.sidecar.room_id = Some(room_id.clone());
    if room.starts_with('#') {
        j.sidecar
            .extra
            .insert("room_alias".into(), serde_json::Value::from(room.clone()));
    }
    j.save().map_err(Fail)?;
    let link = Link::new(client, &room_id);
    let r = Mutex::new(j);
    let pushed = rt.block_on(async {
        if lock(&r).sidecar.since.is_none() {
            // Follow the room from now on (its earlier messages are not this incident's).
            let token = link
                .client
                .sync(
                    None,
                    &matrix::sync_filter(&room_id, 1).to_string(),
                    Duration::ZERO,
                )
                .await
                .map_err(|e| Fail(format!("cannot read {room}: {e}")))?
                .next_batch;
            lock(&r).set_cursor(&token).map_err(Fail)?;
        }
        Ok::<_, Fail>(
            link.push(&r, deadline(ctx.wait), &mut Backoff::default())
                .await,
        )
    })?;
    super::out::line(format!(
        "{id} is attached to {room} ({room_id}): {} event{} published{}",
        pushed.events,
        if pushed.events == 1 { "" } else { "s" },
        match (pushed.left, &pushed.stopped) {
            (0, _) => String::new(),
            (n, Some(e)) =>
                format!("; {n} still queued ({e}): the next command or cockpit sends them"),
            (n, None) => format!("; {n} still queued: the next command or cockpit sends them"),
        }
    ));
    Ok(())
}

fn join(ctx: &Ctx, room: &str) -> Result<(), Fail> {
    let room = room_arg(room)?;
    let acct = account::resolve(&ctx.config.sync, ctx.store.root()).map_err(Fail)?;
    let rt = runtime()?;
    let client = acct.client(http()?);
    let room_id = rt.block_on(join_checked(&client, &room))?;
    let link = Link::new(client, &room_id);
    let c = Mutex::new(Collect::default());
    rt.block_on(link.backfill(&c))
        .map_err(|e| Fail(format!("cannot read {room}: {e}")))?;
    let collected = c
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (arrivals, notes) = collected.arrivals(None);
    for n in &notes {
        super::out::err(format!("commandpost: sync: {n}"));
    }
    let home = ctx.store.ensure_origin()?;
    let (id, _journal, got) = crate::sync::ingest::join(&ctx.store, &home, &arrivals)
        .map_err(|e| Fail(format!("cannot join from {room}: {e}")))?;
    for r in &got.refused {
        super::out::err(format!("commandpost: sync: refused: {r}"));
    }
    let mut j =
        Journaled::open(&ctx.store, &id, ctx.config.people.clone(), &ctx.actor).map_err(Fail)?;
    j.sidecar.room_id = Some(room_id.clone());
    if room.starts_with('#') {
        j.sidecar
            .extra
            .insert("room_alias".into(), serde_json::Value::from(room.clone()));
    }
    j.sidecar.since = collected.cursor.clone();
    j.contact(Ok(()));
    j.save().map_err(Fail)?;
    let inc = ctx.store.replay(j.events())?;
    super::out::line(format!(
        "joined {id} \"{}\" from {room}: {} events; the cockpit and every command here follow it \
         (IC {})",
        inc.title,
        j.events().len(),
        inc.ic().map(|h| h.name.as_str()).unwrap_or("nobody")
    ));
    Ok(())
}

fn status(ctx: &Ctx, json: bool) -> Result<(), Fail> {
    let id = ctx.store.resolve(ctx.incident.as_deref(), true)?;
    let j =
        Journaled::open(&ctx.store, &id, ctx.config.people.clone(), &ctx.actor).map_err(Fail)?;
    if j.room_id().is_none() {
        return Err(Fail(format!(
            "{id} is not synced: `commandpost sync attach ROOM` publishes it to a Matrix room"
        )));
    }
    let mut j = j;
    // A quick look at the room: live or offline now, and anything new.
    if let Ok(acct) = account::resolve(&ctx.config.sync, ctx.store.root())
        && let Ok(rt) = runtime()
        && let Ok(http) = http()
        && let Some(room_id) = j.room_id().map(str::to_string)
    {
        let link = Link::new(acct.client(http), &room_id);
        let r = Mutex::new(j);
        let res = rt.block_on(async {
            tokio::time::timeout(HEADLESS_WAIT, link.pull(&r, Duration::ZERO)).await
        });
        j = r
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match res {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => j.contact(Err(&e.to_string())),
            Err(_) => j.contact(Err("no answer within 4s")),
        }
        let _ = j.save();
    }
    let inc = ctx.store.replay(j.events())?;
    let now = jiff::Timestamp::now();
    let st = crate::sync::status::status(&inc, j.events(), &j.sidecar, now);
    if json {
        super::out::json(&st)?;
    } else {
        super::out::text(st.render(now));
    }
    Ok(())
}

/// A synced incident's link for a headless command: pulled before it acts, pushed after.
pub struct Headless {
    rt: tokio::runtime::Runtime,
    link: Link,
    r: Mutex<Journaled>,
}

/// Before a command acts on a synced incident: what the room holds that this journal does
/// not (a hand-off checks the current holder). Offline: says so and goes on.
pub fn before(ctx: &Ctx) -> Option<Headless> {
    // Finding out the current incident reads every journal (and folds a long one): not
    // done when no incident here is synced.
    if ctx.incident.is_none()
        && !ctx
            .store
            .ids()
            .ok()?
            .iter()
            .any(|id| ctx.store.sidecar_path(id).exists())
    {
        return None;
    }
    let id = ctx.store.resolve(ctx.incident.as_deref(), true).ok()?;
    if !ctx.store.sidecar_path(&id).exists() {
        return None;
    }
    let j = Journaled::open(&ctx.store, &id, ctx.config.people.clone(), &ctx.actor).ok()?;
    let room_id = j.room_id()?.to_string();
    let acct = match account::resolve(&ctx.config.sync, ctx.store.root()) {
        Ok(a) => a,
        Err(e) => {
            super::out::err(format!("commandpost: sync: {e}"));
            return None;
        }
    };
    let rt = runtime().ok()?;
    let link = Link::new(acct.client(http().ok()?), &room_id);
    let h = Headless {
        rt,
        link,
        r: Mutex::new(j),
    };
    let res = h.rt.block_on(async {
        tokio::time::timeout(HEADLESS_WAIT, h.link.pull(&h.r, Duration::ZERO)).await
    });
    let err = match res {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!("{}: no answer within 4s", h.link.client.host())),
    };
    if let Some(e) = err {
        super::out::err(format!(
            "commandpost: sync: offline ({e}): acting on what this machine knows"
        ));
        let mut g = lock(&h.r);
        g.contact(Err(&e));
        let _ = g.save();
    }
    Some(h)
}

/// After the command: sends what it recorded (waiting at most a few seconds). Offline, the
/// events stay queued in the journal for the next command or cockpit.
pub fn after(h: Headless, wait: Duration) {
    let wait = wait.min(HEADLESS_WAIT);
    let p =
        h.rt.block_on(h.link.push(&h.r, deadline(wait), &mut Backoff::default()));
    let mut g = lock(&h.r);
    if let Some(e) = &p.stopped {
        g.contact(Err(&e.to_string()));
    }
    let _ = g.save();
    if p.left > 0 {
        let offline = p.stopped.as_ref().is_some_and(|e| e.is_offline());
        super::out::err(format!(
            "commandpost: sync: {} event{} queued{}: the next command or a cockpit sends {}",
            p.left,
            if p.left == 1 { "" } else { "s" },
            if offline {
                ", offline".to_string()
            } else {
                p.stopped
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            },
            if p.left == 1 { "it" } else { "them" }
        ));
    }
}
