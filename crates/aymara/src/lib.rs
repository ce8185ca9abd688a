//! Rust SDK for the [Aymara AI](https://aymara.ai) API.
//!
//! Upload files (text, images, video, documents), create evals, run them against your model's
//! answers, score responses and build reports, from async or blocking Rust.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//!
//! # async fn demo() -> Result<(), aymara::Error> {
//! // Reads AYMARA_AI_API_KEY (and the other AYMARA_AI_* variables).
//! let client = aymara::Client::from_env()?;
//!
//! // Upload a file straight from disk (streamed, never read whole into memory)...
//! let uploaded = client.files().upload("clip.mp4").send().await?;
//! // ...and wait until the server has processed it (a method that takes an id also takes the
//! // object that carries it).
//! let status = client.files().wait_for_processing(&uploaded).await?;
//! println!("{}: {}", status.file_uuid, status.processing_status);
//!
//! // Every file of every page, as a stream.
//! let videos: Vec<_> = client
//!     .files()
//!     .list()
//!     .file_type(aymara::types::FileType::Video)
//!     .items()
//!     .try_collect()
//!     .await?;
//! println!("{} videos", videos.len());
//! # Ok(()) }
//! ```
//!
//! # Crate organization
//! - [`Client`] and [`ClientBuilder`] ([`config`]): credentials, environment, timeouts,
//!   retries ([`retry`]), default headers and query.
//! - One module per API resource, reached from the client: [`files`], [`evals`], [`runs`],
//!   [`eval_types`], [`reports`], [`health`].
//! - Every method returns a [`Request`]: per-request options (`header`, `query`,
//!   `extra_body`, `timeout`, `max_retries`), `.send()` / `.await`, and `.send_raw()` for the
//!   status, headers and an unread body ([`RawResponse`]).
//! - Lists return pages and streams ([`pagination`]); long-running work has waiters
//!   ([`polling`]); uploads stream from disk with progress ([`upload`]).
//! - [`runner`]: run an eval end to end (all prompts, your answers, scoring), and multi-turn.
//! - [`results`]: a finished run as typed rows (prompts, scored responses, report sections),
//!   pass statistics per run and per category, CSV / JSON Lines / Arrow exports, SVG charts and
//!   a self-contained HTML report (features `csv`, `arrow`, `charts`, `html`).
//! - [`Error`] ([`error`]): one type, one variant per API status class, with request ids.
//! - [`blocking`] (feature `blocking`): the same API without async.
//! - [`types`]: the request and response types, generated from the API description.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
// Library code never panics on what a server sends or a caller passes: no unwrap/expect, no
// indexing, no unchecked arithmetic (tests may use them).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

// The runtime: configuration, the one exchange, errors, requests and what drives them.
mod checks;
pub mod config;
pub mod error;
mod http;
pub mod ids;
pub mod pagination;
pub mod polling;
pub mod request;
pub mod upload;
pub use http::{options, retry};

// The API: one thin module per resource, and the helpers built on them.
mod api;
pub use api::{eval_types, evals, files, health, reports, runs};
pub mod results;
pub mod runner;

#[cfg(feature = "blocking")]
pub mod blocking;

pub mod types;

use std::sync::Arc;

#[doc(inline)]
pub use aymara_raw::operations;
pub use config::{ClientBuilder, Environment};
pub use error::{Error, Result};
pub use http::raw::RawResponse;
pub use ids::{EvalId, EvalRunId, EvalTypeId, FileId, PromptId, ReportId, ResponseId};
pub use options::RequestOptions;
pub use pagination::Page;
#[doc(inline)]
pub use request::Operation;
pub use request::Request;
pub use reqwest::StatusCode;
pub use retry::{NonIdempotentRetry, RetryConfig};

use crate::config::Config;

/// The Aymara API client. Cheap to clone (an `Arc` inside), `Send + Sync`; share one per
/// process so connections are pooled.
#[derive(Clone)]
pub struct Client {
    config: Arc<Config>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The headers' sensitive values (key, token) print as `Sensitive`.
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish()
    }
}

impl Client {
    /// A builder with every option at its default (and `AYMARA_AI_*` fallbacks).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the `AYMARA_AI_*` environment variables only.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::default().build()
    }

    pub(crate) fn from_config(config: Config) -> Self {
        Self {
            config: Arc::new(config),
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The base URL requests go to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// Whether `X-Use-Sandbox: True` is sent.
    pub fn is_sandbox(&self) -> bool {
        self.config.sandbox
    }

    /// The files resource: upload, list, get, delete, status, frames.
    pub fn files(&self) -> files::Files {
        files::Files::new(self.clone())
    }

    /// The evals resource, with eval runs under [`evals::Evals::runs`].
    pub fn evals(&self) -> evals::Evals {
        evals::Evals::new(self.clone())
    }

    /// The eval types resource.
    pub fn eval_types(&self) -> eval_types::EvalTypes {
        eval_types::EvalTypes::new(self.clone())
    }

    /// The reports resource.
    pub fn reports(&self) -> reports::Reports {
        reports::Reports::new(self.clone())
    }

    /// The health check.
    pub fn health(&self) -> health::Health {
        health::Health::new(self.clone())
    }

    /// The generated low-level client, routed through this client's exchange (auth, retries,
    /// deadline, tracing, body size limit) with no per-request options.
    pub fn raw(&self) -> aymara_raw::Client {
        let executor = Arc::new(crate::http::exchange::RawExecutor {
            config: self.config.clone(),
        });
        aymara_raw::Client::new_with_client(
            &self.config.base_url,
            self.config.http.clone(),
            aymara_raw::hooks::Inner::new(executor),
        )
    }
}
