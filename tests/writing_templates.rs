//! Sitrep and status-update templates: order of parts, robustness, CAN, diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use commandpost::config::Config;
use commandpost::domain::event::{
    Event, FORMAT_VERSION, Link, Payload, SitrepFields, StatusFields,
};
use commandpost::domain::lint::Linter;
use commandpost::domain::role::Role;
use commandpost::domain::sitrep::{self, DiffTag, SitrepMeta, SitrepPeople};
use commandpost::domain::status;
use commandpost::domain::template::{Template, TemplateError};
use commandpost::domain::{Incident, Severity};
use jiff::{SignedDuration, Timestamp};

fn at(min: i64) -> Timestamp {
    "2026-11-21T14:00:00Z"
        .parse::<Timestamp>()
        .unwrap()
        .checked_add(SignedDuration::from_mins(min))
        .unwrap()
}

fn incident_with(ic: &str, comms: &str, responders: &[&str]) -> Incident {
    let mut payloads = vec![Payload::IncidentOpened {
        id: "INC-20261121-1400".into(),
        title: "EC2 API problems".into(),
        ic: ic.into(),
    }];
    payloads.push(Payload::RoleHandedOff {
        role: Role::Comms,
        from: None,
        to: comms.into(),
    });
    for (i, r) in responders.iter().enumerate() {
        payloads.push(Payload::PersonJoined {
            name: (*r).into(),
            handle: None,
            contact: None,
            team: None,
            group: Some(if i % 2 == 0 { "database" } else { "routing" }.into()),
        });
    }
    let events: Vec<Event> = payloads
        .into_iter()
        .enumerate()
        .map(|(i, payload)| Event {
            v: FORMAT_VERSION,
            seq: i as u64 + 1,
            ts: at(i as i64),
            actor: ic.into(),
            payload,
            rep: Default::default(),
        })
        .collect();
    Incident::replay(&events).unwrap()
}

fn roster() -> Incident {
    incident_with("Ricardo", "Keiko", &["Noah", "Greg", "Harold", "Rodrigo"])
}

fn fields() -> SitrepFields {
    SitrepFields {
        summary: "AWS EC2 API problems, we're keeping an eye on things.".into(),
        impact: "Single tenant Postgres databases cannot be provisioned at this time.".into(),
        actions: "PX dynos are also affected; we are moving provisioning to another region.".into(),
        needs: "A contact at AWS enterprise support.".into(),
        links: vec![
            Link {
                label: "AWS ticket".into(),
                url: "https://support.aws.example/case/4242".into(),
            },
            Link {
                label: "Trello".into(),
                url: "https://trello.example/c/incident-7".into(),
            },
        ],
    }
}

fn render_default(inc: &Incident, f: &SitrepFields) -> String {
    sitrep::render(
        f,
        &SitrepPeople::from_roster(inc),
        &Template::sitrep_default(),
        &SitrepMeta::next(inc, at(30)),
    )
    .unwrap()
}

/// Asserts that every needle occurs in `hay`, in this order.
fn assert_in_order(hay: &str, needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        match hay[from..].find(n) {
            Some(i) => from += i + n.len(),
            None => panic!("{n:?} missing or out of order in:\n{hay}"),
        }
    }
}

#[test]
fn default_sitrep_has_every_part_in_order() {
    let inc = roster();
    let text = render_default(&inc, &fields());
    assert!(
        text.starts_with("AWS EC2 API problems"),
        "summary first:\n{text}"
    );
    assert_in_order(
        &text,
        &[
            "AWS EC2 API problems, we're keeping an eye on things.",
            "Impact: Single tenant Postgres",
            "Actions: PX dynos",
            "Open issues: A contact at AWS",
            "AWS ticket: https://support.aws.example/case/4242",
            "Trello: https://trello.example/c/incident-7",
            "IC: Ricardo",
            "Comms: Keiko",
            "Noah, Greg, Harold, Rodrigo",
        ],
    );
    // IC and Comms are not repeated among the responders.
    assert_eq!(text.matches("Ricardo").count(), 1, "{text}");
    assert_eq!(text.matches("Keiko").count(), 1, "{text}");
    insta::assert_snapshot!("sitrep_default", text);
}

