//! The command line as data: global options and every headless command (clap).

use super::writing::{SitrepCmd, StatusCmd};
use super::{drill, followup, sync};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "commandpost",
    version,
    about = "A terminal cockpit for the incident commander",
    long_about = "commandpost runs the incident response from a terminal: the IC event loop as a live \
checklist, a roster with shift clocks, hand-offs, sitreps and status updates, all written to a \
durable per-incident journal.\n\nWith no command it opens the cockpit on the current incident.",
    after_help = "Data lives in the data dir (--data-dir, $COMMANDPOST_DATA_DIR, or the platform default)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Data directory holding incidents and logs
    #[arg(long, global = true, env = "COMMANDPOST_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Configuration file (default: the platform config dir's config.toml)
    #[arg(long, global = true, env = "COMMANDPOST_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Act on this incident instead of the current one
    #[arg(long, global = true, value_name = "ID")]
    pub incident: Option<String>,
    /// Who is acting (default: $USER)
    #[arg(long = "as", global = true, value_name = "NAME")]
    pub actor: Option<String>,
    /// Also log to stderr (headless commands)
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// How long a command that sends messages waits for delivery before exiting
    /// (what is left stays queued for `outbox flush` or the cockpit)
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s")]
    pub wait: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the cockpit on a lively demo incident in a throwaway directory (sends nothing)
    Demo,
    /// Open a new incident; prints its id. The opener becomes IC
    New {
        /// A short title, e.g. "Elevated API errors in EU"
        #[arg(required_unless_present = "from_alert")]
        title: Option<String>,
        /// Open it from a firing alert ([alerts] alertmanager): its summary is the title, its
        /// labels the first note, and the alert is attached (a unique prefix is enough)
        #[arg(long, value_name = "FINGERPRINT", conflicts_with = "title")]
        from_alert: Option<String>,
    },
    /// List the alerts firing in Alertmanager ([alerts]), most pressing first
    Alerts {
        /// Print them as JSON
        #[arg(long)]
        json: bool,
    },
    /// List incidents, newest first
    List {
        /// Print them as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show the incident: state, roles, roster, impact
    Show {
        /// The incident (the same as `--incident ID`; default: the current one)
        #[arg(value_name = "ID")]
        id: Option<String>,
        /// Print the whole incident as JSON
        #[arg(long)]
        json: bool,
    },
    /// Change the incident state (announced as "@all: Incident Confirmed")
    State {
        /// investigating (1), confirmed (2), major (3) or resolved
        state: String,
    },
    /// Hand a role to a person (announced as "@all: IC -> Ricardo")
    Handoff {
        /// ic, comms, deputy, scribe or ops:<group>
        role: String,
        /// Who takes it, by name (someone not on the roster yet is put on duty)
        person: String,
    },
    /// Put a person on duty (optionally in an operations group)
    Join {
        /// Their name, as the roster shows it
        person: String,
        /// Operations group to join as a member, e.g. database
        #[arg(long)]
        group: Option<String>,
        /// Their chat handle, e.g. @priya
        #[arg(long)]
        handle: Option<String>,
        /// The team they come from, e.g. payments
        #[arg(long)]
        team: Option<String>,
        /// How to reach them outside the chat (phone, e-mail)
        #[arg(long)]
        contact: Option<String>,
    },
    /// Take a person off duty, releasing their roles (not IC: hand that off first)
    Release {
        /// Who goes off duty, by name
        person: String,
    },
    /// Start or end a person's break
    Break {
        /// Who starts or ends a break, by name
        person: String,
    },
    /// Set the impact statement (also marks it reviewed)
    Impact {
        /// Who is affected and how, e.g. "EU customers cannot pay"
        text: String,
    },
    /// Add a note to the timeline
    Note {
        /// The note, as the timeline will show it
        text: String,
    },
    /// Attach a link (vendor ticket, dashboard, tracking card)
    Link {
        /// What it is, e.g. "vendor ticket"
        label: String,
        /// Where it is
        url: String,
    },
    /// Add or rule out a hypothesis
    #[command(subcommand)]
    Hypothesis(HypothesisCmd),
    /// Rotation: who holds each role, when their 8 hours end, who is rested to take over
    Rotation {
        /// Print it as JSON
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge a hand-off proposed to you (with [handoff] require_ack)
    Ack {
        /// The role, if several hand-offs wait for you
        #[arg(long)]
        role: Option<String>,
    },
    /// The cleanup checklist after resolving
    #[command(subcommand)]
    Cleanup(followup::CleanupCmd),
    /// Remediation items (they outlive the incident)
    #[command(subcommand)]
    Remediation(followup::RemediationCmd),
    /// Draft the post-mortem from the journal
    Postmortem {
        /// The format to write
        #[arg(long, value_enum, default_value_t = followup::DocFormat::Md)]
        format: followup::DocFormat,
        /// Also show times in this time zone (e.g. Europe/Paris); UTC always
        #[arg(long)]
        tz: Option<String>,
    },
    /// Figures over all incidents: severities, durations, hand-offs, lateness
    Report {
        /// How far back, e.g. 30d
        #[arg(long, default_value = "30d")]
        since: String,
        /// Print the figures as JSON
        #[arg(long)]
        json: bool,
    },
    /// Sitreps: send the next version, show one, list them
    #[command(subcommand)]
    Sitrep(SitrepCmd),
    /// Public status updates
    #[command(subcommand)]
    Status(StatusCmd),
    /// Check a text for an explicit ETA, a presumed root cause or blame (exit 1 if it warns)
    Lint {
        /// The text to check (default: stdin; - for stdin)
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Print the warnings as JSON (each with its suggested rewrite)
        #[arg(long)]
        json: bool,
        /// Print what a rule looks for, with real examples from the corpus, and exit
        #[arg(long, value_name = "RULE", conflicts_with_all = ["file", "json"])]
        explain: Option<String>,
    },
    /// Page the on-call (backends that send pages); resolving the incident resolves it
    Page {
        /// What needs someone now, in a few words (the page's title)
        summary: String,
        /// Only this backend
        #[arg(long)]
        backend: Option<String>,
    },
    /// Outbound messages and their delivery per backend
    Outbox {
        #[command(subcommand)]
        cmd: Option<OutboxCmd>,
        /// Print the list as JSON
        #[arg(long)]
        json: bool,
    },
    /// Delivery backends: list them, or send a test message
    #[command(subcommand)]
    Backends(BackendsCmd),
    /// Export the incident
    Export {
        /// The incident (the same as `--incident ID`; default: the current one)
        #[arg(value_name = "ID")]
        id: Option<String>,
        /// The format to print
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
    },
    /// Practise on a scenario: check it, play it with a scripted IC, list past scores
    Drill(drill::DrillArgs),
    /// Several cockpits, one incident: sync the journal through the incident's Matrix room
    #[command(subcommand)]
    Sync(sync::SyncCmd),
    /// Configuration: write the default, check a file, show paths
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Print shell completions
    Completions {
        /// The shell to print them for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCmd {
    /// Deliver what is queued (waits at most --wait)
    Flush,
    /// Retry a failed or dropped delivery
    Retry {
        /// The message's id, as `outbox` lists it
        message: String,
        /// The backend to retry it on
        backend: String,
    },
    /// Give up on a delivery
    Drop {
        /// The message's id, as `outbox` lists it
        message: String,
        /// The backend to give up on
        backend: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackendsCmd {
    /// The configured backends and what they send
    List,
    /// Send a message marked as a test to every backend (or NAME) and report
    Test {
        /// Only this backend (default: every one)
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum HypothesisCmd {
    /// Add an open hypothesis
    Add {
        /// The hypothesis, e.g. "the 14:02 deploy broke checkout"
        text: String,
    },
    /// Rule out hypothesis N
    RuleOut {
        /// Its number, as `show` lists it: 3, or 3-kato when two cockpits numbered one #3
        id: String,
        /// Why it is ruled out
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Write the fully commented default configuration
    Init {
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Check the configuration and report every problem with file:line:column
    Check {
        /// The file to check (default: the one --config names, else the platform's)
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Print the configuration and data paths in use
    Path,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    Md,
    Json,
}
