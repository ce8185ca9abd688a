//! Request and response types of the API.
//!
//! These are the types generated from `openapi.json` (re-exported from `aymara_raw::types`),
//! plus the forward-compatible enums (`Status`, `FileProcessingStatus`, `FileType`,
//! `ContentType`, …) that keep unknown server values as `Unknown(String)` instead of failing.
//! Every struct has a `builder()`; all-optional request structs implement `Default`.

pub use aymara_raw::compat::*;
pub use aymara_raw::types::*;
