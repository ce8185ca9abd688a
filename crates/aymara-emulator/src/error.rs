//! The documented error body, and the one place where it is rendered.
//!
//! Handlers return [`ApiError`]; its `IntoResponse` only records the error in the response's
//! extensions. The request pipeline ([`crate::middleware`]) then renders every error as
//! `{"error": {"code", "message", "request_id", "details"?}}` (the spec's `ErrorResponse`), so the
//! `request_id` always matches the `x-request-id` header. Responses with an error status that did
//! not come from an [`ApiError`] (axum's own 405, a rejected path parameter, ...) are rewritten
//! into the same shape there as well.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use aymara_raw::types;
use serde_json::{Map, Value};

/// An API error: status, machine-readable code, message and optional details.
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Map<String, Value>>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    /// Adds one entry to `details`.
    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details
            .get_or_insert_with(Map::new)
            .insert(key.to_owned(), value.into());
        self
    }

    /// 404 `resource.not_found` for an unknown id.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource.not_found",
            format!("{kind} `{id}` not found"),
        )
        .with_detail("resource", kind)
        .with_detail("id", id)
    }

    /// 400 `validation.invalid_format`: the request could not be parsed at all.
    pub fn invalid_format(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "validation.invalid_format",
            message,
        )
    }

    /// 422 `validation.invalid_request` naming the offending field or parameter.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation.invalid_request",
            message,
        )
        .with_detail("field", field)
    }

    /// 422 `validation.invalid_request` naming a query parameter.
    pub fn invalid_param(param: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation.invalid_request",
            message,
        )
        .with_detail("parameter", param)
    }

    /// 409 `resource.conflict`: the resource is not in a state that allows the operation.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "resource.conflict", message)
    }

    /// 401 `auth.invalid_key`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "auth.invalid_key", message)
    }

    /// 403 `auth.insufficient_permissions`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "auth.insufficient_permissions",
            message,
        )
    }

    /// 500 `server.internal_error` (an emulator bug or a local I/O failure, never bad input).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server.internal_error",
            message,
        )
    }

    /// Renders the documented body for request `request_id`.
    pub fn render(&self, request_id: &str) -> Response {
        let body = types::ErrorResponse {
            error: types::ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                request_id: request_id.to_owned(),
                details: self.details.clone(),
            },
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (self.status, bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }

    /// The error used for an error status that did not come from an [`ApiError`].
    pub fn for_status(status: StatusCode, method: &str, path: &str, text: &str) -> Self {
        let text = text.trim();
        let (code, message) = match status {
            StatusCode::NOT_FOUND => (
                "resource.not_found",
                format!("no endpoint matches {method} {path}"),
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                "validation.invalid_request",
                format!("method {method} is not allowed on {path}"),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "validation.invalid_request",
                "request body is too large".to_owned(),
            ),
            s if s.is_client_error() => (
                "validation.invalid_format",
                if text.is_empty() {
                    format!("invalid request: {s}")
                } else {
                    format!("invalid request: {text}")
                },
            ),
            s => ("server.internal_error", format!("internal error: {s}")),
        };
        Self::new(status, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}
