//! A synchronous client with the same resources and methods (feature `blocking`).
//!
//! Like `reqwest::blocking`, it runs the async client on a private runtime, so it must not be
//! called from inside an async runtime (that returns [`Error::BlockingInAsync`] instead of
//! blocking a worker). Lists are iterators instead of streams.
//!
//! ```no_run
//! # fn main() -> Result<(), aymara::Error> {
//! let client = aymara::blocking::Client::from_env()?;
//! for file in client.files().list().items() {
//!     println!("{}", file?.file_uuid);
//! }
//! # Ok(()) }
//! ```

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::files::{Upload, UploadMany};
use crate::pagination::Page;
use crate::polling::Wait;
use crate::request::{Operation, Request};
use crate::types::FileUpload;
use crate::{ClientBuilder, eval_types, evals, files, health, reports};
use aymara_raw::operation::Paginated;

/// The blocking execution mode: a handle to the client's private runtime.
#[derive(Clone)]
pub struct Blocking {
    rt: Arc<Runtime>,
}

impl std::fmt::Debug for Blocking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Blocking")
    }
}

struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        // Shutting down in the background never blocks, so dropping the client is safe anywhere.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl Blocking {
    fn new() -> Result<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("aymara-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("starting the blocking runtime: {e}")))?;
        Ok(Self {
            rt: Arc::new(Runtime(Some(rt))),
        })
    }

    fn block_on<F: Future>(&self, f: F) -> Result<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::BlockingInAsync);
        }
        match &self.rt.0 {
            Some(rt) => Ok(rt.block_on(f)),
            None => Err(Error::Config("the blocking runtime was shut down".into())),
        }
    }
}

/// The blocking Aymara client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
    mode: Blocking,
}

impl Client {
    /// Wraps an async client.
    pub fn new(inner: crate::Client) -> Result<Self> {
        Ok(Self {
            inner,
            mode: Blocking::new()?,
        })
    }

    /// A builder; finish it with [`ClientBuilder::build_blocking`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the `AYMARA_AI_*` environment variables.
    pub fn from_env() -> Result<Self> {
        Self::new(crate::Client::from_env()?)
    }

    /// The async client this one wraps.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// The files resource.
    pub fn files(&self) -> files::Files<Blocking> {
        files::Files::new(self.inner.clone(), self.mode.clone())
    }

    /// The evals resource (eval runs under `.runs()`).
    pub fn evals(&self) -> evals::Evals<Blocking> {
        evals::Evals::new(self.inner.clone(), self.mode.clone())
    }

    /// The eval types resource.
    pub fn eval_types(&self) -> eval_types::EvalTypes<Blocking> {
        eval_types::EvalTypes::new(self.inner.clone(), self.mode.clone())
    }

    /// The reports resource.
    pub fn reports(&self) -> reports::Reports<Blocking> {
        reports::Reports::new(self.inner.clone(), self.mode.clone())
    }

    /// The health check.
    pub fn health(&self) -> health::Health<Blocking> {
        health::Health::new(self.inner.clone(), self.mode.clone())
    }
}

impl ClientBuilder {
    /// Builds a [`blocking::Client`](Client).
    pub fn build_blocking(self) -> Result<Client> {
        Client::new(self.build()?)
    }
}

impl<O: Operation> Request<O, Blocking> {
    /// Sends the request and decodes the response.
    pub fn send(self) -> Result<O::Output> {
        let mode = self.mode.clone();
        mode.block_on(self.into_async().send())?
    }

    /// Sends the request; the body is read only when asked (see [`crate::RawResponse`]).
    pub fn send_raw(self) -> Result<RawResponse<O::Output>> {
        let mode = self.mode.clone();
        let inner = mode.block_on(self.into_async().send_raw())??;
        Ok(RawResponse { inner, mode })
    }
}

impl<O: Paginated> Request<O, Blocking> {
    /// Fetches one page.
    pub fn send_page(self) -> Result<Page<O::Item, Request<O, Blocking>>> {
        let mode = self.mode.clone();
        let page = mode.block_on(self.into_async().send_page())??;
        Ok(page.map_next(|next| next.with_mode(mode.clone())))
    }

    /// Every page, in order.
    pub fn pages(self) -> Iter<Page<O::Item, Request<O, Blocking>>> {
        let mode = self.mode.clone();
        let m = mode.clone();
        let stream = self
            .into_async()
            .pages()
            .map(move |p| p.map(|page| page.map_next(|next| next.with_mode(m.clone()))))
            .boxed();
        Iter {
            mode,
            stream: Some(stream),
        }
    }

    /// Every item of every page, in order.
    pub fn items(self) -> Iter<O::Item> {
        let mode = self.mode.clone();
        Iter {
            mode,
            stream: Some(self.into_async().items().boxed()),
        }
    }

    /// Collects every item of every page.
    pub fn collect_all(self) -> Result<Vec<O::Item>> {
        self.items().collect()
    }
}

impl<T, O: Paginated<Item = T>> Page<T, Request<O, Blocking>> {
    /// Fetches the next page, or `None` after the last one.
    pub fn next_page(&self) -> Result<Option<Page<T, Request<O, Blocking>>>> {
        match self.next_request() {
            Some(next) => next.clone().send_page().map(Some),
            None => Ok(None),
        }
    }
}

impl<O, M> Request<O, M> {
    pub(crate) fn with_mode<N>(self, mode: N) -> Request<O, N> {
        Request {
            client: self.client,
            op: self.op,
            options: self.options,
            refused: self.refused,
            prefetch: self.prefetch,
            mode,
        }
    }
}

/// A blocking iterator over a paginated list.
pub struct Iter<T> {
    mode: Blocking,
    stream: Option<BoxStream<'static, Result<T>>>,
}

impl<T> Iterator for Iter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let stream = self.stream.as_mut()?;
        match self.mode.block_on(stream.next()) {
            Ok(Some(Ok(item))) => Some(Ok(item)),
            Ok(Some(Err(e))) => {
                self.stream = None;
                Some(Err(e))
            }
            Ok(None) => {
                self.stream = None;
                None
            }
            Err(e) => {
                self.stream = None;
                Some(Err(e))
            }
        }
    }
}

impl<O: Operation> Wait<O, Blocking> {
    /// Polls until done, failed or the deadline.
    pub fn send(self) -> Result<O::Output> {
        let mode = self.request.mode.clone();
        mode.block_on(self.into_async().send())?
    }
}

impl Upload<Blocking> {
    /// Uploads the file.
    pub fn send(self) -> Result<FileUpload> {
        let mode = self.mode.clone();
        mode.block_on(self.into_async().send())?
    }
}

impl UploadMany<Blocking> {
    /// Runs every upload; one result per source, in order.
    pub fn send(self) -> Result<Vec<Result<FileUpload>>> {
        let mode = self.mode.clone();
        mode.block_on(self.into_async().send())
    }
}

/// A blocking response whose body is read only when asked.
pub struct RawResponse<T> {
    inner: crate::RawResponse<T>,
    mode: Blocking,
}

impl<T: DeserializeOwned + 'static> RawResponse<T> {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.inner.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.inner.headers()
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id()
    }

    /// Reads the whole body.
    pub fn bytes(self) -> Result<Bytes> {
        self.mode.block_on(self.inner.bytes())?
    }

    /// Reads and decodes the body.
    pub fn parse(self) -> Result<T> {
        self.mode.block_on(self.inner.parse())?
    }
}
