//! `commandpost demo`: a lively incident six hours in, journaled with
//! back-dated timestamps into a throwaway directory. Nothing is sent: the
//! only outbox is a file in that directory, removed on exit.

use crate::config::{Config, KnownPerson};
use crate::domain::event::{LoopQuestion, Severity, SitrepFields, StatusFields};
use crate::domain::{Payload, Role};
use crate::journal::{Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use std::path::{Path, PathBuf};

/// A directory removed (with its contents) when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> std::io::Result<TempDir> {
        let nanos = Timestamp::now().as_nanosecond();
        let path = std::env::temp_dir().join(format!(
            "commandpost-demo-{}-{}",
            std::process::id(),
            nanos.rem_euclid(1_000_000_000)
        ));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// People configured but not in the incident: offered for rotation.
pub fn known_people() -> Vec<KnownPerson> {
    ["Ricardo", "Chris", "Noah"]
        .iter()
        .map(|n| KnownPerson {
            handle: Some(format!("@{}", n.to_lowercase())),
            team: Some("sre".into()),
            ..KnownPerson::named(n)
        })
        .collect()
}

fn lead(group: &str, name: &str) -> Payload {
    Payload::RoleHandedOff {
        role: Role::OpsLead(group.into()),
        from: None,
        to: name.into(),
    }
}

fn sitrep(version: u32, summary: &str, groups: &[&str], actor: &str) -> Payload {
    Payload::SitrepSent {
        version,
        fields: SitrepFields {
            summary: summary.into(),
            impact: "EU customers see API errors".into(),
            actions: "failing over the primary database".into(),
            needs: String::new(),
            links: vec![],
        },
        rendered: summary.into(),
        ic: Some(actor.into()),
        comms: Some("Keiko".into()),
        responders: vec![],
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

/// The demo's events as (minutes before now, actor, payload), oldest first.
/// The first one opens the incident with Alice as IC; `actor` takes over.
#[expect(
    clippy::too_many_lines,
    reason = "demo data: one literal script of events, read top to bottom"
)]
pub fn script(actor: &str) -> Vec<(i64, String, Payload)> {
    let a = |s: &str| s.to_string();
    let me = actor.to_string();
    let review = |q| Payload::QuestionReviewed { question: q };
    let mut v: Vec<(i64, String, Payload)> = vec![
        (
            472,
            a("Alice"),
            Payload::IncidentOpened {
                id: String::new(),
                title: "EU API 5xx errors and slow checkouts".into(),
                ic: "Alice".into(),
            },
        ),
        (
            465,
            a("Alice"),
            Payload::NoteAdded {
                text: "Paged by checkout-latency alert; moved to #inc-eu-api".into(),
            },
        ),
        (
            460,
            a("Alice"),
            Payload::RoleHandedOff {
                role: Role::Comms,
                from: None,
                to: "Keiko".into(),
            },
        ),
        (
            452,
            a("Alice"),
            Payload::StateChanged {
                from: Severity::Investigating,
                to: Severity::Confirmed,
            },
        ),
        (450, a("Alice"), lead("database", "Bob")),
        (449, a("Alice"), Payload::joined("Carol", Some("database"))),
        (448, a("Alice"), Payload::joined("José", Some("database"))),
        (
            445,
            a("Keiko"),
            Payload::StatusPosted {
                fields: StatusFields {
                    stage: "investigating".into(),
                    message: "We are investigating elevated API errors in the EU region.".into(),
                    ..StatusFields::default()
                },
                rendered: String::new(),
            },
        ),
        (
            440,
            a("Alice"),
            sitrep(
                1,
                "EU API errors, database suspected",
                &["database"],
                "Alice",
            ),
        ),
        (
            420,
            a("Bob"),
            Payload::HypothesisAdded {
                id: 1,
                text: "primary db disk full".into(),
                origin: None,
            },
        ),
        (
            400,
            a("Bob"),
            Payload::HypothesisRuledOut {
                id: 1,
                reason: Some("62% used".into()),
                of: None,
            },
        ),
        (390, a("Alice"), lead("routing", "Rui")),
        (388, a("Alice"), Payload::joined("Sam", Some("routing"))),
        (386, a("Alice"), Payload::joined("Lena", Some("routing"))),
        (380, a("Alice"), Payload::joined("Dave", None)),
        (
            300,
            a("Alice"),
            Payload::StateChanged {
                from: Severity::Confirmed,
                to: Severity::Major,
            },
        ),
        (
            298,
            a("Alice"),
            Payload::ImpactUpdated {
                text: "EU: 30% of API calls fail; checkout p95 9s".into(),
            },
        ),
        (
            290,
            a("Alice"),
            sitrep(
                2,
                "Major: EU API degraded, failover planned",
                &["database", "routing"],
                "Alice",
            ),
        ),
        (280, a("Alice"), Payload::joined("Dmitri", Some("database"))),
        (278, a("Alice"), Payload::joined("Priya", Some("database"))),
        (240, a("Bob"), Payload::BreakStarted { name: "Bob".into() }),
        (215, a("Bob"), Payload::BreakEnded { name: "Bob".into() }),
        (
            185,
            a("Alice"),
            Payload::RoleHandedOff {
                role: Role::Ic,
                from: Some("Alice".into()),
                to: me.clone(),
            },
        ),
        (
            184,
            me.clone(),
            Payload::RoleHandedOff {
                role: Role::Deputy,
                from: None,
                to: "Alice".into(),
            },
        ),
    ];
    for (i, q) in LoopQuestion::ALL.iter().enumerate() {
        v.push((170 - i as i64, me.clone(), review(*q)));
    }
    v.extend([
        (
            150,
            me.clone(),
            Payload::ImpactUpdated {
                text: "EU: 12% of API calls fail after partial failover; checkout p95 4s".into(),
            },
        ),
        (
            120,
            me.clone(),
            Payload::RoleHandedOff {
                role: Role::Scribe,
                from: None,
                to: "渡辺 健".into(),
            },
        ),
        (
            85,
            me.clone(),
            sitrep(
                3,
                "Partial failover done; errors down to 12%",
                &["database", "routing"],
                actor,
            ),
        ),
        (
            70,
            me.clone(),
            Payload::PersonReleased {
                name: "Dave".into(),
            },
        ),
        (55, me.clone(), lead("api", "Ola")),
        (54, me.clone(), Payload::joined("Chen", Some("api"))),
        (53, me.clone(), Payload::joined("Fatima 🚒", Some("api"))),
        (
            35,
            a("Keiko"),
            Payload::StatusPosted {
                fields: StatusFields {
                    stage: "identified".into(),
                    message: "A database failover is in progress; retries may succeed.".into(),
                    workaround: "Retry failed checkouts.".into(),
                    ..StatusFields::default()
                },
                rendered: String::new(),
            },
        ),
        (
            22,
            a("Carol"),
            Payload::BreakStarted {
                name: "Carol".into(),
            },
        ),
        (
            12,
            a("José"),
            Payload::NoteAdded {
                text: "replica lag back under 1s on eu-db-2".into(),
            },
        ),
        (10, me.clone(), review(LoopQuestion::Support)),
        (
            4,
            a("Rui"),
            Payload::NoteAdded {
                text: "routing: draining eu-west-1b edge nodes".into(),
            },
        ),
    ]);
    v
}

/// The demo as journal events without touching the disk (for tests and
/// benchmarks): sequence numbers from 1, timestamps before `now`.
pub fn events(actor: &str, now: Timestamp) -> Vec<crate::domain::Event> {
    script(actor)
        .into_iter()
        .enumerate()
        .map(|(i, (mins, who, payload))| {
            let payload = match payload {
                Payload::IncidentOpened { title, ic, .. } => Payload::IncidentOpened {
                    id: "INC-DEMO".into(),
                    title,
                    ic,
                },
                p => p,
            };
            crate::domain::Event {
                v: crate::domain::event::FORMAT_VERSION,
                seq: i as u64 + 1,
                ts: now
                    .checked_sub(SignedDuration::from_mins(mins))
                    .unwrap_or(now),
                actor: who,
                payload,
                rep: Default::default(),
            }
        })
        .collect()
}

/// A large incident for benchmarks: `people` on duty spread over groups of
/// eight (with a lead each) and notes up to `events` journal lines, all in
/// the last ten hours before `now`.
pub fn crowd(
    actor: &str,
    now: Timestamp,
    people: usize,
    events: usize,
) -> Vec<crate::domain::Event> {
    let mut out = Vec::with_capacity(events.max(people + 1));
    let span_secs: i64 = 10 * 3600;
    let total = events.max(people + 1) as i64;
    let push = |payload: Payload, who: &str, out: &mut Vec<crate::domain::Event>| {
        let i = out.len() as i64;
        let ago = span_secs - span_secs * i / total;
        out.push(crate::domain::Event {
            v: crate::domain::event::FORMAT_VERSION,
            seq: i as u64 + 1,
            ts: now
                .checked_sub(SignedDuration::from_secs(ago))
                .unwrap_or(now),
            actor: who.to_string(),
            payload,
            rep: Default::default(),
        });
    };
    push(
        Payload::IncidentOpened {
            id: "INC-BENCH".into(),
            title: "Benchmark incident with a long title that will be truncated".into(),
            ic: actor.into(),
        },
        actor,
        &mut out,
    );
    const GROUPS: [&str; 7] = [
        "database", "routing", "api", "cache", "dns", "storage", "auth",
    ];
    for p in 1..people {
        let group = GROUPS[(p / 8) % GROUPS.len()];
        let name = format!("Person {p:02} ñ");
        let payload = if p % 8 == 1 {
            lead(group, &name)
        } else {
            Payload::joined(&name, Some(group))
        };
        push(payload, actor, &mut out);
    }
    while out.len() < events {
        let n = out.len();
        push(
            Payload::NoteAdded {
                text: format!(
                    "progress note {n}: replica lag {}ms on eu-db-{}",
                    n % 900,
                    n % 7
                ),
            },
            "Person 02 ñ",
            &mut out,
        );
    }
    out
}

/// Journals the demo incident into `store`, adds the demo's known people to
/// `config` and removes its backends (a demo sends nothing). Returns the
/// incident id.
pub fn build(
    store: &Store,
    config: &mut Config,
    actor: &str,
    now: Timestamp,
) -> Result<String, StoreError> {
    let at = |mins: i64| {
        now.checked_sub(SignedDuration::from_mins(mins))
            .unwrap_or(now)
    };
    let mut script = script(actor).into_iter();
    let Some((m0, who, Payload::IncidentOpened { title, .. })) = script.next() else {
        return Err(StoreError::Domain(crate::domain::DomainError::NotOpened));
    };
    let (mut journal, first) = store.create(&title, &who, at(m0))?;
    let id = match first.payload {
        Payload::IncidentOpened { id, .. } => id,
        _ => String::new(),
    };
    for (mins, who, payload) in script {
        journal.append(&who, at(mins), payload)?;
    }
    config.people.extend(known_people());
    // The demo sends nothing: no configured backend, only the file backend in
    // the demo's throwaway directory.
    config.backends.clear();
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checklist::{Status, evaluate};

    #[test]
    fn demo_is_lively() {
        let dir = TempDir::new().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::new(dir.path());
        let mut cfg = Config::default();
        cfg.backends.push(toml::Table::new());
        let now: Timestamp = "2026-11-21T03:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let id = build(&store, &mut cfg, "you", now).unwrap_or_else(|e| panic!("{e}"));
        assert!(cfg.backends.is_empty(), "a demo sends nothing");
        let (_, inc) = store.open(&id).unwrap_or_else(|e| panic!("{e}"));
        assert!(inc.people.len() >= 12, "{}", inc.people.len());
        assert_eq!(inc.groups.len(), 3);
        assert_eq!(inc.ic().map(|h| h.name.as_str()), Some("you"));
        let rows = evaluate(&inc, &cfg.policy(), now);
        assert!(rows.iter().any(|r| r.status == Status::Overdue));
        // Alice is near her 8 hours.
        let alice = inc.person("Alice").and_then(|p| p.on_duty_since());
        assert_eq!(alice.map(|t| now.duration_since(t).as_mins()), Some(472));
        drop(dir);
    }
}
