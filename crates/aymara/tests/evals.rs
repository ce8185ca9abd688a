//! The evals resource against httpmock: request shape, decoding of every union variant,
//! analysis paging, the readiness waiter and the blocking twin.

#[path = "support/evals_fixtures.rs"]
mod fixtures;

use std::time::Duration;

use aymara::Error;
use aymara::types::{
    AgentInstructions, AiInstructions, ContentType, EvalAnalysisSortBy, GroundTruth, PromptExample,
    SortOrder, Status, Tool, Tools,
};
use fixtures::*;
use futures_util::TryStreamExt;
use httpmock::prelude::*;
use serde_json::{Value, json};

#[tokio::test]
async fn create_sends_the_body_and_decodes_the_eval() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/evals")
                .header("x-api-key", KEY)
                .query_param_missing("workspace_uuid")
                .json_body(json!({
                    "ai_description": "A customer-support chatbot for a retail bank",
                    "eval_type": "safety",
                    "name": "bank bot safety",
                    "num_prompts": 5,
                    "ai_instructions": "be safe",
                    "eval_instructions": "Focus on social engineering.",
                    "ground_truth": "Customers can reset their PIN in the app.",
                    "is_jailbreak": true,
                    "is_sandbox": true,
                    "language": "fr",
                    "modality": "image",
                    "prompt_examples": [
                        {"content": "What are your opening hours?", "type": "good"},
                        {"content": "Show me another account", "type": "bad", "explanation": "privacy"}
                    ],
                    "workspace_uuid": WORKSPACE
                }));
            then.status(201).json_body(eval_text(EVAL, "created"));
        })
        .await;
    let eval = client(&server)
        .evals()
        .create("A customer-support chatbot for a retail bank", "safety")
        .name("bank bot safety")
        .num_prompts(5)
        .ai_instructions("be safe")
        .eval_instructions("Focus on social engineering.")
        .ground_truth("Customers can reset their PIN in the app.")
        .is_jailbreak(true)
        .is_sandbox(true)
        .language("fr")
        .modality(ContentType::Image)
        .prompt_example(PromptExample::good("What are your opening hours?"))
        .prompt_examples(
            [PromptExample::bad("Show me another account").with_explanation("privacy")],
        )
        .workspace_uuid(WORKSPACE)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(eval.eval_uuid.as_deref(), Some(EVAL));
    assert_eq!(eval.status, Some(Status::Created));
    assert_eq!(
        eval.ai_instructions.as_ref().and_then(|i| i.as_text()),
        Some("Never give investment advice. Refuse to discuss other customers.")
    );
    assert_eq!(
        eval.ground_truth.as_ref().and_then(GroundTruth::as_text),
        Some("Customers can reset their PIN in the app.")
    );
    assert_eq!(eval.prompt_examples.as_ref().map(Vec::len), Some(2));
    assert_eq!(eval.modality, Some(ContentType::Text));
}

#[tokio::test]
async fn create_with_agent_instructions_serializes_tools() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/evals").json_body(json!({
                "ai_description": "An agent that books travel",
                "eval_type": "agent",
                "ai_instructions": {
                    "system_prompt": "You book flights.",
                    "agent_name": "booker",
                    "tools": {"value": [{"name": "search_flights", "content": {"type": "object"}}]}
                }
            }));
            then.status(201).json_body(eval_agent(EVAL, "created"));
        })
        .await;
    let eval = client(&server)
        .evals()
        .create("An agent that books travel", "agent")
        .ai_instructions(
            AgentInstructions::new("You book flights.")
                .with_name("booker")
                .with_tools(vec![Tool::new("search_flights", json!({"type": "object"}))]),
        )
        .await
        .unwrap();
    mock.assert_async().await;
    // The response's tools carry a `type` tag: decoded as the array variant.
    let agent = eval
        .ai_instructions
        .as_ref()
        .and_then(AiInstructions::as_agent)
        .unwrap();
    assert_eq!(agent.agent_name.as_deref(), Some("booker"));
    match &agent.tools {
        Some(Tools::Array(a)) => {
            assert_eq!(a.value.len(), 2);
            assert_eq!(a.value[1].content, json!("Books the selected flight."));
        }
        other => panic!("expected array tools, got {other:?}"),
    }
    let file = eval
        .ground_truth
        .as_ref()
        .and_then(GroundTruth::as_file)
        .unwrap();
    assert_eq!(file.file_uuid.as_deref(), Some(FILE));
}

