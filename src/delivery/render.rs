//! Shared rendering: one message -> title, headline, kind-specific body in Markdown-light, and
//! conversions to each receiver's dialect; length limits without ever failing.

use std::sync::LazyLock;

use regex::Regex;

use crate::domain::outbound::{MessageKind, OutboundMessage, PageAction};

/// Appended where text was cut.
pub const TRUNCATION_MARKER: &str = "… [truncated]";

pub fn severity_tag(severity: &str) -> String {
    format!("[{}]", severity.trim().to_uppercase())
}

/// Characters of the incident's title a page keeps: a page is read on a phone lock screen,
/// where the summary must show after the state, id and title.
pub const PAGE_TITLE_CHARS: usize = 30;

/// `[TEST] [MAJOR] INC-42 · Elevated API errors`; for a page the title is cut to
/// [`PAGE_TITLE_CHARS`] (with `…`) so that the summary after it stays visible.
pub fn title_line(msg: &OutboundMessage) -> String {
    let mut s = String::new();
    if msg.test {
        s.push_str("[TEST] ");
    }
    s.push_str(&severity_tag(&msg.severity));
    s.push(' ');
    s.push_str(&msg.incident_id);
    let title = msg.incident_title.trim();
    if !title.is_empty() {
        s.push_str(" · ");
        if msg.kind == MessageKind::Page && title.chars().count() > PAGE_TITLE_CHARS {
            let cut: String = title.chars().take(PAGE_TITLE_CHARS - 1).collect();
            s.push_str(cut.trim_end());
            s.push('…');
        } else {
            s.push_str(title);
        }
    }
    s
}

/// What a page says, as typed: a leading `[state] INC-…:` (which the title line already says,
/// and which messages queued by earlier versions carry) is removed; a drill's `[DRILL]` stays.
pub fn page_summary(msg: &OutboundMessage, summary: &str) -> String {
    let mut s = summary.trim();
    if let Some(rest) = s.strip_prefix('[')
        && let Some((tag, after)) = rest.split_once(']')
        && !tag.contains(' ')
        // A drill's mark is not a state: it stays.
        && !tag.eq_ignore_ascii_case("drill")
    {
        s = after.trim_start();
    }
    if !msg.incident_id.is_empty()
        && let Some(rest) = s.strip_prefix(msg.incident_id.as_str())
    {
        s = rest.trim_start_matches(':').trim_start();
    }
    if s.is_empty() {
        summary.trim().to_string()
    } else {
        s.to_string()
    }
}

/// The one-line headline a reader sees under the title line. A page's comes from what it
/// does (`Page: <summary>`, `Page resolved`), so the summary is said once whatever the
/// message's own headline holds.
pub fn headline(msg: &OutboundMessage) -> String {
    match (&msg.kind, &msg.page) {
        (MessageKind::Page, Some(PageAction::Trigger { summary, .. })) => {
            format!("Page: {}", page_summary(msg, summary))
        }
        (MessageKind::Page, Some(PageAction::Acknowledge)) => "Page acknowledged".into(),
        (MessageKind::Page, Some(PageAction::Resolve)) => "Page resolved".into(),
        (MessageKind::Page, Some(PageAction::Change { summary })) => summary.trim().to_string(),
        _ => msg.headline.trim().to_string(),
    }
}

/// A page as one line, for PagerDuty's summary and an email subject:
/// `[INVESTIGATING] INC-42 · Elevated API errors: API error rate above 5%`.
pub fn page_line(msg: &OutboundMessage) -> String {
    let what = match &msg.page {
        Some(PageAction::Trigger { summary, .. }) => page_summary(msg, summary),
        _ => headline(msg),
    };
    format!("{}: {what}", title_line(msg))
}

/// The headline with the receiver's ping-everyone token in place of a leading `@all` when
/// `mention_all`; otherwise unchanged.
pub fn headline_with_mention(msg: &OutboundMessage, token: &str) -> String {
    apply_mention(&headline(msg), msg.mention_all, token)
}

/// [`headline_with_mention`] on an already converted headline.
pub fn apply_mention(headline: &str, mention_all: bool, token: &str) -> String {
    let h = headline.trim();
    if !mention_all || token.is_empty() {
        return h.to_string();
    }
    if let Some(rest) = h.strip_prefix("@all") {
        format!("{token}{rest}")
    } else {
        format!("{token} {h}")
    }
}

/// Human name for a status stage.
pub fn stage_label(stage: &str) -> String {
    crate::domain::text::capitalised(stage.trim())
}

