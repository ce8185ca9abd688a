//! The transport against httpmock: retries, timeouts, per-request options, headers, errors.

mod support;

use std::time::{Duration, Instant};

use aymara::Error;
use httpmock::prelude::*;
use serde_json::json;
use support::{KEY, builder, client, file_detail, file_status};

/// Answers `status` for retry number `retry` (the transport numbers its attempts).
async fn on_attempt<'a>(
    server: &'a MockServer,
    method: httpmock::Method,
    path: &str,
    retry: u32,
    status: u16,
) -> httpmock::Mock<'a> {
    let path = path.to_string();
    server
        .mock_async(move |when, then| {
            when.method(method).path(path).header("x-aymara-retry-count", retry.to_string());
            if status == 200 {
                then.status(200).json_body(file_status("f-1", "completed"));
            } else {
                then.status(status).json_body(json!({"error": {"code": "server.internal_error", "message": "boom", "request_id": format!("req-{retry}")}}));
            }
        })
        .await
}

#[tokio::test]
async fn get_is_retried_after_two_500s() {
    let server = MockServer::start_async().await;
    let a = on_attempt(&server, GET, "/v2/files/f-1/status", 0, 500).await;
    let b = on_attempt(&server, GET, "/v2/files/f-1/status", 1, 500).await;
    let c = on_attempt(&server, GET, "/v2/files/f-1/status", 2, 200).await;
    let raw = client(&server.base_url())
        .files()
        .get_status("f-1")
        .send_raw()
        .await
        .unwrap();
    assert_eq!(raw.attempts(), 3);
    for m in [&a, &b, &c] {
        m.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn retries_stop_at_max_and_report_the_last_error() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(503).header("x-request-id", "req-9").json_body(
                json!({"error": {"code": "server.unavailable", "message": "try later"}}),
            );
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .get("f-1")
        .max_retries(1)
        .await
        .unwrap_err();
    m.assert_calls_async(2).await;
    assert!(matches!(err, Error::InternalServer(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.request_id(), Some("req-9"));
    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("503") && text.contains("try later") && text.contains("after 2 attempts"),
        "{text}"
    );
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(400).json_body(json!({"error": {"code": "validation.invalid_request", "message": "bad id", "request_id": "req-b"}}));
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .get("f-1")
        .await
        .unwrap_err();
    m.assert_calls_async(1).await;
    let api = err.api_error().unwrap();
    assert_eq!(api.code.as_deref(), Some("validation.invalid_request"));
    assert_eq!(api.message.as_deref(), Some("bad id"));
    assert_eq!(err.request_id(), Some("req-b"));
    assert!(matches!(err, Error::BadRequest(_)));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn post_is_retried_only_when_the_server_asks() {
    // 500 and a bare 503 (which a proxy may send after the work was done): one attempt, and
    // the error says the request may have been processed.
    for status in [500, 503] {
        let server = MockServer::start_async().await;
        let m = server
            .mock_async(|when, then| {
                when.method(POST).path("/v2/files");
                then.status(status).body("internal");
            })
            .await;
        let c = client(&server.base_url());
        let err = c.files().create().local_file("a.txt").await.unwrap_err();
        m.assert_calls_async(1).await;
        assert!(matches!(err, Error::InternalServer(_)));
        assert!(err.may_have_been_processed(), "{status}");
    }

    // 503 with Retry-After: the server asked, so the POST is repeated.
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files")
                .header("x-aymara-retry-count", "0");
            then.status(503).header("retry-after", "0");
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files")
                .header("x-aymara-retry-count", "1");
            then.status(200).json_body(json!({"files": []}));
        })
        .await;
    client(&server.base_url())
        .files()
        .create()
        .local_file("a.txt")
        .await
        .unwrap();
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/files/f-1/status")
                .header("x-aymara-retry-count", "0");
            then.status(429).header("retry-after-ms", "400");
        })
        .await;
    let second = on_attempt(&server, GET, "/v2/files/f-1/status", 1, 200).await;
    let start = Instant::now();
    client(&server.base_url())
        .files()
        .get_status("f-1")
        .await
        .unwrap();
    // Backoff alone would wait ~1 ms; the server asked for 400 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
}

