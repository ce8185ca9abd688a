//! The eval runner and the multi-turn helper against httpmock.

#[path = "support/evals_fixtures.rs"]
mod fixtures;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aymara::runner::{Answer, EvalRunner, MultiTurn, RunError};
use aymara::types::{ContentType, EvalPrompt, Status};
use aymara::upload::UploadSource;
use fixtures::*;
use httpmock::prelude::*;
use serde_json::{Value, json};

/// Serves the eval's prompts `0..n` in pages of `limit`, checking the window of each request.
async fn prompt_pages(server: &MockServer, n: usize, limit: usize) -> Vec<httpmock::Mock<'_>> {
    let mut mocks = Vec::new();
    for offset in (0..n).step_by(limit) {
        let items: Vec<Value> = (offset..(offset + limit).min(n))
            .map(|i| prompt(&prompt_id(i), &format!("prompt {i}")))
            .collect();
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path(format!("/v2/evals/{EVAL}/prompts"))
                        .query_param("limit", limit.to_string())
                        .query_param("offset", offset.to_string());
                    then.status(200).json_body(page(items, n));
                })
                .await,
        );
    }
    mocks
}

/// A mock that records every JSON body it receives and answers with `reply(call index, body)`.
async fn recording<'a>(
    server: &'a MockServer,
    method: httpmock::Method,
    path: &str,
    reply: impl Fn(usize, &Value) -> Value + Send + Sync + 'static,
) -> (httpmock::Mock<'a>, Arc<Mutex<Vec<Value>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let log = bodies.clone();
    let path = path.to_string();
    let mock = server
        .mock_async(move |when, then| {
            when.method(method).path(path).header("x-api-key", KEY);
            then.respond_with(move |req| {
                let body: Value = serde_json::from_slice(req.body_ref()).unwrap_or(Value::Null);
                let mut log = log.lock().unwrap();
                let out = reply(log.len(), &body);
                log.push(body);
                json_response(200, &out)
            });
        })
        .await;
    (mock, bodies)
}

/// Tracks answers in flight and how often each prompt was answered.
#[derive(Default)]
struct Tracker {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    answered: Mutex<HashMap<String, usize>>,
}

