//! Low-level client for the Aymara AI API, generated from `openapi.json` by progenitor.
//!
//! Most users want the `aymara` crate, which wraps this one with configuration, retries,
//! pagination, polling, uploads and typed errors. This crate is the exact shape of the spec:
//! one builder method per operation on [`Client`], and the request/response types in [`types`].
//!
//! - `generated.rs` and `mock.rs` are written by `cargo xtask regen`; never edit them by hand.
//! - [`compat`] holds the hand-written forward-compatible types the generator is told to use for
//!   enums (each keeps an `Unknown(String)` fallback) and for the `Tools` union.
//! - [`hooks`] is where every request passes through the hand-written transport.
//!
//! The multipart upload (`files_upload`) is not generated (progenitor cannot express
//! `multipart/form-data`); `aymara` implements it.
#![forbid(unsafe_code)]

pub mod compat;
mod convert;
// The spec's descriptions carry confidence markers such as `[old]` and `[inferred]`, which
// rustdoc would take for links.
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports, rustdoc::broken_intra_doc_links)]
mod generated;
pub mod hooks;
#[cfg(feature = "mock")]
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports, rustdoc::broken_intra_doc_links)]
pub mod mock;

pub use generated::*;
pub use progenitor_client::{
    ByteStream, ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue, encode_path,
};
