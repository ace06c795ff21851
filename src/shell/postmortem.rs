//! The executor's follow-up work that does IO: the post-mortem draft, written next to the
//! journal. (What the keys do is in `app::panel`; the pure drafting in
//! `domain::followup::postmortem`.)

use crate::config::Config;
use crate::domain::followup;
use crate::domain::incident::Incident;
use crate::journal::{Journal, Store};
use jiff::tz::TimeZone;
use std::io::Write;

/// Drafts the post-mortem of incident `id` from its journal as it is on disk and writes it
/// to `<incident dir>/postmortem.md` (through a temporary file, fsynced, then renamed).
/// Returns (path, text).
pub fn write_postmortem(
    store: &Store,
    id: &str,
    cfg: &Config,
    tz: Option<&TimeZone>,
) -> Result<(String, String), String> {
    let (events, _) = Journal::read(&store.journal_path(id)).map_err(|e| e.to_string())?;
    let inc = Incident::replay(&events).map_err(|e| e.to_string())?;
    let text = followup::postmortem(&inc, &events, &cfg.policy(), tz)
        .map_err(|e| format!("post-mortem template: {e}"))?;
    let dir = store.incident_dir(id);
    let path = dir.join("postmortem.md");
    let tmp = dir.join(".postmortem.md.tmp");
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    // A file people `cat`: the same sanitiser as every other output.
    f.write_all(crate::domain::text::safe(&text).as_bytes())
        .map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok((path.display().to_string(), text))
}
