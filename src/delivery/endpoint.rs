//! What a pasted vendor URL means. Users copy URLs from the vendors' documentation: the full
//! endpoint (`https://events.eu.pagerduty.com/v2/enqueue`), a base, a subscribe URL, a link to
//! a room. Each function here takes what was written and returns the URL the backend builds its
//! requests from, with what was understood in words (for `config check`), or why it cannot
//! work and what to write instead. Pure: no IO.
//!
//! Secret-bearing keys (`url`, `smtp_url`) are described without their value.

use reqwest::Url;

/// A URL as the backend will use it, and what was understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The base (or, for webhook-style keys, the full URL) requests are built from.
    pub url: String,
    /// What was understood, in words; for a secret key it never quotes the value.
    pub understood: String,
    /// Something that will probably not work although it parses (a retired endpoint).
    pub warning: Option<String>,
}

impl Endpoint {
    fn new(url: impl Into<String>, understood: impl Into<String>) -> Self {
        Endpoint {
            url: url.into(),
            understood: understood.into(),
            warning: None,
        }
    }
}

/// An http(s) URL with a host; `example` is what the error suggests.
fn http_url(raw: &str, example: &str) -> Result<Url, String> {
    let bad = || format!("must be an http:// or https:// URL such as {example}");
    let u = Url::parse(raw.trim()).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(u)
}

