//! Hypothesis and remediation numbers across cockpits (see `domain::numbered`): two or three
//! data dirs number items from their own, possibly stale, view, so two of them give out the
//! same number; people then rule out / finish items by the label their own screen shows.
//! Pure domain: each replica holds its own events as local lines (no origin) and the
//! others' as remote lines, and folds them in merge order, like a real journal.
//!
//! Properties, for every interleaving and arrival order the simulation picks:
//! 1. at every moment, on every replica, an item that is ruled out / done was ruled out /
//!    finished by someone who meant that very item (never another item with its number);
//! 2. once every replica holds every event, all show the same state, every intended
//!    rule-out and done has reached its item, and every label is unique;
//! 3. a replica folding the events one by one as they arrive (`Replica`) agrees with a
//!    replay of the same events.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

use commandpost::domain::event::{Event, Payload, Rep};
use commandpost::domain::incident::{DomainError, Incident};
use commandpost::domain::merge::{Replica, replay};
use commandpost::domain::numbered::{Numbered, stamp};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const ORIGINS: [&str; 3] = ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"];
const ACTORS: [&str; 3] = ["Alice", "Ben", "Carol"];

fn t0() -> Timestamp {
    "2026-11-21T14:00:00Z".parse().unwrap()
}

/// One event as every replica knows it: its origin (`ORIGINS` index), oseq, Lamport counter.
#[derive(Debug, Clone)]
struct Made {
    origin: usize,
    oseq: u64,
    lc: u64,
    ts: Timestamp,
    actor: String,
    payload: Payload,
}

impl Made {
    /// The journal line on replica `home`: its own events local, others remote.
    fn on(&self, home: usize, seq: u64) -> Event {
        let mut e = Event::new(seq, self.ts, self.actor.clone(), self.payload.clone());
        e.rep = if self.origin == home {
            Rep {
                lc: Some(self.lc),
                oseq: Some(self.oseq),
                ..Rep::default()
            }
        } else {
            Rep {
                origin: Some(ORIGINS[self.origin].to_string()),
                oseq: Some(self.oseq),
                lc: Some(self.lc),
                eid: None,
            }
        };
        e
    }
}

/// One cockpit (data dir): the events it holds, in arrival order.
struct Cockpit {
    me: usize,
    held: Vec<usize>,
    oseq: u64,
}

/// What the people meant: item text -> the reasons / notes of the rule-outs and dones
/// aimed at it.
#[derive(Default)]
struct Meant {
    ruled_out: BTreeMap<String, BTreeSet<String>>,
    done: BTreeMap<String, BTreeSet<String>>,
}

struct World {
    made: Vec<Made>,
    cockpits: Vec<Cockpit>,
    meant: Meant,
    clock: i64,
}

impl World {
    fn new(n: usize) -> World {
        let opening = Made {
            origin: 0,
            oseq: 1,
            lc: 1,
            ts: t0(),
            actor: "Alice".into(),
            payload: Payload::opened("INC-1", "API errors", "Alice"),
        };
        let cockpits = (0..n)
            .map(|i| Cockpit {
                me: i,
                held: vec![0],
                oseq: u64::from(i == 0),
            })
            .collect();
        World {
            made: vec![opening],
            cockpits,
            meant: Meant::default(),
            clock: 0,
        }
    }

    fn events(&self, c: usize) -> Vec<Event> {
        let k = &self.cockpits[c];
        k.held
            .iter()
            .enumerate()
            .map(|(i, &m)| self.made[m].on(k.me, i as u64 + 1))
            .collect()
    }

    fn view(&self, c: usize) -> Incident {
        replay(&self.events(c), ORIGINS[c]).unwrap()
    }

    /// Cockpit `c` journals `p` (a Lamport counter above all it holds).
    fn write(&mut self, c: usize, p: Payload) {
        self.clock += 7;
        let lc = self.cockpits[c]
            .held
            .iter()
            .map(|&m| self.made[m].lc)
            .max()
            .unwrap_or(0)
            + 1;
        let k = &mut self.cockpits[c];
        k.oseq += 1;
        self.made.push(Made {
            origin: c,
            oseq: k.oseq,
            lc,
            ts: t0() + SignedDuration::from_secs(self.clock),
            actor: ACTORS[c].into(),
            payload: p,
        });
        k.held.push(self.made.len() - 1);
    }

