//! What each backend shows a reader, for every message kind as the commands and the cockpit
//! build it (the same constructors), sent to a real HTTP server on 127.0.0.1: nothing is said
//! twice, and a page reads on a phone lock screen as state, id, title and the summary, once,
//! with the summary near the start.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod delivery_common;

use commandpost::delivery::backends::email::{Email, subject};
use commandpost::delivery::backends::file::FileBackend;
use commandpost::delivery::setup;
use commandpost::delivery::{Backend, BackendConfig, BackendKind, DeliveryContext};
use commandpost::domain::event::{Payload, SitrepFields, StatusFields};
use commandpost::domain::incident::Incident;
use commandpost::domain::outbound::{MessageKind, OutboundMessage};
use commandpost::domain::template::Template;
use commandpost::domain::{sitrep, status};
use commandpost::journal::store::Store;
use delivery_common::*;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SUMMARY: &str = "API error rate above 5%";
const SITREP_SUMMARY: &str = "Checkout fails for a third of EU customers since 11:02";
const IMPACT: &str = "EU customers cannot pay; US unaffected";
const STATUS_MESSAGE: &str = "Some payments in Europe fail; a fix is rolling out";
const WORKAROUND: &str = "Retry the payment";

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn incident(title: &str) -> (tempfile::TempDir, Incident) {
    let d = tempfile::tempdir().unwrap();
    // A fixed origin: the incident id is the date and the origin's word (`zoke`).
    std::fs::write(d.path().join("origin"), "testorigin\n").unwrap();
    let store = Store::new(d.path());
    let (_j, _) = store
        .create(title, "Alice", at("2026-11-24T11:09:00Z"))
        .unwrap();
    let id = store.current().unwrap().unwrap();
    let (_, inc) = store.open(&id).unwrap();
    (d, inc)
}

/// Every kind, built as `page`, `sitrep send`, `status post` and a hand-off build them.
fn messages(inc: &Incident) -> Vec<OutboundMessage> {
    let now = at("2026-11-24T11:30:00Z");
    let fields = SitrepFields {
        summary: SITREP_SUMMARY.into(),
        impact: IMPACT.into(),
        actions: "Rolling back release 4512".into(),
        needs: String::new(),
        links: vec![],
    };
    let Payload::SitrepSent {
        version, rendered, ..
    } = sitrep::compose(inc, &fields, &Template::sitrep_default(), now).unwrap()
    else {
        panic!("not a sitrep")
    };
    let sitrep = setup::sitrep_message(inc, version, &rendered);
    let fields = StatusFields {
        stage: "identified".into(),
        message: STATUS_MESSAGE.into(),
        workaround: WORKAROUND.into(),
        components: vec![("API".into(), "partial outage".into())],
        next_update_at: Some(at("2026-11-24T12:00:00Z")),
    };
    let Payload::StatusPosted { fields, rendered } =
        status::compose(inc, &fields, &Template::status_default(), now).unwrap()
    else {
        panic!("not a status update")
    };
    let status = setup::status_message(inc, &fields, &rendered);
    let announcement = setup::message(inc, MessageKind::Announcement, "@all: IC -> Ricardo", "");
    let page = setup::page_trigger(inc, SUMMARY).unwrap();
    let resolve = setup::page_resolve(inc);
    let mut out = vec![sitrep, status, announcement, page, resolve];
    for (i, m) in out.iter_mut().enumerate() {
        m.id = format!("{}.m{i}", inc.id);
    }
    out
}

/// Answers what each vendor answers on success.
struct Ok200;
impl Respond for Ok200 {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let p = req.url.path();
        if p.contains("/v2/") {
            ResponseTemplate::new(202).set_body_json(json!({"status": "success"}))
        } else if p.contains("/incidents") {
            ResponseTemplate::new(201).set_body_json(json!({"id": "sp1", "status": "identified"}))
        } else {
            ResponseTemplate::new(200).set_body_json(json!({"id": "1", "event_id": "$e"}))
        }
    }
}