/// The non-empty path segments of `u`.
fn segments(u: &Url) -> Vec<String> {
    u.path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

/// `scheme://host[:port]` followed by `segs` joined with `/` (no trailing slash).
fn rebuild(u: &Url, segs: &[String]) -> String {
    let mut base = u.clone();
    base.set_query(None);
    base.set_fragment(None);
    base.set_path(&segs.join("/"));
    base.to_string().trim_end_matches('/').to_string()
}

fn host(u: &Url) -> String {
    u.host_str().unwrap_or_default().to_ascii_lowercase()
}

/// PagerDuty's documented Events API v2 URL.
pub const PAGERDUTY_EXAMPLE: &str = "https://events.pagerduty.com/v2/enqueue";

/// PagerDuty `events_url`: the full endpoint as PagerDuty documents it
/// (`https://events.eu.pagerduty.com/v2/enqueue`), the change-events endpoint, or a base
/// (`https://events.eu.pagerduty.com`). The result is the base; pages go to
/// `<base>/v2/enqueue`, change events to `<base>/v2/change/enqueue`.
pub fn pagerduty_events(raw: &str) -> Result<Endpoint, String> {
    let u = http_url(raw, PAGERDUTY_EXAMPLE)?;
    let h = host(&u);
    if h == "api.pagerduty.com" || h == "api.eu.pagerduty.com" {
        return Err(format!(
            "is PagerDuty's REST API; pages go to the Events API: {PAGERDUTY_EXAMPLE} \
             (EU: https://events.eu.pagerduty.com/v2/enqueue)"
        ));
    }
    let mut segs = segments(&u);
    if segs
        .iter()
        .any(|s| s == "generic" || s == "create_event.json")
    {
        return Err(format!(
            "is the retired Events API v1 endpoint; use the v2 one: {PAGERDUTY_EXAMPLE}"
        ));
    }
    let tail: Vec<&str> = segs.iter().map(String::as_str).collect();
    let what = match tail.as_slice() {
        [.., "v2", "change", "enqueue"] => {
            segs.truncate(segs.len() - 3);
            "the change-events endpoint"
        }
        [.., "v2", "enqueue"] => {
            segs.truncate(segs.len() - 2);
            "the full endpoint URL"
        }
        [.., "v2"] => {
            segs.truncate(segs.len() - 1);
            "the API v2 URL"
        }
        _ => "the base URL",
    };
    let base = rebuild(&u, &segs);
    Ok(Endpoint::new(
        base.clone(),
        format!(
            "{what}: pages go to {base}/v2/enqueue, hand-offs (change events) to {base}/v2/change/enqueue"
        ),
    ))
}

/// Statuspage's documented API base.
pub const STATUSPAGE_API: &str = "https://api.statuspage.io/v1";

/// Statuspage `api_base`: the documented base (`https://api.statuspage.io/v1`), without its
/// version (`https://api.statuspage.io`), or an endpoint under it
/// (`.../v1/pages/<page_id>/incidents`, whose page id must be `page_id`). A public status page
/// or the management UI is refused with what to write instead.
pub fn statuspage_api(raw: &str, page_id: Option<&str>) -> Result<Endpoint, String> {
    let u = http_url(raw, STATUSPAGE_API)?;
    let h = host(&u);
    let mut segs = segments(&u);
    if h == "manage.statuspage.io" {
        let hint = match segs.iter().position(|s| s == "pages") {
            Some(i) if i + 1 < segs.len() => format!(" (page_id = \"{}\")", segs[i + 1]),
            _ => String::new(),
        };
        return Err(format!(
            "is Statuspage's management page, not its API: leave api_base out (default \
             {STATUSPAGE_API}) and put the page's id in page_id{hint}"
        ));
    }
    if h.ends_with(".statuspage.io") && h != "api.statuspage.io" {
        return Err(format!(
            "is a public status page, not the API: leave api_base out (default {STATUSPAGE_API})"
        ));
    }
    let mut what = "the API base".to_string();
    if let Some(i) = segs.iter().position(|s| s == "pages") {
        if let (Some(named), Some(configured)) = (segs.get(i + 1), page_id)
            && named != configured
        {
            return Err(format!(
                "names page {named:?} but page_id is {configured:?}: leave the /pages/... part out"
            ));
        }
        segs.truncate(i);
        what = "an endpoint URL (the part from /pages/ on is built from page_id)".into();
    }
    if segs.is_empty() && h == "api.statuspage.io" {
        segs.push("v1".into());
        what.push_str(", API version /v1 added");
    }
    let base = rebuild(&u, &segs);
    let page = page_id.unwrap_or("<page_id>");
    Ok(Endpoint::new(
        base.clone(),
        format!("{what}: incidents go to {base}/pages/{page}/incidents"),
    ))
}

/// Matrix `homeserver`: the homeserver URL with or without a trailing slash, or with the
/// client API path (`/_matrix`, `/_matrix/client/v3`) pasted from an example request.
pub fn matrix_homeserver(raw: &str) -> Result<Endpoint, String> {
    let example = "https://matrix.example.org";
    let u = http_url(raw, example)?;
    let h = host(&u);
    if h == "matrix.to" || h == "app.element.io" || h == "element.io" {
        return Err(format!(
            "is a web page ({h}), not a homeserver: give the homeserver's URL, e.g. {example} \
             (matrix.org's is https://matrix-client.matrix.org)"
        ));
    }
    let mut segs = segments(&u);
    let mut what = "the homeserver URL";
    if let Some(i) = segs.iter().position(|s| s == "_matrix") {
        segs.truncate(i);
        what = "the homeserver URL (the /_matrix/... API path is added by commandpost)";
    }
    let base = rebuild(&u, &segs);
    Ok(Endpoint::new(
        base.clone(),
        format!("{what}: messages go to {base}/_matrix/client/v3/rooms/<room>/send"),
    ))
}

/// Matrix `room`: a room id (`!abc:server`), an alias (`#name:server`), or a matrix.to link
/// to either (`https://matrix.to/#/%23name:server?via=...`).
pub fn matrix_room(raw: &str) -> Result<String, String> {
    let bad = || {
        "must be a room id (!abc:server), an alias (#name:server) or a matrix.to link".to_string()
    };
    let raw = raw.trim();
    if raw.starts_with('!') || raw.starts_with('#') {
        return Ok(raw.to_string());
    }
    let u = Url::parse(raw).map_err(|_| bad())?;
    if host(&u) != "matrix.to" {
        return Err(bad());
    }
    let frag = u.fragment().ok_or_else(bad)?;
    let frag = frag.trim_start_matches('/');
    let id = frag.split('?').next().unwrap_or_default();
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .map_err(|_| bad())?;
    if (id.starts_with('!') || id.starts_with('#')) && id.contains(':') {
        Ok(id.into_owned())
    } else {
        Err(bad())
    }
}

/// ntfy topic: where to publish (JSON, the server's root) and the topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtfyTopic {
    pub publish: String,
    pub topic: String,
    pub understood: String,
}

