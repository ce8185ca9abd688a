//! Forward compatibility: unknown enum values and unknown fields must not break decoding, unknown
//! values are kept verbatim, and the `Tools` union decodes by the rule in `compat.rs`.
//!
//! Run with `cargo test -p aymara-raw --features mock`.
#![cfg(feature = "mock")]

mod common;

use aymara_raw::compat::{
    ContentType, EvalRunExampleType, FileProcessingStatus, FileType, PromptExampleType, Status,
    Tools,
};
use aymara_raw::mock::MockServerExt;
use aymara_raw::types::{self, ResponseContent, ToolArrayType, ToolStringType};
use common::*;
use httpmock::MockServer;
use serde_json::{Value, json};

/// Removes `keys` from the object at `pointer` in `v`.
fn without(mut v: Value, pointer: &str, keys: &[&str]) -> Value {
    let obj = v
        .pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .expect("object");
    for k in keys {
        obj.remove(*k);
    }
    v
}

/// Answers the next request with `body` verbatim (bypassing the typed `Then`, which can only
/// send values the generated types can represent).
fn raw_json(then: httpmock::Then, body: Value) {
    then.status(200)
        .header("content-type", "application/json")
        .json_body(body);
}

// ---------------------------------------------------------------------------------------------
// Payloads from a "future" server

/// An eval run with an unknown status, unknown modalities/content types and extra fields at
/// several levels.
fn future_eval_run() -> Value {
    let mut run = eval_run_result();
    run["status"] = json!("archived");
    run["archived_at"] = json!("2025-06-01T00:00:00.000Z");
    run["retention"] = json!({ "policy": "90d", "legal_hold": false });
    run["evaluation"]["modality"] = json!("audio");
    run["evaluation"]["owner_team"] = json!("clinical-safety");
    run["evaluation"]["prompt_examples"][0]["type"] = json!("neutral");
    run["eval_run_examples"][0]["type"] = json!("borderline");
    run["responses"][0]["content_type"] = json!("audio");
    run["responses"][0]["latency_ms"] = json!(812);
    run["responses"][0]["manually_updated_by"]["sso_provider"] = json!("okta");
    run
}

fn future_file_status() -> Value {
    json!({
        "created_at": "2025-05-06T12:00:00.861Z",
        "file_uuid": FILE_VIDEO,
        "processing_status": "quarantined",
        "updated_at": "2025-05-06T12:00:04.250Z",
        "error_message": "Held for malware scan.",
        "remote_file_path": "d8e9f0a1-2b3c-4d4e-9f50-6a7b8c9d0e1f_raw.mp4",
        "scan_id": "scan.5f6a7b8c-9d0e-4f1a-a2b3-c4d5e6f7a8b9"
    })
}

fn future_scored_response() -> Value {
    let mut r = scored_response_image();
    r["content_type"] = json!("audio");
    r["content"] = json!({
        "file_uuid": "f0a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b",
        "remote_file_path": "https://aymara-files.s3.amazonaws.com/org.1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/answer.ogg",
        "duration_seconds": 12.4
    });
    r["audio_transcript"] = json!("I can't advise changing your dose.");
    r
}

fn assert_future_eval_run(run: &types::EvalRunResult) {
    assert_eq!(run.status, Status::Unknown("archived".into()));
    assert!(!run.status.is_known());
    assert!(!run.status.is_terminal());
    let eval = run.evaluation.as_ref().expect("evaluation");
    assert_eq!(eval.modality, Some(ContentType::Unknown("audio".into())));
    let examples = eval.prompt_examples.as_deref().expect("prompt examples");
    assert_eq!(
        examples[0].type_,
        Some(PromptExampleType::Unknown("neutral".into()))
    );
    let run_examples = run.eval_run_examples.as_deref().expect("run examples");
    assert_eq!(
        run_examples[0].type_,
        EvalRunExampleType::Unknown("borderline".into())
    );
    let responses = run.responses.as_deref().expect("responses");
    assert_eq!(
        responses[0].content_type,
        Some(ContentType::Unknown("audio".into()))
    );
    // Known values next to unknown ones are still decoded as known.
    assert_eq!(responses[1].content_type, Some(ContentType::Image));
}

// ---------------------------------------------------------------------------------------------
// serde_json::from_value

