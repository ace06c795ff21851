//! Headless commands: each acts on one incident and exits.

use super::act::act;
use super::args::{BackendsCmd, Cli, Command, ConfigCmd, ExportFormat, HypothesisCmd, OutboxCmd};
pub use super::ctx::{Ctx, Fail, state_text};
use super::ctx::{open, read};
use super::{deliver, followup};
use crate::config::{self, Config};
use crate::delivery::setup;
use crate::domain::event::{Payload, Severity};
use crate::domain::followup::rotation;
use crate::domain::outbound::MessageKind;
use crate::domain::role::Role;
use crate::domain::text::clean_name;
use crate::journal::Store;
use jiff::Timestamp;
use std::path::PathBuf;

/// The cockpit's own failure (its exit status may be 128 + signal).
#[derive(Debug)]
pub enum Outcome {
    Fail(Fail),
    Cockpit(crate::shell::AppError),
}

impl From<Fail> for Outcome {
    fn from(f: Fail) -> Self {
        Outcome::Fail(f)
    }
}

/// The configuration checks owned by other modules that every entry point runs when it loads
/// the configuration (headless commands, the cockpit, `config check`): the cockpit's `[keys]`.
/// One function, so a bad key binding is reported alike, with file:line:col, everywhere.
pub fn load_checks(cfg: &Config) -> Vec<config::Finding> {
    crate::app::validate_keys(cfg)
        .into_iter()
        .map(|(k, m)| config::Finding::error(k, m))
        .collect()
}

pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf, Fail> {
    explicit.or_else(config::default_data_dir).ok_or_else(|| {
        Fail(
            "cannot determine a data directory: pass --data-dir or set COMMANDPOST_DATA_DIR".into(),
        )
    })
}

fn actor(explicit: Option<&str>) -> Result<String, Fail> {
    let raw = explicit
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .unwrap_or_else(|| "operator".to_string());
    clean_name(&raw).map_err(|e| Fail(format!("--as: {e}")))
}

pub fn run(cli: Cli) -> Result<(), Outcome> {
    let g = cli.global;
    let data = data_dir(g.data_dir.clone())?;
    let _log = crate::logging::init(&data, g.verbose);
    let config_path = g.config.clone().or_else(config::default_path);
    // `config` subcommands must work on a broken file, so load lazily there.
    if let Some(Command::Config(c)) = &cli.command {
        return Ok(config_cmd(c, g.config.clone(), config_path, &data)?);
    }
    let (config, warnings) =
        Config::load_with(g.config.as_deref(), config_path.as_deref(), &load_checks)
            .map_err(Fail::from)?;
    for w in &warnings {
        super::out::err(format!("commandpost: {w}"));
        tracing::warn!("{w}");
    }
    let ctx = Ctx {
        store: Store::new(data),
        config,
        actor: actor(g.actor.as_deref())?,
        incident: incident(g.incident.as_deref(), cli.command.as_ref())?,
        now: Timestamp::now(),
        wait: crate::domain::duration::parse(&g.wait)
            .ok()
            .and_then(|d| std::time::Duration::try_from(d).ok())
            .ok_or_else(|| {
                Fail(format!(
                    "--wait {:?}: expected a duration such as \"30s\" or \"2m\"",
                    g.wait
                ))
            })?,
    };
    tracing::info!(command = ?cli.command, actor = %ctx.actor, "start");
    match cli.command {
        None => cockpit(ctx, false),
        Some(Command::Demo) => cockpit(ctx, true),
        Some(cmd) => {
            // A synced incident: pull before the command reads or decides, push after.
            let synced = syncs(&cmd).then(|| super::sync::before(&ctx)).flatten();
            let done = dispatch(&ctx, cmd);
            if let Some(h) = synced {
                super::sync::after(h, ctx.wait);
            }
            Ok(done?)
        }
    }
}

