//! Blocking requests, pages, waits and raw responses: each wraps its async twin.

use aymara_raw::operation::Paginated;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::Rt;
use crate::error::Result;
use crate::options::option_setters;
use crate::pagination::Page;
use crate::polling::{PollState, WaitProgress};
use crate::request::Operation;

/// A prepared blocking call: the async [`crate::Request`] and the client's runtime. Run it with
/// `.send()` or `.send_raw()`.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<O> {
    pub(crate) inner: crate::Request<O>,
    pub(crate) rt: Rt,
}

impl<O: Clone> Clone for Request<O> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            rt: self.rt.clone(),
        }
    }
}

impl<O: std::fmt::Debug> std::fmt::Debug for Request<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<O> Request<O> {
    pub(crate) fn new(inner: crate::Request<O>, rt: &Rt) -> Self {
        Self {
            inner,
            rt: rt.clone(),
        }
    }

    /// The operation as it will be sent: every parameter, as a public field.
    pub fn op(&self) -> &O {
        self.inner.op()
    }

    /// Changes the operation's parameters directly (for what no setter covers).
    pub fn map_op(mut self, f: impl FnOnce(&mut O)) -> Self {
        self.inner = self.inner.map_op(f);
        self
    }

    /// Records a value a setter could not accept; the request then fails when sent.
    pub(crate) fn invalid(mut self, field: &'static str, reason: &'static str) -> Self {
        self.inner = self.inner.invalid(field, reason);
        self
    }

    option_setters!(inner.options);
}

// The same generated setters and hand-written extras as the async `Request`.
aymara_raw::request_setters!(Request);
crate::files::extras!(Request);
crate::evals::extras!(Request);
crate::runs::extras!(Request);
crate::reports::extras!(Request);

impl<O: Operation> Request<O> {
    /// Sends the request and decodes the response.
    pub fn send(self) -> Result<O::Output> {
        self.rt.block_on(self.inner.send())?
    }

    /// Sends the request; the body is read only when asked (see [`crate::RawResponse`]).
    pub fn send_raw(self) -> Result<RawResponse<O::Output>> {
        let inner = self.rt.block_on(self.inner.send_raw())??;
        Ok(RawResponse { inner, rt: self.rt })
    }

    /// Repeats this request until `acceptor` says done or failed (see
    /// [`crate::Request::wait_until`]).
    pub fn wait_until(
        self,
        acceptor: impl Fn(&O::Output) -> PollState + Send + Sync + 'static,
    ) -> Wait<O> {
        Wait {
            inner: self.inner.wait_until(acceptor),
            rt: self.rt,
        }
    }
}

impl<O: Paginated> Request<O> {
    /// Pages fetched ahead once the total is known (see [`crate::Request::prefetch`]).
    pub fn prefetch(mut self, depth: usize) -> Self {
        self.inner = self.inner.prefetch(depth);
        self
    }

    /// Fetches one page.
    pub fn send_page(self) -> Result<Page<O::Item, Request<O>>> {
        let rt = self.rt;
        let page = rt.block_on(self.inner.send_page())??;
        Ok(page.map_next(|next| Request::new(next, &rt)))
    }

    /// Every page, in order.
    pub fn pages(self) -> Iter<Page<O::Item, Request<O>>> {
        let rt = self.rt;
        let r = rt.clone();
        let stream = self
            .inner
            .pages()
            .map(move |p| p.map(|page| page.map_next(|next| Request::new(next, &r))))
            .boxed();
        Iter {
            rt,
            stream: Some(stream),
        }
    }

    /// Every item of every page, in order.
    pub fn items(self) -> Iter<O::Item> {
        Iter {
            stream: Some(self.inner.items().boxed()),
            rt: self.rt,
        }
    }

    /// Collects every item of every page.
    pub fn collect_all(self) -> Result<Vec<O::Item>> {
        self.items().collect()
    }
}

impl<T, O: Paginated<Item = T>> Page<T, Request<O>> {
    /// Fetches the next page, or `None` after the last one.
    pub fn next_page(&self) -> Result<Option<Page<T, Request<O>>>> {
        match self.next_request() {
            Some(next) => next.clone().send_page().map(Some),
            None => Ok(None),
        }
    }
}

/// A blocking iterator over a paginated list; it ends after the first error.
pub struct Iter<T> {
    rt: Rt,
    stream: Option<BoxStream<'static, Result<T>>>,
}

impl<T> Iterator for Iter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let stream = self.stream.as_mut()?;
        let next = match self.rt.block_on(stream.next()) {
            Ok(next) => next,
            Err(e) => Some(Err(e)),
        };
        if !matches!(next, Some(Ok(_))) {
            self.stream = None;
        }
        next
    }
}

/// A blocking wait: the async [`crate::polling::Wait`] on the client's runtime.
#[must_use = "a waiter does nothing until sent"]
pub struct Wait<O: Operation> {
    pub(crate) inner: crate::polling::Wait<O>,
    pub(crate) rt: Rt,
}

impl<O: Operation> Wait<O> {
    pub(crate) fn new(inner: crate::polling::Wait<O>, rt: &Rt) -> Self {
        Self {
            inner,
            rt: rt.clone(),
        }
    }

    /// Replaces every setting at once with a prepared [`crate::polling::WaitConfig`].
    pub fn with_config(mut self, config: crate::polling::WaitConfig) -> Self {
        self.inner = self.inner.with_config(config);
        self
    }

    /// First interval between polls (default 1 s).
    pub fn interval(mut self, interval: std::time::Duration) -> Self {
        self.inner = self.inner.interval(interval);
        self
    }

    /// Largest interval between polls (default 10 s).
    pub fn max_interval(mut self, interval: std::time::Duration) -> Self {
        self.inner = self.inner.max_interval(interval);
        self
    }

    /// Growth factor of the interval after each poll (default 1.5).
    pub fn backoff(mut self, factor: f64) -> Self {
        self.inner = self.inner.backoff(factor);
        self
    }

    /// Gives up after this long (default 15 minutes).
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.inner = self.inner.timeout(timeout);
        self
    }

    /// Called after every poll with the status seen.
    pub fn on_progress(mut self, f: impl Fn(&WaitProgress) + Send + Sync + 'static) -> Self {
        self.inner = self.inner.on_progress(f);
        self
    }

    /// Polls until done, failed or the deadline.
    pub fn send(self) -> Result<O::Output> {
        self.rt.block_on(self.inner.send())?
    }
}

/// A blocking response whose body is read only when asked.
pub struct RawResponse<T> {
    inner: crate::RawResponse<T>,
    rt: Rt,
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
        self.rt.block_on(self.inner.bytes())?
    }

    /// Reads and decodes the body.
    pub fn parse(self) -> Result<T> {
        self.rt.block_on(self.inner.parse())?
    }
}
