//! Configuration: embedded defaults (assets/config.toml) <- user file <- flags.
//!
//! [`check`] reports every problem of a file with file:line:col and key; [`Config::load`]
//! uses it. Secrets are [`SecretRef`]s (`env:NAME`, `file:/path`).

mod check;
pub(crate) mod diagnostic;
pub mod health;
mod init;
mod secret;

/// The `[cadence]`, `[shifts]` and `[[people]]` sections are the domain's own policy types.
pub use crate::domain::policy::{Cadence, KnownPerson, Shifts};
pub use check::{
    ALERTS_KEYS, CADENCE_KEYS, Finding, LINT_KEYS, METRICS_KEYS, PERSON_KEYS, ROOT_KEYS,
    ROSTER_KEYS, SERIES_KEYS, SHIFTS_KEYS, SPAN_OF_CONTROL, SYNC_KEYS, TEMPLATES_KEYS, check,
    check_with, check_with_findings, matrix_user_id, parse_homeserver,
};
pub use diagnostic::{Diagnostic, Severity, line_col};
pub use init::{init_text, write_init};
pub use secret::{SECRET_KEYS, SecretError, SecretRef};

use crate::domain::lint::{LintConfigError, LintOptions, Linter, RuleSpec};
use crate::domain::policy::{DEFAULT_SPAN_OF_CONTROL, Policy};
use crate::domain::template::{Template, TemplateError, TemplateKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The commented default configuration, embedded in the binary.
pub const DEFAULT_TOML: &str = include_str!("../../assets/config.toml");

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub cadence: Cadence,
    pub shifts: Shifts,
    pub roster: Roster,
    pub people: Vec<KnownPerson>,
    /// Key remapping: action name -> key(s), e.g. `handoff = "h"`.
    pub keys: BTreeMap<String, KeySpec>,
    /// Delivery backends (validated by the delivery module).
    pub backends: Vec<toml::Table>,
    /// The post-incident cleanup checklist.
    pub cleanup: CleanupConfig,
    /// Hand-off behaviour.
    pub handoff: HandoffConfig,
    /// Roles shown in the rotation view besides IC and Comms.
    pub rotation: RotationConfig,
    /// Sitrep and status-update templates.
    pub templates: Templates,
    /// Linter rules added or disabled.
    pub lint: LintSettings,
    /// Multi-cockpit sync through the incident's Matrix room.
    pub sync: SyncConfig,
    /// Product health figures from Prometheus.
    pub metrics: health::MetricsConfig,
    /// Firing alerts from Alertmanager.
    pub alerts: health::AlertsConfig,
}

/// `[sync]`: the Matrix account this machine replicates the incident through. Without
/// `access_token`, the login kept by `commandpost sync login` in the data dir is used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    /// Homeserver URL, e.g. `https://matrix.example.org`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homeserver: Option<String>,
    /// Matrix user id, e.g. `@ricardo:example.org`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A secret reference (`env:NAME`, `file:/path`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// `[cleanup]`: items ticked (or skipped with a reason) after resolving.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CleanupConfig {
    pub items: Vec<String>,
}

impl Default for CleanupConfig {
    fn default() -> Self {
        CleanupConfig {
            items: crate::domain::followup::DEFAULT_CLEANUP_ITEMS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// `[templates]`: a built-in name (`default`, `can` for sitreps) or a path to a `.j2` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Templates {
    pub sitrep: String,
    pub status: String,
}

impl Default for Templates {
    fn default() -> Self {
        Templates {
            sitrep: "default".into(),
            status: "default".into(),
        }
    }
}

/// `[handoff]`: with `require_ack`, a hand-off waits for the incoming person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HandoffConfig {
    pub require_ack: bool,
}

/// `[rotation]`: extra roles (e.g. `"ops:database"`) in the rotation view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RotationConfig {
    pub roles: Vec<String>,
}

/// `[lint]`: rule ids to disable, and extra rules (same shape as `assets/lint/rules.toml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LintSettings {
    pub disable: Vec<String>,
    pub rules: Vec<RuleSpec>,
    /// More third parties the `blame` rule knows by name (beyond assets/lint/third-parties.txt).
    pub third_parties: Vec<String>,
    /// Your own company's names: never taken for a third party ("Acme is investigating").
    pub own_names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeySpec {
    One(String),
    Many(Vec<String>),
}

