//! Uploads against httpmock: the multipart body, paths, bytes, readers, the presigned flow,
//! progress, batch uploads and the stall timeout.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aymara::Error;
use aymara::upload::UploadSource;
use httpmock::prelude::*;
use serde_json::json;
use support::{KEY, builder, client, file_upload};

/// The bytes of the `file` part of a multipart body, with its headers.
fn file_part(body: &[u8], content_type: &str) -> Option<(String, Vec<u8>)> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let delim = format!("--{boundary}");
    let text = body;
    let start = find(text, delim.as_bytes())? + delim.len() + 2;
    let header_end = start + find(&text[start..], b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&text[start..header_end]).into_owned();
    let data_start = header_end + 4;
    let end = data_start + find(&text[data_start..], format!("\r\n{delim}").as_bytes())?;
    Some((headers, text[data_start..end].to_vec()))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn multipart_from_path_has_one_file_part_with_exact_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    let expected = content.clone();

    let server = MockServer::start_async().await;
    let m = server
        .mock_async(move |when, then| {
            when.method(POST)
                .path("/v2/files/-/uploads")
                .query_param("workspace_uuid", "ws-1")
                .header("x-api-key", KEY)
                .header_includes("content-type", "multipart/form-data; boundary=")
                .is_true(move |req| {
                    let ct = req
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    match file_part(req.body_ref(), &ct) {
                        Some((headers, data)) => {
                            headers.contains("name=\"file\"")
                                && headers.contains("filename=\"notes.txt\"")
                                && headers
                                    .to_ascii_lowercase()
                                    .contains("content-type: text/plain")
                                && data == expected
                        }
                        None => false,
                    }
                });
            then.status(200).json_body(file_upload("f-1", "completed"));
        })
        .await;

    let sent = Arc::new(AtomicU64::new(0));
    let seen = sent.clone();
    let up = client(&server.base_url())
        .files()
        .upload(path.as_path())
        .workspace_uuid("ws-1")
        .on_progress(move |p| {
            assert_eq!(p.total, Some(200_000));
            seen.store(p.bytes_sent, Ordering::SeqCst);
        })
        .send()
        .await
        .unwrap();
    m.assert_async().await;
    assert_eq!(up.file_uuid.as_deref(), Some("f-1"));
    assert_eq!(sent.load(Ordering::SeqCst), 200_000);
}

#[tokio::test]
async fn bytes_default_to_upload_and_octet_stream_and_overrides_apply() {
    let server = MockServer::start_async().await;
    let plain = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files/-/uploads")
                .body_includes("filename=\"upload\"")
                .body_includes("application/octet-stream")
                .body_includes("raw-bytes-123");
            then.status(200).json_body(file_upload("f-1", "completed"));
        })
        .await;
    let named = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files/-/uploads")
                .body_includes("filename=\"clip.bin\"")
                .body_includes("video/mp4")
                .body_includes("reader-bytes");
            then.status(200).json_body(file_upload("f-2", "pending"));
        })
        .await;
    let c = client(&server.base_url());
    c.files().upload(b"raw-bytes-123".to_vec()).await.unwrap();
    let reader = std::io::Cursor::new(b"reader-bytes".to_vec());
    let up = c
        .files()
        .upload(UploadSource::reader("x.txt", reader, Some(12)))
        .file_name("clip.bin")
        .content_type("video/mp4")
        .await
        .unwrap();
    plain.assert_async().await;
    named.assert_async().await;
    assert_eq!(up.file_uuid.as_deref(), Some("f-2"));
}

#[tokio::test]
async fn missing_file_is_an_io_error_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .upload("/definitely/not/here.mp4")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Io { ref path, .. } if path.is_some()),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("/definitely/not/here.mp4"),
        "{err}"
    );
    let err = client(&server.base_url())
        .files()
        .upload(b"x".to_vec())
        .content_type("nonsense")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "content_type"),
        "{err}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn reader_shorter_than_declared_fails_instead_of_truncating() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files/-/uploads");
            then.status(200).json_body(file_upload("f-1", "completed"));
        })
        .await;
    let reader = std::io::Cursor::new(vec![7u8; 10]);
    let err = client(&server.base_url())
        .files()
        .upload(UploadSource::reader("a.bin", reader, Some(100)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(
        err.to_string().contains("10 bytes, 100 were expected"),
        "{err}"
    );
    assert!(!err.may_have_been_processed());
    assert_eq!(
        m.calls_async().await,
        0,
        "a truncated upload must not reach the server complete"
    );
}

#[tokio::test]
async fn upload_error_status_is_reported() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files/-/uploads");
            then.status(413).json_body(json!({"error": {"code": "validation.invalid_request", "message": "file too large"}}));
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .upload(b"x".to_vec())
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 413);
    assert!(err.to_string().contains("file too large"), "{err}");
}

