//! The request builder every SDK method returns, and the one function that runs it.
//!
//! A method such as `client.files().get(id)` returns a [`Request`]: the operation's parameters
//! plus [`RequestOptions`]. `.send().await` (or just `.await`) runs it through the transport and
//! returns the decoded value; `.send_raw().await` returns a [`RawResponse`] whose body is read
//! only when asked.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

pub use aymara_raw::operation::Operation;

use crate::Client;
use crate::error::{CallContext, Error, Result};
use crate::options::{RequestOptions, option_setters};
use crate::transport::Read;

/// Boxed, sendable future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The async execution mode (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct Async;

/// A prepared call: one generated operation (its fields are the API's parameters, each with a
/// setter here) and per-request options. Run it with `.send().await`, `.await` or
/// `.send_raw().await`.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<O, M = Async> {
    pub(crate) client: Client,
    pub(crate) op: O,
    pub(crate) options: RequestOptions,
    /// The first bad value given to a setter, reported when the request is sent.
    pub(crate) refused: Option<(&'static str, &'static str)>,
    /// List requests: pages fetched ahead once the total is known.
    pub(crate) prefetch: usize,
    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) mode: M,
}

impl<O: Clone, M: Clone> Clone for Request<O, M> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            op: self.op.clone(),
            options: self.options.clone(),
            refused: self.refused,
            prefetch: self.prefetch,
            mode: self.mode.clone(),
        }
    }
}

impl<O: std::fmt::Debug, M> std::fmt::Debug for Request<O, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("op", &self.op)
            .field("options", &self.options)
            .finish()
    }
}

impl<O, M> Request<O, M> {
    pub(crate) fn new(client: Client, op: O, mode: M) -> Self {
        Self {
            client,
            op,
            options: RequestOptions::default(),
            refused: None,
            prefetch: 0,
            mode,
        }
    }

    /// The operation as it will be sent: every parameter, as a public field.
    pub fn op(&self) -> &O {
        &self.op
    }

    /// Changes the operation's parameters directly (for what no setter covers).
    pub fn map_op(mut self, f: impl FnOnce(&mut O)) -> Self {
        f(&mut self.op);
        self
    }

    /// Records a value a setter could not accept; the request then fails when sent.
    pub(crate) fn invalid(mut self, field: &'static str, reason: &'static str) -> Self {
        if self.refused.is_none() {
            self.refused = Some((field, reason));
        }
        self
    }

    /// The setter error recorded, if any.
    pub(crate) fn check_refused(&self) -> Result<()> {
        match self.refused {
            Some((field, reason)) => Err(Error::invalid(field, reason)),
            None => Ok(()),
        }
    }

    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn into_async(self) -> Request<O, Async> {
        Request {
            client: self.client,
            op: self.op,
            options: self.options,
            refused: self.refused,
            prefetch: self.prefetch,
            mode: Async,
        }
    }

    option_setters!();
}

// A setter per optional parameter and body field of every operation, generated from the spec.
aymara_raw::request_setters!(Request);

impl<O: Operation> Request<O, Async> {
    /// Sends the request and decodes the response.
    pub async fn send(self) -> Result<O::Output> {
        self.check_refused()?;
        crate::transport::send(self.client.config(), &self.op, &self.options).await
    }

    /// Sends the request and returns the response with its body unread: status, headers and
    /// request id at once, then [`RawResponse::parse`], [`RawResponse::bytes`] or
    /// [`RawResponse::bytes_stream`] on demand. This is the Rust form of the official client's
    /// `with_raw_response` and `with_streaming_response`. Error statuses are still errors.
    pub async fn send_raw(self) -> Result<RawResponse<O::Output>> {
        self.check_refused()?;
        let config = self.client.config();
        let done =
            crate::transport::call(config, &self.op, &self.options, Read::SuccessUnread).await?;
        Ok(RawResponse::new(
            done.response,
            done.context,
            config.max_response_body,
        ))
    }
}

impl<O: Operation> IntoFuture for Request<O, Async> {
    type Output = Result<O::Output>;
    type IntoFuture = BoxFuture<Result<O::Output>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A response whose body has not been read yet. Reading it is still bounded by the call's
/// timeout and, for [`bytes`](Self::bytes) and [`parse`](Self::parse), by the client's
/// response size limit.
pub struct RawResponse<T> {
    response: reqwest::Response,
    context: CallContext,
    limit: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for RawResponse<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.response.status())
            .field("operation", &self.context.operation)
            .finish()
    }
}

impl<T: DeserializeOwned + 'static> RawResponse<T> {
    pub(crate) fn new(response: reqwest::Response, context: CallContext, limit: u64) -> Self {
        Self {
            response,
            context,
            limit,
            _t: PhantomData,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.response.status()
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// The server's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        ["x-request-id", "request-id"].iter().find_map(|h| {
            self.response
                .headers()
                .get(*h)
                .and_then(|v| v.to_str().ok())
        })
    }

    /// Attempts made, retries included.
    pub fn attempts(&self) -> u32 {
        self.context.attempts
    }

    /// Reads the whole body.
    pub async fn bytes(self) -> Result<Bytes> {
        let Self {
            mut response,
            context,
            limit,
            ..
        } = self;
        crate::transport::read_bytes(&mut response, limit)
            .await
            .map_err(|e| match e {
                crate::transport::BodyError::Transport(e) => {
                    crate::transport::transport_error(e, context, true)
                }
                crate::transport::BodyError::TooLarge => Error::ResponseTooLarge {
                    context: Box::new(context),
                    limit,
                },
            })
    }

    /// Reads the body and decodes it as the operation's type.
    pub async fn parse(self) -> Result<T> {
        let status = self.response.status();
        let headers = self.response.headers().clone();
        let context = self.context.clone();
        let bytes = self.bytes().await?;
        crate::transport::parse_body(&bytes, status, &headers, &context)
    }

    /// The body as a stream of chunks, read as it arrives.
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        let context = self.context;
        self.response
            .bytes_stream()
            .map_err(move |e| crate::transport::transport_error(e, context.clone(), true))
    }

    /// The underlying `reqwest::Response`.
    pub fn into_inner(self) -> reqwest::Response {
        self.response
    }
}
