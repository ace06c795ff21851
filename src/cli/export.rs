//! Text renderings of an incident for `show` and `export`.

use crate::domain::duration::short;
use crate::domain::event::Event;
use crate::domain::incident::Incident;
use crate::domain::text::pad;
use jiff::Timestamp;
use std::fmt::Write;

fn state_line(inc: &Incident) -> String {
    super::ctx::state_text(inc.state)
}

/// The `show` text: state, roles, roster, impact.
pub fn summary(inc: &Incident, now: Timestamp) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", inc.id, inc.title);
    let _ = writeln!(
        s,
        "state: {}   opened {} UTC ({} ago)",
        state_line(inc),
        inc.opened_at.strftime("%Y-%m-%d %H:%M"),
        short(now.duration_since(inc.opened_at))
    );
    let _ = writeln!(s, "\nroles:");
    let mut roles: Vec<_> = inc.roles.iter().collect();
    roles.sort_by_key(|(r, _)| (r.rank(), r.key()));
    for (role, h) in roles {
        let _ = writeln!(
            s,
            "  {} {} (for {})",
            pad(&role.title(), 22),
            h.name,
            short(now.duration_since(h.since))
        );
    }
    let _ = writeln!(s, "\non duty:");
    let sups = crate::domain::reporting::supervisors(inc);
    for p in inc.on_duty() {
        let since = p
            .on_duty_since()
            .map(|t| short(now.duration_since(t)))
            .unwrap_or_default();
        let group = inc
            .group_of(&p.name)
            .map(|g| format!(" ops:{g}"))
            .unwrap_or_default();
        let brk = if p.on_break() { " [on break]" } else { "" };
        let to = crate::domain::reporting::supervisor_of(&sups, &p.name)
            .map(|sup| format!(", reports to {} ({})", sup.name, sup.role))
            .unwrap_or_default();
        let _ = writeln!(s, "  {} on shift {since}{group}{brk}{to}", pad(&p.name, 22));
    }
    let _ = writeln!(
        s,
        "\nimpact: {}",
        if inc.impact.text.is_empty() {
            "(unknown)"
        } else {
            &inc.impact.text
        }
    );
    for h in &inc.hypotheses {
        let mark = if h.ruled_out.is_some() {
            "ruled out"
        } else {
            "open"
        };
        let _ = writeln!(s, "hypothesis #{} ({mark}): {}", h.label(), h.text);
    }
    for (label, url) in &inc.links {
        let _ = writeln!(s, "link: {label} <{url}>");
    }
    if !inc.unknown.is_empty() {
        let _ = writeln!(
            s,
            "\n{} event(s) of unknown type from a newer version are kept in the journal",
            inc.unknown.len()
        );
    }
    s
}

/// Markdown export: the summary and the timeline in words, oldest first.
pub fn markdown(inc: &Incident, events: &[Event], now: Timestamp) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}: {}\n", inc.id, inc.title);
    let _ = writeln!(s, "```\n{}```\n", summary(inc, now));
    let _ = writeln!(s, "## Timeline (UTC)\n");
    for e in events {
        let _ = writeln!(
            s,
            "- {} {}: {}",
            e.ts.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            crate::domain::numbered::describe_in(inc, &e.payload)
        );
    }
    s
}

/// JSON export: the replayed incident and every event (an event this version cannot read is
/// carried as it was written), control and bidi characters escaped.
pub fn json(inc: &Incident, events: &[Event]) -> Result<String, serde_json::Error> {
    #[derive(serde::Serialize)]
    struct Export<'a> {
        incident: &'a Incident,
        events: &'a [Event],
    }
    super::out::to_json(&Export {
        incident: inc,
        events,
    })
}
