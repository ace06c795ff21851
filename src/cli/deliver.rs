//! Headless delivery: queue outbound messages in the journal's outbox, deliver
//! them before the command exits (at most `--wait`), report per backend.

use super::ctx::{Ctx, Fail};
use crate::delivery::config::BackendConfig;
use crate::delivery::outbox::Outbox;
use crate::delivery::setup;
use crate::delivery::{Backend, OutboxState};
use crate::domain::outbound::OutboundMessage;
use std::sync::Arc;

/// The configured backends, or the embedded default (Markdown to the
/// incident's `outbox.md`) when none is configured.
pub fn backend_configs(ctx: &Ctx) -> Result<Vec<BackendConfig>, Fail> {
    setup::backend_configs(&ctx.config, ctx.store.root()).map_err(Fail)
}

pub fn build(ctx: &Ctx) -> Result<Vec<Arc<dyn Backend>>, Fail> {
    setup::build(&ctx.config, ctx.store.root()).map_err(Fail)
}

pub use crate::delivery::setup::message;

fn runtime() -> Result<tokio::runtime::Runtime, Fail> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fail(format!("cannot start the async runtime: {e}")))
}

/// Opens the outbox of incident `id`.
pub fn outbox(ctx: &Ctx, id: &str) -> Result<Outbox, Fail> {
    let backends = build(ctx)?;
    let opened = crate::replay::open(&ctx.store, id)?;
    opened.save_if_long();
    Ok(Outbox::new(
        opened.journal,
        opened.state.outbox,
        backends,
        ctx.actor.clone(),
    ))
}

/// Queues `msgs` (for the backends that send their kind, or the `only` ones),
/// then delivers everything pending for at most `ctx.wait`, and reports.
pub fn send(
    ctx: &Ctx,
    id: &str,
    msgs: Vec<OutboundMessage>,
    only: Option<Vec<String>>,
) -> Result<(), Fail> {
    let rt = runtime()?;
    let ob = outbox(ctx, id)?;
    let in_room = synced_room_backends(ctx, id);
    for m in msgs {
        let queued = match &only {
            Some(names) => ob.queue_to(m, names.clone()),
            // The room's own notice carries it: its Matrix backend would post it twice.
            None if !in_room.is_empty() && crate::sync::envelope::carried_by_notices(m.kind) => {
                let names: Vec<String> = ob
                    .backends()
                    .iter()
                    .filter(|b| b.accepts(m.kind) && !in_room.iter().any(|n| n == b.name()))
                    .map(|b| b.name().to_string())
                    .collect();
                ob.queue_to(m, names)
            }
            None => ob.queue(m),
        };
        queued.map_err(|e| Fail(e.to_string()))?;
    }
    flush_with(ctx, &rt, &ob)
}

fn flush_with(ctx: &Ctx, rt: &tokio::runtime::Runtime, ob: &Outbox) -> Result<(), Fail> {
    let deadline = tokio::time::Instant::now() + ctx.wait;
    let report = rt
        .block_on(ob.run(Some(deadline)))
        .map_err(|e| Fail(e.to_string()))?;
    let text = report.text(jiff::Timestamp::now());
    if !text.is_empty() {
        super::out::err(&text);
    }
    if report.pending() > 0 {
        super::out::err(format!(
            "{} deliver{} still queued: `commandpost outbox flush` or a running cockpit delivers {}",
            report.pending(),
            if report.pending() == 1 { "y" } else { "ies" },
            if report.pending() == 1 { "it" } else { "them" }
        ));
    }
    Ok(())
}

/// The Matrix backends posting to the room incident `id` is synced through, if it is.
fn synced_room_backends(ctx: &Ctx, id: &str) -> Vec<String> {
    let path = ctx.store.sidecar_path(id);
    let Ok((side, _)) = crate::sync::sidecar::Sidecar::load(&path, None) else {
        return Vec::new();
    };
    let Some(room_id) = side.room_id.as_deref() else {
        return Vec::new();
    };
    let alias = side.extra.get("room_alias").and_then(|v| v.as_str());
    match backend_configs(ctx) {
        Ok(cfgs) => crate::sync::envelope::backends_in_room(&cfgs, room_id, alias),
        Err(_) => Vec::new(),
    }
}

/// `outbox flush`: deliver what is pending.
pub fn flush(ctx: &Ctx, id: &str) -> Result<(), Fail> {
    let rt = runtime()?;
    let ob = outbox(ctx, id)?;
    flush_with(ctx, &rt, &ob)
}

/// The outbox as replayed from the journal, without building backends.
pub fn state(ctx: &Ctx, id: &str) -> Result<OutboxState, Fail> {
    let (state, _, _) = crate::replay::read(&ctx.store, id)?;
    Ok(state.outbox)
}