/// Suffixes of ntfy endpoints under a topic (subscribe and GET-publish URLs).
const NTFY_SUFFIXES: [&str; 7] = ["json", "sse", "raw", "ws", "publish", "send", "trigger"];

/// ntfy `url` (a secret: described without its value): the topic URL as ntfy documents it,
/// `https://ntfy.sh/<topic>`, also without a scheme (`ntfy.sh/<topic>`, as in ntfy's curl
/// examples) or with a subscribe/publish suffix (`/json`, `/sse`, `/raw`, `/ws`, `/publish`,
/// `/send`, `/trigger`). A self-hosted server under a path (`https://host/ntfy/<topic>`) works.
/// The `auth` query parameter is kept; others are dropped.
pub fn ntfy_topic(raw: &str) -> Result<NtfyTopic, String> {
    let raw = raw.trim();
    let mut notes = Vec::new();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        notes.push("https:// assumed".to_string());
        format!("https://{raw}")
    };
    let u = http_url(&with_scheme, "https://ntfy.sh/<topic>")
        .map_err(|_| "must be a topic URL such as https://ntfy.sh/<topic> (value not shown)")?;
    let mut segs = segments(&u);
    if segs.len() >= 2
        && let Some(last) = segs.last()
        && NTFY_SUFFIXES.contains(&last.as_str())
    {
        notes.push(format!("the /{last} suffix dropped"));
        segs.pop();
    }
    let topic = segs
        .pop()
        .ok_or("needs a topic: https://ntfy.sh/<topic> (value not shown)")?;
    let topic_ok = topic.len() <= 64
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !topic_ok {
        return Err(
            "the topic (the URL's last part) may only hold letters, digits, - and _, at most 64 \
             (value not shown)"
                .into(),
        );
    }
    let mut publish = u.clone();
    publish.set_fragment(None);
    let auth: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k == "auth")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    publish.set_query(None);
    if !auth.is_empty() {
        publish.query_pairs_mut().extend_pairs(auth);
    }
    let mut path = segs.join("/");
    path.push('/');
    publish.set_path(&path);
    let mut understood = "a topic URL: messages are published to its topic".to_string();
    if !notes.is_empty() {
        understood.push_str(&format!(" ({})", notes.join(", ")));
    }
    Ok(NtfyTopic {
        publish: publish.to_string(),
        topic,
        understood,
    })
}

/// Discord `url` (secret): the webhook URL; the Slack- and GitHub-compatible variants
/// (`.../slack`, `.../github`) are understood as the plain webhook (commandpost sends
/// Discord's own JSON).
pub fn discord_webhook(raw: &str) -> Result<Endpoint, String> {
    let u = http_url(raw, "https://discord.com/api/webhooks/<id>/<token>")
        .map_err(|_| "is not an http(s) URL (value not shown: it is a secret)".to_string())?;
    let mut segs = segments(&u);
    let mut what = "the webhook URL".to_string();
    if segs.len() > 1
        && let Some(last) = segs.last()
        && (last == "slack" || last == "github")
    {
        what = format!("the webhook URL (its /{last}-compatible suffix dropped)");
        segs.pop();
    }
    let mut out = u.clone();
    out.set_path(&segs.join("/"));
    Ok(Endpoint::new(out.to_string(), what))
}