#[tokio::test]
async fn should_retry_false_stops_and_true_forces() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(503).header("x-should-retry", "false");
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .get("f-1")
        .await
        .unwrap_err();
    m.assert_calls_async(1).await;
    assert_eq!(err.status().unwrap().as_u16(), 503);

    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files")
                .header("x-aymara-retry-count", "0");
            then.status(400).header("x-should-retry", "true");
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/files")
                .header("x-aymara-retry-count", "1");
            then.status(200).json_body(json!({"files": []}));
        })
        .await;
    client(&server.base_url())
        .files()
        .create()
        .local_file("a.txt")
        .await
        .unwrap();
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
}

#[tokio::test]
async fn timeout_is_per_attempt_and_overridable() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(200)
                .delay(Duration::from_millis(800))
                .json_body(file_detail("f-1", "text"));
        })
        .await;
    let c = builder(&server.base_url())
        .timeout(Duration::from_millis(150))
        .max_retries(0)
        .build()
        .unwrap();
    let err = c.files().get("f-1").await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        err.to_string()
            .contains("timed out calling files_get (GET /v2/files/f-1)"),
        "{err}"
    );
    // A per-request timeout longer than the delay wins over the client's.
    let f = c
        .files()
        .get("f-1")
        .timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(f.file_uuid, "f-1");
}

#[tokio::test]
async fn connection_refused_is_a_connection_error() {
    // Bind then drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&format!("http://127.0.0.1:{port}"));
    let err = c.files().get("f-1").await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("connection error calling files_get"),
        "{err}"
    );
    assert!(err.to_string().contains("after 3 attempts"), "{err}");
}

#[tokio::test]
async fn per_request_options_reach_the_wire() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/files/f-1")
                .header("x-trace", "abc")
                .query_param("debug", "1")
                .query_param("team", "red");
            then.status(200).json_body(file_detail("f-1", "text"));
        })
        .await;
    let post = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files").json_body(json!({
                "files": [{"local_file_path": "a.txt", "content_type": "text/plain"}],
                "priority": "high"
            }));
            then.status(200).json_body(json!({"files": []}));
        })
        .await;
    let c = builder(&server.base_url())
        .default_query("team", "blue")
        .build()
        .unwrap();
    c.files()
        .get("f-1")
        .header("x-trace", "abc")
        .query("debug", "1")
        .query("team", "red")
        .await
        .unwrap();
    c.files()
        .create()
        .local_file("a.txt")
        .extra_body("priority", "high")
        .await
        .unwrap();
    get.assert_async().await;
    post.assert_async().await;
}

#[tokio::test]
async fn extra_body_on_a_get_is_rejected() {
    let server = MockServer::start_async().await;
    let err = client(&server.base_url())
        .files()
        .get("f-1")
        .extra_body("x", 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "extra_body"),
        "{err}"
    );
    let err = client(&server.base_url())
        .files()
        .get("f-1")
        .header("bad header", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "header"),
        "{err}"
    );
}

#[tokio::test]
async fn auth_sandbox_and_user_agent_headers() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/health/")
                .header("x-api-key", KEY)
                .header("authorization", "Bearer tok-1")
                .header("x-use-sandbox", "True")
                .header("x-custom", "yes")
                .header_includes("user-agent", "aymara-rust/");
            then.status(200).json_body(json!({"status": "ok"}));
        })
        .await;
    let c = builder(&server.base_url())
        .bearer_token("tok-1")
        .sandbox(true)
        .default_header("x-custom", "yes")
        .build()
        .unwrap();
    assert!(c.is_sandbox());
    c.health().check().await.unwrap();
    m.assert_async().await;
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_errors() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(401).json_body(
                json!({"error": {"code": "auth.invalid_key", "message": "invalid API key"}}),
            );
        })
        .await;
    let c = builder(&server.base_url())
        .api_key("sk-very-secret")
        .bearer_token("tok-very-secret")
        .build()
        .unwrap();
    let err = c.files().get("f-1").await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)));
    let all = format!("{c:?} {err} {err:?}");
    assert!(!all.contains("very-secret"), "{all}");
    assert!(err.to_string().contains("invalid API key"), "{err}");
}

