//! The request builder every SDK method returns.
//!
//! A method such as `client.files().get(id)` returns a [`Request`]: one generated operation
//! (its fields are the API's parameters, each with a setter generated from the spec) plus
//! [`RequestOptions`]. `.send().await` (or just `.await`) runs it through the exchange and
//! returns the decoded value; `.send_raw().await` returns a [`RawResponse`] whose body is read
//! only when asked.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

pub use aymara_raw::operation::Operation;

use crate::Client;
use crate::error::{Error, Result};
use crate::http::exchange::Read;
use crate::http::raw::RawResponse;
use crate::options::{RequestOptions, option_setters};

/// Boxed, sendable future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A prepared call: one generated operation and per-request options. Run it with
/// `.send().await`, `.await` or `.send_raw().await`.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<O> {
    pub(crate) client: Client,
    pub(crate) op: O,
    pub(crate) options: RequestOptions,
    /// The first bad value given to a setter, reported when the request is sent.
    pub(crate) refused: Option<(&'static str, &'static str)>,
    /// List requests: pages fetched ahead once the total is known.
    pub(crate) prefetch: usize,
}

impl<O: Clone> Clone for Request<O> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            op: self.op.clone(),
            options: self.options.clone(),
            refused: self.refused,
            prefetch: self.prefetch,
        }
    }
}

impl<O: std::fmt::Debug> std::fmt::Debug for Request<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("op", &self.op)
            .field("options", &self.options)
            .finish()
    }
}

impl<O> Request<O> {
    pub(crate) fn new(client: Client, op: O) -> Self {
        Self {
            client,
            op,
            options: RequestOptions::default(),
            refused: None,
            prefetch: 0,
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

    option_setters!();
}

// A setter per optional parameter and body field of every operation, generated from the spec.
aymara_raw::request_setters!(Request);

impl<O: Operation> Request<O> {
    /// Sends the request and decodes the response.
    pub async fn send(self) -> Result<O::Output> {
        self.check_refused()?;
        crate::http::exchange::send(self.client.config(), &self.op, &self.options).await
    }

    /// Sends the request and returns the response with its body unread: status, headers and
    /// request id at once, then [`RawResponse::parse`], [`RawResponse::bytes`] or
    /// [`RawResponse::bytes_stream`] on demand. This is the Rust form of the official client's
    /// `with_raw_response` and `with_streaming_response`. Error statuses are still errors.
    pub async fn send_raw(self) -> Result<RawResponse<O::Output>> {
        self.check_refused()?;
        let config = self.client.config();
        let done =
            crate::http::exchange::call(config, &self.op, &self.options, Read::SuccessUnread)
                .await?;
        let context = done.context();
        Ok(RawResponse::new(
            done.response,
            context,
            config.max_response_body,
        ))
    }
}

impl<O: Operation> IntoFuture for Request<O> {
    type Output = Result<O::Output>;
    type IntoFuture = BoxFuture<Result<O::Output>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