/// The kind-specific part of the message in Markdown-light (no title, no headline), saying
/// nothing the headline already says: a status update's body is its rendered text (what the
/// IC previewed), the structured fields only when there is none; a page has no body unless
/// it adds to its summary.
pub fn body_markdown(msg: &OutboundMessage) -> String {
    let body = msg.body.trim_end();
    let has_body = !body.trim().is_empty();
    match msg.kind {
        MessageKind::Status if !has_body => {
            let mut out: Vec<String> = Vec::new();
            if let Some(st) = &msg.status {
                out.push(format!(
                    "**{}**: {}",
                    stage_label(&st.stage),
                    st.message.trim()
                ));
                if let Some(w) = st.workaround.as_deref().filter(|w| !w.trim().is_empty()) {
                    out.push(format!("Workaround: {}", w.trim()));
                }
                if !st.components.is_empty() {
                    out.push("Components:".into());
                    for (name, status) in &st.components {
                        out.push(format!("- {name}: {}", status.replace('_', " ")));
                    }
                }
                if let Some(n) = st.next_update.as_deref().filter(|n| !n.trim().is_empty()) {
                    out.push(format!("Next update: {}", n.trim()));
                }
            }
            out.join("\n")
        }
        // A trigger's details, when they add to its summary; nothing else (a resolution's
        // "Incident resolved" from earlier versions included).
        MessageKind::Page => match &msg.page {
            Some(PageAction::Trigger { summary, .. }) if has_body => {
                let summary = page_summary(msg, summary);
                let b = body.trim();
                if b.contains(&summary) || summary.contains(page_summary(msg, b).as_str()) {
                    String::new()
                } else {
                    body.to_string()
                }
            }
            _ => String::new(),
        },
        _ if has_body => body.to_string(),
        _ => String::new(),
    }
}

/// Title (bold), headline, blank line, body: the common Markdown rendering.
pub fn full_markdown(msg: &OutboundMessage, mention_token: &str) -> String {
    let mut s = format!(
        "**{}**\n{}",
        title_line(msg),
        headline_with_mention(msg, mention_token)
    );
    let body = body_markdown(msg);
    if !body.is_empty() {
        s.push_str("\n\n");
        s.push_str(&body);
    }
    s
}

/// Plain text: title, headline, body with Markdown markers removed.
pub fn full_plain(msg: &OutboundMessage, mention_token: &str) -> String {
    let mut s = format!(
        "{}\n{}",
        title_line(msg),
        headline_with_mention(msg, mention_token)
    );
    let body = md_to_plain(&body_markdown(msg));
    if !body.is_empty() {
        s.push_str("\n\n");
        s.push_str(&body);
    }
    s
}

static BOLD: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\*\*([^*\n]+?)\*\*").ok());
static CODE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"`([^`\n]+)`").ok());
static HEADING: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^#{1,6}\s+(.*)$").ok());

fn replace_all(re: &LazyLock<Option<Regex>>, text: &str, rep: &str) -> String {
    match re.as_ref() {
        Some(r) => r.replace_all(text, rep).into_owned(),
        None => text.to_string(),
    }
}

fn heading_text(line: &str) -> Option<String> {
    HEADING
        .as_ref()
        .and_then(|r| r.captures(line))
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim().to_string())
}

fn bullet_text(line: &str) -> Option<(&str, &str)> {
    let indent_len = line.len() - line.trim_start().len();
    let rest = &line[indent_len..];
    rest.strip_prefix("- ")
        .or_else(|| rest.strip_prefix("* "))
        .map(|r| (&line[..indent_len], r))
}

