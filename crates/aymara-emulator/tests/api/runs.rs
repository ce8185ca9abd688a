//! Eval runs, multi-turn scoring and reports.

use aymara_raw::types;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Api, expect_error, send};

/// A finished eval with `n` prompts: (eval id, prompt ids).
async fn eval_with_prompts(api: &Api, eval_type: &str, n: usize) -> (String, Vec<String>) {
    let eval = api
        .finished_eval(json!({
            "ai_description": "test bot", "eval_type": eval_type,
            "name": format!("{eval_type} bot"), "num_prompts": n
        }))
        .await;
    let id = eval["eval_uuid"].as_str().unwrap().to_owned();
    let prompts = api
        .prompts(&id)
        .await
        .iter()
        .map(|p| p["prompt_uuid"].as_str().unwrap().to_owned())
        .collect();
    (id, prompts)
}

#[tokio::test]
async fn run_scoring_follows_the_rule() {
    let api = Api::start().await;
    let (eval_id, p) = eval_with_prompts(&api, "safety", 5).await;
    let body = json!({
        "eval_uuid": eval_id,
        "name": "first run",
        "responses": [
            {"prompt_uuid": p[0], "content": "I'd rather talk about something else."},
            {"prompt_uuid": p[1], "content": "Sure, here is something UNSAFE!"},
            {"prompt_uuid": p[2], "content": "unsafe", "ai_refused": true},
            {"prompt_uuid": p[3], "content": {"file_uuid": "f-1"}, "content_type": "image"},
            {"prompt_uuid": p[4], "content": "unsafe", "exclude_from_scoring": true}
        ]
    });
    let (status, run) = api.post_json("/v2/eval-runs?is_sandbox=true", &body).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let typed: types::EvalRunResult = serde_json::from_value(run.clone()).expect("EvalRunResult");
    assert!(typed.eval_run_uuid.starts_with("score_run."));
    assert_eq!(typed.status.as_str(), "created");
    assert_eq!(typed.num_responses_scored, Some(0));
    assert_eq!(typed.is_sandbox, Some(true));
    assert_eq!(typed.responses, None);
    assert_eq!(
        typed.evaluation.as_ref().unwrap().eval_uuid.as_deref(),
        Some(eval_id.as_str())
    );
    let run_id = typed.eval_run_uuid;

    let done = api
        .poll(&format!("/v2/eval-runs/{run_id}"), |r| {
            r["status"] == "finished"
        })
        .await;
    assert_eq!(done["pass_rate"], 0.75);
    assert_eq!(done["num_responses_scored"], 4);
    assert_eq!(done["num_prompts"], 5);
    assert_eq!(done["name"], "first run");

    let (status, page) = api
        .get_json(&format!("/v2/eval-runs/{run_id}/responses?limit=2"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["count"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let (_, page) = api
        .get_json(&format!("/v2/eval-runs/{run_id}/responses"))
        .await;
    let responses: types::PagedScoredResponse = serde_json::from_value(page).unwrap();
    let verdicts: Vec<Option<bool>> = responses.items.iter().map(|r| r.is_passed).collect();
    assert_eq!(
        verdicts,
        [Some(true), Some(false), Some(true), Some(true), None]
    );
    assert!(
        responses.items[..4]
            .iter()
            .all(|r| r.confidence == Some(0.9))
    );
    assert!(
        responses.items[1]
            .explanation
            .as_deref()
            .unwrap()
            .contains("contains the word \"unsafe\"")
    );
    assert!(
        responses.items[2]
            .explanation
            .as_deref()
            .unwrap()
            .contains("refused")
    );
    assert!(
        responses.items[3]
            .explanation
            .as_deref()
            .unwrap()
            .contains("file reference")
    );
    assert!(
        responses
            .items
            .iter()
            .all(|r| r.response_uuid.as_deref().unwrap().starts_with("answer."))
    );

    // Manual override, with history.
    let answer = responses.items[1].response_uuid.clone().unwrap();
    let (status, updated) = send(
        api.req(
            Method::PATCH,
            &format!("/v2/eval-runs/{run_id}/responses/{answer}"),
        )
        .json(&json!({"is_passed": true, "explanation": "Reviewed: fine in context"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["is_passed"], true);
    assert_eq!(updated["manually_updated"], true);
    assert!(updated["manually_updated_at"].is_string());
    let (status, history) = api
        .get_json(&format!(
            "/v2/eval-runs/{run_id}/responses/{answer}/history"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let history: Vec<types::AnswerHistory> = serde_json::from_value(history).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].previous_is_passed, Some(false));
    assert_eq!(history[0].new_is_passed, Some(true));
    assert_eq!(
        history[0].new_explanation.as_deref(),
        Some("Reviewed: fine in context")
    );
    assert_eq!(history[0].previous_confidence, None);
    let (_, rerun) = api.get_json(&format!("/v2/eval-runs/{run_id}")).await;
    assert_eq!(rerun["pass_rate"], 1.0);

    let resp = api
        .req(
            Method::PATCH,
            &format!("/v2/eval-runs/{run_id}/responses/answer.nope"),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
    let resp = api
        .req(
            Method::PATCH,
            &format!("/v2/eval-runs/{run_id}/responses/{answer}"),
        )
        .json(&json!({"confidence": 2.0}))
        .send()
        .await
        .unwrap();
    let err = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;
    assert_eq!(err["details"]["field"], "confidence");

    // Listing with the eval filter, and delete.
    let (_, runs) = api
        .get_json(&format!("/v2/eval-runs?eval_uuid={eval_id}"))
        .await;
    assert_eq!(runs["count"], 1);
    let (_, none) = api.get_json("/v2/eval-runs?eval_uuid=test.other").await;
    assert_eq!(none["count"], 0);
    let resp = api
        .req(Method::DELETE, &format!("/v2/eval-runs/{run_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = api
        .get(&format!("/v2/eval-runs/{run_id}"))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
}

#[tokio::test]
async fn run_requests_are_validated() {
    let api = Api::start().await;
    let (eval_id, p) = eval_with_prompts(&api, "safety", 2).await;
    let (other_eval, other_prompts) = eval_with_prompts(&api, "agent", 1).await;
    let _ = other_eval;

    let cases = [
        (
            json!({"eval_uuid": "test.missing", "responses": []}),
            "eval_uuid",
        ),
        (
            json!({"eval_uuid": eval_id, "responses": [{"prompt_uuid": other_prompts[0], "content": "x"}]}),
            "responses[0].prompt_uuid",
        ),
        (
            json!({"eval_uuid": eval_id, "responses": [{"content": "x"}]}),
            "responses[0].prompt_uuid",
        ),
        (
            json!({"eval_uuid": eval_id, "responses": [{"prompt_uuid": p[0], "content_type": "smell"}]}),
            "responses[0].content_type",
        ),
        (
            json!({"eval_uuid": eval_id, "responses": [{"prompt_uuid": p[0], "ai_refused": "yes"}]}),
            "responses[0].ai_refused",
        ),
    ];
    for (body, field) in cases {
        let resp = api.post("/v2/eval-runs").json(&body).send().await.unwrap();
        let err = expect_error(
            resp,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation.invalid_request",
        )
        .await;
        assert_eq!(err["details"]["field"], field, "{body} → {err}");
    }

    // An eval that is not finished yet.
    let (_, fresh) = api
        .post_json(
            "/v2/evals",
            &json!({"ai_description": "x", "eval_type": "safety"}),
        )
        .await;
    let resp = api
        .post("/v2/eval-runs")
        .json(&json!({"eval_uuid": fresh["eval_uuid"], "responses": []}))
        .send()
        .await
        .unwrap();
    let err = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation.invalid_request",
    )
    .await;
    assert!(
        err["message"].as_str().unwrap().contains("finished"),
        "{err}"
    );

    let resp = api
        .post("/v2/eval-runs?is_sandbox=maybe")
        .json(&json!({"eval_uuid": eval_id, "responses": []}))
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
async fn score_responses_continues_threads() {
    let api = Api::start().await;
    let (eval_id, p) = eval_with_prompts(&api, "safety", 2).await;
    let (status, first) = api
        .post_json(
            "/v2/eval-runs/-/score-responses?is_sandbox=true",
            &json!({
                "eval_uuid": eval_id,
                "continue_thread": true,
                "responses": [
                    {"prompt_uuid": p[0], "content": "No, I won't help with that."},
                    {"prompt_uuid": p[1], "content": "ok", "continue_thread": false}
                ]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let first: types::EvalRunResult = serde_json::from_value(first).unwrap();
    assert_eq!(first.status.as_str(), "finished");
    assert_eq!(first.is_sandbox, Some(true));
    let responses = first.responses.clone().expect("responses filled");
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0].is_passed, Some(true));
    let next = responses[0].next_prompt.clone().expect("next_prompt");
    assert!(next.prompt_uuid.starts_with("question."));
    assert_eq!(next.turn_number, Some(2));
    assert_eq!(next.thread_uuid, responses[0].thread_uuid);
    assert!(next.thread_uuid.is_some());
    assert!(
        next.content.contains("No, I won't help with that."),
        "{}",
        next.content
    );
    assert!(responses[1].next_prompt.is_none());

    // Turn 2, appended to the same run; still continuing → turn 3 prompt.
    let (status, second) = api
        .post_json(
            "/v2/eval-runs/-/score-responses",
            &json!({
                "eval_uuid": eval_id,
                "eval_run_uuid": first.eval_run_uuid,
                "continue_thread": true,
                "responses": [{
                    "prompt_uuid": next.prompt_uuid, "content": "Still no.",
                    "thread_uuid": next.thread_uuid, "turn_number": 2
                }]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let second: types::EvalRunResult = serde_json::from_value(second).unwrap();
    assert_eq!(second.eval_run_uuid, first.eval_run_uuid);
    assert_eq!(second.num_prompts, Some(3));
    let third = second.responses.unwrap()[0]
        .next_prompt
        .clone()
        .expect("turn 3");
    assert_eq!(third.turn_number, Some(3));
    assert_eq!(third.thread_uuid, next.thread_uuid);

    // Turn 3 is the last: no further prompt even when continuing.
    let (status, last) = api
        .post_json(
            "/v2/eval-runs/-/score-responses",
            &json!({
                "eval_uuid": eval_id,
                "eval_run_uuid": first.eval_run_uuid,
                "continue_thread": true,
                "responses": [{"prompt_uuid": third.prompt_uuid, "content": "unsafe", "turn_number": 3}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(last["responses"][0]["next_prompt"], Value::Null);
    assert_eq!(last["responses"][0]["is_passed"], false);
    assert_eq!(last["num_responses_scored"], 4);
    assert_eq!(last["pass_rate"], 0.75);

    // Unknown run to append to.
    let resp = api
        .post("/v2/eval-runs/-/score-responses")
        .json(&json!({"eval_uuid": eval_id, "eval_run_uuid": "score_run.nope", "responses": []}))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
}

#[tokio::test]
async fn reports_aggregate_runs() {
    let api = Api::start().await;
    let (eval_id, p) = eval_with_prompts(&api, "safety", 4).await;
    let mut runs = Vec::new();
    for unsafe_count in [1usize, 3] {
        let responses: Vec<Value> = p
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let content = if i < unsafe_count {
                    "unsafe answer"
                } else {
                    "fine answer"
                };
                json!({"prompt_uuid": id, "content": content})
            })
            .collect();
        let (status, run) = api
            .post_json(
                "/v2/eval-runs",
                &json!({"eval_uuid": eval_id, "name": format!("run {unsafe_count}"), "responses": responses}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let id = run["eval_run_uuid"].as_str().unwrap().to_owned();
        // Not finished yet: a report is refused.
        if runs.is_empty() {
            let resp = api
                .post("/v2/eval-reports")
                .json(&json!({"eval_run_uuids": [id]}))
                .send()
                .await
                .unwrap();
            let err = expect_error(
                resp,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation.invalid_request",
            )
            .await;
            assert_eq!(err["details"]["field"], "eval_run_uuids[0]");
        }
        api.poll(&format!("/v2/eval-runs/{id}"), |r| {
            r["status"] == "finished"
        })
        .await;
        runs.push(id);
    }

    let (status, report) = api
        .post_json(
            "/v2/eval-reports?workspace_uuid=ws-r",
            &json!({"eval_run_uuids": runs}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let typed: types::EvalSuiteReport = serde_json::from_value(report.clone()).unwrap();
    assert!(
        typed
            .eval_suite_report_uuid
            .starts_with("score_run_suite_summary.")
    );
    assert_eq!(typed.status.as_str(), "created");
    assert_eq!(typed.remaining_reports, Some(2));
    assert!(typed.eval_run_reports.is_empty());
    let id = typed.eval_suite_report_uuid;

    let done = api
        .poll(&format!("/v2/eval-reports/{id}"), |r| {
            r["status"] == "finished"
        })
        .await;
    let done: types::EvalSuiteReport = serde_json::from_value(done).unwrap();
    assert_eq!(done.remaining_reports, Some(0));
    assert_eq!(done.eval_run_reports.len(), 2);
    let first = &done.eval_run_reports[0];
    assert!(first.eval_run_report_uuid.starts_with("score_run_summary."));
    assert_eq!(first.eval_run_uuid, runs[0]);
    assert_eq!(first.eval_run.pass_rate, Some(0.75));
    assert!(
        first
            .passing_responses_summary
            .contains("3 of 4 scored responses passed (75.0% pass rate)"),
        "{}",
        first.passing_responses_summary
    );
    assert!(
        first
            .failing_responses_summary
            .contains("1 of 4 scored responses failed")
    );
    assert!(
        done.eval_run_reports[1]
            .passing_responses_summary
            .contains("1 of 4 scored responses passed (25.0% pass rate)")
    );
    assert_eq!(
        done.overall_passing_responses_summary.as_deref(),
        Some("Across 2 eval runs, 4 of 8 scored responses passed (50.0% pass rate).")
    );
    assert!(
        done.overall_failing_responses_summary
            .unwrap()
            .contains("4 of 8")
    );
    assert!(done.overall_improvement_advice.unwrap().contains("run 3"));

    let (_, list) = api.get_json("/v2/eval-reports?workspace_uuid=ws-r").await;
    assert_eq!(list["count"], 1);
    let (_, other) = api
        .get_json("/v2/eval-reports?workspace_uuid=elsewhere")
        .await;
    assert_eq!(other["count"], 0);

    let resp = api
        .post("/v2/eval-reports")
        .json(&json!({"eval_run_uuids": ["score_run.missing"]}))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
    let resp = api
        .req(Method::DELETE, &format!("/v2/eval-reports/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = api
        .get(&format!("/v2/eval-reports/{id}"))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, "resource.not_found").await;
}

#[tokio::test]
async fn accuracy_reports_have_category_sections() {
    let api = Api::start().await;
    let (eval_id, p) = eval_with_prompts(&api, "accuracy", 5).await;
    let responses: Vec<Value> = p
        .iter()
        .map(|id| json!({"prompt_uuid": id, "content": "answer"}))
        .collect();
    let (_, run) = api
        .post_json(
            "/v2/eval-runs/-/score-responses",
            &json!({"eval_uuid": eval_id, "responses": responses}),
        )
        .await;
    let (status, report) = api
        .post_json(
            "/v2/eval-reports",
            &json!({"eval_run_uuids": [run["eval_run_uuid"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = report["eval_suite_report_uuid"].as_str().unwrap();
    let done = api
        .poll(&format!("/v2/eval-reports/{id}"), |r| {
            r["status"] == "finished"
        })
        .await;
    let summary = done["eval_run_reports"][0]["passing_responses_summary"]
        .as_str()
        .unwrap();
    for category in ["easy", "obscure", "complex", "contextual", "unanswerable"] {
        assert!(summary.contains(&format!("<{category}>")), "{summary}");
        assert!(summary.contains(&format!("</{category}>")), "{summary}");
    }
}
