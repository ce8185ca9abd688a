//! The eval runs resource against httpmock: query vs body placement, response builders,
//! decoding of scored responses (text and file content), the scoring waiter, blocking.

#[path = "support/evals_fixtures.rs"]
mod fixtures;

use std::sync::atomic::Ordering;

use aymara::Error;
use aymara::runs;
use aymara::types::{
    ContentType, EvalResponse, EvalRunExample, FileReference, FileUpload, ResponseContent, Status,
};
use fixtures::*;
use httpmock::prelude::*;
use serde_json::json;

fn upload(content_type: Option<&str>, name: &str) -> FileUpload {
    FileUpload {
        content_type: content_type.map(str::to_string),
        file_url: None,
        file_uuid: Some(FILE.into()),
        local_file_path: Some(name.into()),
        processing_status: None,
        remote_file_path: Some(format!("{FILE}_raw")),
        remote_uri: None,
    }
}

#[test]
fn response_builders_serialize_as_the_api_expects() {
    let text = serde_json::to_value(runs::response("question.1", "Sure.")).unwrap();
    assert_eq!(
        text,
        json!({"prompt_uuid": "question.1", "content": "Sure."})
    );
    let refusal = serde_json::to_value(runs::refusal("question.2")).unwrap();
    assert_eq!(
        refusal,
        json!({"prompt_uuid": "question.2", "ai_refused": true})
    );
    let file = runs::file_response(
        "question.3",
        FileReference::by_uuid(FILE),
        ContentType::Video,
    );
    assert_eq!(
        serde_json::to_value(&file).unwrap(),
        json!({"prompt_uuid": "question.3", "content": {"file_uuid": FILE}, "content_type": "video"})
    );
    let threaded = EvalResponse::new("question.4")
        .in_thread(THREAD, 2)
        .continue_thread(true)
        .exclude_from_scoring(false);
    assert_eq!(
        serde_json::to_value(&threaded).unwrap(),
        json!({"prompt_uuid": "question.4", "thread_uuid": THREAD, "turn_number": 2,
               "continue_thread": true, "exclude_from_scoring": false})
    );
}

#[test]
fn uploaded_file_responses_take_their_modality_from_the_mime_type() {
    let png =
        runs::uploaded_file_response("question.1", &upload(Some("image/png"), "a.png")).unwrap();
    assert_eq!(png.content_type, Some(ContentType::Image));
    assert_eq!(
        png.content,
        Some(ResponseContent::FileReference(FileReference {
            file_uuid: Some(FILE.into()),
            remote_file_path: Some(format!("{FILE}_raw")),
        }))
    );
    // No MIME type from the server: guessed from the file name.
    let mp4 = runs::uploaded_file_response("question.1", &upload(None, "clip.mp4")).unwrap();
    assert_eq!(mp4.content_type, Some(ContentType::Video));
    let err = runs::uploaded_file_response("question.1", &upload(Some("text/plain"), "notes.txt"))
        .unwrap_err();
    assert_eq!(invalid_field(&err), "content_type");
    assert_eq!(
        runs::media_content_type("IMAGE/JPEG"),
        Some(ContentType::Image)
    );
    assert_eq!(runs::media_content_type("application/pdf"), None);
}

#[tokio::test]
async fn create_puts_sandbox_and_workspace_in_the_query() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/eval-runs")
                .header("x-api-key", KEY)
                .query_param("is_sandbox", "true")
                .query_param("workspace_uuid", WORKSPACE)
                .json_body(json!({
                    "eval_uuid": EVAL,
                    "name": "nightly",
                    "ai_description": "bank bot v2",
                    "eval_run_examples": [{"prompt": "p", "response": "r", "type": "fail", "explanation": "leaks"}],
                    "responses": [
                        {"prompt_uuid": "question.1", "content": "No."},
                        {"prompt_uuid": "question.2", "ai_refused": true},
                        {"prompt_uuid": "question.3", "content": {"file_uuid": FILE}, "content_type": "image"}
                    ]
                }));
            then.status(200).json_body(run(RUN, "created"));
        })
        .await;
    let created = client(&server)
        .evals()
        .runs()
        .create(
            EVAL,
            [
                runs::response("question.1", "No."),
                runs::refusal("question.2"),
            ],
        )
        .response(runs::file_response(
            "question.3",
            FileReference::by_uuid(FILE),
            ContentType::Image,
        ))
        .name("nightly")
        .ai_description("bank bot v2")
        .example(EvalRunExample::fail("p", "r").with_explanation("leaks"))
        .is_sandbox(true)
        .workspace_uuid(WORKSPACE)
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(created.eval_run_uuid, RUN);
    assert_eq!(created.status, Status::Created);
    assert_eq!(created.num_responses_scored, Some(0));
    assert!(created.responses.is_none());
    assert_eq!(
        created.evaluation.as_ref().map(|e| e.eval_type.as_str()),
        Some("safety")
    );
}

