//! Who reports to whom (ICS unity of command), from the roster alone. Pure.
//!
//! - The IC's direct reports: the holders of the other command roles (Comms, Deputy, Scribe),
//!   the operations group leads, the members of a group that has no lead, and every responder
//!   on duty who is in no group and holds no role.
//! - An operations lead's direct reports: the members of their group(s) other than themselves.
//!
//! A person is counted once per supervisor, whatever roles they hold. Without an IC the IC's
//! reports have no supervisor (and are not listed).

use crate::domain::Role;
use crate::domain::incident::Incident;
use jiff::Timestamp;

/// One supervisor and the people who report directly to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervisor {
    pub name: String,
    /// What makes them a supervisor: `IC`, `Ops database lead` (several joined by `, `).
    pub role: String,
    /// Direct reports, in roster order, each once.
    pub reports: Vec<String>,
}

impl Supervisor {
    /// When the last of the direct reports came on duty (the span last grew then).
    pub fn grew_at(&self, inc: &Incident) -> Option<Timestamp> {
        self.reports
            .iter()
            .filter_map(|n| inc.person(n).and_then(|p| p.on_duty_since()))
            .max()
    }
}

fn push_once(v: &mut Vec<String>, name: &str, not: &str) {
    if name != not && !v.iter().any(|n| n == name) {
        v.push(name.to_string());
    }
}

/// Every supervisor with at least one direct report: the IC first, then the operations leads
/// in group order.
pub fn supervisors(inc: &Incident) -> Vec<Supervisor> {
    let mut out: Vec<Supervisor> = Vec::new();
    let on_duty = |n: &str| inc.person(n).is_some_and(|p| p.on_duty());
    let ic = inc.ic().map(|h| h.name.clone());
    if let Some(ic) = &ic {
        let mut reports = Vec::new();
        for role in [Role::Comms, Role::Deputy, Role::Scribe] {
            if let Some(h) = inc.holder(&role) {
                push_once(&mut reports, &h.name, ic);
            }
        }
        for g in inc.groups.values() {
            match inc.holder(&Role::OpsLead(g.name.clone())) {
                Some(lead) => push_once(&mut reports, &lead.name, ic),
                None => {
                    for m in g.members.iter().filter(|m| on_duty(m)) {
                        push_once(&mut reports, m, ic);
                    }
                }
            }
        }
        for p in inc.on_duty() {
            if inc.group_of(&p.name).is_none() && inc.roles_of(&p.name).is_empty() {
                push_once(&mut reports, &p.name, ic);
            }
        }
        out.push(Supervisor {
            name: ic.clone(),
            role: Role::Ic.title(),
            reports,
        });
    }
    for g in inc.groups.values() {
        let role = Role::OpsLead(g.name.clone());
        let Some(lead) = inc.holder(&role) else {
            continue;
        };
        let idx = match out.iter().position(|s| s.name == lead.name) {
            Some(i) => {
                out[i].role.push_str(&format!(", {}", role.title()));
                i
            }
            None => {
                out.push(Supervisor {
                    name: lead.name.clone(),
                    role: role.title(),
                    reports: Vec::new(),
                });
                out.len() - 1
            }
        };
        for m in g.members.iter().filter(|m| on_duty(m)) {
            push_once(&mut out[idx].reports, m, &lead.name);
        }
    }
    out.retain(|s| !s.reports.is_empty());
    out
}

/// Whom `name` reports to directly, if anyone (the IC reports to nobody).
pub fn supervisor_of<'a>(sups: &'a [Supervisor], name: &str) -> Option<&'a Supervisor> {
    sups.iter().find(|s| s.reports.iter().any(|r| r == name))
}

/// The supervisors with more than `limit` direct reports.
pub fn over_span(sups: &[Supervisor], limit: usize) -> Vec<&Supervisor> {
    sups.iter().filter(|s| s.reports.len() > limit).collect()
}
