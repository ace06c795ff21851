//! The cockpit's core: The Elm Architecture. `Msg` in, pure `update`, `Cmd` out to the
//! executor (`shell`) that journals (fsync) before anything shows; `ui::render` draws the
//! model. Nothing here does IO or reads the clock. See docs/architecture.md.

pub mod actions;
pub mod cmd;
pub mod cockpit;
pub mod composer;
pub mod deliveries;
pub mod drill;
pub mod drill_view;
pub mod edit;
pub mod flash;
pub mod health;
pub mod intent;
pub mod journaled;
pub mod keymap;
pub mod model;
pub mod msg;
pub mod normal;
pub mod overlay;
pub mod roster;
pub mod sync_view;
pub mod synced;
pub mod update;

pub use cmd::Cmd;
pub use keymap::{Keymap, validate_keys};
pub use model::Model;
pub use msg::Msg;
pub use update::update;
