//! The firing alerts (`!`, issue 17): what Alertmanager last said (`[alerts]`), most pressing
//! first; `n` attaches the selected alert to the open incident (journal and timeline), or,
//! with no incident yet (the first screen's Tab), opens one from it. Drawn by
//! `ui::overlay::alerts`.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::intent::Intent;
use crate::app::overlay::step::{EditKind, Goto, Layer, Outcome};
use crossterm::event::KeyEvent;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Alerts {
    pub sel: usize,
}

/// The alerts as last fetched (none before the first answer or while it fails).
pub fn listed(cx: &Cockpit) -> &[crate::domain::alert::Alert] {
    match cx.alerts.as_ref().map(|a| &a.result) {
        Some(Ok(list)) => list,
        _ => &[],
    }
}

impl Alerts {
    fn attach(&self, cx: &mut Cockpit) -> Outcome {
        let Some(alert) = listed(cx).get(self.sel).cloned() else {
            cx.flash_info("No alert selected");
            return Outcome::stay();
        };
        let p = match &cx.inc {
            Some(inc) if inc.is_open() => inc.cmd_attach_alert(&alert),
            // No incident yet: open one from the alert (asks first).
            None => {
                return Outcome::go(Goto::Confirm(Intent::OpenFromAlert(Box::new(alert))));
            }
            Some(_) => {
                cx.flash_error(crate::app::intent::resolved_here(&alert));
                return Outcome::stay();
            }
        };
        let cmds = cx.append(p);
        Outcome::stay().with(cmds)
    }
}

impl Layer for Alerts {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, _key: &KeyEvent) -> Outcome {
        let n = listed(cx).len();
        match action {
            Some(Action::Up) => self.sel = self.sel.saturating_sub(1),
            Some(Action::Down) => self.sel = (self.sel + 1).min(n.saturating_sub(1)),
            Some(Action::AttachAlert) => return self.attach(cx),
            // No incident yet: back to the first screen's title.
            Some(Action::Close | Action::Cancel | Action::Interrupt | Action::Alerts)
                if cx.inc.is_none() =>
            {
                return Outcome::go(Goto::Edit(EditKind::Title));
            }
            Some(Action::Close | Action::Cancel | Action::Interrupt | Action::Alerts) => {
                return Outcome::close();
            }
            _ => {}
        }
        Outcome::stay()
    }

    fn footer(&self, cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::label(&[Action::Up, Action::Down], "select"),
            if cx.inc.is_none() {
                Foot::label(&[Action::AttachAlert], "open an incident from it")
            } else {
                Foot::keys(&[Action::AttachAlert])
            },
            Foot::label(&[Action::Cancel], "close"),
        ]
    }
}
