//! Writes a realistic long incident journal for benchmarks: 50 people in six
//! operations groups, notes, breaks, hand-offs with their announcements,
//! sitreps and status updates every half hour or so, loop reviews,
//! hypotheses, and the outbox events (queued, attempt, outcome) that
//! delivering all of it journals. Deterministic for a given seed.
//!
//! ```text
//! benches/journal-gen --data-dir /tmp/cp100k --events 100000
//! # or: cargo run --release --example journal-gen -- --data-dir /tmp/cp100k --events 100000
//! commandpost --data-dir /tmp/cp100k show --json
//! ```
//!
//! Options: `--data-dir DIR` (required), `--events N` (default 10000),
//! `--people N` (default 50), `--id ID` (default INC-20261121-0300-GEN),
//! `--seed N`, `--hours H` (how long the incident has run, default: about
//! one event per 1.3 s), `--end RFC3339` (the last event's time, default now).
//! The journal is written with raw JSON lines (the on-disk format, not the
//! Rust types), then opened and replayed once to check it.
#![allow(clippy::print_stdout)]

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const GROUPS: [&str; 6] = ["database", "network", "api", "storage", "auth", "edge"];
const FIRST: [&str; 25] = [
    "Alice", "Ricardo", "Keiko", "José", "Noah", "Greg", "Harold", "Priya", "Chen", "Fatima",
    "Lars", "Amara", "Sven", "Yuki", "Olu", "Marta", "Dmitri", "Aiko", "Tomás", "Ingrid", "Kwame",
    "Léa", "Ravi", "Zoe", "渡辺",
];
const LAST: [&str; 2] = ["M.", "K."];

const SYSTEMS: [&str; 8] = [
    "eu-db-3",
    "api-gw",
    "edge-lb-2",
    "kafka-7",
    "auth-svc",
    "cdn-fra",
    "redis-main",
    "payments-api",
];
const NOTE_SHAPES: [&str; 12] = [
    "replication lag on {sys} back to {n}ms after the failover",
    "{sys}: error rate {n}‰ over the last 5 minutes, trending down",
    "rolled back {sys} to the previous release; watching dashboards",
    "vendor ticket updated: they see elevated latency on {sys} too",
    "customer support reports {n} new tickets mentioning checkout timeouts",
    "{sys} CPU at {n}% after scaling out; no more throttling",
    "paging the on-call for {sys}; escalation policy says 15 min",
    "found a config drift on {sys}: max_connections was lowered last week",
    "draining traffic away from {sys} — expect a blip",
    "synthetic checks green for {n} minutes in a row",
    "{sys} disk queue depth {n}; storage team looking",
    "hypothesis: the cert rotation at 02:10 broke mTLS to {sys}",
];

/// xorshift64*: deterministic and independent of any crate's algorithm.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

struct Person {
    name: String,
    group: &'static str,
    on_duty: bool,
    on_break: bool,
}

struct Gen {
    w: BufWriter<std::fs::File>,
    rng: Rng,
    seq: u64,
    total: u64,
    start: Timestamp,
    span_ms: i64,
    id: String,
    title: String,
    people: Vec<Person>,
    ic: String,
    comms: String,
    severity: &'static str,
    sitrep_version: u32,
    hypotheses: u32,
    open_hypotheses: Vec<u32>,
    last_sitrep_ms: i64,
    last_status_ms: i64,
}

impl Gen {
    /// Time of the next event: evenly spread from the start to `--end`.
    fn ts_ms(&self) -> i64 {
        self.span_ms * self.seq as i64 / self.total.max(2) as i64
    }

    fn ts(&self) -> Timestamp {
        self.start
            .checked_add(SignedDuration::from_millis(self.ts_ms()))
            .unwrap_or(self.start)
    }

    /// Writes the next event (nothing once `--events` are written).
    fn emit(&mut self, actor: &str, kind: &str, data: Value) -> std::io::Result<()> {
        if self.full() {
            return Ok(());
        }
        self.seq += 1;
        let line = json!({
            "v": 1,
            "seq": self.seq,
            "ts": self.ts().to_string(),
            "actor": actor,
            "type": kind,
            "data": data,
        });
        writeln!(self.w, "{line}")
    }

    fn full(&self) -> bool {
        self.seq >= self.total
    }

    fn on_duty(&mut self) -> Option<usize> {
        let idx: Vec<usize> = (0..self.people.len())
            .filter(|&i| self.people[i].on_duty)
            .collect();
        idx.get(self.rng.below(idx.len())).copied()
    }

