//! Shared helpers for the integration tests: a client pointed at a mock server, and fixtures.
#![allow(dead_code)]

use std::time::Duration;

use aymara::{Client, RetryConfig};
use serde_json::{Value, json};

pub const KEY: &str = "test-key";

/// A client for `base_url` with fast retries (1 ms backoff) so retry tests stay quick.
pub fn client(base_url: &str) -> Client {
    builder(base_url).build().expect("client builds")
}

pub fn builder(base_url: &str) -> aymara::ClientBuilder {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .without_env()
        .retry(
            RetryConfig::default()
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        )
}

pub fn file_detail(id: &str, file_type: &str) -> Value {
    json!({
        "content_type": if file_type == "video" { "video/mp4" } else { "text/plain" },
        "created_at": "2025-05-08T13:07:19.324000Z",
        "file_type": file_type,
        "file_uuid": id,
        "organization_uuid": "org.5f0c8a59-7a1b-4b59-9a3e-1d2f3c4b5a69",
        "remote_file_path": format!("{id}_raw.bin"),
        "updated_at": "2025-05-08T13:07:21.000000Z",
        "file_size_bytes": 1234,
        "file_url": format!("https://storage.example/{id}?X-Amz-Expires=1800"),
        "original_file_url": null,
        "uploaded_by_uuid": "user-1",
        "video_metadata": if file_type == "video" { json!({"frame_count": 24, "fps": 1}) } else { Value::Null },
        "workspace_uuid": "ws-1"
    })
}

pub fn file_status(id: &str, status: &str) -> Value {
    json!({
        "created_at": "2025-05-08T13:07:19.324000Z",
        "file_uuid": id,
        "processing_status": status,
        "updated_at": "2025-05-08T13:07:21.000000Z",
        "error_message": if status == "failed" { json!("codec not supported") } else { Value::Null },
        "remote_file_path": if status == "completed" { json!(format!("{id}/")) } else { Value::Null }
    })
}

pub fn file_upload(id: &str, status: &str) -> Value {
    json!({
        "file_uuid": id,
        "file_url": format!("https://storage.example/{id}"),
        "processing_status": status,
        "remote_file_path": format!("{id}_raw.txt"),
        "content_type": "text/plain",
        "local_file_path": null,
        "remote_uri": null
    })
}
pub mod fault;
