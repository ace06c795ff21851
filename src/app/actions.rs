//! Every key action of the cockpit, declared once.
//!
//! One row per action: its `[keys]` name, default keys, where it works (the regions of the
//! main screen share one key space; the composer and each overlay have their own), its place
//! in the status line, its short hint and its description for the help overlay. The keymap
//! (`app::keymap`), the help overlay, the status line and every overlay footer are built from
//! this table, so a key shown is a key that works.
//!
//! Adding an action: one row here, then one arm where it is handled (`app::normal` for the
//! main screen, the overlay's own file otherwise).

/// Where an action works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The main screen, whatever has the focus.
    Global,
    /// The main screen with the event loop focused (for the status line).
    Checklist,
    /// The main screen with the roster focused.
    Roster,
    /// The main screen with the timeline focused.
    Timeline,
    /// The main screen during a drill only (help lists these only then).
    Drill,
    /// The sitrep and status composers: plain keys type text there.
    Composer,
    Help,
    Confirm,
    PickRole,
    /// The person picker: plain keys type the name.
    PickPerson,
    PickGroup,
    Snooze,
    /// A one-line text field (title, impact, note, skip reason, remediation).
    Field,
    /// The page dialog: the summary is typed, the backend chosen from a list.
    Page,
    SitrepLog,
    SitrepDiff,
    Decision,
    Deliveries,
    Rotation,
    Cleanup,
    Brief,
    Remediation,
    Postmortem,
    /// The firing alerts (Alertmanager).
    Alerts,
    /// The sync view (`T`): the room link, conflicts, rejected room commands.
    SyncView,
}

impl Scope {
    /// The key space: the main screen's scopes share one.
    pub fn space(self) -> Scope {
        match self {
            Scope::Checklist | Scope::Roster | Scope::Timeline | Scope::Drill => Scope::Global,
            s => s,
        }
    }

    /// Whether plain keys type text here (only command keys act).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Scope::Composer | Scope::PickPerson | Scope::Field | Scope::Page
        )
    }

    /// For error messages: "in the deliveries overlay".
    pub fn place(self) -> &'static str {
        match self.space() {
            Scope::Global => "on the main screen",
            Scope::Composer => "in a composer",
            Scope::Help => "in the help",
            Scope::Confirm => "in a confirmation",
            Scope::PickRole => "in the role picker",
            Scope::PickPerson => "in the person picker",
            Scope::PickGroup => "in the group picker",
            Scope::Snooze => "in the snooze picker",
            Scope::Field => "in a text field",
            Scope::Page => "in the page dialog",
            Scope::SitrepLog => "in the sitrep log",
            Scope::SitrepDiff => "in a sitrep's diff",
            Scope::Decision => "in a drill decision",
            Scope::Deliveries => "in the deliveries overlay",
            Scope::Rotation => "in the rotation view",
            Scope::Cleanup => "in the cleanup checklist",
            Scope::Brief => "in a hand-off brief",
            Scope::Remediation => "in the remediation list",
            Scope::Postmortem => "in the post-mortem view",
            Scope::Alerts => "in the alerts view",
            Scope::SyncView => "in the sync view",
            _ => "",
        }
    }
}

/// The main screen's actions placed up to here in the status line (help, sitrep, status
/// update) come before the focused region's own keys: they are what the IC needs whatever
/// has the focus, and must fit at 80 columns.
pub const FIRST_IN_BAR: u8 = 3;

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub action: Action,
    /// The name in the `[keys]` configuration table.
    pub name: &'static str,
    /// Default keys (see `app::keymap::Key::parse`). Esc, Enter, Ctrl-c and Ctrl-z belong
    /// to the reserved actions only and cannot be remapped.
    pub keys: &'static [&'static str],
    /// Where it works; the first is where it is meant to work (a key that would type text
    /// there is refused).
    pub scopes: &'static [Scope],
    /// Position in the status line (0: not shown there); equal hints side by side merge
    /// (`1/2/3 state`).
    pub bar: u8,
    /// Short label: status line and footers.
    pub hint: &'static str,
    /// Long description: the help overlay.
    pub describe: &'static str,
}

