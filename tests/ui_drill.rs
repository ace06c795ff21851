//! The interactive drill in the cockpit: `update()` tables on a drill model
//! (fixed real clock), the drill executor on a real drill journal, and render
//! snapshots with the DRILL banner.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic

mod ui_common;

use commandpost::app::cmd::Cmd;
use commandpost::app::deliveries::OutboxCmd;
use commandpost::app::drill::DrillView;
use commandpost::app::intent::Intent;
use commandpost::app::keymap::Keymap;
use commandpost::app::model::Model;
use commandpost::app::overlay::Overlay;
use commandpost::app::overlay::confirm::Confirm;
use commandpost::app::{Msg, update};
use commandpost::config::Config;
use commandpost::domain::Payload;
use commandpost::drill::{DrillClock, DrillSession, Scenario};
use commandpost::shell::drill::{DrillExit, execute};
use commandpost::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::SignedDuration;
use std::path::Path;
use std::sync::mpsc as std_mpsc;
use tokio::sync::{mpsc, watch};
use ui_common::{draw, now};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/drills/db-failover.toml");
    Scenario::load(&path).unwrap().0
}

/// A drill of db-failover started at `now()` (real and simulated), at `speed`.
fn drill(dir: &Path, speed: u32) -> (DrillSession, Model) {
    let config = Config::default();
    let session = DrillSession::start(&scenario(), &config, dir, now()).unwrap();
    let keymap = Keymap::build(&config).unwrap();
    let mut m = Model::new("Sam", config, keymap, session.events.clone(), now());
    m.drill = Some(DrillView::new(&session, speed, now()));
    (session, m)
}

fn clock(m: &Model) -> DrillClock {
    m.drill.as_ref().unwrap().clock
}

fn banner(m: &Model) -> String {
    commandpost::ui::drill::banner(m).unwrap()
}

/// The drill executor on its own thread, as the cockpit runs it.
struct Exec {
    cmds: std_mpsc::Sender<Cmd>,
    msgs: mpsc::UnboundedReceiver<Msg>,
    clock: watch::Sender<DrillClock>,
    thread: std::thread::JoinHandle<DrillExit>,
}

impl Exec {
    fn start(session: DrillSession, m: &Model) -> Exec {
        Exec::with_delivery(session, m, None)
    }

    /// With the courier of the backends marked `drill = true`, on `rt` (`None`: no courier).
    fn with_delivery(
        session: DrillSession,
        m: &Model,
        rt: Option<(&tokio::runtime::Runtime, &Path)>,
    ) -> Exec {
        let (cmds, rx) = std_mpsc::channel();
        let (tx, msgs) = mpsc::unbounded_channel();
        let (clock, clock_rx) = watch::channel(self::clock(m));
        let config = m.config.clone();
        let courier = rt.and_then(|(rt, data_dir)| {
            commandpost::shell::drill::courier(
                rt.handle().clone(),
                &config,
                data_dir,
                "Sam",
                tx.clone(),
            )
        });
        let thread =
            std::thread::spawn(move || execute(session, config, clock_rx, courier, rx, tx));
        Exec {
            cmds,
            msgs,
            clock,
            thread,
        }
    }

    /// Simulated time frozen at `at` from the start (the executor reads real time).
    fn freeze_at(&self, m: &Model, at: SignedDuration) {
        let mut c = clock(m);
        c.start_sim = c.origin + at;
        c.paused = true;
        self.clock.send_replace(c);
    }

    /// Runs commands and feeds every answer to `update`, until nothing is
    /// pending. A marker announcement after each batch (the executor answers
    /// in order) tells when all answers are in.
    fn run(&mut self, m: &mut Model, cmds: Vec<Cmd>) {
        let mut queue = cmds;
        while !queue.is_empty() {
            for c in std::mem::take(&mut queue) {
                if !matches!(c, Cmd::Quit) {
                    self.cmds.send(c).unwrap();
                }
            }
            let marker =
                commandpost::delivery::setup::announcement(m.inc.as_ref().unwrap(), "MARKER", "");
            // To no backend: a marker reaches nobody, whatever is configured.
            self.cmds
                .send(Cmd::Outbox(OutboxCmd::Send {
                    msg: marker,
                    only: Some(Vec::new()),
                }))
                .unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                match self.msgs.try_recv() {
                    Ok(Msg::Announced(t)) if t.starts_with("MARKER") => break,
                    Ok(msg) => queue.extend(update(m, msg)),
                    Err(_) if std::time::Instant::now() > deadline => {
                        panic!("no answer from the drill executor")
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
                }
            }
        }
    }

