//! The sitrep (doctrine section 5): prefill from the incident, render through a template,
//! version, diff. Pure: no IO, no clock (the send time is passed in).
//!
//! The cockpit's composer and the headless `sitrep send` share this code:
//! [`prefill`] for the form, [`preview`] while typing, [`compose`] on send (it validates, renders
//! and returns the [`Payload::SitrepSent`] to journal). IC, Comms and responders always come from
//! the roster ([`SitrepPeople::from_roster`]), never from the form.

use crate::domain::event::{Link, Payload, Severity, SitrepFields};
use crate::domain::incident::Incident;
use crate::domain::role::Role;
use crate::domain::template::{Prepared, Template, TemplateError};
use crate::domain::text::{one_line, strip_control};
use jiff::Timestamp;
use serde::Serialize;

/// Longest a sitrep field may be, in characters.
pub const MAX_FIELD_CHARS: usize = 20_000;
/// Most links a sitrep may carry.
pub const MAX_LINKS: usize = 50;

/// Who is on the incident, as the sitrep names them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SitrepPeople {
    pub ic: Option<String>,
    pub comms: Option<String>,
    /// Everyone else on duty, in roster order (on a break or not).
    pub responders: Vec<String>,
    /// Operations groups with someone on the roster, by name.
    pub groups: Vec<String>,
}

impl SitrepPeople {
    /// The roster now: the IC and Comms holders, and every other person on duty.
    pub fn from_roster(inc: &Incident) -> SitrepPeople {
        let ic = inc.holder(&Role::Ic).map(|h| h.name.clone());
        let comms = inc.holder(&Role::Comms).map(|h| h.name.clone());
        let responders = inc
            .on_duty()
            .map(|p| p.name.clone())
            .filter(|n| Some(n) != ic.as_ref() && Some(n) != comms.as_ref())
            .collect();
        let groups = inc
            .groups
            .values()
            .filter(|g| !g.members.is_empty())
            .map(|g| g.name.clone())
            .collect();
        SitrepPeople {
            ic,
            comms,
            responders,
            groups,
        }
    }
}

/// Incident details a template may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SitrepMeta {
    pub id: String,
    pub title: String,
    pub state: Severity,
    /// The version being rendered.
    pub version: u32,
    /// When it is (or would be) sent.
    pub at: Timestamp,
}

impl SitrepMeta {
    /// The meta of the next version of `inc`'s sitrep, sent at `now`.
    pub fn next(inc: &Incident, now: Timestamp) -> SitrepMeta {
        SitrepMeta {
            id: inc.id.clone(),
            title: inc.title.clone(),
            state: inc.state,
            version: next_version(inc),
            at: now,
        }
    }
}

