//! The remediation items of an incident (`M`): id, owner, open or done, text; with the text
//! field for a new item (text, then owner) or a new owner over it. Shown after resolution too.

use crate::app::edit::LineEdit;
use crate::app::model::Model;
use crate::app::panel::RemediationStep;
use crate::ui::Canvas;
use crate::ui::dialog::popup;
use crate::ui::panel::{big, field, fit_with_footer, footer};
use crate::ui::text::{clean, fit, truncate};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const OWNER_COLS: usize = 16;

pub fn render(
    m: &Model,
    theme: &Theme,
    sel: usize,
    typing: Option<(&RemediationStep, &LineEdit)>,
    f: &mut Buffer,
) {
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
        let base = if selected {
            theme.selected()
        } else {
            theme.plain()
        };
        let marker = if selected { "› " } else { "  " };
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
        let head = format!("{marker}#{:<3} ", r.id);
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
    let body_h = inner.height.saturating_sub(1) as usize;
    let lines = fit_with_footer(
        lines,
        body_h,
        theme,
        &[
            ("a".into(), "add".into()),
            ("o".into(), "assign".into()),
            ("Space/x".into(), "done".into()),
            ("↑↓".into(), "move".into()),
            ("Esc".into(), "close".into()),
        ],
    );
    f.render_widget(Paragraph::new(lines), inner);
    if let Some((step, input)) = typing {
        let title = match step {
            RemediationStep::Text => "New remediation item: what needs doing?".to_string(),
            RemediationStep::Owner { text } => format!(
                "Owner of \"{}\"? (empty: unassigned)",
                truncate(&clean(text), 40)
            ),
            RemediationStep::Assign { id } => format!("Assign remediation #{id} to?"),
        };
        let area = f.screen();
        let pw = area.width.saturating_sub(6).min(72);
        let inner = popup(f, theme, pw, 6, &title);
        let lines = vec![
            field(input, theme, inner.width as usize),
            Line::raw(""),
            footer(
                theme,
                &[
                    ("Enter".into(), "confirm".into()),
                    ("Esc".into(), "cancel".into()),
                ],
            ),
        ];
        f.render_widget(Paragraph::new(lines), inner);
    }
}
