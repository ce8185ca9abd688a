//! Health, authentication, error bodies, bad inputs, fault and latency injection, lifecycle of
//! the server itself.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use aymara_emulator::Emulator;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Api, expect_error, fast, send};

#[tokio::test]
async fn health_needs_no_key_and_every_response_has_a_request_id() {
    let api = Api::start().await;
    assert!(api.emu.url().starts_with("http://127.0.0.1:"));
    assert!(!api.emu.url().ends_with('/'));
    let resp = api.http.get(api.url("/health/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-request-id"], "req_1");
    // The spec declares no body for the health check: none is sent.
    assert_eq!(resp.bytes().await.unwrap().len(), 0);
    let resp = api.http.get(api.url("/health/")).send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"], "req_2");
    assert_eq!(api.emu.request_count(), 2);
}

#[tokio::test]
async fn v2_requires_the_api_key() {
    let api = Api::with(fast().api_key("secret-k")).await;
    assert_eq!(api.emu.api_key(), "secret-k");
    let resp = api.http.get(api.url("/v2/evals")).send().await.unwrap();
    let err = expect_error(resp, StatusCode::UNAUTHORIZED, "auth.invalid_key").await;
    assert!(err["message"].as_str().unwrap().contains("x-api-key"));
    let resp = api
        .http
        .get(api.url("/v2/files"))
        .header("x-api-key", "wrong")
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, "auth.invalid_key").await;
    // Even unknown /v2 paths check the key first.
    let resp = api.http.get(api.url("/v2/nothing")).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, "auth.invalid_key").await;
    let (status, _) = api.get_json("/v2/evals").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn bad_inputs_get_documented_errors() {
    let api = Api::start().await;

    // Malformed JSON → 400.
    let resp = api
        .post("/v2/evals")
        .header("content-type", "application/json")
        .body("{\"ai_description\": ")
        .send()
        .await
        .unwrap();
    let err = expect_error(resp, StatusCode::BAD_REQUEST, "validation.invalid_format").await;
    assert!(err["message"].as_str().unwrap().contains("malformed JSON"));
    let resp = api
        .post("/v2/eval-runs")
        .header("content-type", "application/json")
        .body("")
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::BAD_REQUEST, "validation.invalid_format").await;
    let resp = api
        .post("/v2/files")
        .header("content-type", "application/json; charset=utf-8")
        .body("{} trailing")
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::BAD_REQUEST, "validation.invalid_format").await;

    // Missing required field → 422 naming it.
    let resp = api
        .post("/v2/evals")
        .json(&json!({"ai_description": "x"}))
        .send()
        .await
        .unwrap();
    let err = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;
    assert_eq!(err["details"]["field"], "eval_type");
    assert!(err["message"].as_str().unwrap().contains("eval_type"));
    // Wrong type, nested → 422 naming the path.
    let resp = api
        .post("/v2/files")
        .json(&json!({"files": [{"local_file_path": 12}]}))
        .send()
        .await
        .unwrap();
    let err = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;
    assert_eq!(err["details"]["field"], "files[0].local_file_path");
    let resp = api
        .post("/v2/eval-reports")
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;

    // Bad query values → 422 naming the parameter.
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
    ] {
        for list in [
            "/v2/files",
            "/v2/evals",
            "/v2/eval-runs",
            "/v2/eval-reports",
            "/v2/eval-types",
        ] {
            let resp = api.get(&format!("{list}?{query}")).send().await.unwrap();
            let err = expect_error(
                resp,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation.invalid_request",
            )
            .await;
            assert_eq!(err["details"]["parameter"], param, "{list}?{query}");
        }
    }
    let (status, _) = api.get_json("/v2/files?limit=1000&offset=0").await;
    assert_eq!(status, StatusCode::OK);

    // Unknown ids → 404.
    for path in [
        "/v2/evals/test.nope",
        "/v2/evals/test.nope/prompts",
        "/v2/eval-runs/score_run.nope",
        "/v2/eval-runs/score_run.nope/responses",
        "/v2/eval-runs/score_run.nope/responses/answer.nope/history",
        "/v2/eval-reports/score_run_suite_summary.nope",
        "/v2/eval-types/nope/instructions",
        "/v2/files/00000000-0000-0000-0000-000000000000",
        "/v2/files/nope/status",
    ] {
        let resp = api.get(path).send().await.unwrap();
        let err = expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
        assert!(err["message"].as_str().unwrap().contains("nope") || path.contains("0000"));
    }
    for path in [
        "/v2/evals/test.nope",
        "/v2/eval-runs/x",
        "/v2/eval-reports/x",
        "/v2/files/x",
    ] {
        let resp = api.req(Method::DELETE, path).send().await.unwrap();
        expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
    }
    let resp = api
        .req(Method::PUT, "/v2/evals/test.nope")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;

    // Unknown route and wrong method still get the error body.
    let resp = api.get("/v2/unknown").send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
    let resp = api.req(Method::DELETE, "/v2/evals").send().await.unwrap();
    expect_error(
        resp,
        StatusCode::METHOD_NOT_ALLOWED,
        "validation.invalid_request",
    )
    .await;
    let resp = api.get("/v2/files/-/uploads").send().await.unwrap();
    expect_error(
        resp,
        StatusCode::METHOD_NOT_ALLOWED,
        "validation.invalid_request",
    )
    .await;
}