/// A sitrep that cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SitrepError {
    #[error("a sitrep needs a summary (what is broken)")]
    NoSummary,
    #[error("sitrep {field} is too long ({chars} characters, at most {MAX_FIELD_CHARS})")]
    TooLong { field: &'static str, chars: usize },
    #[error("link {index}: {reason}")]
    BadLink { index: usize, reason: String },
    #[error("a sitrep can carry at most {MAX_LINKS} links")]
    TooManyLinks,
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Numbering(#[from] crate::domain::incident::DomainError),
}

/// The version the next sitrep gets: one more than the highest sent (v1 first). Saturates at
/// the largest version (a hand-edited journal): [`compose`] then refuses to send.
pub fn next_version(inc: &Incident) -> u32 {
    inc.sitreps
        .iter()
        .map(|s| s.version)
        .max()
        .unwrap_or(0)
        .saturating_add(1)
}

/// The line marking an open hypothesis in the needs field.
fn hypothesis_line(text: &str) -> String {
    format!("- Open question: {}", one_line(text))
}

/// The form's starting point. From the last sitrep if there is one (its text is the best
/// draft of the next), updated with what the incident learned since: a newer impact statement,
/// hypotheses opened since (added to needs) or ruled out (their line removed), incident links
/// no sitrep has carried yet.
/// Without a sitrep: the title as summary, the impact statement, open hypotheses, links.
pub fn prefill(inc: &Incident) -> SitrepFields {
    let last = inc.last_sitrep();
    let since = last.map(|s| s.at);
    let mut f = last.map(|s| s.fields.clone()).unwrap_or_default();
    if f.summary.trim().is_empty() {
        f.summary = inc.title.clone();
    }
    let impact_newer = match (inc.impact.updated_at, since) {
        (Some(u), Some(s)) => u > s,
        (Some(_), None) => true,
        _ => false,
    };
    if impact_newer && !inc.impact.text.trim().is_empty() {
        f.impact = inc.impact.text.clone();
    }
    // Needs: drop lines of hypotheses since ruled out, add those opened since.
    let ruled_out: Vec<String> = inc
        .hypotheses
        .iter()
        .filter(|h| h.ruled_out.is_some())
        .map(|h| hypothesis_line(&h.text))
        .collect();
    let mut lines: Vec<String> = f
        .needs
        .lines()
        .filter(|l| !ruled_out.iter().any(|r| r == l.trim_end()))
        .map(str::to_string)
        .collect();
    for h in inc.hypotheses.iter().filter(|h| h.ruled_out.is_none()) {
        let line = hypothesis_line(&h.text);
        let new = since.is_none_or(|s| h.added_at > s);
        if new && !lines.iter().any(|l| l.trim_end() == line) {
            lines.push(line);
        }
    }
    f.needs = lines.join("\n").trim().to_string();
    // Incident links not yet offered: a link a previous sitrep carried and a later one
    // dropped stays dropped.
    let offered = |url: &str| {
        inc.sitreps
            .iter()
            .any(|s| s.fields.links.iter().any(|l| l.url == url))
    };
    for (label, url) in &inc.links {
        if !f.links.iter().any(|l| &l.url == url) && !offered(url) {
            f.links.push(Link {
                label: label.clone(),
                url: url.clone(),
            });
        }
    }
    f
}

/// Cleans the fields for sending: control characters removed (newlines kept), ends trimmed,
/// link labels and urls on one line, empty links dropped.
pub fn clean(fields: &SitrepFields) -> SitrepFields {
    let text = |s: &str| strip_control(s).trim().to_string();
    SitrepFields {
        summary: text(&fields.summary),
        impact: text(&fields.impact),
        actions: text(&fields.actions),
        needs: text(&fields.needs),
        links: fields
            .links
            .iter()
            .map(|l| Link {
                label: one_line(&l.label),
                url: one_line(&l.url),
            })
            .filter(|l| !(l.label.is_empty() && l.url.is_empty()))
            .collect(),
    }
}

/// Checks cleaned fields: a summary, lengths, links with a label and an http(s) url.
pub fn validate(fields: &SitrepFields) -> Result<(), SitrepError> {
    if fields.summary.trim().is_empty() {
        return Err(SitrepError::NoSummary);
    }
    for (field, value) in fields.texts() {
        let chars = value.chars().count();
        if chars > MAX_FIELD_CHARS {
            return Err(SitrepError::TooLong { field, chars });
        }
    }
    if fields.links.len() > MAX_LINKS {
        return Err(SitrepError::TooManyLinks);
    }
    for (i, l) in fields.links.iter().enumerate() {
        let bad = |reason: String| SitrepError::BadLink {
            index: i + 1,
            reason,
        };
        if l.label.trim().is_empty() {
            return Err(bad(format!("{:?} has no label", l.url)));
        }
        if l.label.chars().count() > 200 {
            return Err(bad("label too long (at most 200 characters)".into()));
        }
        let lower = l.url.to_lowercase();
        let scheme_ok = lower.starts_with("http://") || lower.starts_with("https://");
        if !scheme_ok || l.url.contains(char::is_whitespace) || l.url.len() < 10 {
            return Err(bad(format!("{:?} is not an http(s) URL", l.url)));
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct IncidentCtx<'a> {
    id: &'a str,
    title: &'a str,
    state: &'static str,
    state_word: &'static str,
    level: Option<u8>,
}

#[derive(Serialize)]
struct SitrepCtx<'a> {
    summary: &'a str,
    impact: &'a str,
    actions: &'a str,
    needs: &'a str,
    links: &'a [Link],
    ic: Option<&'a str>,
    comms: Option<&'a str>,
    responders: &'a [String],
    groups: &'a [String],
    version: u32,
    sent_at: String,
    incident: IncidentCtx<'a>,
}

fn context<'a>(
    fields: &'a SitrepFields,
    people: &'a SitrepPeople,
    meta: &'a SitrepMeta,
) -> SitrepCtx<'a> {
    SitrepCtx {
        summary: &fields.summary,
        impact: &fields.impact,
        actions: &fields.actions,
        needs: &fields.needs,
        links: &fields.links,
        ic: people.ic.as_deref(),
        comms: people.comms.as_deref(),
        responders: &people.responders,
        groups: &people.groups,
        version: meta.version,
        sent_at: meta.at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        incident: IncidentCtx {
            id: &meta.id,
            title: &meta.title,
            state: meta.state.label(),
            state_word: meta.state.word(),
            level: meta.state.level(),
        },
    }
}

/// Renders the sitrep text. The fields are used as given (call [`clean`] first when they come
/// from a user); their text is passed through, never interpreted or escaped.
pub fn render(
    fields: &SitrepFields,
    people: &SitrepPeople,
    template: &Template,
    meta: &SitrepMeta,
) -> Result<String, TemplateError> {
    template.render(context(fields, people, meta))
}