/// The text a reader sees of one request, per backend kind.
fn visible(kind: BackendKind, req: &Request) -> Vec<String> {
    let v: Value = req.body_json().unwrap_or(Value::Null);
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    match kind {
        BackendKind::Slack | BackendKind::Mattermost => vec![s(&v["text"])],
        BackendKind::Discord => vec![s(&v["content"])],
        BackendKind::Teams => vec![
            v["attachments"][0]["content"]["body"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| s(&b["text"]))
                .collect::<Vec<_>>()
                .join("\n"),
        ],
        // Clients show one of the two.
        BackendKind::Matrix => vec![s(&v["body"]), s(&v["formatted_body"])],
        BackendKind::Ntfy => vec![format!("{}\n{}", s(&v["title"]), s(&v["message"]))],
        BackendKind::Webhook => vec![s(&v["data"]["text"])],
        BackendKind::Pagerduty => vec![s(&v["payload"]["summary"])],
        BackendKind::Statuspage => vec![format!(
            "{}\n{}",
            s(&v["incident"]["name"]),
            s(&v["incident"]["body"])
        )],
        _ => unreachable!(),
    }
}

/// What a reader sees of every message of every backend: (backend, message kind, texts).
async fn everything(inc: &Incident) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    let msgs = messages(inc);
    for kind in HTTP_KINDS {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(Ok200)
            .mount(&server)
            .await;
        let b = build(&http_config(kind, kind.as_str(), &server.uri()));
        for m in msgs.iter().filter(|m| b.accepts(m.kind)) {
            let before = server.received_requests().await.unwrap().len();
            b.deliver(m, &DeliveryContext::first())
                .await
                .unwrap_or_else(|e| panic!("{kind} {}: {e}", m.kind));
            let reqs = server.received_requests().await.unwrap();
            let texts = reqs[before..]
                .iter()
                .filter(|r| r.method.as_str() != "GET")
                .flat_map(|r| visible(kind, r))
                .collect();
            out.push((kind.to_string(), label(m), texts));
        }
    }
    // Email: the subject and the text body; the file backend's Markdown block.
    let mut cfg = BackendConfig::new("email", BackendKind::Email);
    cfg.host = Some("127.0.0.1".into());
    cfg.tls = Some(commandpost::delivery::EmailTls::None);
    cfg.from = Some("commandpost@example.org".into());
    cfg.to = Some(vec!["oncall@example.org".into()]);
    cfg.sends = Some(MessageKind::ALL.to_vec());
    let common = commandpost::delivery::backends::Common::from_config(&cfg).unwrap();
    let email = Email::new(&cfg, common).unwrap();
    for m in &msgs {
        // The subject and the text body: a mail client shows both, each says it once.
        let texts = email
            .render(m)
            .iter()
            .flat_map(|t| match t.split_once("\n\n") {
                Some((subject, body)) => vec![subject.to_string(), body.to_string()],
                None => vec![t.clone()],
            })
            .collect();
        out.push(("email".into(), label(m), texts));
    }
    for m in &msgs {
        // The id marker is an HTML comment: Markdown viewers do not show it.
        let block = FileBackend::block(m);
        let shown: Vec<&str> = block.lines().filter(|l| !l.starts_with("<!--")).collect();
        out.push(("file".into(), label(m), vec![shown.join("\n")]));
    }
    out
}

fn label(m: &OutboundMessage) -> String {
    match &m.page {
        Some(p) => format!(
            "page {}",
            format!("{p:?}").split([' ', '{']).next().unwrap()
        ),
        None => m.kind.to_string(),
    }
}

/// How often `needle` occurs in `hay`.
fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[tokio::test]
async fn nothing_is_said_twice_by_any_backend_for_any_kind() {
    let (_d, inc) = incident("Elevated API errors");
    let all = everything(&inc).await;
    let mut snapshot = String::new();
    let mut doubled = Vec::new();
    for (backend, kind, texts) in &all {
        for t in texts {
            snapshot.push_str(&format!("===== {backend} · {kind}\n{t}\n\n"));
            // Each fact once: the id, the title, and what was typed.
            let facts: &[&str] = match kind.as_str() {
                "sitrep" => &[SITREP_SUMMARY, IMPACT],
                "status" => &[STATUS_MESSAGE, WORKAROUND],
                "announcement" => &["IC -> Ricardo"],
                "page Trigger" => &[SUMMARY, "INC-20261124-zoke", "Elevated API errors"],
                _ => &[],
            };
            for fact in facts {
                // The email subject, Statuspage's name and a lone PagerDuty summary carry the
                // title by design; the text itself must say each fact at most once.
                let n = count(t, fact);
                if n > 1 {
                    doubled.push(format!("{backend} {kind}: {fact:?} said {n} times"));
                }
            }
            // A state or id tag must not be repeated either (`[INVESTIGATING] … [investigating]`).
            if count(&t.to_lowercase(), "[investigating]") > 1 {
                doubled.push(format!("{backend} {kind}: the state said twice"));
            }
        }
        // Whatever the receiver shows, the page's summary is in it.
        if kind == "page Trigger" {
            assert!(
                texts.iter().any(|t| t.contains(SUMMARY)),
                "{backend}: the page's summary is missing: {texts:?}"
            );
        }
    }
    assert!(
        doubled.is_empty(),
        "said twice:\n{}\n\n{snapshot}",
        doubled.join("\n")
    );
    insta::assert_snapshot!("every_backend_every_kind", snapshot);
}