    fn note_text(&mut self) -> String {
        let shape = *self.rng.pick(&NOTE_SHAPES);
        let sys = *self.rng.pick(&SYSTEMS);
        let n = self.rng.below(900) + 3;
        shape.replace("{sys}", sys).replace("{n}", &n.to_string())
    }

    /// An outbound message and its delivery to `backends` (queued, attempt,
    /// outcome per backend; now and then a retry first).
    fn deliver(
        &mut self,
        kind: &str,
        headline: &str,
        body: &str,
        status: Option<Value>,
    ) -> std::io::Result<()> {
        let backends: Vec<&str> = match kind {
            "status" => vec!["statuspage"],
            "sitrep" => vec!["chat", "email-stakeholders"],
            _ => vec!["chat"],
        };
        let actor = self.ic.clone();
        let mut message = json!({
            "id": "",
            "incident_id": self.id,
            "incident_title": self.title,
            "severity": self.severity,
            "kind": kind,
            "headline": headline,
            "body": body,
            "mention_all": headline.starts_with("@all"),
            "test": false,
        });
        if let (Some(s), Some(m)) = (status, message.as_object_mut()) {
            m.insert("status".into(), s);
        }
        self.emit(
            &actor,
            "outbox",
            json!({"event": "queued", "message": message, "backends": backends}),
        )?;
        let mid = format!("{}.m{}", self.id, self.seq);
        for b in backends {
            let mut attempt = 1;
            if self.rng.below(10) == 0 {
                self.emit(
                    &actor,
                    "outbox",
                    json!({"event": "attempt", "message": mid, "backend": b, "attempt": attempt}),
                )?;
                let retry_at = self.ts() + SignedDuration::from_secs(4);
                self.emit(
                    &actor,
                    "outbox",
                    json!({"event": "outcome", "message": mid, "backend": b, "attempt": attempt,
                           "result": {"result": "retrying", "reason": "HTTP 503 from upstream",
                                      "retry_at": retry_at.to_string(), "parts_done": 0}}),
                )?;
                attempt += 1;
            }
            self.emit(
                &actor,
                "outbox",
                json!({"event": "attempt", "message": mid, "backend": b, "attempt": attempt}),
            )?;
            self.emit(
                &actor,
                "outbox",
                json!({"event": "outcome", "message": mid, "backend": b, "attempt": attempt,
                       "result": {"result": "delivered", "detail": "HTTP 200"}}),
            )?;
        }
        Ok(())
    }

    fn sitrep(&mut self) -> std::io::Result<()> {
        self.sitrep_version += 1;
        let v = self.sitrep_version;
        let summary = format!(
            "EU API error rate elevated; {} mitigated, {} still degraded",
            self.rng.pick(&SYSTEMS),
            self.rng.pick(&SYSTEMS)
        );
        let impact = "About 4% of EU API requests fail; checkout retries succeed".to_string();
        let actions = format!(
            "- failing over {}\n- scaling {}\n- vendor engaged (ticket 48213)",
            self.rng.pick(&SYSTEMS),
            self.rng.pick(&SYSTEMS)
        );
        let needs = "A second DBA for the next shift".to_string();
        let groups: Vec<&str> = GROUPS.to_vec();
        let rendered = format!(
            "# Sitrep v{v}: {title}\nState: {sev}\nIC: {ic}  Comms: {comms}\n\n## Summary\n{summary}\n\n## Impact\n{impact}\n\n## Actions\n{actions}\n\n## Needs\n{needs}\n",
            title = self.title,
            sev = self.severity,
            ic = self.ic,
            comms = self.comms,
        );
        let responders: Vec<String> = self
            .people
            .iter()
            .filter(|p| p.on_duty)
            .take(12)
            .map(|p| p.name.clone())
            .collect();
        let actor = self.ic.clone();
        self.emit(
            &actor,
            "sitrep_sent",
            json!({"version": v,
                   "fields": {"summary": summary, "impact": impact, "actions": actions, "needs": needs,
                              "links": [{"label": "dashboard", "url": "https://grafana.example.com/d/api"}]},
                   "rendered": rendered, "ic": self.ic, "comms": self.comms,
                   "responders": responders, "groups": groups}),
        )?;
        self.deliver("sitrep", &format!("Sitrep v{v}"), &rendered, None)
    }

