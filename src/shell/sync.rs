//! The cockpit's live link to a synced incident's Matrix room (issue 12). The follower
//! (`sync::follow`) runs on a thread of its own with its own runtime: the UI never waits on
//! the homeserver. What it reports enters the event loop as `Msg::Sync` on the loop's
//! channel, like the courier's answers (`shell::real`); the events it appended to the
//! journal are read by the executor's poll, the one road for other writers' events. Own
//! appends nudge it to send them at once.

use crate::app::msg::Msg;
use crate::app::sync_view::SyncMsg;
use crate::config::Config;
use crate::journal::Store;
use crate::sync::account;
use crate::sync::follow::{self, Follower, News};
use crate::sync::journaled::Journaled;
use crate::sync::link::Link;
use crate::sync::sidecar::Sidecar;
use tokio::sync::mpsc;

/// The room incident `id` is attached to (its sidecar says; no network), if it is synced.
pub fn room(store: &Store, id: &str) -> Option<String> {
    let path = store.sidecar_path(id);
    if !path.exists() {
        return None;
    }
    let (sidecar, _) = Sidecar::load(&path, None).ok()?;
    sidecar.room_id
}

/// Starts following incident `id`'s room: `None` when it is not synced, or when the link
/// cannot start (the status line says why).
pub fn start(
    store: &Store,
    id: &str,
    config: &Config,
    actor: &str,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Option<Follower> {
    let say = |line: String| {
        let _ = tx.send(Msg::Sync(SyncMsg::Line(line)));
    };
    let replica = match Journaled::open(store, id, config.people.clone(), actor) {
        Ok(j) => j,
        Err(e) => {
            say(format!("sync: stopped ({e})"));
            return None;
        }
    };
    let room_id = replica.room_id()?.to_string();
    let acct = match account::resolve(&config.sync, store.root()) {
        Ok(a) => a,
        Err(e) => {
            say(format!("sync: stopped ({e})"));
            return None;
        }
    };
    let http = match crate::delivery::http::build_client() {
        Ok(h) => h,
        Err(e) => {
            say(format!("sync: stopped ({e})"));
            return None;
        }
    };
    let link = Link::new(acct.client(http), &room_id);
    let tx = tx.clone();
    let followed = follow::follow(replica, link, move |news| {
        let msg = match news {
            News::Events(_) => SyncMsg::Arrived,
            News::Line(line) => SyncMsg::Line(line),
        };
        let _ = tx.send(Msg::Sync(msg));
    });
    match followed {
        Ok(f) => Some(f),
        Err(e) => {
            say(format!("sync: stopped ({e})"));
            None
        }
    }
}
