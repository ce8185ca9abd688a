//! A response whose body is read only when asked (`send_raw`).

use std::marker::PhantomData;

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{CallContext, Error, Result};

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
        crate::http::exchange::read_bytes(&mut response, limit)
            .await
            .map_err(|e| match e {
                crate::http::exchange::BodyError::Transport(e) => {
                    crate::http::exchange::transport_error(e, context, true)
                }
                crate::http::exchange::BodyError::TooLarge => Error::ResponseTooLarge {
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
        crate::http::exchange::parse_body(&bytes, status, &headers, &context)
    }

    /// The body as a stream of chunks, read as it arrives.
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        let context = self.context;
        self.response
            .bytes_stream()
            .map_err(move |e| crate::http::exchange::transport_error(e, context.clone(), true))
    }

    /// The underlying `reqwest::Response`.
    pub fn into_inner(self) -> reqwest::Response {
        self.response
    }
}
