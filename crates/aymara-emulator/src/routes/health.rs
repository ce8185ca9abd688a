//! `GET /health/` (no API key needed).

use axum::http::StatusCode;

/// `GET /health/` → 200 with no body (the spec declares none; clients ignore it).
pub(crate) async fn check() -> StatusCode {
    StatusCode::OK
}
