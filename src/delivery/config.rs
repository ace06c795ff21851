//! `[[backends]]` configuration: shape, per-kind validation, secret references.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::domain::named::named_enum;
use crate::domain::outbound::MessageKind;

/// Which backend implementation a `[[backends]]` entry uses.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Slack,
    Teams,
    Discord,
    Mattermost,
    Matrix,
    Statuspage,
    Pagerduty,
    Email,
    Ntfy,
    Webhook,
    Command,
    File,
}

named_enum!(BackendKind {
    Slack => "slack",
    Teams => "teams",
    Discord => "discord",
    Mattermost => "mattermost",
    Matrix => "matrix",
    Statuspage => "statuspage",
    Pagerduty => "pagerduty",
    Email => "email",
    Ntfy => "ntfy",
    Webhook => "webhook",
    Command => "command",
    File => "file",
});

impl BackendKind {
    /// Message kinds this backend kind can carry at all.
    pub fn supported_kinds(self) -> &'static [MessageKind] {
        match self {
            BackendKind::Statuspage => &[MessageKind::Status],
            BackendKind::Pagerduty => &[MessageKind::Page],
            _ => &MessageKind::ALL,
        }
    }

    /// What `sends` means when a `[[backends]]` entry leaves it out.
    pub fn default_sends(self) -> Vec<MessageKind> {
        match self {
            BackendKind::Statuspage => vec![MessageKind::Status],
            BackendKind::Pagerduty => vec![MessageKind::Page],
            BackendKind::File | BackendKind::Command | BackendKind::Webhook => {
                MessageKind::ALL.to_vec()
            }
            _ => vec![
                MessageKind::Sitrep,
                MessageKind::Status,
                MessageKind::Announcement,
            ],
        }
    }

    /// Whether this kind talks HTTP (through the shared client).
    pub fn is_http(self) -> bool {
        !matches!(
            self,
            BackendKind::Email | BackendKind::Command | BackendKind::File
        )
    }

    /// (required keys, optional keys) beyond the common `name`, `kind`, `sends`, `drill`, `timeout`.
    fn keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            BackendKind::Slack
            | BackendKind::Teams
            | BackendKind::Discord
            | BackendKind::Mattermost => (&["url"], &[]),
            BackendKind::Ntfy => (&["url"], &["access_token", "username", "password"]),
            BackendKind::Webhook => (&["url", "secret"], &[]),
            BackendKind::Matrix => (&["homeserver", "room", "access_token"], &[]),
            BackendKind::Statuspage => (&["page_id", "api_key"], &["components", "api_base"]),
            BackendKind::Pagerduty => (&["routing_key"], &["events_url"]),
            BackendKind::Email => (
                &["from", "to"],
                &["smtp_url", "host", "port", "tls", "username", "password"],
            ),
            BackendKind::Command => (&["argv"], &[]),
            BackendKind::File => (&["path"], &[]),
        }
    }
}

impl FromStr for BackendKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BackendKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown backend kind {s:?}"))
    }
}

/// Email transport security.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EmailTls {
    /// Plain connection upgraded with STARTTLS, required (port 587 by default).
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Implicit,
    /// Plaintext: only for a local relay or tests.
    None,
}

/// One `[[backends]]` entry. Secret-bearing keys (`url`, `secret`, `access_token`, `api_key`,
/// `routing_key`, `smtp_url`, `password`) may be `env:NAME`, `file:/path` or inline.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    pub name: String,
    pub kind: BackendKind,
    /// Message kinds this backend receives; when left out, [`BackendKind::default_sends`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sends: Option<Vec<MessageKind>>,
    /// Also used while drilling (a practice incident).
    #[serde(default)]
    pub drill: bool,
    /// Per-request timeout, human duration (`10s`, `1m 30s`); default 10 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homeserver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Statuspage: component name (as used in status updates) -> component id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<String>,
    /// PagerDuty Events API: the full endpoint as documented (`https://events.eu.pagerduty.com/v2/enqueue`)
    /// or its base (default `https://events.pagerduty.com`); see [`super::endpoint::pagerduty_events`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_url: Option<String>,
    /// Statuspage API base (default `https://api.statuspage.io/v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<EmailTls>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub argv: Option<Vec<String>>,
    /// File backend: Markdown file appended to; `{incident}` is replaced by the incident id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Every key a `[[backends]]` entry may have (each kind uses a subset).