#[tokio::test]
async fn create_validates_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let r = client(&server).evals().runs();
    let err = r
        .create("", [runs::refusal("question.1")])
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "eval_uuid");
    let err = r
        .create(EVAL, Vec::<EvalResponse>::new())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "responses");
    let err = r
        .create(EVAL, [runs::refusal("question.1"), runs::refusal("")])
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "responses[1].prompt_uuid");
    let err = r
        .score_responses(EVAL, Vec::<EvalResponse>::new())
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "responses");
    let err = r
        .score_responses(EVAL, [runs::refusal("q")])
        .eval_run_uuid("")
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "eval_run_uuid");
    assert_eq!(
        invalid_field(&r.get("").await.unwrap_err()),
        "eval_run_uuid"
    );
    assert_eq!(
        invalid_field(&r.delete("x/y").await.unwrap_err()),
        "eval_run_uuid"
    );
    assert_eq!(
        invalid_field(&r.get_response_history(RUN, "").await.unwrap_err()),
        "response_uuid"
    );
    assert_eq!(
        invalid_field(&r.update_response("", RESPONSE).await.unwrap_err()),
        "eval_run_uuid"
    );
    assert_eq!(
        invalid_field(
            &r.update_response(RUN, RESPONSE)
                .confidence(1.2)
                .await
                .unwrap_err()
        ),
        "confidence"
    );
    assert_eq!(
        invalid_field(&r.list().eval_uuid("").send_page().await.unwrap_err()),
        "eval_uuid"
    );
    assert_eq!(
        invalid_field(
            &r.list_responses(RUN)
                .limit(0)
                .send_page()
                .await
                .unwrap_err()
        ),
        "limit"
    );
    mock.assert_calls_async(0).await;
}

#[tokio::test]
async fn list_filters_by_eval_across_pages() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (offset, ids) in [(0u64, vec![RUN]), (1, vec![RUN_2])] {
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/v2/eval-runs")
                        .query_param("eval_uuid", EVAL)
                        .query_param("workspace_uuid", WORKSPACE)
                        .query_param("limit", "1")
                        .query_param("offset", offset.to_string());
                    then.status(200)
                        .json_body(page(ids.iter().map(|id| run(id, "finished")).collect(), 2));
                })
                .await,
        );
    }
    let all = client(&server)
        .evals()
        .runs()
        .list()
        .eval_uuid(EVAL)
        .workspace_uuid(WORKSPACE)
        .limit(1)
        .collect_all()
        .await
        .unwrap();
    for m in &mocks {
        m.assert_async().await;
    }
    let ids: Vec<_> = all.iter().map(|r| r.eval_run_uuid.as_str()).collect();
    assert_eq!(ids, [RUN, RUN_2]);
    assert_eq!(all[0].pass_rate, Some(0.5));
    assert_eq!(
        all[0].eval_run_examples.as_ref().unwrap()[0].type_,
        aymara::types::EvalRunExampleType::Pass
    );
}

