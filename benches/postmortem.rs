//! Post-mortem of a 100,000-event journal (target: under 1 s).
//!
//! The journal is generated in memory: a three-day incident with a realistic
//! mix (notes, status updates, sitreps, breaks, people joining and leaving,
//! hand-offs with acknowledgements, hypotheses, cleanup, remediation).
//! Measured: decoding the JSONL text, replaying it, and drafting the
//! Markdown; and the drafting alone.

use commandpost::config::Config;
use commandpost::domain::event::{
    Event, FORMAT_VERSION, Payload, Severity, SitrepFields, StatusFields,
};
use commandpost::domain::followup::postmortem::postmortem;
use commandpost::domain::{Incident, Role};
use criterion::{Criterion, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use std::hint::black_box;
use std::time::Instant;

const EVENTS: u64 = 100_000;

#[expect(
    clippy::too_many_lines,
    reason = "bench data: one scripted 100,000-event journal, read top to bottom"
)]
fn journal() -> String {
    let start: Timestamp = "2026-11-21T20:00:00Z".parse().unwrap_or_default();
    let people = [
        "Ricardo",
        "Chris",
        "Dana",
        "Eve",
        "Keiko",
        "渡辺 健",
        "Frank",
    ];
    let mut out = String::new();
    let mut seq = 0u64;
    let mut push = |actor: &str, secs: i64, payload: Payload| {
        seq += 1;
        let e = Event {
            v: FORMAT_VERSION,
            seq,
            ts: start
                .saturating_add(SignedDuration::from_secs(secs))
                .unwrap_or(start),
            actor: actor.to_string(),
            payload,
            rep: Default::default(),
        };
        out.push_str(&e.to_line().unwrap_or_default());
        out.push('\n');
    };
    push(
        "Alice",
        0,
        Payload::IncidentOpened {
            id: "INC-BENCH".into(),
            title: "Everything is on fire".into(),
            ic: "Alice".into(),
        },
    );
    for p in people {
        push(
            "Alice",
            1,
            Payload::PersonJoined {
                name: p.into(),
                handle: None,
                contact: None,
                team: None,
                group: Some("db".into()),
            },
        );
    }
    push(
        "Alice",
        2,
        Payload::StateChanged {
            from: Severity::Investigating,
            to: Severity::Major,
        },
    );
    let all = [
        "Alice",
        "Ricardo",
        "Chris",
        "Dana",
        "Eve",
        "Keiko",
        "渡辺 健",
        "Frank",
    ];
    let mut ic = 0usize;
    let mut hyp = 0u32;
    let mut n = 10u64;
    // ~3 days: one event every ~2.6 s.
    while n < EVENTS - 5 {
        let secs = (n as i64) * 26 / 10;
        let who = all[(n as usize) % all.len()];
        match n % 20 {
            0 => push(
                "Chris",
                secs,
                Payload::StatusPosted {
                    fields: StatusFields {
                        stage: "identified".into(),
                        message: format!(
                            "Update {n}: we are still working on it | details follow."
                        ),
                        workaround: "Retry.".into(),
                        components: vec![("Checkout".into(), "degraded".into())],
                        next_update_at: None,
                    },
                    rendered: "rendered status text ".repeat(8),
                },
            ),
            5 => push(
                "Alice",
                secs,
                Payload::SitrepSent {
                    version: (n / 20) as u32,
                    fields: SitrepFields {
                        summary: format!("Sitrep {n}: errors at 10%"),
                        impact: "EU checkouts".into(),
                        actions: "Failing over".into(),
                        needs: String::new(),
                        links: vec![],
                    },
                    rendered: "rendered sitrep text ".repeat(20),
                    ic: Some("Alice".into()),
                    comms: Some("Chris".into()),
                    responders: all.iter().map(|s| s.to_string()).collect(),
                    groups: vec!["db".into()],
                },
            ),
            7 => push(who, secs, Payload::BreakStarted { name: who.into() }),
            9 => push(who, secs, Payload::BreakEnded { name: who.into() }),
            11 => {
                hyp += 1;
                push(
                    "Alice",
                    secs,
                    Payload::HypothesisAdded {
                        id: hyp,
                        text: format!("hypothesis {hyp}"),
                        origin: None,
                    },
                )
            }
            13 if n % 400 == 13 => {
                // An acknowledged IC hand-off every 400 events.
                let (from, to) = (all[ic % all.len()], all[(ic + 1) % all.len()]);
                ic += 1;
                push(
                    from,
                    secs,
                    Payload::HandoffProposed {
                        role: Role::Ic,
                        from: Some(from.into()),
                        to: to.into(),
                        brief: "brief ".repeat(100),
                    },
                );
                n += 1;
                push(
                    to,
                    secs + 1,
                    Payload::HandoffAcknowledged {
                        role: Role::Ic,
                        by: to.into(),
                    },
                );
            }
            15 if n % 100 == 15 => push(
                "Alice",
                secs,
                Payload::RoleHandedOff {
                    role: Role::Comms,
                    from: None,
                    to: who.into(),
                },
            ),
            17 => push(
                "Alice",
                secs,
                Payload::QuestionReviewed {
                    question: commandpost::domain::event::LoopQuestion::ALL[(n as usize / 20) % 6],
                },
            ),
            _ => push(
                who,
                secs,
                Payload::NoteAdded {
                    text: format!("note {n} from {who}: looked at dashboards"),
                },
            ),
        }
        n += 1;
    }
    let end = (EVENTS as i64) * 26 / 10;
    push(
        "Alice",
        end,
        Payload::StateChanged {
            from: Severity::Major,
            to: Severity::Resolved,
        },
    );
    for i in 0..4 {
        push(
            "Alice",
            end + 60 + i,
            Payload::CleanupItemDone {
                item: format!("{}", i + 1),
                note: None,
            },
        );
    }
    push(
        "Alice",
        end + 100,
        Payload::RemediationAdded {
            id: 1,
            text: "Fix it for good".into(),
            owner: None,
            origin: None,
        },
    );
    out
}

fn decode(text: &str) -> Vec<Event> {
    text.lines()
        .filter_map(|l| Event::from_line(l).ok())
        .collect()
}

fn bench(c: &mut Criterion) {
    let text = journal();
    let config = Config::default();
    let cfg = config.policy();
    let events = decode(&text);
    let Ok(inc) = Incident::replay(&events) else {
        return;
    };
    // One timed run for the record, outside criterion's statistics.
    let t0 = Instant::now();
    let evs = decode(&text);
    let t1 = Instant::now();
    let replayed = Incident::replay(&evs);
    let t2 = Instant::now();
    let md = replayed
        .as_ref()
        .ok()
        .and_then(|i| postmortem(i, &evs, &cfg, None).ok())
        .unwrap_or_default();
    let t3 = Instant::now();
    eprintln!(
        "{} events, {} bytes of JSONL: decode {:?}, replay {:?}, post-mortem {:?} ({} bytes of Markdown); total {:?}",
        evs.len(),
        text.len(),
        t1 - t0,
        t2 - t1,
        t3 - t2,
        md.len(),
        t3 - t0
    );

    let mut g = c.benchmark_group("postmortem_100k");
    g.sample_size(10);
    g.bench_function("decode+replay+draft", |b| {
        b.iter(|| {
            let evs = decode(black_box(&text));
            let inc = Incident::replay(&evs).ok();
            inc.and_then(|i| postmortem(&i, &evs, &cfg, None).ok())
        })
    });
    g.bench_function("draft", |b| {
        b.iter(|| postmortem(black_box(&inc), black_box(&events), &cfg, None).ok())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