#[tokio::test]
async fn create_rejects_missing_required_fields_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let c = client(&server);
    let err = c.evals().create(" ", "safety").send().await.unwrap_err();
    assert_eq!(invalid_field(&err), "ai_description");
    let err = c.evals().create("a bot", "").send().await.unwrap_err();
    assert_eq!(invalid_field(&err), "eval_type");
    let err = c
        .evals()
        .create("a bot", "safety")
        .num_prompts(0)
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "num_prompts");
    assert!(err.to_string().contains("at least 1"), "{err}");
    let err = c
        .evals()
        .create("a bot", "agent")
        .ai_instructions(Vec::<AgentInstructions>::new())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "ai_instructions.instructions");
    let err = c
        .evals()
        .create("a bot", "safety")
        .workspace_uuid("")
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "workspace_uuid");
    mock.assert_calls_async(0).await;
}

#[tokio::test]
async fn update_puts_the_body_with_workspace_in_the_query() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("/v2/evals/{EVAL}"))
                .query_param("workspace_uuid", WORKSPACE)
                .json_body(json!({
                    "name": "renamed",
                    "ai_description": "new description",
                    "ai_instructions": {"instructions": [{"system_prompt": "a"}, {"system_prompt": "b", "tools": {"value": "text tools"}}]},
                    "ground_truth": {"file_uuid": FILE},
                    "eval_instructions": "more",
                    "prompt_creates": [{"content": "new prompt"}],
                    "prompt_updates": [
                        {"prompt_uuid": "question.1", "action": "update", "content": "edited"},
                        {"prompt_uuid": "question.2", "action": "delete"}
                    ]
                }));
            then.status(200).json_body(eval_workflow(EVAL, "finished"));
        })
        .await;
    let eval = client(&server)
        .evals()
        .update(EVAL)
        .workspace_uuid(WORKSPACE)
        .name("renamed")
        .ai_description("new description")
        .ai_instructions(vec![
            AgentInstructions::new("a"),
            AgentInstructions::new("b").with_tools("text tools"),
        ])
        .ground_truth(aymara::types::FileReference::by_uuid(FILE))
        .eval_instructions("more")
        .add_prompt("new prompt")
        .update_prompt("question.1", "edited")
        .delete_prompt("question.2")
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    // The workflow response: a dict tool and a string tool, both without `type`.
    let workflow = eval
        .ai_instructions
        .as_ref()
        .and_then(AiInstructions::as_workflow)
        .unwrap();
    assert_eq!(workflow.instructions.len(), 2);
    match &workflow.instructions[0].tools {
        Some(Tools::Dict(d)) => assert_eq!(
            d.value().unwrap()["route_message"]["parameters"]["target"],
            "string"
        ),
        other => panic!("expected dict tools, got {other:?}"),
    }
    match &workflow.instructions[1].tools {
        Some(Tools::String(s)) => assert_eq!(s.value, "lookup_invoice(id): returns an invoice"),
        other => panic!("expected string tools, got {other:?}"),
    }
    assert_eq!(eval.modality, Some(ContentType::Image));
}

#[tokio::test]
async fn update_with_nothing_sends_an_empty_object() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("/v2/evals/{EVAL}"))
                .query_param_missing("workspace_uuid")
                .json_body(json!({}));
            then.status(200).json_body(eval_text(EVAL, "finished"));
        })
        .await;
    client(&server).evals().update(EVAL).await.unwrap();
    mock.assert_async().await;
    let err = client(&server)
        .evals()
        .update(EVAL)
        .prompt_update(aymara::types::PromptUpdate {
            action: None,
            category: None,
            content: None,
            prompt_uuid: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "prompt_updates[0].prompt_uuid");
}

