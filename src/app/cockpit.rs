//! What the cockpit knows: the incident, the journal so far, the clock, the keymap, the
//! writing desk, deliveries, the drill, the status line. Everything but the open overlay
//! (`app::model::Model` adds that): overlays get `&mut Cockpit` and say what opens next by
//! their return value, so they never reach into each other.
//!
//! The helpers every handler uses live here: the status line message ([`Cockpit::flash_info`],
//! [`Cockpit::flash_error`]), a validated change to journal ([`Cockpit::append`]), quitting.

use crate::app::cmd::Cmd;
use crate::app::composer::desk::Desk;
use crate::app::deliveries::{self, Deliveries};
use crate::app::drill_view::DrillView;
pub use crate::app::flash::{FLASH_ERROR_SECS, FLASH_INFO_SECS, Flash};
use crate::app::keymap::{Action, Keymap};
use crate::app::msg::Msg;
use crate::app::roster;
use crate::config::Config;
use crate::delivery::outbox::OutboxState;
use crate::domain::checklist::{self, Row};
use crate::domain::event::LoopQuestion;
use crate::domain::incident::DomainError;
use crate::domain::outbound::MessageKind;
use crate::domain::{Event, Incident, Payload};
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

/// Events of the journal older than `Cockpit::events`, left in the file until the timeline
/// is scrolled back to them (opening a long incident reads only its newest events).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Older {
    /// How many there are.
    pub count: usize,
    /// Where `Cockpit::events` starts in the journal: older events end there.
    pub end: u64,
    /// A page of them was asked for and has not arrived.
    pub loading: bool,
}

/// How many events the timeline holds at start, and how many one page back reads.
pub const OLDER_PAGE: usize = 1_000;

/// The smallest screen the cockpit draws on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

#[derive(Debug, Clone)]
pub struct Cockpit {
    pub actor: String,
    pub config: Config,
    pub keymap: Keymap,
    pub now: Timestamp,
    /// For the local wall clock in the header.
    pub tz: TimeZone,
    pub inc: Option<Incident>,
    /// The journal's newest events, oldest first (the timeline); older ones stay in the
    /// file until the timeline is scrolled back to them (`older`).
    pub events: Vec<Event>,
    pub older: Older,
    /// The checklist as of `now` (re-evaluated on ticks and events).
    pub rows: Vec<Row>,
    pub focus: Region,
    pub check_sel: usize,
    /// Index into the roster's selectable people.
    pub roster_sel: usize,
    /// Timeline lines scrolled past (0 = newest at the top).
    pub timeline_scroll: usize,
    pub flash: Option<Flash>,
    /// Appends in flight: keys wait until they are done, so every key acts
    /// on what is really in the journal.
    pub writing: u32,
    pub deferred: VecDeque<Msg>,
    pub deliveries_pending: u32,
    pub deliveries_failed: u32,
    /// Every outbound message and where it stands per backend.
    pub deliveries: Deliveries,
    pub demo: bool,
    /// Set when the cockpit runs a drill (`commandpost drill <scenario>`).
    pub drill: Option<DrillView>,
    pub size: (u16, u16),
    pub quit: bool,
    /// The writing desk: composer drafts, previews, backends to preview.
    pub desk: Desk,
    /// Product health as Prometheus (or a drill) last said (issue 17).
    pub health: crate::domain::health::live::Live,
    /// Health observations being journaled (none is asked for meanwhile).
    pub observing: u32,
    /// Firing alerts as Alertmanager last said: the alerts, or why there is no answer.
    pub alerts: Option<crate::domain::alert::AlertsUpdate>,
    /// This data dir's replication origin (`""` before it has one): local events sort
    /// under it in the merge order (`domain::merge`).
    pub home: String,
    /// Opened from the journal's snapshot (`Cockpit::restored`): the incident is the
    /// merge-order replay already, and `events` may hold only the newest.
    pub restored: bool,
    /// An event sorted before the tail while older events were still in the file: they are
    /// being read (`Cmd::Older`) to fold the incident again.
    pub refold_pending: bool,
    /// Set when the incident is synced through a Matrix room (issue 12).
    pub sync: Option<crate::app::sync_view::SyncView>,
}