    fn status(&mut self) -> std::io::Result<()> {
        let stage = *self
            .rng
            .pick(&["investigating", "identified", "monitoring"]);
        let message = format!(
            "Some customers in Europe see errors when calling the API. We are working on {}.",
            self.rng
                .pick(&["a fix", "restoring full capacity", "the affected database"])
        );
        let workaround = "Retrying the request usually succeeds.";
        let next = self.ts() + SignedDuration::from_mins(30);
        let comms = self.comms.clone();
        let rendered = format!("[{stage}] {message}\nWorkaround: {workaround}");
        self.emit(
            &comms,
            "status_posted",
            json!({"fields": {"stage": stage, "message": message, "workaround": workaround,
                              "components": [["API", "partial_outage"]],
                              "next_update_at": next.to_string()},
                   "rendered": rendered}),
        )?;
        let status = json!({"stage": stage, "message": message, "workaround": workaround,
                            "components": [["API", "partial_outage"]]});
        self.deliver(
            "status",
            &format!("Status: {stage}"),
            &rendered,
            Some(status),
        )
    }

    fn handoff(&mut self, role: &str) -> std::io::Result<()> {
        let Some(to) = self.on_duty() else {
            return Ok(());
        };
        let to = self.people[to].name.clone();
        let from = match role {
            "ic" => self.ic.clone(),
            "comms" => self.comms.clone(),
            _ => String::new(),
        };
        if to == from {
            return Ok(());
        }
        let actor = self.ic.clone();
        self.emit(
            &actor,
            "role_handed_off",
            json!({"role": role, "from": from, "to": to}),
        )?;
        let title = if role == "ic" { "IC" } else { "Comms" };
        match role {
            "ic" => self.ic = to.clone(),
            _ => self.comms = to.clone(),
        }
        let text = format!("@all: {title} -> {to}");
        self.deliver("announcement", &text, &text, None)
    }

    fn step(&mut self) -> std::io::Result<()> {
        let now_ms = self.ts_ms();
        if now_ms - self.last_sitrep_ms > 30 * 60 * 1000 {
            self.last_sitrep_ms = now_ms;
            return self.sitrep();
        }
        if now_ms - self.last_status_ms > 45 * 60 * 1000 {
            self.last_status_ms = now_ms;
            return self.status();
        }
        let roll = self.rng.below(1000);
        let Some(who) = self.on_duty() else {
            return Ok(());
        };
        let name = self.people[who].name.clone();
        match roll {
            0..=629 => {
                let text = self.note_text();
                self.emit(&name, "note_added", json!({"text": text}))
            }
            630..=729 => {
                let q = *self.rng.pick(&[
                    "support",
                    "breaks",
                    "customers",
                    "impact",
                    "sitrep",
                    "groups_informed",
                ]);
                let ic = self.ic.clone();
                self.emit(&ic, "question_reviewed", json!({"question": q}))
            }
            730..=809 => {
                let p = &mut self.people[who];
                let kind = if p.on_break {
                    "break_ended"
                } else {
                    "break_started"
                };
                p.on_break = !p.on_break;
                let ic = self.ic.clone();
                self.emit(&ic, kind, json!({"name": name}))
            }
            810..=839 => {
                let n = self.rng.below(9) + 1;
                let ic = self.ic.clone();
                self.emit(
                    &ic,
                    "impact_updated",
                    json!({"text": format!("About {n}% of EU API requests fail; checkout retries succeed")}),
                )
            }
            840..=869 => {
                self.hypotheses += 1;
                let id = self.hypotheses;
                self.open_hypotheses.push(id);
                let text = format!("{} is the cause", self.rng.pick(&SYSTEMS));
                self.emit(&name, "hypothesis_added", json!({"id": id, "text": text}))
            }
            870..=889 => match self.open_hypotheses.pop() {
                Some(id) => self.emit(
                    &name,
                    "hypothesis_ruled_out",
                    json!({"id": id, "reason": "metrics do not support it"}),
                ),
                None => Ok(()),
            },
            890..=899 => {
                let n = self.rng.below(100_000);
                self.emit(
                    &name,
                    "link_added",
                    json!({"label": format!("vendor ticket {n}"),
                           "url": format!("https://support.example.com/tickets/{n}")}),
                )
            }
            900..=904 => self.handoff("ic"),
            905..=909 => self.handoff("comms"),
            910..=919 => {
                // Someone goes off shift (never the IC or Comms), someone comes back.
                let p = &self.people[who];
                if p.name == self.ic || p.name == self.comms || p.on_break {
                    return Ok(());
                }
                self.people[who].on_duty = false;
                let ic = self.ic.clone();
                self.emit(&ic, "person_released", json!({"name": name}))?;
                let off: Vec<usize> = (0..self.people.len())
                    .filter(|&i| !self.people[i].on_duty)
                    .collect();
                if let Some(&back) = off.get(self.rng.below(off.len())) {
                    self.people[back].on_duty = true;
                    let (n, g) = (self.people[back].name.clone(), self.people[back].group);
                    self.emit(&ic, "person_joined", json!({"name": n, "group": g}))?;
                }
                Ok(())
            }
            _ => {
                let text = self.note_text();
                self.emit(&name, "note_added", json!({"text": text}))
            }
        }
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!(
            "journal-gen --data-dir DIR [--events N] [--people N] [--id ID] [--seed N] [--hours H] [--end RFC3339]"
        );
        return Ok(());
    }
    let num = |name: &str, default: u64| -> Result<u64, String> {
        arg(&args, name).map_or(Ok(default), |v| {
            v.parse().map_err(|e| format!("{name} {v:?}: {e}"))
        })
    };
    let dir = PathBuf::from(arg(&args, "--data-dir").ok_or("--data-dir DIR is required")?);
    let total = num("--events", 10_000)?.max(2);
    let npeople = num("--people", 50)?.clamp(2, 1000) as usize;
    let seed = num("--seed", 0x5eed)?;
    let id = arg(&args, "--id").unwrap_or_else(|| "INC-20261121-0300-GEN".into());
    let end: Timestamp = match arg(&args, "--end") {
        Some(e) => e.parse().map_err(|e| format!("--end: {e}"))?,
        None => Timestamp::now(),
    };
    let hours = num("--hours", (total * 13 / 10 / 3600).max(1))?;
    let span_ms = hours as i64 * 3_600_000;
    let start = end
        .checked_sub(SignedDuration::from_millis(span_ms))
        .map_err(|e| e.to_string())?;