/// Slack `url` (secret): an incoming-webhook URL. A Web API method URL is refused.
pub fn slack_webhook(raw: &str) -> Result<Endpoint, String> {
    let u = http_url(raw, "https://hooks.slack.com/services/...")
        .map_err(|_| "is not an http(s) URL (value not shown: it is a secret)".to_string())?;
    if host(&u) == "slack.com" && u.path().starts_with("/api/") {
        return Err(
            "is a Slack Web API method; the slack backend posts to an incoming-webhook URL \
             (https://hooks.slack.com/services/...)"
                .into(),
        );
    }
    Ok(Endpoint::new(raw.trim(), "the incoming-webhook URL"))
}

/// Teams `url` (secret): a Workflows webhook URL. A retired Office 365 connector URL
/// (`*.webhook.office.com/webhookb2/...`) parses but is warned about.
pub fn teams_webhook(raw: &str) -> Result<Endpoint, String> {
    let u = http_url(raw, "https://<env>.environment.api.powerplatform.com/...")
        .map_err(|_| "is not an http(s) URL (value not shown: it is a secret)".to_string())?;
    let mut e = Endpoint::new(raw.trim(), "the Workflows webhook URL");
    if host(&u).ends_with("webhook.office.com") || u.path().contains("/webhookb2/") {
        e.understood = "an Office 365 connector URL".into();
        e.warning = Some(
            "Office 365 connectors (webhook.office.com) are retired: create a Workflows webhook \
             (\"Send webhook alerts to a channel\") and use its URL"
                .into(),
        );
    }
    Ok(e)
}

