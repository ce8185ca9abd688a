//! The generated `aymara_raw::Client` against the emulator: every generated operation (30; the
//! multipart upload is not generated) succeeds with the status code the spec declares, and its
//! response decodes into the client's types.

use std::num::NonZeroU64;
use std::time::Duration;

use aymara_raw::compat::{FileProcessingStatus, Status};
use aymara_raw::types;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

use crate::common::Api;

fn raw_client(api: &Api) -> aymara_raw::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-api-key",
        HeaderValue::from_str(api.emu.api_key()).unwrap(),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    aymara_raw::Client::new_with_client(api.emu.url(), http, aymara_raw::hooks::Inner::default())
}

fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("valid request body")
}

#[tokio::test]
async fn generated_client_drives_every_operation() {
    let api = Api::start().await;
    let c = raw_client(&api);
    let ten = NonZeroU64::new(10).unwrap();

    c.health_check().send().await.expect("health_check");

    // Eval types.
    let types_page = c
        .eval_types_list()
        .limit(ten)
        .send()
        .await
        .unwrap()
        .into_inner();
    let safety = types_page
        .items
        .iter()
        .find(|t| t.slug == "safety")
        .unwrap()
        .clone();
    let one = c
        .eval_types_get()
        .eval_type_uuid(safety.eval_type_uuid.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one, safety);
    let by_id = c
        .eval_types_list_instructions()
        .eval_type_uuid(safety.eval_type_uuid.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    let by_slug = c
        .eval_types_find_instructions()
        .eval_type_slug("safety")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_id, by_slug);

    // Evals (create is 201).
    let created = c
        .evals_create()
        .body(body::<types::Eval>(json!({
            "ai_description": "raw client bot", "eval_type": "safety", "num_prompts": 3,
            "name": "Raw"
        })))
        .send()
        .await
        .expect("evals_create");
    assert_eq!(created.status(), StatusCode::CREATED);
    let eval_uuid = created.into_inner().eval_uuid.unwrap();
    loop {
        let eval = c
            .evals_get()
            .eval_uuid(eval_uuid.as_str())
            .send()
            .await
            .unwrap()
            .into_inner();
        if eval.status == Some(Status::Finished) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let evals = c.evals_list().send().await.unwrap().into_inner();
    assert_eq!(evals.count, Some(1));
    let updated = c
        .evals_update()
        .eval_uuid(eval_uuid.as_str())
        .body(body::<types::EvalUpdate>(json!({"name": "Raw 2"})))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.name.as_deref(), Some("Raw 2"));
    let prompts = c
        .evals_list_prompts()
        .eval_uuid(eval_uuid.as_str())
        .limit(ten)
        .offset(0u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(prompts.items.len(), 3);

    // Runs.
    let responses: Vec<_> = prompts
        .items
        .iter()
        .map(|p| json!({"prompt_uuid": p.prompt_uuid, "content": "a safe answer"}))
        .collect();
    let run = c
        .eval_runs_create()
        .body(body::<types::EvalRunRequest>(
            json!({"eval_uuid": eval_uuid, "responses": responses}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    let run_uuid = run.eval_run_uuid.clone();
    loop {
        let run = c
            .eval_runs_get()
            .eval_run_uuid(run_uuid.as_str())
            .send()
            .await
            .unwrap()
            .into_inner();
        if run.status == Status::Finished {
            assert_eq!(run.pass_rate, Some(1.0));
            break;
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let scored = c
        .eval_runs_score_responses()
        .is_sandbox(true)
        .body(body::<types::EvalRunRequest>(json!({
            "eval_uuid": eval_uuid,
            "continue_thread": true,
            "responses": [{"prompt_uuid": prompts.items[0].prompt_uuid, "content": "unsafe"}]
        })))
        .send()
        .await
        .unwrap()
        .into_inner();
    let scored_responses = scored.responses.unwrap();
    assert_eq!(scored_responses[0].is_passed, Some(false));
    assert!(scored_responses[0].next_prompt.is_some());
    let runs = c
        .eval_runs_list()
        .eval_uuid(eval_uuid.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(runs.count, Some(2));
    let page = c
        .eval_runs_list_responses()
        .eval_run_uuid(run_uuid.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    let answer = page.items[0].response_uuid.clone().unwrap();
    let patched = c
        .eval_runs_update_response()
        .eval_run_uuid(run_uuid.as_str())
        .response_uuid(answer.as_str())
        .body(body::<types::AnswerUpdateRequest>(
            json!({"confidence": 0.5}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(patched.confidence, Some(0.5));
    let history = c
        .eval_runs_get_response_history()
        .eval_run_uuid(run_uuid.as_str())
        .response_uuid(answer.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(history.len(), 1);

    // Reports.
    let report = c
        .reports_create()
        .body(body::<types::EvalSuiteReportRequest>(
            json!({"eval_run_uuids": [run_uuid]}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    let report_uuid = report.eval_suite_report_uuid;
    let got = c
        .reports_get()
        .report_uuid(report_uuid.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.eval_suite_report_uuid, report_uuid);
    assert_eq!(
        c.reports_list().send().await.unwrap().into_inner().count,
        Some(1)
    );
    let deleted = c
        .reports_delete()
        .report_uuid(report_uuid.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    // Analysis.
    let analysis = c
        .evals_analyze()
        .body(types::EvalAnalysisRequest::default())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(analysis.total_count, 1);
    assert_eq!(analysis.results[0].stats.total_score_runs, 2);

    // Files (the multipart upload is not generated; the presigned flow is).
    let created = c
        .files_create()
        .body(body::<types::FileCreateRequest>(
            json!({"files": [{"local_file_path": "note.txt"}]}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    let file = &created.files[0];
    let file_uuid = file.file_uuid.clone().unwrap();
    let put = api
        .http
        .put(file.file_url.clone().unwrap())
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let status = c
        .files_get_status()
        .file_uuid(file_uuid.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.processing_status, FileProcessingStatus::Completed);
    let detail = c
        .files_get()
        .file_uuid(file_uuid.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(detail.file_size_bytes, Some(5));
    let listed = c
        .files_list()
        .file_type("text")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.count, Some(1));
    let frames = c
        .files_get_frames()
        .file_uuid(file_uuid.as_str())
        .send()
        .await;
    assert_eq!(frames.unwrap_err().status(), Some(StatusCode::CONFLICT));
    let deleted = c
        .files_delete()
        .file_uuid(file_uuid.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    // Deletes of runs and evals.
    let deleted = c
        .eval_runs_delete()
        .eval_run_uuid(run_uuid.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let deleted = c
        .evals_delete()
        .eval_uuid(eval_uuid.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = c.evals_get().eval_uuid(eval_uuid.as_str()).send().await;
    assert_eq!(gone.unwrap_err().status(), Some(StatusCode::NOT_FOUND));
}