#[test]
fn eval_run_with_unknown_status_and_extra_fields_decodes() {
    let wire = future_eval_run();
    let run: types::EvalRunResult = decode(&wire);
    assert_future_eval_run(&run);

    // Unknown values re-serialize verbatim.
    let again = serde_json::to_value(&run).unwrap();
    assert_eq!(again["status"], "archived");
    assert_eq!(again["evaluation"]["modality"], "audio");
    assert_eq!(again["evaluation"]["prompt_examples"][0]["type"], "neutral");
    assert_eq!(again["eval_run_examples"][0]["type"], "borderline");
    assert_eq!(again["responses"][0]["content_type"], "audio");

    // Unknown fields are ignored: the result is what the payload without them decodes to.
    let stripped = without(wire, "", &["archived_at", "retention"]);
    let stripped = without(stripped, "/evaluation", &["owner_team"]);
    let stripped = without(stripped, "/responses/0", &["latency_ms"]);
    let stripped = without(
        stripped,
        "/responses/0/manually_updated_by",
        &["sso_provider"],
    );
    assert_eq!(again, stripped);
}

#[test]
fn file_status_with_unknown_processing_status_decodes() {
    let status: types::FileStatus = decode(&future_file_status());
    assert_eq!(
        status.processing_status,
        FileProcessingStatus::Unknown("quarantined".into())
    );
    assert!(!status.processing_status.is_terminal());
    assert_eq!(status.processing_status.as_str(), "quarantined");
    let again = serde_json::to_value(&status).unwrap();
    assert_eq!(again["processing_status"], "quarantined");
    assert_eq!(again, without(future_file_status(), "", &["scan_id"]));
}

#[test]
fn scored_response_with_unknown_content_type_decodes() {
    let response: types::ScoredResponse = decode(&future_scored_response());
    assert_eq!(
        response.content_type,
        Some(ContentType::Unknown("audio".into()))
    );
    let Some(ResponseContent::FileReference(file)) = &response.content else {
        panic!("expected a file reference, got {:?}", response.content);
    };
    assert_eq!(
        file.file_uuid.as_deref(),
        Some("f0a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b")
    );
    let again = serde_json::to_value(&response).unwrap();
    assert_eq!(again["content_type"], "audio");
    assert!(again.get("audio_transcript").is_none());
}

#[test]
fn other_open_enums_keep_unknown_values() {
    let mut detail = file_detail_image();
    detail["file_type"] = json!("spreadsheet");
    let detail: types::FileDetail = decode(&detail);
    assert_eq!(detail.file_type, FileType::Unknown("spreadsheet".into()));
    assert_eq!(
        serde_json::to_value(&detail).unwrap()["file_type"],
        "spreadsheet"
    );

    let mut report = eval_suite_report();
    report["status"] = json!("queued");
    let report: types::EvalSuiteReport = decode(&report);
    assert_eq!(report.status, Status::Unknown("queued".into()));
    assert_eq!(report.status.to_string(), "queued");
}

#[test]
fn date_times_accept_both_utc_spellings() {
    let mut a = future_file_status();
    a["created_at"] = json!("2025-05-06T12:00:00.123456+00:00");
    let mut b = future_file_status();
    b["created_at"] = json!("2025-05-06T12:00:00.123456Z");
    let a: types::FileStatus = decode(&a);
    let b: types::FileStatus = decode(&b);
    assert_eq!(a.created_at, b.created_at);
    assert_eq!(a.created_at.timestamp_micros() % 1_000_000, 123_456);
}

// ---------------------------------------------------------------------------------------------
// Through a real call

#[tokio::test]
async fn eval_runs_get_tolerates_a_future_server() {
    let server = MockServer::start_async().await;
    let mock = server.eval_runs_get(|when, then| {
        when.eval_run_uuid(RUN_1)
            .into_inner()
            .header("x-api-key", API_KEY);
        raw_json(then.into_inner(), future_eval_run());
    });

    let run = client(&server.base_url())
        .eval_runs_get()
        .eval_run_uuid(RUN_1)
        .send()
        .await
        .expect("an unknown status and unknown fields must not fail the call")
        .into_inner();

    mock.assert_async().await;
    assert_future_eval_run(&run);
    assert_eq!(serde_json::to_value(&run).unwrap()["status"], "archived");
}

#[tokio::test]
async fn files_get_status_tolerates_an_unknown_processing_status() {
    let server = MockServer::start_async().await;
    let mock = server.files_get_status(|when, then| {
        when.file_uuid(FILE_VIDEO)
            .into_inner()
            .header("x-api-key", API_KEY);
        raw_json(then.into_inner(), future_file_status());
    });

    let status = client(&server.base_url())
        .files_get_status()
        .file_uuid(FILE_VIDEO)
        .send()
        .await
        .expect("files_get_status")
        .into_inner();

    mock.assert_async().await;
    assert_eq!(
        status.processing_status,
        FileProcessingStatus::Unknown("quarantined".into())
    );
}

