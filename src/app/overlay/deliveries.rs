//! The deliveries overlay (`D`): every message x backend, newest first; a failed or dropped
//! one can be retried, a failed or waiting one dropped (both asked first).

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::intent::Intent;
use crate::app::overlay::step::{Goto, Layer, Outcome, listed};
use crate::delivery::outbox::DeliveryStatus;
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryList {
    pub sel: usize,
}

impl Layer for DeliveryList {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        let rows = cx.deliveries.rows();
        if let Some(o) = listed(action, &mut self.sel, rows.len(), Action::Deliveries) {
            return o;
        }
        let Some(r) = rows.get(self.sel) else {
            return Outcome::stay();
        };
        let (message, backend) = (r.row.message.clone(), r.row.backend.clone());
        let now = cx.now;
        match (action, &r.row.status) {
            (Some(Action::Retry), DeliveryStatus::Failed { .. } | DeliveryStatus::Dropped) => {
                return Outcome::go(Goto::Confirm(Intent::Retry { message, backend }));
            }
            (Some(Action::Retry), st) => cx.flash_error(format!(
                "only a failed or dropped delivery can be retried (this one: {})",
                st.label(now)
            )),
            (
                Some(Action::Drop),
                DeliveryStatus::Failed { .. }
                | DeliveryStatus::Queued
                | DeliveryStatus::Retrying { .. },
            ) => return Outcome::go(Goto::Confirm(Intent::Drop { message, backend })),
            (Some(Action::Drop), DeliveryStatus::Sending { .. }) => {
                cx.flash_error("an attempt is under way: wait for its outcome, then drop")
            }
            (Some(Action::Drop), st) => {
                cx.flash_error(format!("nothing to drop: {}", st.label(now)))
            }
            _ => {}
        }
        Outcome::stay()
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::keys(&[Action::Up, Action::Down]),
            Foot::keys(&[Action::Retry]),
            Foot::keys(&[Action::Drop]),
            Foot::label(&[Action::Cancel], "close"),
        ]
    }
}