    fn finish(self) -> DrillExit {
        drop(self.cmds);
        self.thread.join().unwrap()
    }
}

#[test]
fn tick_runs_the_sim_clock_at_speed() {
    let dir = tempfile::tempdir().unwrap();
    for (speed, real, sim) in [
        (1, secs(30), secs(30)),
        (10, secs(30), mins(5)),
        (60, secs(30), mins(30)),
        (60, secs(0), secs(0)),
    ] {
        let (_s, mut m) = drill(dir.path(), speed);
        let cmds = update(&mut m, Msg::Tick(now() + real));
        assert!(cmds.is_empty());
        assert_eq!(m.now, now() + sim, "speed {speed} after {real:?}");
        assert!(
            banner(&m).contains(&format!("DRILL {speed}x")),
            "{}",
            banner(&m)
        );
    }
}

#[test]
fn pause_stops_the_clock_and_resume_does_not_jump() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut m) = drill(dir.path(), 10);
    update(&mut m, Msg::Tick(now() + secs(6)));
    assert_eq!(m.now, now() + mins(1));
    update(&mut m, key('.'));
    assert!(clock(&m).paused);
    assert_eq!(banner(&m), " DRILL PAUSED +1m/1h00m ");
    update(&mut m, Msg::Tick(now() + secs(600)));
    assert_eq!(
        m.now,
        now() + mins(1),
        "paused: simulated time stands still"
    );
    update(&mut m, key('.'));
    assert!(!clock(&m).paused);
    update(&mut m, Msg::Tick(now() + secs(606)));
    assert_eq!(m.now, now() + mins(2), "resumed from where it stood");
}

#[test]
fn suspending_pauses_the_drill() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut m) = drill(dir.path(), 10);
    let cmds = update(
        &mut m,
        Msg::Key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL)),
    );
    assert_eq!(cmds, vec![Cmd::Suspend]);
    assert!(clock(&m).paused);
    assert_eq!(
        m.flash.as_ref().unwrap().text,
        "Drill paused while suspended; . resumes"
    );
}

#[test]
fn speed_keys_step_and_never_jump() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut m) = drill(dir.path(), 10);
    update(&mut m, Msg::Tick(now() + secs(6)));
    assert_eq!(m.now, now() + mins(1));
    update(&mut m, key('+'));
    assert_eq!(clock(&m).speed, 20);
    assert_eq!(m.flash.as_ref().unwrap().text, "Drill clock 20x");
    update(&mut m, Msg::Tick(now() + secs(9)));
    assert_eq!(m.now, now() + mins(2), "1m at 10x, then 3s at 20x");
    for expect in [10, 5, 2, 1, 1] {
        update(&mut m, key('-'));
        assert_eq!(clock(&m).speed, expect);
    }
    for _ in 0..10 {
        update(&mut m, key('+'));
    }
    assert_eq!(clock(&m).speed, 60);
    update(&mut m, Msg::Tick(now() + secs(10)));
    assert_eq!(m.now, now() + mins(3));
}

#[test]
fn the_drill_ends_with_the_scenario_and_offers_the_score() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut m) = drill(dir.path(), 60);
    update(&mut m, Msg::Tick(now() + secs(59)));
    assert!(!m.drill.as_ref().unwrap().over);
    update(&mut m, Msg::Tick(now() + secs(61)));
    let d = m.drill.as_ref().unwrap();
    assert!(d.over);
    assert_eq!(m.now, now() + mins(60), "stopped at the end, not past it");
    assert_eq!(banner(&m), " DRILL OVER +1h00m/1h00m ");
    assert!(matches!(
        m.overlay,
        Some(Overlay::Confirm(Confirm {
            intent: Intent::EndDrill,
            ..
        }))
    ));
    // Declined: the clock stays stopped; the speed keys say why.
    update(&mut m, key('n'));
    update(&mut m, Msg::Tick(now() + secs(120)));
    assert_eq!(m.now, now() + mins(60));
    assert_eq!(m.overlay, None, "offered once");
    update(&mut m, key('+'));
    assert!(m.flash.as_ref().unwrap().text.contains("The drill is over"));
}

