//! The emulator says "no" where `openapi.json` does, before any state changes, and its response
//! validation catches a response the spec forbids.

use std::panic::AssertUnwindSafe;

use aymara_emulator::Emulator;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Api, expect_error, fast};

async fn eval_count(api: &Api) -> u64 {
    let (status, page) = api.get_json("/v2/evals").await;
    assert_eq!(status, StatusCode::OK);
    page["count"].as_u64().expect("count")
}

#[tokio::test]
async fn invalid_bodies_are_refused_naming_the_field() {
    let api = Api::start().await;
    let cases: [(&str, Value, &str); 4] = [
        (
            "/v2/evals",
            json!({"ai_description": "x", "eval_type": "safety", "status": "bogus"}),
            "status",
        ),
        (
            "/v2/eval-analysis",
            json!({"sort_order": "sideways"}),
            "sort_order",
        ),
        (
            "/v2/evals",
            json!({"ai_description": "x", "eval_type": "safety", "num_prompts": "ten"}),
            "num_prompts",
        ),
        // `tools` must be one of the three Tools variants, each with a `value`.
        (
            "/v2/evals",
            json!({"ai_description": "x", "eval_type": "safety",
                   "ai_instructions": {"instructions": [{"system_prompt": "", "tools": {}}]}}),
            "ai_instructions",
        ),
    ];
    for (path, body, field) in cases {
        let resp = api.post(path).json(&body).send().await.unwrap();
        let err = expect_error(
            resp,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation.invalid_request",
        )
        .await;
        let named = err["details"]["field"].as_str().unwrap_or_default();
        assert!(named.starts_with(field), "{path} {body}: {err}");
        assert!(err["message"].as_str().unwrap().contains(field), "{err}");
    }
    assert_eq!(eval_count(&api).await, 0, "nothing was created");

    // A wrongly typed `ground_truth` on update leaves the eval unchanged.
    let eval = api
        .finished_eval(json!({"ai_description": "x", "eval_type": "accuracy", "ground_truth": "g"}))
        .await;
    let id = eval["eval_uuid"].as_str().unwrap();
    let resp = api
        .req(reqwest::Method::PUT, &format!("/v2/evals/{id}"))
        .json(&json!({"ground_truth": 42}))
        .send()
        .await
        .unwrap();
    let err = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;
    assert_eq!(err["details"]["field"], "ground_truth", "{err}");
    let (_, after) = api.get_json(&format!("/v2/evals/{id}")).await;
    assert_eq!(after["ground_truth"], "g");
}

#[tokio::test]
async fn a_json_body_must_be_sent_as_application_json() {
    let api = Api::start().await;
    let body = json!({"ai_description": "x", "eval_type": "safety"}).to_string();
    for content_type in [Some("text/plain"), Some("application/xml"), None] {
        let mut req = api.post("/v2/evals").body(body.clone());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        let err = expect_error(
            resp,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "validation.invalid_format",
        )
        .await;
        assert_eq!(err["details"]["field"], "Content-Type");
    }
    assert_eq!(eval_count(&api).await, 0, "nothing was created");
    let resp = api
        .post("/v2/evals")
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn parameters_are_checked_against_the_spec() {
    let api = Api::start().await;
    for value in ["yes", "true", ""] {
        let resp = api
            .get("/v2/evals")
            .header("X-Use-Sandbox", value)
            .send()
            .await
            .unwrap();
        let err = expect_error(
            resp,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation.invalid_request",
        )
        .await;
        assert_eq!(
            err["details"]["parameter"], "X-Use-Sandbox",
            "{value}: {err}"
        );
    }
    for value in ["True", "False"] {
        let resp = api
            .get("/v2/evals")
            .header("X-Use-Sandbox", value)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }
    for query in ["limit=0", "limit=abc", "offset=-1", "limit="] {
        let resp = api.get(&format!("/v2/files?{query}")).send().await.unwrap();
        let err = expect_error(
            resp,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation.invalid_request",
        )
        .await;
        let name = query.split('=').next().unwrap();
        assert_eq!(err["details"]["parameter"], name, "{query}: {err}");
    }
    // An integer beyond 64 bits is still an integer: a huge `offset` is an empty page.
    for query in [
        "offset=18446744073709551616",
        "offset=99999999999999999999999",
    ] {
        let (status, page) = api.get_json(&format!("/v2/files?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
    }
    let resp = api
        .post("/v2/eval-runs/-/score-responses?is_sandbox=maybe")
        .json(&json!({"eval_uuid": "e", "responses": []}))
        .send()
        .await
        .unwrap();
    let err = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;
    assert_eq!(err["details"]["parameter"], "is_sandbox");
}

#[tokio::test]
async fn a_response_that_violates_the_spec_fails_the_test() {
    let emu = fast()
        .validate_responses(true)
        .break_responses_of("eval_types_list")
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let get = |path: &str| {
        http.get(format!("{}{path}", emu.url()))
            .header("x-api-key", emu.api_key())
            .send()
    };
    // Other operations are unaffected.
    assert_eq!(get("/v2/evals").await.unwrap().status(), StatusCode::OK);
    assert!(emu.spec_violations().is_empty());
    let resp = get("/v2/eval-types").await.unwrap();
    let err = expect_error(
        resp,
        StatusCode::INTERNAL_SERVER_ERROR,
        "server.internal_error",
    )
    .await;
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("violates openapi.json"), "{message}");
    assert!(message.contains("eval_types_list"), "{message}");
    let violations = emu.spec_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("required"), "{violations:?}");
    // Dropping the emulator fails the test that caused the violation.
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(move || drop(emu)));
    let panic = outcome.expect_err("dropping an emulator with violations panics");
    let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("violate openapi.json"), "{text}");
}

#[tokio::test]
async fn response_validation_can_be_switched_off() {
    let emu = Emulator::builder()
        .validate_responses(false)
        .break_responses_of("eval_types_list")
        .start()
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .get(format!("{}/v2/eval-types", emu.url()))
        .header("x-api-key", emu.api_key())
        .send()
        .await
        .unwrap();
    // The hook only acts inside the validation layer: without it the real body goes out.
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(emu.spec_violations().is_empty());
}