/// Slack's mrkdwn escaping: `&`, `<` and `>` (what its control sequences are made of).
pub fn escape_slack(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Slack mrkdwn: escape `& < >`, `**b**` -> `*b*`, headings bold, bullets as `•`.
pub fn md_to_slack(md: &str) -> String {
    md.lines()
        .map(|line| {
            let esc = escape_slack(line);
            if let Some(h) = heading_text(&esc) {
                return format!("*{}*", replace_all(&BOLD, &h, "$1"));
            }
            let (indent, rest) = bullet_text(&esc).map_or(("", esc.as_str()), |(i, r)| (i, r));
            let bullet = if bullet_text(&esc).is_some() {
                "• "
            } else {
                ""
            };
            format!("{indent}{bullet}{}", replace_all(&BOLD, rest, "*$1*"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Plain text: bold and code markers removed, headings as their text.
pub fn md_to_plain(md: &str) -> String {
    md.lines()
        .map(|line| {
            let l = heading_text(line).unwrap_or_else(|| line.to_string());
            replace_all(&CODE, &replace_all(&BOLD, &l, "$1"), "$1")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A Markdown subset without headings (Teams TextBlock): headings become bold lines.
pub fn md_headings_to_bold(md: &str) -> String {
    md.lines()
        .map(|line| match heading_text(line) {
            Some(h) => format!("**{}**", replace_all(&BOLD, &h, "$1")),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// HTML for Matrix `formatted_body`: escaped, bold, code, headings as bold, line breaks.
pub fn md_to_html(md: &str) -> String {
    md.lines()
        .map(|line| {
            let esc = escape_html(line);
            let inline = |s: &str| {
                replace_all(
                    &CODE,
                    &replace_all(&BOLD, s, "<b>$1</b>"),
                    "<code>$1</code>",
                )
            };
            match heading_text(&esc) {
                Some(h) => format!("<b>{}</b>", inline(&h)),
                None => match bullet_text(&esc) {
                    Some((_, rest)) => format!("• {}", inline(rest)),
                    None => inline(&esc),
                },
            }
        })
        .collect::<Vec<_>>()
        .join("<br>\n")
}

/// Cuts `text` to at most `max` characters (marker included), preferring a line break.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let marker_len = TRUNCATION_MARKER.chars().count() + 1;
    let keep = max.saturating_sub(marker_len);
    let cut: String = text.chars().take(keep).collect();
    let cut = match cut.rfind('\n') {
        Some(i) if i > cut.len() / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{}\n{TRUNCATION_MARKER}", cut.trim_end())
}

/// Cuts `text` to at most `max` bytes (marker included) on a char boundary.
pub fn truncate_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(TRUNCATION_MARKER.len() + 1);
    let mut end = keep.min(text.len());
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n{TRUNCATION_MARKER}", text[..end].trim_end())
}

/// Splits `text` into parts of at most `max` characters, at line breaks where possible, else at
/// spaces, else anywhere (on a char boundary). Never returns an empty list.
pub fn split_chars(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut parts = Vec::new();
    let mut rest = text;
    while rest.chars().count() > max {
        let byte_limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let window = &rest[..byte_limit];
        let split_at = window
            .rfind('\n')
            .filter(|&i| i > 0)
            .or_else(|| window.rfind(' ').filter(|&i| i > 0))
            .unwrap_or(byte_limit);
        parts.push(rest[..split_at].trim_end().to_string());
        rest = rest[split_at..].trim_start_matches(['\n', ' ']);
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest.to_string());
    }
    parts
}

/// `s` with every character but letters, digits, `-`, `_` and `.` as `_` (letters and
/// digits: ASCII only with `ascii`), for a file name or a mail header.
pub fn safe_chars(s: &str, ascii: bool) -> String {
    s.chars()
        .map(|c| {
            let kept = if ascii {
                c.is_ascii_alphanumeric()
            } else {
                c.is_alphanumeric()
            };
            if kept || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::outbound::StatusPayload;

    pub(crate) fn msg(kind: MessageKind) -> OutboundMessage {
        OutboundMessage {
            id: "INC-42.m3".into(),
            incident_id: "INC-42".into(),
            incident_title: "API errors".into(),
            severity: "major".into(),
            kind,
            headline: "@all: IC -> Ricardo".into(),
            body: "# Impact\n**EU** customers & <partners>\n- item one".into(),
            mention_all: true,
            status: None,
            page: None,
            test: false,
        }
    }

    #[test]
    fn title_and_mentions() {
        let mut m = msg(MessageKind::Announcement);
        assert_eq!(title_line(&m), "[MAJOR] INC-42 · API errors");
        assert_eq!(
            headline_with_mention(&m, "<!channel>"),
            "<!channel>: IC -> Ricardo"
        );
        m.mention_all = false;
        assert_eq!(
            headline_with_mention(&m, "<!channel>"),
            "@all: IC -> Ricardo"
        );
        m.test = true;
        assert!(title_line(&m).starts_with("[TEST] "));
        m.headline = "Sitrep".into();
        m.mention_all = true;
        assert_eq!(headline_with_mention(&m, "@room"), "@room Sitrep");
    }

    #[test]
    fn dialects() {
        let md = "# Impact\n**EU** customers & <partners>\n- item `x`";
        assert_eq!(
            md_to_slack(md),
            "*Impact*\n*EU* customers &amp; &lt;partners&gt;\n• item `x`"
        );
        assert_eq!(
            md_to_plain(md),
            "Impact\nEU customers & <partners>\n- item x"
        );
        assert_eq!(
            md_to_html(md),
            "<b>Impact</b><br>\n<b>EU</b> customers &amp; &lt;partners&gt;<br>\n• item <code>x</code>"
        );
        assert_eq!(md_headings_to_bold("## A\nb"), "**A**\nb");
    }

    #[test]
    fn status_body() {
        let mut m = msg(MessageKind::Status);
        m.body = String::new();
        m.status = Some(StatusPayload {
            stage: "identified".into(),
            message: "Fix rolling out".into(),
            workaround: Some("Retry".into()),
            components: vec![("api".into(), "partial_outage".into())],
            next_update: Some("15:30 UTC".into()),
        });
        assert_eq!(
            body_markdown(&m),
            "**Identified**: Fix rolling out\nWorkaround: Retry\nComponents:\n- api: partial outage\nNext update: 15:30 UTC"
        );
    }

    #[test]
    fn splitting_and_truncating_never_fail() {
        let text = "line one\n".repeat(500);
        let parts = split_chars(&text, 2000);
        assert!(parts.len() >= 3);
        assert!(parts.iter().all(|p| p.chars().count() <= 2000));
        assert_eq!(parts.concat().replace('\n', ""), text.replace('\n', ""));
        let emoji = "😀".repeat(4500);
        let parts = split_chars(&emoji, 2000);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.chars().count() <= 2000));
        assert_eq!(split_chars("", 10), vec![String::new()]);

        let t = truncate_chars(&text, 100);
        assert!(t.chars().count() <= 100 && t.ends_with(TRUNCATION_MARKER));
        let b = truncate_bytes(&emoji, 101);
        assert!(b.len() <= 101 && b.ends_with(TRUNCATION_MARKER));
        assert_eq!(truncate_chars("short", 100), "short");
    }
}
