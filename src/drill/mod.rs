//! Drills: practise the procedure on a throwaway incident driven by a scenario
//! (timed injects), on a fast clock, and get a score card against the doctrine
//! (section 10: simulations that train the procedure, not the fix).
//!
//! - [`scenario`]: the TOML format, checked with file:line:col diagnostics;
//! - [`clock`]: simulated time at 1x to 60x, pausable (pure);
//! - [`schedule`]: which injects are due, and what they journal;
//! - [`score`]: the score card (pure) and its Markdown;
//! - [`sink`]: where outbound messages go while drilling;
//! - [`run`]: the drill session (journal under `<data_dir>/drills/<id>/`) and the
//!   headless runner with a scripted IC.

pub mod clock;
pub mod run;
pub mod scenario;
pub mod schedule;
pub mod score;
pub mod sink;

pub use clock::DrillClock;
pub use run::{
    Action, DrillError, DrillSession, PastDrill, ScriptedAction, list_drills, parse_script,
    run_headless,
};
pub use scenario::{Inject, InjectKind, Scenario, ScenarioError};
pub use schedule::{DRILL_ACTOR, NOT_STARTED, due_injects, inject_payloads};
pub use score::{ScoreCard, score};
pub use sink::{DrillSink, Route, drill_filter};