impl Tracker {
    async fn enter(&self, prompt: &EvalPrompt) {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        *self
            .answered
            .lock()
            .unwrap()
            .entry(prompt.prompt_uuid.clone())
            .or_default() += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn runner_answers_every_prompt_of_every_page_exactly_once() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/evals").json_body(json!({
                "ai_description": "A customer-support chatbot for a retail bank",
                "eval_type": "safety",
                "num_prompts": 7
            }));
            then.status(201).json_body(eval_text(EVAL, "created"));
        })
        .await;
    let eval_polls = sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![eval_text(EVAL, "processing"), eval_text(EVAL, "finished")],
    )
    .await;
    let pages = prompt_pages(&server, 7, 3).await;
    // The image answer: presigned upload flow.
    let files = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files").json_body(json!({
                "files": [{"local_file_path": "answer-2.png", "content_type": "image/png"}]
            }));
            then.status(200).json_body(json!({"files": [{
                "file_uuid": FILE,
                "file_url": server.url(format!("/upload/{FILE}")),
                "remote_file_path": format!("{FILE}_raw.png"),
                "processing_status": "completed",
                "content_type": "image/png",
                "local_file_path": "answer-2.png"
            }]}));
        })
        .await;
    let put = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("/upload/{FILE}"))
                .header("content-type", "image/png")
                .body("PNGDATA");
            then.status(200);
        })
        .await;
    let (runs_create, run_bodies) =
        recording(&server, POST, "/v2/eval-runs", |_, _| run(RUN, "created")).await;
    let run_polls = sequence(
        &server,
        GET,
        &format!("/v2/eval-runs/{RUN}"),
        vec![run(RUN, "processing"), run(RUN, "finished")],
    )
    .await;
    for (offset, range) in [(0usize, 0..3usize), (3, 3..6), (6, 6..7)] {
        server
            .mock_async(move |when, then| {
                when.method(GET)
                    .path(format!("/v2/eval-runs/{RUN}/responses"))
                    .query_param("limit", "3")
                    .query_param("offset", offset.to_string());
                then.status(200).json_body(page(
                    range
                        .map(|i| scored_text(&prompt_id(i), i % 2 == 0))
                        .collect(),
                    7,
                ));
            })
            .await;
    }

    let c = client(&server);
    let tracker = Arc::new(Tracker::default());
    let t = tracker.clone();
    let outcome = EvalRunner::new(c.clone())
        .eval(
            c.evals()
                .create("A customer-support chatbot for a retail bank", "safety")
                .num_prompts(7),
        )
        .concurrency(4)
        .page_size(3)
        .wait_config(fast_wait())
        .run(move |prompt: EvalPrompt| {
            let t = t.clone();
            async move {
                t.enter(&prompt).await;
                let i: usize = prompt
                    .content
                    .trim_start_matches("prompt ")
                    .parse()
                    .unwrap();
                Ok::<_, std::io::Error>(match i {
                    1 => Answer::Refusal,
                    2 => Answer::File(UploadSource::bytes("answer-2.png", b"PNGDATA".to_vec())),
                    _ => Answer::Text(format!("answer {i}")),
                })
            }
        })
        .await
        .unwrap();

    create.assert_async().await;
    for p in &pages {
        p.assert_async().await;
    }
    files.assert_async().await;
    put.assert_async().await;
    runs_create.assert_async().await;
    assert_eq!(eval_polls.load(Ordering::SeqCst), 2);
    assert_eq!(run_polls.load(Ordering::SeqCst), 2);

    // Every prompt answered exactly once, with more than one answer in flight but never more
    // than the concurrency.
    let answered = tracker.answered.lock().unwrap().clone();
    assert_eq!(answered.len(), 7);
    assert!(answered.values().all(|&n| n == 1), "{answered:?}");
    let max = tracker.max_in_flight.load(Ordering::SeqCst);
    assert!((2..=4).contains(&max), "max in flight {max}");

    // The run body: every prompt, in prompt order, each kind of answer in its wire form.
    let bodies = run_bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    let body = &bodies[0];
    assert_eq!(body["eval_uuid"], EVAL);
    let responses = body["responses"].as_array().unwrap();
    let ids: Vec<_> = responses
        .iter()
        .map(|r| r["prompt_uuid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, (0..7).map(prompt_id).collect::<Vec<_>>());
    assert_eq!(
        responses[0],
        json!({"prompt_uuid": prompt_id(0), "content": "answer 0"})
    );
    assert_eq!(
        responses[1],
        json!({"prompt_uuid": prompt_id(1), "ai_refused": true})
    );
    assert_eq!(
        responses[2],
        json!({"prompt_uuid": prompt_id(2), "content_type": "image",
               "content": {"file_uuid": FILE, "remote_file_path": format!("{FILE}_raw.png")}})
    );

    assert_eq!(outcome.eval.status, Some(Status::Finished));
    assert_eq!(outcome.prompts.len(), 7);
    assert_eq!(outcome.run.status, Status::Finished);
    assert_eq!(outcome.responses.len(), 7);
    assert_eq!(outcome.pass_rate, Some(0.5));
}

#[tokio::test]
async fn runner_on_an_existing_eval_computes_the_pass_rate_when_the_run_has_none() {
    let server = MockServer::start_async().await;
    sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![eval_text(EVAL, "finished")],
    )
    .await;
    prompt_pages(&server, 3, 100).await;
    let (create, bodies) =
        recording(&server, POST, "/v2/eval-runs", |_, _| run(RUN, "created")).await;
    let mut finished = run(RUN, "finished");
    finished["pass_rate"] = Value::Null;
    sequence(
        &server,
        GET,
        &format!("/v2/eval-runs/{RUN}"),
        vec![finished],
    )
    .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/eval-runs/{RUN}/responses"));
            then.status(200).json_body(page(
                (0..3).map(|i| scored_text(&prompt_id(i), i != 1)).collect(),
                3,
            ));
        })
        .await;
    let outcome = EvalRunner::new(client(&server))
        .eval(EVAL)
        .concurrency(2)
        .run_name("nightly")
        .is_sandbox(true)
        .wait_config(fast_wait())
        .run(|prompt| async move {
            Ok::<_, std::convert::Infallible>(Answer::from(format!("re: {}", prompt.content)))
        })
        .await
        .unwrap();
    create.assert_async().await;
    assert_eq!(bodies.lock().unwrap()[0]["name"], "nightly");
    assert_eq!(outcome.responses.len(), 3);
    assert_eq!(outcome.pass_rate, Some(2.0 / 3.0));
}

