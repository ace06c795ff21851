//! Render and key-press costs of the cockpit (criterion).
//!
//! `cargo bench --bench ui` — targets: full frame at 200x60 with 50 people
//! and 1,000 timeline events under 2 ms; update+render per key under 1 ms.
//!
//! "render" is `ui::draw` into a cleared 200x60 buffer: every cell of the
//! frame is produced. "terminal" adds ratatui's diff against the previous
//! frame and the (test) backend write, as the real loop does per redraw.

use commandpost::app::keymap::Keymap;
use commandpost::app::{Model, Msg, update};
use commandpost::config::Config;
use commandpost::ui::{self, Theme};
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::hint::black_box;

fn now() -> Timestamp {
    "2026-11-21T03:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn big_model() -> Model {
    let events = commandpost::demo::crowd("Ricardo", now(), 50, 1000);
    let cfg = Config::default();
    let keymap = Keymap::build(&cfg).unwrap_or_else(|_| Keymap::defaults());
    let mut m = Model::new("Ricardo", cfg, keymap, events, now());
    m.size = (200, 60);
    m
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn terminal() -> Terminal<TestBackend> {
    match Terminal::new(TestBackend::new(200, 60)) {
        Ok(t) => t,
        Err(e) => match e {},
    }
}

fn benches(c: &mut Criterion) {
    let theme = Theme::colored();
    let mut m = big_model();
    assert_eq!(m.events.len(), 1000);
    assert_eq!(m.inc.as_ref().map(|i| i.on_duty().count()), Some(50));
    let area = Rect::new(0, 0, 200, 60);
    let mut buf = Buffer::empty(area);

    c.bench_function("render_full_frame_200x60_50p_1000ev", |b| {
        b.iter(|| {
            buf.reset();
            ui::draw(black_box(&m), &theme, &mut buf);
            black_box(&buf);
        })
    });

    let mut t = terminal();
    let mut clock = now();
    c.bench_function("terminal_tick_update_render_diff_200x60", |b| {
        b.iter(|| {
            clock = clock
                .checked_add(SignedDuration::from_secs(1))
                .unwrap_or(clock);
            update(&mut m, Msg::Tick(clock));
            let _ = t.draw(|f| ui::render(&m, &theme, f));
        })
    });

    // A key press in the roster (selection moves), then a full render.
    update(&mut m, key(KeyCode::Tab));
    let mut down = true;
    c.bench_function("key_update_render_200x60", |b| {
        b.iter(|| {
            let k = if down { KeyCode::Down } else { KeyCode::Up };
            down = !down;
            black_box(update(&mut m, key(k)));
            buf.reset();
            ui::draw(&m, &theme, &mut buf);
        })
    });

    c.bench_function("terminal_key_update_render_diff_200x60", |b| {
        b.iter(|| {
            let k = if down { KeyCode::Down } else { KeyCode::Up };
            down = !down;
            black_box(update(&mut m, key(k)));
            let _ = t.draw(|f| ui::render(&m, &theme, f));
        })
    });

    // The hand-off picker: open, type two letters (fuzzy over 50 people),
    // render, close: four keys and a frame.
    c.bench_function("keys_handoff_picker_filter_200x60", |b| {
        b.iter(|| {
            update(&mut m, key(KeyCode::Char('h')));
            update(&mut m, key(KeyCode::Enter));
            update(&mut m, key(KeyCode::Char('p')));
            update(&mut m, key(KeyCode::Char('3')));
            buf.reset();
            ui::draw(&m, &theme, &mut buf);
            update(&mut m, key(KeyCode::Esc));
        })
    });

    c.bench_function("parts_checklist_evaluate", |b| {
        b.iter(|| {
            if let Some(inc) = m.inc.as_ref() {
                black_box(commandpost::domain::checklist::evaluate(
                    inc,
                    &m.config.policy(),
                    clock,
                ));
            }
        })
    });
}

criterion_group!(ui_benches, benches);
criterion_main!(ui_benches);