#[tokio::test]
async fn list_responses_tolerates_an_unknown_content_type() {
    let server = MockServer::start_async().await;
    let page = json!({ "items": [scored_response_text(), future_scored_response()], "count": 2, "next_cursor": null });
    let mock = server.eval_runs_list_responses(|when, then| {
        when.eval_run_uuid(RUN_1)
            .limit(std::num::NonZeroU64::new(2).unwrap())
            .offset(0)
            .into_inner()
            .header("x-api-key", API_KEY);
        raw_json(then.into_inner(), page);
    });

    let got = client(&server.base_url())
        .eval_runs_list_responses()
        .eval_run_uuid(RUN_1)
        .limit(std::num::NonZeroU64::new(2).unwrap())
        .offset(0u64)
        .send()
        .await
        .expect("eval_runs_list_responses")
        .into_inner();

    mock.assert_async().await;
    assert_eq!(got.count, Some(2));
    assert_eq!(got.items[0].content_type, Some(ContentType::Text));
    assert_eq!(
        got.items[1].content_type,
        Some(ContentType::Unknown("audio".into()))
    );
}

#[tokio::test]
async fn unknown_values_are_sent_back_verbatim() {
    let server = MockServer::start_async().await;
    let run: types::EvalRunResult = decode(&eval_run_result());
    let mock = server.eval_runs_score_responses(|when, then| {
        when.into_inner()
            .header("x-api-key", API_KEY)
            .json_body(json!({
                "eval_uuid": EVAL_AGENT,
                "responses": [{
                    "prompt_uuid": PROMPT_1,
                    "content": { "file_uuid": "f0a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b" },
                    "content_type": "audio"
                }],
                "eval_run_examples": [{
                    "prompt": "Can I take two pills if I forgot one?",
                    "response": "It depends on the medication.",
                    "type": "borderline"
                }]
            }));
        then.success(200, &run);
    });

    client(&server.base_url())
        .eval_runs_score_responses()
        .body(types::EvalRunRequest {
            eval_uuid: EVAL_AGENT.into(),
            responses: vec![types::EvalResponse {
                prompt_uuid: PROMPT_1.into(),
                content: Some(ResponseContent::FileReference(types::FileReference {
                    file_uuid: Some("f0a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b".into()),
                    remote_file_path: None,
                })),
                content_type: Some(ContentType::from("audio")),
                ai_refused: None,
                continue_thread: None,
                exclude_from_scoring: None,
                thread_uuid: None,
                turn_number: None,
            }],
            eval_run_examples: Some(vec![types::EvalRunExample {
                prompt: "Can I take two pills if I forgot one?".into(),
                response: "It depends on the medication.".into(),
                type_: "borderline".parse().unwrap(),
                example_uuid: None,
                explanation: None,
            }]),
            ai_description: None,
            continue_thread: None,
            eval_run_uuid: None,
            name: None,
        })
        .send()
        .await
        .expect("eval_runs_score_responses");

    mock.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// The Tools union

fn tools(v: Value) -> Tools {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v} does not decode: {e}"))
}

#[test]
fn untagged_tools_decode_by_the_shape_of_value() {
    let array =
        json!({ "value": [{ "name": "lookup_prescriptions", "content": { "type": "object" } }] });
    match tools(array.clone()) {
        Tools::Array(a) => {
            assert_eq!(a.type_, None);
            assert_eq!(a.value[0].name, "lookup_prescriptions");
        }
        other => panic!("array value must give Tools::Array, got {other:?}"),
    }

    let string = json!({ "value": "calendar.book(slot_id), calendar.cancel(booking_id)" });
    match tools(string.clone()) {
        Tools::String(s) => {
            assert_eq!(s.type_, None);
            assert_eq!(
                s.value,
                "calendar.book(slot_id), calendar.cancel(booking_id)"
            );
        }
        other => panic!("string value must give Tools::String, got {other:?}"),
    }

    let object = json!({ "value": { "route_message": { "parameters": { "target": "string" } } } });
    match tools(object.clone()) {
        Tools::Dict(d) => {
            assert_eq!(d.tag(), None);
            assert_eq!(
                d.value().unwrap()["route_message"]["parameters"]["target"],
                "string"
            );
        }
        other => panic!("object value must give Tools::Dict, got {other:?}"),
    }

    // An array that is not a list of tools still fits the free-form variant.
    let odd_array = json!({ "value": ["search", "calculator"] });
    match tools(odd_array.clone()) {
        Tools::Dict(d) => assert_eq!(d.value().unwrap(), &json!(["search", "calculator"])),
        other => panic!("an array of non-tools must give Tools::Dict, got {other:?}"),
    }

    // Without a tag they re-serialize without one, i.e. verbatim.
    for v in [array, string, object, odd_array] {
        assert_eq!(serde_json::to_value(tools(v.clone())).unwrap(), v);
    }
}

