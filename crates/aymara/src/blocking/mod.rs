//! A synchronous client with the same resources and methods (feature `blocking`).
//!
//! As in `reqwest::blocking`, each type here wraps its async twin, and the client owns a private
//! runtime with its own connection pool, built inside that runtime. It must not be called from
//! inside an async runtime (that returns [`Error::BlockingInAsync`] instead of blocking a
//! worker). Lists are iterators instead of streams.
//!
//! ```no_run
//! # fn main() -> Result<(), aymara::Error> {
//! let client = aymara::blocking::Client::from_env()?;
//! for file in client.files().list().items() {
//!     println!("{}", file?.file_uuid);
//! }
//! # Ok(()) }
//! ```

mod api;
mod request;

use std::future::Future;
use std::sync::Arc;

pub use api::{EvalTypes, Evals, Files, Health, Reports, Runs, Upload, UploadMany};
pub use request::{Iter, RawResponse, Request, Wait};

use crate::ClientBuilder;
use crate::error::{Error, Result};

/// The client's private runtime, shared by everything it hands out.
#[derive(Clone)]
pub(crate) struct Rt(Arc<RuntimeCell>);

struct RuntimeCell(Option<tokio::runtime::Runtime>);

impl Drop for RuntimeCell {
    fn drop(&mut self) {
        // Shutting down in the background never blocks, so dropping the client is safe anywhere.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl Rt {
    fn new() -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("aymara-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("starting the blocking runtime: {e}")))?;
        Ok(Self(Arc::new(RuntimeCell(Some(rt)))))
    }

    pub(crate) fn block_on<F: Future>(&self, f: F) -> Result<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::BlockingInAsync);
        }
        match &self.0.0 {
            Some(rt) => Ok(rt.block_on(f)),
            None => Err(Error::Config("the blocking runtime was shut down".into())),
        }
    }
}

/// The blocking Aymara client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    rt: Rt,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Client")
            .field("inner", &self.inner)
            .finish()
    }
}

impl Client {
    /// Wraps an async client (and shares its connection pool).
    pub fn new(inner: crate::Client) -> Result<Self> {
        Ok(Self {
            inner,
            rt: Rt::new()?,
        })
    }

    /// A builder; finish it with [`ClientBuilder::build_blocking`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the `AYMARA_AI_*` environment variables.
    pub fn from_env() -> Result<Self> {
        ClientBuilder::default().build_blocking()
    }

    /// The async client this one wraps.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// The files resource.
    pub fn files(&self) -> Files {
        Files::new(self.inner.files(), self.rt.clone())
    }

    /// The evals resource (eval runs under `.runs()`).
    pub fn evals(&self) -> Evals {
        Evals::new(self.inner.evals(), self.rt.clone())
    }

    /// The eval types resource.
    pub fn eval_types(&self) -> EvalTypes {
        EvalTypes::new(self.inner.eval_types(), self.rt.clone())
    }

    /// The reports resource.
    pub fn reports(&self) -> Reports {
        Reports::new(self.inner.reports(), self.rt.clone())
    }

    /// The health check.
    pub fn health(&self) -> Health {
        Health::new(self.inner.health(), self.rt.clone())
    }
}

impl ClientBuilder {
    /// Builds a [`blocking::Client`](Client): its runtime first, then the async client and its
    /// connection pool inside that runtime.
    pub fn build_blocking(self) -> Result<Client> {
        let rt = Rt::new()?;
        let inner = match &rt.0.0 {
            Some(runtime) => {
                let _entered = runtime.enter();
                self.build()?
            }
            None => self.build()?,
        };
        Ok(Client { inner, rt })
    }
}