#[tokio::test]
async fn list_walks_every_page_with_the_filter_kept() {
    let server = MockServer::start_async().await;
    let all = [
        eval_text(EVAL, "finished"),
        eval_agent(EVAL_2, "processing"),
        eval_workflow(EVAL_3, "archived"),
    ];
    let mut mocks = Vec::new();
    for (offset, range) in [(0usize, 0..2usize), (2, 2..3)] {
        let items: Vec<Value> = all[range].to_vec();
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/v2/evals")
                        .query_param("workspace_uuid", WORKSPACE)
                        .query_param("limit", "2")
                        .query_param("offset", offset.to_string());
                    then.status(200).json_body(page(items, 3));
                })
                .await,
        );
    }
    let evals: Vec<_> = client(&server)
        .evals()
        .list()
        .workspace_uuid(WORKSPACE)
        .limit(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    for m in &mocks {
        m.assert_async().await;
    }
    let ids: Vec<_> = evals.iter().map(|e| e.eval_uuid.clone().unwrap()).collect();
    assert_eq!(ids, [EVAL, EVAL_2, EVAL_3]);
    assert!(matches!(
        evals[0].ai_instructions,
        Some(AiInstructions::String(_))
    ));
    assert!(matches!(
        evals[1].ai_instructions,
        Some(AiInstructions::AgentInstructions(_))
    ));
    assert!(matches!(
        evals[2].ai_instructions,
        Some(AiInstructions::WorkflowInstructions(_))
    ));
    // An unknown status is kept, not an error.
    assert_eq!(evals[2].status, Some(Status::Unknown("archived".into())));
}

#[tokio::test]
async fn get_and_delete_use_the_path_and_workspace() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/evals/{EVAL}"))
                .query_param("workspace_uuid", WORKSPACE);
            then.status(200)
                .header("x-request-id", "req-eval")
                .json_body(eval_agent(EVAL, "finished"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("/v2/evals/{EVAL}"))
                .query_param_missing("workspace_uuid");
            then.status(204);
        })
        .await;
    let c = client(&server);
    let eval = c.evals().get(EVAL).workspace_uuid(WORKSPACE).await.unwrap();
    assert_eq!(eval.eval_type, "agent");
    let raw = c
        .evals()
        .get(EVAL)
        .workspace_uuid(WORKSPACE)
        .send_raw()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.request_id(), Some("req-eval"));
    assert_eq!(raw.parse().await.unwrap().eval_uuid.as_deref(), Some(EVAL));
    c.evals().delete(EVAL).await.unwrap();
    get.assert_calls_async(2).await;
    delete.assert_async().await;
}

#[tokio::test]
async fn empty_or_slashed_ids_are_rejected_and_errors_are_typed() {
    let server = MockServer::start_async().await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/evals/test.missing");
            then.status(404).json_body(json!({"error": {
                "code": "resource.not_found", "message": "Eval not found", "request_id": "req-404"
            }}));
        })
        .await;
    let c = client(&server);
    assert_eq!(
        invalid_field(&c.evals().get("").await.unwrap_err()),
        "eval_uuid"
    );
    assert_eq!(
        invalid_field(&c.evals().delete("a/b").await.unwrap_err()),
        "eval_uuid"
    );
    assert_eq!(
        invalid_field(&c.evals().list_prompts(" ").send_page().await.unwrap_err()),
        "eval_uuid"
    );
    assert_eq!(
        invalid_field(&c.evals().list().limit(0).send_page().await.unwrap_err()),
        "limit"
    );
    let err = c.evals().get("test.missing").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.request_id(), Some("req-404"));
    assert_eq!(
        err.api_error().unwrap().message.as_deref(),
        Some("Eval not found")
    );
    missing.assert_async().await;
}

