//! Lint speed: a ~5,000-character status update must lint in under 1 ms (issue 4), and building
//! the linter must stay cheap (issue 13: under 20 ms; it was ~134 ms when the regexes were
//! compiled on every command start).
//!
//! - `lint_text 5k chars`, `lint_status 5k chars`: one lint of the long update below.
//! - `Linter::builtin`: what every command pays after the first build in a process (the
//!   detectors are compiled once and shared).
//! - `Linter::with_options`: building a linter from config (the detectors are not compiled yet).
//! - `compile the detectors (first lint of a process)`: what the first lint of a process pays
//!   once; `Linter::warm_up` lets a caller pay it ahead, e.g. on a background thread.
//!
//!     cargo bench --bench lint
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use commandpost::domain::lint::{LintOptions, Linter, Stage};
use criterion::{Criterion, criterion_group, criterion_main};

/// A long, realistic public status update: a running log of posts, with curly quotes, accents,
/// an emoji and a few phrases the linter warns about.
const PARAGRAPHS: &[&str] = &[
    "Investigating — We’re investigating reports of elevated error rates and slow page loads on the \
     dashboard and the public API for customers in the EU region. Some requests to create or update \
     projects may fail with a 502 or 503 response, and webhooks may be delivered late. Data already \
     stored is not affected. Next update in 30 minutes.",
    "Workaround: if a request fails, retry it after a few seconds; the CLI (v2.14 and later) retries \
     automatically. Customers who need to deploy urgently can use the US region endpoint, which is \
     operating normally. Scheduled exports will run once the backlog is processed; there is no need \
     to re-run them by hand.",
    "Identified — Our engineers have identified the issue affecting request routing in the EU region \
     and are working on a fix. Error rates have dropped since 14:20 UTC, but some customers may \
     still see intermittent failures, especially on large uploads. We will post another update \
     within 30 minutes, or sooner if anything changes.",
    "We know many of you rely on the API for your own customers, and we’re sorry for the disruption. \
     Support tickets opened during the incident are being answered in order; you don’t need to open \
     a new one. Señor José’s team in Madrid and our on-call engineers in Zürich are coordinating the \
     response 🚀.",
    "Monitoring — A fix has been deployed to all EU clusters and error rates are back to their usual \
     level. We are monitoring closely. Webhook deliveries that were delayed are being retried and \
     should arrive over the coming minutes; duplicates are possible, so please make your handlers \
     idempotent if they are not already. Next update in 60 minutes.",
    "Some customers asked whether the issue was caused by the maintenance announced last week: we \
     are still investigating the root cause and will publish a full review once we know more. We \
     have no ETA for that review yet. Estimated impact: about 4% of API requests in the EU region \
     between 13:52 and 14:47 UTC.",
    "Update — We expect the remaining delayed exports to be fixed in 30 minutes. Customers on the \
     legacy plan may need to refresh their API token from the settings page; the old token keeps \
     working until the end of the month. If you see “401 Unauthorized” after refreshing, sign out \
     and sign in again.",
];

fn long_text() -> String {
    let mut text = String::new();
    'fill: loop {
        for p in PARAGRAPHS {
            if text.chars().count() >= 5_000 {
                break 'fill;
            }
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(p);
        }
    }
    text
}

fn bench(c: &mut Criterion) {
    let linter = Linter::builtin().unwrap();
    let text = long_text();
    assert!(
        (5_000..6_000).contains(&text.chars().count()),
        "{}",
        text.chars().count()
    );
    assert!(!linter.lint_text(&text).is_empty());

    c.bench_function("lint_text 5k chars", |b| {
        b.iter(|| linter.lint_text(black_box(&text)))
    });
    c.bench_function("lint_status 5k chars", |b| {
        b.iter(|| {
            linter.lint_status(
                black_box(Stage::Monitoring),
                black_box(&text),
                black_box(""),
            )
        })
    });
    c.bench_function("Linter::builtin", |b| b.iter(Linter::builtin));
    let extra = vec!["Acme Payments".to_string()];
    c.bench_function("Linter::with_options", |b| {
        b.iter(|| {
            Linter::with_options(&LintOptions {
                third_parties: black_box(&extra),
                ..LintOptions::default()
            })
        })
    });
    // What the first lint of a process pays once: the detectors compiled from scratch.
    c.bench_function("compile the detectors (first lint of a process)", |b| {
        b.iter(|| {
            let l = Linter::with_options(&LintOptions {
                third_parties: black_box(&extra),
                ..LintOptions::default()
            })
            .unwrap();
            l.warm_up();
            l
        })
    });
    // A realistic update from the corpus, for scale.
    let short = "We are validating a bug fix that will eliminate duplicate notifications and \
                 notification delays for alerts. We expect to deploy this fix by ~23:00 UTC.";
    assert!(!linter.lint_text(short).is_empty());
    c.bench_function("lint_text one real update", |b| {
        b.iter(|| linter.lint_text(black_box(short)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