#[test]
fn empty_optional_fields_leave_no_empty_headings() {
    let inc = incident_with("Ricardo", "Keiko", &[]);
    let f = SitrepFields {
        summary: "Checkout is slow.".into(),
        ..Default::default()
    };
    let text = render_default(&inc, &f);
    assert_eq!(text, "Checkout is slow.\n\nIC: Ricardo\nComms: Keiko");
}

#[test]
fn multi_line_fields_get_their_heading_on_its_own_line() {
    let inc = roster();
    let mut f = fields();
    f.actions = "- failing over the primary\n- rolling back 2.3.1".into();
    f.needs = "- Open question: dns".into();
    let text = render_default(&inc, &f);
    assert!(
        text.contains("Actions:\n- failing over the primary\n- rolling back 2.3.1"),
        "{text}"
    );
    assert!(
        text.contains("Open issues:\n- Open question: dns"),
        "{text}"
    );
}

#[test]
fn can_template_has_conditions_actions_needs() {
    let inc = roster();
    let text = sitrep::render(
        &fields(),
        &SitrepPeople::from_roster(&inc),
        &Template::sitrep_can(),
        &SitrepMeta::next(&inc, at(30)),
    )
    .unwrap();
    assert_in_order(
        &text,
        &[
            "CONDITIONS",
            "AWS EC2 API problems",
            "Single tenant Postgres",
            "ACTIONS",
            "PX dynos",
            "NEEDS",
            "A contact at AWS",
            "LINKS",
            "- AWS ticket: https://support.aws.example/case/4242",
            "- Trello: https://trello.example/c/incident-7",
            "IC: Ricardo",
            "Comms: Keiko",
            "Noah, Greg, Harold, Rodrigo",
        ],
    );
    insta::assert_snapshot!("sitrep_can", text);
}

#[test]
fn unicode_names_and_text_survive() {
    let inc = incident_with(
        "渡辺 健",
        "José Ñúñez",
        &["Zoë", "محمد", "🚒 Fire", "Ångström"],
    );
    let mut f = fields();
    f.summary = "Ошибки API в ЕС — 影響は限定的 👀 (e\u{301}) עברית".into();
    let text = render_default(&inc, &f);
    assert!(text.starts_with(&f.summary), "{text}");
    assert!(text.contains("IC: 渡辺 健"));
    assert!(text.contains("Comms: José Ñúñez"));
    assert!(text.contains("Zoë, محمد, 🚒 Fire, Ångström"));
}