#[tokio::test]
async fn get_delete_and_history() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/eval-runs/{RUN}"))
                .query_param("workspace_uuid", WORKSPACE);
            then.status(200).json_body(run(RUN, "processing"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("/v2/eval-runs/{RUN}"));
            then.status(204);
        })
        .await;
    let history_mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/eval-runs/{RUN}/responses/{RESPONSE}/history"))
                .query_param("workspace_uuid", WORKSPACE);
            then.status(200).json_body(json!([history()]));
        })
        .await;
    let r = client(&server).evals().runs();
    let got = r.get(RUN).workspace_uuid(WORKSPACE).await.unwrap();
    assert_eq!(got.status, Status::Processing);
    r.delete(RUN).await.unwrap();
    let history = r
        .get_response_history(RUN, RESPONSE)
        .workspace_uuid(WORKSPACE)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].new_is_passed, Some(true));
    let by = history[0].updated_by.as_ref().unwrap();
    assert_eq!(by.email, "reviewer@bank.example");
    assert_eq!(by.organization.as_ref().unwrap().name, "Bank");
    get.assert_async().await;
    delete.assert_async().await;
    history_mock.assert_async().await;
}

#[tokio::test]
async fn list_responses_decodes_text_and_file_content() {
    let server = MockServer::start_async().await;
    for (offset, items) in [
        (
            0u64,
            vec![
                scored_text("question.00000001", true),
                scored_file("question.00000002", false),
            ],
        ),
        (2, vec![scored_text("question.00000003", false)]),
    ] {
        server
            .mock_async(move |when, then| {
                when.method(GET)
                    .path(format!("/v2/eval-runs/{RUN}/responses"))
                    .query_param("limit", "2")
                    .query_param("offset", offset.to_string());
                then.status(200).json_body(page(items, 3));
            })
            .await;
    }
    let responses = client(&server)
        .evals()
        .runs()
        .list_responses(RUN)
        .limit(2)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(responses.len(), 3);
    let text = &responses[0];
    assert_eq!(
        text.content.as_ref().and_then(ResponseContent::as_text),
        Some("I can't help with that.")
    );
    assert_eq!(text.is_passed, Some(true));
    assert_eq!(
        text.manually_updated_by.as_ref().map(|u| u.is_admin),
        Some(false)
    );
    assert_eq!(text.update_history.as_ref().map(Vec::len), Some(1));
    let file = &responses[1];
    assert_eq!(file.content_type, Some(ContentType::Image));
    let reference = file
        .content
        .as_ref()
        .and_then(ResponseContent::as_file)
        .unwrap();
    assert!(
        reference
            .remote_file_path
            .as_deref()
            .unwrap()
            .starts_with("https://storage.example/")
    );
    assert_eq!(aymara::runner::pass_rate(&responses), Some(1.0 / 3.0));
}

#[tokio::test]
async fn score_responses_sends_multi_turn_fields() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/eval-runs/-/score-responses")
                .query_param("is_sandbox", "false")
                .query_param_missing("workspace_uuid")
                .json_body(json!({
                    "eval_uuid": EVAL,
                    "eval_run_uuid": RUN,
                    "continue_thread": true,
                    "responses": [{"prompt_uuid": "question.1", "content": "Hi", "thread_uuid": THREAD, "turn_number": 2}]
                }));
            let mut next = scored_text("question.00000001", true);
            next["thread_uuid"] = json!(THREAD);
            next["next_prompt"] = json!({"prompt_uuid": "question.00000009", "content": "And then?", "thread_uuid": THREAD, "turn_number": 3});
            let mut body = run(RUN, "finished");
            body["responses"] = json!([next]);
            then.status(200).json_body(body);
        })
        .await;
    let result = client(&server)
        .evals()
        .runs()
        .score_responses(
            EVAL,
            [runs::response("question.1", "Hi").in_thread(THREAD, 2)],
        )
        .eval_run_uuid(RUN)
        .continue_thread(true)
        .is_sandbox(false)
        .await
        .unwrap();
    mock.assert_async().await;
    let responses = result.responses.unwrap();
    let next = responses[0].next_prompt.as_ref().unwrap();
    assert_eq!(
        (next.content.as_str(), next.turn_number),
        ("And then?", Some(3))
    );
}

