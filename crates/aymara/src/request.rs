//! The request builder every SDK method returns, and the one function that runs it.
//!
//! A method such as `client.files().get(id)` returns a [`Request`]: the operation's parameters
//! plus [`RequestOptions`]. `.send().await` (or just `.await`) runs it through the transport and
//! returns the decoded value; `.send_raw().await` returns a [`RawResponse`] whose body is read
//! only when asked.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use aymara_raw::ResponseValue;
use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::Client;
use crate::error::{ApiError, CallContext, DecodeError, Error, Result, snippet};
use crate::options::{RequestOptions, option_setters};
use crate::transport::{CallExecutor, CallSpec};

/// Applies optional arguments to a generated builder:
/// `with_opt!(raw.files_list(), limit = window.limit, file_type = filter)` calls each setter
/// whose value is `Some` (the generated setters take plain values).
macro_rules! with_opt {
    ($builder:expr $(, $setter:ident = $value:expr)* $(,)?) => {{
        let builder = $builder;
        $(let builder = match $value {
            Some(v) => builder.$setter(v),
            None => builder,
        };)*
        builder
    }};
}
pub(crate) use with_opt;

/// Boxed, sendable future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What the generated client returns for one operation.
pub(crate) type RawResult<T> = std::result::Result<ResponseValue<T>, aymara_raw::Error<()>>;

/// One API operation: its parameters and how to send them with the generated client.
pub trait Operation: Send + Sized + 'static {
    /// The decoded success body.
    type Output: DeserializeOwned + Send + 'static;
    /// The OpenAPI operation id.
    const ID: &'static str;
    /// Whether the request carries a JSON body (so `extra_body` can be merged into it).
    const JSON_BODY: bool;

    /// Rejects bad input before any request is sent.
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    #[doc(hidden)]
    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>>;
}

/// The async execution mode (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct Async;

/// A prepared call: parameters and per-request options. Run it with `.send().await`, `.await`
/// or `.send_raw().await`.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<O, M = Async> {
    pub(crate) client: Client,
    pub(crate) op: O,
    pub(crate) options: RequestOptions,
    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) mode: M,
}

impl<O: Clone, M: Clone> Clone for Request<O, M> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            op: self.op.clone(),
            options: self.options.clone(),
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
            mode,
        }
    }

    pub(crate) fn map_op(mut self, f: impl FnOnce(&mut O)) -> Self {
        f(&mut self.op);
        self
    }

    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn into_async(self) -> Request<O, Async> {
        Request {
            client: self.client,
            op: self.op,
            options: self.options,
            mode: Async,
        }
    }

    option_setters!();
}

impl<O: Operation> Request<O, Async> {
    /// Sends the request and decodes the response.
    pub async fn send(self) -> Result<O::Output> {
        match run(&self.client, self.op, self.options, false).await? {
            Executed::Value(v) => Ok(v.into_inner()),
            Executed::Raw(r) => r.parse().await,
        }
    }

    /// Sends the request and returns the response with its body unread: status, headers and
    /// request id at once, then [`RawResponse::parse`], [`RawResponse::bytes`] or
    /// [`RawResponse::bytes_stream`] on demand. This is the Rust form of the official client's
    /// `with_raw_response` and `with_streaming_response`. Error statuses are still errors.
    pub async fn send_raw(self) -> Result<RawResponse<O::Output>> {
        match run(&self.client, self.op, self.options, true).await? {
            Executed::Raw(r) => Ok(r),
            // Unreachable in practice: capture always hands back the response on success.
            Executed::Value(_) => Err(Error::Upload("the response was not captured".into())),
        }
    }
}

