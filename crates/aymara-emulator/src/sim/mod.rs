//! The simulation behind the API: what the real service computes with models and background
//! workers, the emulator derives from fixed rules and elapsed time. The HTTP handlers in
//! [`crate::routes`] only validate, store and render; the rules live here.

pub(crate) mod files;
pub(crate) mod lifecycle;
pub(crate) mod png;
pub(crate) mod prompts;
pub(crate) mod report_text;
pub(crate) mod scoring;
