//! Everything that can happen to the cockpit, as data.

use crate::domain::Event;
use crossterm::event::KeyEvent;
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key press (release and repeat events are filtered out before).
    Key(KeyEvent),
    /// Bracketed paste.
    Paste(String),
    Resize(u16, u16),
    /// The clock: the only way time reaches the model.
    Tick(Timestamp),
    /// Events read from or written to the journal, in order. With `own`,
    /// the last one is the change this cockpit asked for.
    Journaled {
        events: Vec<Event>,
        own: bool,
    },
    /// An append (or the incident creation) failed: nothing was changed.
    JournalFailed(String),
    /// A background read of the journal failed.
    PollFailed(String),
    /// Older events for the timeline (`Cmd::Older`): oldest first, with the offset where
    /// the first starts; or why they could not be read.
    Older(Result<(Vec<Event>, u64), String>),
    /// An announcement was written to the outbox.
    Announced(String),
    AnnounceFailed(String),
    /// A composer's template render (`Cmd::Render`): shown if it is the latest.
    Rendered(crate::app::composer::render::Rendered),
    /// A composer's draft could not be written.
    DraftFailed(String),
    /// Delivery counts, once delivery lands.
    Deliveries {
        pending: u32,
        failed: u32,
    },
    /// From the delivery outbox (`app::deliveries`).
    Outbox(crate::app::deliveries::OutboxMsg),
    /// The post-mortem draft was written: (path, text), or why not.
    Postmortem(Result<(String, String), String>),
    /// A round of Prometheus' answers (`crate::health::poll`).
    Health(crate::domain::health::live::Update),
    /// Alertmanager's answer (`crate::health::poll`).
    Alerts(crate::domain::alert::AlertsUpdate),
    /// From the thread following the incident's Matrix room (`app::sync_view`).
    Sync(crate::app::sync_view::SyncMsg),
}