#[tokio::test]
async fn fail_every_two_alternates_503_and_200() {
    let api = Api::with(fast().fail_every(2)).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let resp = api.get("/v2/evals").send().await.unwrap();
        let status = resp.status();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(resp.headers()["retry-after"], "0");
            assert_eq!(resp.headers()["retry-after-ms"], "10");
            expect_error(resp, StatusCode::SERVICE_UNAVAILABLE, "server.unavailable").await;
        }
        statuses.push(status.as_u16());
        // Health checks do not count towards fail_every.
        let health = api.http.get(api.url("/health/")).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
    }
    assert_eq!(statuses, [200, 503, 200, 503, 200, 503]);
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let api = Api::with(fast().latency(Duration::from_millis(80))).await;
    let start = Instant::now();
    let resp = api.http.get(api.url("/health/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(80));
    let start = Instant::now();
    let (status, _) = api.get_json("/v2/eval-types").await;
    assert_eq!(status, StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(80));
}

#[tokio::test]
async fn concurrent_eval_creation_loses_nothing() {
    let api = Api::start().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let request = api.post("/v2/evals").json(&json!({
            "ai_description": "bot", "eval_type": "safety", "name": format!("e{i}"), "num_prompts": 3
        }));
        tasks.spawn(send(request));
    }
    while let Some(done) = tasks.join_next().await {
        assert_eq!(done.unwrap().0, StatusCode::CREATED);
    }
    let (_, list) = api.get_json("/v2/evals?limit=1000").await;
    assert_eq!(list["count"], 40);
}

#[tokio::test]
async fn data_dir_and_fixed_port_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let emu = Emulator::builder()
        .port(port)
        .data_dir(dir.path().join("data"))
        .start()
        .await
        .unwrap();
    assert_eq!(emu.port(), port);
    assert_eq!(emu.url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(emu.api_key(), "emulator-key");
    assert_eq!(emu.data_dir(), dir.path().join("data"));
    let resp = reqwest::get(format!("{}/health/", emu.url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    drop(emu);
    // The port is free again once the emulator is dropped; the directory is kept.
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
    assert!(dir.path().join("data").exists());
}

#[tokio::test]
async fn temporary_data_dir_is_removed_on_drop() {
    let emu = Emulator::start().await.unwrap();
    let dir = emu.data_dir().to_path_buf();
    assert!(dir.exists());
    drop(emu);
    assert!(!dir.exists());
}

#[test]
fn start_blocking_serves_sync_callers() {
    let emu = Emulator::builder().start_blocking().expect("starts");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", emu.port())).unwrap();
    stream
        .write_all(b"GET /health/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("x-request-id: req_1"), "{reply}");
    assert!(reply.ends_with("\r\n\r\n"), "no body expected: {reply}");
    assert_eq!(emu.request_count(), 1);
    let started = Instant::now();
    drop(emu);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn start_blocking_also_works_inside_a_runtime() {
    let emu = Emulator::builder().start_blocking().expect("starts");
    let resp = reqwest::get(format!("{}/health/", emu.url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[test]
fn emulator_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Emulator>();
    assert_send_sync::<aymara_emulator::EmulatorBuilder>();
}