/// The incident a command acts on: `--incident`, or the id written after `show` or
/// `export` (both: they must agree).
fn incident(flag: Option<&str>, cmd: Option<&Command>) -> Result<Option<String>, Fail> {
    let named = match cmd {
        Some(Command::Show { id, .. } | Command::Export { id, .. }) => id.as_deref(),
        _ => None,
    };
    match (flag, named) {
        (Some(f), Some(n)) if f != n => Err(Fail(format!(
            "two incidents given: {n:?} and --incident {f:?}; give one"
        ))),
        (f, n) => Ok(n.or(f).map(str::to_string)),
    }
}

/// Opens the full-screen cockpit (logs go to the file only).
fn cockpit(ctx: Ctx, demo: bool) -> Result<(), Outcome> {
    let opts = crate::shell::RunOptions {
        store: ctx.store,
        config: ctx.config,
        actor: ctx.actor,
        incident: ctx.incident,
        demo,
        drill: None,
    };
    crate::shell::run(opts).map_err(Outcome::Cockpit)
}

/// Whether a command acts on an incident that may be synced (and so pulls and pushes).
fn syncs(cmd: &Command) -> bool {
    !matches!(
        cmd,
        Command::Sync(_)
            | Command::New { .. }
            | Command::List { .. }
            | Command::Alerts { .. }
            | Command::Lint { .. }
            | Command::Config(_)
            | Command::Completions { .. }
            | Command::Demo
            | Command::Report { .. }
            | Command::Drill(_)
    )
}

fn dispatch(ctx: &Ctx, cmd: Command) -> Result<(), Fail> {
    match cmd {
        Command::New {
            from_alert: Some(fp),
            ..
        } => super::health::new_from_alert(ctx, &fp),
        Command::New { title, .. } => new(ctx, title.as_deref().unwrap_or_default()),
        Command::Alerts { json } => super::health::alerts(ctx, json),
        Command::List { json } => list(ctx, json),
        Command::Show { json, .. } => {
            // Finding the current incident may fold it (events after its snapshot): kept
            // for reading it.
            let (id, kept) = ctx
                .store
                .resolve_kept(ctx.incident.as_deref(), true, true)?;
            show(ctx, &id, kept, json)
        }
        Command::State { state } => set_state(ctx, &state),
        Command::Handoff { role, person } => handoff(ctx, &role, &person),
        Command::Rotation { json } => followup::rotation(ctx, json),
        Command::Ack { role } => followup::ack(ctx, role),
        Command::Cleanup(c) => followup::cleanup(ctx, c),
        Command::Remediation(c) => followup::remediation(ctx, c),
        Command::Postmortem { format, tz } => followup::postmortem(ctx, format, tz),
        Command::Report { since, json } => followup::report_cmd(ctx, &since, json),
        Command::Join {
            person,
            group,
            handle,
            team,
            contact,
        } => act(ctx, |inc| {
            inc.cmd_join(
                &person,
                group.as_deref(),
                handle.as_deref(),
                contact.as_deref(),
                team.as_deref(),
            )
        }),
        Command::Release { person } => act(ctx, |inc| inc.cmd_release(&person)),
        Command::Break { person } => act(ctx, |inc| inc.cmd_toggle_break(&person)),
        Command::Impact { text } => act(ctx, |inc| inc.cmd_impact(&text)),
        Command::Note { text } => act(ctx, |inc| inc.cmd_note(&text)),
        Command::Link { label, url } => act(ctx, |inc| inc.cmd_link(&label, &url)),
        Command::Hypothesis(HypothesisCmd::Add { text }) => act(ctx, |inc| {
            inc.cmd_hypothesis(&text)
                .map(|p| crate::domain::numbered::stamp(p, || ctx.store.home()))
        }),
        Command::Hypothesis(HypothesisCmd::RuleOut { id, reason }) => {
            act(ctx, |inc| inc.cmd_rule_out(&id, reason.as_deref()))
        }
        Command::Export { format, .. } => export(ctx, format),
        Command::Page { summary, backend } => page(ctx, &summary, backend),
        Command::Outbox { cmd, json } => outbox(ctx, cmd, json),
        Command::Backends(BackendsCmd::List) => backends_list(ctx),
        Command::Backends(BackendsCmd::Test { name }) => backends_test(ctx, name),
        Command::Sitrep(c) => super::writing::sitrep(ctx, c),
        Command::Status(c) => super::writing::status(ctx, c),
        Command::Lint {
            explain: Some(rule),
            ..
        } => super::writing::lint_explain(ctx, &rule),
        Command::Lint { file, json, .. } => super::writing::lint(ctx, file.as_deref(), json),
        Command::Drill(args) => super::drill::run(ctx, args),
        Command::Sync(c) => super::sync::run(ctx, c),
        Command::Config(_) | Command::Completions { .. } | Command::Demo => Ok(()),
    }
}

