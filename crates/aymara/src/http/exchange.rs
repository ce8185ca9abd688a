//! The one exchange every call goes through: JSON operations, uploads (a body that can be
//! replayed or not), presigned PUTs, raw responses and the bare generated client.
//!
//! [`call`] turns a generated operation into a request once: URL (path segments encoded by the
//! generated code, query from the operation, the client's defaults and the call's options, later
//! ones overriding earlier ones), headers, and the JSON body with `extra_body` merged into the
//! value before it is serialized. [`exchange`] then owns every attempt: auth and headers, send,
//! read the body (bounded in size, under the same deadline), classify per [`crate::retry`],
//! wait, retry. Decoding happens after, with the field path on failure. One `tracing` span per
//! call (`aymara.request`: operation, method, path, status, attempts, request id).

use std::sync::Arc;
use std::time::Duration;

use aymara_raw::operation::{Operation, Query};
use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::config::Config;
use crate::error::{ApiError, CallContext, DecodeError, Error, Result, request_id_value, snippet};
use crate::options::RequestOptions;
use crate::retry::Outcome;

// Header names built at compile time: inserting by `&str` parses the name each time.
const RETRY_COUNT_HEADER: HeaderName = HeaderName::from_static("x-aymara-retry-count");

/// How much of the final response the exchange reads before handing it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// The whole body, whatever the status (bounded by the client's size limit).
    Whole,
    /// Error bodies only; a 2xx is handed back unread (raw and streaming access).
    SuccessUnread,
}

/// Rebuilds a request whose body cannot be cloned (a streamed upload), so it can be retried.
pub(crate) type Replay = Arc<dyn Fn() -> Option<reqwest::Request> + Send + Sync>;

/// An upload body's clocks, stopped while the exchange waits to retry (so the wait is neither a
/// stall nor a slow response). A trait, so that the exchange does not depend on the upload module.
pub(crate) trait RetryPause: Send + Sync {
    /// The exchange is about to wait before the next attempt.
    fn pause(&self);
    /// The next attempt starts.
    fn resume(&self);
}

/// One exchange: a built request and how to run it.
pub(crate) struct Exchange<'a> {
    pub(crate) operation: &'static str,
    pub(crate) request: reqwest::Request,
    /// Validated extra headers of the call.
    pub(crate) headers: &'a HeaderMap,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) read: Read,
    /// Presigned object-storage URLs: no credentials, no URL in errors (its query is a
    /// signature).
    pub(crate) bare: bool,
    /// Builds the request again for a retry; `None` sends it once.
    pub(crate) rebuild: Option<&'a (dyn Fn() -> Option<reqwest::Request> + Send + Sync)>,
    /// Uploads: their progress, paused while waiting to retry (so the wait is not a stall). An
    /// upload has no total deadline per attempt: the caller's stall guard watches the body.
    pub(crate) tracker: Option<Arc<dyn RetryPause>>,
}

/// The final response of an exchange (any status), with its body when it was read.
pub(crate) struct Exchanged {
    pub(crate) response: reqwest::Response,
    pub(crate) body: Option<Bytes>,
    operation: &'static str,
    method: Method,
    attempts: u32,
}

impl Exchanged {
    /// Where the call went, for errors (built only when one is).
    pub(crate) fn context(&self) -> CallContext {
        CallContext {
            operation: self.operation,
            method: self.method.clone(),
            path: self.response.url().path().to_owned(),
            attempts: self.attempts,
        }
    }
}

/// Why an exchange produced no response.
pub(crate) enum Failed {
    /// Connecting, sending or reading failed; the error as reqwest reported it.
    Transport {
        source: reqwest::Error,
        context: CallContext,
    },
    /// The body passed the client's size limit.
    TooLarge { limit: u64, context: CallContext },
}

impl Failed {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failed::Transport { source, context } => {
                let sent = !source.is_connect();
                transport_error(source, context, sent)
            }
            Failed::TooLarge { limit, context } => Error::ResponseTooLarge {
                context: Box::new(context),
                limit,
            },
        }
    }
}