#[test]
fn messages_stay_for_their_time_in_real_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut m) = drill(dir.path(), 60);
    update(&mut m, key('+'));
    assert!(m.flash.is_some());
    update(&mut m, Msg::Tick(now() + secs(1)));
    update(&mut m, Msg::Tick(now() + secs(5)));
    assert!(m.flash.is_some(), "4 real seconds (4 simulated minutes)");
    update(&mut m, Msg::Tick(now() + secs(9)));
    assert!(m.flash.is_none());
}

#[test]
fn drill_keys_only_in_a_drill_and_help_lists_them_there() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut m) = drill(dir.path(), 10);
    let entries = commandpost::ui::help_entries(&m);
    for k in ["+", "-", ".", "d", "Q"] {
        assert!(
            entries
                .iter()
                .any(|(keys, d)| keys == k && d.starts_with("drill:")),
            "{k} in {entries:?}"
        );
    }
    let mut plain = ui_common::model(ui_common::new_incident(), "Alice");
    let entries = commandpost::ui::help_entries(&plain);
    assert!(!entries.iter().any(|(_, d)| d.starts_with("drill:")));
    let before = plain.now;
    update(&mut plain, key('+'));
    assert_eq!(
        plain.flash.as_ref().unwrap().text,
        "+ works in a drill only (commandpost drill <scenario>)"
    );
    update(&mut plain, key('Q'));
    assert_eq!(plain.overlay, None);
    assert_eq!(plain.now, before);
    // In a drill, q asks to leave without a score and names Q.
    update(&mut m, key('q'));
    match &m.overlay {
        Some(Overlay::Confirm(Confirm { prompt, .. })) => {
            assert!(prompt.contains("Q ends it"), "{prompt}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
#[expect(
    clippy::cognitive_complexity,
    reason = "one end-to-end scenario, step by step"
)]
fn injects_reach_the_timeline_and_decisions_are_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (session, mut m) = drill(dir.path(), 10);
    let mut exec = Exec::start(session, &m);

    // +1m: the alert (at 0m) only.
    exec.freeze_at(&m, mins(1));
    exec.run(&mut m, vec![Cmd::Poll]);
    let injects: Vec<_> = m
        .events
        .iter()
        .filter(|e| matches!(e.payload, Payload::DrillInject { .. }))
        .collect();
    assert_eq!(injects.len(), 1);
    assert_eq!(injects[0].actor, "drill");
    assert_eq!(m.overlay, None);

    // +3m: Priya's message asks for a decision: the prompt opens.
    exec.freeze_at(&m, mins(3));
    exec.run(&mut m, vec![Cmd::Poll]);
    let text = commandpost::domain::describe::describe(&m.events.last().unwrap().payload);
    assert!(
        text.starts_with("DRILL +2m group_message (ops:database, Priya)"),
        "{text}"
    );
    let Some(Overlay::Decision(d)) = &m.overlay else {
        panic!("{:?}", m.overlay)
    };
    assert_eq!(d.question, "Fail over to db-main-2 now?");
    assert_eq!(d.options, ["fail over now", "wait for the primary"]);

    // Esc puts it aside; d brings it back; 2 answers it (journaled at drill time).
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.overlay, None);
    exec.run(&mut m, vec![Cmd::Poll]);
    assert_eq!(m.overlay, None, "put aside: not asked again");
    update(&mut m, key('d'));
    assert!(matches!(m.overlay, Some(Overlay::Decision(_))));
    let cmds = update(&mut m, key('2'));
    assert!(matches!(
        &cmds[..],
        [Cmd::Append(Payload::NoteAdded { .. })]
    ));
    exec.run(&mut m, cmds);
    let last = m.events.last().unwrap();
    assert_eq!(
        commandpost::domain::describe::describe(&last.payload),
        "note: Drill decision: Fail over to db-main-2 now? -> wait for the primary"
    );
    assert_eq!(last.ts, now() + mins(3), "stamped with simulated time");
    assert_eq!(last.actor, "Sam");
    assert_eq!(m.overlay, None);
    update(&mut m, key('d'));
    assert_eq!(m.flash.as_ref().unwrap().text, "No decision is waiting");

    // A state change announces; in a drill it goes to the sink, not the outbox.
    update(&mut m, key('3'));
    let cmds = update(&mut m, key('y'));
    exec.run(&mut m, cmds);
    assert!(
        m.flash
            .as_ref()
            .unwrap()
            .text
            .contains("drill: written to sink.md"),
        "{:?}",
        m.flash
    );

    // Q, y: the drill is scored as of +3m and the card saved next to the journal.
    update(&mut m, key('Q'));
    let cmds = update(&mut m, key('y'));
    assert_eq!(cmds, vec![Cmd::DrillEnd, Cmd::Quit]);
    assert!(m.quit);
    exec.run(&mut m, cmds);
    let exit = exec.finish();
    let DrillExit::Scored { card, dir: ddir } = &exit else {
        panic!("{exit:?}")
    };
    assert_eq!(card.length, mins(3));
    assert!(card.total > 0);
    let md = std::fs::read_to_string(ddir.join("score.md")).unwrap();
    assert!(
        md.contains("| +2m | Fail over to db-main-2 now? | wait for the primary |"),
        "{md}"
    );
    let sink = std::fs::read_to_string(ddir.join("sink.md")).unwrap();
    assert!(sink.contains("(+3m) announcement"), "{sink}");
    assert!(sink.contains("@all: Incident Major"), "{sink}");
    assert!(exit.report().contains("saved to"));
    assert!(ddir.starts_with(dir.path().join("drills")));
}

