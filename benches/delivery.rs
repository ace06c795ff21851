//! One sitrep to 10 backends that each answer after 200 ms: completes in about the slowest
//! (target < 400 ms), not the sum (2 s). Servers are wiremock on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use commandpost::delivery::backends::build_backend;
use commandpost::delivery::http::build_client;
use commandpost::delivery::{Backend, BackendConfig, BackendKind, DeliveryContext};
use commandpost::domain::outbound::{MessageKind, OutboundMessage};
use criterion::{Criterion, criterion_group, criterion_main};
use futures::future::join_all;
use wiremock::{Mock, MockServer, ResponseTemplate};

const BACKENDS: usize = 10;
const SERVER_DELAY: Duration = Duration::from_millis(200);

fn sitrep(n: u64) -> OutboundMessage {
    OutboundMessage {
        id: format!("INC-BENCH.m{n}"),
        incident_id: "INC-BENCH".into(),
        incident_title: "Benchmark".into(),
        severity: "major".into(),
        kind: MessageKind::Sitrep,
        headline: "Sitrep v1".into(),
        body: "# Impact\nEverything is slow.\n- item\n".repeat(20),
        mention_all: false,
        status: None,
        page: None,
        test: false,
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = build_client().unwrap();
    let kinds = [
        BackendKind::Slack,
        BackendKind::Discord,
        BackendKind::Mattermost,
        BackendKind::Webhook,
        BackendKind::Ntfy,
    ];
    let (_servers, backends): (Vec<MockServer>, Vec<Arc<dyn Backend>>) = rt.block_on(async {
        let mut servers = Vec::new();
        let mut backends = Vec::new();
        for i in 0..BACKENDS {
            let server = MockServer::start().await;
            Mock::given(wiremock::matchers::any())
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_delay(SERVER_DELAY)
                        .set_body_string("{\"id\":\"1\"}"),
                )
                .mount(&server)
                .await;
            let kind = kinds[i % kinds.len()];
            let mut cfg = BackendConfig::new(format!("b{i}"), kind);
            cfg.url = Some(format!("{}/hook/{i}", server.uri()));
            if kind == BackendKind::Webhook {
                cfg.secret = Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
            }
            backends.push(build_backend(&cfg, &client).unwrap());
            servers.push(server);
        }
        (servers, backends)
    });
    let mut n = 0u64;
    let mut group = c.benchmark_group("delivery");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("one sitrep to 10 backends answering after 200 ms", |b| {
        b.iter(|| {
            n += 1;
            let msg = sitrep(n);
            rt.block_on(async {
                let results = join_all(backends.iter().map(|be| {
                    let be = Arc::clone(be);
                    let msg = msg.clone();
                    // One task per backend, as the outbox runs them.
                    tokio::spawn(async move { be.deliver(&msg, &DeliveryContext::first()).await })
                }))
                .await;
                for r in results {
                    r.unwrap().unwrap();
                }
            })
        })
    });
    // The durable path: journal the message as queued, then one worker per backend
    // journals each attempt and outcome (fsynced) around the same 200 ms deliveries.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    commandpost::journal::Journal::create(
        &path,
        "bench",
        jiff::Timestamp::now(),
        commandpost::domain::event::Payload::IncidentOpened {
            id: "INC-BENCH".into(),
            title: "Benchmark".into(),
            ic: "bench".into(),
        },
    )
    .unwrap();
    let outbox = commandpost::delivery::Outbox::open(&path, backends.clone(), "bench").unwrap();
    group.bench_function(
        "outbox: queue + deliver one sitrep to 10 backends answering after 200 ms",
        |b| {
            b.iter(|| {
                let mut msg = sitrep(0);
                msg.id = String::new();
                outbox.queue(msg).unwrap();
                let report = rt.block_on(outbox.run(None)).unwrap();
                assert!(report.all_done() && report.rows.len() == BACKENDS);
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