/// Sends one generated operation and returns its final successful response; error statuses
/// become the status-specific [`Error`].
pub(crate) async fn call<O: Operation>(
    config: &Config,
    op: &O,
    options: &RequestOptions,
    read: Read,
) -> Result<Exchanged> {
    crate::checks::check_rules(op)?;
    let body = op.body();
    let headers = options.validate(body.is_some())?;
    let request = build::<O>(config, op, options, body)?;
    // A retry builds the request again (it is rare; a clone per attempt is not).
    let rebuild = || build::<O>(config, op, options, body).ok();
    let done = exchange(
        config,
        Exchange {
            operation: O::ID,
            request,
            headers: &headers,
            timeout: options.timeout,
            max_retries: options.max_retries,
            read,
            bare: false,
            rebuild: Some(&rebuild),
            tracker: None,
        },
    )
    .await
    .map_err(Failed::into_error)?;
    if done.response.status().is_success() {
        Ok(done)
    } else {
        Err(status_error(done))
    }
}

/// Sends one generated operation and decodes its output.
pub(crate) async fn send<O: Operation>(
    config: &Config,
    op: &O,
    options: &RequestOptions,
) -> Result<O::Output> {
    let done = call(config, op, options, Read::Whole).await?;
    decode::<O::Output>(&done)
}

/// The request of one operation, its path and query checked on the way.
fn build<O: Operation>(
    config: &Config,
    op: &O,
    options: &RequestOptions,
    body: Option<&O::Body>,
) -> Result<reqwest::Request> {
    let mut url = String::with_capacity(config.base_url.len().saturating_add(64));
    url.push_str(&config.base_url);
    url.push_str(&op.path().map_err(|e| Error::invalid(e.field, e.reason))?);
    let mut url = reqwest::Url::parse(&url).map_err(|e| Error::Config(format!("base URL: {e}")))?;
    let mut query = Query::default();
    op.query(&mut query);
    crate::checks::check_query(&query)?;
    let mut pairs: Vec<(&str, &str)> = query
        .pairs()
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    // Later sources override earlier ones: the operation's, the client's defaults, the call's.
    for (k, v) in config.default_query.iter().chain(&options.query) {
        pairs.retain(|(name, _)| name != k);
        pairs.push((k, v));
    }
    if !pairs.is_empty() {
        url.query_pairs_mut().extend_pairs(pairs);
    }
    let mut request = reqwest::Request::new(O::METHOD, url);
    request.headers_mut().insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    if let Some(body) = body {
        let unserializable =
            |e: serde_json::Error| Error::invalid("body", format!("cannot be serialized: {e}"));
        let bytes = if options.extra_body.is_empty() {
            serde_json::to_vec(body).map_err(unserializable)?
        } else {
            // Merged into the value, so an extra field replaces a generated one of that name.
            let mut value = serde_json::to_value(body).map_err(unserializable)?;
            if let serde_json::Value::Object(map) = &mut value {
                for (k, v) in &options.extra_body {
                    map.insert(k.clone(), v.clone());
                }
            }
            serde_json::to_vec(&value).map_err(unserializable)?
        };
        request.headers_mut().insert(
            reqwest::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        *request.body_mut() = Some(bytes.into());
    }
    Ok(request)
}

/// Decodes a read body as `T`; an empty body decodes as JSON `null` (what `()` expects), and
/// a `()` output ignores whatever body came.
pub(crate) fn decode<T: DeserializeOwned + 'static>(done: &Exchanged) -> Result<T> {
    let bytes = done.body.as_deref().unwrap_or_default();
    parse_body::<T>(
        bytes,
        done.response.status(),
        done.response.headers(),
        &done.context(),
    )
}

