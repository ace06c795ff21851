//! Table tests of the status-update linter (doctrine section 6).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::LazyLock;

use commandpost::domain::lint::{
    AppliesTo, Field, LintConfigError, Linter, MISSING_WORKAROUND, RuleSpec, Stage,
};
use proptest::prelude::*;

/// Compiled once for the whole test binary.
static BUILTIN: LazyLock<Linter> = LazyLock::new(|| Linter::builtin().unwrap());

const ETA: &[&str] = &["eta"];
const CAUSE: &[&str] = &["root-cause"];
const BLAME: &[&str] = &["blame"];
const CAUSE_BLAME: &[&str] = &["blame", "root-cause"];
const NONE: &[&str] = &[];

/// Phrase, and the exact set of rule ids expected to warn on it.
const TABLE: &[(&str, &[&str])] = &[
    // --- explicit ETA for the fix: must warn ---
    ("We expect this to be fixed in 30 minutes.", ETA),
    ("fixed in 30 minutes", ETA),
    ("ETA 5pm", ETA),
    ("ETA: 17:00", ETA),
    ("ETA: 17:00 UTC for the fix.", ETA),
    ("The issue should be resolved by", ETA),
    ("The issue should be resolved by 5pm.", ETA),
    ("We expect a fix within the hour.", ETA),
    ("Everything will be back to normal within the hour", ETA),
    ("The API will be back up by 3pm.", ETA),
    ("It will be resolved in 2 hours.", ETA),
    ("We aim to have this resolved by end of day.", ETA),
    ("by end of day", ETA),
    ("In the next 15 minutes we will have it fixed.", ETA),
    (
        "We hope to have service restored in the next 30 minutes.",
        ETA,
    ),
    ("Service should be restored within 2 hours.", ETA),
    ("The fix will take about 30 minutes to roll out.", ETA),
    ("Estimated time to resolution: 2 hours.", ETA),
    ("ETA for the fix is 45 minutes.", ETA),
    (
        "We’re on track to be fully operational by tomorrow morning.",
        ETA,
    ),
    ("Full recovery is expected by 14:00 UTC.", ETA),
    (
        "A fix is being deployed and should land within an hour.",
        ETA,
    ),
    ("Service will resume at 10:00 UTC.", ETA),
    ("Payments should work again by 9 a.m. CET.", ETA),
    (
        "We are deploying the fix now; expect recovery in 20-30 minutes.",
        ETA,
    ),
    ("The team expects to be done by noon.", ETA),
    // --- presumed root cause: must warn ---
    ("The errors were caused by a database failover.", CAUSE),
    ("caused by", CAUSE),
    ("The root cause is a misconfigured load balancer.", CAUSE),
    ("Root cause: an expired TLS certificate.", CAUSE),
    (
        "Checkout failures are due to a bug in our payment service.",
        CAUSE,
    ),
    ("The outage was root-caused to a bad config push.", CAUSE),
    ("The incident was triggered by a faulty deploy.", CAUSE),
    (
        "We have traced the errors back to a recent schema change.",
        CAUSE,
    ),
    (
        "This happened because of a misconfiguration in our DNS.",
        CAUSE,
    ),
    ("Login failures are the result of a faulty release.", CAUSE),
    ("We identified the cause as a memory leak.", CAUSE),
    ("The cause of the slow responses was a bad index.", CAUSE),
    (
        "The problem appears to be related to a recent deployment.",
        CAUSE,
    ),
    ("We suspect a network issue in one data center.", CAUSE),
    (
        "We believe the issue stems from a database migration.",
        CAUSE,
    ),
    // --- blame: must warn ---
    ("This is our provider's fault.", BLAME),
    ("AWS failed us today.", BLAME),
    // Corrected (issue 13): "broke" and "because of" are causal links, like "caused by an outage
    // at AWS" below; a named third party as the cause is both a presumed cause and blame.
    ("The vendor broke the API without notice.", CAUSE_BLAME),
    ("Delays are because of our upstream provider.", CAUSE_BLAME),
    ("Our hosting provider's outage took us down.", BLAME),
    ("Cloudflare is to blame for the errors.", BLAME),
    ("It was the third-party's fault.", BLAME),
    ("Our CDN vendor is down.", BLAME),
    ("This is not our fault.", BLAME),
    ("The issue is on our payment provider's side.", BLAME),
    (
        "We are seeing errors following an outage at our cloud provider.",
        BLAME,
    ),
    ("Errors were caused by an outage at AWS.", CAUSE_BLAME),
    (
        "Our provider, AWS, is experiencing an outage in us-east-1.",
        BLAME,
    ),
    ("A third-party service we rely on is down.", BLAME),
    ("The fault lies with our ISP.", BLAME),
    // --- must not warn ---
    ("Next update in 30 minutes.", NONE),
    ("We will post another update within 30 minutes.", NONE),
    ("We have no ETA yet.", NONE),
    ("There is no ETA at this time.", NONE),
    ("We don't have an ETA yet; next update at 17:00 UTC.", NONE),
    ("Estimated impact: about 5% of API requests.", NONE),
    ("We are investigating the cause.", NONE),
    ("We are investigating the root cause.", NONE),
    ("We don't yet know the root cause.", NONE),
    ("The root cause is not yet known.", NONE),
    (
        "The cause of the errors is still under investigation.",
        NONE,
    ),
    (
        "We will share what the root cause was once we know more.",
        NONE,
    ),
    // decision: "due to" a load condition describes what customers see, not a presumed cause
    ("Users may see errors due to high load.", NONE),
    ("Some requests may time out due to increased traffic.", NONE),
    ("Customers can retry failed requests.", NONE),
    ("Our engineers are working on a fix.", NONE),
    (
        "We have identified the issue and are working on a fix.",
        NONE,
    ),
    (
        "A fix has been implemented and we are monitoring the results.",
        NONE,
    ),
    (
        "We are working with our cloud provider to restore service.",
        NONE,
    ),
    ("We are working with AWS to restore service.", NONE),
    ("We'll update this page within the hour.", NONE),
    ("Next update: within the hour.", NONE),
    ("We will publish a full report by end of day.", NONE),
    ("We will provide more information in 30 minutes.", NONE),
    (
        "We apologize for any inconvenience caused by this outage.",
        NONE,
    ),
    ("This incident has been resolved.", NONE),
    ("Service was fully restored by 14:32 UTC.", NONE),
    ("The issue was resolved in 20 minutes.", NONE),
    ("Errors began at 13:05 UTC.", NONE),
    (
        "Workaround: use the web dashboard until the mobile app recovers.",
        NONE,
    ),
    ("Restarting the app should resolve the issue.", NONE),
    ("The issue should be resolved by restarting the app.", NONE),
    (
        "Scheduled maintenance will take place between 02:00 and 04:00 UTC.",
        NONE,
    ),
    ("We expect to share more details shortly.", NONE),
    ("We will provide an ETA as soon as we have one.", NONE),
    ("Our fault-tolerant storage kept all data safe.", NONE),
    ("A failover was triggered by our on-call engineers.", NONE),
    (
        "We are investigating elevated error rates on the EU cluster.",
        NONE,
    ),
    (
        "Customers hosted in AWS us-east-1 may see slower page loads.",
        NONE,
    ),
    ("We have no estimated time to resolution yet.", NONE),
    ("Beta features are unaffected.", NONE),
    (
        "We will send another update by 16:00 UTC or sooner if anything changes.",
        NONE,
    ),
    ("We do not have an ETA for resolution at this time.", NONE),
    (
        "We are working with our upstream provider to mitigate the impact.",
        NONE,
    ),
    // Corrected (issue 13): the issue is the provider's; the issue lists "Our provider has
    // declared it fixed" as blame.
    (
        "Our payment provider has confirmed the issue and is working on it.",
        BLAME,
    ),
    ("Root cause analysis is underway.", NONE),
    (
        "We will publish a post-mortem once the root cause is confirmed.",
        NONE,
    ),
    (
        "Some users may see brief errors due to the deployment of the fix.",
        NONE,
    ),
    ("Requests may fail due to scheduled maintenance.", NONE),
    (
        "Please allow up to 30 minutes for DNS changes to propagate.",
        NONE,
    ),
    ("We take full responsibility and apologise.", NONE),
    ("We'll get back to you in 30 minutes.", NONE),
];

