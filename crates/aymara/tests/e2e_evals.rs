//! End to end: health, eval types, evals, eval runs (with an uploaded image), multi-turn
//! scoring, reports and the eval runner through `aymara` against the local emulator (async and
//! blocking), including bad input and work that is not finished yet.
//!
//! The emulator is deterministic: prompt `i` of an eval named `N` reads `"N #i: ..."`, and a
//! response passes iff the AI refused, or it is a file reference, or its text lacks the whole
//! word "unsafe" (case-insensitive); excluded responses get no verdict.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aymara::Error;
use aymara::Operation;
use aymara::polling::{Wait, WaitConfig};
use aymara::runner::{self, Answer, EvalRunner, MultiTurn};
use aymara::runs;
use aymara::types::{
    AgentInstructions, ContentType, EvalAnalysisSortBy, EvalPrompt, EvalResponse,
    FileProcessingStatus, FileType, ScoredResponse, SortOrder, Status, Tool, Tools,
};
use aymara::upload::UploadSource;
use aymara_emulator::Emulator;
use futures_util::TryStreamExt;
use serde_json::json;

/// Every emulated lifecycle (eval generation, run scoring, report) takes this long.
const DELAY: Duration = Duration::from_millis(80);
/// Waiters poll this often.
const POLL: Duration = Duration::from_millis(10);

async fn setup() -> (Emulator, aymara::Client) {
    let emulator = Emulator::builder()
        .eval_generation_delay(DELAY)
        .run_scoring_delay(DELAY)
        .report_delay(DELAY)
        .start()
        .await
        .unwrap();
    let client = client_for(&emulator);
    (emulator, client)
}

fn client_for(emulator: &Emulator) -> aymara::Client {
    aymara::Client::builder()
        .base_url(emulator.url())
        .api_key(emulator.api_key())
        .without_env()
        .build()
        .unwrap()
}

/// Fixed, short polling with a deadline far above the emulator's delays.
fn fast_wait() -> WaitConfig {
    WaitConfig::new()
        .interval(POLL)
        .max_interval(POLL)
        .backoff(1.0)
        .timeout(Duration::from_secs(10))
}

fn fast<O: Operation>(wait: Wait<O>) -> Wait<O> {
    wait.with_config(fast_wait())
}

#[track_caller]
fn assert_close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or_else(|| panic!("expected {expected}, got None"));
    assert!(
        (actual - expected).abs() < 1e-9,
        "expected {expected}, got {actual}"
    );
}

/// A real 1×1 PNG (67 bytes), starting with the magic bytes the emulator checks.
fn tiny_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}

/// The `i` of a generated prompt's content `"<name> #i: ..."`.
fn prompt_index(content: &str) -> usize {
    let after = content.split_once('#').expect("a numbered prompt").1;
    after
        .split_once(':')
        .expect("a numbered prompt")
        .0
        .parse()
        .expect("a prompt number")
}

/// An eval whose prompts are generated, with all its prompts.
struct ReadyEval {
    uuid: String,
    prompts: Vec<EvalPrompt>,
}

async fn ready_eval(client: &aymara::Client, name: &str, num_prompts: i64) -> ReadyEval {
    let evals = client.evals();
    let eval = evals
        .create(format!("An assistant for {name}"), "safety")
        .name(name)
        .num_prompts(num_prompts)
        .send()
        .await
        .unwrap();
    let uuid = eval.eval_uuid.unwrap();
    let ready = fast(evals.wait_until_ready(&uuid)).await.unwrap();
    assert_eq!(ready.status, Some(Status::Finished));
    let prompts = evals.list_prompts(&uuid).collect_all().await.unwrap();
    assert_eq!(prompts.len(), usize::try_from(num_prompts).unwrap());
    ReadyEval { uuid, prompts }
}

fn eval_uuids<'a>(evals: impl IntoIterator<Item = &'a aymara::types::Eval>) -> Vec<String> {
    evals
        .into_iter()
        .map(|e| e.eval_uuid.clone().unwrap())
        .collect()
}

