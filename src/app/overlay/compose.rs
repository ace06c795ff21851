//! The sitrep and status composers (`s`, `u`), full screen: Tab moves between fields (and
//! the stage of a status update), the keymap's composer keys send (asking first), page
//! through the previews and change the stage; Esc keeps the draft. The form itself is
//! `app::composer::form`.

use crate::app::actions::{Action, Foot};
use crate::app::cockpit::Cockpit;
use crate::app::composer::kind::{Kind, WIDE_MIN_WIDTH};
use crate::app::intent::Intent;
use crate::app::overlay::step::{Goto, Layer, Outcome};
use crate::domain::lint::Stage;
use crate::domain::text::capitalised;
use crate::domain::{duration, status};
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compose {
    pub kind: Kind,
}

impl Compose {
    /// Opens a composer: the draft in memory, else the one saved on disk, else a form
    /// prefilled from the incident.
    pub fn open(kind: Kind, cx: &mut Cockpit) -> Option<(Compose, Vec<crate::app::cmd::Cmd>)> {
        let inc = cx.inc.as_ref()?;
        let opened = cx.desk.open(kind, inc, &cx.config, cx.now);
        if let Some(note) = opened.note {
            cx.flash_info(note);
        }
        Some((Compose { kind }, opened.cmds))
    }

    fn changed(&self, cx: &mut Cockpit) {
        if let Some(inc) = &cx.inc {
            cx.desk.changed(self.kind, inc, cx.now);
        }
    }

    fn close(&self, cx: &mut Cockpit) -> Outcome {
        let noun = capitalised(self.kind.noun());
        let key = cx
            .keymap
            .first(match self.kind {
                Kind::Sitrep => Action::Sitrep,
                Kind::Status => Action::StatusUpdate,
            })
            .map_or_else(String::new, |k| format!(": {k} reopens it"));
        cx.flash_info(format!("{noun} draft kept{key}"));
        let mut cmds = vec![cx.desk.close(self.kind)];
        match cx.desk.save(self.kind, cx.now) {
            Some(Ok(c)) => cmds.push(c),
            Some(Err(e)) => cx.flash_error(format!("draft NOT saved: {e}")),
            None => {}
        }
        Outcome::close().with(cmds)
    }

    /// The next backend's preview (below 120 columns: open it first, close it after the
    /// last).
    fn preview_next(&self, cx: &mut Cockpit) {
        let wide = cx.size.0 >= WIDE_MIN_WIDTH;
        let n = cx
            .desk
            .backends
            .for_kind(self.kind.message_kind())
            .len()
            .max(1);
        if let Some(f) = cx.desk.form_mut(self.kind) {
            if !wide && !f.preview_open {
                f.preview_open = true;
            } else if !wide && f.preview_sel + 1 >= n {
                f.preview_open = false;
                f.preview_sel = 0;
            } else {
                f.preview_sel = (f.preview_sel + 1) % n;
            }
        }
        if let Some(inc) = &cx.inc {
            cx.desk.refresh(self.kind, inc, cx.now);
        }
    }

    fn set_stage(&self, cx: &mut Cockpit, stage: Stage) {
        let default = match &cx.inc {
            Some(inc) => status::next_update_default(inc, &cx.config.cadence, cx.now)
                .map(|t| duration::config_form(t.duration_since(cx.now)))
                .unwrap_or_default(),
            None => String::new(),
        };
        let changed = cx
            .desk
            .form_mut(Kind::Status)
            .is_some_and(|f| f.set_stage(stage, &default));
        if changed {
            self.changed(cx);
        }
    }