#[test]
fn very_long_text_is_rendered_whole() {
    let inc = roster();
    let mut f = fields();
    let long: String = "The primary database is failing over again. ".repeat(400);
    f.impact = long.trim().to_string();
    f.actions = (1..=500)
        .map(|i| format!("- step {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = render_default(&inc, &f);
    assert!(text.contains(f.impact.as_str()));
    assert!(text.contains("- step 1\n- step 2\n"));
    assert!(text.contains("- step 500\n"));
    // Every field at its limit renders more than a chat backend accepts: refused, saying so
    // (issue 15: the rendered text is capped at what the backends take).
    f.summary = "x".repeat(sitrep::MAX_FIELD_CHARS);
    let e = sitrep::compose(&inc, &f, &Template::sitrep_default(), at(30)).unwrap_err();
    assert!(
        e.to_string().contains("longer than 40000 characters"),
        "{e}"
    );
    // And through compose (validated), a field at its limit.
    f.impact = "EU checkout fails".into();
    assert!(sitrep::compose(&inc, &f, &Template::sitrep_default(), at(30)).is_ok());
    f.summary.push('x');
    assert!(matches!(
        sitrep::compose(&inc, &f, &Template::sitrep_default(), at(30)),
        Err(sitrep::SitrepError::TooLong {
            field: "summary",
            ..
        })
    ));
}

#[test]
fn markdown_hostile_and_template_like_text_passes_through() {
    let inc = roster();
    let hostile = r#"*bold* _it_ [x](y) <b>&amp; | a | b | # h ` code ``` \ {{ summary }} {% if x %} {# c #} ~~s~~ > q"#;
    let mut f = fields();
    f.summary = hostile.into();
    f.needs = hostile.into();
    f.links = vec![Link {
        label: "[label](http://evil) <x>".into(),
        url: "https://example.com/a_b*c?d=[e]&f=<g>|h".into(),
    }];
    let text = render_default(&inc, &f);
    assert!(text.starts_with(hostile), "{text}");
    assert!(text.contains(&format!("Open issues: {hostile}")), "{text}");
    assert!(text.contains("[label](http://evil) <x>: https://example.com/a_b*c?d=[e]&f=<g>|h"));
    assert!(!text.contains("&lt;") && !text.contains("&amp;amp;"));
}

#[test]
fn compose_strips_control_characters_and_takes_people_from_the_roster() {
    let inc = roster();
    let mut f = fields();
    f.summary = "\u{1b}[2J\u{1b}[31mDB down\u{7}\u{202e}".into();
    let Payload::SitrepSent {
        version,
        fields,
        rendered,
        ic,
        comms,
        responders,
        groups,
    } = sitrep::compose(&inc, &f, &Template::sitrep_default(), at(30)).unwrap()
    else {
        panic!()
    };
    assert_eq!(version, 1);
    assert_eq!(fields.summary, "[2J[31mDB down");
    assert!(!rendered.contains('\u{1b}'));
    assert_eq!(ic.as_deref(), Some("Ricardo"));
    assert_eq!(comms.as_deref(), Some("Keiko"));
    assert_eq!(responders, ["Noah", "Greg", "Harold", "Rodrigo"]);
    assert_eq!(groups, ["database", "routing"]);
}

#[test]
fn custom_templates_see_incident_meta_and_errors_name_the_line() {
    let inc = roster();
    let t = Template::from_source(
        "/etc/cp/mine.j2",
        "[{{ incident.state_word }}] {{ incident.id }} v{{ version }} at {{ sent_at }}\n{{ summary }}",
    );
    let text = sitrep::preview(&inc, &fields(), &t, at(30)).unwrap();
    assert!(
        text.starts_with("[Investigating] INC-20261121-1400 v1 at 2026-11-21 14:30 UTC\n"),
        "{text}"
    );
    let bad = Template::from_source(
        "/etc/cp/bad.j2",
        "{{ summary }}\n{{ summary | nosuchfilter }}",
    );
    let e = sitrep::preview(&inc, &fields(), &bad, at(30)).unwrap_err();
    let TemplateError::Render { name, line, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((name.as_str(), *line), ("/etc/cp/bad.j2", Some(2)));
}

fn status_fields() -> StatusFields {
    StatusFields {
        stage: "identified".into(),
        message: "Some API requests fail in the EU region.".into(),
        workaround: "Retry failed requests; the US endpoint is unaffected.".into(),
        components: vec![
            ("API".into(), "partial outage".into()),
            ("Dashboard".into(), "degraded_performance".into()),
        ],
        next_update_at: Some(at(30)),
    }
}

#[test]
fn status_update_renders_stage_workaround_components_next_update() {
    let inc = roster();
    let Payload::StatusPosted { fields, rendered } =
        status::compose(&inc, &status_fields(), &Template::status_default(), at(0)).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        fields.components,
        [
            ("API".to_string(), "partial_outage".to_string()),
            ("Dashboard".to_string(), "degraded_performance".to_string())
        ]
    );
    assert_in_order(
        &rendered,
        &[
            "Identified: Some API requests fail",
            "Workaround: Retry failed requests",
            "- API: Partial outage",
            "- Dashboard: Degraded performance",
            "Next update in 30 minutes (at 14:30 UTC).",
        ],
    );
    insta::assert_snapshot!("status_default", rendered);
    // The promise of the next update is not an ETA.
    let linter = Linter::builtin().unwrap();
    assert_eq!(linter.lint_text(&rendered), vec![]);
}

#[test]
fn status_next_update_defaults_from_the_cadence() {
    let inc = roster();
    let cfg = Config::default();
    assert_eq!(
        status::next_update_default(&inc, &cfg.cadence, at(10)),
        Some(at(10 + 20))
    );
    let mut resolved = inc.clone();
    resolved.state = Severity::Resolved;
    assert_eq!(
        status::next_update_default(&resolved, &cfg.cadence, at(10)),
        None
    );
}

#[test]
fn status_lint_flags_eta_and_missing_workaround() {
    let linter = Linter::builtin().unwrap();
    let mut f = status_fields();
    f.message = "This will be fixed within the hour.".into();
    f.workaround.clear();
    let rules: Vec<String> = status::lint(&linter, &f)
        .into_iter()
        .map(|w| w.rule)
        .collect();
    assert_eq!(rules, ["eta", "missing-workaround"]);
    f.stage = "resolved".into();
    f.message = "Resolved. We are investigating the cause.".into();
    assert_eq!(status::lint(&linter, &f), vec![]);
}

#[test]
fn diff_between_versions() {
    let inc = roster();
    let v1 = render_default(&inc, &fields());
    let mut f = fields();
    f.summary = "EC2 API recovered; provisioning is catching up.".into();
    f.links.pop();
    let v2 = render_default(&inc, &f);
    let d = sitrep::diff(&v1, &v2);
    let removed: Vec<&str> = d
        .iter()
        .filter(|l| l.tag == DiffTag::Removed)
        .map(|l| l.text.as_str())
        .collect();
    let added: Vec<&str> = d
        .iter()
        .filter(|l| l.tag == DiffTag::Added)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        removed,
        [
            "AWS EC2 API problems, we're keeping an eye on things.",
            "Trello: https://trello.example/c/incident-7"
        ]
    );
    assert_eq!(added, ["EC2 API recovered; provisioning is catching up."]);
    assert!(
        d.iter()
            .any(|l| l.tag == DiffTag::Same && l.text == "IC: Ricardo")
    );
    let text = sitrep::diff_text(&d);
    assert!(text.contains("\n  IC: Ricardo\n"), "{text}");
    assert!(text.starts_with("- AWS EC2"), "{text}");
    // Identical texts: nothing added or removed; from nothing: everything added.
    assert!(
        sitrep::diff(&v1, &v1)
            .iter()
            .all(|l| l.tag == DiffTag::Same)
    );
    assert!(
        sitrep::diff("", &v1)
            .iter()
            .all(|l| l.tag == DiffTag::Added)
    );
}

#[test]
fn diff_handles_unicode_and_crlf() {
    let d = sitrep::diff("渡辺\r\nb\r\n", "渡辺\nc");
    let tags: Vec<DiffTag> = d.iter().map(|l| l.tag).collect();
    assert_eq!(tags, [DiffTag::Same, DiffTag::Removed, DiffTag::Added]);
}

/// The composer renders `prepare`'s context off the UI thread and sends that text: it must be
/// the text `compose` renders (the headless commands' road), payload and all.
#[test]
fn a_prepared_render_is_what_compose_sends() {
    let inc = roster();
    let mut f = fields();
    f.summary = "  DB \u{7}down  ".into();
    let now = at(30);
    for t in [Template::sitrep_default(), Template::sitrep_can()] {
        let p = sitrep::prepare(&inc, &f, now);
        let text = t.render(&p.context).unwrap();
        assert_eq!(
            p.payload(&text).unwrap(),
            sitrep::compose(&inc, &f, &t, now).unwrap()
        );
    }
    let mut s = status_fields();
    s.message = " Payments fail \u{1b}[2J ".into();
    let t = Template::status_default();
    let p = status::prepare(&inc, &s, at(0));
    let text = t.render(&p.context).unwrap();
    assert_eq!(
        p.payload(&text).unwrap(),
        status::compose(&inc, &s, &t, at(0)).unwrap()
    );
    // What cannot be sent says why, as compose does.
    let empty = SitrepFields::default();
    let p = sitrep::prepare(&inc, &empty, now);
    assert_eq!(
        p.payload("x").unwrap_err(),
        sitrep::compose(&inc, &empty, &Template::sitrep_default(), now)
            .unwrap_err()
            .to_string()
    );
}
