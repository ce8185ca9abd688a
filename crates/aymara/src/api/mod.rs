//! The API's resources, one module each, re-exported at the crate root (`aymara::files`, …).
//! Each is thin: constructors of generated operations, plus what the spec cannot say.

pub mod eval_types;
pub mod evals;
pub mod files;
pub mod health;
pub mod reports;
pub mod runs;
