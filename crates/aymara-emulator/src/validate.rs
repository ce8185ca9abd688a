//! Request and response validation against `openapi.json` (the rules come from [`crate::spec`],
//! never from a hand-written copy).
//!
//! Requests: every declared parameter (path, query, header) and the body's media type and JSON
//! are checked before the handler runs, so nothing invalid changes state. Answers: 415 for a
//! body in an undeclared media type, 400 for malformed JSON, 422 for anything the schemas forbid
//! (`details.field` or `details.parameter` names it).
//!
//! Responses (when [`crate::EmulatorBuilder::validate_responses`] is on): status declared for
//! the operation, `Content-Type` declared for that status, body valid against its schema. A
//! violation is recorded (see [`crate::Emulator::spec_violations`]) and the response replaced by
//! a 500 naming it, so the client under test sees the failure too.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::error::ApiError;
use crate::spec::{Location, Operation, RequestBody};
use crate::state::SharedState;

/// The media-type essence of a `Content-Type` value: `application/json; charset=utf-8` →
/// `application/json`.
pub(crate) fn essence(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or_default().trim();
    Some(essence.to_ascii_lowercase())
}

/// Validates `req` against `op`; the body (JSON only) is read, checked and put back.
pub(crate) async fn request(
    op: &Operation,
    req: Request,
    limit: usize,
) -> Result<Request, ApiError> {
    let path = req.uri().path().to_owned();
    let pairs: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    for param in &op.params {
        match param.location {
            Location::Path => {
                param
                    .check(op.path_param(&path, &param.name))
                    .map_err(|m| {
                        ApiError::invalid_param(&param.name, format!("invalid path {m}"))
                    })?;
            }
            Location::Query => {
                let mut values = pairs.iter().filter(|(k, _)| *k == param.name).peekable();
                if values.peek().is_none() {
                    param
                        .check(None)
                        .map_err(|m| query_error(&param.name, &m))?;
                }
                for (_, v) in values {
                    param
                        .check(Some(v))
                        .map_err(|m| query_error(&param.name, &m))?;
                }
            }
            Location::Header => {
                let raw = match req.headers().get(&param.name) {
                    None => None,
                    Some(v) => Some(v.to_str().map_err(|_| {
                        ApiError::invalid_param(
                            &param.name,
                            format!("invalid header `{}`: not visible ASCII", param.name),
                        )
                    })?),
                };
                param.check(raw).map_err(|m| {
                    ApiError::invalid_param(&param.name, format!("invalid header {m}"))
                })?;
            }
        }
    }
    match &op.body {
        None => Ok(req),
        Some(RequestBody::Multipart) => match essence(req.headers()).as_deref() {
            Some("multipart/form-data") => Ok(req),
            other => Err(unsupported(other, "multipart/form-data")),
        },
        Some(RequestBody::Json {
            required,
            validator,
        }) => {
            let declared_empty = req
                .headers()
                .get(header::CONTENT_LENGTH)
                .is_some_and(|v| v.as_bytes() == b"0");
            let media = essence(req.headers());
            if media.is_none() && declared_empty && !required {
                return Ok(req);
            }
            if media.as_deref() != Some("application/json") {
                return Err(unsupported(media.as_deref(), "application/json"));
            }
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, limit)
                .await
                .map_err(|err| body_error(limit, &err))?;
            if bytes.is_empty() && !required {
                return Ok(Request::from_parts(parts, Body::from(bytes)));
            }
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|err| ApiError::invalid_format(format!("malformed JSON body: {err}")))?;
            if let Some(v) = RequestBody::check_json(validator, &value)
                .into_iter()
                .next()
            {
                return Err(if v.field.is_empty() {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "validation.invalid_request",
                        format!("invalid request body: {}", v.message),
                    )
                } else {
                    ApiError::invalid_field(
                        &v.field,
                        format!("invalid field `{}`: {}", v.field, v.message),
                    )
                });
            }
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
    }
}

fn query_error(name: &str, message: &str) -> ApiError {
    ApiError::invalid_param(name, format!("invalid query {message}"))
}

fn unsupported(got: Option<&str>, want: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "validation.invalid_format",
        format!(
            "unsupported Content-Type `{}`: this endpoint takes `{want}`",
            got.unwrap_or("(none)")
        ),
    )
    .with_detail("field", "Content-Type")
}

/// 413 when the body is over the limit, else 400 (the body could not be read: timeout, reset).
pub(crate) fn body_error(limit: usize, err: &axum::Error) -> ApiError {
    let too_large =
        std::error::Error::source(err).is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
    if too_large {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "validation.invalid_request",
            format!("request body is larger than the limit of {limit} bytes"),
        )
    } else {
        ApiError::invalid_format(format!("could not read the request body: {err}"))
    }
}

/// Checks `response` against `op`; a violation is recorded and answered with a 500.
pub(crate) async fn response(
    state: &SharedState,
    op: &Operation,
    response: Response,
    request_id: &str,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            return violation(
                state,
                format!("{}: body unreadable: {err}", op.id),
                request_id,
            );
        }
    };
    let bytes = match state.config.break_responses_of.as_deref() {
        Some(id) if id == op.id && parts.status.is_success() => {
            parts.headers.remove(header::CONTENT_LENGTH);
            axum::body::Bytes::from_static(b"{\"broken\":true}")
        }
        _ => bytes,
    };
    match op.check_response(parts.status, essence(&parts.headers).as_deref(), &bytes) {
        Ok(()) => Response::from_parts(parts, Body::from(bytes)),
        Err(message) => violation(state, message, request_id),
    }
}

fn violation(state: &SharedState, message: String, request_id: &str) -> Response {
    tracing::error!(target: "aymara_emulator::spec", "response violates openapi.json: {message}");
    state.record_violation(message.clone());
    let err = ApiError::internal(format!(
        "the emulator's response violates openapi.json: {message}"
    ));
    err.render(request_id)
}
