//! Roles of the incident command structure.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A role someone holds. Operations groups are written `ops:<group>`; the
/// role is the group's lead (members are tracked separately).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Ic,
    Comms,
    Deputy,
    Scribe,
    OpsLead(String),
}

impl Role {
    /// The role's name as the doctrine writes it in announcements.
    pub fn title(&self) -> String {
        match self {
            Role::Ic => "IC".into(),
            Role::Comms => "Comms".into(),
            Role::Deputy => "Deputy".into(),
            Role::Scribe => "Scribe".into(),
            Role::OpsLead(g) => format!("Ops {g} lead"),
        }
    }

    /// The machine form: `ic`, `comms`, `deputy`, `scribe`, `ops:<group>`.
    pub fn key(&self) -> String {
        match self {
            Role::Ic => "ic".into(),
            Role::Comms => "comms".into(),
            Role::Deputy => "deputy".into(),
            Role::Scribe => "scribe".into(),
            Role::OpsLead(g) => format!("ops:{g}"),
        }
    }

    /// Order for display: IC first, then Comms, Deputy, Scribe, groups.
    pub fn rank(&self) -> u8 {
        match self {
            Role::Ic => 0,
            Role::Comms => 1,
            Role::Deputy => 2,
            Role::Scribe => 3,
            Role::OpsLead(_) => 4,
        }
    }
}

/// Validates an operations group name: lowercase letters, digits, `-` and `_`.
pub fn valid_group(g: &str) -> Result<String, String> {
    let g = g.trim().to_lowercase();
    if g.is_empty() {
        return Err("a group name cannot be empty".into());
    }
    if g.len() > 40
        || !g
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "invalid group name {g:?}: use letters, digits, '-' or '_' (at most 40)"
        ));
    }
    Ok(g)
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t.to_lowercase().as_str() {
            "ic" | "incident-commander" => Ok(Role::Ic),
            "comms" | "communications" => Ok(Role::Comms),
            "deputy" => Ok(Role::Deputy),
            "scribe" => Ok(Role::Scribe),
            other => match other.strip_prefix("ops:") {
                Some(g) => Ok(Role::OpsLead(valid_group(g)?)),
                None => Err(format!(
                    "unknown role {t:?}: expected ic, comms, deputy, scribe or ops:<group>"
                )),
            },
        }
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_titles() {
        assert_eq!("IC".parse::<Role>(), Ok(Role::Ic));
        assert_eq!(
            "ops:Database".parse::<Role>(),
            Ok(Role::OpsLead("database".into()))
        );
        assert_eq!(
            Role::OpsLead("database".into()).title(),
            "Ops database lead"
        );
        assert_eq!(Role::Comms.title(), "Comms");
        assert!("ops:".parse::<Role>().is_err());
        assert!("boss".parse::<Role>().unwrap_err().contains("unknown role"));
        assert!("ops:a b".parse::<Role>().is_err());
    }

    #[test]
    fn serde_round_trip() {
        let r = Role::OpsLead("routing".into());
        let j = serde_json::to_string(&r).unwrap_or_default();
        assert_eq!(j, "\"ops:routing\"");
        assert_eq!(serde_json::from_str::<Role>(&j).ok(), Some(r));
    }
}