fn new(ctx: &Ctx, title: &str) -> Result<(), Fail> {
    let (_j, ev) = ctx.store.create(title, &ctx.actor, ctx.now)?;
    if let Payload::IncidentOpened { id, .. } = &ev.payload {
        super::out::line(id);
    }
    Ok(())
}

fn set_state(ctx: &Ctx, state: &str) -> Result<(), Fail> {
    let to: Severity = state.parse().map_err(Fail)?;
    // With no open incident this acts on the latest: re-opening it
    // is allowed, anything else is refused with the reason.
    let id = ctx.store.resolve(ctx.incident.as_deref(), true)?;
    let ctx = Ctx {
        incident: Some(id.clone()),
        ..ctx.clone()
    };
    act(&ctx, |inc| inc.cmd_set_state(to))?;
    if to == Severity::Resolved {
        // What resolving brings with it (`setup::resolution`), as in the cockpit.
        let outbox = deliver::state(&ctx, &id)?;
        let items = &ctx.config.cleanup.items;
        act(&ctx, |inc| setup::resolution(inc, items, &outbox).cleanup)?;
        let (_j, inc) = open(&ctx, true)?;
        if let Some(msg) = setup::resolution(&inc, items, &outbox).page {
            deliver::send(&ctx, &id, vec![msg], None)?;
        }
    }
    Ok(())
}

fn handoff(ctx: &Ctx, role: &str, person: &str) -> Result<(), Fail> {
    let role: Role = role.parse().map_err(Fail)?;
    if ctx.config.handoff.require_ack {
        followup::propose_handoff(ctx, &role, person)
    } else {
        let mut tired = Vec::new();
        act(ctx, |inc| {
            let p = inc.cmd_handoff(&role, person)?;
            tired = rotation::tiredness(inc, person, &ctx.config.shifts, ctx.now);
            Ok(p)
        })?;
        // Said after the hand-off, as the cockpit's confirmation says it before.
        for t in tired {
            super::out::err(format!("commandpost: note: {t}"));
        }
        Ok(())
    }
}

fn export(ctx: &Ctx, format: ExportFormat) -> Result<(), Fail> {
    let (events, inc) = read(ctx, true)?;
    let out = match format {
        ExportFormat::Json => super::export::json(&inc, &events)?,
        ExportFormat::Md => super::export::markdown(&inc, &events, ctx.now),
    };
    super::out::line(&out);
    Ok(())
}

fn page(ctx: &Ctx, summary: &str, backend: Option<String>) -> Result<(), Fail> {
    let (_j, inc) = open(ctx, false)?;
    let msg = setup::page_trigger(&inc, summary).map_err(Fail)?;
    super::out::line(format!("paging: {}", msg.headline));
    deliver::send(ctx, &inc.id, vec![msg], backend.map(|b| vec![b]))
}

