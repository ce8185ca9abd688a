//! The single path every request takes: generated operations reach it through
//! `aymara_raw::hooks`, hand-written ones (uploads) call it directly.
//!
//! Per attempt it applies the client's auth and default headers, the call's headers, query,
//! extra body fields and timeout, sends, and reads the whole response body (up to the client's
//! size limit, under the same deadline) before deciding whether to retry per [`crate::retry`]: a
//! body cut short is a transport failure like a reset connection. Only a successful response of
//! a raw call (`send_raw`) is handed back unread. One `tracing` span per operation
//! (`aymara.request`: operation, method, path, status, attempts, request id).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aymara_raw::hooks::{ExecFuture, Executor};
use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use tracing::Instrument;

use crate::config::Config;
use crate::error::{CallContext, Error, request_id_value};
use crate::options::RequestOptions;
use crate::retry::Outcome;
use crate::upload::Tracker;

// Header names built at compile time: inserting or removing by `&str` parses the name each time.
const RETRY_COUNT_HEADER: HeaderName = HeaderName::from_static("x-aymara-retry-count");
const API_VERSION: HeaderName = HeaderName::from_static("api-version");

/// What one call needs from the transport besides the request itself.
pub(crate) struct CallSpec {
    pub(crate) options: RequestOptions,
    /// Validated `options.headers`.
    pub(crate) headers: HeaderMap,
    /// Hand the 2xx response back unread (raw and streaming access).
    pub(crate) capture: bool,
    /// Uploads: no total deadline per attempt (a stall timeout guards the body instead).
    pub(crate) no_deadline: bool,
    /// Presigned object-storage URLs: no credentials, no default query, no URL in errors (its
    /// query is a signature).
    pub(crate) bare: bool,
    /// Rebuilds a request whose body cannot be cloned (a streamed upload from a path or bytes),
    /// so that it can be retried too. `None` where the body is one-shot.
    pub(crate) replay: Option<Replay>,
    /// The upload's progress, paused while waiting to retry so the wait is not a stall.
    pub(crate) tracker: Option<Arc<Tracker>>,
}

/// See [`CallSpec::replay`].
pub(crate) type Replay = Arc<dyn Fn() -> Option<reqwest::Request> + Send + Sync>;

impl CallSpec {
    pub(crate) fn new(options: RequestOptions, headers: HeaderMap) -> Self {
        Self {
            options,
            headers,
            capture: false,
            no_deadline: false,
            bare: false,
            replay: None,
            tracker: None,
        }
    }
}

/// What the transport learned about a call; read back when building errors and raw responses.
#[derive(Default)]
pub(crate) struct CallState {
    pub(crate) context: CallContext,
    pub(crate) status: Option<StatusCode>,
    /// Kept as the header value (a cheap clone); turned into a string only for errors.
    pub(crate) request_id: Option<HeaderValue>,
    pub(crate) captured: Option<reqwest::Response>,
    /// A failure no `reqwest::Error` can express (a body over the size limit). It takes
    /// precedence over whatever the generated code makes of the stand-in response.
    pub(crate) failure: Option<Error>,
}

/// The executor of one call: its options and what the transport learns, in one allocation.
pub(crate) struct CallExecutor {
    config: Arc<Config>,
    spec: CallSpec,
    state: Mutex<CallState>,
}

impl CallExecutor {
    pub(crate) fn new(config: Arc<Config>, spec: CallSpec) -> Arc<Self> {
        Arc::new(Self {
            config,
            spec,
            state: Mutex::default(),
        })
    }