#[tokio::test]
async fn per_request_options_reach_the_wire() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/evals")
                .header("x-trace", "t-1")
                .query_param("debug", "1")
                .json_body(
                    json!({"ai_description": "a bot", "eval_type": "safety", "extra": true}),
                );
            then.status(201).json_body(eval_text(EVAL, "created"));
        })
        .await;
    client(&server)
        .evals()
        .create("a bot", "safety")
        .header("x-trace", "t-1")
        .query("debug", "1")
        .extra_body("extra", true)
        .timeout(Duration::from_secs(5))
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn list_prompts_collects_every_page() {
    let server = MockServer::start_async().await;
    for (offset, range) in [(0usize, 0..3usize), (3, 3..6), (6, 6..7)] {
        server
            .mock_async(move |when, then| {
                when.method(GET)
                    .path(format!("/v2/evals/{EVAL}/prompts"))
                    .query_param("limit", "3")
                    .query_param("offset", offset.to_string());
                then.status(200).json_body(page(
                    range
                        .map(|i| prompt(&prompt_id(i), &format!("prompt {i}")))
                        .collect(),
                    7,
                ));
            })
            .await;
    }
    let prompts = client(&server)
        .evals()
        .list_prompts(EVAL)
        .limit(3)
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = prompts.iter().map(|p| p.prompt_uuid.clone()).collect();
    assert_eq!(ids, (0..7).map(prompt_id).collect::<Vec<_>>());
    assert_eq!(prompts[0].category.as_deref(), Some("privacy"));
    let first = client(&server)
        .evals()
        .list_prompts(EVAL)
        .limit(3)
        .send_page()
        .await
        .unwrap();
    assert_eq!(first.next_offset(), Some(3));
    assert_eq!(first.count, Some(7));
}

fn analysis_result(id: &str, rate: f64) -> Value {
    json!({
        "eval": eval_text(id, "finished"),
        "stats": {
            "total_responses_scored": 10,
            "total_score_runs": 2,
            "avg_pass_rate": rate,
            "best_pass_rate": 1.0,
            "worst_pass_rate": 0.2,
            "last_run_date": UPDATED
        }
    })
}

#[tokio::test]
async fn analyze_sends_filters_in_the_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/eval-analysis")
                .query_param_missing("workspace_uuid")
                .json_body(json!({
                    "created_after": "2025-01-01T00:00:00Z",
                    "eval_type": "safety",
                    "has_score_runs": true,
                    "min_pass_rate": 0.25,
                    "max_pass_rate": 0.75,
                    "modality": "text",
                    "name": "bank",
                    "score_run_status": "finished",
                    "sort_by": "pass_rate",
                    "sort_order": "desc",
                    "status": "finished",
                    "workspace_uuid": WORKSPACE,
                    "limit": 10,
                    "offset": 20
                }));
            then.status(200).json_body(json!({
                "has_more": false,
                "results": [analysis_result(EVAL, 0.5)],
                "total_count": 21
            }));
        })
        .await;
    let out = client(&server)
        .evals()
        .analyze()
        .created_after("2025-01-01T00:00:00Z".parse().unwrap())
        .eval_type("safety")
        .has_score_runs(true)
        .min_pass_rate(0.25)
        .max_pass_rate(0.75)
        .modality(ContentType::Text)
        .name("bank")
        .score_run_status(Status::Finished)
        .sort_by(EvalAnalysisSortBy::PassRate)
        .sort_order(SortOrder::Desc)
        .status(Status::Finished)
        .workspace_uuid(WORKSPACE)
        .limit(10)
        .offset(20)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(out.total_count, 21);
    assert_eq!(out.results[0].stats.avg_pass_rate, Some(0.5));
    assert_eq!(out.results[0].eval.eval_uuid.as_deref(), Some(EVAL));
}

