//! Journaling a change from the command line and announcing it, as the cockpit does.

use super::ctx::{Ctx, Fail, clock, open};
use super::deliver;
use crate::domain::event::Payload;
use crate::domain::incident::{Incident, announcement};
use crate::journal::store::record_with;

/// Journals the payload `payload` makes from the incident as it is under the
/// journal's lock (so ids and versions are never shared with a parallel
/// writer) and, if it announces something, queues the announcement.
pub fn act(
    ctx: &Ctx,
    payload: impl FnOnce(&Incident) -> Result<Payload, crate::domain::incident::DomainError>,
) -> Result<(), Fail> {
    let (mut journal, mut inc) = open(ctx, false)?;
    let mut body = String::new();
    let events = record_with(
        &mut journal,
        &mut inc,
        &ctx.actor,
        clock,
        |inc, _now| -> Result<Payload, Fail> {
            let p = payload(inc)?;
            body = crate::domain::followup::announcement_body(inc, &p);
            Ok(p)
        },
    )?;
    let Some(own) = events.last() else {
        return Err(Fail("internal error: nothing journaled".into()));
    };
    let text = announcement(&own.payload);
    super::out::line(crate::domain::numbered::describe_in(&inc, &own.payload));
    if let Some(text) = text {
        super::out::line(&text);
        let msg = crate::delivery::setup::announcement(&inc, &text, &body);
        deliver::send(ctx, &inc.id, vec![msg], None)?;
    }
    Ok(())
}