#[tokio::test]
async fn each_status_maps_to_its_variant_with_a_readable_display() {
    let server = MockServer::start_async().await;
    type Check = fn(&Error) -> bool;
    let cases: [(u16, Check); 9] = [
        (400, |e| matches!(e, Error::BadRequest(_))),
        (401, |e| matches!(e, Error::Authentication(_))),
        (403, |e| matches!(e, Error::PermissionDenied(_))),
        (404, |e| e.is_not_found()),
        (409, |e| matches!(e, Error::Conflict(_))),
        (422, |e| matches!(e, Error::UnprocessableEntity(_))),
        (429, |e| e.is_rate_limited()),
        (502, |e| matches!(e, Error::InternalServer(_))),
        (418, |e| matches!(e, Error::Status(_))),
    ];
    for (code, check) in cases {
        let path = format!("/v2/files/s{code}");
        server
            .mock_async(|when, then| {
                when.method(GET).path(path.clone());
                then.status(code)
                    .json_body(json!({"error": {"code": "c", "message": format!("m{code}")}}));
            })
            .await;
        let err = client(&server.base_url())
            .files()
            .get(format!("s{code}"))
            .max_retries(0)
            .await
            .unwrap_err();
        assert!(check(&err), "{code}: {err:?}");
        let line = err.to_string();
        assert!(
            line.contains(&code.to_string()) && line.contains(&format!("m{code}")),
            "{line}"
        );
        assert!(!line.contains('\n'), "one line: {line}");
    }
}

#[tokio::test]
async fn non_json_error_bodies_keep_status_and_text() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(404).body("<html>gone</html>");
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .get("f-1")
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.api_error().unwrap().body, "<html>gone</html>");
    assert!(err.to_string().contains("<html>gone</html>"), "{err}");
}

#[tokio::test]
async fn decode_errors_name_the_field_and_keep_the_status() {
    let server = MockServer::start_async().await;
    let mut bad = file_detail("f-1", "text");
    bad["created_at"] = json!("yesterday");
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(200)
                .header("x-request-id", "req-d")
                .json_body(bad);
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .get("f-1")
        .await
        .unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.path.as_deref(), Some("created_at"));
    assert_eq!(d.status.map(|s| s.as_u16()), Some(200));
    assert_eq!(err.request_id(), Some("req-d"));
    assert!(err.to_string().contains("at `created_at`"), "{err}");
}

#[tokio::test]
async fn unknown_enum_values_and_fields_are_tolerated() {
    let server = MockServer::start_async().await;
    let mut body = file_status("f-1", "quarantined");
    body["brand_new_field"] = json!({"x": 1});
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1/status");
            then.status(200).json_body(body);
        })
        .await;
    let st = client(&server.base_url())
        .files()
        .get_status("f-1")
        .await
        .unwrap();
    assert_eq!(
        st.processing_status,
        aymara::types::FileProcessingStatus::Unknown("quarantined".into())
    );
}

#[tokio::test]
async fn any_2xx_is_success() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(203).json_body(file_detail("f-1", "text"));
        })
        .await;
    let f = client(&server.base_url()).files().get("f-1").await.unwrap();
    assert_eq!(f.file_uuid, "f-1");
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/prefix/v2/files/f-1");
            then.status(200).json_body(file_detail("f-1", "text"));
        })
        .await;
    let c = client(&format!("{}/prefix/", server.base_url()));
    c.files().get("f-1").await.unwrap();
    m.assert_async().await;
}