/// What the next sitrep would look like if sent at `now`: the composer's preview.
pub fn preview(
    inc: &Incident,
    fields: &SitrepFields,
    template: &Template,
    now: Timestamp,
) -> Result<String, TemplateError> {
    render(
        &clean(fields),
        &SitrepPeople::from_roster(inc),
        template,
        &SitrepMeta::next(inc, now),
    )
}

/// The sitrep the fields make if sent at `now`, before its render: the template's context
/// (cleaned fields, the roster, the next version) and the payload to journal once rendered,
/// or why it cannot be sent. The cockpit renders the context once, shows it, and sends it.
pub fn prepare(inc: &Incident, fields: &SitrepFields, now: Timestamp) -> Prepared {
    let fields = clean(fields);
    let people = SitrepPeople::from_roster(inc);
    let meta = SitrepMeta::next(inc, now);
    let context = minijinja::Value::from_serialize(context(&fields, &people, &meta));
    let send = sendable(inc, &fields)
        .map(|()| payload(&meta, fields, people, String::new()))
        .map_err(|e| e.to_string());
    Prepared { context, send }
}

/// Whether cleaned fields can be sent as the next version.
fn sendable(inc: &Incident, fields: &SitrepFields) -> Result<(), SitrepError> {
    validate(fields)?;
    crate::domain::incident::next_number("sitrep version", inc.sitreps.iter().map(|s| s.version))?;
    Ok(())
}

fn payload(
    meta: &SitrepMeta,
    fields: SitrepFields,
    people: SitrepPeople,
    rendered: String,
) -> Payload {
    Payload::SitrepSent {
        version: meta.version,
        fields,
        rendered,
        ic: people.ic,
        comms: people.comms,
        responders: people.responders,
        groups: people.groups,
    }
}

/// Sends: cleans and validates the fields, takes the people from the roster, renders, and
/// returns the payload to journal (version N+1, the rendered text, the groups on the roster).
pub fn compose(
    inc: &Incident,
    fields: &SitrepFields,
    template: &Template,
    now: Timestamp,
) -> Result<Payload, SitrepError> {
    let fields = clean(fields);
    sendable(inc, &fields)?;
    let people = SitrepPeople::from_roster(inc);
    let meta = SitrepMeta::next(inc, now);
    let rendered = render(&fields, &people, template, &meta)?;
    Ok(payload(&meta, fields, people, rendered))
}

/// How a line changed between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffTag {
    Same,
    Added,
    Removed,
}

/// One line of a line diff (without its newline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub tag: DiffTag,
    pub text: String,
}

impl DiffLine {
    /// `+ text`, `- text` or `  text` (an empty unchanged line stays empty).
    pub fn marked(&self) -> String {
        let mark = match self.tag {
            DiffTag::Same => ' ',
            DiffTag::Added => '+',
            DiffTag::Removed => '-',
        };
        if self.text.is_empty() {
            mark.to_string().trim_end().to_string()
        } else {
            format!("{mark} {}", self.text)
        }
    }
}

/// Line diff from `prev` to `next` (every line, unchanged ones included). A missing final
/// newline is not a difference.
pub fn diff(prev: &str, next: &str) -> Vec<DiffLine> {
    let norm = |s: &str| {
        let mut s = s.replace("\r\n", "\n");
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
        s
    };
    let (a, b) = (norm(prev), norm(next));
    similar::TextDiff::from_lines(&a, &b)
        .iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                similar::ChangeTag::Equal => DiffTag::Same,
                similar::ChangeTag::Insert => DiffTag::Added,
                similar::ChangeTag::Delete => DiffTag::Removed,
            },
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