#[tokio::test]
async fn presigned_flow_puts_bytes_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pic.png");
    std::fs::write(&path, b"\x89PNG fake image bytes").unwrap();

    let server = MockServer::start_async().await;
    let put_url = format!("{}/storage/f-9?sig=abc", server.base_url());
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files").header("x-api-key", KEY).json_body(json!({
                "files": [{"local_file_path": "pic.png", "content_type": "image/png"}]
            }));
            then.status(200).json_body(json!({"files": [{
                "file_uuid": "f-9", "file_url": put_url, "processing_status": "completed",
                "remote_file_path": "f-9_raw.png", "content_type": "image/png", "local_file_path": "pic.png"
            }]}));
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/storage/f-9")
                .query_param("sig", "abc")
                .header("content-type", "image/png")
                .header("content-length", "21")
                .header_missing("x-api-key")
                .header_missing("authorization")
                .body(
                    "\u{89}PNG fake image bytes"
                        .as_bytes()
                        .iter()
                        .map(|b| *b as char)
                        .collect::<String>(),
                );
            then.status(200);
        })
        .await;
    let put_any = server
        .mock_async(|when, then| {
            when.method(PUT).path("/storage/f-9");
            then.status(200);
        })
        .await;
    let c = builder(&server.base_url())
        .bearer_token("tok")
        .build()
        .unwrap();
    let file = c.files().upload_via_url(path.as_path()).await.unwrap();
    create.assert_async().await;
    assert_eq!(put.calls_async().await + put_any.calls_async().await, 1);
    let reference: aymara::types::FileReference = file.into();
    assert_eq!(reference.file_uuid.as_deref(), Some("f-9"));
    assert_eq!(reference.remote_file_path.as_deref(), Some("f-9_raw.png"));
}

#[tokio::test]
async fn presigned_flow_without_url_fails_before_uploading() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files");
            then.status(200)
                .json_body(json!({"files": [{"file_uuid": "f-1"}]}));
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .upload_via_url(UploadSource::bytes("a.txt", "hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Upload(ref m) if m.contains("no upload URL")),
        "{err:?}"
    );
}

#[tokio::test]
async fn presigned_put_failure_is_reported() {
    let server = MockServer::start_async().await;
    let url = format!("{}/storage/x", server.base_url());
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files");
            then.status(200)
                .json_body(json!({"files": [{"file_uuid": "f-1", "file_url": url}]}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(PUT).path("/storage/x");
            then.status(403)
                .body("<Error><Code>SignatureDoesNotMatch</Code></Error>");
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .upload_via_url(UploadSource::bytes("a.txt", "hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PermissionDenied(_)), "{err:?}");
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
}

#[tokio::test]
async fn upload_many_keeps_order_and_reports_each_failure() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files/-/uploads")
                .body_includes("filename=\"bad.txt\"");
            then.status(422).json_body(
                json!({"error": {"code": "validation.invalid_format", "message": "not text"}}),
            );
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files/-/uploads");
            then.status(200).json_body(file_upload("f-ok", "completed"));
        })
        .await;
    let sources = (0..10).map(|i| {
        let name = if i == 3 {
            "bad.txt".to_string()
        } else {
            format!("f{i}.txt")
        };
        UploadSource::bytes(name, format!("content {i}"))
    });
    let results = client(&server.base_url())
        .files()
        .upload_many(sources)
        .concurrency(4)
        .send()
        .await;
    assert_eq!(results.len(), 10);
    for (i, r) in results.iter().enumerate() {
        if i == 3 {
            assert!(matches!(r, Err(Error::UnprocessableEntity(_))), "{r:?}");
        } else {
            assert_eq!(r.as_ref().unwrap().file_uuid.as_deref(), Some("f-ok"));
        }
    }
}

/// A reader that yields one chunk, then never yields again.
struct Stalls {
    sent: bool,
}

impl tokio::io::AsyncRead for Stalls {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if !self.sent {
            self.sent = true;
            buf.put_slice(b"first chunk");
            return std::task::Poll::Ready(Ok(()));
        }
        std::task::Poll::Pending
    }
}

#[tokio::test]
async fn stalled_upload_times_out_but_slow_progress_does_not() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files/-/uploads");
            then.status(200).json_body(file_upload("f-1", "completed"));
        })
        .await;
    let c = builder(&server.base_url())
        .upload_stall_timeout(Duration::from_millis(300))
        .timeout(Duration::from_millis(250))
        .build()
        .unwrap();
    let err = c
        .files()
        .upload(UploadSource::reader("a.bin", Stalls { sent: false }, None))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().contains("upload stalled"), "{err}");

    // A body that keeps moving takes longer than the 250 ms request timeout and still succeeds.
    let (mut tx, rx) = tokio::io::duplex(64);
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        for _ in 0..8 {
            tx.write_all(b"0123456789").await.unwrap();
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
    });
    let up = c
        .files()
        .upload(UploadSource::reader("slow.bin", rx, Some(80)))
        .await
        .unwrap();
    assert_eq!(up.file_uuid.as_deref(), Some("f-1"));
}

#[tokio::test]
async fn path_uploads_are_resent_after_a_503_but_readers_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retry.txt");
    std::fs::write(&path, "resend me exactly").unwrap();
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files/-/uploads")
                .header("x-aymara-retry-count", "0");
            then.status(503).header("retry-after-ms", "5");
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files/-/uploads")
                .header("x-aymara-retry-count", "1")
                .body_includes("resend me exactly");
            then.status(200).json_body(file_upload("f-1", "completed"));
        })
        .await;
    let up = client(&server.base_url())
        .files()
        .upload(path.as_path())
        .await
        .unwrap();
    assert_eq!(up.file_uuid.as_deref(), Some("f-1"));
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;

    let reader = std::io::Cursor::new(b"once".to_vec());
    let err = client(&server.base_url())
        .files()
        .upload(UploadSource::reader("r.txt", reader, Some(4)))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    first.assert_calls_async(2).await;
}