pub const KEYS: [&str; 26] = [
    "name",
    "kind",
    "sends",
    "drill",
    "timeout",
    "url",
    "secret",
    "homeserver",
    "room",
    "access_token",
    "page_id",
    "api_key",
    "components",
    "routing_key",
    "events_url",
    "api_base",
    "smtp_url",
    "host",
    "port",
    "tls",
    "from",
    "to",
    "username",
    "password",
    "argv",
    "path",
];

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A problem with one key of a `[[backends]]` entry: (key, message).
pub type ConfigIssue = (&'static str, String);

impl BackendConfig {
    /// A config with only `name` and `kind` set; fill in the rest with struct update syntax.
    pub fn new(name: impl Into<String>, kind: BackendKind) -> Self {
        BackendConfig {
            name: name.into(),
            kind,
            sends: None,
            drill: false,
            timeout: None,
            url: None,
            secret: None,
            homeserver: None,
            room: None,
            access_token: None,
            page_id: None,
            api_key: None,
            components: None,
            routing_key: None,
            events_url: None,
            api_base: None,
            smtp_url: None,
            host: None,
            port: None,
            tls: None,
            from: None,
            to: None,
            username: None,
            password: None,
            argv: None,
            path: None,
        }
    }

    /// The embedded default when no backend is configured: Markdown appended to the
    /// incident's `outbox.md` (`<data_dir>/incidents/<incident>/outbox.md`, as
    /// `Store::outbox_file`), every message kind.
    pub fn default_file(data_dir: &Path) -> Self {
        let path = data_dir
            .join("incidents")
            .join("{incident}")
            .join("outbox.md");
        BackendConfig {
            sends: Some(MessageKind::ALL.to_vec()),
            path: Some(path.to_string_lossy().into_owned()),
            ..BackendConfig::new("outbox-file", BackendKind::File)
        }
    }

    /// One `[[backends]]` table of the loaded configuration (`Config::backends`).
    pub fn from_table(table: &toml::Table) -> Result<Self, String> {
        let name = table
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("(unnamed)")
            .to_string();
        toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| format!("backend {name:?}: {}", e.message()))
    }

    /// The message kinds this entry receives.
    pub fn sends(&self) -> Vec<MessageKind> {
        self.sends
            .clone()
            .unwrap_or_else(|| self.kind.default_sends())
    }

    /// The per-request timeout (default 10 s); an unparsable value is a validation error.
    pub fn timeout(&self) -> Result<Duration, String> {
        match &self.timeout {
            None => Ok(DEFAULT_TIMEOUT),
            Some(s) => parse_duration(s),
        }
    }

    fn present_keys(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let pairs: [(&'static str, bool); 21] = [
            ("url", self.url.is_some()),
            ("secret", self.secret.is_some()),
            ("homeserver", self.homeserver.is_some()),
            ("room", self.room.is_some()),
            ("access_token", self.access_token.is_some()),
            ("page_id", self.page_id.is_some()),
            ("api_key", self.api_key.is_some()),
            ("components", self.components.is_some()),
            ("routing_key", self.routing_key.is_some()),
            ("events_url", self.events_url.is_some()),
            ("api_base", self.api_base.is_some()),
            ("smtp_url", self.smtp_url.is_some()),
            ("host", self.host.is_some()),
            ("port", self.port.is_some()),
            ("tls", self.tls.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("username", self.username.is_some()),
            ("password", self.password.is_some()),
            ("argv", self.argv.is_some()),
            ("path", self.path.is_some()),
        ];
        for (k, present) in pairs {
            if present {
                v.push(k);
            }
        }
        v
    }

    /// Lists every problem: missing and irrelevant keys for the kind, bad values. Never
    /// resolves secrets (that happens when the backend is built) and never quotes them.
    pub fn validate(&self) -> Result<(), Vec<ConfigIssue>> {
        let mut issues: Vec<ConfigIssue> = Vec::new();
        if self.name.trim().is_empty() {
            issues.push(("name", "must not be empty".into()));
        }
        self.check_keys(&mut issues);
        self.check_sends(&mut issues);
        self.check_values(&mut issues);
        if self.kind == BackendKind::Email {
            self.check_email(&mut issues);
        }
        if self.kind == BackendKind::Ntfy && self.password.is_some() && self.username.is_none() {
            issues.push(("username", "password given without username".into()));
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }

    /// Keys the kind requires but are missing, and keys it does not use.
    fn check_keys(&self, issues: &mut Vec<ConfigIssue>) {
        let kind = self.kind;
        let (required, optional) = kind.keys();
        let present = self.present_keys();
        for key in required {
            if !present.contains(key) {
                issues.push((key, format!("required for kind {kind}")));
            }
        }
        for key in &present {
            if !required.contains(key) && !optional.contains(key) {
                issues.push((key, format!("not used by kind {kind}")));
            }
        }
    }

    /// `sends`: not empty, and only message kinds this backend kind can carry.
    fn check_sends(&self, issues: &mut Vec<ConfigIssue>) {
        let Some(sends) = &self.sends else {
            return;
        };
        let kind = self.kind;
        if sends.is_empty() {
            issues.push(("sends", "is empty: this backend would never be used".into()));
        }
        for k in sends {
            if !kind.supported_kinds().contains(k) {
                let ok: Vec<&str> = kind.supported_kinds().iter().map(|k| k.as_str()).collect();
                issues.push((
                    "sends",
                    format!("kind {kind} cannot send {k} (only {})", ok.join(", ")),
                ));
            }
        }
    }

    /// Values that are not secrets, checked now as the backend will read them.
    fn check_values(&self, issues: &mut Vec<ConfigIssue>) {
        if let Err(e) = self.timeout() {
            issues.push(("timeout", e));
        }
        for (key, understood) in self.understood_urls() {
            if let Err(e) = understood {
                issues.push((key, e));
            }
        }
        if let Some(room) = &self.room
            && let Err(e) = super::endpoint::matrix_room(room)
        {
            issues.push(("room", e));
        }
        if let Some(argv) = &self.argv
            && argv.first().is_none_or(|a| a.is_empty())
        {
            issues.push(("argv", "needs at least the program to run".into()));
        }
    }

    /// An email backend: one way to reach the server, a recipient, a username with a password.
    fn check_email(&self, issues: &mut Vec<ConfigIssue>) {
        if self.smtp_url.is_some()
            && (self.host.is_some() || self.port.is_some() || self.tls.is_some())
        {
            issues.push((
                "smtp_url",
                "give either smtp_url or host/port/tls, not both".into(),
            ));
        }
        if self.smtp_url.is_none() && self.host.is_none() {
            issues.push(("host", "email needs smtp_url or host".into()));
        }
        if self.to.as_ref().is_some_and(|t| t.is_empty()) {
            issues.push(("to", "needs at least one recipient".into()));
        }
        if self.password.is_some() && self.username.is_none() {
            issues.push(("username", "password given without username".into()));
        }
    }
}

impl BackendConfig {
    /// What each non-secret URL key (`events_url`, `api_base`, `homeserver`) is understood as
    /// (see [`super::endpoint`]); `config check` shows it.
    pub fn understood_urls(
        &self,
    ) -> Vec<(&'static str, Result<super::endpoint::Endpoint, String>)> {
        use super::endpoint;
        let mut out = Vec::new();
        if let Some(v) = &self.events_url {
            out.push(("events_url", endpoint::pagerduty_events(v)));
        }
        if let Some(v) = &self.api_base {
            out.push((
                "api_base",
                endpoint::statuspage_api(v, self.page_id.as_deref()),
            ));
        }
        if let Some(v) = &self.homeserver {
            out.push(("homeserver", endpoint::matrix_homeserver(v)));
        }
        out
    }
}

/// Parses a human duration: `10s`, `1500ms`, `2m`, `1m 30s` (jiff's friendly format), or a bare
/// number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if let Ok(secs) = t.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok(Duration::from_secs_f64(secs));
        }
        return Err(format!("{s:?} is not a positive duration"));
    }
    let d: jiff::SignedDuration = t
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try \"10s\" or \"1m 30s\")"))?;
    Duration::try_from(d).map_err(|_| format!("{s:?} is negative"))
}

