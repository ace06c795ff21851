//! The two composers' forms as data: which composer, its fields.

use crate::domain::outbound::MessageKind;

/// Which composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Sitrep,
    Status,
}

impl Kind {
    /// The draft's file in `<incident dir>/drafts/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::Sitrep => "sitrep.toml",
            Kind::Status => "status.toml",
        }
    }

    pub fn message_kind(self) -> MessageKind {
        match self {
            Kind::Sitrep => MessageKind::Sitrep,
            Kind::Status => MessageKind::Status,
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Kind::Sitrep => "sitrep",
            Kind::Status => "status update",
        }
    }

    pub fn specs(self) -> &'static [FieldSpec] {
        match self {
            Kind::Sitrep => &SITREP_FIELDS,
            Kind::Status => &STATUS_FIELDS,
        }
    }
}

/// One text field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Key in the draft file.
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// Enter moves on instead of breaking the line; pasted lines are joined.
    pub one_line: bool,
}

const fn spec(key: &'static str, label: &'static str, hint: &'static str) -> FieldSpec {
    FieldSpec {
        key,
        label,
        hint,
        one_line: false,
    }
}

pub const SITREP_FIELDS: [FieldSpec; 5] = [
    spec("summary", "Summary", "what is broken"),
    spec("impact", "Impact", "how widespread"),
    spec("actions", "Actions", "what is being done"),
    spec("needs", "Needs", "open issues, what would help"),
    spec("links", "Links", "one per line: label url"),
];

pub const STATUS_FIELDS: [FieldSpec; 4] = [
    spec("message", "Message", "what is broken, what is being done"),
    spec(
        "workaround",
        "Workaround",
        "what customers can do meanwhile",
    ),
    spec(
        "components",
        "Components",
        // Fits the label's row at 80 columns; a status it does not know is answered with
        // the five it does.
        "one per line: Name: status, e.g. Search: degraded performance",
    ),
    FieldSpec {
        key: "next_update",
        label: "Next update",
        hint: "e.g. 30m; empty promises nothing",
        one_line: true,
    },
];

/// Index of the next-update field in [`STATUS_FIELDS`].
pub const NEXT_UPDATE: usize = 3;

/// Width from which the preview sits beside the form.
pub const WIDE_MIN_WIDTH: u16 = 120;