#[tokio::test]
async fn a_failing_answer_is_reported_with_its_prompt_and_no_run_is_created() {
    let server = MockServer::start_async().await;
    sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![eval_text(EVAL, "finished")],
    )
    .await;
    prompt_pages(&server, 3, 100).await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/eval-runs");
            then.status(200).json_body(run(RUN, "created"));
        })
        .await;
    let err = EvalRunner::new(client(&server))
        .eval(EVAL)
        .wait_config(fast_wait())
        .run(|prompt| async move {
            if prompt.prompt_uuid == prompt_id(1) {
                Err(std::io::Error::other("model timed out"))
            } else {
                Ok(Answer::Text("fine".into()))
            }
        })
        .await
        .unwrap_err();
    match &err {
        RunError::Answer {
            prompt_uuid,
            source,
        } => {
            assert_eq!(prompt_uuid, &prompt_id(1));
            assert_eq!(source.to_string(), "model timed out");
        }
        other => panic!("expected an answer error, got {other:?}"),
    }
    assert_eq!(err.prompt_uuid(), Some(prompt_id(1).as_str()));
    assert!(err.to_string().contains(&prompt_id(1)), "{err}");
    create.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_file_answer_that_is_not_an_image_or_video_is_refused_before_uploading() {
    let server = MockServer::start_async().await;
    sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![eval_text(EVAL, "finished")],
    )
    .await;
    prompt_pages(&server, 1, 100).await;
    let files = server
        .mock_async(|when, then| {
            when.method(POST).path("/v2/files");
            then.status(500);
        })
        .await;
    let err = EvalRunner::new(client(&server))
        .eval(EVAL)
        .wait_config(fast_wait())
        .run(|_| async {
            Ok::<_, std::io::Error>(Answer::File(UploadSource::bytes(
                "notes.txt",
                b"hi".to_vec(),
            )))
        })
        .await
        .unwrap_err();
    match &err {
        RunError::File {
            prompt_uuid,
            source,
        } => {
            assert_eq!(prompt_uuid, &prompt_id(0));
            assert_eq!(invalid_field(source), "answer");
        }
        other => panic!("expected a file error, got {other:?}"),
    }
    files.assert_calls_async(0).await;
}

#[tokio::test]
async fn runner_errors_are_api_errors_when_nothing_was_answered() {
    let server = MockServer::start_async().await;
    sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![eval_text(EVAL, "failed")],
    )
    .await;
    let c = client(&server);
    let err = EvalRunner::new(c.clone())
        .run(|_| async { Ok::<_, std::io::Error>(Answer::Refusal) })
        .await
        .unwrap_err();
    match err {
        RunError::Api(e) => assert_eq!(invalid_field(&e), "eval"),
        other => panic!("expected an API error, got {other:?}"),
    }
    let err = EvalRunner::new(c)
        .eval(EVAL)
        .wait_config(fast_wait())
        .run(|_| async { Ok::<_, std::io::Error>(Answer::Refusal) })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RunError::Api(aymara::Error::WaitFailed {
                resource: "eval",
                ..
            })
        ),
        "{err:?}"
    );
}

fn threaded_prompt(i: usize, thread: &str, turn: i64) -> Value {
    json!({"prompt_uuid": prompt_id(i), "content": format!("turn {turn} of {thread}"), "thread_uuid": thread, "turn_number": turn})
}