/// The diff as text, one marked line each (see [`DiffLine::marked`]).
pub fn diff_text(lines: &[DiffLine]) -> String {
    lines
        .iter()
        .map(DiffLine::marked)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::domain::event::{Event, FORMAT_VERSION};

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + min * 60).unwrap()
    }

    fn incident(payloads: Vec<(i64, Payload)>) -> Incident {
        let mut events = vec![Event {
            v: FORMAT_VERSION,
            seq: 1,
            ts: at(0),
            actor: "alice".into(),
            payload: Payload::opened("INC-1", "API errors", "alice"),
            rep: Default::default(),
        }];
        for (i, (m, p)) in payloads.into_iter().enumerate() {
            events.push(Event {
                v: FORMAT_VERSION,
                seq: i as u64 + 2,
                ts: at(m),
                actor: "alice".into(),
                payload: p,
                rep: Default::default(),
            });
        }
        Incident::replay(&events).unwrap()
    }

    #[test]
    fn prefill_without_a_sitrep_uses_title_impact_hypotheses_links() {
        let inc = incident(vec![
            (1, Payload::ImpactUpdated { text: "EU".into() }),
            (
                2,
                Payload::HypothesisAdded {
                    id: 1,
                    text: "dns".into(),
                    origin: None,
                },
            ),
            (
                3,
                Payload::HypothesisAdded {
                    id: 2,
                    text: "lb".into(),
                    origin: None,
                },
            ),
            (
                4,
                Payload::HypothesisRuledOut {
                    id: 2,
                    reason: None,
                    of: None,
                },
            ),
            (
                5,
                Payload::LinkAdded {
                    label: "Ticket".into(),
                    url: "https://t.example/1".into(),
                },
            ),
        ]);
        let f = prefill(&inc);
        assert_eq!(f.summary, "API errors");
        assert_eq!(f.impact, "EU");
        assert_eq!(f.needs, "- Open question: dns");
        assert_eq!(f.links.len(), 1);
    }

    #[test]
    fn prefill_carries_the_last_sitrep_forward_with_what_changed() {
        let sent = SitrepFields {
            summary: "DB failover".into(),
            impact: "old impact".into(),
            actions: "restoring".into(),
            needs: "- Open question: dns\nmore hands".into(),
            links: vec![],
        };
        let inc = incident(vec![
            (
                1,
                Payload::HypothesisAdded {
                    id: 1,
                    text: "dns".into(),
                    origin: None,
                },
            ),
            (
                2,
                Payload::SitrepSent {
                    version: 1,
                    fields: sent,
                    rendered: "r".into(),
                    ic: None,
                    comms: None,
                    responders: vec![],
                    groups: vec![],
                },
            ),
            (
                3,
                Payload::HypothesisRuledOut {
                    id: 1,
                    reason: None,
                    of: None,
                },
            ),
            (
                4,
                Payload::HypothesisAdded {
                    id: 2,
                    text: "disk".into(),
                    origin: None,
                },
            ),
            (
                5,
                Payload::ImpactUpdated {
                    text: "all regions".into(),
                },
            ),
        ]);
        let f = prefill(&inc);
        assert_eq!(f.summary, "DB failover");
        assert_eq!(f.actions, "restoring");
        assert_eq!(f.impact, "all regions");
        assert_eq!(f.needs, "more hands\n- Open question: disk");
        assert_eq!(next_version(&inc), 2);
    }

    #[test]
    fn people_come_from_the_roster() {
        let inc = incident(vec![
            (
                1,
                Payload::RoleHandedOff {
                    role: Role::Comms,
                    from: None,
                    to: "Keiko".into(),
                },
            ),
            (
                2,
                Payload::PersonJoined {
                    name: "Noah".into(),
                    handle: None,
                    contact: None,
                    team: None,
                    group: Some("db".into()),
                },
            ),
            (
                3,
                Payload::PersonJoined {
                    name: "Greg".into(),
                    handle: None,
                    contact: None,
                    team: None,
                    group: None,
                },
            ),
            (
                4,
                Payload::PersonReleased {
                    name: "Greg".into(),
                },
            ),
        ]);
        let p = SitrepPeople::from_roster(&inc);
        assert_eq!(p.ic.as_deref(), Some("alice"));
        assert_eq!(p.comms.as_deref(), Some("Keiko"));
        assert_eq!(p.responders, vec!["Noah".to_string()]);
        assert_eq!(p.groups, vec!["db".to_string()]);
    }

    #[test]
    fn compose_validates_and_numbers() {
        let inc = incident(vec![]);
        let t = Template::sitrep_default();
        let empty = SitrepFields::default();
        assert_eq!(
            compose(&inc, &empty, &t, at(1)).unwrap_err(),
            SitrepError::NoSummary
        );
        let mut f = SitrepFields {
            summary: " \u{1b}[31mAPI down\u{7} ".into(),
            ..Default::default()
        };
        f.links.push(Link {
            label: "x".into(),
            url: "ftp://nope".into(),
        });
        assert!(matches!(
            compose(&inc, &f, &t, at(1)),
            Err(SitrepError::BadLink { index: 1, .. })
        ));
        f.links.clear();
        let Ok(Payload::SitrepSent {
            version,
            fields,
            rendered,
            ..
        }) = compose(&inc, &f, &t, at(1))
        else {
            panic!()
        };
        assert_eq!(version, 1);
        assert_eq!(fields.summary, "[31mAPI down");
        assert!(rendered.starts_with("[31mAPI down\n"), "{rendered}");
    }

    #[test]
    fn diff_marks_lines() {
        let d = diff("a\nb\nc", "a\nB\nc\nd\n");
        let text = diff_text(&d);
        assert_eq!(text, "  a\n- b\n+ B\n  c\n+ d");
        assert!(
            diff("same", "same\n")
                .iter()
                .all(|l| l.tag == DiffTag::Same)
        );
        assert_eq!(diff("", "x").len(), 1);
    }
}
