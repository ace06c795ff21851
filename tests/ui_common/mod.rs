//! Fixtures shared by the cockpit tests: incidents at a fixed `now`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic
#![allow(dead_code)]

use commandpost::app::keymap::Keymap;
use commandpost::app::model::Model;
use commandpost::config::Config;
use commandpost::domain::event::{FORMAT_VERSION, Severity};
use commandpost::domain::{Event, Payload, Role};
use commandpost::ui::{self, Theme};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn now() -> Timestamp {
    "2026-11-21T03:00:00Z".parse().unwrap()
}

/// Builds a journal: each event `mins` minutes before `now()`.
pub struct Script {
    pub events: Vec<Event>,
}

impl Script {
    pub fn open(mins: i64, title: &str, ic: &str) -> Script {
        let mut s = Script { events: Vec::new() };
        s.at(
            mins,
            ic,
            Payload::IncidentOpened {
                id: "INC-20261120-1850".into(),
                title: title.into(),
                ic: ic.into(),
            },
        );
        s
    }

    pub fn at(&mut self, mins: i64, actor: &str, payload: Payload) -> &mut Script {
        self.events.push(Event {
            v: FORMAT_VERSION,
            seq: self.events.len() as u64 + 1,
            ts: now() - SignedDuration::from_mins(mins),
            actor: actor.into(),
            payload,
            rep: Default::default(),
        });
        self
    }

    pub fn join(&mut self, mins: i64, name: &str, group: Option<&str>) -> &mut Script {
        self.at(
            mins,
            "José",
            Payload::PersonJoined {
                name: name.into(),
                handle: None,
                contact: None,
                team: None,
                group: group.map(str::to_string),
            },
        )
    }

    pub fn lead(&mut self, mins: i64, group: &str, name: &str) -> &mut Script {
        self.at(
            mins,
            "José",
            Payload::RoleHandedOff {
                role: Role::OpsLead(group.into()),
                from: None,
                to: name.into(),
            },
        )
    }
}

pub fn model(events: Vec<Event>, actor: &str) -> Model {
    model_with(events, actor, Config::default())
}

pub fn model_with(events: Vec<Event>, actor: &str, config: Config) -> Model {
    let keymap = Keymap::build(&config).unwrap();
    Model::new(actor, config, keymap, events, now())
}

/// A brand-new incident, one minute old.
pub fn new_incident() -> Vec<Event> {
    Script::open(1, "Checkout API returns 502", "Alice").events
}

/// Twelve people in three groups; José (IC) is over 8 hours; the incident
/// started yesterday (UTC), so the timeline shows dates.
pub fn twelve() -> Vec<Event> {
    let mut s = Script::open(490, "EU login failures after deploy 🚒", "José");
    s.at(
        485,
        "José",
        Payload::RoleHandedOff {
            role: Role::Comms,
            from: None,
            to: "渡辺 健".into(),
        },
    );
    s.at(
        480,
        "José",
        Payload::StateChanged {
            from: Severity::Investigating,
            to: Severity::Confirmed,
        },
    );
    s.lead(470, "database", "Bob");
    for n in ["Carol", "Dmitri", "Priya 🐙"] {
        s.join(465, n, Some("database"));
    }
    s.lead(300, "routing", "Rui");
    for n in ["Sam", "Lena"] {
        s.join(295, n, Some("routing"));
    }
    s.lead(120, "api", "Ola");
    for n in ["Chen", "Fatima"] {
        s.join(118, n, Some("api"));
    }
    s.at(
        20,
        "Carol",
        Payload::BreakStarted {
            name: "Carol".into(),
        },
    );
    s.at(
        5,
        "Rui",
        Payload::NoteAdded {
            text: "edge nodes drained\u{1b}[31m in eu-west-1b".into(),
        },
    );
    s.events
}

/// The demo incident (major, overdue sitrep and status page).
pub fn major() -> Vec<Event> {
    commandpost::demo::events("Ricardo", now())
}

pub fn draw(m: &Model, theme: Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(m, &theme, f)).unwrap();
    t
}

/// The cockpit drawn at `w`x`h`, as text: one line per row.
pub fn screen_text(m: &Model, theme: Theme, w: u16, h: u16) -> String {
    let t = draw(m, theme, w, h);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The "Impact understood?" row of the event loop: its status and reason.
pub fn impact(m: &Model) -> (commandpost::domain::checklist::Status, String) {
    let r = m
        .rows
        .iter()
        .find(|r| r.question == commandpost::domain::event::LoopQuestion::Impact)
        .unwrap();
    (r.status, r.reason.clone())
}
