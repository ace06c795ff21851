//! `commandpost drill`: check a scenario, play it headless with a scripted IC,
//! list past drills, or open the cockpit on a drill.

use super::ctx::{Ctx, Fail};
use crate::drill::{self, Scenario, ScenarioError};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// Scenario file, e.g. examples/drills/db-failover.toml
    #[arg(required_unless_present = "list")]
    pub scenario: Option<PathBuf>,
    /// Clock speed of the interactive drill, 1 to 60 times real time
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub speed: u32,
    /// Only check the scenario file and report every problem with file:line:column
    #[arg(long)]
    pub check: bool,
    /// Play the whole scenario at maximum speed with this scripted IC ([[action]] entries)
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// List past drills and their scores, newest first
    #[arg(long, conflicts_with_all = ["scenario", "check", "script"])]
    pub list: bool,
    /// With --list: print JSON
    #[arg(long, requires = "list")]
    pub json: bool,
}

pub fn run(ctx: &Ctx, args: DrillArgs) -> Result<(), Fail> {
    if args.list {
        return list(ctx, args.json);
    }
    let Some(path) = args.scenario else {
        return Err(Fail("a scenario file is required (or --list)".into()));
    };
    let scenario = match Scenario::load(&path) {
        Ok((s, warnings)) => {
            for w in &warnings {
                super::out::err(w);
            }
            s
        }
        Err(ScenarioError::Invalid(diags)) => {
            for d in &diags {
                super::out::err(d);
            }
            let errors = diags.iter().filter(|d| d.is_error()).count();
            return Err(Fail(format!("{}: {errors} error(s)", path.display())));
        }
        Err(e) => return Err(Fail(e.to_string())),
    };
    // A `metric` inject's series must be one of the configuration's: said before anything
    // starts, by --check too.
    let configured: Vec<&str> = ctx
        .config
        .metrics
        .series
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let unknown = drill::schedule::unknown_series(&scenario, &configured);
    if !unknown.is_empty() {
        for u in &unknown {
            super::out::err(format!("{}: {u}", path.display()));
        }
        return Err(Fail(format!(
            "{}: {} series not in the configuration (--config)",
            path.display(),
            unknown.len()
        )));
    }
    if args.check {
        super::out::line(format!(
            "{}: ok ({} people, {} injects over {})",
            path.display(),
            scenario.people.len(),
            scenario.injects.len(),
            crate::domain::duration::short(scenario.duration)
        ));
        return Ok(());
    }
    let Some(script_path) = args.script else {
        return interactive(ctx, scenario, args.speed);
    };
    let text = crate::files::read_text(&script_path, crate::files::MAX_SCENARIO, "drill script")
        .map_err(|e| Fail(e.to_string()))?;
    let script = drill::parse_script(&text).map_err(|errors| {
        Fail(
            errors
                .iter()
                .map(|e| format!("{}:{e}", script_path.display()))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let card = drill::run_headless(&scenario, &script, &ctx.config, ctx.store.root(), ctx.now)
        .map_err(|e| Fail(e.to_string()))?;
    super::out::text(card.markdown());
    let dir = drill::run::drills_dir(ctx.store.root()).join(&card.drill);
    super::out::line(format!("\n(saved to {})", dir.join("score.md").display()));
    Ok(())
}

/// Opens the cockpit on a new drill of `scenario`; the score card is printed
/// when it ends.
fn interactive(ctx: &Ctx, scenario: Scenario, speed: u32) -> Result<(), Fail> {
    let opts = crate::shell::RunOptions {
        store: ctx.store.clone(),
        config: ctx.config.clone(),
        actor: ctx.actor.clone(),
        incident: None,
        demo: false,
        drill: Some(crate::shell::drill::DrillOptions { scenario, speed }),
    };
    crate::shell::run(opts).map_err(|e| Fail(e.to_string()))
}

fn list(ctx: &Ctx, json: bool) -> Result<(), Fail> {
    let drills = drill::list_drills(ctx.store.root()).map_err(|e| Fail(e.to_string()))?;
    if json {
        super::out::json(&drills)?;
        return Ok(());
    }
    if drills.is_empty() {
        super::out::line(format!(
            "No drills in {}.",
            drill::run::drills_dir(ctx.store.root()).display()
        ));
        return Ok(());
    }
    super::out::line(format!(
        "{:<26} {:<7} {:<17} SCENARIO",
        "ID", "SCORE", "STARTED (UTC)"
    ));
    for d in drills {
        let score = d
            .score
            .map_or_else(|| "-".to_string(), |(p, t)| format!("{p}/{t}"));
        let started = d
            .started_at
            .map_or_else(String::new, |t| t.strftime("%Y-%m-%d %H:%M").to_string());
        let scenario = if d.scenario.is_empty() {
            "(no score card: not finished)".to_string()
        } else {
            d.scenario
        };
        super::out::line(format!(
            "{:<26} {:<7} {:<17} {}",
            d.id, score, started, scenario
        ));
    }
    Ok(())
}