pub(crate) fn parse_body<T: DeserializeOwned + 'static>(
    bytes: &[u8],
    status: StatusCode,
    headers: &HeaderMap,
    context: &CallContext,
) -> Result<T> {
    // Operations without a response schema (`()`) succeed whatever body a 2xx carries.
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>()
        && let Ok(v) = serde_json::from_slice::<T>(b"null")
    {
        return Ok(v);
    }
    let input: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    serde_json::from_slice(input).map_err(|e| {
        let request_id = crate::error::header_request_id(headers);
        decode_error::<T>(input, e, Some(status), request_id, context.clone())
    })
}

fn decode_error<T: DeserializeOwned>(
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

/// The status-specific error for a final non-2xx response whose body was read.
pub(crate) fn status_error(done: Exchanged) -> Error {
    let status = done.response.status();
    let headers = done.response.headers().clone();
    let body = done
        .body
        .as_ref()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let context = done.context();
    let api = ApiError::new(status, headers, body, context);
    if status.is_success() {
        Error::Status(Box::new(api))
    } else {
        Error::from_api(api)
    }
}

/// A transport error; `sent` says whether the request may have reached the server in full.
pub(crate) fn transport_error(source: reqwest::Error, context: CallContext, sent: bool) -> Error {
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

/// Runs every attempt of one exchange and returns the final response, or why there was none.
pub(crate) async fn exchange(
    config: &Config,
    ex: Exchange<'_>,
) -> std::result::Result<Exchanged, Failed> {
    // Fields are formatted only when the span is enabled.
    let span = tracing::debug_span!(
        "aymara.request",
        operation = ex.operation,
        method = %ex.request.method(),
        path = %ex.request.url().path(),
        status = tracing::field::Empty,
        attempts = tracing::field::Empty,
        request_id = tracing::field::Empty,
    );
    attempts(config, ex).instrument(span).await
}

/// Where a failed attempt went, for its error.
struct Target {
    operation: &'static str,
    method: Method,
    bare: bool,
}

impl Target {
    fn fail(&self, e: reqwest::Error, attempts: u32) -> Failed {
        record_attempts(attempts);
        let context = CallContext {
            operation: self.operation,
            method: self.method.clone(),
            path: e.url().map(|u| u.path().to_owned()).unwrap_or_default(),
            attempts,
        };
        // Presigned URLs carry their signature in the query: keep it out of error messages.
        let source = if self.bare { e.without_url() } else { e };
        Failed::Transport { source, context }
    }

    fn too_large(&self, config: &Config, response: &reqwest::Response, attempts: u32) -> Failed {
        record_attempts(attempts);
        Failed::TooLarge {
            limit: config.max_response_body,
            context: CallContext {
                operation: self.operation,
                method: self.method.clone(),
                path: response.url().path().to_owned(),
                attempts,
            },
        }
    }

    fn finish(&self, response: reqwest::Response, body: Option<Bytes>, attempts: u32) -> Exchanged {
        let span = tracing::Span::current();
        span.record("attempts", attempts);
        span.record("status", response.status().as_u16());
        if let Some(id) = request_id_value(response.headers()).and_then(|v| v.to_str().ok()) {
            span.record("request_id", id);
        }
        Exchanged {
            response,
            body,
            operation: self.operation,
            method: self.method.clone(),
            attempts,
        }
    }

    /// Reads what `read` asks for, and ends the exchange with it.
    async fn conclude(
        &self,
        config: &Config,
        read: Read,
        resp: reqwest::Response,
        attempts: u32,
    ) -> std::result::Result<Exchanged, (Failed, bool)> {
        match conclude(config, read, resp).await {
            Ok((response, body)) => Ok(self.finish(response, body, attempts)),
            Err((BodyError::TooLarge, response)) => {
                Err((self.too_large(config, &response, attempts), false))
            }
            Err((BodyError::Transport(e), _)) => Err((self.fail(e, attempts), true)),
        }
    }
}

async fn attempts(config: &Config, ex: Exchange<'_>) -> std::result::Result<Exchanged, Failed> {
    let max_retries = ex.max_retries.unwrap_or(config.retry.max_retries);
    let deadline = match ex.tracker {
        Some(_) => None,
        None => Some(attempt_timeout(ex.timeout.unwrap_or(config.timeout))),
    };
    let target = Target {
        operation: ex.operation,
        method: ex.request.method().clone(),
        bare: ex.bare,
    };
    let mut retry = 0u32;
    let mut current = ex.request;
    loop {
        let may_retry = retry < max_retries && ex.rebuild.is_some();
        apply(config, ex.bare, ex.headers, &mut current);
        current
            .headers_mut()
            .insert(RETRY_COUNT_HEADER, retry_count(retry));
        *current.timeout_mut() = deadline;
        let attempt = retry.saturating_add(1);
        let sent = config.http.execute(current).await;
        let (last, delay) = match sent {
            Ok(resp) => {
                let outcome = Outcome::Response(resp.status(), resp.headers());
                if may_retry && config.retry.should_retry(&target.method, &outcome) {
                    let delay = config
                        .retry
                        .server_delay(resp.headers())
                        .unwrap_or_else(|| config.retry.backoff(retry));
                    tracing::debug!(status = resp.status().as_u16(), retry, ?delay, "retrying");
                    (Ok(resp), delay)
                } else {
                    match target.conclude(config, ex.read, resp, attempt).await {
                        Ok(done) => return Ok(done),
                        Err((failed, false)) => return Err(failed),
                        Err((failed, true)) => {
                            // A body cut short is a transport failure like a reset connection.
                            let failure = Outcome::Failure { connect: false };
                            if !(may_retry && config.retry.should_retry(&target.method, &failure)) {
                                return Err(failed);
                            }
                            tracing::debug!(retry, "body failed; retrying");
                            (Err(failed), config.retry.backoff(retry))
                        }
                    }
                }
            }
            Err(e) => {
                let failure = crate::retry::failure(&e);
                if !(may_retry && config.retry.should_retry(&target.method, &failure)) {
                    return Err(target.fail(e, attempt));
                }
                tracing::debug!(error = %e, retry, "retrying");
                (Err(target.fail(e, attempt)), config.retry.backoff(retry))
            }
        };
        if let Some(tracker) = &ex.tracker {
            tracker.pause();
        }
        tokio::time::sleep(delay).await;
        if let Some(tracker) = &ex.tracker {
            tracker.resume();
        }
        let Some(next) = ex.rebuild.and_then(|rebuild| rebuild()) else {
            // The request cannot be built again (e.g. the file vanished): report this attempt.
            return match last {
                Ok(resp) => target
                    .conclude(config, ex.read, resp, attempt)
                    .await
                    .map_err(|(failed, _)| failed),
                Err(failed) => Err(failed),
            };
        };
        drop(last);
        retry = attempt;
        current = next;
    }
}

fn record_attempts(attempts: u32) {
    tracing::Span::current().record("attempts", attempts);
}

/// Reads what `read` asks for of a response that will not be retried.
async fn conclude(
    config: &Config,
    read: Read,
    mut resp: reqwest::Response,
) -> std::result::Result<(reqwest::Response, Option<Bytes>), (BodyError, reqwest::Response)> {
    let wanted = match read {
        Read::Whole => true,
        Read::SuccessUnread => !resp.status().is_success(),
    };
    if !wanted {
        return Ok((resp, None));
    }
    match read_bytes(&mut resp, config.max_response_body).await {
        Ok(body) => Ok((resp, Some(body))),
        Err(e) => Err((e, resp)),
    }
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    Transport(reqwest::Error),
    TooLarge,
}

/// Reads the whole body, chunk by chunk, stopping past `limit` bytes. Nothing is allocated from
/// the server's `Content-Length`: memory grows only with bytes actually received.
pub(crate) async fn read_bytes(
    resp: &mut reqwest::Response,
    limit: u64,
) -> std::result::Result<Bytes, BodyError> {
    let mut first: Option<Bytes> = None;
    let mut more: Option<BytesMut> = None;
    let mut total: u64 = 0;
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        total = total.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        if total > limit {
            return Err(BodyError::TooLarge);
        }
        match (&mut first, &mut more) {
            (None, None) => first = Some(chunk),
            (_, Some(buf)) => buf.extend_from_slice(&chunk),
            (Some(head), None) => {
                let mut buf = BytesMut::from(&head[..]);
                buf.extend_from_slice(&chunk);
                more = Some(buf);
            }
        }
    }
    Ok(match more {
        Some(buf) => buf.freeze(),
        None => first.unwrap_or_default(),
    })
}

/// The retry-count header's value, without allocating for the usual counts.
fn retry_count(retry: u32) -> HeaderValue {
    match retry {
        0 => HeaderValue::from_static("0"),
        1 => HeaderValue::from_static("1"),
        2 => HeaderValue::from_static("2"),
        n => HeaderValue::from(n),
    }
}

/// Auth, the client's default headers and the call's headers, on one attempt's request.
fn apply(config: &Config, bare: bool, headers: &HeaderMap, request: &mut reqwest::Request) {
    let target = request.headers_mut();
    if bare {
        // Never send Aymara credentials to object storage.
        if let Some(ua) = config.headers.get(reqwest::header::USER_AGENT) {
            target.insert(reqwest::header::USER_AGENT, ua.clone());
        }
    } else {
        for (name, value) in &config.headers {
            target.insert(name.clone(), value.clone());
        }
    }
    for (name, value) in headers {
        target.insert(name.clone(), value.clone());
    }
}

/// reqwest's deadline covers connecting, sending, the headers and the whole body. A timeout
/// too large to be a deadline (`Duration::MAX`) is clamped instead of overflowing.
fn attempt_timeout(timeout: Duration) -> Duration {
    const LONGEST: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    timeout.min(LONGEST)
}

/// The executor behind [`crate::Client::raw`]: the generated client's requests take the same
/// exchange (auth, retries, deadline, tracing, body size limit); the generated code decodes the
/// body the exchange read.
pub(crate) struct RawExecutor {
    pub(crate) config: Arc<Config>,
}

impl aymara_raw::hooks::Executor for RawExecutor {
    fn execute(
        self: Arc<Self>,
        mut request: reqwest::Request,
        operation_id: &'static str,
    ) -> aymara_raw::hooks::ExecFuture {
        Box::pin(async move {
            // progenitor adds `api-version: <info.version>`; the API defines no such header.
            request.headers_mut().remove("api-version");
            let headers = HeaderMap::new();
            let spare = request.try_clone();
            let rebuild = move || spare.as_ref().and_then(reqwest::Request::try_clone);
            let ex = Exchange {
                operation: operation_id,
                request,
                headers: &headers,
                timeout: None,
                max_retries: None,
                read: Read::Whole,
                bare: false,
                rebuild: Some(&rebuild),
                tracker: None,
            };
            match exchange(&self.config, ex).await {
                Ok(done) => Ok(read_response(done)),
                Err(Failed::Transport { source, .. }) => Err(source),
                Err(Failed::TooLarge { limit, .. }) => Err(body_error(limit).await),
            }
        })
    }
}

/// The response as the exchange read it, its body in memory.
fn read_response(mut done: Exchanged) -> reqwest::Response {
    let mut out = http::Response::new(reqwest::Body::from(done.body.take().unwrap_or_default()));
    *out.status_mut() = done.response.status();
    *out.version_mut() = done.response.version();
    *out.headers_mut() = std::mem::take(done.response.headers_mut());
    reqwest::Response::from(out)
}

/// A reqwest body error saying the size limit was passed: the generated client's error type
/// has no other way to carry it.
async fn body_error(limit: u64) -> reqwest::Error {
    let failing = futures_util::stream::once(async move {
        Err::<Bytes, _>(std::io::Error::other(format!(
            "response body over the {limit}-byte limit"
        )))
    });
    let response =
        reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
    match response.bytes().await {
        Err(e) => e,
        // A stream whose only item is an error cannot be read successfully.
        Ok(_) => Box::pin(body_error(limit)).await,
    }
}