#[test]
fn leaving_without_a_score() {
    let dir = tempfile::tempdir().unwrap();
    let (session, mut m) = drill(dir.path(), 10);
    let mut exec = Exec::start(session, &m);
    update(&mut m, key('q'));
    let cmds = update(&mut m, key('y'));
    assert_eq!(cmds, vec![Cmd::Quit]);
    exec.run(&mut m, cmds);
    let exit = exec.finish();
    assert!(matches!(exit, DrillExit::Left { .. }), "{exit:?}");
    assert!(exit.report().contains("left without a score"));
}

macro_rules! snap {
    ($name:expr, $model:expr, $theme:expr, $w:expr, $h:expr) => {
        let t = draw(&$model, $theme, $w, $h);
        insta::assert_snapshot!($name, t.backend());
    };
}

#[test]
fn cockpit_with_the_drill_banner() {
    let dir = tempfile::tempdir().unwrap();
    let (session, mut m) = drill(dir.path(), 10);
    let mut exec = Exec::start(session, &m);
    update(&mut m, Msg::Tick(now() + secs(18)));
    exec.freeze_at(&m, mins(3));
    exec.run(&mut m, vec![Cmd::Poll]);
    assert!(matches!(m.overlay, Some(Overlay::Decision(_))));
    snap!("drill_decision_80x24", m, Theme::colored(), 80, 24);
    update(&mut m, code(KeyCode::Esc));
    snap!("drill_10x_80x24", m, Theme::colored(), 80, 24);
    snap!("drill_10x_160x48", m, Theme::colored(), 160, 48);
    update(&mut m, key('.'));
    update(&mut m, Msg::Tick(now() + secs(30)));
    snap!("drill_paused_no_color_80x24", m, Theme::no_color(), 80, 24);
    // Without colour the banner is still reversed and bold.
    let t = draw(&m, Theme::no_color(), 80, 24);
    let buf = t.backend().buffer();
    let line: String = (0..80).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    let x = line.find("DRILL PAUSED").unwrap() as u16;
    let cell = &buf[(x, 0)];
    assert!(
        cell.modifier
            .contains(ratatui::style::Modifier::REVERSED | ratatui::style::Modifier::BOLD)
    );
    exec.finish();
}