    fn act(&mut self, c: usize, what: u8, arg: u8) {
        let inc = self.view(c);
        let n = self.made.len();
        match what % 4 {
            0 => {
                let p = inc.cmd_hypothesis(&format!("cause {n}")).unwrap();
                let p = stamp(p, || ORIGINS[c].to_string());
                self.write(c, p);
            }
            1 => {
                let p = inc.cmd_remediation_add(&format!("fix {n}"), None).unwrap();
                let p = stamp(p, || ORIGINS[c].to_string());
                self.write(c, p);
            }
            2 => {
                let open: Vec<_> = inc
                    .hypotheses
                    .iter()
                    .filter(|h| h.ruled_out.is_none())
                    .collect();
                if open.is_empty() {
                    return;
                }
                let h = open[arg as usize % open.len()];
                // The person types the label their screen shows.
                let why = format!("{} meant {}", ACTORS[c], h.text);
                let p = inc.cmd_rule_out(&h.label(), Some(&why)).unwrap();
                self.meant
                    .ruled_out
                    .entry(h.text.clone())
                    .or_default()
                    .insert(why);
                self.write(c, p);
            }
            _ => {
                let open: Vec<_> = inc
                    .followup
                    .remediations
                    .iter()
                    .filter(|r| !r.is_done())
                    .collect();
                if open.is_empty() {
                    return;
                }
                let r = open[arg as usize % open.len()];
                let note = format!("{} meant {}", ACTORS[c], r.text);
                let p = inc.cmd_remediation_done(&r.label(), Some(&note)).unwrap();
                self.meant
                    .done
                    .entry(r.text.clone())
                    .or_default()
                    .insert(note);
                self.write(c, p);
            }
        }
    }

    /// Cockpit `to` receives the `pick`-th event it does not hold yet (any order: a
    /// reference may arrive before the item it names).
    fn deliver(&mut self, to: usize, pick: usize) {
        let missing: Vec<usize> = (0..self.made.len())
            .filter(|m| !self.cockpits[to].held.contains(m))
            .collect();
        if !missing.is_empty() {
            let m = missing[pick % missing.len()];
            self.cockpits[to].held.push(m);
        }
    }

    fn exchange_all(&mut self) {
        for c in 0..self.cockpits.len() {
            for m in 0..self.made.len() {
                if !self.cockpits[c].held.contains(&m) {
                    self.cockpits[c].held.push(m);
                }
            }
        }
    }

    /// Property 1 on replica `c`: whatever is ruled out or done was meant so.
    fn check_never_wrong(&self, c: usize) {
        let inc = self.view(c);
        for h in &inc.hypotheses {
            if let Some((_, why)) = &h.ruled_out {
                let why = why.clone().unwrap_or_default();
                let meant = self.meant.ruled_out.get(&h.text);
                assert!(
                    meant.is_some_and(|m| m.contains(&why)),
                    "replica {c}: {} ({}) ruled out by {why:?}, meant for {:?}",
                    h.label(),
                    h.text,
                    self.meant.ruled_out
                );
            }
        }
        for r in &inc.followup.remediations {
            if let Some((_, _, note)) = &r.done {
                let note = note.clone().unwrap_or_default();
                assert!(
                    self.meant
                        .done
                        .get(&r.text)
                        .is_some_and(|m| m.contains(&note)),
                    "replica {c}: remediation {} ({}) done with {note:?}",
                    r.label(),
                    r.text
                );
            }
        }
    }
}

fn state(inc: &Incident) -> Value {
    serde_json::to_value(inc).unwrap()
}

/// Properties 2 and 3 once everyone holds everything.
fn check_converged(w: &World) {
    let states: Vec<Value> = (0..w.cockpits.len()).map(|c| state(&w.view(c))).collect();
    for s in &states[1..] {
        assert_eq!(s, &states[0], "replicas disagree");
    }
    let inc = w.view(0);
    for h in &inc.hypotheses {
        assert_eq!(
            h.ruled_out.is_some(),
            w.meant.ruled_out.contains_key(&h.text),
            "{} ({})",
            h.label(),
            h.text
        );
    }
    for r in &inc.followup.remediations {
        assert_eq!(
            r.is_done(),
            w.meant.done.contains_key(&r.text),
            "{} ({})",
            r.label(),
            r.text
        );
    }
    let labels: BTreeSet<String> = inc.hypotheses.iter().map(|h| h.label()).collect();
    assert_eq!(labels.len(), inc.hypotheses.len(), "{labels:?}");
    let labels: BTreeSet<String> = inc
        .followup
        .remediations
        .iter()
        .map(|r| r.label())
        .collect();
    assert_eq!(labels.len(), inc.followup.remediations.len(), "{labels:?}");
    // Every item's number is the number its cockpit gave it: none was renumbered.
    for m in &w.made {
        if let Payload::HypothesisAdded { id, text, .. } = &m.payload {
            assert!(
                inc.hypotheses
                    .iter()
                    .any(|h| h.id == *id && h.text == *text)
            );
        }
    }
    // Folding one by one, in a late joiner's arrival order (reversed: most refolds),
    // agrees with the replay.
    let mut evs = w.events(0);
    let first = evs.remove(0);
    let mut r = Replica::new(ORIGINS[0], vec![first]).unwrap();
    for e in evs.into_iter().rev() {
        r.insert(e);
    }
    assert_eq!(state(r.incident()), states[0]);
}