    /// What the transport recorded so far.
    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, CallState> {
        // A panic while holding this lock cannot leave it inconsistent: every write is a plain
        // store.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Executor for CallExecutor {
    fn execute(
        self: Arc<Self>,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> ExecFuture {
        Box::pin(execute(self, request, operation_id))
    }
}

async fn execute(
    call: Arc<CallExecutor>,
    mut request: reqwest::Request,
    operation: &'static str,
) -> reqwest::Result<reqwest::Response> {
    // progenitor adds `api-version: <info.version>`; the API defines no such header.
    request.headers_mut().remove(API_VERSION);
    let method = request.method().clone();
    let path = request.url().path().to_string();
    let span = tracing::debug_span!(
        "aymara.request",
        operation,
        method = %method,
        path = %path,
        status = tracing::field::Empty,
        attempts = tracing::field::Empty,
        request_id = tracing::field::Empty,
    );
    call.state().context = CallContext {
        operation,
        method: method.clone(),
        path,
        attempts: 0,
    };
    attempts(&call, request, &method).instrument(span).await
}

/// The retry loop: each attempt is sent and its body read; a failure is retried when the
/// policy, the budget and the body allow it, after the server's or the backoff's delay.
async fn attempts(
    call: &CallExecutor,
    request: reqwest::Request,
    method: &Method,
) -> reqwest::Result<reqwest::Response> {
    let (config, spec) = (&*call.config, &call.spec);
    let max_retries = spec.options.max_retries.unwrap_or(config.retry.max_retries);
    let mut retry = 0u32;
    let mut current = request;
    loop {
        // Keep a copy for the next attempt, taken before auth and options are applied (a
        // smaller copy, prepared again if used); a streamed body is rebuilt by `replay` if it
        // can be, and otherwise sent once.
        let spare = if retry < max_retries {
            current.try_clone()
        } else {
            None
        };
        let may_retry = spare.is_some() || (retry < max_retries && spec.replay.is_some());
        prepare(config, spec, &mut current);
        current
            .headers_mut()
            .insert(RETRY_COUNT_HEADER, retry_count(retry));
        let attempts = retry.saturating_add(1);
        let sent = config.http.execute(current).await;
        let (last, delay) = match sent {
            Ok(resp) => {
                let outcome = Outcome::Response(resp.status(), resp.headers());
                if may_retry && config.retry.should_retry(method, &outcome) {
                    let delay = config
                        .retry
                        .server_delay(resp.headers())
                        .unwrap_or_else(|| config.retry.backoff(retry));
                    tracing::debug!(status = resp.status().as_u16(), retry, ?delay, "retrying");
                    (Ok(resp), delay)
                } else {
                    match conclude(call, resp).await {
                        Concluded::Done(resp) => return finish(call, Ok(resp), attempts),
                        Concluded::TooLarge(failure) => return too_large(call, failure, attempts),
                        Concluded::Failed(e) => {
                            let failure = Outcome::Failure { connect: false };
                            if !(may_retry && config.retry.should_retry(method, &failure)) {
                                return finish(call, Err(scrub(spec, e)), attempts);
                            }
                            let delay = config.retry.backoff(retry);
                            tracing::debug!(error = %e, retry, ?delay, "body failed; retrying");
                            (Err(e), delay)
                        }
                    }
                }
            }
            Err(e) => {
                let failure = Outcome::Failure {
                    connect: e.is_connect(),
                };
                if !(may_retry && config.retry.should_retry(method, &failure)) {
                    return finish(call, Err(scrub(spec, e)), attempts);
                }
                let delay = config.retry.backoff(retry);
                tracing::debug!(error = %e, retry, ?delay, "retrying");
                (Err(e), delay)
            }
        };
        if let Some(tracker) = &spec.tracker {
            tracker.pause();
        }
        tokio::time::sleep(delay).await;
        if let Some(tracker) = &spec.tracker {
            tracker.resume();
        }
        let next = spare.or_else(|| spec.replay.as_ref().and_then(|rebuild| rebuild()));
        let Some(next) = next else {
            // The source could not be reopened (e.g. the file vanished): report this attempt.
            return match last {
                Ok(resp) => match conclude(call, resp).await {
                    Concluded::Done(resp) => finish(call, Ok(resp), attempts),
                    Concluded::TooLarge(failure) => too_large(call, failure, attempts),
                    Concluded::Failed(e) => finish(call, Err(scrub(spec, e)), attempts),
                },
                Err(e) => finish(call, Err(scrub(spec, e)), attempts),
            };
        };
        drop(last);
        retry = attempts;
        current = next;
    }
}

/// How an attempt's response ends.
enum Concluded {
    /// Ready for the caller: body read into memory, or a raw call's success left unread.
    Done(reqwest::Response),
    /// Reading the body failed (reset, cut short, timed out).
    Failed(reqwest::Error),
    /// The body exceeded the client's limit.
    TooLarge(Error),
}

/// Reads the body of a response that will not be retried (a raw call's success stays unread).
async fn conclude(call: &CallExecutor, resp: reqwest::Response) -> Concluded {
    if call.spec.capture && resp.status().is_success() {
        return Concluded::Done(resp);
    }
    let limit = call.config.max_response_body;
    match read_body(resp, limit).await {
        Ok(resp) => Concluded::Done(resp),
        Err(BodyError::Transport(e)) => Concluded::Failed(e),
        Err(BodyError::TooLarge) => Concluded::TooLarge(Error::ResponseTooLarge {
            context: Box::new(call.state().context.clone()),
            limit,
        }),
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
) -> Result<Bytes, BodyError> {
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

async fn read_body(
    mut resp: reqwest::Response,
    limit: u64,
) -> Result<reqwest::Response, BodyError> {
    let body = read_bytes(&mut resp, limit).await?;
    let (parts, _) = http::Response::<reqwest::Body>::from(resp).into_parts();
    Ok(reqwest::Response::from(http::Response::from_parts(
        parts, body,
    )))
}

/// Records the failure for the caller; the generated code gets a 502 stand-in, so that even a
/// bare `Client::raw()` caller sees an error rather than an empty success.
fn too_large(
    call: &CallExecutor,
    failure: Error,
    attempts: u32,
) -> reqwest::Result<reqwest::Response> {
    call.state().failure = Some(failure);
    finish(call, Ok(stand_in(StatusCode::BAD_GATEWAY)), attempts)
}

/// An empty response with `status`, for the generated code when the real outcome is elsewhere.
fn stand_in(status: StatusCode) -> reqwest::Response {
    let mut r = http::Response::new(Vec::<u8>::new());
    *r.status_mut() = status;
    reqwest::Response::from(r)
}

/// Presigned URLs carry their signature in the query: keep it out of error messages.
fn scrub(spec: &CallSpec, e: reqwest::Error) -> reqwest::Error {
    if spec.bare { e.without_url() } else { e }
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

fn finish(
    call: &CallExecutor,
    result: reqwest::Result<reqwest::Response>,
    attempts: u32,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::Span::current();
    span.record("attempts", attempts);
    let mut st = call.state();
    st.context.attempts = attempts;
    let resp = result?;
    let status = resp.status();
    let request_id = request_id_value(resp.headers()).cloned();
    span.record("status", status.as_u16());
    if let Some(id) = request_id.as_ref().and_then(|v| v.to_str().ok()) {
        span.record("request_id", id);
    }
    st.status = Some(status);
    st.request_id = request_id;
    if call.spec.capture && status.is_success() {
        // The caller reads the real body; the generated code gets an empty stand-in.
        st.captured = Some(resp);
        return Ok(stand_in(status));
    }
    Ok(resp)
}

/// Applies auth, defaults and the call's options to the request of one attempt.
fn prepare(config: &Config, spec: &CallSpec, request: &mut reqwest::Request) {
    let headers = request.headers_mut();
    if spec.bare {
        // Never send Aymara credentials to object storage.
        if let Some(ua) = config.headers.get(reqwest::header::USER_AGENT) {
            headers.insert(reqwest::header::USER_AGENT, ua.clone());
        }
    } else {
        for (name, value) in &config.headers {
            headers.insert(name.clone(), value.clone());
        }
    }
    for (name, value) in &spec.headers {
        headers.insert(name.clone(), value.clone());
    }

    let default_query: &[(String, String)] = if spec.bare {
        &[]
    } else {
        &config.default_query
    };
    if !default_query.is_empty() || !spec.options.query.is_empty() {
        // Later sources override earlier ones: spec-built, then client defaults, then the call's.
        let url = request.url_mut();
        let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        for (k, v) in default_query.iter().chain(&spec.options.query) {
            pairs.retain(|(name, _)| name != k);
            pairs.push((k.clone(), v.clone()));
        }
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }

    if !spec.options.extra_body.is_empty() {
        merge_body(request, &spec.options.extra_body);
    }

    *request.timeout_mut() = if spec.no_deadline {
        None
    } else {
        Some(attempt_timeout(
            spec.options.timeout.unwrap_or(config.timeout),
        ))
    };
}

/// reqwest's deadline covers connecting, sending, the headers and the whole body. A timeout
/// too large to be a deadline (`Duration::MAX`) is clamped instead of overflowing.
fn attempt_timeout(timeout: Duration) -> Duration {
    const LONGEST: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    timeout.min(LONGEST)
}

fn merge_body(request: &mut reqwest::Request, extra: &serde_json::Map<String, serde_json::Value>) {
    let Some(bytes) = request.body().and_then(|b| b.as_bytes()) else {
        return;
    };
    let merged = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(serde_json::Value::Object(mut map)) => {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
            serde_json::Value::Object(map)
        }
        _ => return,
    };
    if let Ok(body) = serde_json::to_vec(&merged) {
        let len = body.len();
        *request.body_mut() = Some(body.into());
        request
            .headers_mut()
            .insert(reqwest::header::CONTENT_LENGTH, HeaderValue::from(len));
    }
}