#[test]
fn timestamps_are_drill_time() {
    // A fixed real clock far from the simulated one shows that nothing reads it.
    let dir = tempfile::tempdir().unwrap();
    let (_s, mut m) = drill(dir.path(), 30);
    let real = now() + SignedDuration::from_hours(24 * 3);
    let d = m.drill.as_mut().unwrap();
    d.clock = DrillClock::new(real, now(), 30);
    d.real = real;
    update(&mut m, Msg::Tick(real + secs(2)));
    assert_eq!(m.now, now() + mins(1));
    assert_eq!(m.now.strftime("%H:%M").to_string(), "03:01");
}

#[test]
fn only_drill_backends_are_real_and_drill_keys_remap() {
    let mut cfg = Config::default();
    let table = |t: &str| -> toml::Table { toml::from_str(t).unwrap() };
    cfg.backends = vec![
        table("name = \"chat\"\nkind = \"slack\""),
        table("name = \"practice\"\nkind = \"webhook\"\ndrill = true"),
        table("name = \"status\"\nkind = \"statuspage\"\ndrill = false"),
    ];
    let real: Vec<&str> = commandpost::drill::sink::real_backends(&cfg)
        .iter()
        .filter_map(|b| b.get("name").and_then(|v| v.as_str()))
        .collect();
    assert_eq!(real, ["practice"]);

    cfg.keys.insert(
        "drill_pause".into(),
        commandpost::config::KeySpec::One("F5".into()),
    );
    let km = Keymap::build(&cfg).unwrap();
    use commandpost::app::keymap::{Action, Key};
    assert_eq!(
        km.action(Key::new(KeyCode::F(5), KeyModifiers::NONE)),
        Some(Action::DrillPause)
    );
    assert_eq!(km.action(Key::plain('.')), None);
}

/// `practice` is marked `drill = true`, `oncall` is not; both ntfy, both send pages and
/// announcements.
fn two_backends(practice: &str, oncall: &str) -> Config {
    let text = format!(
        "[[backends]]\nname = \"practice\"\nkind = \"ntfy\"\nurl = \"{practice}/drills\"\n\
         sends = [\"page\", \"announcement\", \"sitrep\"]\ndrill = true\n\n\
         [[backends]]\nname = \"oncall\"\nkind = \"ntfy\"\nurl = \"{oncall}/incidents\"\n\
         sends = [\"page\", \"announcement\", \"sitrep\"]\n"
    );
    let t: toml::Table = toml::from_str(&text).unwrap();
    Config {
        backends: t["backends"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_table().unwrap().clone())
            .collect(),
        ..Config::default()
    }
}

