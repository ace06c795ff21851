//! The corpus of real public status-page updates the built-in rules are measured on
//! (`tests/data/status-updates/corpus.toml`, embedded), and the evaluation that prints a
//! confusion table (`cargo run --example lint-eval`, `tests/lint_corpus.rs`).
//!
//! Each update carries labels (`ok`, `eta`, `cause`, `blame`) and a split (`dev` for writing
//! rules, `heldout` for reporting figures). An update is *flagged* for a label when the linter's
//! `lint_text` warns with the matching rule (`eta`, `root-cause`, `blame`). The organisation's own
//! name is passed as the writer's own (`[lint] own_names`), as its Comms lead would configure it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use super::{BLAME, ETA, Linter, ROOT_CAUSE, Warning};

/// The embedded corpus.
pub const CORPUS_TOML: &str = include_str!("../../../tests/data/status-updates/corpus.toml");

/// The labels that mark an update as breaking the doctrine, with the rule that should flag each.
pub const LABELS: [(&str, &str); 3] = [("eta", ETA), ("cause", ROOT_CAUSE), ("blame", BLAME)];

/// One labelled update.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub org: String,
    pub url: String,
    #[serde(default)]
    pub mirror: Option<String>,
    pub sample: String,
    pub split: String,
    pub labels: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub text: String,
}

impl Entry {
    /// Whether the update carries `label` (`eta`, `cause`, `blame`).
    pub fn has(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l == label)
    }

    /// Whether it breaks the doctrine at all.
    pub fn breaks(&self) -> bool {
        LABELS.iter().any(|(l, _)| self.has(l))
    }

    /// The organisation's names taken as the writer's own: the full name and each word of it.
    pub fn own_names(&self) -> Vec<String> {
        let full = self.org.to_lowercase();
        let mut names: Vec<String> = full.split_whitespace().map(str::to_string).collect();
        names.push(full);
        names
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    update: Vec<Entry>,
}

/// Parses a corpus file.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(file.update)
}

/// The embedded corpus.
pub fn embedded() -> Result<Vec<Entry>, String> {
    parse(CORPUS_TOML)
}

/// Counts of one binary decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
}

impl Counts {
    fn add(&mut self, truth: bool, flagged: bool) {
        match (truth, flagged) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    /// TP / (TP + FN); 1 when there is nothing to find.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// TP / (TP + FP); 1 when nothing was flagged.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// One update the linter got wrong for a label.
#[derive(Debug, Clone)]
pub struct Miss {
    pub id: String,
    pub org: String,
    pub label: &'static str,
    /// `missed` (labelled, not flagged) or `false alarm` (flagged, not labelled).
    pub kind: &'static str,
    pub text: String,
    pub excerpts: Vec<String>,
}

/// Figures for one split.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub split: String,
    pub updates: usize,
    /// Per label (`eta`, `cause`, `blame`): flagged by its rule or not.
    pub per_label: BTreeMap<&'static str, Counts>,
    /// Over updates: breaks the doctrine (any label) vs flagged by any built-in rule.
    pub overall: Counts,
    /// Over warnings: each label-rule pair counted once per update (the figure for "at most 1
    /// false alarm in 20 warnings").
    pub warnings: Counts,
    pub misses: Vec<Miss>,
}

/// Lints every update of `split` (`dev`, `heldout`, or `all`) and counts.
pub fn evaluate(linter: &Linter, entries: &[Entry], split: &str) -> Evaluation {
    let mut ev = Evaluation {
        split: split.to_string(),
        ..Evaluation::default()
    };
    for (label, _) in LABELS {
        ev.per_label.insert(label, Counts::default());
    }
    for e in entries
        .iter()
        .filter(|e| split == "all" || e.split == split)
    {
        ev.updates += 1;
        let warnings = linter.with_own_names(&e.own_names()).lint_text(&e.text);
        let mut any = false;
        for (label, rule) in LABELS {
            let mine: Vec<&Warning> = warnings.iter().filter(|w| w.rule == rule).collect();
            let flagged = !mine.is_empty();
            any |= flagged;
            let truth = e.has(label);
            if let Some(c) = ev.per_label.get_mut(label) {
                c.add(truth, flagged);
            }
            ev.warnings.add(truth, flagged);
            if truth != flagged {
                ev.misses.push(Miss {
                    id: e.id.clone(),
                    org: e.org.clone(),
                    label,
                    kind: if truth { "missed" } else { "false alarm" },
                    text: e.text.clone(),
                    excerpts: mine.iter().map(|w| w.excerpt.clone()).collect(),
                });
            }
        }
        ev.overall.add(e.breaks(), any);
    }
    ev
}

impl Evaluation {
    /// A plain-text report: the confusion table per label and overall, then every miss.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "split {}: {} updates", self.split, self.updates);
        let _ = writeln!(
            out,
            "{:<10} {:>5} {:>5} {:>5} {:>5} {:>9} {:>9}",
            "label", "TP", "FN", "FP", "TN", "recall", "precision"
        );
        let mut row = |name: &str, c: &Counts| {
            let _ = writeln!(
                out,
                "{:<10} {:>5} {:>5} {:>5} {:>5} {:>9.3} {:>9.3}",
                name,
                c.tp,
                c.fn_,
                c.fp,
                c.tn,
                c.recall(),
                c.precision()
            );
        };
        for (label, c) in &self.per_label {
            row(label, c);
        }
        row("updates", &self.overall);
        row("warnings", &self.warnings);
        if !self.misses.is_empty() {
            let _ = writeln!(out, "\nmisses ({}):", self.misses.len());
            for m in &self.misses {
                let _ = writeln!(
                    out,
                    "- [{}] {} {} ({}): {}",
                    m.label,
                    m.kind,
                    m.id,
                    m.org,
                    one_line(&m.text, 300)
                );
                for x in &m.excerpts {
                    let _ = writeln!(out, "    flagged: {:?}", one_line(x, 120));
                }
            }
        }
        out
    }
}

fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}…")
    } else {
        flat
    }
}