/// A page is read on a phone lock screen: state, id, title and the summary once, and the
/// summary within the first 80 characters even when the incident's title is long.
#[tokio::test]
async fn a_page_reads_on_a_lock_screen() {
    let (_d, inc) = incident("Elevated API errors");
    let page = setup::page_trigger(&inc, SUMMARY).unwrap();
    let all = everything(&inc).await;
    let pd = all
        .iter()
        .find(|(b, k, _)| b == "pagerduty" && k == "page Trigger")
        .unwrap();
    assert_eq!(
        pd.2,
        ["[INVESTIGATING] INC-20261124-zoke · Elevated API errors: API error rate above 5%"]
    );
    assert_eq!(
        subject(&page),
        "[INVESTIGATING] INC-20261124-zoke · Elevated API errors: API error rate above 5%"
    );

    let long = "Elevated API errors on checkout, login and the partner API in every EU region after the 4512 rollout";
    let (_d2, inc) = incident(long);
    for (backend, kind, texts) in everything(&inc).await {
        if kind != "page Trigger" || backend == "webhook" || backend == "file" {
            continue;
        }
        // The notification line: PagerDuty's summary, the email subject, the chat message's
        // first lines, ntfy's title and message.
        let first = &texts[0];
        let head: String = first.chars().take(120).collect();
        let pos = head.find(SUMMARY).map(|i| head[..i].chars().count());
        assert!(
            pos.is_some_and(|p| p <= 80),
            "{backend}: the summary starts at {pos:?} in {first:?}"
        );
    }
}

/// The send confirmation says where a message goes, not only through which backend: the file
/// a file backend appends to, the recipients of a mail, the Matrix room. Never a secret: the
/// HTTP kinds (whose URL or key is the secret) name nothing.
#[test]
fn each_backend_names_where_a_message_goes_without_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = setup::build(&commandpost::config::Config::default(), dir.path()).unwrap();
    let path = dir
        .path()
        .join("incidents")
        .join("INC-42")
        .join("outbox.md");
    assert_eq!(
        file[0].target("INC-42"),
        Some(format!("appends to {}", path.display()))
    );
    let mut cfg = BackendConfig::new("mail", BackendKind::Email);
    cfg.host = Some("127.0.0.1".into());
    cfg.tls = Some(commandpost::delivery::EmailTls::None);
    cfg.from = Some("commandpost@example.org".into());
    cfg.to = Some(vec![
        "oncall@example.org".into(),
        "Exec Team <execs@example.org>".into(),
    ]);
    cfg.username = Some("mailer".into());
    cfg.password = Some("MAILPASSWORD0000".into());
    cfg.sends = Some(MessageKind::ALL.to_vec());
    let email = build(&cfg);
    let said = email.target("INC-42").unwrap();
    assert_eq!(
        said,
        "mails oncall@example.org, Exec Team <execs@example.org>"
    );
    let secrets: Vec<&str> = FAKE_SECRETS
        .iter()
        .copied()
        .chain(["MAILPASSWORD0000", WHSEC])
        .collect();
    for kind in HTTP_KINDS {
        let b = build(&http_config(kind, "b", "http://127.0.0.1:9"));
        let said = b.target("INC-42");
        match kind {
            BackendKind::Matrix => assert_eq!(said.as_deref(), Some("posts in !room:localhost")),
            _ => assert_eq!(said, None, "{kind}"),
        }
        for s in &secrets {
            assert!(
                !said.clone().unwrap_or_default().contains(s),
                "{kind}: {said:?}"
            );
        }
    }
}