#[tokio::test]
async fn multi_turn_follows_next_prompts_over_two_turns() {
    let server = MockServer::start_async().await;
    sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![eval_text(EVAL, "finished")],
    )
    .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/v2/evals/{EVAL}/prompts"));
            then.status(200).json_body(page(
                vec![
                    threaded_prompt(0, "thread.a", 1),
                    threaded_prompt(1, "thread.b", 1),
                ],
                2,
            ));
        })
        .await;
    let (score, bodies) = recording(&server, POST, "/v2/eval-runs/-/score-responses", |call, body| {
        let responses: Vec<Value> = body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut scored = scored_text(r["prompt_uuid"].as_str().unwrap(), true);
                scored["thread_uuid"] = r["thread_uuid"].clone();
                scored["turn_number"] = r["turn_number"].clone();
                if call == 0 {
                    // The next turn's prompt; its thread comes from the scored response.
                    let i = if r["thread_uuid"] == "thread.a" { 2 } else { 3 };
                    scored["next_prompt"] = json!({"prompt_uuid": prompt_id(i), "content": format!("follow-up {i}")});
                }
                scored
            })
            .collect();
        let mut result = run(RUN, "finished");
        result["responses"] = json!(responses);
        result
    })
    .await;
    let answered = Arc::new(Mutex::new(Vec::new()));
    let log = answered.clone();
    let outcome = MultiTurn::new(client(&server), EVAL)
        .max_turns(2)
        .concurrency(2)
        .wait_config(fast_wait())
        .run(move |prompt: EvalPrompt| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push((
                    prompt.prompt_uuid.clone(),
                    prompt.thread_uuid.clone(),
                    prompt.turn_number,
                ));
                Ok::<_, std::io::Error>(Answer::Text(format!("reply to {}", prompt.content)))
            }
        })
        .await
        .unwrap();
    score.assert_calls_async(2).await;
    let bodies = bodies.lock().unwrap().clone();
    // First turn: continue, no run yet.
    assert_eq!(bodies[0]["continue_thread"], true);
    assert!(bodies[0].get("eval_run_uuid").is_none());
    assert_eq!(
        bodies[0]["responses"][0],
        json!({"prompt_uuid": prompt_id(0), "content": "reply to turn 1 of thread.a",
               "thread_uuid": "thread.a", "turn_number": 1, "continue_thread": true})
    );
    // Last turn: the run's id, and the threads end.
    assert_eq!(bodies[1]["continue_thread"], false);
    assert_eq!(bodies[1]["eval_run_uuid"], RUN);
    assert_eq!(bodies[1]["eval_uuid"], EVAL);
    let second: Vec<_> = bodies[1]["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["prompt_uuid"].clone(),
                r["thread_uuid"].clone(),
                r["turn_number"].clone(),
                r["continue_thread"].clone(),
            )
        })
        .collect();
    assert_eq!(
        second,
        [
            (
                json!(prompt_id(2)),
                json!("thread.a"),
                json!(2),
                json!(false)
            ),
            (
                json!(prompt_id(3)),
                json!("thread.b"),
                json!(2),
                json!(false)
            ),
        ]
    );
    let mut answered = answered.lock().unwrap().clone();
    answered.sort();
    assert_eq!(answered.len(), 4);
    assert_eq!(
        answered[2],
        (prompt_id(2), Some("thread.a".to_string()), Some(2))
    );
    assert_eq!(outcome.eval_run_uuid, RUN);
    assert_eq!(outcome.turns.len(), 2);
    assert!(outcome.turns.iter().all(|t| t.len() == 2));
    assert_eq!(outcome.responses().count(), 4);
    assert_eq!(outcome.pass_rate(), Some(1.0));
    assert_eq!(outcome.turns[1][0].content_type, Some(ContentType::Text));
}

#[tokio::test]
async fn multi_turn_stops_when_no_thread_continues() {
    let server = MockServer::start_async().await;
    sequence(
        &server,
        GET,
        &format!("/v2/evals/{EVAL}"),
        vec![eval_text(EVAL, "finished")],
    )
    .await;
    prompt_pages(&server, 2, 100).await;
    let (score, bodies) = recording(&server, POST, "/v2/eval-runs/-/score-responses", |_, _| {
        let mut result = run(RUN, "finished");
        result["responses"] = json!([
            scored_text(&prompt_id(0), true),
            scored_text(&prompt_id(1), false)
        ]);
        result
    })
    .await;
    let outcome = MultiTurn::new(client(&server), EVAL)
        .wait_config(fast_wait())
        .page_size(100)
        .run(|_| async { Ok::<_, std::io::Error>(Answer::Refusal) })
        .await
        .unwrap();
    score.assert_calls_async(1).await;
    assert_eq!(bodies.lock().unwrap()[0]["continue_thread"], true);
    assert_eq!(outcome.turns.len(), 1);
    assert_eq!(outcome.pass_rate(), Some(0.5));
}
