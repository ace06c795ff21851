//! The cockpit's whole state. Only `update` changes it; the view reads it.

use crate::app::edit::LineEdit;
use crate::app::keymap::Keymap;
use crate::app::msg::Msg;
use crate::config::Config;
use crate::domain::checklist::{self, Row};
use crate::domain::event::{LoopQuestion, Severity};
use crate::domain::{Event, Incident, Role};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::collections::VecDeque;

/// The three regions that take focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Checklist,
    Roster,
    Timeline,
}

impl Region {
    pub const ALL: [Region; 3] = [Region::Checklist, Region::Roster, Region::Timeline];

    pub fn title(self) -> &'static str {
        match self {
            Region::Checklist => "Event loop",
            Region::Roster => "Roster",
            Region::Timeline => "Timeline",
        }
    }
}

/// A change waiting for the IC's `y`, re-validated when confirmed.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    SetState(Severity),
    Handoff(Role, String),
    Release(String),
    Quit,
    /// Drill only: end the drill and score it.
    EndDrill,
}

/// What the person picker is choosing for.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonPurpose {
    Handoff(Role),
    Add,
}

/// One entry of the person picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    /// "on duty", "IC", "ops:db", "config", "off duty" ...
    pub note: String,
    /// A name typed that nobody has yet.
    pub new: bool,
}

/// What a text field is for.
#[derive(Debug, Clone, PartialEq)]
pub enum EditKind {
    Title,
    Impact,
    Note,
    /// The name of a new operations group whose lead is picked next.
    NewGroupLead,
    /// A new group for a person being added.
    NewGroupFor(String),
}

impl EditKind {
    pub fn prompt(&self) -> String {
        match self {
            EditKind::Title => "New incident: what is broken? (title)".into(),
            EditKind::Impact => "Impact: who is affected and how much?".into(),
            EditKind::Note => "Note for the timeline".into(),
            EditKind::NewGroupLead => "New operations group name (e.g. database)".into(),
            EditKind::NewGroupFor(n) => format!("New operations group for {n}"),
        }
    }
}

/// The entries of the role picker, with "new group" last.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleChoice {
    Role(Role),
    NewGroup,
}

/// The entries of the group picker when adding a person.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupChoice {
    NoGroup,
    Group(String),
    NewGroup,
}

/// Snooze lengths offered, in minutes.
pub const SNOOZE_MINUTES: [i64; 3] = [30, 60, 120];

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Help {
        scroll: u16,
    },
    Confirm {
        intent: Intent,
        prompt: String,
        /// The announcement that will go out, if any.
        announces: Option<String>,
    },
    PickRole {
        choices: Vec<RoleChoice>,
        sel: usize,
    },
    PickPerson {
        purpose: PersonPurpose,
        input: LineEdit,
        matches: Vec<Candidate>,
        sel: usize,
    },
    PickGroup {
        name: String,
        choices: Vec<GroupChoice>,
        sel: usize,
    },
    Snooze {
        question: LoopQuestion,
        sel: usize,
    },
    Edit {
        kind: EditKind,
        input: LineEdit,
    },
    /// The sitrep or status composer (its form lives in `Model::desk`).
    Compose(crate::app::composer::Kind),
    /// "Send this?" over a composer: where it goes, the lint warnings.
    ComposeSend(crate::app::composer::Confirmation),
    /// Sent sitrep versions; `detail` shows one with its diff.
    SitrepLog {
        sel: usize,
        detail: bool,
        scroll: u16,
    },
    /// Drill only: an inject asks for a decision.
    DrillDecision(crate::app::drill::Decision),
    /// Deliveries, rotation, cleanup, page, brief, post-mortem (`app::panel`).
    Panel(crate::app::panel::Panel),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub actor: String,
    pub config: Config,
    pub keymap: Keymap,
    pub now: Timestamp,
    /// For the local wall clock in the header.
    pub tz: TimeZone,
    pub inc: Option<Incident>,
    /// The journal so far, oldest first (the timeline).
    pub events: Vec<Event>,
    /// The checklist as of `now` (re-evaluated on ticks and events).
    pub rows: Vec<Row>,
    pub focus: Region,
    pub check_sel: usize,
    /// Index into the roster's selectable people.
    pub roster_sel: usize,
    /// Timeline lines scrolled past (0 = newest at the top).
    pub timeline_scroll: usize,
    pub mode: Mode,
    pub flash: Option<Flash>,
    /// Appends in flight: keys wait until they are done, so every key acts
    /// on what is really in the journal.
    pub writing: u32,
    pub deferred: VecDeque<Msg>,
    pub deliveries_pending: u32,
    pub deliveries_failed: u32,
    /// Every outbound message and where it stands per backend.
    pub deliveries: crate::app::deliveries::Deliveries,
    pub demo: bool,
    /// Set when the cockpit runs a drill (`commandpost drill <scenario>`).
    pub drill: Option<crate::app::drill::DrillView>,
    pub size: (u16, u16),
    pub quit: bool,
    /// The writing desk: composer drafts, previews, backends to preview.
    pub desk: crate::app::composer::Desk,
}

/// The smallest screen the cockpit draws on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

impl Model {
    /// A model for `actor` on `events` (empty: no incident yet, the cockpit
    /// asks for a title).
    pub fn new(
        actor: &str,
        config: Config,
        keymap: Keymap,
        events: Vec<Event>,
        now: Timestamp,
    ) -> Model {
        let inc = Incident::replay(&events).ok();
        let deliveries = crate::app::deliveries::Deliveries::replay(&events);
        let (deliveries_pending, deliveries_failed) = deliveries.counts();
        let mode = if inc.is_some() {
            Mode::Normal
        } else {
            Mode::Edit {
                kind: EditKind::Title,
                input: LineEdit::default(),
            }
        };
        let mut m = Model {
            actor: actor.to_string(),
            config,
            keymap,
            now,
            tz: TimeZone::UTC,
            inc,
            events,
            rows: Vec::new(),
            focus: Region::Checklist,
            check_sel: 0,
            roster_sel: 0,
            timeline_scroll: 0,
            mode,
            flash: None,
            writing: 0,
            deferred: VecDeque::new(),
            deliveries_pending,
            deliveries_failed,
            deliveries,
            demo: false,
            drill: None,
            size: (MIN_WIDTH, MIN_HEIGHT),
            quit: false,
            desk: Default::default(),
        };
        m.refresh();
        m
    }

    /// Re-derives what depends on the incident and the clock.
    pub fn refresh(&mut self) {
        self.rows = match &self.inc {
            Some(inc) => checklist::evaluate(inc, &self.config.policy(), self.now),
            None => Vec::new(),
        };
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// The person selected in the roster, if any.
    pub fn selected_person(&self) -> Option<String> {
        let inc = self.inc.as_ref()?;
        let lines = crate::app::roster::lines(inc, &self.config);
        let sel = crate::app::roster::selectable(&lines);
        sel.get(self.roster_sel.min(sel.len().saturating_sub(1)))
            .map(|(_, n)| n.to_string())
    }

    pub fn selected_question(&self) -> LoopQuestion {
        LoopQuestion::ALL
            .get(self.check_sel)
            .copied()
            .unwrap_or(LoopQuestion::Support)
    }
}