impl Cockpit {
    /// The cockpit of `actor` on `events` (empty: no incident yet).
    pub fn new(
        actor: &str,
        config: Config,
        keymap: Keymap,
        events: Vec<Event>,
        now: Timestamp,
    ) -> Cockpit {
        let inc = Incident::replay(&events).ok();
        let deliveries = Deliveries::replay(&events);
        let (deliveries_pending, deliveries_failed) = deliveries.counts();
        let mut cx = Cockpit {
            actor: actor.to_string(),
            config,
            keymap,
            now,
            tz: TimeZone::UTC,
            inc,
            events,
            older: Older::default(),
            rows: Vec::new(),
            focus: Region::Checklist,
            check_sel: 0,
            roster_sel: 0,
            timeline_scroll: 0,
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
            desk: Desk::default(),
            health: Default::default(),
            observing: 0,
            alerts: None,
            home: String::new(),
            restored: false,
            refold_pending: false,
            sync: None,
        };
        cx.health = crate::domain::health::live::Live::new(&cx.config.metrics.policy());
        cx.refresh();
        cx
    }

    /// The cockpit of `actor` on an incident already replayed (from its journal's snapshot
    /// and tail): the incident, its outbox, and the journal's newest events (`recent`), with
    /// what is older still in the file (`older`).
    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of a restored cockpit, each from a different place"
    )]
    pub fn restored(
        actor: &str,
        config: Config,
        keymap: Keymap,
        inc: Incident,
        outbox: OutboxState,
        recent: Vec<Event>,
        older: Older,
        now: Timestamp,
    ) -> Cockpit {
        let mut cx = Cockpit::new(actor, config, keymap, Vec::new(), now);
        cx.deliveries = Deliveries {
            state: outbox,
            last_seq: inc.last_seq,
        };
        (cx.deliveries_pending, cx.deliveries_failed) = cx.deliveries.counts();
        cx.inc = Some(inc);
        cx.events = recent;
        cx.older = older;
        cx.restored = true;
        cx.refresh();
        cx
    }

    /// Every event of the journal so far, in memory or not.
    pub fn event_count(&self) -> usize {
        self.older.count + self.events.len()
    }

    /// Folds the incident in the merge order of this data dir (`home`: its origin), as
    /// every replica of a synced incident does. For a journal of local events only, the
    /// order is the journal's.
    pub fn set_home(&mut self, home: &str) {
        self.home = home.to_string();
        // A cockpit restored from the snapshot (`restored`) holds the merge-order replay
        // already, and maybe only the newest events: nothing to fold again.
        if !self.restored && !self.events.iter().all(Event::is_local) {
            self.inc = crate::domain::merge::replay(&self.events, home).ok();
            self.refresh();
        }
    }

    /// Re-derives what depends on the incident and the clock.
    pub fn refresh(&mut self) {
        self.rows = match &self.inc {
            Some(inc) => checklist::evaluate_with(
                inc,
                &self.config.policy(),
                &self.health.current(),
                self.now,
            ),
            None => Vec::new(),
        };
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// The person selected in the roster, if any.
    pub fn selected_person(&self) -> Option<String> {
        let inc = self.inc.as_ref()?;
        let lines = roster::lines(inc, &self.config);
        let sel = roster::selectable(&lines);
        sel.get(self.roster_sel.min(sel.len().saturating_sub(1)))
            .map(|(_, n)| n.to_string())
    }

    pub fn selected_question(&self) -> LoopQuestion {
        LoopQuestion::ALL
            .get(self.check_sel)
            .copied()
            .unwrap_or(LoopQuestion::Support)
    }

    /// An informational message in the status line.
    /// Whether firing alerts are shown: `[alerts]` is configured, or a drill fires them.
    pub fn alerts_on(&self) -> bool {
        self.config.alerts.enabled() || self.drill.as_ref().is_some_and(|d| d.alerts)
    }

    pub fn flash_info(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            error: false,
            at: self.now,
        });
    }

    /// An error in the status line (it stays until the next key).
    pub fn flash_error(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            error: true,
            at: self.now,
        });
    }

    /// Journals a validated change (it shows once `Msg::Journaled` says it is on disk), or
    /// says why it cannot be done.
    pub fn append(&mut self, p: Result<Payload, DomainError>) -> Vec<Cmd> {
        match p {
            Ok(p) => {
                self.writing += 1;
                vec![Cmd::Append(p)]
            }
            Err(e) => {
                self.flash_error(e.to_string());
                Vec::new()
            }
        }
    }

    /// Writes the drafts changed since they were last written.
    pub fn save_drafts(&mut self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        for r in self.desk.saves(self.now) {
            match r {
                Ok(c) => cmds.push(c),
                Err(e) => self.flash_error(format!("draft NOT saved: {e}")),
            }
        }
        cmds
    }

    /// Quits (the incident stays open), writing changed drafts first.
    pub fn quit(&mut self) -> Vec<Cmd> {
        let mut cmds = self.save_drafts();
        self.quit = true;
        cmds.push(Cmd::Quit);
        cmds
    }

    /// The first key of an action, for messages ("R resolves").
    pub fn key(&self, a: Action) -> String {
        self.keymap.label(a)
    }

    /// Adds `name` to the roster (in `group`), with what the configuration knows of them.
    pub fn join(&mut self, name: &str, group: Option<&str>) -> Vec<Cmd> {
        let Some(inc) = &self.inc else {
            return Vec::new();
        };
        let known = self
            .config
            .people
            .iter()
            .find(|k| k.name.trim().to_lowercase() == name.to_lowercase());
        let p = inc.cmd_join(
            name,
            group,
            known.and_then(|k| k.handle.as_deref()),
            known.and_then(|k| k.contact.as_deref()),
            known.and_then(|k| k.team.as_deref()),
        );
        self.append(p)
    }

    /// Names of the configured backends that send pages: what `p` offers (all of them, or
    /// one). In a drill, every configured one (those marked `drill = true` get the page for
    /// real, marked as a drill; the others' copy goes to the sink).
    pub fn page_backends(&self) -> Vec<String> {
        if self.drill.is_some() {
            let r = crate::drill::sink::routes(&self.config, MessageKind::Page, None);
            return r.real.into_iter().chain(r.sink).collect();
        }
        if !self.desk.backends.list.is_empty() {
            return self
                .desk
                .backends
                .for_kind(MessageKind::Page)
                .iter()
                .map(|b| b.name().to_string())
                .collect();
        }
        deliveries::configured_backends(&self.config)
            .into_iter()
            .filter(|(_, sends)| sends.contains(&MessageKind::Page))
            .map(|(n, _)| n)
            .collect()
    }

    /// Where a page goes, in words: to every page backend (`only` is `None`) or one.
    pub fn page_route(&self, only: Option<&str>) -> String {
        let names: Vec<String> = match only {
            Some(n) => vec![n.to_string()],
            None => self.page_backends(),
        };
        if self.drill.is_none() {
            return match only {
                Some(n) => format!("{n} only"),
                None => names.join(", "),
            };
        }
        let only = only.map(|n| vec![n.to_string()]);
        let r = crate::drill::sink::routes(&self.config, MessageKind::Page, only.as_deref());
        let mut parts = Vec::new();
        if !r.real.is_empty() {
            parts.push(format!("{} for real, marked [DRILL]", r.real.join(", ")));
        }
        if !r.sink.is_empty() || r.real.is_empty() {
            parts.push("the drill's sink.md".to_string());
        }
        parts.join("; ")
    }

    /// Moves the focus to the next (`by` 1) or previous (-1) region.
    pub fn focus_step(&mut self, by: isize) {
        let n = Region::ALL.len() as isize;
        let i = Region::ALL
            .iter()
            .position(|r| *r == self.focus)
            .unwrap_or(0) as isize;
        let j = (i + by).rem_euclid(n) as usize;
        self.focus = Region::ALL.get(j).copied().unwrap_or(Region::Checklist);
    }

    /// Moves the selection (or the timeline) of the focused region by `by` lines.
    pub fn move_sel(&mut self, by: i64) {
        let step = |cur: usize, len: usize| -> usize {
            let max = len.saturating_sub(1) as i64;
            (cur as i64 + by).clamp(0, max.max(0)) as usize
        };
        match self.focus {
            Region::Checklist => self.check_sel = step(self.check_sel, 6),
            Region::Roster => {
                let n = self
                    .inc
                    .as_ref()
                    .map(|inc| roster::selectable(&roster::lines(inc, &self.config)).len())
                    .unwrap_or(0);
                self.roster_sel = step(self.roster_sel.min(n.saturating_sub(1)), n);
            }
            Region::Timeline => {
                self.timeline_scroll = step(self.timeline_scroll, self.event_count())
            }
        }
    }
}