fn outbox(ctx: &Ctx, cmd: Option<OutboxCmd>, json: bool) -> Result<(), Fail> {
    let id = ctx.store.resolve(ctx.incident.as_deref(), true)?;
    match cmd {
        None => outbox_list(ctx, &id, json),
        Some(OutboxCmd::Flush) => deliver::flush(ctx, &id),
        Some(OutboxCmd::Retry { message, backend }) => deliver::outbox(ctx, &id)?
            .requeue(&message, &backend)
            .map_err(|e| Fail(e.to_string()))
            .and_then(|()| deliver::flush(ctx, &id)),
        Some(OutboxCmd::Drop { message, backend }) => deliver::outbox(ctx, &id)?
            .drop_delivery(&message, &backend)
            .map_err(|e| Fail(e.to_string())),
    }
}

fn backends_list(ctx: &Ctx) -> Result<(), Fail> {
    for b in deliver::backend_configs(ctx)? {
        let sends: Vec<&str> = b.sends().iter().map(|k| k.as_str()).collect();
        super::out::line(format!(
            "{:<20} {:<11} sends {}",
            b.name,
            b.kind.as_str(),
            sends.join(", ")
        ));
        // Where a file backend writes (a path, never a secret): the default one is the
        // incident's outbox.md, which a new user would otherwise have to find.
        if b.kind == crate::delivery::BackendKind::File
            && let Some(path) = &b.path
        {
            super::out::line(format!("{:<20} {:<11} writes to {path}", "", ""));
        }
    }
    Ok(())
}

fn backends_test(ctx: &Ctx, name: Option<String>) -> Result<(), Fail> {
    let id = ctx.store.resolve(ctx.incident.as_deref(), true)?;
    let (_j, inc) = open(
        &Ctx {
            incident: Some(id.clone()),
            ..ctx.clone()
        },
        true,
    )?;
    let names: Vec<String> = deliver::backend_configs(ctx)?
        .into_iter()
        .map(|b| b.name)
        .filter(|n| name.as_ref().is_none_or(|want| want == n))
        .collect();
    if names.is_empty() {
        return Err(Fail(format!(
            "no backend named {:?} (see `commandpost backends list`)",
            name.unwrap_or_default()
        )));
    }
    let mut msg = deliver::message(
        &inc,
        MessageKind::Announcement,
        "commandpost test message",
        "This is a test of commandpost delivery. No action needed.",
    );
    msg.test = true;
    deliver::send(ctx, &id, vec![msg], Some(names))
}

fn outbox_list(ctx: &Ctx, id: &str, json: bool) -> Result<(), Fail> {
    let st = deliver::state(ctx, id)?;
    let rows = st.rows();
    if json {
        super::out::json(&rows)?;
        return Ok(());
    }
    if rows.is_empty() {
        super::out::line(format!("{id}: nothing sent yet"));
    }
    for r in rows {
        super::out::line(format!(
            "{:<28} {:<18} {:<12} {:<40} {}",
            r.message,
            r.backend,
            r.kind.as_str(),
            crate::domain::text::one_line(&r.headline),
            r.status.label(ctx.now)
        ));
    }
    Ok(())
}

fn list(ctx: &Ctx, json: bool) -> Result<(), Fail> {
    let (list, errors) = ctx.store.list()?;
    for e in &errors {
        super::out::err(format!("commandpost: warning: {e}"));
    }
    if json {
        super::out::json(&list)?;
        return Ok(());
    }
    if list.is_empty() {
        super::out::line(format!("No incidents in {}.", ctx.store.root().display()));
        return Ok(());
    }
    super::out::line(format!(
        "{:<22} {:<14} {:<17} {:<16} TITLE",
        "ID", "STATE", "OPENED (UTC)", "IC"
    ));
    for s in list {
        super::out::line(format!(
            "{:<22} {:<14} {:<17} {} {}",
            s.id,
            state_text(s.state),
            s.opened_at.strftime("%Y-%m-%d %H:%M"),
            crate::domain::text::pad(&s.ic.unwrap_or_default(), 16),
            s.title
        ));
    }
    Ok(())
}

