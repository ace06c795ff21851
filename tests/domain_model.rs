//! The incident model: state machine, roles, hand-offs and replay.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::domain::event::{Event, FORMAT_VERSION, Payload, Severity};
use commandpost::domain::incident::{self, DomainError, Incident, announcement};
use commandpost::domain::role::Role;
use jiff::{SignedDuration, Timestamp};

fn t0() -> Timestamp {
    "2026-11-21T02:00:00Z".parse().unwrap()
}

/// Builds an incident by journaling payloads in memory, one minute apart.
struct Sim {
    events: Vec<Event>,
    inc: Incident,
}

impl Sim {
    fn new(opener: &str) -> Sim {
        let p = incident::open("INC-1", "API errors", opener).unwrap();
        let e = Event {
            v: FORMAT_VERSION,
            seq: 1,
            ts: t0(),
            actor: opener.into(),
            payload: p,
            rep: Default::default(),
        };
        let inc = Incident::replay([&e]).unwrap();
        Sim {
            events: vec![e],
            inc,
        }
    }

    fn push(&mut self, p: Payload) -> Option<String> {
        let seq = self.events.len() as u64 + 1;
        let ts = t0() + SignedDuration::from_mins(seq as i64);
        let ann = announcement(&p);
        let e = Event {
            v: FORMAT_VERSION,
            seq,
            ts,
            actor: "tester".into(),
            payload: p,
            rep: Default::default(),
        };
        self.inc.apply(&e);
        self.events.push(e);
        ann
    }

    fn run(
        &mut self,
        cmd: impl FnOnce(&Incident) -> Result<Payload, DomainError>,
    ) -> Result<Option<String>, DomainError> {
        let p = cmd(&self.inc)?;
        Ok(self.push(p))
    }
}

#[test]
fn opener_is_the_one_ic() {
    let s = Sim::new("Alice");
    assert_eq!(s.inc.ic().map(|h| h.name.as_str()), Some("Alice"));
    assert_eq!(s.inc.roles.len(), 1);
    assert_eq!(s.inc.state, Severity::Investigating);
    assert!(s.inc.person("alice").is_some_and(|p| p.on_duty()));
}

#[test]
fn state_machine_allows_doctrine_transitions_only() {
    let mut s = Sim::new("Alice");
    assert_eq!(
        s.run(|i| i.cmd_set_state(Severity::Confirmed))
            .unwrap()
            .as_deref(),
        Some("@all: Incident Confirmed")
    );
    assert_eq!(
        s.run(|i| i.cmd_set_state(Severity::Major))
            .unwrap()
            .as_deref(),
        Some("@all: Incident Major")
    );
    assert_eq!(
        s.run(|i| i.cmd_set_state(Severity::Investigating))
            .unwrap()
            .as_deref(),
        Some("@all: Incident Investigating")
    );
    assert_eq!(
        s.run(|i| i.cmd_set_state(Severity::Investigating)),
        Err(DomainError::SameState(Severity::Investigating))
    );
    assert_eq!(
        s.run(|i| i.cmd_set_state(Severity::Resolved))
            .unwrap()
            .as_deref(),
        Some("@all: Incident Resolved")
    );
    // From resolved only a re-open to investigating.
    assert_eq!(
        s.run(|i| i.cmd_set_state(Severity::Major)),
        Err(DomainError::BadTransition {
            from: Severity::Resolved,
            to: Severity::Major
        })
    );
    assert_eq!(
        s.run(|i| i.cmd_set_state(Severity::Investigating))
            .unwrap()
            .as_deref(),
        Some("@all: Incident Re-opened")
    );
    let whos: Vec<_> = s
        .inc
        .state_changes
        .iter()
        .map(|c| (c.to, c.by.as_str()))
        .collect();
    assert_eq!(whos.len(), 5);
    assert!(whos.iter().all(|(_, by)| *by == "tester"));
    assert_eq!(
        s.inc.state_changes[1].at,
        t0() + SignedDuration::from_mins(3)
    );
}