    /// The current health figures at the cursor: `API 5xx 9.4% (critical), p99 320ms`.
    fn insert_figures(&self, cx: &mut Cockpit) {
        let policy = cx.config.metrics.policy();
        let Some(line) = crate::domain::health::impact::figures_line(&policy, &cx.health.current())
        else {
            let why = if policy.is_empty() {
                "No health figures: [metrics] has no series"
            } else {
                "No health figures yet (see the header)"
            };
            cx.flash_info(why);
            return;
        };
        match cx.desk.form_mut(self.kind).map(|f| f.paste(&line)) {
            Some(None) => cx.flash_info("Tab to a text field first, then insert the figures"),
            Some(Some(true)) => self.changed(cx),
            _ => {}
        }
    }

    fn stage_step(&self, cx: &mut Cockpit, by: isize) {
        if let Some(s) = cx.desk.form(Kind::Status).map(|f| f.stage_step(by)) {
            self.set_stage(cx, s);
        }
    }

    /// A key on the stage selector of a status update.
    fn stage_key(&self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) {
        match (action, key.code) {
            (Some(Action::Left | Action::Up), _) => self.stage_step(cx, -1),
            (Some(Action::Right | Action::Down | Action::Confirm), _) | (_, KeyCode::Char(' ')) => {
                self.stage_step(cx, 1)
            }
            // Typing a stage's initial picks it.
            (_, KeyCode::Char(c)) => {
                let c = c.to_ascii_lowercase();
                if let Some(s) = Stage::ALL.into_iter().find(|s| s.as_str().starts_with(c)) {
                    self.set_stage(cx, s);
                }
            }
            _ => {}
        }
    }
}

impl Layer for Compose {
    fn key(&mut self, cx: &mut Cockpit, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Cancel | Action::Interrupt) => return self.close(cx),
            Some(Action::Send) => {
                let render = cx
                    .desk
                    .form(self.kind)
                    .map_or(0, |f| f.rendering.generation);
                return Outcome::go(Goto::Confirm(Intent::Send {
                    kind: self.kind,
                    render,
                }));
            }
            Some(Action::PreviewNext) => self.preview_next(cx),
            Some(Action::StageNext) if self.kind == Kind::Status => self.stage_step(cx, 1),
            Some(Action::InsertFigures) => self.insert_figures(cx),
            Some(a @ (Action::FocusNext | Action::FocusPrev)) => {
                if let Some(f) = cx.desk.form_mut(self.kind) {
                    f.focus_step(if a == Action::FocusNext { 1 } else { -1 });
                }
            }
            _ => {
                let Some(form) = cx.desk.form_mut(self.kind) else {
                    return Outcome::close();
                };
                if form.focused_field().is_none() {
                    self.stage_key(cx, action, key);
                } else if action == Some(Action::Confirm) && form.focused_one_line() {
                    form.focus_step(1);
                } else if form.input(key) {
                    self.changed(cx);
                }
            }
        }
        Outcome::stay()
    }

    fn paste(&mut self, cx: &mut Cockpit, text: &str) -> Outcome {
        match cx.desk.form_mut(self.kind).map(|f| f.paste(text)) {
            Some(None) => cx.flash_info("Paste ignored: Tab to a text field first"),
            Some(Some(true)) => self.changed(cx),
            _ => {}
        }
        Outcome::stay()
    }

    fn footer(&self, cx: &Cockpit) -> Vec<Foot> {
        let wide = cx.size.0 >= WIDE_MIN_WIDTH;
        let open = cx.desk.form(self.kind).is_some_and(|f| f.preview_open);
        let mut out = vec![
            Foot::keys(&[Action::Send]),
            Foot::label(&[Action::Cancel], "close (draft kept)"),
            Foot::label(&[Action::FocusNext], "next field"),
            Foot::label(
                &[Action::PreviewNext],
                if wide || open {
                    "next preview"
                } else {
                    "preview"
                },
            ),
        ];
        if self.kind == Kind::Status {
            out.push(Foot::keys(&[Action::StageNext]));
        }
        if !cx.config.metrics.series.is_empty() {
            out.push(Foot::keys(&[Action::InsertFigures]));
        }
        out.push(Foot::note("Ctrl-u/r", "undo/redo"));
        out
    }
}