fn show(
    ctx: &Ctx,
    id: &str,
    kept: Option<crate::journal::snapshot::Kept>,
    json: bool,
) -> Result<(), Fail> {
    let ctx = Ctx {
        incident: Some(id.to_string()),
        ..ctx.clone()
    };
    if kept.is_none()
        && json
        && let Some(text) = snapshot_json(&ctx)?
    {
        // The snapshot holds the incident's JSON and nothing follows it in the journal.
        super::out::json_streamed(&text)?;
        std::mem::forget(text);
        return Ok(());
    }
    let inc = super::ctx::read_incident_kept(&ctx, id, kept)?;
    if json {
        // Streamed: a long incident's JSON is never held whole in memory.
        super::out::json_streamed(&inc)?;
    } else {
        super::out::text(super::export::summary(&inc, ctx.now));
    }
    // The process ends here: a long incident's many allocations are left to the OS rather
    // than freed one by one (a tenth of `show --json`'s time at 100,000 events).
    std::mem::forget(inc);
    Ok(())
}

/// The incident's JSON straight from its snapshot, when that one checks out and the
/// journal holds nothing after it (`journal::snapshot::incident_json`).
fn snapshot_json(ctx: &Ctx) -> Result<Option<crate::journal::snapshot::IncidentJson>, Fail> {
    let id = ctx.store.resolve(ctx.incident.as_deref(), true)?;
    let path = ctx.store.existing_journal(&id)?;
    Ok(crate::journal::snapshot::incident_json(&path, &id, &ctx.store.home()).ok())
}

fn config_cmd(
    c: &ConfigCmd,
    explicit: Option<PathBuf>,
    path: Option<PathBuf>,
    data: &std::path::Path,
) -> Result<(), Fail> {
    match c {
        ConfigCmd::Path => {
            match &path {
                Some(p) => super::out::line(format!(
                    "config: {}{}",
                    p.display(),
                    if p.exists() {
                        ""
                    } else {
                        " (not present: built-in defaults in use)"
                    }
                )),
                None => super::out::line("config: (none: built-in defaults in use)"),
            }
            super::out::line(format!("data:   {}", data.display()));
            super::out::line(format!(
                "logs:   {}",
                data.join("logs").join("commandpost.log").display()
            ));
            Ok(())
        }
        ConfigCmd::Init { force } => {
            let p = path
                .ok_or_else(|| Fail("cannot determine a config path: pass --config FILE".into()))?;
            config::write_init(&p, *force)?;
            super::out::line(format!("wrote {}", p.display()));
            Ok(())
        }
        ConfigCmd::Check { file } => {
            let p = match (file.as_ref().or(explicit.as_ref()), &path) {
                (Some(p), _) => p.clone(),
                (None, Some(p)) if p.exists() => p.clone(),
                _ => {
                    super::out::line("no config file: built-in defaults in use (they are valid)");
                    return Ok(());
                }
            };
            let text = crate::files::read_text(&p, crate::files::MAX_CONFIG, "configuration file")
                .map_err(|e| Fail(e.to_string()))?;
            // Keys, and every backend entry against its kind with what its URLs mean.
            let extra = |c: &Config| {
                let mut found = load_checks(c);
                found.extend(crate::delivery::setup::check_backends(c));
                found
            };
            let (_, diags) = config::check_with_findings(&text, &p, &extra);
            // Notes (what a value was understood as) are not problems: stdout.
            for d in &diags {
                if d.is_note() {
                    super::out::line(d);
                } else {
                    super::out::err(d);
                }
            }
            let errors = diags.iter().filter(|d| d.is_error()).count();
            if errors > 0 {
                return Err(Fail(format!("{}: {errors} error(s)", p.display())));
            }
            let warnings = diags.iter().filter(|d| !d.is_note()).count();
            super::out::line(format!(
                "{}: ok{}",
                p.display(),
                if warnings == 0 {
                    String::new()
                } else {
                    format!(" ({warnings} warning(s))")
                }
            ));
            Ok(())
        }
    }
}
