//! End-to-end tests of the emulator over HTTP with a plain `reqwest` client.
//!
//! One test binary (faster to build); one module per area.

mod abuse;
mod common;
mod evals;
mod files;
mod persist;
mod protocol;
mod raw_client;
mod runs;
mod strict;
