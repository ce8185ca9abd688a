//! The single path every request takes: generated operations reach it through
//! `aymara_raw::hooks`, hand-written ones (uploads) call it directly.
//!
//! Per attempt it applies the client's auth and default headers, the call's headers, query,
//! extra body fields and timeout, then retries per [`crate::retry`], inside one `tracing` span
//! per operation (`aymara.request`: operation, method, path, status, attempts, request id).

use std::sync::{Arc, Mutex};

use aymara_raw::hooks::{ExecFuture, Executor};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tracing::Instrument;

use crate::config::Config;
use crate::error::{CallContext, request_id_value};
use crate::options::RequestOptions;
use crate::retry::{Outcome, should_retry};

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
    /// Presigned object-storage URLs: no credentials, no default query.
    pub(crate) bare: bool,
    /// Rebuilds a request whose body cannot be cloned (a streamed upload from a path or bytes),
    /// so that it can be retried too. `None` where the body is one-shot.
    pub(crate) replay: Option<Replay>,
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
    let (config, spec) = (&call.config, &call.spec);
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
    async {
        let max_retries = spec.options.max_retries.unwrap_or(config.retry.max_retries);
        let mut retry = 0u32;
        let mut current = request;
        loop {
            // Keep a copy for the next attempt, taken before auth and options are applied (a
            // smaller copy, prepared again if used); a streamed body is rebuilt by `replay` if
            // it can be, and otherwise sent once.
            let can_retry = retry < max_retries;
            let spare = if can_retry { current.try_clone() } else { None };
            let replayable = spare.is_some() || spec.replay.is_some();
            prepare(config, spec, &mut current);
            current
                .headers_mut()
                .insert(RETRY_COUNT_HEADER, retry_count(retry));
            let result = config.http.execute(current).await;
            let attempts = retry + 1;
            let delay = match &result {
                _ if !(can_retry && replayable) => None,
                Ok(resp) => {
                    let outcome = Outcome::Response(resp.status(), resp.headers());
                    should_retry(&method, &outcome).then(|| {
                        config
                            .retry
                            .server_delay(resp.headers())
                            .unwrap_or_else(|| config.retry.backoff(retry))
                    })
                }
                Err(e) => {
                    let outcome = Outcome::Failure {
                        connect: e.is_connect(),
                    };
                    should_retry(&method, &outcome).then(|| config.retry.backoff(retry))
                }
            };
            let Some(delay) = delay else {
                return finish(&call, result, attempts);
            };
            let next = spare.or_else(|| spec.replay.as_ref().and_then(|rebuild| rebuild()));
            let Some(next) = next else {
                // The source could not be reopened (e.g. the file vanished): report this attempt.
                return finish(&call, result, attempts);
            };
            match &result {
                Ok(r) => tracing::debug!(status = r.status().as_u16(), retry, ?delay, "retrying"),
                Err(e) => tracing::debug!(error = %e, retry, ?delay, "retrying"),
            }
            drop(result);
            tokio::time::sleep(delay).await;
            retry += 1;
            current = next;
        }
    }
    .instrument(span)
    .await
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
        let mut stand_in = http::Response::new(Vec::<u8>::new());
        *stand_in.status_mut() = status;
        st.captured = Some(resp);
        return Ok(reqwest::Response::from(stand_in));
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
        Some(spec.options.timeout.unwrap_or(config.timeout))
    };
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