impl<O: Operation> IntoFuture for Request<O, Async> {
    type Output = Result<O::Output>;
    type IntoFuture = BoxFuture<Result<O::Output>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

pub(crate) enum Executed<T> {
    Value(ResponseValue<T>),
    Raw(RawResponse<T>),
}

/// Runs one operation through the transport and maps every failure to [`Error`].
pub(crate) async fn run<O: Operation>(
    client: &Client,
    op: O,
    options: RequestOptions,
    capture: bool,
) -> Result<Executed<O::Output>> {
    op.validate()?;
    let headers = options.validate(O::JSON_BODY)?;
    let spec = CallSpec {
        capture,
        ..CallSpec::new(options, headers)
    };
    let (raw, call) = client.raw_for_call(spec);
    let result = op.call(raw).await;
    let (captured, failure) = {
        let mut st = call.state();
        (st.captured.take(), st.failure.take())
    };
    if let Some(failure) = failure {
        return Err(failure);
    }
    match (result, captured) {
        (_, Some(response)) => {
            let context = call.state().context.clone();
            let limit = client.config().max_response_body;
            Ok(Executed::Raw(RawResponse::new(response, context, limit)))
        }
        (Ok(v), None) => Ok(Executed::Value(v)),
        (Err(e), None) => Err(from_raw::<O::Output>(e, &call).await),
    }
}

/// Maps a generated-client error, using what the transport recorded about the call.
pub(crate) async fn from_raw<T: DeserializeOwned>(
    e: aymara_raw::Error<()>,
    call: &CallExecutor,
) -> Error {
    let (context, status, request_id) = {
        let s = call.state();
        (
            s.context.clone(),
            s.status,
            s.request_id
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        )
    };
    match e {
        aymara_raw::Error::CommunicationError(source)
        | aymara_raw::Error::ResponseBodyError(source) => transport_error(source, context),
        aymara_raw::Error::InvalidResponsePayload(bytes, source) => {
            decode_error::<T>(&bytes, source, status, request_id, context)
        }
        aymara_raw::Error::UnexpectedResponse(response) => api_error(response, context).await,
        aymara_raw::Error::InvalidRequest(reason) => Error::invalid(context.operation, reason),
        aymara_raw::Error::ErrorResponse(rv) => Error::from_api(ApiError::new(
            rv.status(),
            rv.headers().clone(),
            String::new(),
            context,
        )),
        aymara_raw::Error::InvalidUpgrade(source) => transport_error(source, context),
        aymara_raw::Error::Custom(reason) => Error::invalid(context.operation, reason),
    }
}

pub(crate) fn transport_error(source: reqwest::Error, context: CallContext) -> Error {
    let sent = !source.is_connect();
    transport_error_after(source, context, sent)
}

/// A transport error; `sent` says whether the request may have reached the server in full.
pub(crate) fn transport_error_after(
    source: reqwest::Error,
    context: CallContext,
    sent: bool,
) -> Error {
    if source.is_timeout() {
        Error::Timeout {
            context: Box::new(context),
            detail: if source.is_connect() {
                "could not connect in time".into()
            } else {
                "no complete response in time".into()
            },
            may_have_been_processed: sent && !source.is_connect(),
        }
    } else {
        Error::Connection {
            context: Box::new(context),
            source,
        }
    }
}

/// Builds the status-specific error from an error response whose body the transport has
/// already read (bounded in size and time), so this never waits on the network.
pub(crate) async fn api_error(response: reqwest::Response, context: CallContext) -> Error {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    if status.is_success() {
        // A 2xx the generated code did not expect (e.g. an empty body); keep it visible.
        return Error::Status(Box::new(ApiError::new(status, headers, body, context)));
    }
    Error::from_api(ApiError::new(status, headers, body, context))
}

pub(crate) fn decode_error<T: DeserializeOwned>(
    bytes: &[u8],
    source: serde_json::Error,
    status: Option<StatusCode>,
    request_id: Option<String>,
    context: CallContext,
) -> Error {
    // Decode again, this time tracking the path, to name the field that failed.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => Some(e.path().to_string()).filter(|p| p != "." && !p.is_empty()),
        Ok(_) => None,
    };
    Error::Decode(Box::new(DecodeError {
        status,
        request_id,
        path,
        body_snippet: snippet(&String::from_utf8_lossy(bytes), 300),
        context,
        source,
    }))
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

impl<T: DeserializeOwned> RawResponse<T> {
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
                crate::transport::BodyError::Transport(e) => transport_error(e, context),
                crate::transport::BodyError::TooLarge => Error::ResponseTooLarge {
                    context: Box::new(context),
                    limit,
                },
            })
    }

    /// Reads the body and decodes it as the operation's type.
    pub async fn parse(self) -> Result<T> {
        let status = self.response.status();
        let request_id = self.request_id().map(str::to_owned);
        let context = self.context.clone();
        let bytes = self.bytes().await?;
        // Empty bodies (204) decode as JSON null, which is what `()` expects.
        let input: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &bytes
        };
        serde_json::from_slice(input)
            .map_err(|e| decode_error::<T>(input, e, Some(status), request_id, context))
    }

    /// The body as a stream of chunks, read as it arrives.
    pub fn bytes_stream(self) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
        let context = self.context;
        self.response
            .bytes_stream()
            .map_err(move |e| transport_error(e, context.clone()))
    }

    /// The underlying `reqwest::Response`.
    pub fn into_inner(self) -> reqwest::Response {
        self.response
    }
}

/// Rejects, before any request, an id that could not stay one path segment (empty, `.`, `..`,
/// `/`, `\`, control characters): the rule of [`aymara_raw::path::check`], which the generated
/// code applies again when it builds the URL.
pub(crate) fn require_id(field: &'static str, value: &str) -> Result<()> {
    match aymara_raw::path::check(value) {
        None => Ok(()),
        Some(reason) => Err(Error::invalid(field, reason)),
    }
}