impl KeySpec {
    pub fn keys(&self) -> Vec<&str> {
        match self {
            KeySpec::One(k) => vec![k.as_str()],
            KeySpec::Many(ks) => ks.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Roster {
    pub span_of_control: usize,
}

impl Default for Roster {
    fn default() -> Self {
        Roster {
            span_of_control: DEFAULT_SPAN_OF_CONTROL,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not a regular file, too large, not UTF-8 (with line:column), or unreadable.
    #[error(transparent)]
    File(#[from] crate::files::ReadError),
    #[error("{}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} already exists (use --force to overwrite it)", path.display())]
    Exists { path: PathBuf },
    /// Every diagnostic of the file (errors and warnings), one per line when displayed.
    #[error("{}", display_lines(.0))]
    Invalid(Vec<Diagnostic>),
}

fn display_lines(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `<config_dir>/config.toml` of the platform (e.g. `~/.config/commandpost/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// The platform data dir (e.g. `~/.local/share/commandpost`).
pub fn default_data_dir() -> Option<PathBuf> {
    project_dirs().map(|d| d.data_dir().to_path_buf())
}

/// Reads a template file; a leading `~/` is the home directory.
pub(crate) fn read_template(path: &Path) -> std::io::Result<String> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = match (path.strip_prefix("~"), home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    };
    crate::files::read_text(&path, crate::files::MAX_TEMPLATE, "template")
        .map_err(crate::files::ReadError::into_io)
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "commandpost")
}

static LINTER_BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many times this process compiled lint rules (tests check the start path builds none).
pub fn linter_builds() -> usize {
    LINTER_BUILDS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The linter for `lint`, built on first use and kept for the life of the process (one entry
/// per distinct `[lint]`; a process rarely sees more than one). Nothing on the start path
/// calls this: commands that never lint never build it, and the cockpit warms it on a
/// background thread after its first frame.
pub fn linter_for(lint: &LintSettings) -> Result<Linter, LintConfigError> {
    type Built = (LintSettings, Result<Linter, LintConfigError>);
    use std::sync::atomic::Ordering;
    static BUILT: std::sync::Mutex<Vec<Built>> = std::sync::Mutex::new(Vec::new());
    // Held while building: a second caller waits for the first build instead of repeating it.
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, l)) = built.iter().find(|(k, _)| k == lint) {
        return l.clone();
    }
    LINTER_BUILDS.fetch_add(1, Ordering::Relaxed);
    let l = Linter::with_options(&LintOptions {
        extra: &lint.rules,
        disabled: &lint.disable,
        third_parties: &lint.third_parties,
        own_names: &lint.own_names,
    });
    if built.len() >= 4 {
        let _evicted = built.remove(0);
    }
    built.push((lint.clone(), l.clone()));
    l
}

/// The path diagnostics name for the embedded default.
pub const EMBEDDED_PATH: &str = "<embedded default>";

impl Config {
    /// What the domain needs of this configuration: cadences, shifts, span of control, the
    /// people directory and the extra rotation roles (a role that does not parse is left out,
    /// as `commandpost check` reports it).
    pub fn policy(&self) -> Policy<'_> {
        Policy {
            cadence: self.cadence,
            shifts: self.shifts,
            span_of_control: self.roster.span_of_control,
            people: &self.people,
            rotation_roles: self
                .rotation
                .roles
                .iter()
                .filter_map(|r| r.parse().ok())
                .collect(),
            health: self.metrics.policy(),
        }
    }

    /// The sitrep template `[templates] sitrep` names (a file is read now, and renders in
    /// the memory- and time-bounded [`crate::sandbox`]).
    pub fn sitrep_template(&self) -> Result<Template, TemplateError> {
        Template::resolve_sandboxed(
            &self.templates.sitrep,
            TemplateKind::Sitrep,
            read_template,
            Some(crate::sandbox::shared()),
        )
    }

    /// The status-update template `[templates] status` names (a file is read now, and renders
    /// in the memory- and time-bounded [`crate::sandbox`]).
    pub fn status_template(&self) -> Result<Template, TemplateError> {
        Template::resolve_sandboxed(
            &self.templates.status,
            TemplateKind::Status,
            read_template,
            Some(crate::sandbox::shared()),
        )
    }

    /// The built-in lint rules with `[lint]` applied. Compiling them is the costly part of
    /// the linter, so it happens once per distinct `[lint]` (see [`linter_for`]): the first
    /// caller builds, later ones (and concurrent ones, which wait) get a cheap clone.
    pub fn linter(&self) -> Result<Linter, LintConfigError> {
        linter_for(&self.lint)
    }

    /// Parses a configuration text. Any error gives [`ConfigError::Invalid`] with every
    /// diagnostic; warnings of a valid text are dropped (use [`check`] to get them).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        Config::load_text(text, path).map(|(config, _)| config)
    }

    /// Loads `explicit` if given (it must exist), else `default_path` if a file is there,
    /// else the embedded default. Returns the configuration with its warnings; a file with
    /// any error gives [`ConfigError::Invalid`] with every diagnostic.
    pub fn load(
        explicit: Option<&Path>,
        default_path: Option<&Path>,
    ) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        Config::load_with(explicit, default_path, &|_| Vec::new())
    }

    /// Like [`Config::load`], with checks owned by other modules (see [`check_with_findings`]):
    /// every entry point that loads the configuration runs the same ones (the cockpit's
    /// `[keys]`), so an error there is reported with file:line:col by every command alike.
    pub fn load_with(
        explicit: Option<&Path>,
        default_path: Option<&Path>,
        extra: &dyn Fn(&Config) -> Vec<Finding>,
    ) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        let path = match (explicit, default_path) {
            (Some(p), _) => p,
            (None, Some(p)) if p.exists() => p,
            // The embedded default is `Config::default()` (a test checks it): no parsing.
            _ => return Ok((Config::default(), Vec::new())),
        };
        let text = crate::files::read_text(path, crate::files::MAX_CONFIG, "configuration file")?;
        Config::load_text_with(&text, path, extra)
    }

    /// [`check`] as a `Result`: the configuration and its warnings, or every diagnostic.
    pub fn load_text(text: &str, path: &Path) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        Config::load_text_with(text, path, &|_| Vec::new())
    }

    /// [`check_with_findings`] as a `Result`.
    pub fn load_text_with(
        text: &str,
        path: &Path,
        extra: &dyn Fn(&Config) -> Vec<Finding>,
    ) -> Result<(Config, Vec<Diagnostic>), ConfigError> {
        match check_with_findings(text, path, extra) {
            (Some(config), warnings) => Ok((config, warnings)),
            (None, diagnostics) => Err(ConfigError::Invalid(diagnostics)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses_to_the_built_in_values() {
        let (config, diagnostics) = check(DEFAULT_TOML, Path::new("d"));
        assert_eq!(diagnostics, vec![]);
        assert_eq!(config, Some(Config::default()));
    }

    #[test]
    fn the_domain_policy_comes_from_the_config() {
        assert_eq!(Config::default().policy(), Policy::default());
        let text = "[roster]\nspan_of_control = 5\n[shifts]\nlength = \"10h\"\n\
                    [cadence]\nstatus = \"15m\"\n[rotation]\nroles = [\"ops:db\", \"bogus\"]\n\
                    [[people]]\nname = \"Mei\"\n";
        let config = Config::parse(text, Path::new("c.toml")).unwrap();
        let policy = config.policy();
        assert_eq!(policy.span_of_control, 5);
        assert_eq!(policy.shifts.length, jiff::SignedDuration::from_hours(10));
        assert_eq!(policy.cadence.status, jiff::SignedDuration::from_mins(15));
        assert_eq!(policy.people, config.people.as_slice());
        assert_eq!(
            policy.rotation_roles.len(),
            1,
            "{:?}",
            policy.rotation_roles
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let text = "[cadence]\nstatus = \"20x\"\n";
        let Err(ConfigError::Invalid(diagnostics)) = Config::parse(text, Path::new("c.toml"))
        else {
            panic!("expected an invalid configuration");
        };
        assert_eq!(diagnostics.len(), 1);
        let d = &diagnostics[0];
        assert_eq!((d.line, d.col, d.key.as_str()), (2, 10, "cadence.status"));
        assert!(d.message.contains("unknown unit"), "{}", d.message);
    }

    #[test]
    fn load_without_any_file_is_the_default() {
        let missing = Path::new("/nonexistent/commandpost/config.toml");
        let loaded = Config::load(None, Some(missing)).ok();
        assert_eq!(loaded, Some((Config::default(), vec![])));
        assert!(matches!(
            Config::load(Some(missing), None),
            Err(ConfigError::File(crate::files::ReadError::Io { .. }))
        ));
    }
}
