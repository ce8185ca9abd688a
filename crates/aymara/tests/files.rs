//! The files resource against httpmock: request shape and decoding of every method.

mod support;

use aymara::types::{FileProcessingStatus, FileReference, FileType};
use httpmock::prelude::*;
use serde_json::json;
use support::{KEY, client, file_detail, file_status, file_upload};

#[tokio::test]
async fn get_decodes_every_field() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/files/f-1")
                .header("x-api-key", KEY)
                .header("x-use-sandbox", "False");
            then.status(200)
                .header("x-request-id", "req-1")
                .json_body(file_detail("f-1", "video"));
        })
        .await;
    let f = client(&server.base_url()).files().get("f-1").await.unwrap();
    m.assert_async().await;
    assert_eq!(f.file_uuid, "f-1");
    assert_eq!(f.file_type, FileType::Video);
    assert_eq!(f.file_size_bytes, Some(1234));
    assert_eq!(f.video_metadata.unwrap()["frame_count"], 24);
    assert_eq!(f.created_at.to_rfc3339(), "2025-05-08T13:07:19.324+00:00");
}

#[tokio::test]
async fn create_sends_batch_body() {
    let server = MockServer::start_async().await;
    let m =
        server
            .mock_async(|when, then| {
                when.method(POST).path("/v2/files").header("x-api-key", KEY).json_body(json!({
                "workspace_uuid": "ws-1",
                "files": [
                    {"local_file_path": "data.csv", "content_type": "text/csv"},
                    {"remote_uri": "https://example.com/file.mp4", "content_type": "video/mp4"}
                ]
            }));
                then.status(200).json_body(json!({
                    "files": [file_upload("f-1", "completed"), file_upload("f-2", "pending")],
                    "workspace_uuid": "ws-1"
                }));
            })
            .await;
    let resp = client(&server.base_url())
        .files()
        .create()
        .local_file("data.csv")
        .remote_uri("https://example.com/file.mp4", Some("video/mp4".into()))
        .workspace_uuid("ws-1")
        .send()
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(resp.files.len(), 2);
    assert_eq!(
        resp.files[1].processing_status,
        Some(FileProcessingStatus::Pending)
    );
    let reference: FileReference = (&resp.files[0]).into();
    assert_eq!(reference.file_uuid.as_deref(), Some("f-1"));
}

#[tokio::test]
async fn create_without_files_is_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let err = client(&server.base_url())
        .files()
        .create()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, aymara::Error::InvalidInput { ref field, .. } if field == "files"),
        "{err}"
    );
}

#[tokio::test]
async fn list_sends_filters_and_decodes_page() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/files")
                .query_param("file_type", "image")
                .query_param("workspace_uuid", "ws-1")
                .query_param("limit", "10")
                .query_param("offset", "0");
            then.status(200)
                .json_body(json!({"items": [file_detail("f-1", "image")], "count": 1}));
        })
        .await;
    let page = client(&server.base_url())
        .files()
        .list()
        .file_type(FileType::Image)
        .workspace_uuid("ws-1")
        .limit(10)
        .send_page()
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.count, Some(1));
    assert!(!page.has_next_page());
}

#[tokio::test]
async fn delete_get_frames_get_status() {
    let server = MockServer::start_async().await;
    let del = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/v2/files/f-1")
                .header("x-api-key", KEY);
            then.status(204);
        })
        .await;
    let frames = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1/frames");
            then.status(200).json_body(json!({
                "file_uuid": "f-1", "frame_count": 2,
                "frame_urls": ["https://storage.example/f-1/0.png", "https://storage.example/f-1/1.png"]
            }));
        })
        .await;
    let status = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1/status");
            then.status(200).json_body(file_status("f-1", "completed"));
        })
        .await;
    let c = client(&server.base_url());
    c.files().delete("f-1").await.unwrap();
    let fr = c.files().get_frames("f-1").await.unwrap();
    let st = c.files().get_status("f-1").await.unwrap();
    del.assert_async().await;
    frames.assert_async().await;
    status.assert_async().await;
    assert_eq!(fr.frame_count, 2);
    assert_eq!(fr.frame_urls.len(), 2);
    assert_eq!(st.processing_status, FileProcessingStatus::Completed);
    assert_eq!(st.remote_file_path.as_deref(), Some("f-1/"));
}

#[tokio::test]
async fn empty_id_is_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .get("  ")
        .await
        .unwrap_err();
    assert!(
        matches!(err, aymara::Error::InvalidInput { ref field, .. } if field == "file_uuid"),
        "{err}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn raw_response_gives_headers_then_parses() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1/status");
            then.status(200)
                .header("x-request-id", "req-42")
                .json_body(file_status("f-1", "processing"));
        })
        .await;
    let raw = client(&server.base_url())
        .files()
        .get_status("f-1")
        .send_raw()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.request_id(), Some("req-42"));
    assert_eq!(raw.attempts(), 1);
    let st = raw.parse().await.unwrap();
    assert_eq!(st.processing_status, FileProcessingStatus::Processing);
}

#[tokio::test]
async fn streaming_response_yields_body_chunks() {
    use futures_util::TryStreamExt;
    let server = MockServer::start_async().await;
    let body = file_detail("f-1", "text").to_string();
    let expected = body.clone();
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(200).body(body);
        })
        .await;
    let raw = client(&server.base_url())
        .files()
        .get("f-1")
        .send_raw()
        .await
        .unwrap();
    let chunks: Vec<bytes::Bytes> = raw.bytes_stream().try_collect().await.unwrap();
    let joined: Vec<u8> = chunks.concat();
    assert_eq!(String::from_utf8(joined).unwrap(), expected);
}

#[tokio::test]
async fn raw_response_of_delete_parses_to_unit() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(DELETE).path("/v2/files/f-1");
            then.status(204);
        })
        .await;
    let raw = client(&server.base_url())
        .files()
        .delete("f-1")
        .send_raw()
        .await
        .unwrap();
    assert_eq!(raw.status(), 204);
    raw.parse().await.unwrap();
}