#[test]
fn handoff_moves_ic_and_announces_in_doctrine_form() {
    let mut s = Sim::new("Alice");
    let ann = s.run(|i| i.cmd_handoff(&Role::Ic, "Ricardo")).unwrap();
    assert_eq!(ann.as_deref(), Some("@all: IC -> Ricardo"));
    assert_eq!(s.inc.ic().map(|h| h.name.as_str()), Some("Ricardo"));
    assert_eq!(
        s.inc.roles.values().filter(|h| h.name == "Ricardo").count(),
        1
    );
    assert!(
        s.inc.person("Ricardo").is_some_and(|p| p.on_duty()),
        "the new IC joins the roster"
    );
    assert_eq!(
        s.run(|i| i.cmd_handoff(&Role::Ic, "ricardo")),
        Err(DomainError::AlreadyHolds("Ricardo".into(), "IC".into()))
    );
    let ann = s
        .run(|i| i.cmd_handoff(&Role::OpsLead("database".into()), "渡辺 健"))
        .unwrap();
    assert_eq!(ann.as_deref(), Some("@all: Ops database lead -> 渡辺 健"));
    assert_eq!(s.inc.group_of("渡辺 健"), Some("database"));
    assert_eq!(
        s.run(|i| i.cmd_handoff(&Role::Comms, "Chris"))
            .unwrap()
            .as_deref(),
        Some("@all: Comms -> Chris")
    );
}

#[test]
fn releasing_frees_roles_but_never_the_ic() {
    let mut s = Sim::new("Alice");
    s.run(|i| i.cmd_handoff(&Role::Comms, "Chris")).unwrap();
    s.run(|i| i.cmd_handoff(&Role::Scribe, "Chris")).unwrap();
    assert_eq!(s.inc.roles_of("Chris"), vec![Role::Comms, Role::Scribe]);
    assert_eq!(
        s.run(|i| i.cmd_release("Alice")),
        Err(DomainError::IcCannotBeReleased("Alice".into()))
    );
    s.run(|i| i.cmd_release("chris")).unwrap();
    assert!(s.inc.roles_of("Chris").is_empty());
    assert!(s.inc.holder(&Role::Comms).is_none());
    assert_eq!(
        s.run(|i| i.cmd_release("Chris")),
        Err(DomainError::AlreadyOffDuty("Chris".into()))
    );
    assert!(matches!(
        s.run(|i| i.cmd_release("Nobody")),
        Err(DomainError::UnknownPerson(_))
    ));
    // After handing IC away, Alice can go.
    s.run(|i| i.cmd_handoff(&Role::Ic, "Ricardo")).unwrap();
    s.run(|i| i.cmd_release("Alice")).unwrap();
    assert_eq!(s.inc.ic().map(|h| h.name.as_str()), Some("Ricardo"));
    assert_eq!(s.inc.on_duty().count(), 1);
}

#[test]
fn shifts_and_breaks_are_tracked() {
    let mut s = Sim::new("Alice");
    s.run(|i| i.cmd_join("Bob", Some("db"), Some("@bob"), None, Some("dba")))
        .unwrap();
    assert!(matches!(
        s.run(|i| i.cmd_join("bob", Some("db"), None, None, None)),
        Err(DomainError::AlreadyOnDuty(_))
    ));
    s.run(|i| i.cmd_toggle_break("Bob")).unwrap();
    assert!(s.inc.person("Bob").unwrap().on_break());
    s.run(|i| i.cmd_toggle_break("Bob")).unwrap();
    let bob = s.inc.person("Bob").unwrap();
    assert!(!bob.on_break());
    assert_eq!(
        bob.last_rest(),
        Some(t0() + SignedDuration::from_mins(4)),
        "rest clock restarts when the break ends"
    );
    assert_eq!(bob.handle.as_deref(), Some("@bob"));
    s.run(|i| i.cmd_release("Bob")).unwrap();
    assert!(s.inc.group_of("Bob").is_none());
    // Re-joining starts a second shift.
    s.run(|i| i.cmd_join("Bob", None, None, None, None))
        .unwrap();
    let bob = s.inc.person("Bob").unwrap();
    assert_eq!(bob.shifts.len(), 2);
    assert_eq!(
        bob.on_duty_since(),
        Some(t0() + SignedDuration::from_mins(6))
    );
}