#[derive(Debug, Clone)]
enum Op {
    Act { who: usize, what: u8, arg: u8 },
    Deliver { to: usize, pick: usize },
}

fn ops(n: usize) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        (0..n, any::<u8>(), any::<u8>()).prop_map(|(who, what, arg)| Op::Act { who, what, arg }),
        (0..n, any::<usize>()).prop_map(|(to, pick)| Op::Deliver { to, pick }),
    ];
    prop::collection::vec(op, 1..40)
}

fn run(n: usize, ops: &[Op]) {
    let mut w = World::new(n);
    for op in ops {
        match *op {
            Op::Act { who, what, arg } => w.act(who, what, arg),
            Op::Deliver { to, pick } => w.deliver(to, pick),
        }
        for c in 0..n {
            w.check_never_wrong(c);
        }
    }
    w.exchange_all();
    for c in 0..n {
        w.check_never_wrong(c);
    }
    check_converged(&w);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn two_cockpits_converge_and_every_reference_reaches_its_item(ops in ops(2)) {
        run(2, &ops);
    }

    #[test]
    fn three_cockpits_converge_and_every_reference_reaches_its_item(ops in ops(3)) {
        run(3, &ops);
    }
}

/// The bug as reported: A and B both add a #2 before either sees the other's, each rules
/// out its own (typing `2`, all it sees); a third replica receives the four events in every
/// order. Both end ruled out by their own IC, whatever the order, and no replica ever shows
/// an item ruled out by someone who meant the other.
#[test]
fn each_cockpit_rules_out_its_own_concurrent_number_in_every_arrival_order() {
    let mut w = World::new(3);
    w.act(0, 0, 0); // A: #1, then everyone has it
    w.exchange_all();
    w.act(0, 0, 0); // A: #2
    w.act(1, 0, 0); // B: #2 as well, concurrently
    let a = w.view(0);
    let b = w.view(1);
    assert_eq!(a.hypotheses[1].label(), "2");
    assert_eq!(b.hypotheses[1].label(), "2");
    // Each rules out "2": the one it sees, its own.
    w.act(0, 2, 1);
    w.act(1, 2, 1);
    let concurrent: Vec<usize> = (2..w.made.len()).collect();
    assert_eq!(concurrent.len(), 4);
    let mut orders = 0;
    permute(&concurrent, &mut |order| {
        orders += 1;
        let mut x = World {
            made: w.made.clone(),
            cockpits: vec![
                Cockpit {
                    me: 0,
                    held: w.cockpits[0].held.clone(),
                    oseq: 0,
                },
                Cockpit {
                    me: 1,
                    held: w.cockpits[1].held.clone(),
                    oseq: 0,
                },
                Cockpit {
                    me: 2,
                    held: vec![0, 1],
                    oseq: 0,
                },
            ],
            meant: Meant {
                ruled_out: w.meant.ruled_out.clone(),
                done: w.meant.done.clone(),
            },
            clock: 0,
        };
        for &m in order {
            x.cockpits[2].held.push(m);
            x.check_never_wrong(2);
        }
        x.exchange_all();
        let inc = x.view(2);
        let out: Vec<(String, String, String)> = inc
            .hypotheses
            .iter()
            .map(|h| {
                (
                    h.label(),
                    h.text.clone(),
                    h.ruled_out
                        .as_ref()
                        .and_then(|(_, r)| r.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        let words: Vec<String> = inc.hypotheses[1..]
            .iter()
            .map(|h| h.mark.clone().unwrap())
            .collect();
        assert_ne!(words[0], words[1]);
        assert_eq!(out[1].2, format!("Alice meant {}", out[1].1), "{out:?}");
        assert_eq!(out[2].2, format!("Ben meant {}", out[2].1), "{out:?}");
        check_converged(&x);
    });
    assert_eq!(orders, 24);
}

fn permute(items: &[usize], f: &mut impl FnMut(&[usize])) {
    fn go(v: &mut Vec<usize>, k: usize, f: &mut impl FnMut(&[usize])) {
        if k == v.len() {
            f(v);
            return;
        }
        for i in k..v.len() {
            v.swap(k, i);
            go(v, k + 1, f);
            v.swap(k, i);
        }
    }
    go(&mut items.to_vec(), 0, f);
}

/// Once both #2 are known, a bare `2` is refused as ambiguous (naming both), the marked
/// labels reach their items, and the numbers never changed.
#[test]
fn a_shared_number_is_marked_on_every_replica_and_a_bare_number_is_refused() {
    let mut w = World::new(2);
    w.act(0, 0, 0);
    w.act(1, 0, 0);
    w.act(0, 1, 0);
    w.act(1, 1, 0);
    w.exchange_all();
    for c in 0..2 {
        let inc = w.view(c);
        let labels: Vec<String> = inc.hypotheses.iter().map(|h| h.label()).collect();
        assert!(labels.iter().all(|l| l.starts_with("1-")), "{labels:?}");
        assert!(matches!(
            inc.cmd_rule_out("1", None),
            Err(DomainError::Ambiguous { .. })
        ));
        let err = inc.cmd_rule_out("#1", None).unwrap_err().to_string();
        for l in &labels {
            assert!(err.contains(&format!("#{l}")), "{err}");
        }
        assert!(matches!(
            inc.cmd_remediation_done("1", None),
            Err(DomainError::Ambiguous { .. })
        ));
        // Marks are replica-independent: the word of the adding cockpit's origin.
        let a = inc.hypotheses.iter().find(|h| h.text == "cause 1").unwrap();
        assert_eq!(
            a.mark.as_deref(),
            Some(
                commandpost::domain::identity::Origin::parse(ORIGINS[0])
                    .unwrap()
                    .word()
                    .as_str()
            )
        );
    }
    // B rules out A's item by its marked label; A finishes B's remediation item.
    let inc = w.view(1);
    let a_item = inc.hypotheses.iter().find(|h| h.text == "cause 1").unwrap();
    let p = inc
        .cmd_rule_out(&a_item.label().to_uppercase(), Some("B meant A's"))
        .unwrap();
    w.write(1, p);
    let inc = w.view(0);
    let b_fix = inc
        .followup
        .remediations
        .iter()
        .find(|r| r.text.starts_with("fix") && r.origin.as_deref() == Some(ORIGINS[1]))
        .unwrap()
        .label();
    let p = inc
        .cmd_remediation_done(&format!("#{b_fix}"), Some("A meant B's"))
        .unwrap();
    w.write(0, p);
    w.exchange_all();
    for c in 0..2 {
        let inc = w.view(c);
        let out: Vec<_> = inc
            .hypotheses
            .iter()
            .map(|h| h.ruled_out.is_some())
            .collect();
        assert_eq!(out, vec![true, false]);
        let a_item = &inc.hypotheses[0];
        assert_eq!(a_item.origin.as_deref(), Some(ORIGINS[0]));
        let done: Vec<_> = inc
            .followup
            .remediations
            .iter()
            .map(|r| (r.origin.clone(), r.is_done()))
            .collect();
        assert_eq!(
            done,
            vec![
                (Some(ORIGINS[0].to_string()), false),
                (Some(ORIGINS[1].to_string()), true)
            ]
        );
    }
}

/// A journal of one data dir that never synced (no origin: nothing stamped) replays as it
/// always did: numbers as written, no marks, references by number, a duplicate remediation
/// number dropped, a duplicate hypothesis number's rule-out reaching the first.
#[test]
fn a_journal_without_origins_replays_as_before() {
    let lines = [
        r#"{"v":1,"seq":1,"ts":"2026-11-21T14:00:00Z","actor":"Alice","type":"incident_opened","data":{"id":"INC-1","title":"t","ic":"Alice"}}"#,
        r#"{"v":1,"seq":2,"ts":"2026-11-21T14:01:00Z","actor":"Alice","type":"hypothesis_added","data":{"id":1,"text":"dns"}}"#,
        r#"{"v":1,"seq":3,"ts":"2026-11-21T14:02:00Z","actor":"Alice","type":"hypothesis_added","data":{"id":1,"text":"hand-edited twin"}}"#,
        r#"{"v":1,"seq":4,"ts":"2026-11-21T14:03:00Z","actor":"Alice","type":"hypothesis_ruled_out","data":{"id":1,"reason":"fine"}}"#,
        r#"{"v":1,"seq":5,"ts":"2026-11-21T14:04:00Z","actor":"Alice","type":"remediation_added","data":{"id":1,"text":"alert","owner":null}}"#,
        r#"{"v":1,"seq":6,"ts":"2026-11-21T14:05:00Z","actor":"Alice","type":"remediation_added","data":{"id":1,"text":"twin","owner":null}}"#,
        r#"{"v":1,"seq":7,"ts":"2026-11-21T14:06:00Z","actor":"Alice","type":"remediation_done","data":{"id":1,"note":null}}"#,
    ];
    let events: Vec<Event> = lines.iter().map(|l| Event::from_line(l).unwrap()).collect();
    // Written back, every line is what it was (no new field appears).
    for (e, l) in events.iter().zip(lines) {
        let a: Value = serde_json::from_str(&e.to_line().unwrap()).unwrap();
        let b: Value = serde_json::from_str(l).unwrap();
        assert_eq!(a, b);
    }
    let inc = Incident::replay(&events).unwrap();
    let v = state(&inc);
    assert_eq!(
        v["hypotheses"],
        serde_json::json!([
            {"id": 1, "text": "dns", "added_at": "2026-11-21T14:01:00Z",
             "ruled_out": ["2026-11-21T14:03:00Z", "fine"]},
            {"id": 1, "text": "hand-edited twin", "added_at": "2026-11-21T14:02:00Z",
             "ruled_out": null}
        ])
    );
    assert_eq!(inc.followup.remediations.len(), 1);
    assert!(inc.followup.remediations[0].is_done());
    assert_eq!(inc.hypotheses[1].label(), "1");
    assert_eq!(inc.hypotheses[0].item_ref().origin, None);
}

/// A reference written by an older cockpit (no `of`) in a synced incident still reaches
/// the only item of its number, whoever added it.
#[test]
fn an_older_cockpits_reference_without_origin_reaches_the_only_item_of_its_number() {
    let mut w = World::new(2);
    w.act(0, 0, 0);
    w.exchange_all();
    w.write(
        1,
        Payload::HypothesisRuledOut {
            id: 1,
            reason: Some("old binary".into()),
            of: None,
        },
    );
    w.exchange_all();
    for c in 0..2 {
        let inc = w.view(c);
        assert_eq!(
            inc.hypotheses[0]
                .ruled_out
                .as_ref()
                .and_then(|(_, r)| r.as_deref()),
            Some("old binary")
        );
    }
}

/// The timeline, export and CLI name an event's item by its label once its number is
/// shared (`ruled out #1-kato`), and by its bare number otherwise.
#[test]
fn events_about_a_shared_number_are_described_with_the_items_label() {
    use commandpost::domain::numbered::describe_in;
    let mut w = World::new(2);
    w.act(0, 0, 0);
    let lone = w.view(0);
    let add = w.made.last().unwrap().payload.clone();
    assert_eq!(describe_in(&lone, &add), "hypothesis #1: cause 1");
    w.act(1, 0, 0);
    w.act(1, 2, 0);
    w.exchange_all();
    let inc = w.view(0);
    let b = &inc.hypotheses[1];
    assert!(b.label().starts_with("1-"));
    let rule_out = w.made.last().unwrap().payload.clone();
    assert_eq!(
        describe_in(&inc, &rule_out),
        format!("ruled out #{}: Ben meant {}", b.label(), b.text)
    );
    assert_eq!(
        describe_in(&inc, &add),
        format!("hypothesis #{}: cause 1", inc.hypotheses[0].label())
    );
}

/// An older cockpit (no origin stamped) and a new one both number a #1: both are marked
/// (`1-old`, `1-<word>`), a bare `1` is refused, and each marked label reaches its item.
#[test]
fn an_older_cockpits_item_sharing_a_number_is_marked_old_and_reachable() {
    let mut w = World::new(2);
    w.write(
        0,
        Payload::HypothesisAdded {
            id: 1,
            text: "from an old binary".into(),
            origin: None,
        },
    );
    w.act(1, 0, 0);
    w.exchange_all();
    let inc = w.view(1);
    let labels: Vec<String> = inc.hypotheses.iter().map(|h| h.label()).collect();
    assert_eq!(labels[0], "1-old");
    assert!(labels[1].starts_with("1-") && labels[1] != "1-old");
    assert!(matches!(
        inc.cmd_rule_out("1", None),
        Err(DomainError::Ambiguous { .. })
    ));
    let p = inc
        .cmd_rule_out("1-old", Some("meant the old one"))
        .unwrap();
    assert!(matches!(p, Payload::HypothesisRuledOut { of: None, .. }));
    w.write(1, p);
    w.exchange_all();
    for c in 0..2 {
        let inc = w.view(c);
        let out: Vec<bool> = inc
            .hypotheses
            .iter()
            .map(|h| h.ruled_out.is_some())
            .collect();
        assert_eq!(out, [true, false]);
    }
}
