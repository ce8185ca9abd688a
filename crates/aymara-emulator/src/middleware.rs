//! The request pipeline wrapped around every route: request ids, injected latency and faults,
//! authentication, request and response validation, panic containment, error rendering and
//! the request log.
//!
//! Order, for each request:
//! 1. the request gets id `req_<n>` (n counts every request, from 1);
//! 2. the configured latency is slept (every request, `/_emulator/*` included);
//! 3. `/v2/...` only: every `fail_every`-th such request answers 503 `server.unavailable` with
//!    `Retry-After: 0` and `retry-after-ms: 10` (checked before authentication, like an
//!    overloaded front end);
//! 4. `/v2/...` only: header `x-api-key` must equal the configured key, else 401
//!    `auth.invalid_key`;
//! 5. requests of an operation of `openapi.json` are validated against it (parameters,
//!    `Content-Type`, JSON body; see [`crate::validate`]) before the handler sees them;
//! 6. the handler runs; a panic becomes a 500 `server.internal_error` instead of a dropped
//!    connection;
//! 7. error responses get the documented JSON body; with response validation on, the response
//!    is checked against the spec; every response gets `x-request-id` and one log line.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use std::time::Instant;
use tower_http::timeout::TimeoutBody;

use crate::error::ApiError;
use crate::state::SharedState;
use crate::validate;

/// Largest non-JSON error body read back to build an error message.
const ERROR_TEXT_LIMIT: usize = 4096;

/// The middleware (see the module docs).
pub(crate) async fn pipeline(
    State(state): State<SharedState>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let n = state
        .request_count
        .fetch_add(1, Ordering::SeqCst)
        .saturating_add(1);
    let request_id = format!("req_{n}");
    let config = &state.config;
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }

    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let is_v2 = path == "/v2" || path.starts_with("/v2/");
    let operation = state.spec.find(&method, &path);

    let upload = path == "/v2/files/-/uploads" || path.starts_with("/_emulator/upload/");
    let limit = if upload {
        config.upload_limit
    } else {
        u64::try_from(config.json_body_limit).unwrap_or(u64::MAX)
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // A slow body is cut off after `body_timeout` without a byte.
    let req = req.map(|body| Body::new(TimeoutBody::new(config.body_timeout, body)));

    let response = if declared.is_some_and(|n| n > limit) {
        // Refused before a byte of the body is read.
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "validation.invalid_request",
            format!("the declared Content-Length exceeds the limit of {limit} bytes"),
        )
        .into_response()
    } else if is_v2 && injected_failure(&state) {
        let mut response = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server.unavailable",
            format!(
                "injected fault: every {}th API request fails (fail_every); retry",
                config.fail_every
            ),
        )
        .into_response();
        let headers = response.headers_mut();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("0"));
        headers.insert("retry-after-ms", HeaderValue::from_static("10"));
        response
    } else if is_v2 && let Err(err) = authorize(req.headers(), &config.api_key) {
        err.into_response()
    } else {
        let checked = match operation {
            Some(op) => validate::request(op, req, config.json_body_limit).await,
            None => Ok(req),
        };
        match checked {
            Err(err) => err.into_response(),
            Ok(req) => match AssertUnwindSafe(next.run(req)).catch_unwind().await {
                // Nothing is acknowledged before it is stored.
                Ok(response) if method != Method::GET && method != Method::HEAD => {
                    match state.flush().await {
                        Ok(()) => response,
                        Err(err) => {
                            ApiError::internal(format!("could not store the change: {err}"))
                                .into_response()
                        }
                    }
                }
                Ok(response) => response,
                Err(_) => {
                    ApiError::internal("the emulator hit an internal bug (a handler panicked)")
                        .into_response()
                }
            },
        }
    };

    let mut response = finalize(response, &request_id, method.as_str(), &path).await;
    if config.validate_responses
        && let Some(op) = operation
    {
        response = validate::response(&state, op, response, &request_id).await;
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    tracing::info!(
        target: "aymara_emulator::request",
        "{method} {path} {} {:.1}ms {request_id} {}",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0,
        operation.map_or("-", |op| op.id.as_str())
    );
    response
}

/// Counts a `/v2/...` request and says whether it is one of the injected failures.
fn injected_failure(state: &SharedState) -> bool {
    let every = u64::from(state.config.fail_every);
    let n = state
        .v2_count
        .fetch_add(1, Ordering::SeqCst)
        .saturating_add(1);
    every > 0 && n.is_multiple_of(every)
}

fn authorize(headers: &axum::http::HeaderMap, api_key: &str) -> Result<(), ApiError> {
    match headers.get("x-api-key") {
        None => Err(ApiError::unauthorized(
            "missing API key: send it in the `x-api-key` header",
        )),
        Some(value) if value.as_bytes() == api_key.as_bytes() => Ok(()),
        Some(_) => Err(ApiError::unauthorized("invalid API key")),
    }
}

/// Renders error bodies: an [`ApiError`] recorded by a handler, or any other error status.
async fn finalize(response: Response, request_id: &str, method: &str, path: &str) -> Response {
    if let Some(err) = response.extensions().get::<ApiError>().cloned() {
        let (parts, _) = response.into_parts();
        let mut rendered = err.render(request_id);
        // Keep headers set alongside the error (e.g. Retry-After).
        for (name, value) in &parts.headers {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                rendered.headers_mut().insert(name.clone(), value.clone());
            }
        }
        return rendered;
    }
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, ERROR_TEXT_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut rendered = ApiError::for_status(status, method, path, &text).render(request_id);
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        rendered.headers_mut().insert(header::ALLOW, allow.clone());
    }
    rendered
}

/// An empty body with the given status (deletes answer 204 with no body).
pub(crate) fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}