macro_rules! actions {
    ($( $(#[$doc:meta])* $action:ident $name:literal [$($key:literal),*]
        [$($scope:ident),+] $bar:literal $hint:literal $describe:literal; )*) => {
        /// What a key does; see [`TABLE`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($(#[$doc])* $action,)* }

        /// Every action, in the order help lists them.
        pub const TABLE: &[Spec] = &[$(Spec {
            action: Action::$action,
            name: $name,
            keys: &[$($key),*],
            scopes: &[$(Scope::$scope),+],
            bar: $bar,
            hint: $hint,
            describe: $describe,
        },)*];
    };
}

actions! {
    // The main screen.
    Help "help" ["?"] [Global, Help] 1 "help" "this help";
    /// Next region; next entry in a list; next field in a composer.
    FocusNext "focus_next" ["Tab"]
        [Global, Composer, PickRole, PickPerson, PickGroup, Snooze, Decision, Deliveries,
         Cleanup, Remediation, Page] 6 "focus" "next region";
    FocusPrev "focus_prev" ["Shift-Tab"] [Global, Composer, Page] 0 "back" "previous region";
    Up "up" ["Up", "k", "Ctrl-p"]
        [Global, Composer, Help, PickRole, PickPerson, PickGroup, Snooze, SitrepLog, SitrepDiff,
         Decision, Deliveries, Rotation, Cleanup, Brief, Remediation, Postmortem, Page,
         SyncView, Alerts]
        0 "move" "move up";
    Down "down" ["Down", "j", "Ctrl-n"]
        [Global, Composer, Help, PickRole, PickPerson, PickGroup, Snooze, SitrepLog, SitrepDiff,
         Decision, Deliveries, Rotation, Cleanup, Brief, Remediation, Postmortem, Page,
         SyncView, Alerts]
        0 "move" "move down";
    PageUp "page_up" ["PageUp"]
        [Timeline, Help, SitrepDiff, Deliveries, Rotation, Cleanup, Brief, Remediation, Postmortem,
         SyncView]
        1 "page" "page up";
    PageDown "page_down" ["PageDown"]
        [Timeline, Help, SitrepDiff, Deliveries, Rotation, Cleanup, Brief, Remediation, Postmortem,
         SyncView]
        1 "page" "page down";
    Handoff "handoff" ["h"] [Global] 4 "hand off" "hand off a role";
    AddPerson "add_person" ["a"] [Roster] 3 "add" "add a person";
    Break "break" ["b"] [Roster] 1 "break" "break start/end (roster)";
    Release "release" ["r"] [Roster] 2 "release" "release person (roster)";
    StateInvestigating "state_investigating" ["1"] [Global] 5 "state" "state 1 investigating";
    StateConfirmed "state_confirmed" ["2"] [Global] 5 "state" "state 2 confirmed";
    StateMajor "state_major" ["3"] [Global] 5 "state" "state 3 major";
    Resolve "resolve" ["R"] [Global] 8 "resolve" "resolve the incident";
    Review "review" ["Space"] [Checklist] 1 "review" "question reviewed";
    Snooze "snooze" ["z"] [Checklist] 2 "snooze" "snooze 30m/1h/2h";
    Impact "impact" ["i"] [Global] 9 "impact" "edit impact";
    Note "note" ["n"] [Global] 10 "note" "add a note";
    Redraw "redraw" ["Ctrl-l"] [Global] 0 "redraw" "redraw screen";
    Quit "quit" ["q"] [Global] 7 "quit" "quit; incident stays open";
    Sitrep "sitrep" ["s"] [Global] 2 "sitrep" "write a sitrep (draft kept)";
    StatusUpdate "status_update" ["u"] [Global] 3 "status" "public status update";
    /// Opens the sitrep log; closes it again.
    SitrepLog "sitrep_log" ["L"] [Global, SitrepLog] 0 "sitreps" "sitrep log and diffs";
    Send "send" ["Ctrl-s"] [Composer, Global] 0 "send" "composer: send (asks first)";
    PreviewNext "preview_next" ["Ctrl-o"] [Composer, Global] 0 "preview"
        "composer: next preview";
    StageNext "stage_next" ["Ctrl-t"] [Composer, Global] 0 "stage" "status composer: next stage";
    /// Inserts the product health figures ([metrics]) at the cursor.
    InsertFigures "insert_figures" ["Ctrl-g"] [Composer, Global] 0 "figures"
        "composer: insert the current health figures ([metrics])";
    DrillFaster "drill_faster" ["+"] [Drill] 0 "faster" "drill: clock faster (to 60x)";
    DrillSlower "drill_slower" ["-"] [Drill] 0 "slower" "drill: clock slower (to 1x)";
    DrillPause "drill_pause" ["."] [Drill] 0 "pause" "drill: pause/resume the clock";
    DrillDecide "drill_decide" ["d"] [Drill] 0 "decide" "drill: answer the open decision";
    DrillEnd "drill_end" ["Q"] [Drill] 0 "end drill" "drill: end it and score";
    /// Opens the deliveries overlay; closes it again.
    Deliveries "deliveries" ["D"] [Global, Deliveries] 0 "deliveries" "deliveries: retry/drop";
    /// The dialog lets the IC choose every page backend or one (as `page --backend`).
    Page "page" ["p"] [Global] 0 "page" "page: all backends or one";
    /// Opens the rotation view; closes it again.
    Rotation "rotation" ["o"] [Global, Rotation] 0 "rotation" "rotation: who is next";
    /// Opens the first hand-off brief; in an incoming brief, takes the role over.
    Acknowledge "acknowledge" ["A"] [Global, Brief] 0 "ack" "acknowledge a hand-off";
    /// Opens the cleanup checklist; closes it again.
    Cleanup "cleanup" ["C"] [Global, Cleanup] 0 "cleanup" "cleanup checklist";
    Postmortem "postmortem" ["P"] [Global] 0 "post-mortem" "post-mortem draft";
    /// Opens the remediation list; closes it again.
    Remediation "remediation" ["M"] [Global, Remediation] 0 "remediation" "remediation items";
    /// Opens the sync view; closes it again.
    SyncView "sync" ["T"] [Global, SyncView] 0 "sync" "sync view: room, conflicts, room commands";
    /// Opens the firing alerts ([alerts]); closes them again.
    Alerts "alerts" ["!"] [Global, Alerts] 0 "alerts" "firing alerts (Alertmanager)";

    // Overlays.
    Yes "yes" ["y", "Y"] [Confirm] 0 "yes" "confirm a dialog";
    No "no" ["n", "N"] [Confirm] 0 "no, change nothing" "cancel a dialog";
    Select "select" ["Space"] [PickRole, PickGroup, Snooze, Decision, SitrepLog] 0 "choose"
        "choose the selected entry";
    Top "top" ["Home", "g"]
        [Help, PickRole, PickGroup, Snooze, SitrepLog, Deliveries, Rotation, Cleanup, Brief,
         Remediation, Postmortem, SyncView] 0 "top" "first entry, top";
    Bottom "bottom" ["End", "G"]
        [PickRole, PickGroup, Snooze, SitrepLog, Deliveries, Rotation, Cleanup, Brief,
         Remediation, Postmortem, SyncView] 0 "bottom" "last entry, bottom";
    /// A page further down a text.
    More "more" ["Space"] [SitrepDiff, Rotation, Brief, Postmortem, SyncView] 0 "more" "page down";
    /// The older sitrep in its diff (the stage before, in the status composer).
    Left "left" ["Left", "h"] [SitrepDiff, Composer] 0 "older" "older version";
    /// The newer sitrep in its diff; shows the selected one from the log.
    Right "right" ["Right", "l"] [SitrepDiff, SitrepLog, Composer] 0 "newer" "newer version";
    /// From a sitrep's diff back to the log.
    Back "back" ["Backspace"] [SitrepDiff] 0 "back" "back to the list";
    Close "close" ["q"]
        [Help, SitrepLog, SitrepDiff, Deliveries, Rotation, Cleanup, Brief, Remediation,
         Postmortem, SyncView, Alerts] 0 "close" "close the overlay";
    Retry "retry" ["r"] [Deliveries] 0 "retry a failed one" "retry a delivery";
    Drop "drop" ["x"] [Deliveries] 0 "drop" "drop a delivery";
    Done "done" ["Space", "x"] [Cleanup, Remediation] 0 "done" "mark an item done";
    Skip "skip" ["s"] [Cleanup] 0 "skip (with a reason)" "skip a cleanup item";
    Add "add" ["a"] [Remediation] 0 "add" "add a remediation item";
    Assign "assign" ["o"] [Remediation] 0 "assign" "assign a remediation item";
    Withdraw "withdraw" ["x"] [Brief] 0 "withdraw" "withdraw a proposed hand-off";
    AttachAlert "attach_alert" ["n"] [Alerts] 0 "attach to the incident"
        "alerts: attach the selected alert to the incident (journal, timeline)";
    /// The first screen (no incident yet): the firing alerts, to open the incident from one.
    FromAlert "from_alert" ["Tab"] [Field] 0 "from an alert"
        "first screen: open the incident from a firing alert ([alerts])";

    // Reserved: the same everywhere, not remappable.
    Cancel "cancel" ["Esc"]
        [Composer, Help, Confirm, PickRole, PickPerson, PickGroup, Snooze, Field, SitrepLog,
         SitrepDiff, Decision, Deliveries, Rotation, Cleanup, Brief, Remediation, Postmortem,
         Page, SyncView, Alerts]
        0 "cancel" "cancel a dialog, close an overlay";
    Confirm "confirm" ["Enter"]
        [Composer, Help, Confirm, PickRole, PickPerson, PickGroup, Snooze, Field, SitrepLog,
         SitrepDiff, Decision, Rotation, Cleanup, Brief, Postmortem, Page,
         SyncView]
        0 "confirm" "confirm a dialog";
    Interrupt "interrupt" ["Ctrl-c"]
        [Global, Composer, Help, Confirm, PickRole, PickPerson, PickGroup, Snooze, Field,
         SitrepLog, SitrepDiff, Decision, Deliveries, Rotation, Cleanup, Brief, Remediation,
         Postmortem, Page,
         SyncView, Alerts] 0 "quit" "quit (asks first)";
    Suspend "suspend" ["Ctrl-z"] [Global] 0 "suspend" "suspend (fg resumes)";
}

impl Action {
    pub fn spec(self) -> &'static Spec {
        TABLE.iter().find(|s| s.action == self).unwrap_or(&TABLE[0])
    }

    /// Every action, in table order.
    pub fn all() -> impl Iterator<Item = Action> {
        TABLE.iter().map(|s| s.action)
    }

    /// The name used in the `[keys]` configuration table.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Long description, for the help overlay.
    pub fn describe(self) -> &'static str {
        self.spec().describe
    }

    /// Short label, for the status line and footers.
    pub fn hint(self) -> &'static str {
        self.spec().hint
    }

    pub fn default_keys(self) -> &'static [&'static str] {
        self.spec().keys
    }

    pub fn scopes(self) -> &'static [Scope] {
        self.spec().scopes
    }

    /// Where it is meant to work (the first scope of its row).
    pub fn home(self) -> Scope {
        self.scopes().first().copied().unwrap_or(Scope::Global)
    }

    pub fn works_in(self, scope: Scope) -> bool {
        self.scopes().iter().any(|s| s.space() == scope.space())
    }

    /// Whether the action only does something in a drill (help lists it only there).
    pub fn drill_only(self) -> bool {
        self.scopes() == [Scope::Drill]
    }

    /// The same in every mode and not remappable: Esc, Enter, Ctrl-c, Ctrl-z.
    pub fn reserved(self) -> bool {
        matches!(
            self,
            Action::Cancel | Action::Confirm | Action::Interrupt | Action::Suspend
        )
    }

    pub fn from_name(name: &str) -> Option<Action> {
        TABLE.iter().find(|s| s.name == name).map(|s| s.action)
    }
}