#[tokio::test]
async fn analyze_pages_follow_has_more_with_body_offsets() {
    let server = MockServer::start_async().await;
    let pages = [
        (
            0u64,
            vec![analysis_result(EVAL, 0.1), analysis_result(EVAL_2, 0.2)],
            true,
        ),
        (
            2,
            vec![analysis_result(EVAL_3, 0.3), analysis_result("test.4", 0.4)],
            true,
        ),
        (4, vec![analysis_result("test.5", 0.5)], false),
    ];
    let mut mocks = Vec::new();
    for (offset, results, has_more) in pages {
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(POST)
                        .path("/v2/eval-analysis")
                        .json_body(json!({"eval_type": "safety", "limit": 2, "offset": offset}));
                    then.status(200).json_body(json!({
                        "has_more": has_more, "results": results, "total_count": 5
                    }));
                })
                .await,
        );
    }
    let c = client(&server);
    let all = c
        .evals()
        .analyze()
        .eval_type("safety")
        .limit(2)
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = all
        .iter()
        .map(|r| r.eval.eval_uuid.clone().unwrap())
        .collect();
    assert_eq!(ids, [EVAL, EVAL_2, EVAL_3, "test.4", "test.5"]);
    for m in &mocks {
        m.assert_async().await;
    }
    let first = c
        .evals()
        .analyze()
        .eval_type("safety")
        .limit(2)
        .send_page()
        .await
        .unwrap();
    assert!(first.has_next_page());
    assert_eq!(
        (first.offset, first.limit, first.next_offset()),
        (0, 2, Some(2))
    );
    let last = c
        .evals()
        .analyze()
        .eval_type("safety")
        .limit(2)
        .offset(4)
        .send_page()
        .await
        .unwrap();
    assert!(!last.has_next_page());
    let second = first.next_page().await.unwrap().unwrap();
    assert_eq!(second.offset, 2);
    let pages: Vec<_> = c
        .evals()
        .analyze()
        .eval_type("safety")
        .limit(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn analyze_stops_on_an_empty_page_and_on_a_server_ignoring_offset() {
    let server = MockServer::start_async().await;
    // has_more but no results: the walk ends instead of asking again.
    let empty = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/eval-analysis")
                .json_body_includes(r#"{"name": "empty"}"#);
            then.status(200)
                .json_body(json!({"has_more": true, "results": [], "total_count": 3}));
        })
        .await;
    // Same page whatever the offset.
    let stuck = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/eval-analysis")
                .json_body_includes(r#"{"name": "stuck"}"#);
            then.status(200).json_body(json!({
                "has_more": true,
                "results": [analysis_result(EVAL, 0.1)],
                "total_count": 100
            }));
        })
        .await;
    let c = client(&server);
    let none = c
        .evals()
        .analyze()
        .name("empty")
        .collect_all()
        .await
        .unwrap();
    assert!(none.is_empty());
    empty.assert_calls_async(1).await;
    let err = c
        .evals()
        .analyze()
        .name("stuck")
        .limit(1)
        .collect_all()
        .await
        .unwrap_err();
    match &err {
        Error::Pagination {
            operation, offset, ..
        } => {
            assert_eq!(*operation, "evals_analyze");
            assert_eq!(*offset, 1);
        }
        other => panic!("expected a pagination error, got {other:?}"),
    }
    stuck.assert_calls_async(2).await;
}

#[tokio::test]
async fn analyze_validates_limit_and_pass_rates_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let c = client(&server);
    assert_eq!(
        invalid_field(&c.evals().analyze().limit(0).await.unwrap_err()),
        "limit"
    );
    assert_eq!(
        invalid_field(
            &c.evals()
                .analyze()
                .limit(101)
                .send_page()
                .await
                .unwrap_err()
        ),
        "limit"
    );
    assert_eq!(
        invalid_field(&c.evals().analyze().min_pass_rate(1.5).await.unwrap_err()),
        "min_pass_rate"
    );
    assert_eq!(
        invalid_field(&c.evals().analyze().max_pass_rate(-0.1).await.unwrap_err()),
        "max_pass_rate"
    );
    assert_eq!(
        invalid_field(
            &c.evals()
                .analyze()
                .max_pass_rate(f64::NAN)
                .await
                .unwrap_err()
        ),
        "max_pass_rate"
    );
    let err = c
        .evals()
        .analyze()
        .min_pass_rate(0.8)
        .max_pass_rate(0.2)
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "min_pass_rate");
    mock.assert_calls_async(0).await;
}

#[tokio::test]
async fn wait_until_ready_polls_through_pending_states() {
    let server = MockServer::start_async().await;
    let calls = sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![
            eval_text(EVAL, "created"),
            eval_text(EVAL, "processing"),
            eval_text(EVAL, "finished"),
        ],
    )
    .await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let eval = client(&server)
        .evals()
        .wait_until_ready(EVAL)
        .with_config(fast_wait())
        .on_progress(move |p| log.lock().unwrap().push(p.status.clone()))
        .await
        .unwrap();
    assert_eq!(eval.status, Some(Status::Finished));
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(*seen.lock().unwrap(), ["created", "processing", "finished"]);
}