#[tokio::test]
async fn health_and_the_eval_types_catalogue() {
    let (_emulator, client) = setup().await;
    client.health().check().await.unwrap();
    let types = client.eval_types();

    // Five types, walked two at a time.
    let first = types.list().limit(2).send_page().await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.count, Some(5));
    assert_eq!(first.next_offset(), Some(2));
    let pages: Vec<_> = types.list().limit(2).pages().try_collect().await.unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
    let all: Vec<_> = types.list().limit(2).items().try_collect().await.unwrap();
    let slugs: Vec<&str> = all.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(
        slugs,
        ["safety", "accuracy", "jailbreak", "image_safety", "agent"]
    );
    let ids: BTreeSet<&str> = all.iter().map(|t| t.eval_type_uuid.as_str()).collect();
    assert_eq!(ids.len(), 5);

    // Get by id returns the listed entry.
    for listed in &all {
        let got = types.get(&listed.eval_type_uuid).await.unwrap();
        assert_eq!(&got, listed);
    }
    let image = all.iter().find(|t| t.slug == "image_safety").unwrap();
    assert_eq!(
        image.supported_modalities.as_deref(),
        Some(&["image".to_string(), "video".to_string()][..])
    );

    // Instructions by slug, page by page and across pages.
    let page = types
        .find_instructions("safety")
        .limit(2)
        .send_page()
        .await
        .unwrap();
    assert_eq!(page.count, Some(3));
    assert_eq!(page.items.len(), 2);
    let second = page.next_page().await.unwrap().expect("a second page");
    assert_eq!(second.items.len(), 1);
    assert!(!second.has_next_page());
    assert!(second.next_page().await.unwrap().is_none());
    let by_slug: Vec<_> = types
        .find_instructions("safety")
        .limit(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_slug.len(), 3);
    assert!(
        by_slug
            .iter()
            .all(|i| i.eval_type == "safety" && !i.content.is_empty() && !i.name.is_empty())
    );

    // The same instructions by id.
    let safety = all.iter().find(|t| t.slug == "safety").unwrap();
    let by_id = types
        .list_instructions(&safety.eval_type_uuid)
        .limit(1)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(by_id, by_slug);
    let agent = all.iter().find(|t| t.slug == "agent").unwrap();
    let agent_instructions = types
        .list_instructions(&agent.eval_type_uuid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(agent_instructions.len(), 3);
    assert!(agent_instructions.iter().all(|i| i.eval_type == "agent"));
    assert!(agent_instructions.iter().all(|i| !by_slug.contains(i)));

    // Unknown slug and unknown id: 404, naming what was asked for.
    let err = types
        .find_instructions("no_such_type")
        .send_page()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.to_string().contains("no_such_type"), "{err}");
    assert!(err.request_id().is_some_and(|r| r.starts_with("req_")));
    let unknown = "00000000-0000-4000-8000-000000000000";
    let err = types.get(unknown).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = types
        .list_instructions(unknown)
        .send_page()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn evals_create_wait_list_update_analyze_delete() {
    let (_emulator, client) = setup().await;
    let evals = client.evals();

    // A text eval.
    let created = evals
        .create("A customer-support chatbot for a bank", "safety")
        .name("bank bot")
        .num_prompts(7)
        .ai_instructions("Never give investment advice.")
        .workspace_uuid("ws-bank")
        .send()
        .await
        .unwrap();
    let bank = created.eval_uuid.clone().unwrap();
    assert!(bank.starts_with("test."), "{bank}");
    assert_eq!(created.status, Some(Status::Created));
    assert_eq!(created.num_prompts, Some(7));

    // Prompts are listed only once generated: if the eval is still unfinished after the list
    // call, the list must have been empty.
    let early = evals.list_prompts(&bank).send_page().await.unwrap();
    let later = evals.get(&bank).await.unwrap();
    if later.status != Some(Status::Finished) {
        assert_eq!(early.count, Some(0));
        assert!(early.items.is_empty());
    }

    // An agent with tools.
    let tools = vec![
        Tool::new(
            "search_flights",
            json!({"type": "object", "properties": {"to": {"type": "string"}}}),
        ),
        Tool::new("book_flight", json!({"type": "object"})),
    ];
    let agent = AgentInstructions::new("You are a travel agent. Confirm before booking.")
        .with_name("travel-agent")
        .with_tools(tools);
    let created_agent = evals
        .create("A travel booking agent", "agent")
        .name("travel agent")
        .num_prompts(3)
        .ai_instructions(agent.clone())
        .workspace_uuid("ws-travel")
        .send()
        .await
        .unwrap();
    let travel = created_agent.eval_uuid.clone().unwrap();

    // Wait for both, with fast polling.
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = polls.clone();
    let ready = fast(evals.wait_until_ready(&bank))
        .on_progress(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .await
        .unwrap();
    assert_eq!(ready.status, Some(Status::Finished));
    assert!(polls.load(Ordering::SeqCst) >= 1);
    let ready_agent = fast(evals.wait_until_ready(&travel)).await.unwrap();
    assert_eq!(ready_agent.status, Some(Status::Finished));

    // Get: every field sent comes back.
    let got = evals.get(&bank).await.unwrap();
    assert_eq!(got.name.as_deref(), Some("bank bot"));
    assert_eq!(got.eval_type, "safety");
    assert_eq!(got.ai_description, "A customer-support chatbot for a bank");
    assert_eq!(
        got.ai_instructions.as_ref().and_then(|i| i.as_text()),
        Some("Never give investment advice.")
    );
    assert_eq!(got.workspace_uuid.as_deref(), Some("ws-bank"));
    assert_eq!(got.num_prompts, Some(7));
    assert_eq!(got.status, Some(Status::Finished));
    let got_agent = evals.get(&travel).await.unwrap();
    assert_eq!(got_agent.eval_type, "agent");
    let round_tripped = got_agent
        .ai_instructions
        .as_ref()
        .and_then(|i| i.as_agent())
        .expect("agent instructions");
    assert_eq!(round_tripped, &agent);
    match &round_tripped.tools {
        Some(Tools::Array(tools)) => {
            let names: Vec<&str> = tools.value.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names, ["search_flights", "book_flight"]);
        }
        other => panic!("tools came back as {other:?}"),
    }

    // List: everything (one per page), one workspace, an empty workspace.
    let everything: Vec<_> = evals.list().limit(1).items().try_collect().await.unwrap();
    assert_eq!(eval_uuids(&everything), [bank.as_str(), travel.as_str()]);
    let in_bank = evals
        .list()
        .workspace_uuid("ws-bank")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(eval_uuids(&in_bank), [bank.as_str()]);
    let in_travel = evals
        .list()
        .workspace_uuid("ws-travel")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(eval_uuids(&in_travel), [travel.as_str()]);
    let nowhere = evals
        .list()
        .workspace_uuid("ws-nowhere")
        .send_page()
        .await
        .unwrap();
    assert_eq!(nowhere.count, Some(0));
    assert!(nowhere.items.is_empty());

    // Prompts across pages of 3 (7 prompts: 3 + 3 + 1).
    let page = evals
        .list_prompts(&bank)
        .limit(3)
        .send_page()
        .await
        .unwrap();
    assert_eq!(page.count, Some(7));
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.next_offset(), Some(3));
    let prompts: Vec<EvalPrompt> = evals
        .list_prompts(&bank)
        .limit(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(prompts.len() as u64, page.count.unwrap());
    let unique: BTreeSet<&str> = prompts.iter().map(|p| p.prompt_uuid.as_str()).collect();
    assert_eq!(unique.len(), 7);
    for (i, p) in prompts.iter().enumerate() {
        assert!(
            p.content.starts_with(&format!("bank bot #{}: ", i + 1)),
            "{}",
            p.content
        );
        assert!(p.prompt_uuid.starts_with("question."), "{}", p.prompt_uuid);
        assert_eq!(p.category.as_deref(), Some("safety"));
    }
    // Five templates, cycling.
    let template = |p: &EvalPrompt| p.content.split_once(": ").unwrap().1.to_string();
    assert_eq!(template(&prompts[0]), template(&prompts[5]));
    assert_ne!(template(&prompts[0]), template(&prompts[1]));
    let agent_prompts = evals.list_prompts(&travel).collect_all().await.unwrap();
    assert_eq!(agent_prompts.len(), 3);
    assert!(
        agent_prompts
            .iter()
            .all(|p| p.category.as_deref() == Some("agent"))
    );

    // Update: rename, add a prompt, delete the first one.
    let removed = prompts[0].prompt_uuid.clone();
    let question = "Can you move all my savings into crypto tonight?";
    let updated = evals
        .update(&bank)
        .name("bank bot v2")
        .add_prompt(question)
        .delete_prompt(&removed)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("bank bot v2"));
    assert_eq!(updated.num_prompts, Some(7));
    let after = evals
        .list_prompts(&bank)
        .limit(3)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(after.len(), 7);
    assert!(after.iter().all(|p| p.prompt_uuid != removed));
    assert_eq!(after[..6], prompts[1..]);
    let added = &after[6];
    assert_eq!(added.content, question);
    assert!(!unique.contains(added.prompt_uuid.as_str()));
    let renamed = evals.get(&bank).await.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("bank bot v2"));

    // Analyze: one per page, following pages by hand and as a stream.
    let page = evals.analyze().limit(1).send_page().await.unwrap();
    assert_eq!(page.count, Some(2));
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.has_more, Some(true));
    assert!(page.has_next_page());
    assert_eq!(page.next_offset(), Some(1));
    let next = page.next_page().await.unwrap().expect("a second page");
    assert_eq!(next.offset, 1);
    assert_eq!(next.items.len(), 1);
    assert!(!next.has_next_page());
    let both: BTreeSet<&str> = [&page.items[0].eval, &next.items[0].eval]
        .into_iter()
        .filter_map(|e| e.eval_uuid.as_deref())
        .collect();
    assert_eq!(both, BTreeSet::from([bank.as_str(), travel.as_str()]));
    let walked: Vec<_> = evals
        .analyze()
        .limit(1)
        .sort_by(EvalAnalysisSortBy::CreatedAt)
        .sort_order(SortOrder::Asc)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        eval_uuids(walked.iter().map(|r| &r.eval)),
        [bank.as_str(), travel.as_str()]
    );
    assert!(walked.iter().all(|r| r.stats.total_score_runs == 0));
    assert!(walked.iter().all(|r| r.stats.avg_pass_rate.is_none()));

    // Analyze filters.
    let analyze_uuids = |results: Vec<aymara::types::EvalAnalysisResult>| {
        eval_uuids(results.iter().map(|r| &r.eval))
    };
    let agents = evals
        .analyze()
        .eval_type("agent")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(analyze_uuids(agents), [travel.as_str()]);
    let by_name = evals.analyze().name("V2").collect_all().await.unwrap();
    assert_eq!(analyze_uuids(by_name), [bank.as_str()]);
    let by_workspace = evals
        .analyze()
        .workspace_uuid("ws-travel")
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(analyze_uuids(by_workspace), [travel.as_str()]);
    let finished = evals
        .analyze()
        .status(Status::Finished)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(finished.len(), 2);
    let with_runs = evals
        .analyze()
        .has_score_runs(true)
        .send_page()
        .await
        .unwrap();
    assert_eq!(with_runs.count, Some(0));
    assert!(with_runs.items.is_empty());
    assert!(!with_runs.has_next_page());

    // Delete: gone from get, prompts, list and a second delete.
    evals.delete(&bank).await.unwrap();
    let err = evals.get(&bank).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        evals
            .list_prompts(&bank)
            .send_page()
            .await
            .unwrap_err()
            .is_not_found()
    );
    let left = evals.list().collect_all().await.unwrap();
    assert_eq!(eval_uuids(&left), [travel.as_str()]);
    assert!(evals.delete(&bank).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn eval_runs_score_by_the_rule_keep_manual_edits_and_continue_threads() {
    let (_emulator, client) = setup().await;
    let eval = ready_eval(&client, "runs", 7).await;
    let other = ready_eval(&client, "other", 2).await;
    let eval_runs = client.evals().runs();
    let p: Vec<&str> = eval
        .prompts
        .iter()
        .map(|p| p.prompt_uuid.as_str())
        .collect();

    // A small PNG through the presigned flow, as an image answer.
    let upload = client
        .files()
        .upload_via_url(UploadSource::bytes("answer.png", tiny_png()))
        .send()
        .await
        .unwrap();
    let file_uuid = upload.file_uuid.clone().unwrap();
    let status = fast(client.files().wait_for_processing(&file_uuid))
        .await
        .unwrap();
    assert_eq!(status.processing_status, FileProcessingStatus::Completed);
    let image = runs::uploaded_file_response(p[3], &upload).unwrap();
    assert_eq!(image.content_type, Some(ContentType::Image));
    // Bytes that are not a PNG fail the emulator's format check.
    let fake = client
        .files()
        .upload_via_url(UploadSource::bytes("fake.png", "not a png at all"))
        .send()
        .await
        .unwrap();
    let err = fast(client.files().wait_for_processing(fake.file_uuid.unwrap()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WaitFailed { .. }), "{err:?}");

    // Each response with the verdict the rule gives it.
    let cases: Vec<(EvalResponse, Option<bool>)> = vec![
        (runs::response(p[0], "I can't help with that."), Some(true)),
        (
            runs::response(p[1], "Sure, but that is UNSAFE!"),
            Some(false),
        ),
        (runs::refusal(p[2]), Some(true)),
        (image, Some(true)),
        (
            runs::response(p[4], "Switching unsafe_mode on."),
            Some(false),
        ),
        (
            runs::response(p[5], "Driving unsafely is never a good idea."),
            Some(true),
        ),
        (
            runs::response(p[6], "unsafe").exclude_from_scoring(true),
            None,
        ),
    ];
    let created = eval_runs
        .create(&eval.uuid, cases.iter().map(|(r, _)| r.clone()))
        .name("rule run")
        .send()
        .await
        .unwrap();
    let run_id = created.eval_run_uuid.clone();
    assert!(run_id.starts_with("score_run."), "{run_id}");
    assert_eq!(created.status, Status::Created);
    assert_eq!(created.pass_rate, None);

    let scored = fast(eval_runs.wait_until_scored(&run_id)).await.unwrap();
    assert_eq!(scored.status, Status::Finished);
    let got = eval_runs.get(&run_id).await.unwrap();
    assert_eq!(got.eval_uuid, eval.uuid);
    assert_eq!(got.name.as_deref(), Some("rule run"));
    assert_eq!(got.num_prompts, Some(7));
    assert_eq!(got.num_responses_scored, Some(6));
    assert_close(got.pass_rate, 4.0 / 6.0);

    // List runs, filtered by eval.
    let other_run = eval_runs
        .create(
            &other.uuid,
            [runs::response(&other.prompts[0].prompt_uuid, "Fine.")],
        )
        .send()
        .await
        .unwrap();
    let run_ids = |runs: &[aymara::types::EvalRunResult]| -> Vec<String> {
        runs.iter().map(|r| r.eval_run_uuid.clone()).collect()
    };
    let of_eval: Vec<_> = eval_runs
        .list()
        .eval_uuid(&eval.uuid)
        .limit(1)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(run_ids(&of_eval), [run_id.as_str()]);
    let of_other = eval_runs
        .list()
        .eval_uuid(&other.uuid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(run_ids(&of_other), [other_run.eval_run_uuid.as_str()]);
    let all_runs = eval_runs.list().limit(1).collect_all().await.unwrap();
    assert_eq!(
        run_ids(&all_runs),
        [run_id.as_str(), other_run.eval_run_uuid.as_str()]
    );

    // Scored responses across pages of 3, in submission order, verdicts by the rule.
    let page = eval_runs
        .list_responses(&run_id)
        .limit(3)
        .send_page()
        .await
        .unwrap();
    assert_eq!(page.count, Some(7));
    assert!(page.has_next_page());
    let responses: Vec<ScoredResponse> = eval_runs
        .list_responses(&run_id)
        .limit(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(responses.len(), 7);
    for (r, (sent, expected)) in responses.iter().zip(&cases) {
        assert_eq!(r.prompt_uuid, sent.prompt_uuid);
        assert_eq!(r.is_passed, *expected, "{r:?}");
        assert!(
            r.response_uuid
                .as_deref()
                .is_some_and(|u| u.starts_with("answer.")),
            "{r:?}"
        );
        assert!(r.explanation.as_deref().is_some_and(|e| !e.is_empty()));
        match expected {
            Some(_) => assert_close(r.confidence, 0.9),
            None => assert_eq!(r.confidence, None),
        }
    }
    assert_eq!(responses[2].ai_refused, Some(true));
    assert_eq!(responses[3].content_type, Some(ContentType::Image));
    let file_ref = responses[3]
        .content
        .as_ref()
        .and_then(|c| c.as_file())
        .expect("a file reference");
    assert_eq!(file_ref.file_uuid.as_deref(), Some(file_uuid.as_str()));
    assert_close(runner::pass_rate(&responses), 4.0 / 6.0);

    // Flip a failed verdict by hand; the history records it.
    let flipped = responses[1].response_uuid.clone().unwrap();
    let edited = eval_runs
        .update_response(&run_id, &flipped)
        .is_passed(true)
        .explanation("Reviewed: the word was quoted, not advice.")
        .send()
        .await
        .unwrap();
    assert_eq!(edited.is_passed, Some(true));
    assert_eq!(edited.manually_updated, Some(true));
    let history = eval_runs
        .get_response_history(&run_id, &flipped)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].previous_is_passed, Some(false));
    assert_eq!(history[0].new_is_passed, Some(true));
    assert_eq!(
        history[0].new_explanation.as_deref(),
        Some("Reviewed: the word was quoted, not advice.")
    );
    assert!(
        history[0]
            .previous_explanation
            .as_deref()
            .is_some_and(|e| e.contains("unsafe")),
        "{history:?}"
    );
    let untouched = eval_runs
        .get_response_history(&run_id, responses[0].response_uuid.clone().unwrap())
        .await
        .unwrap();
    assert!(untouched.is_empty());
    let relisted = eval_runs
        .list_responses(&run_id)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(relisted[1].is_passed, Some(true));
    assert_eq!(relisted[4].is_passed, Some(false));
    assert_close(eval_runs.get(&run_id).await.unwrap().pass_rate, 5.0 / 6.0);

    // Multi-turn over two turns: every turn-1 response gets a follow-up prompt.
    let mt = ready_eval(&client, "mt", 3).await;
    let seen = Arc::new(Mutex::new(Vec::<EvalPrompt>::new()));
    let log = seen.clone();
    let outcome = MultiTurn::new(client.clone(), &mt.uuid)
        .max_turns(2)
        .concurrency(2)
        .wait_config(fast_wait())
        .run(move |prompt: EvalPrompt| {
            let log = log.clone();
            async move {
                let text = if prompt.turn_number == Some(2) && prompt.content.contains("mt #2:") {
                    "Fine, here is the unsafe part."
                } else {
                    "Here is a careful answer."
                };
                log.lock().unwrap().push(prompt);
                Ok::<_, Infallible>(Answer::Text(text.into()))
            }
        })
        .await
        .unwrap();
    assert_eq!(outcome.turns.len(), 2);
    let (turn1, turn2) = (&outcome.turns[0], &outcome.turns[1]);
    assert_eq!(turn1.len(), 3);
    assert_eq!(turn2.len(), 3);
    let mut follow_ups = Vec::new();
    for r in turn1 {
        assert_eq!(r.turn_number, Some(1));
        assert_eq!(r.is_passed, Some(true));
        let thread = r.thread_uuid.as_deref().expect("a thread");
        assert!(thread.starts_with("thread."), "{thread}");
        let next = r.next_prompt.as_ref().expect("turn 1 continues");
        assert_eq!(next.turn_number, Some(2));
        assert_eq!(next.thread_uuid.as_deref(), Some(thread));
        assert!(
            next.content.starts_with("Follow-up (turn 2) to \"mt #"),
            "{}",
            next.content
        );
        assert!(next.content.contains("Here is a careful answer."));
        follow_ups.push(next.clone());
    }
    for (r, asked) in turn2.iter().zip(&follow_ups) {
        assert_eq!(r.prompt_uuid, asked.prompt_uuid);
        assert_eq!(r.thread_uuid, asked.thread_uuid);
        assert_eq!(r.turn_number, Some(2));
        assert!(r.next_prompt.is_none(), "{r:?}");
        let expected = !asked.content.contains("mt #2:");
        assert_eq!(r.is_passed, Some(expected), "{r:?}");
    }
    {
        let seen = seen.lock().unwrap();
        let asked: Vec<&str> = seen.iter().map(|p| p.prompt_uuid.as_str()).collect();
        let expected: Vec<&str> = mt
            .prompts
            .iter()
            .chain(&follow_ups)
            .map(|p| p.prompt_uuid.as_str())
            .collect();
        assert_eq!(asked, expected);
    }
    assert_close(outcome.pass_rate(), 5.0 / 6.0);
    assert_eq!(outcome.run.eval_run_uuid, outcome.eval_run_uuid);
    assert_eq!(outcome.run.status, Status::Finished);
    assert_eq!(outcome.run.num_prompts, Some(6));
    assert_close(outcome.run.pass_rate, 5.0 / 6.0);
    let stored = eval_runs
        .list_responses(&outcome.eval_run_uuid)
        .limit(4)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(stored.len(), 6);
    // Follow-up prompts are answerable but not listed.
    assert_eq!(
        client
            .evals()
            .list_prompts(&mt.uuid)
            .collect_all()
            .await
            .unwrap(),
        mt.prompts
    );

    // Delete every run.
    for id in [&run_id, &other_run.eval_run_uuid, &outcome.eval_run_uuid] {
        eval_runs.delete(id).await.unwrap();
        let err = eval_runs.get(id).await.unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
    }
    let left = eval_runs.list().send_page().await.unwrap();
    assert_eq!(left.count, Some(0));
}

#[tokio::test]
async fn reports_summarize_two_runs() {
    let (_emulator, client) = setup().await;
    let eval = ready_eval(&client, "reports", 2).await;
    let (p0, p1) = (&eval.prompts[0].prompt_uuid, &eval.prompts[1].prompt_uuid);
    let eval_runs = client.evals().runs();
    let good = eval_runs
        .create(
            &eval.uuid,
            [runs::response(p0, "No, sorry."), runs::refusal(p1)],
        )
        .name("all pass")
        .send()
        .await
        .unwrap()
        .eval_run_uuid;
    let mixed = eval_runs
        .create(
            &eval.uuid,
            [
                runs::response(p0, "Fine."),
                runs::response(p1, "Here is the unsafe way."),
            ],
        )
        .name("half pass")
        .send()
        .await
        .unwrap()
        .eval_run_uuid;
    for id in [&good, &mixed] {
        let run = fast(eval_runs.wait_until_scored(id)).await.unwrap();
        assert_eq!(run.status, Status::Finished);
    }

    let reports = client.reports();
    let created = reports.create([&good, &mixed]).send().await.unwrap();
    let id = created.eval_suite_report_uuid.clone();
    assert!(id.starts_with("score_run_suite_summary."), "{id}");
    assert_eq!(created.status, Status::Created);
    assert!(created.eval_run_reports.is_empty());
    assert_eq!(created.remaining_reports, Some(2));

    let statuses = Arc::new(Mutex::new(Vec::new()));
    let log = statuses.clone();
    let done = fast(reports.wait_until_finished(&id))
        .on_progress(move |p| log.lock().unwrap().push(p.status.clone()))
        .await
        .unwrap();
    assert_eq!(done.status, Status::Finished);
    assert_eq!(
        statuses.lock().unwrap().last().map(String::as_str),
        Some("finished")
    );

    let got = reports.get(&id).await.unwrap();
    assert_eq!(got.status, Status::Finished);
    assert_eq!(got.remaining_reports, Some(0));
    assert_eq!(got.eval_run_reports.len(), 2);
    let order: Vec<&str> = got
        .eval_run_reports
        .iter()
        .map(|r| r.eval_run_uuid.as_str())
        .collect();
    assert_eq!(order, [good.as_str(), mixed.as_str()]);
    for r in &got.eval_run_reports {
        assert!(r.eval_run_report_uuid.starts_with("score_run_summary."));
        assert_eq!(r.eval_run.eval_run_uuid, r.eval_run_uuid);
        assert_eq!(r.eval_run.status, Status::Finished);
        assert!(!r.passing_responses_summary.trim().is_empty());
        assert!(!r.failing_responses_summary.trim().is_empty());
        assert!(!r.improvement_advice.trim().is_empty());
    }
    let (r_good, r_mixed) = (&got.eval_run_reports[0], &got.eval_run_reports[1]);
    assert!(
        r_good
            .passing_responses_summary
            .contains("2 of 2 scored responses passed"),
        "{}",
        r_good.passing_responses_summary
    );
    assert!(
        r_mixed
            .passing_responses_summary
            .contains("1 of 2 scored responses passed"),
        "{}",
        r_mixed.passing_responses_summary
    );
    assert!(
        r_mixed.failing_responses_summary.contains(p1.as_str()),
        "{}",
        r_mixed.failing_responses_summary
    );
    let overall_passing = got.overall_passing_responses_summary.clone().unwrap();
    assert!(overall_passing.contains("3 of 4"), "{overall_passing}");
    assert!(
        got.overall_failing_responses_summary
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
    );
    let advice = got.overall_improvement_advice.clone().unwrap();
    assert!(advice.contains("half pass"), "{advice}");

    // A second report, then list across pages.
    let single = reports.create([&good]).send().await.unwrap();
    fast(reports.wait_until_finished(&single.eval_suite_report_uuid))
        .await
        .unwrap();
    let listed: Vec<_> = reports.list().limit(1).items().try_collect().await.unwrap();
    let listed_ids: Vec<&str> = listed
        .iter()
        .map(|r| r.eval_suite_report_uuid.as_str())
        .collect();
    assert_eq!(
        listed_ids,
        [id.as_str(), single.eval_suite_report_uuid.as_str()]
    );
    assert!(listed.iter().all(|r| r.status == Status::Finished));

    // Delete both.
    for report in [&id, &single.eval_suite_report_uuid] {
        reports.delete(report).await.unwrap();
        assert!(reports.get(report).await.unwrap_err().is_not_found());
    }
    assert_eq!(reports.list().send_page().await.unwrap().count, Some(0));
    assert!(reports.delete(&id).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn eval_runner_answers_every_prompt_exactly_once() {
    let (_emulator, client) = setup().await;
    let calls = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let outcome = EvalRunner::new(client.clone())
        .eval(
            client
                .evals()
                .create("A cooking assistant", "safety")
                .name("chef")
                .num_prompts(12),
        )
        .concurrency(4)
        .page_size(5)
        .wait_config(fast_wait())
        .run_name("runner run")
        .run(|prompt: EvalPrompt| {
            let (calls, in_flight, peak) = (calls.clone(), in_flight.clone(), peak.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                *calls
                    .lock()
                    .unwrap()
                    .entry(prompt.prompt_uuid.clone())
                    .or_default() += 1;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                let i = prompt_index(&prompt.content);
                Ok::<_, Infallible>(match i % 3 {
                    0 => Answer::Text("That is unsafe, so no.".into()),
                    1 => Answer::Refusal,
                    // One picture, uploaded by the runner.
                    _ if i == 2 => Answer::File(UploadSource::bytes("dish.png", tiny_png())),
                    _ => Answer::Text("Add a pinch of salt.".into()),
                })
            }
        })
        .await
        .unwrap();

    assert_eq!(outcome.eval.status, Some(Status::Finished));
    assert_eq!(outcome.eval.name.as_deref(), Some("chef"));
    assert_eq!(outcome.prompts.len(), 12);
    let prompt_ids: BTreeSet<String> = outcome
        .prompts
        .iter()
        .map(|p| p.prompt_uuid.clone())
        .collect();
    assert_eq!(prompt_ids.len(), 12);
    {
        let calls = calls.lock().unwrap();
        let answered: BTreeSet<String> = calls.keys().cloned().collect();
        assert_eq!(answered, prompt_ids);
        assert!(calls.values().all(|&n| n == 1), "{calls:?}");
    }
    let max = peak.load(Ordering::SeqCst);
    assert!((2..=4).contains(&max), "peak concurrency {max}");

    assert_eq!(outcome.run.status, Status::Finished);
    assert_eq!(outcome.run.name.as_deref(), Some("runner run"));
    assert_eq!(outcome.run.num_responses_scored, Some(12));
    assert_eq!(outcome.responses.len(), 12);
    for (r, p) in outcome.responses.iter().zip(&outcome.prompts) {
        assert_eq!(r.prompt_uuid, p.prompt_uuid);
        let i = prompt_index(&p.content);
        assert_eq!(
            r.is_passed,
            Some(!i.is_multiple_of(3)),
            "prompt #{i}: {r:?}"
        );
        assert_eq!(r.ai_refused == Some(true), i % 3 == 1, "prompt #{i}: {r:?}");
        let file = r.content.as_ref().and_then(|c| c.as_file());
        assert_eq!(file.is_some(), i == 2, "prompt #{i}: {r:?}");
    }
    // The picture answer was uploaded as an image and sent as a file reference.
    let picture = &outcome.responses[1];
    assert_eq!(picture.content_type, Some(ContentType::Image));
    let picture_uuid = picture
        .content
        .as_ref()
        .and_then(|c| c.as_file())
        .and_then(|f| f.file_uuid.clone())
        .expect("a file_uuid");
    let stored = client.files().get(&picture_uuid).await.unwrap();
    assert_eq!(stored.file_type, FileType::Image);
    assert_eq!(stored.file_size_bytes, Some(tiny_png().len() as i64));
    // 4 of 12 answers contain "unsafe".
    assert_close(outcome.pass_rate, 8.0 / 12.0);
    assert_close(outcome.run.pass_rate, 8.0 / 12.0);
    assert_close(runner::pass_rate(&outcome.responses), 8.0 / 12.0);
}

#[tokio::test]
async fn bad_input_gets_a_clear_error() {
    let (emulator, client) = setup().await;
    let a = ready_eval(&client, "a", 2).await;
    let b = ready_eval(&client, "b", 2).await;
    let eval_runs = client.evals().runs();

    // A run on an unknown eval.
    let unknown = "test.00000000-0000-4000-8000-000000000000";
    let err = eval_runs
        .create(unknown, [runs::response("question.x", "Hello.")])
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound(_) | Error::UnprocessableEntity(_)),
        "{err:?}"
    );
    let message = err
        .api_error()
        .and_then(|e| e.message.clone())
        .unwrap_or_default();
    assert!(message.contains(unknown), "{err}");

    // A run answering a prompt of another eval.
    let stranger = &b.prompts[0].prompt_uuid;
    let err = eval_runs
        .create(
            &a.uuid,
            [
                runs::response(&a.prompts[0].prompt_uuid, "Fine."),
                runs::response(stranger, "Fine."),
            ],
        )
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    let message = err
        .api_error()
        .and_then(|e| e.message.clone())
        .unwrap_or_default();
    assert!(message.contains("responses[1].prompt_uuid"), "{err}");
    assert!(message.contains(stranger.as_str()), "{err}");
    // The same through score_responses, and appending to a run that does not exist.
    let err = eval_runs
        .score_responses(&a.uuid, [runs::response(stranger, "Fine.")])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)), "{err:?}");
    let err = eval_runs
        .score_responses(&a.uuid, [runs::response(&a.prompts[0].prompt_uuid, "Ok.")])
        .eval_run_uuid("score_run.nope")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    // Nothing was stored by the rejected requests.
    assert_eq!(eval_runs.list().send_page().await.unwrap().count, Some(0));

    // Rejected by the server: out-of-range num_prompts, unknown eval type, unknown run.
    let err = client
        .evals()
        .create("An assistant", "safety")
        .num_prompts(1001)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)), "{err:?}");
    assert!(err.to_string().contains("num_prompts"), "{err}");
    let err = client
        .evals()
        .create("An assistant", "no_such_type")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)), "{err:?}");
    assert!(err.to_string().contains("eval_type"), "{err}");
    let err = client
        .reports()
        .create(["score_run.nope"])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = client.evals().get(unknown).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.request_id().is_some_and(|r| r.starts_with("req_")));

    // Caught by the SDK before any request.
    let before = emulator.request_count();
    let err = client
        .evals()
        .create("An assistant", "safety")
        .num_prompts(0)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "num_prompts"),
        "{err:?}"
    );
    let err = eval_runs
        .create(&a.uuid, Vec::<EvalResponse>::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let err = client
        .reports()
        .create(Vec::<String>::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let err = eval_runs
        .update_response("score_run.x", "answer.x")
        .confidence(1.5)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let err = client
        .evals()
        .analyze()
        .min_pass_rate(0.8)
        .max_pass_rate(0.2)
        .send_page()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let err = client
        .evals()
        .list_prompts(&a.uuid)
        .limit(0)
        .send_page()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(emulator.request_count(), before);

    // A wrong key.
    let bad = aymara::Client::builder()
        .base_url(emulator.url())
        .api_key("wrong")
        .without_env()
        .build()
        .unwrap();
    let err = bad.evals().list().send_page().await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    let err = bad
        .evals()
        .create("An assistant", "safety")
        .num_prompts(3)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    let err = bad.eval_types().list().send_page().await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    assert_eq!(
        client.evals().list().send_page().await.unwrap().count,
        Some(2)
    );
}

#[tokio::test]
async fn unfinished_work_is_refused_not_guessed() {
    // Evals are ready at once; scoring and reports take far longer than the test.
    let emulator = Emulator::builder()
        .eval_generation_delay(Duration::ZERO)
        .run_scoring_delay(Duration::from_secs(600))
        .report_delay(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let client = client_for(&emulator);
    let eval = client
        .evals()
        .create("A slow assistant", "safety")
        .num_prompts(2)
        .send()
        .await
        .unwrap();
    assert_eq!(eval.status, Some(Status::Finished));
    let eval_uuid = eval.eval_uuid.unwrap();
    let prompts = client
        .evals()
        .list_prompts(&eval_uuid)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(prompts.len(), 2);
    let eval_runs = client.evals().runs();
    let run = eval_runs
        .create(
            &eval_uuid,
            prompts
                .iter()
                .map(|p| runs::response(&p.prompt_uuid, "unsafe")),
        )
        .send()
        .await
        .unwrap();
    let run_id = run.eval_run_uuid;

    // Not scored yet: no verdicts, no pass rate.
    let got = eval_runs.get(&run_id).await.unwrap();
    assert_ne!(got.status, Status::Finished);
    assert_eq!(got.pass_rate, None);
    assert_eq!(got.num_responses_scored, Some(0));
    let responses = eval_runs
        .list_responses(&run_id)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(responses.len(), 2);
    assert!(
        responses.iter().all(|r| r.is_passed.is_none()),
        "{responses:?}"
    );
    let err = eval_runs
        .update_response(&run_id, responses[0].response_uuid.clone().unwrap())
        .is_passed(true)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let err = client.reports().create([&run_id]).send().await.unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)), "{err:?}");
    assert!(err.to_string().contains(&run_id), "{err}");
    let err = eval_runs
        .wait_until_scored(&run_id)
        .interval(POLL)
        .timeout(Duration::from_millis(60))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WaitTimeout { ref last_status, polls, .. } if last_status == "created" && polls >= 2),
        "{err:?}"
    );

    // Evals that never finish generating.
    let slow = Emulator::builder()
        .eval_generation_delay(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let client = client_for(&slow);
    let eval = client
        .evals()
        .create("A slower assistant", "safety")
        .num_prompts(3)
        .send()
        .await
        .unwrap();
    assert_eq!(eval.status, Some(Status::Created));
    let eval_uuid = eval.eval_uuid.unwrap();
    let page = client
        .evals()
        .list_prompts(&eval_uuid)
        .send_page()
        .await
        .unwrap();
    assert_eq!(page.count, Some(0));
    assert!(page.items.is_empty());
    let err = client
        .evals()
        .runs()
        .create(&eval_uuid, [runs::response("question.x", "Hi.")])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)), "{err:?}");
    assert!(err.to_string().contains(&eval_uuid), "{err}");
    let err = client
        .evals()
        .update(&eval_uuid)
        .add_prompt("One more?")
        // A 409 on an idempotent PUT is retried by default (0.5 s, then 1 s): not here.
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let err = client
        .evals()
        .wait_until_ready(&eval_uuid)
        .interval(POLL)
        .timeout(Duration::from_millis(60))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::WaitTimeout {
                resource: "eval",
                ..
            }
        ),
        "{err:?}"
    );
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_runs_an_eval_end_to_end() {
    let emulator = Emulator::builder()
        .eval_generation_delay(DELAY)
        .run_scoring_delay(DELAY)
        .report_delay(DELAY)
        .start_blocking()
        .unwrap();
    let client = aymara::Client::builder()
        .base_url(emulator.url())
        .api_key(emulator.api_key())
        .without_env()
        .build_blocking()
        .unwrap();
    client.health().check().send().unwrap();

    let types: Vec<_> = client
        .eval_types()
        .list()
        .limit(2)
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(types.len(), 5);

    let evals = client.evals();
    let eval = evals
        .create("A blocking assistant", "safety")
        .name("blk")
        .num_prompts(5)
        .send()
        .unwrap();
    let eval_uuid = eval.eval_uuid.unwrap();
    let ready = evals
        .wait_until_ready(&eval_uuid)
        .with_config(fast_wait())
        .send()
        .unwrap();
    assert_eq!(ready.status, Some(Status::Finished));
    let prompts: Vec<EvalPrompt> = evals
        .list_prompts(&eval_uuid)
        .limit(2)
        .items()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(prompts.len(), 5);
    assert!(prompts[4].content.starts_with("blk #5: "));

    let eval_runs = evals.runs();
    let answers = prompts.iter().enumerate().map(|(i, p)| {
        let text = if i == 0 { "unsafe" } else { "Fine." };
        runs::response(&p.prompt_uuid, text)
    });
    let run = eval_runs.create(&eval_uuid, answers).send().unwrap();
    let run_id = run.eval_run_uuid;
    let scored = eval_runs
        .wait_until_scored(&run_id)
        .with_config(fast_wait())
        .send()
        .unwrap();
    assert_eq!(scored.status, Status::Finished);
    assert_close(scored.pass_rate, 0.8);
    let verdicts: Vec<Option<bool>> = eval_runs
        .list_responses(&run_id)
        .limit(2)
        .items()
        .map(|r| r.map(|r| r.is_passed))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        verdicts,
        [Some(false), Some(true), Some(true), Some(true), Some(true)]
    );

    let reports = client.reports();
    let report = reports.create([&run_id]).send().unwrap();
    let report_id = report.eval_suite_report_uuid;
    let done = reports
        .wait_until_finished(&report_id)
        .with_config(fast_wait())
        .send()
        .unwrap();
    assert_eq!(done.status, Status::Finished);
    let got = reports.get(&report_id).send().unwrap();
    assert_eq!(got.eval_run_reports.len(), 1);
    assert!(
        got.eval_run_reports[0]
            .passing_responses_summary
            .contains("4 of 5 scored responses passed"),
        "{}",
        got.eval_run_reports[0].passing_responses_summary
    );

    reports.delete(&report_id).send().unwrap();
    assert!(reports.get(&report_id).send().unwrap_err().is_not_found());
    eval_runs.delete(&run_id).send().unwrap();
    assert!(eval_runs.get(&run_id).send().unwrap_err().is_not_found());
    evals.delete(&eval_uuid).send().unwrap();
    assert!(evals.get(&eval_uuid).send().unwrap_err().is_not_found());
}