/// Email `smtp_url` (secret): lettre's form (`smtps://user:pass@host`,
/// `smtp://host:587?tls=required`), and what providers document: `host:port` without a scheme
/// (465 means implicit TLS, anything else STARTTLS), and `smtp://host:587` without `tls=`,
/// which means STARTTLS required (a credential is never sent in clear to a remote host).
/// `?tls=none` asks for plaintext explicitly (a local relay). Loopback hosts keep plaintext.
pub fn smtp_url(raw: &str) -> Result<Endpoint, String> {
    let bad =
        || "is not a valid smtp:// or smtps:// URL (or host:port) (value not shown)".to_string();
    let raw = raw.trim();
    let mut notes: Vec<&str> = Vec::new();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        let port = raw
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok());
        if port == Some(465) {
            notes.push("host:port on 465: implicit TLS");
            format!("smtps://{raw}")
        } else {
            notes.push("host:port");
            format!("smtp://{raw}")
        }
    };
    let mut u = Url::parse(&with_scheme).map_err(|_| bad())?;
    if u.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    let h = host(&u);
    let loopback = h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || h.trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let tls: Option<String> = u
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.to_ascii_lowercase());
    let understood = match (u.scheme(), tls.as_deref()) {
        ("smtps", _) => "implicit TLS (smtps)",
        ("smtp", Some("required")) => "STARTTLS required",
        ("smtp", Some("opportunistic")) => "STARTTLS if offered",
        ("smtp", Some("none")) => {
            let rest: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != "tls")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            u.set_query(None);
            if !rest.is_empty() {
                u.query_pairs_mut().extend_pairs(rest);
            }
            "plaintext (tls=none)"
        }
        ("smtp", None) if loopback => "plaintext (a loopback relay)",
        ("smtp", None) => {
            u.query_pairs_mut().append_pair("tls", "required");
            notes.push("no tls= given");
            "STARTTLS required"
        }
        ("smtp", Some(_)) => {
            return Err("tls= must be required, opportunistic or none (value not shown)".into());
        }
        _ => return Err(bad()),
    };
    let port = u
        .port()
        .map(|p| p.to_string())
        .unwrap_or_else(|| "default".into());
    let mut words = format!("{understood}, port {port}");
    if !notes.is_empty() {
        words.push_str(&format!(" ({})", notes.join(", ")));
    }
    Ok(Endpoint::new(u.to_string(), words))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn pd(raw: &str) -> String {
        pagerduty_events(raw).map(|e| e.url).unwrap_or_else(|e| e)
    }

    #[test]
    fn pagerduty_full_endpoint_and_base_give_the_same_base() {
        for raw in [
            "https://events.eu.pagerduty.com/v2/enqueue",
            "https://events.eu.pagerduty.com/v2/enqueue/",
            "https://events.eu.pagerduty.com/v2/change/enqueue",
            "https://events.eu.pagerduty.com/v2",
            "https://events.eu.pagerduty.com",
            "https://events.eu.pagerduty.com/",
            " https://events.eu.pagerduty.com/v2/enqueue ",
        ] {
            assert_eq!(pd(raw), "https://events.eu.pagerduty.com", "{raw}");
        }
        assert_eq!(
            pd("http://127.0.0.1:9/pd/v2/enqueue"),
            "http://127.0.0.1:9/pd"
        );
        let e = pagerduty_events("https://events.pagerduty.com/v2/enqueue").unwrap();
        assert!(e.understood.starts_with("the full endpoint URL"), "{e:?}");
        let e = pagerduty_events("https://events.pagerduty.com").unwrap();
        assert!(e.understood.starts_with("the base URL"), "{e:?}");
    }

    #[test]
    fn pagerduty_wrong_apis_say_what_to_write() {
        assert!(pd("https://api.pagerduty.com").contains("REST API"));
        assert!(
            pd("https://events.pagerduty.com/generic/2010-04-15/create_event.json").contains("v1")
        );
        assert!(pd("events.pagerduty.com").contains("must be an http"));
    }

    #[test]
    fn statuspage_bases() {
        let sp = |raw: &str| {
            statuspage_api(raw, Some("pg1"))
                .map(|e| e.url)
                .unwrap_or_else(|e| e)
        };
        for raw in [
            "https://api.statuspage.io/v1",
            "https://api.statuspage.io/v1/",
            "https://api.statuspage.io",
            "https://api.statuspage.io/v1/pages/pg1",
            "https://api.statuspage.io/v1/pages/pg1/incidents",
        ] {
            assert_eq!(sp(raw), "https://api.statuspage.io/v1", "{raw}");
        }
        assert!(sp("https://api.statuspage.io/v1/pages/other").contains("page_id is \"pg1\""));
        assert!(sp("https://acme.statuspage.io").contains("public status page"));
        assert!(
            sp("https://manage.statuspage.io/pages/abc/incidents").contains("page_id = \"abc\"")
        );
        assert_eq!(sp("http://127.0.0.1:5/v1"), "http://127.0.0.1:5/v1");
    }

    #[test]
    fn matrix_homeservers_and_rooms() {
        let hs = |raw: &str| matrix_homeserver(raw).map(|e| e.url).unwrap_or_else(|e| e);
        for raw in [
            "https://matrix.example.org",
            "https://matrix.example.org/",
            "https://matrix.example.org/_matrix",
            "https://matrix.example.org/_matrix/",
            "https://matrix.example.org/_matrix/client/v3",
            "https://matrix.example.org/_matrix/client/r0/",
        ] {
            assert_eq!(hs(raw), "https://matrix.example.org", "{raw}");
        }
        assert_eq!(hs("https://host/synapse/_matrix"), "https://host/synapse");
        assert!(hs("https://app.element.io/#/room/x").contains("web page"));
        assert_eq!(matrix_room("#ops:example.org").unwrap(), "#ops:example.org");
        assert_eq!(
            matrix_room("https://matrix.to/#/%23ops:example.org?via=example.org").unwrap(),
            "#ops:example.org"
        );
        assert_eq!(
            matrix_room("https://matrix.to/#/!abc:example.org").unwrap(),
            "!abc:example.org"
        );
        assert!(matrix_room("ops").is_err());
        assert!(matrix_room("https://example.org/#/ops").is_err());
    }

    #[test]
    fn ntfy_topic_urls() {
        let t = |raw: &str| {
            ntfy_topic(raw)
                .map(|t| (t.publish, t.topic))
                .unwrap_or_else(|e| (e, String::new()))
        };
        let sh = ("https://ntfy.sh/".to_string(), "incidents".to_string());
        for raw in [
            "https://ntfy.sh/incidents",
            "https://ntfy.sh/incidents/",
            "ntfy.sh/incidents",
            "https://ntfy.sh/incidents/json",
            "https://ntfy.sh/incidents/sse",
            "https://ntfy.sh/incidents/publish",
            "https://ntfy.sh/incidents?title=x",
        ] {
            assert_eq!(t(raw), sh, "{raw}");
        }
        assert_eq!(
            t("http://127.0.0.1:9/ntfy/incidents/"),
            ("http://127.0.0.1:9/ntfy/".into(), "incidents".into())
        );
        assert_eq!(
            t("https://ntfy.sh/incidents?auth=abc"),
            ("https://ntfy.sh/?auth=abc".into(), "incidents".into())
        );
        // A lone suffix-like segment is a topic.
        assert_eq!(t("https://ntfy.sh/json").1, "json");
        assert!(ntfy_topic("https://ntfy.sh/").is_err());
        assert!(ntfy_topic("https://ntfy.sh/bad topic!").is_err());
        let e = ntfy_topic("https://ntfy.sh/secret-topic-x/json").unwrap_err_or_understood();
        assert!(!e.contains("secret-topic-x"), "{e}");
    }

    trait Understood {
        fn unwrap_err_or_understood(self) -> String;
    }
    impl Understood for Result<NtfyTopic, String> {
        fn unwrap_err_or_understood(self) -> String {
            match self {
                Ok(t) => t.understood,
                Err(e) => e,
            }
        }
    }

    #[test]
    fn discord_slack_teams() {
        let d = discord_webhook("https://discord.com/api/webhooks/1/TOK/slack").unwrap();
        assert_eq!(d.url, "https://discord.com/api/webhooks/1/TOK");
        assert!(!d.understood.contains("TOK"));
        let d = discord_webhook("https://discord.com/api/webhooks/1/TOK?thread_id=5").unwrap();
        assert_eq!(d.url, "https://discord.com/api/webhooks/1/TOK?thread_id=5");
        assert!(
            slack_webhook("https://slack.com/api/chat.postMessage")
                .unwrap_err()
                .contains("Web API")
        );
        assert!(slack_webhook("https://hooks.slack.com/services/T/B/X").is_ok());
        let t = teams_webhook("https://acme.webhook.office.com/webhookb2/x@y/IncomingWebhook/z/w")
            .unwrap();
        assert!(t.warning.unwrap().contains("retired"));
        assert!(
            teams_webhook("https://e.environment.api.powerplatform.com/x?sig=1")
                .unwrap()
                .warning
                .is_none()
        );
    }

    #[test]
    fn smtp_urls_never_send_credentials_in_clear_to_a_remote_host() {
        let s = |raw: &str| smtp_url(raw).map(|e| e.url).unwrap_or_else(|e| e);
        assert_eq!(
            s("smtp://u:p@smtp.example.com:587"),
            "smtp://u:p@smtp.example.com:587?tls=required"
        );
        assert_eq!(
            s("smtp.example.com:587"),
            "smtp://smtp.example.com:587?tls=required"
        );
        assert_eq!(s("smtp.example.com:465"), "smtps://smtp.example.com:465");
        assert_eq!(s("smtps://smtp.example.com"), "smtps://smtp.example.com");
        assert_eq!(
            s("smtp://relay.internal:25?tls=none"),
            "smtp://relay.internal:25"
        );
        assert_eq!(s("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
        assert_eq!(s("127.0.0.1:2525"), "smtp://127.0.0.1:2525");
        assert_eq!(
            s("smtp://h:587?tls=opportunistic"),
            "smtp://h:587?tls=opportunistic"
        );
        assert!(s("smtp://h?tls=maybe").contains("tls="));
        let e = smtp_url("smtp://user:hunter2@smtp.example.com:587").unwrap();
        assert!(!e.understood.contains("hunter2"));
        assert!(e.understood.contains("STARTTLS required"), "{e:?}");
    }
}