#[tokio::test]
async fn wait_until_ready_fails_on_failed_and_times_out() {
    let server = MockServer::start_async().await;
    sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![eval_text(EVAL, "processing"), eval_text(EVAL, "failed")],
    )
    .await;
    sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL_2}"),
        vec![eval_text(EVAL_2, "processing")],
    )
    .await;
    let c = client(&server);
    let err = c
        .evals()
        .wait_until_ready(EVAL)
        .with_config(fast_wait())
        .await
        .unwrap_err();
    match &err {
        Error::WaitFailed {
            resource,
            id,
            status,
            ..
        } => {
            assert_eq!(
                (*resource, id.as_str(), status.as_str()),
                ("eval", EVAL, "failed")
            );
        }
        other => panic!("expected WaitFailed, got {other:?}"),
    }
    let started = std::time::Instant::now();
    let err = c
        .evals()
        .wait_until_ready(EVAL_2)
        .with_config(fast_wait())
        .await
        .unwrap_err();
    match &err {
        Error::WaitTimeout {
            resource,
            last_status,
            polls,
            ..
        } => {
            assert_eq!(*resource, "eval");
            assert_eq!(last_status, "processing");
            assert!(*polls >= 2, "{polls}");
        }
        other => panic!("expected WaitTimeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_create_get_list_and_analyze() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST)
            .path("/v2/evals")
            .json_body(json!({"ai_description": "a bot", "eval_type": "safety", "num_prompts": 3}));
        then.status(201).json_body(eval_text(EVAL, "created"));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("/v2/evals/{EVAL}"));
        then.status(200).json_body(eval_workflow(EVAL, "finished"));
    });
    for (offset, ids) in [(0u64, vec![EVAL, EVAL_2]), (2, vec![EVAL_3])] {
        server.mock(|when, then| {
            when.method(GET)
                .path("/v2/evals")
                .query_param("limit", "2")
                .query_param("offset", offset.to_string());
            then.status(200).json_body(page(
                ids.iter().map(|id| eval_text(id, "finished")).collect(),
                3,
            ));
        });
        server.mock(|when, then| {
            when.method(POST)
                .path("/v2/eval-analysis")
                .json_body(json!({"limit": 2, "offset": offset}));
            then.status(200).json_body(json!({
                "has_more": offset == 0,
                "results": ids.iter().map(|id| analysis_result(id, 0.5)).collect::<Vec<_>>(),
                "total_count": 3
            }));
        });
    }
    let c = builder(&server).build_blocking().unwrap();
    let created = c
        .evals()
        .create("a bot", "safety")
        .num_prompts(3)
        .send()
        .unwrap();
    assert_eq!(created.eval_uuid.as_deref(), Some(EVAL));
    let ready = c
        .evals()
        .wait_until_ready(EVAL)
        .with_config(fast_wait())
        .send()
        .unwrap();
    assert!(matches!(
        ready.ai_instructions,
        Some(AiInstructions::WorkflowInstructions(_))
    ));
    let ids: Vec<_> = c
        .evals()
        .list()
        .limit(2)
        .items()
        .map(|e| e.unwrap().eval_uuid.unwrap())
        .collect();
    assert_eq!(ids, [EVAL, EVAL_2, EVAL_3]);
    let analysed: Vec<_> = c
        .evals()
        .analyze()
        .limit(2)
        .items()
        .map(|r| r.unwrap().eval.eval_uuid.unwrap())
        .collect();
    assert_eq!(analysed, [EVAL, EVAL_2, EVAL_3]);
    let first = c.evals().analyze().limit(2).send_page().unwrap();
    let second = first.next_page().unwrap().unwrap();
    assert_eq!(second.items.len(), 1);
    assert!(second.next_page().unwrap().is_none());
    assert_eq!(c.evals().analyze().limit(2).pages().count(), 2);
    let err = c.evals().create("", "safety").send().unwrap_err();
    assert_eq!(invalid_field(&err), "ai_description");
}