/// One item of an overlay's footer, drawn with the live keymap (`ui::widgets::footer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Foot {
    /// The first key of each action (`↑↓`, `y/Enter`), then the label (the first action's
    /// hint when `None`).
    Keys(&'static [Action], Option<&'static str>),
    /// Every key of one action (`Space/x done`).
    AllKeys(Action, Option<&'static str>),
    /// `1-9/Enter answer`: the first `n` digits choose, as do the actions' keys.
    Numbered(u8, &'static [Action], &'static str),
    /// Words that are not keys: where a page goes, what typing does.
    Note(String, String),
}

impl Foot {
    /// The actions' keys with their hint from the table.
    pub const fn keys(actions: &'static [Action]) -> Foot {
        Foot::Keys(actions, None)
    }

    /// The actions' keys with a label of the overlay's own.
    pub const fn label(actions: &'static [Action], label: &'static str) -> Foot {
        Foot::Keys(actions, Some(label))
    }

    pub fn note(keys: impl Into<String>, label: impl Into<String>) -> Foot {
        Foot::Note(keys.into(), label.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_action_has_a_row() {
        let mut names: Vec<&str> = TABLE.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "a name is used twice");
        for s in TABLE {
            assert_eq!(s.action.spec(), s);
            assert_eq!(Action::from_name(s.name), Some(s.action));
            assert!(!s.scopes.is_empty());
        }
    }
}
