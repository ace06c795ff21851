//! Remediation items: the follow-up work an incident leaves behind, tracked
//! to completion in the incident's journal (so they outlive the incident and
//! appear in its post-mortem).

use super::invalid;
use crate::domain::event::{Event, Payload};
use crate::domain::incident::{DomainError, Incident};
use crate::domain::numbered::{self, ItemRef, Numbered};
use crate::domain::text::{clean_name, one_line, strip_control};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// The number as allocated by the cockpit that added it.
    pub id: u32,
    pub text: String,
    pub owner: Option<String>,
    pub added_at: Timestamp,
    pub added_by: String,
    /// `(when, by whom, note)` once done.
    pub done: Option<(Timestamp, String, Option<String>)>,
    /// The origin of the data dir that added it (see `domain::numbered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Shown after the number when items of other origins share it (`#3-kato`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
}

crate::domain::numbered::numbered_item!(Remediation);

impl Remediation {
    pub fn is_done(&self) -> bool {
        self.done.is_some()
    }

    /// `3`, or `3-kato` when another cockpit's item has the same number.
    pub fn label(&self) -> String {
        Numbered::label(self)
    }
}

pub(crate) fn apply(f: &mut super::FollowUp, e: &Event) {
    let at = |f: &super::FollowUp, id: &u32, of: &Option<String>| {
        numbered::resolve(&f.remediations, &f.remediation_at, *id, of.as_deref())
    };
    match &e.payload {
        // A number its own origin already used is a duplicate (dropped, as always);
        // another origin's item of the same number is kept (see `domain::numbered`).
        Payload::RemediationAdded {
            id,
            text,
            owner,
            origin,
        } => {
            let me = ItemRef {
                id: *id,
                origin: origin.clone(),
            };
            if !numbered::holds(&f.remediations, &f.remediation_at, &me) {
                numbered::push(
                    &mut f.remediations,
                    &mut f.remediation_at,
                    Remediation {
                        id: *id,
                        text: text.clone(),
                        owner: owner.clone(),
                        added_at: e.ts,
                        added_by: e.actor.clone(),
                        done: None,
                        origin: origin.clone(),
                        mark: None,
                    },
                );
            }
        }
        Payload::RemediationAssigned { id, owner, of } => {
            if let Some(r) = at(f, id, of).and_then(|i| f.remediations.get_mut(i)) {
                r.owner = Some(owner.clone());
            }
        }
        Payload::RemediationDone { id, note, of } => {
            if let Some(r) = at(f, id, of).and_then(|i| f.remediations.get_mut(i)) {
                r.done = Some((e.ts, e.actor.clone(), note.clone()));
            }
        }
        _ => {}
    }
}

impl Incident {
    /// The item with identity `r` (its number and origin).
    pub fn remediation(&self, r: &ItemRef) -> Option<&Remediation> {
        let f = &self.followup;
        numbered::resolve(
            &f.remediations,
            &f.remediation_at,
            r.id,
            r.origin.as_deref(),
        )
        .and_then(|i| f.remediations.get(i))
        .filter(|x| x.origin == r.origin)
    }

    /// The item a journaled add, assignment or done of number `id` and origin `of` names,
    /// as the fold resolves it.
    pub fn remediation_named(&self, id: u32, of: Option<&str>) -> Option<&Remediation> {
        let f = &self.followup;
        numbered::resolve(&f.remediations, &f.remediation_at, id, of)
            .and_then(|i| f.remediations.get(i))
    }

    /// The item a person named: `3`, or `3-kato` when two cockpits numbered one #3.
    pub fn pick_remediation(&self, typed: &str) -> Result<&Remediation, DomainError> {
        numbered::pick(&self.followup.remediations, "remediation item", typed)
    }

    fn open_remediation(&self, r: &ItemRef) -> Result<&Remediation, DomainError> {
        let r = self
            .remediation(r)
            .ok_or_else(|| invalid("remediation", format!("no item #{}", r.id)))?;
        if let Some((_, by, _)) = &r.done {
            return Err(invalid(
                "remediation",
                format!("#{} was already done by {by}", r.label()),
            ));
        }
        Ok(r)
    }

    /// Adds a remediation item (allowed after resolution: that is when most
    /// are written).
    pub fn cmd_remediation_add(
        &self,
        text: &str,
        owner: Option<&str>,
    ) -> Result<Payload, DomainError> {
        let text = strip_control(text).trim().to_string();
        if text.is_empty() {
            return Err(invalid("remediation", "cannot be empty"));
        }
        if text.chars().count() > 1000 {
            return Err(invalid("remediation", "too long (at most 1000 characters)"));
        }
        let owner = owner
            .filter(|o| !o.trim().is_empty())
            .map(clean_name)
            .transpose()
            .map_err(|r| invalid("owner", r))?;
        let id = self.next_remediation_id()?;
        Ok(Payload::RemediationAdded {
            id,
            text,
            owner,
            origin: None,
        })
    }