fn ids(warnings: &[commandpost::domain::lint::Warning]) -> BTreeSet<&str> {
    warnings.iter().map(|w| w.rule.as_str()).collect()
}

#[test]
fn table_has_enough_phrases() {
    assert!(TABLE.len() >= 60, "{} phrases", TABLE.len());
    assert!(TABLE.iter().filter(|(_, e)| e.is_empty()).count() >= 25);
}

#[test]
fn table() {
    let linter = &*BUILTIN;
    let mut failures = Vec::new();
    for (phrase, expected) in TABLE {
        let warnings = linter.lint_text(phrase);
        let got = ids(&warnings);
        let want: BTreeSet<&str> = expected.iter().copied().collect();
        if got != want {
            let excerpts: Vec<_> = warnings
                .iter()
                .map(|w| format!("{}: {:?}", w.rule, w.excerpt))
                .collect();
            failures.push(format!("{phrase:?}: want {want:?}, got {excerpts:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn status_rules_apply_to_message_and_workaround() {
    let linter = &*BUILTIN;
    let w = linter.lint_status(
        Stage::Identified,
        "The root cause is a bad deploy.",
        "Retry; it will be fixed in 10 minutes.",
    );
    let got: Vec<_> = w.iter().map(|w| (w.rule.as_str(), w.field)).collect();
    assert_eq!(
        got,
        vec![("root-cause", Field::Message), ("eta", Field::Workaround)]
    );
    let wa = "Retry; it will be fixed in 10 minutes.";
    assert_eq!(&wa[w[1].span.clone()], w[1].excerpt);
}

#[test]
fn spans_on_unicode_text() {
    let linter = &*BUILTIN;
    let text = "Señor, José: fixed in 30 minutes 🚀";
    let w = linter.lint_text(text);
    assert_eq!(w.len(), 1, "{w:?}");
    let w = &w[0];
    assert_eq!(w.rule, "eta");
    assert_eq!(w.field, Field::Text);
    assert_eq!(w.excerpt, "fixed in 30 minutes");
    assert_eq!(&text[w.span.clone()], "fixed in 30 minutes");
    assert_eq!(w.span.start, "Señor, José: ".len());

    let text = "L’équipe — «ETA 17:00» — c’était la faute de «AWS failed us» 😬 caused by 日本";
    let w = linter.lint_text(text);
    assert_eq!(
        ids(&w),
        ["blame", "eta", "root-cause"].into_iter().collect()
    );
    for warning in &w {
        assert!(text.is_char_boundary(warning.span.start));
        assert!(text.is_char_boundary(warning.span.end));
        assert_eq!(&text[warning.span.clone()], warning.excerpt);
    }
    assert!(w.windows(2).all(|p| p[0].span.start <= p[1].span.start));
}

#[test]
fn results_are_sorted_by_span_start() {
    let linter = &*BUILTIN;
    let text =
        "AWS failed us. The root cause is DNS. Fixed in 30 minutes. Caused by AWS going down.";
    let w = linter.lint_text(text);
    assert!(w.len() >= 4, "{w:?}");
    assert!(w.windows(2).all(|p| p[0].span.start <= p[1].span.start));
}

#[test]
fn missing_workaround_for_each_stage() {
    let linter = &*BUILTIN;
    let msg = "We are investigating elevated error rates.";
    for stage in Stage::ALL {
        for workaround in ["", "   \n\t"] {
            let w = linter.lint_status(stage, msg, workaround);
            let missing = w.iter().any(|w| w.rule == MISSING_WORKAROUND);
            assert_eq!(missing, stage != Stage::Resolved, "{stage} {workaround:?}");
            if let Some(w) = w.iter().find(|w| w.rule == MISSING_WORKAROUND) {
                assert_eq!(w.field, Field::Structural);
                assert_eq!(w.span, 0..0);
                assert!(!w.reason.is_empty());
            }
        }
        let w = linter.lint_status(stage, msg, "Use the web dashboard.");
        assert!(w.is_empty(), "{stage}: {w:?}");
    }
    // Text rules never include the structural one.
    assert!(linter.lint_text("").is_empty());
}

#[test]
fn rule_ids_list_the_builtins() {
    let linter = &*BUILTIN;
    assert_eq!(
        linter.rule_ids(),
        vec!["eta", "root-cause", "blame", MISSING_WORKAROUND]
    );
}

fn spec(id: &str, patterns: &[&str]) -> RuleSpec {
    RuleSpec {
        id: id.to_string(),
        reason: format!("{id} reason"),
        patterns: patterns.iter().map(|p| p.to_string()).collect(),
        exceptions: Vec::new(),
        applies_to: AppliesTo::Text,
        suggestion: None,
    }
}

#[test]
fn override_adds_a_rule() {
    let mut extra = spec("jargon", &[r"\bp0\b", r"\bsev[- ]?1\b"]);
    extra.exceptions = vec![r"\bp0 ticket\b".to_string()];
    let linter = Linter::with_overrides(&[extra], &[]).unwrap();
    assert_eq!(linter.rule_ids().last(), Some(&"jargon"));
    let w = linter.lint_text("This is a SEV-1 and a P0. See the p0 ticket.");
    let got: Vec<_> = w
        .iter()
        .map(|w| (w.rule.as_str(), w.excerpt.as_str()))
        .collect();
    assert_eq!(got, vec![("jargon", "SEV-1"), ("jargon", "P0")]);
    assert_eq!(w[0].reason, "jargon reason");
}

#[test]
fn override_rule_can_use_definitions() {
    let extra = spec("deadline", &[r"\bdeadline\s+(?:is\s+)?{{time}}"]);
    let linter = Linter::with_overrides(&[extra], &[]).unwrap();
    assert_eq!(
        ids(&linter.lint_text("Deadline is 5pm")),
        ["deadline"].into_iter().collect()
    );
}

#[test]
fn status_only_rule_is_not_a_text_rule() {
    let mut extra = spec("exclaim", &["!!+"]);
    extra.applies_to = AppliesTo::Status;
    let linter = Linter::with_overrides(&[extra], &[]).unwrap();
    assert!(linter.lint_text("Down!!").is_empty());
    let w = linter.lint_status(Stage::Investigating, "Down!!", "Retry later!!!");
    let got: Vec<_> = w.iter().map(|w| (w.field, w.span.clone())).collect();
    assert_eq!(
        got,
        vec![(Field::Message, 4..6), (Field::Workaround, 11..14)]
    );
}

#[test]
fn override_disables_rules() {
    let disabled = vec!["eta".to_string(), MISSING_WORKAROUND.to_string()];
    let linter = Linter::with_overrides(&[], &disabled).unwrap();
    assert_eq!(linter.rule_ids(), vec!["root-cause", "blame"]);
    assert!(linter.lint_text("Fixed in 30 minutes.").is_empty());
    assert!(
        linter
            .lint_status(Stage::Investigating, "Down.", "")
            .is_empty()
    );
    assert_eq!(
        ids(&linter.lint_text("Caused by DNS.")),
        ["root-cause"].into_iter().collect()
    );
}

#[test]
fn override_unknown_disabled_id_is_an_error_naming_it() {
    let err = Linter::with_overrides(&[], &["no-such-rule".to_string()]).unwrap_err();
    assert_eq!(
        err,
        LintConfigError::UnknownRule("no-such-rule".to_string())
    );
    assert!(err.to_string().contains("no-such-rule"));
}

#[test]
fn override_bad_regex_is_an_error_naming_the_rule() {
    let err = Linter::with_overrides(&[spec("broken", &["(unclosed"])], &[]).unwrap_err();
    assert!(matches!(&err, LintConfigError::BadRegex { rule, .. } if rule == "broken"));
    assert!(err.to_string().contains("broken"), "{err}");

    let mut bad_exception = spec("broken-exception", &["ok"]);
    bad_exception.exceptions = vec!["[z-a]".to_string()];
    let err = Linter::with_overrides(&[bad_exception], &[]).unwrap_err();
    assert!(err.to_string().contains("broken-exception"), "{err}");

    // Disabled or not, a bad rule from config is reported.
    let err = Linter::with_overrides(&[spec("off", &["("])], &["off".to_string()]).unwrap_err();
    assert!(err.to_string().contains("off"), "{err}");
}

#[test]
fn override_other_config_errors() {
    let err = Linter::with_overrides(&[spec("eta", &["x"])], &[]).unwrap_err();
    assert_eq!(err, LintConfigError::DuplicateRule("eta".to_string()));
    let err = Linter::with_overrides(&[spec("empty", &[])], &[]).unwrap_err();
    assert_eq!(err, LintConfigError::NoPatterns("empty".to_string()));
    let err = Linter::with_overrides(&[spec("undef", &["{{nope}}"])], &[]).unwrap_err();
    assert!(
        err.to_string().contains("undef") && err.to_string().contains("nope"),
        "{err}"
    );
}

#[test]
fn rule_spec_from_toml_defaults() {
    let spec: RuleSpec = toml::from_str(
        r#"
        id = "x"
        reason = "r"
        patterns = ["a"]
        "#,
    )
    .unwrap();
    assert_eq!(spec.applies_to, AppliesTo::Text);
    assert!(spec.exceptions.is_empty());
    let status: RuleSpec =
        toml::from_str("id = \"y\"\nreason = \"r\"\npatterns = [\"b\"]\napplies_to = \"status\"")
            .unwrap();
    assert_eq!(status.applies_to, AppliesTo::Status);
    assert!(
        toml::from_str::<RuleSpec>(
            "id = \"z\"\nreason = \"r\"\npatterns = []\napplies_to = \"all\""
        )
        .is_err()
    );
}

#[test]
fn warning_serializes_for_json_output() {
    let linter = &*BUILTIN;
    let w = linter.lint_text("ETA 5pm");
    let json = serde_json::to_value(&w).unwrap();
    assert_eq!(json[0]["rule"], "eta");
    assert_eq!(json[0]["field"], "text");
    assert_eq!(json[0]["span"]["start"], 0);
    assert_eq!(json[0]["span"]["end"], 7);
    assert_eq!(json[0]["excerpt"], "ETA 5pm");
}

#[test]
fn stage_parses_and_displays() {
    assert_eq!("resolved".parse::<Stage>().unwrap(), Stage::Resolved);
    assert_eq!(
        "Investigating".parse::<Stage>().unwrap(),
        Stage::Investigating
    );
    assert_eq!(Stage::Monitoring.to_string(), "monitoring");
    let err = "fixed".parse::<Stage>().unwrap_err();
    assert!(err.to_string().contains("fixed"));
    assert_eq!(
        serde_json::to_string(&Stage::Identified).unwrap(),
        "\"identified\""
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn spans_are_valid_and_sorted(text in "(\\PC|[ .:'’]|fixed in 30 minutes|caused by|AWS failed us|é|🚀){0,40}") {
        let linter = &*BUILTIN;
        let w = linter.lint_text(&text);
        for warning in &w {
            prop_assert!(text.is_char_boundary(warning.span.start));
            prop_assert!(text.is_char_boundary(warning.span.end));
            prop_assert!(warning.span.start < warning.span.end);
            prop_assert_eq!(&text[warning.span.clone()], warning.excerpt.as_str());
        }
        prop_assert!(w.windows(2).all(|p| p[0].span.start <= p[1].span.start));
    }
}
