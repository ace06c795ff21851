//! `commandpost alerts [--json]` and `commandpost new --from-alert FINGERPRINT` (issue 17):
//! Alertmanager asked once, headless, bounded by `[alerts] timeout`.

use super::ctx::{Ctx, Fail, clock, open};
use crate::domain::alert::{self, Alert};
use crate::domain::event::Payload;
use crate::health::alertmanager::Alertmanager;
use crate::journal::store::record_with;

/// The alerts firing now, from `[alerts] alertmanager`.
fn fetch(ctx: &Ctx) -> Result<Vec<Alert>, Fail> {
    let http = crate::delivery::http::build_client().map_err(Fail)?;
    let am = match Alertmanager::from_config(&ctx.config.alerts, http) {
        None => {
            return Err(Fail(
                "no Alertmanager configured: set [alerts] alertmanager = \"http://host:9093\" \
                 in the configuration"
                    .into(),
            ));
        }
        Some(r) => r.map_err(|e| Fail(format!("[alerts]: {e}")))?,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail(format!("cannot start the async runtime: {e}")))?;
    let update = rt.block_on(am.alerts(ctx.now));
    update
        .result
        .map_err(|e| Fail(format!("Alertmanager at {}: {e}", am.host())))
}

/// `commandpost alerts [--json]`.
pub fn alerts(ctx: &Ctx, json: bool) -> Result<(), Fail> {
    let alerts = fetch(ctx)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&alerts)?);
        return Ok(());
    }
    if alerts.is_empty() {
        println!("no alerts firing");
        return Ok(());
    }
    for a in &alerts {
        let sev = a.severity().unwrap_or_else(|| "-".into());
        let quiet = a.suppressed();
        let quiet = if quiet.is_empty() {
            String::new()
        } else {
            format!(" [{quiet}]")
        };
        println!(
            "{}  {:<8} {}  since {}{quiet}\n    {}\n    {}",
            a.fingerprint,
            sev,
            a.name(),
            a.starts_at.strftime("%Y-%m-%d %H:%M UTC"),
            a.summary(),
            a.label_text(),
        );
    }
    Ok(())
}

/// `commandpost new --from-alert FINGERPRINT`: opens an incident titled with the alert's
/// summary, its labels as the first note, the alert attached; prints the incident's id.
pub fn new_from_alert(ctx: &Ctx, fingerprint: &str) -> Result<(), Fail> {
    let alerts = fetch(ctx)?;
    let alert = alert::find(&alerts, fingerprint).map_err(Fail)?;
    let (title, then) =
        crate::domain::incident::open_from_alert(alert, &ctx.actor).map_err(Fail::from)?;
    let (_j, ev) = ctx.store.create(&title, &ctx.actor, ctx.now)?;
    let Payload::IncidentOpened { id, .. } = &ev.payload else {
        return Err(Fail("internal error: the incident did not open".into()));
    };
    let ctx = Ctx {
        incident: Some(id.clone()),
        ..ctx.clone()
    };
    let (mut journal, mut inc) = open(&ctx, false)?;
    for p in then {
        record_with(&mut journal, &mut inc, &ctx.actor, clock, |_, _| {
            Ok::<_, Fail>(p)
        })?;
    }
    // Only the id on stdout, as `new` (scripts take it).
    println!("{id}");
    Ok(())
}
