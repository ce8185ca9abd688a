//! `GET /health/` (no API key needed).

use axum::Json;
use serde_json::{Value, json};

/// `GET /health/` → 200 `{"status": "ok"}`.
pub(crate) async fn check() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
