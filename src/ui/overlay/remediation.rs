//! The remediation items of an incident (`M`): id, owner, open or done, text; with the text
//! field for a new item (text, then owner) or a new owner over it. Shown after resolution too.

use crate::app::model::Model;
use crate::app::overlay::remediation::{Remediation, RemediationStep};
use crate::app::overlay::step::Layer;
use crate::ui::text::{clean, fit, truncate};
use crate::ui::theme::Theme;
use crate::ui::widgets::{big, field_popup, footer, with_footer};
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};

const OWNER_COLS: usize = 16;

pub fn render(m: &Model, theme: &Theme, o: &Remediation, f: &mut Buffer) {
    let sel = o.sel;
    let Some(inc) = &m.inc else {
        return;
    };
    let items = &inc.followup.remediations;
    let open = items.iter().filter(|r| !r.is_done()).count();
    let title = format!("Remediation · {} · {open} open of {}", inc.id, items.len());
    let inner = big(f, theme, &title);
    let w = inner.width as usize;
    let sel = sel.min(items.len().saturating_sub(1));
    let mut lines = Vec::new();
    for (i, r) in items.iter().enumerate() {
        let selected = i == sel;
        let (base, marker) = theme.row(selected);
        let (status, st_style) = if r.is_done() {
            ("done", theme.good())
        } else {
            ("open", theme.warn())
        };
        let owner = match &r.owner {
            Some(o) => (clean(o), base),
            None => (
                "(unassigned)".to_string(),
                if selected { base } else { theme.dim() },
            ),
        };
        let head = format!("{marker}#{:<3} ", r.label());
        let used = head.chars().count() + OWNER_COLS + 1 + 5;
        lines.push(Line::from(vec![
            Span::styled(head, base),
            Span::styled(fit(&owner.0, OWNER_COLS), owner.1),
            Span::styled(" ", base),
            Span::styled(format!("{status} "), if selected { base } else { st_style }),
            Span::styled(truncate(&clean(&r.text), w.saturating_sub(used)), base),
        ]));
    }
    if items.is_empty() {
        lines.push(Line::styled(
            "No remediation items yet: a adds one (they outlive the incident).",
            theme.dim(),
        ));
    }
    let foot = footer(theme, &m.keymap, &Remediation::list_footer());
    with_footer(f, inner, lines, foot);
    if let Some(t) = &o.typing {
        let title = match &t.step {
            RemediationStep::Text => "New remediation item: what needs doing?".to_string(),
            RemediationStep::Owner { text } => format!(
                "Owner of \"{}\"? (empty: unassigned)",
                truncate(&clean(text), 40)
            ),
            RemediationStep::Assign { item } => format!(
                "Assign remediation #{} to?",
                m.cx.inc
                    .as_ref()
                    .and_then(|i| i.remediation(item))
                    .map_or_else(|| item.id.to_string(), |r| r.label())
            ),
        };
        let foot = footer(theme, &m.keymap, &o.footer(&m.cx));
        field_popup(f, theme, &title, &t.input, foot);
    }
}
