//! The domain's policy: the cadences, shift rules, span of control and people it works
//! with. The configuration (`crate::config`) parses them and hands them in; the domain
//! never reads the configuration itself.

use crate::domain::duration::serde_human;
pub use crate::domain::health::HealthPolicy;
use crate::domain::role::Role;
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

/// More reports than this under one ops lead is flagged (doctrine: span of control).
pub const DEFAULT_SPAN_OF_CONTROL: usize = 7;

/// Everything the checklist, the rotation and the follow-ups need to know beyond the
/// incident itself. Built by `Config::policy`; [`Policy::default`] is the built-in one.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy<'a> {
    pub cadence: Cadence,
    pub shifts: Shifts,
    /// The most reports one ops lead should have.
    pub span_of_control: usize,
    /// People known besides the incident's roster, proposed for hand-offs.
    pub people: &'a [KnownPerson],
    /// Roles the rotation covers besides IC and Comms.
    pub rotation_roles: Vec<Role>,
    /// The product health series the IC watches (`[metrics]`), with their thresholds.
    pub health: HealthPolicy,
}

impl Default for Policy<'_> {
    fn default() -> Self {
        Policy {
            cadence: Cadence::default(),
            shifts: Shifts::default(),
            span_of_control: DEFAULT_SPAN_OF_CONTROL,
            people: &[],
            rotation_roles: Vec::new(),
            health: HealthPolicy::EMPTY,
        }
    }
}

/// `[cadence]`: how often sitreps (per state), status updates and impact reviews are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cadence {
    #[serde(with = "serde_human")]
    pub sitrep_investigating: SignedDuration,
    #[serde(with = "serde_human")]
    pub sitrep_confirmed: SignedDuration,
    #[serde(with = "serde_human")]
    pub sitrep_major: SignedDuration,
    #[serde(with = "serde_human")]
    pub status: SignedDuration,
    #[serde(with = "serde_human")]
    pub impact_review: SignedDuration,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            sitrep_investigating: SignedDuration::from_mins(60),
            sitrep_confirmed: SignedDuration::from_mins(60),
            sitrep_major: SignedDuration::from_mins(30),
            status: SignedDuration::from_mins(20),
            impact_review: SignedDuration::from_mins(60),
        }
    }
}

/// `[shifts]`: shift length, when to warn, breaks, and the rest before a new shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Shifts {
    #[serde(with = "serde_human")]
    pub length: SignedDuration,
    #[serde(with = "serde_human")]
    pub warn_at: SignedDuration,
    #[serde(with = "serde_human")]
    pub break_after: SignedDuration,
    #[serde(with = "serde_human")]
    pub min_rest: SignedDuration,
}

impl Default for Shifts {
    fn default() -> Self {
        Shifts {
            length: SignedDuration::from_hours(8),
            warn_at: SignedDuration::from_hours(7),
            break_after: SignedDuration::from_hours(4),
            min_rest: SignedDuration::from_hours(8),
        }
    }
}

/// `[[people]]`: someone who can be proposed for a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownPerson {
    pub name: String,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    /// Their Matrix user id (`@ricardo:example.org`): maps room members to people, so a
    /// command typed in the incident's room is authorised (`commandpost sync`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<String>,
}

impl KnownPerson {
    /// Someone known by name only (no handle, team, contact or Matrix id yet).
    pub fn named(name: &str) -> KnownPerson {
        KnownPerson {
            name: name.to_string(),
            handle: None,
            team: None,
            contact: None,
            matrix: None,
        }
    }
}