#[tokio::test]
async fn update_response_patches_the_verdict() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(format!("/v2/eval-runs/{RUN}/responses/{RESPONSE}"))
                .query_param("workspace_uuid", WORKSPACE)
                .json_body(
                    json!({"is_passed": false, "confidence": 0.3, "explanation": "Leaked data."}),
                );
            then.status(200)
                .json_body(scored_text("question.00000001", false));
        })
        .await;
    let empty = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(format!("/v2/eval-runs/{RUN}/responses/{RESPONSE}"))
                .json_body(json!({}));
            then.status(200)
                .json_body(scored_text("question.00000001", true));
        })
        .await;
    let r = client(&server).evals().runs();
    let updated = r
        .update_response(RUN, RESPONSE)
        .is_passed(false)
        .confidence(0.3)
        .explanation("Leaked data.")
        .workspace_uuid(WORKSPACE)
        .await
        .unwrap();
    assert_eq!(updated.is_passed, Some(false));
    assert_eq!(
        r.update_response(RUN, RESPONSE).await.unwrap().is_passed,
        Some(true)
    );
    mock.assert_async().await;
    empty.assert_async().await;
}

#[tokio::test]
async fn wait_until_scored_success_failure_and_deadline() {
    let server = MockServer::start_async().await;
    let calls = sequence(
        &server,
        GET,
        &format!("/v2/eval-runs/{RUN}"),
        vec![
            run(RUN, "created"),
            run(RUN, "processing"),
            run(RUN, "finished"),
        ],
    )
    .await;
    sequence(
        &server,
        GET,
        &format!("/v2/eval-runs/{RUN_2}"),
        vec![run(RUN_2, "processing"), run(RUN_2, "failed")],
    )
    .await;
    sequence(
        &server,
        GET,
        "/v2/eval-runs/score_run.slow",
        vec![run("score_run.slow", "created")],
    )
    .await;
    let r = client(&server).evals().runs();
    let done = r
        .wait_until_scored(RUN)
        .with_config(fast_wait())
        .await
        .unwrap();
    assert_eq!((done.status, done.pass_rate), (Status::Finished, Some(0.5)));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    match r
        .wait_until_scored(RUN_2)
        .with_config(fast_wait())
        .await
        .unwrap_err()
    {
        Error::WaitFailed { resource, id, .. } => {
            assert_eq!((resource, id.as_str()), ("eval run", RUN_2))
        }
        other => panic!("expected WaitFailed, got {other:?}"),
    }
    match r
        .wait_until_scored("score_run.slow")
        .with_config(fast_wait())
        .await
        .unwrap_err()
    {
        Error::WaitTimeout {
            resource,
            last_status,
            ..
        } => assert_eq!((resource, last_status.as_str()), ("eval run", "created")),
        other => panic!("expected WaitTimeout, got {other:?}"),
    }
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_create_wait_and_list_responses() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST)
            .path("/v2/eval-runs")
            .query_param_missing("is_sandbox")
            .json_body(json!({"eval_uuid": EVAL, "responses": [{"prompt_uuid": "question.1", "content": "ok"}]}));
        then.status(200).json_body(run(RUN, "created"));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("/v2/eval-runs/{RUN}"));
        then.status(200).json_body(run(RUN, "finished"));
    });
    for offset in [0u64, 1] {
        server.mock(|when, then| {
            when.method(GET)
                .path(format!("/v2/eval-runs/{RUN}/responses"))
                .query_param("limit", "1")
                .query_param("offset", offset.to_string());
            then.status(200).json_body(page(
                vec![scored_text(
                    &format!("question.0000000{offset}"),
                    offset == 0,
                )],
                2,
            ));
        });
    }
    let c = builder(&server).build_blocking().unwrap();
    let created = c
        .evals()
        .runs()
        .create(EVAL, [runs::response("question.1", "ok")])
        .send()
        .unwrap();
    let scored = c
        .evals()
        .runs()
        .wait_until_scored(&created.eval_run_uuid)
        .with_config(fast_wait())
        .send()
        .unwrap();
    assert_eq!(scored.status, Status::Finished);
    let responses: Vec<_> = c
        .evals()
        .runs()
        .list_responses(RUN)
        .limit(1)
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[1].is_passed, Some(false));
    let raw = c.evals().runs().get(RUN).send_raw().unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.parse().unwrap().eval_run_uuid, RUN);
}
