//! The firing alerts (`!`, issue 17): what Alertmanager last said (`[alerts]`), most pressing
//! first; `n` attaches the selected alert to the open incident (journal and timeline). Drawn
//! by `ui::overlay::alerts`.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::overlay::step::{Layer, Outcome};
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
            _ => {
                cx.flash_error(format!(
                    "no open incident: `commandpost new --from-alert {}` opens one from it",
                    alert.fingerprint
                ));
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
            Some(Action::Close | Action::Cancel | Action::Interrupt | Action::Alerts) => {
                return Outcome::close();
            }
            _ => {}
        }
        Outcome::stay()
    }

    fn footer(&self, _cx: &Cockpit) -> Vec<Foot> {
        vec![
            Foot::label(&[Action::Up, Action::Down], "select"),
            Foot::keys(&[Action::AttachAlert]),
            Foot::label(&[Action::Cancel], "close"),
        ]
    }
}