#[test]
fn tagged_tools_use_the_tag() {
    let tool_list =
        json!([{ "name": "lookup_prescriptions", "content": "Looks up prescriptions." }]);

    match tools(json!({ "type": "array", "value": tool_list })) {
        Tools::Array(a) => assert_eq!(a.type_, Some(ToolArrayType::Array)),
        other => panic!("expected Tools::Array, got {other:?}"),
    }
    match tools(json!({ "type": "string", "value": "search_web(query)" })) {
        Tools::String(s) => assert_eq!(s.type_, Some(ToolStringType::String)),
        other => panic!("expected Tools::String, got {other:?}"),
    }
    match tools(json!({ "type": "dict", "value": { "search_web": {} } })) {
        Tools::Dict(d) => assert_eq!(d.tag(), Some("dict")),
        other => panic!("expected Tools::Dict, got {other:?}"),
    }
    // The tag wins over the shape of `value`.
    match tools(json!({ "type": "dict", "value": tool_list })) {
        Tools::Dict(d) => assert_eq!(d.value().unwrap(), &tool_list),
        other => panic!("a `dict` tag must give Tools::Dict, got {other:?}"),
    }
    match tools(json!({ "type": "dict", "value": "search_web(query)" })) {
        Tools::Dict(d) => assert_eq!(d.value().unwrap(), "search_web(query)"),
        other => panic!("a `dict` tag must give Tools::Dict, got {other:?}"),
    }
    // A tag whose variant cannot hold the value is an error, not a silent re-interpretation.
    assert!(
        serde_json::from_value::<Tools>(json!({ "type": "array", "value": "search_web" })).is_err()
    );
    assert!(serde_json::from_value::<Tools>(json!({ "type": "string", "value": ["a"] })).is_err());
}

#[tokio::test]
async fn untagged_tools_decode_through_a_call() {
    let server = MockServer::start_async().await;
    let mut eval = eval_workflow();
    eval["ai_instructions"] = json!({
        "instructions": [
            {
                "system_prompt": "Classify the message.",
                "tools": { "value": [{ "name": "route_message", "content": null }] }
            },
            {
                "system_prompt": "Book appointments.",
                "tools": { "value": "calendar.book(slot_id)" }
            },
            {
                "system_prompt": "Answer billing questions.",
                "tools": { "value": { "billing_lookup": { "account_id": "string" } } }
            }
        ]
    });
    let mock = server.evals_get(|when, then| {
        when.eval_uuid(EVAL_WORKFLOW)
            .into_inner()
            .header("x-api-key", API_KEY);
        raw_json(then.into_inner(), eval);
    });

    let got = client(&server.base_url())
        .evals_get()
        .eval_uuid(EVAL_WORKFLOW)
        .send()
        .await
        .expect("evals_get")
        .into_inner();

    mock.assert_async().await;
    let Some(types::AiInstructions::WorkflowInstructions(w)) = got.ai_instructions else {
        panic!("expected workflow instructions");
    };
    assert!(
        matches!(&w.instructions[0].tools, Some(Tools::Array(a)) if a.value[0].content.is_null())
    );
    assert!(matches!(&w.instructions[1].tools, Some(Tools::String(_))));
    assert!(matches!(&w.instructions[2].tools, Some(Tools::Dict(_))));
}

#[test]
fn tools_with_an_unknown_tag_or_extra_keys_are_kept_verbatim() {
    let raw = json!({"type": "mcp", "value": {"server": "x"}, "endpoint": "https://mcp.example"});
    let tools: aymara_raw::compat::Tools = serde_json::from_value(raw.clone()).unwrap();
    match &tools {
        aymara_raw::compat::Tools::Dict(d) => assert_eq!(d.tag(), Some("mcp")),
        other => panic!("unknown tag must give Tools::Dict, got {other:?}"),
    }
    assert_eq!(serde_json::to_value(&tools).unwrap(), raw);
}
