//! What a drill adds to the screen: the banner (always on screen, in the
//! header) and the decision prompt.

use crate::app::drill::Decision;
use crate::app::model::Model;
use crate::ui::Canvas;
use crate::ui::dialog::popup;
use crate::ui::text::{clean, fit, truncate, width};
use crate::ui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The banner text, e.g. ` DRILL 10x +12m/1h `, when the cockpit runs a drill.
pub fn banner(m: &Model) -> Option<String> {
    m.drill.as_ref().map(|d| d.banner(m.now))
}

/// The banner's style: reversed and bold, so that it stands out without colour.
pub fn banner_style(theme: &Theme) -> Style {
    theme
        .warn()
        .add_modifier(Modifier::REVERSED | Modifier::BOLD)
}

/// The decision prompt over the cockpit.
pub fn decision(d: &Decision, theme: &Theme, f: &mut Buffer) {
    let area = f.screen();
    let width = area.width.saturating_sub(6).min(72);
    let h = (d.options.len() as u16 + 8).min(area.height.saturating_sub(2));
    let inner = popup(f, theme, width, h, "DRILL: a decision is needed");
    let w = inner.width as usize;
    let mut lines: Vec<Line> = wrap(&clean(&d.question), w)
        .into_iter()
        .map(|l| Line::styled(l, theme.bold()))
        .collect();
    lines.push(Line::raw(""));
    for (i, o) in d.options.iter().enumerate() {
        let selected = i == d.sel;
        let style = if selected {
            theme.selected()
        } else {
            theme.plain()
        };
        let marker = if selected { "› " } else { "  " };
        let text = if i < 9 {
            format!("{} {}", i + 1, clean(o))
        } else {
            format!("  {}", clean(o))
        };
        lines.push(Line::from(vec![
            Span::styled(marker, style),
            Span::styled(fit(&text, w.saturating_sub(2)), style),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("1-9/Enter", theme.key()),
        Span::raw(" answer (journaled)   "),
        Span::styled("Esc", theme.key()),
        Span::raw(" later"),
    ]));
    f.render_widget(Paragraph::new(lines), inner);
}

/// Greedy word wrap to `w` columns (a word longer than a line is cut).
fn wrap(s: &str, w: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        if !cur.is_empty() && width(&cur) + 1 + width(word) > w {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out.into_iter().map(|l| truncate(&l, w)).collect()
}
