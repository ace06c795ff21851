//! Headless follow-up commands: rotation, acknowledgement, cleanup,
//! remediation, post-mortem and the cross-incident report.

use super::act::act;
use super::ctx::{Ctx, Fail, open, read, read_incident};
use crate::domain::duration::{self, short};
use crate::domain::followup::{self, PostmortemData, open_remediations, propose_all, report};
use crate::domain::incident::Incident;
use crate::domain::role::Role;
use clap::{Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum RemediationCmd {
    /// Add a remediation item to the incident
    Add {
        /// What is to be done, e.g. "alert on checkout 5xx above 1%"
        text: String,
        /// Who owns it (default: nobody yet)
        #[arg(long)]
        owner: Option<String>,
    },
    /// Assign item N to an owner
    Assign {
        /// Its number, as `remediation list` shows it: 3, or 3-kato when two cockpits
        /// numbered one #3
        id: String,
        /// Who owns it from now on
        owner: String,
    },
    /// Mark item N done
    Done {
        /// Its number, as `remediation list` shows it: 3, or 3-kato when two cockpits
        /// numbered one #3
        id: String,
        /// What was done (kept with the item)
        #[arg(long)]
        note: Option<String>,
    },
    /// List open remediation items across all incidents
    List {
        /// Include done items
        #[arg(long)]
        all: bool,
        /// Print them as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CleanupCmd {
    /// Show the cleanup checklist of a resolved incident
    List,
    /// Tick an item (by number or text)
    Done {
        /// Its number or its text, as `cleanup list` shows it
        item: String,
        /// What was done (kept with the item)
        #[arg(long)]
        note: Option<String>,
    },
    /// Skip an item, saying why
    Skip {
        /// Its number or its text, as `cleanup list` shows it
        item: String,
        /// Why it is skipped
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DocFormat {
    Md,
    Json,
}

fn roles_from_config(ctx: &Ctx) -> Result<Vec<Role>, Fail> {
    ctx.config
        .rotation
        .roles
        .iter()
        .map(|r| {
            r.parse::<Role>()
                .map_err(|e| Fail(format!("config rotation.roles: {e}")))
        })
        .collect()
}

/// `rotation`: who holds each role, when their shift ends, who is next.
pub fn rotation(ctx: &Ctx, json: bool) -> Result<(), Fail> {
    let inc = read_incident(ctx, false)?;
    let proposals = propose_all(
        &inc,
        &roles_from_config(ctx)?,
        &ctx.config.people,
        &ctx.config.shifts,
        ctx.now,
    );
    if json {
        super::out::json(&proposals)?;
        return Ok(());
    }
    for p in &proposals {
        let holder = p.holder.as_deref().unwrap_or("(vacant)");
        let ends = p
            .shift_ends_at
            .map(|t| {
                format!(
                    ", shift ends {} (in {})",
                    t.strftime("%H:%M UTC"),
                    short(t.duration_since(ctx.now))
                )
            })
            .unwrap_or_default();
        super::out::line(format!("{}: {holder}{ends}", p.role.title()));
        if let Some(to) = &p.pending_to {
            super::out::line(format!(
                "  pending hand-off to {to} (waiting for acknowledgement)"
            ));
        }
        super::out::line(format!("  next: {}", p.reason));
    }
    super::out::line("\nlast 24h:".to_string());
    for l in followup::loads(&inc, ctx.now) {
        super::out::line(format!(
            "  {} worked {} rested {}{}",
            crate::domain::text::pad(&l.name, 20),
            short(l.worked_24h),
            short(l.rested_24h),
            if l.on_duty { "" } else { " (off duty)" }
        ));
    }
    Ok(())
}

/// `handoff` when the config requires acknowledgement: propose with a brief.
pub fn propose_handoff(ctx: &Ctx, role: &Role, person: &str) -> Result<(), Fail> {
    let (_j, inc) = open(ctx, false)?;
    let brief = followup::handoff_brief(&inc, &[], &[], ctx.now);
    act(ctx, |inc| inc.cmd_propose_handoff(role, person, &brief))?;
    super::out::line(&brief);
    super::out::line(format!(
        "waiting for {person} to acknowledge: `commandpost ack --as \"{person}\"`"
    ));
    Ok(())
}

pub fn ack(ctx: &Ctx, role: Option<String>) -> Result<(), Fail> {
    let role = role.map(|r| r.parse::<Role>().map_err(Fail)).transpose()?;
    act(ctx, |inc| inc.cmd_ack_handoff(role.as_ref(), &ctx.actor))
}

pub fn cleanup(ctx: &Ctx, cmd: CleanupCmd) -> Result<(), Fail> {
    match cmd {
        CleanupCmd::List => {
            let inc = read_incident(ctx, true)?;
            print_cleanup(&inc);
            Ok(())
        }
        CleanupCmd::Done { item, note } => {
            act_closed(ctx, |inc| inc.cmd_cleanup_done(&item, note.as_deref()))
        }
        CleanupCmd::Skip { item, reason } => {
            act_closed(ctx, |inc| inc.cmd_cleanup_skip(&item, &reason))
        }
    }
}

fn print_cleanup(inc: &Incident) {
    let c = &inc.followup.cleanup;
    if c.opened_at.is_none() {
        super::out::line(format!(
            "{}: the cleanup checklist opens when the incident is resolved; it will be:",
            inc.id
        ));
    }
    for (i, (item, mark)) in c.rows().enumerate() {
        let status = match mark.map(|m| &m.outcome) {
            None => "[ ]".to_string(),
            Some(followup::CleanupOutcome::Done { note }) => {
                format!(
                    "[x]{}",
                    note.as_deref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                )
            }
            Some(followup::CleanupOutcome::Skipped { reason }) => format!("[-] skipped: {reason};"),
        };
        super::out::line(format!("{status} {}. {item}", i + 1));
    }
    super::out::line(
        (if inc.closed() {
            "closed: every item is done or skipped"
        } else {
            "open"
        })
        .to_string(),
    );
}

/// Acts on the current incident, or the latest one even when resolved.
fn act_closed(
    ctx: &Ctx,
    f: impl FnOnce(
        &Incident,
    ) -> Result<crate::domain::event::Payload, crate::domain::incident::DomainError>,
) -> Result<(), Fail> {
    let id = ctx.store.resolve(ctx.incident.as_deref(), true)?;
    let ctx = Ctx {
        incident: Some(id),
        ..ctx.clone()
    };
    act(&ctx, f)
}

pub fn remediation(ctx: &Ctx, cmd: RemediationCmd) -> Result<(), Fail> {
    match cmd {
        RemediationCmd::Add { text, owner } => act_closed(ctx, |inc| {
            inc.cmd_remediation_add(&text, owner.as_deref())
                .map(|p| crate::domain::numbered::stamp(p, || ctx.store.home()))
        }),
        RemediationCmd::Assign { id, owner } => {
            act_closed(ctx, |inc| inc.cmd_remediation_assign(&id, &owner))
        }
        RemediationCmd::Done { id, note } => {
            act_closed(ctx, |inc| inc.cmd_remediation_done(&id, note.as_deref()))
        }
        RemediationCmd::List { all, json } => {
            let incidents = all_incidents(ctx)?;
            let rows = open_remediations(&incidents, all);
            if json {
                super::out::json(&rows)?;
            } else if rows.is_empty() {
                super::out::line(format!(
                    "no {}remediation items",
                    if all { "" } else { "open " }
                ));
            } else {
                for r in rows {
                    let done = if r.item.is_done() { "done" } else { "open" };
                    let owner = r.item.owner.as_deref().unwrap_or("(unassigned)");
                    super::out::line(format!(
                        "{} #{} [{done}] {owner}: {}",
                        r.incident,
                        r.item.label(),
                        r.item.text
                    ));
                }
            }
            Ok(())
        }
    }
}

fn all_incidents(ctx: &Ctx) -> Result<Vec<Incident>, Fail> {
    let mut out = Vec::new();
    let home = ctx.store.home();
    for id in ctx.store.ids()? {
        // In merge order, from the journal's snapshot when that one checks out.
        let read = crate::journal::snapshot::read::<crate::journal::snapshot::IncidentOnly>(
            &ctx.store.journal_path(&id),
            &id,
            &home,
        );
        match read {
            Ok((r, _, _)) => out.push(r.state.0),
            Err(crate::journal::snapshot::OpenError::Domain(e)) => {
                super::out::err(format!("commandpost: warning: {id}: {e}"))
            }
            Err(e) => super::out::err(format!("commandpost: warning: {e}")),
        }
    }
    Ok(out)
}

pub fn postmortem(ctx: &Ctx, format: DocFormat, tz: Option<String>) -> Result<(), Fail> {
    let tz = tz
        .map(|name| jiff::tz::TimeZone::get(&name).map_err(|e| Fail(format!("--tz {name:?}: {e}"))))
        .transpose()?;
    let id = ctx.store.resolve(ctx.incident.as_deref(), true)?;
    let ctx = &Ctx {
        incident: Some(id.clone()),
        ..ctx.clone()
    };
    let (events, inc) = read(ctx, true)?;
    // A post-mortem drafted without an event it cannot read would be silently incomplete.
    crate::journal::require_understood(
        &ctx.store.journal_path(&id),
        &events,
        "draft the post-mortem",
    )?;
    match format {
        DocFormat::Json => {
            let data = PostmortemData::build(&inc, &events, &ctx.config.policy(), tz.as_ref());
            super::out::json(&data)?;
        }
        DocFormat::Md => {
            let md = followup::postmortem(&inc, &events, &ctx.config.policy(), tz.as_ref())
                .map_err(|e| Fail(format!("post-mortem template: {e}")))?;
            super::out::text(&md);
        }
    }
    Ok(())
}

pub fn report_cmd(ctx: &Ctx, since: &str, json: bool) -> Result<(), Fail> {
    let span = duration::parse(since).map_err(|e| Fail(format!("--since: {e}")))?;
    let from = ctx
        .now
        .checked_sub(span)
        .map_err(|e| Fail(format!("--since: {e}")))?;
    let incidents = all_incidents(ctx)?;
    let r = report(&incidents, from, ctx.now, &ctx.config.policy());
    if json {
        super::out::json(&r)?;
    } else {
        super::out::text(followup::render_table(&r));
    }
    Ok(())
}