/// Resolves `env:NAME`, `file:/path` (trailing newline removed) or an inline value, with the
/// configuration's [`SecretRef`](crate::config::SecretRef). Errors name the variable or the
/// file, never a value.
pub fn resolve_secret(raw: &str) -> Result<SecretString, SecretError> {
    crate::config::SecretRef::parse(raw.trim()).resolve()
}

pub use crate::config::SecretError;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn parse(toml_src: &str) -> BackendConfig {
        #[derive(Deserialize)]
        struct F {
            backends: Vec<BackendConfig>,
        }
        let f: F = toml::from_str(toml_src).unwrap();
        f.backends.into_iter().next().unwrap()
    }

    #[test]
    fn issue_example_parses_and_validates() {
        let c = parse(
            r#"
[[backends]]
name = "incident-room"
kind = "slack"
url = "env:SLACK_INCIDENT_WEBHOOK"
sends = ["sitrep", "announcement"]
"#,
        );
        assert_eq!(c.kind, BackendKind::Slack);
        assert_eq!(
            c.sends(),
            vec![MessageKind::Sitrep, MessageKind::Announcement]
        );
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.timeout(), Ok(DEFAULT_TIMEOUT));
    }

    #[test]
    fn unknown_keys_are_rejected() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct F {
            backends: Vec<BackendConfig>,
        }
        let r: Result<F, _> =
            toml::from_str("[[backends]]\nname='x'\nkind='slack'\nurl='u'\nwebhook='oops'\n");
        assert!(r.unwrap_err().to_string().contains("webhook"));
    }

    #[test]
    fn validate_lists_missing_and_irrelevant_keys() {
        let c = BackendConfig {
            url: Some("https://x".into()),
            room: Some("general".into()),
            timeout: Some("soon".into()),
            sends: Some(vec![MessageKind::Sitrep]),
            ..BackendConfig::new("m", BackendKind::Matrix)
        };
        let issues = c.validate().unwrap_err();
        let keys: Vec<&str> = issues.iter().map(|(k, _)| *k).collect();
        assert!(keys.contains(&"homeserver"), "{issues:?}");
        assert!(keys.contains(&"access_token"), "{issues:?}");
        assert!(keys.contains(&"url"), "{issues:?}");
        assert!(keys.contains(&"room"), "{issues:?}");
        assert!(keys.contains(&"timeout"), "{issues:?}");

        let pd = BackendConfig {
            routing_key: Some("env:PD".into()),
            sends: Some(vec![MessageKind::Sitrep]),
            ..BackendConfig::new("pd", BackendKind::Pagerduty)
        };
        let issues = pd.validate().unwrap_err();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].0, "sends");
    }

    #[test]
    fn every_kind_has_a_valid_minimal_config() {
        let mut ok = 0;
        for kind in BackendKind::ALL {
            let (required, _) = kind.keys();
            let mut c = BackendConfig::new("x", kind);
            for k in required {
                match *k {
                    "url" => c.url = Some("https://h/x".into()),
                    "secret" => c.secret = Some("whsec_AAAA".into()),
                    "homeserver" => c.homeserver = Some("https://m".into()),
                    "room" => c.room = Some("!r:m".into()),
                    "access_token" => c.access_token = Some("env:T".into()),
                    "page_id" => c.page_id = Some("p".into()),
                    "api_key" => c.api_key = Some("env:K".into()),
                    "routing_key" => c.routing_key = Some("env:R".into()),
                    "from" => c.from = Some("a@b".into()),
                    "to" => c.to = Some(vec!["c@d".into()]),
                    "argv" => c.argv = Some(vec!["cat".into()]),
                    "path" => c.path = Some("/tmp/x.md".into()),
                    other => unreachable!("{other}"),
                }
            }
            if kind == BackendKind::Email {
                c.host = Some("localhost".into());
            }
            assert_eq!(c.validate(), Ok(()), "{kind}");
            ok += 1;
        }
        assert_eq!(ok, BackendKind::ALL.len());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("-3s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn secrets_resolve_and_errors_name_the_source_only() {
        // An existing variable: no set_var in a multi-threaded test binary.
        let path = std::env::var("PATH").unwrap();
        assert_eq!(resolve_secret("env:PATH").unwrap().expose_secret(), path);
        let e = resolve_secret("env:COMMANDPOST_TEST_SECRET_MISSING").unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable COMMANDPOST_TEST_SECRET_MISSING is not set"
        );

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tok");
        std::fs::write(&p, "s3cret-value\n").unwrap();
        let r = resolve_secret(&format!("file:{}", p.display())).unwrap();
        assert_eq!(r.expose_secret(), "s3cret-value");
        let e = resolve_secret("file:/nonexistent/commandpost/tok").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("secret file /nonexistent/commandpost/tok: "),
            "{e}"
        );
        assert_eq!(
            resolve_secret("inline-token").unwrap().expose_secret(),
            "inline-token"
        );
        assert!(resolve_secret("").is_err());
        // Debug output of a SecretString never shows the value.
        assert!(!format!("{r:?}").contains("s3cret"));
    }

    #[test]
    fn from_config_tables() {
        let cfg: crate::config::Config = toml::from_str(
            "[[backends]]\nname = \"on-call\"\nkind = \"pagerduty\"\nrouting_key = \"file:/run/secrets/pd\"\n",
        )
        .unwrap();
        let b = BackendConfig::from_table(&cfg.backends[0]).unwrap();
        assert_eq!(b.kind, BackendKind::Pagerduty);
        assert_eq!(b.sends(), vec![MessageKind::Page]);
        let mut t = cfg.backends[0].clone();
        t.insert("colour".into(), toml::Value::from("red"));
        let e = BackendConfig::from_table(&t).unwrap_err();
        assert!(
            e.starts_with("backend \"on-call\": unknown field `colour`"),
            "{e}"
        );
    }

    #[test]
    fn default_file_backend() {
        let c = BackendConfig::default_file(Path::new("/data"));
        assert_eq!(
            c.path.as_deref(),
            Some("/data/incidents/{incident}/outbox.md")
        );
        assert_eq!(c.validate(), Ok(()));
    }
}
