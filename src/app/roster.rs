//! The roster as lines, in display order. Shared by update (which person is
//! selected) and the view (how to draw it), so both agree on positions.

use crate::config::Config;
use crate::domain::Role;
use crate::domain::incident::Incident;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterLine {
    /// A section title, e.g. `ops:database` with a note such as the lead.
    Heading { text: String, note: Option<String> },
    /// A person on duty, with the label of the line (role or "member").
    Person { label: String, name: String },
    /// A command role nobody holds.
    Vacant { label: String },
    /// People off duty who could take over: configured or released.
    Available { names: Vec<String> },
    /// A hand-off proposed and not yet acknowledged: the holder keeps the role.
    Pending { label: String, to: String },
}

impl RosterLine {
    pub fn person(&self) -> Option<&str> {
        match self {
            RosterLine::Person { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// Roster lines for an incident, IC first.
pub fn lines(inc: &Incident, cfg: &Config) -> Vec<RosterLine> {
    // Who reports to the IC directly: command staff, group leads, leaderless groups' members
    // and loose responders (a warning past the span of control).
    let sups = crate::domain::reporting::supervisors(inc);
    let limit = cfg.roster.span_of_control;
    let ic_note = inc.ic().and_then(|ic| {
        let n = sups.iter().find(|s| s.name == ic.name)?.reports.len();
        Some(if n > limit {
            format!("{n} report to the IC (limit {limit}): form ops groups")
        } else {
            format!("{n} report to the IC")
        })
    });
    let mut out = vec![RosterLine::Heading {
        text: "Command".into(),
        note: ic_note,
    }];
    let mut placed: Vec<&str> = Vec::new();
    for role in [Role::Ic, Role::Comms, Role::Deputy, Role::Scribe] {
        match inc.holder(&role) {
            Some(h) => {
                placed.push(&h.name);
                out.push(RosterLine::Person {
                    label: role.title(),
                    name: h.name.clone(),
                });
            }
            None => out.push(RosterLine::Vacant {
                label: role.title(),
            }),
        }
    }
    for p in inc.followup.pending_handoffs.values() {
        out.push(RosterLine::Pending {
            label: p.role.title(),
            to: p.to.clone(),
        });
    }
    for g in inc.groups.values() {
        let lead = inc
            .holder(&Role::OpsLead(g.name.clone()))
            .map(|h| h.name.clone());
        let reports = g
            .members
            .iter()
            .filter(|m| Some(*m) != lead.as_ref())
            .count();
        let mut note = format!(
            "{} {}",
            g.members.len(),
            if g.members.len() == 1 {
                "person"
            } else {
                "people"
            }
        );
        if lead.is_none() {
            note.push_str(", NO LEAD");
        } else if reports > cfg.roster.span_of_control {
            note.push_str(&format!(
                ", {reports} under one lead (limit {})",
                cfg.roster.span_of_control
            ));
        }
        out.push(RosterLine::Heading {
            text: format!("ops:{}", g.name),
            note: Some(note),
        });
        if let Some(l) = &lead {
            out.push(RosterLine::Person {
                label: "lead".into(),
                name: l.clone(),
            });
            placed.push(
                inc.holder(&Role::OpsLead(g.name.clone()))
                    .map_or("", |h| &h.name),
            );
        }
        for m in g.members.iter().filter(|m| Some(*m) != lead.as_ref()) {
            placed.push(m);
            out.push(RosterLine::Person {
                label: "member".into(),
                name: m.clone(),
            });
        }
    }
    let loose: Vec<&str> = inc
        .on_duty()
        .map(|p| p.name.as_str())
        .filter(|n| !placed.contains(n))
        .collect();
    if !loose.is_empty() {
        out.push(RosterLine::Heading {
            text: "Responders".into(),
            note: Some(
                if inc.ic().is_some() {
                    "no group: report to the IC"
                } else {
                    "no group"
                }
                .into(),
            ),
        });
        for n in loose {
            out.push(RosterLine::Person {
                label: String::new(),
                name: n.to_string(),
            });
        }
    }
    let mut avail: Vec<String> = Vec::new();
    for p in &inc.people {
        if !p.on_duty() {
            avail.push(p.name.clone());
        }
    }
    for k in &cfg.people {
        let known = inc
            .people
            .iter()
            .any(|p| p.name.to_lowercase() == k.name.trim().to_lowercase());
        if !known && !avail.contains(&k.name) {
            avail.push(k.name.clone());
        }
    }
    if !avail.is_empty() {
        out.push(RosterLine::Heading {
            text: "Available".into(),
            note: Some("off duty, for rotation".into()),
        });
        out.push(RosterLine::Available { names: avail });
    }
    out
}

/// Names on duty in roster order, each once (for selection).
pub fn selectable(lines: &[RosterLine]) -> Vec<(usize, &str)> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.person().map(|n| (i, n)))
        .collect()
}
