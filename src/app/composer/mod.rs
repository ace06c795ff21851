//! The writing desk in the cockpit: the sitrep composer and the public status composer.
//! [`kind`] names the forms and their fields, [`form`] is one form (text, lint, preview),
//! [`desk`] holds both and their drafts, [`render`] is a template render as a background job. Keys are in `app::overlay::compose` (and the sitrep
//! log in `app::overlay::sitrep_log`); sending asks `Intent::Send` in the one confirmation.

pub mod desk;
pub mod form;
pub mod kind;
pub mod render;

pub use desk::{Desk, prefill};
pub use form::{Backends, Form, Preview, Rendering};
pub use kind::{FieldSpec, Kind, SITREP_FIELDS, STATUS_FIELDS, WIDE_MIN_WIDTH};
pub use render::{RenderJob, Rendered};