#[test]
fn impact_hypotheses_notes_links() {
    let mut s = Sim::new("Alice");
    assert!(s.run(|i| i.cmd_impact("   ")).is_err());
    s.run(|i| i.cmd_impact("EU customers: 5xx on API")).unwrap();
    assert_eq!(s.inc.impact.text, "EU customers: 5xx on API");
    assert!(s.inc.impact.reviewed_at.is_some());
    s.run(|i| i.cmd_hypothesis("DNS")).unwrap();
    s.run(|i| i.cmd_hypothesis("bad deploy")).unwrap();
    s.run(|i| i.cmd_rule_out("1", Some("resolvers fine")))
        .unwrap();
    assert_eq!(
        s.run(|i| i.cmd_rule_out("1", None)),
        Err(DomainError::UnknownHypothesis("1".into()))
    );
    assert_eq!(
        s.inc
            .hypotheses
            .iter()
            .filter(|h| h.ruled_out.is_none())
            .count(),
        1
    );
    assert!(s.run(|i| i.cmd_link("AWS", "javascript:alert(1)")).is_err());
    s.run(|i| i.cmd_link("AWS ticket", "https://support.example/t/1"))
        .unwrap();
    s.run(|i| i.cmd_note("called vendor\u{1b}[2J")).unwrap();
    assert_eq!(
        s.inc.notes[0].text, "called vendor[2J",
        "control characters are stripped"
    );
}

#[test]
fn replay_equals_incremental_state() {
    let mut s = Sim::new("Alice");
    s.run(|i| i.cmd_set_state(Severity::Major)).unwrap();
    s.run(|i| i.cmd_join("Bob", Some("db"), None, None, None))
        .unwrap();
    s.run(|i| i.cmd_handoff(&Role::Ic, "Bob")).unwrap();
    s.run(|i| i.cmd_impact("all regions")).unwrap();
    let replayed = Incident::replay(&s.events).unwrap();
    assert_eq!(replayed, s.inc);
}

#[test]
fn resolved_incident_refuses_roster_changes() {
    let mut s = Sim::new("Alice");
    s.run(|i| i.cmd_set_state(Severity::Resolved)).unwrap();
    assert_eq!(
        s.run(|i| i.cmd_handoff(&Role::Ic, "Bob")),
        Err(DomainError::Resolved)
    );
    assert_eq!(
        s.run(|i| i.cmd_join("Bob", None, None, None, None)),
        Err(DomainError::Resolved)
    );
}

#[test]
fn replay_needs_an_opening_event() {
    let e = Event {
        v: 1,
        seq: 1,
        ts: t0(),
        actor: "a".into(),
        payload: Payload::NoteAdded { text: "x".into() },
        rep: Default::default(),
    };
    assert_eq!(Incident::replay([&e]), Err(DomainError::NotOpened));
    assert_eq!(
        Incident::replay(Vec::<&Event>::new()),
        Err(DomainError::NotOpened)
    );
}

/// The cockpit builds a payload from its view of the incident; under the journal's lock it is
/// numbered again against the incident as it is then (issue 15: another writer may have added
/// items meanwhile).
#[test]
fn renumber_allocates_ids_against_the_incident_as_it_is_now() {
    let mut s = Sim::new("alice");
    let stale_rem = s.inc.cmd_remediation_add("fix dns", None).unwrap();
    let stale_hyp = s.inc.cmd_hypothesis("dns").unwrap();
    // Meanwhile another writer adds #1 of each.
    s.run(|i| i.cmd_remediation_add("other", None)).unwrap();
    s.run(|i| i.cmd_hypothesis("other")).unwrap();
    assert!(matches!(
        s.inc.renumber(stale_rem).unwrap(),
        Payload::RemediationAdded { id: 2, .. }
    ));
    assert!(matches!(
        s.inc.renumber(stale_hyp).unwrap(),
        Payload::HypothesisAdded { id: 2, .. }
    ));
    // A sitrep's text names its version: one sent meanwhile refuses, never renumbers.
    let sitrep = |version| Payload::SitrepSent {
        version,
        fields: Default::default(),
        rendered: format!("Sitrep v{version}"),
        ic: None,
        comms: None,
        responders: vec![],
        groups: vec![],
    };
    s.push(sitrep(1));
    assert!(matches!(
        s.inc.renumber(sitrep(1)),
        Err(DomainError::SitrepSentMeanwhile(1))
    ));
    assert!(s.inc.renumber(sitrep(2)).is_ok());
}

#[test]
fn the_largest_id_has_no_successor() {
    let mut s = Sim::new("alice");
    s.push(Payload::RemediationAdded {
        id: u32::MAX,
        text: "hand edited".into(),
        owner: None,
        origin: None,
    });
    s.push(Payload::HypothesisAdded {
        id: u32::MAX,
        text: "hand edited".into(),
        origin: None,
    });
    assert!(matches!(
        s.inc.cmd_remediation_add("next", None),
        Err(DomainError::NumbersExhausted(..))
    ));
    assert!(matches!(
        s.inc.cmd_hypothesis("next"),
        Err(DomainError::NumbersExhausted(..))
    ));
}
