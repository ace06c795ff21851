//! The cleanup checklist of a resolved incident (`C`; opened by resolving): each item done
//! (who, when) or skipped (who, when, why); the incident is closed when none is left.

use crate::app::model::Model;
use crate::app::overlay::cleanup::Cleanup;
use crate::app::overlay::step::Layer;
use crate::domain::followup::{CleanupOutcome, utc_hm};
use crate::ui::text::{clean, fit, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::{big, field_popup, footer, with_footer};
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};

const ITEM_COLS: usize = 34;

pub fn render(m: &Model, theme: &Theme, o: &Cleanup, f: &mut Buffer) {
    let sel = o.sel;
    let Some(inc) = &m.inc else {
        return;
    };
    let c = &inc.followup.cleanup;
    let done = c.marks.iter().filter(|x| x.is_some()).count();
    let title = match c.opened_at {
        Some(at) => format!(
            "Cleanup · {} · opened {} · {done} of {} done",
            inc.id,
            utc_hm(at),
            c.items.len()
        ),
        None => format!("Cleanup · {} · opens when the incident is resolved", inc.id),
    };
    let inner = big(f, theme, &title);
    let w = inner.width as usize;
    let sel = sel.min(c.items.len().saturating_sub(1));
    let mut lines = Vec::new();
    for (i, (item, mark)) in c.rows().enumerate() {
        let selected = i == sel;
        let (base, marker) = theme.row(selected);
        let (tick, note, note_style) = match mark {
            None => ("[ ]", String::new(), theme.dim()),
            Some(mk) => match &mk.outcome {
                CleanupOutcome::Done { note } => (
                    "[x]",
                    format!(
                        "done by {} at {}{}",
                        mk.by,
                        utc_hm(mk.at),
                        note.as_deref()
                            .map(|n| format!(": {n}"))
                            .unwrap_or_default()
                    ),
                    theme.good(),
                ),
                CleanupOutcome::Skipped { reason } => (
                    "[-]",
                    format!("skipped by {} at {}: {reason}", mk.by, utc_hm(mk.at)),
                    theme.warn(),
                ),
            },
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{tick} {}. ", i + 1), base),
            Span::styled(fit(&clean(item), ITEM_COLS), base.patch(theme.bold())),
            Span::raw(" "),
            Span::styled(
                truncate(&clean(&note), w.saturating_sub(ITEM_COLS + 10)),
                if selected { base } else { note_style },
            ),
        ]));
    }
    lines.push(Line::raw(""));
    if inc.closed() {
        lines.push(Line::styled(
            "CLOSED: every item is done or skipped.",
            theme.good(),
        ));
    } else if c.opened_at.is_some() {
        lines.push(Line::styled(
            format!(
                "{} left: the incident is closed when every item is done or skipped.",
                c.items.len() - done
            ),
            theme.warn(),
        ));
    } else {
        lines.push(Line::styled(
            "Resolving the incident opens this list (from [cleanup] items).",
            theme.dim(),
        ));
    }
    let foot = footer(theme, &m.keymap, &Cleanup::list_footer());
    with_footer(f, inner, lines, foot);
    if let Some(skip) = &o.skipping {
        let title = format!("Skip \"{}\": why?", clean(&skip.item));
        let foot = footer(theme, &m.keymap, &o.footer(&m.cx));
        field_popup(f, theme, &title, &skip.input, foot);
    }
}