    pub fn next_remediation_id(&self) -> Result<u32, DomainError> {
        crate::domain::incident::next_number(
            "remediation",
            self.followup.remediations.iter().map(|r| r.id),
        )
    }

    /// Assigns the item a person named (`3`, `3-kato`).
    pub fn cmd_remediation_assign(&self, typed: &str, owner: &str) -> Result<Payload, DomainError> {
        let r = self.pick_remediation(typed)?.item_ref();
        self.cmd_remediation_assign_item(&r, owner)
    }

    /// Assigns the item with identity `r`.
    pub fn cmd_remediation_assign_item(
        &self,
        r: &ItemRef,
        owner: &str,
    ) -> Result<Payload, DomainError> {
        self.open_remediation(r)?;
        let owner = clean_name(owner).map_err(|r| invalid("owner", r))?;
        Ok(Payload::RemediationAssigned {
            id: r.id,
            owner,
            of: r.origin.clone(),
        })
    }

    /// Marks done the item a person named (`3`, `3-kato`).
    pub fn cmd_remediation_done(
        &self,
        typed: &str,
        note: Option<&str>,
    ) -> Result<Payload, DomainError> {
        let r = self.pick_remediation(typed)?.item_ref();
        self.cmd_remediation_done_item(&r, note)
    }

    /// Marks done the item with identity `r`.
    pub fn cmd_remediation_done_item(
        &self,
        r: &ItemRef,
        note: Option<&str>,
    ) -> Result<Payload, DomainError> {
        self.open_remediation(r)?;
        Ok(Payload::RemediationDone {
            id: r.id,
            note: note.map(one_line).filter(|n| !n.is_empty()),
            of: r.origin.clone(),
        })
    }
}

/// One line of `commandpost remediation list` across incidents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemediationRow {
    pub incident: String,
    pub incident_title: String,
    #[serde(flatten)]
    pub item: Remediation,
}

/// Remediation items of every incident (open ones only unless `all`),
/// oldest first.
pub fn open_remediations(incidents: &[Incident], all: bool) -> Vec<RemediationRow> {
    let mut rows: Vec<RemediationRow> = incidents
        .iter()
        .flat_map(|inc| {
            inc.followup
                .remediations
                .iter()
                .filter(move |r| all || !r.is_done())
                .map(move |r| RemediationRow {
                    incident: inc.id.clone(),
                    incident_title: inc.title.clone(),
                    item: r.clone(),
                })
        })
        .collect();
    rows.sort_by(|a, b| {
        a.item
            .added_at
            .cmp(&b.item.added_at)
            .then(a.incident.cmp(&b.incident))
            .then(a.item.id.cmp(&b.item.id))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn add_assign_done() {
        let open = Event::new(
            1,
            t("2026-11-21T20:00:00Z"),
            "Alice",
            Payload::opened("I", "x", "Alice"),
        );
        let mut inc = Incident::replay([&open]).unwrap_or_else(|e| panic!("{e}"));
        let step = |inc: &mut Incident, p: Result<Payload, DomainError>| {
            let p = p.unwrap_or_else(|e| panic!("{e}"));
            let seq = inc.last_seq + 1;
            inc.apply(&Event {
                v: 1,
                seq,
                ts: t("2026-11-22T10:00:00Z"),
                actor: "Bob".into(),
                payload: p,
                rep: Default::default(),
            });
        };
        assert!(inc.cmd_remediation_add("  ", None).is_err());
        let a = inc.cmd_remediation_add("Alert on pool saturation", None);
        step(&mut inc, a);
        let a = inc.cmd_remediation_add("Runbook for failover", Some("Dana"));
        step(&mut inc, a);
        let s = inc.cmd_remediation_assign("1", "Eve");
        step(&mut inc, s);
        let d = inc.cmd_remediation_done("#2", Some("merged"));
        step(&mut inc, d);
        assert!(inc.cmd_remediation_done("2", None).is_err());
        assert!(inc.cmd_remediation_assign("7", "Eve").is_err());
        let one = ItemRef {
            id: 1,
            origin: None,
        };
        assert_eq!(
            inc.remediation(&one).and_then(|r| r.owner.as_deref()),
            Some("Eve")
        );
        let rows = open_remediations(std::slice::from_ref(&inc), false);
        assert_eq!(rows.len(), 1);
        assert_eq!(open_remediations(&[inc], true).len(), 2);
    }
}