    let inc_dir = dir.join("incidents").join(&id);
    std::fs::create_dir_all(&inc_dir).map_err(|e| format!("{}: {e}", inc_dir.display()))?;
    let path = inc_dir.join("journal.jsonl");
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let people: Vec<Person> = (0..npeople)
        .map(|i| Person {
            name: format!(
                "{} {}",
                FIRST[i % FIRST.len()],
                LAST[(i / FIRST.len()) % LAST.len()]
            ),
            group: GROUPS[i % GROUPS.len()],
            on_duty: false,
            on_break: false,
        })
        .collect();
    let mut g = Gen {
        w: BufWriter::with_capacity(1 << 20, file),
        rng: Rng(seed | 1),
        seq: 0,
        total,
        start,
        span_ms,
        id: id.clone(),
        title: "Elevated API errors in EU".into(),
        ic: people[0].name.clone(),
        comms: people[1].name.clone(),
        people,
        severity: "investigating",
        sitrep_version: 0,
        hypotheses: 0,
        open_hypotheses: Vec::new(),
        last_sitrep_ms: 0,
        last_status_ms: 0,
    };
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let ic = g.ic.clone();
    g.emit(
        &ic,
        "incident_opened",
        json!({"id": id, "title": g.title, "ic": ic}),
    )
    .map_err(io)?;
    g.people[0].on_duty = true;
    // Everyone arrives in the first hour: group leads first, then members.
    for i in 1..g.people.len() {
        if g.full() {
            break;
        }
        g.people[i].on_duty = true;
        let (name, group) = (g.people[i].name.clone(), g.people[i].group);
        if i <= GROUPS.len() {
            g.emit(
                &ic,
                "role_handed_off",
                json!({"role": format!("ops:{group}"), "from": null, "to": name}),
            )
            .map_err(io)?;
        } else {
            g.emit(
                &ic,
                "person_joined",
                json!({"name": name, "handle": format!("@{}", name.to_lowercase().replace(' ', "")),
                       "team": "sre", "group": group}),
            )
            .map_err(io)?;
        }
        if i == 1 && !g.full() {
            let comms = g.comms.clone();
            g.emit(
                &ic,
                "role_handed_off",
                json!({"role": "comms", "from": null, "to": comms}),
            )
            .map_err(io)?;
        }
    }
    for (from, to) in [("investigating", "confirmed"), ("confirmed", "major")] {
        if !g.full() {
            g.emit(&ic, "state_changed", json!({"from": from, "to": to}))
                .map_err(io)?;
            g.severity = to;
        }
    }
    while !g.full() {
        g.step().map_err(io)?;
    }
    g.w.flush().map_err(io)?;
    drop(g.w);
    // The file must be a journal the product reads.
    let (_, inc, warnings) = commandpost::journal::store::replay_file(&path)
        .map_err(|e| format!("the generated journal does not replay: {e}"))?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "{}: {} events, {:.1} MB, {} people ({} on duty), {} sitreps, {} notes{}",
        path.display(),
        inc.last_seq,
        size as f64 / 1e6,
        inc.people.len(),
        inc.on_duty().count(),
        inc.sitreps.len(),
        inc.notes.len(),
        if warnings.is_empty() {
            String::new()
        } else {
            format!(" (warnings: {})", warnings.join("; "))
        }
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("journal-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