/// The bodies `server` received once it has `n` (or after 10 s).
fn bodies(rt: &tokio::runtime::Runtime, server: &wiremock::MockServer, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let reqs = rt.block_on(server.received_requests()).unwrap();
        if reqs.len() >= n || std::time::Instant::now() > deadline {
            return reqs
                .iter()
                .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                .collect();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `p`, Tab `tabs` times, the summary, Enter: the confirmation's question.
fn page(m: &mut Model, tabs: usize, summary: &str) -> String {
    update(m, key('p'));
    for _ in 0..tabs {
        update(m, code(KeyCode::Tab));
    }
    for c in summary.chars() {
        update(m, key(c));
    }
    update(m, code(KeyCode::Enter));
    match &m.overlay {
        Some(Overlay::Confirm(Confirm { prompt, .. })) => prompt.clone(),
        other => panic!("no confirmation: {other:?}"),
    }
}

/// The page and the announcement a `drill = true` backend got: marked, to its topic.
fn assert_marked(got: &[String]) {
    assert_eq!(got.len(), 2, "{got:#?}");
    let sent: Vec<serde_json::Value> = got
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    assert!(sent.iter().all(|v| v["topic"] == "drills"), "{sent:#?}");
    let texts: Vec<&str> = sent
        .iter()
        .map(|v| v["message"].as_str().unwrap())
        .collect();
    let page = texts
        .iter()
        .find(|t| t.starts_with("Page:"))
        .unwrap_or_else(|| panic!("no page: {texts:#?}"));
    assert!(page.starts_with("Page: [DRILL] primary db down"), "{page}");
    assert!(page.contains("This is a drill (DRILL-"), "{page}");
    assert!(
        texts.iter().any(|t| t.contains("[DRILL] Incident Major")),
        "{texts:#?}"
    );
}

/// Issue 16, item 6: in a drill, the backends marked `drill = true` receive the drill's
/// messages for real, marked "[DRILL]", and the others get nothing (their copy goes to the
/// drill's sink.md). Two real HTTP servers on 127.0.0.1 (ntfy backends), the drill's
/// executor with its courier as the cockpit runs it, keys through `update()`: a page to every
/// page backend, a state change's announcement, then a page to the one not marked.
#[test]
fn a_drill_reaches_only_the_backends_marked_drill_and_marks_what_they_get() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (practice, oncall) = rt.block_on(async {
        let (p, o) = (MockServer::start().await, MockServer::start().await);
        for s in [&p, &o] {
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(200).set_body_string("{\"id\":\"n1\"}"))
                .mount(s)
                .await;
        }
        (p, o)
    });
    assert!(practice.uri().starts_with("http://127.0.0.1:"));
    let cfg = two_backends(&practice.uri(), &oncall.uri());
    let dir = tempfile::tempdir().unwrap();
    let session = DrillSession::start(&scenario(), &cfg, dir.path(), now()).unwrap();
    let sink = session.sink().path().to_path_buf();
    let keymap = Keymap::build(&cfg).unwrap();
    let mut m = Model::new("Sam", cfg, keymap, session.events.clone(), now());
    m.drill = Some(DrillView::new(&session, 1, now()));
    let mut exec = Exec::with_delivery(session, &m, Some((&rt, dir.path())));
    exec.freeze_at(&m, mins(5));

    // p: a page to every page backend: practice for real (marked), oncall's copy to the sink.
    assert_eq!(
        page(&mut m, 0, "primary db down"),
        "Page through practice for real, marked [DRILL]; the drill's sink.md?"
    );
    let cmds = update(&mut m, key('y'));
    exec.run(&mut m, cmds);
    let flash = m.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(
        flash.contains("sent for real, marked [DRILL], to practice"),
        "{flash}"
    );

    // 3, y: the state change's announcement takes the same road.
    update(&mut m, key('3'));
    let cmds = update(&mut m, key('y'));
    exec.run(&mut m, cmds);

    assert_marked(&bodies(&rt, &practice, 2));
    // What was sent for real is in the deliveries view, as in an incident.
    let rows = m.deliveries.rows();
    assert!(
        rows.iter().any(|r| r.row.headline.contains("[DRILL]"))
            && rows.iter().all(|r| r.row.backend == "practice"),
        "{rows:?}"
    );

    // p, Tab, Tab: "oncall only" is not marked drill = true, so nothing real; the sink has it.
    assert_eq!(
        page(&mut m, 2, "second page"),
        "Page through the drill's sink.md?"
    );
    let cmds = update(&mut m, key('y'));
    assert!(matches!(
        &cmds[..],
        [Cmd::Outbox(OutboxCmd::Send { only: Some(o), .. })] if o == &["oncall".to_string()]
    ));
    exec.run(&mut m, cmds);

    // A stray delivery would have arrived by now: none to oncall, no third to practice.
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(rt.block_on(practice.received_requests()).unwrap().len(), 2);
    assert!(
        rt.block_on(oncall.received_requests()).unwrap().is_empty(),
        "a backend not marked drill = true got a drill's message"
    );
    let sink = std::fs::read_to_string(&sink).unwrap();
    assert!(sink.contains("page to oncall"), "{sink}");
    assert!(sink.contains("Page: second page"), "{sink}");
    assert!(sink.contains("Page: primary db down"), "{sink}");
    assert!(matches!(exec.finish(), DrillExit::Left { .. }));
}
