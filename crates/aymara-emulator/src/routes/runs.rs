//! Eval runs: create (asynchronous scoring), score-responses (synchronous, multi-turn), get,
//! list, delete, list responses, manual response updates and their history.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use aymara_raw::compat::ContentType;
use aymara_raw::types;
use chrono::Utc;

use super::{JsonBody, Params};
use crate::error::ApiError;
use crate::middleware::empty;
use crate::sim::scoring::{MAX_TURNS, decide, follow_up, verdict};
use crate::state::{Lifecycle, Phase, RespRec, RunRec, SharedState, Store, new_id, user_ref};

/// `POST /v2/eval-runs`: responses are stored and scored over `run_scoring_delay`.
pub(crate) async fn create(
    State(state): State<SharedState>,
    params: Params,
    JsonBody(req): JsonBody<types::EvalRunRequest>,
) -> Result<Json<types::EvalRunResult>, ApiError> {
    let is_sandbox = params.bool("is_sandbox")?;
    let workspace = params.string("workspace_uuid");
    let delay = state.config.run_scoring_delay;
    let (run, _) = submit(&state, req, is_sandbox, workspace, delay, false)?;
    Ok(Json(run))
}

/// `POST /v2/eval-runs/-/score-responses`: scores synchronously and returns the finished run
/// with the newly scored `responses` (and `next_prompt` for continued threads).
pub(crate) async fn score_responses(
    State(state): State<SharedState>,
    params: Params,
    JsonBody(req): JsonBody<types::EvalRunRequest>,
) -> Result<Json<types::EvalRunResult>, ApiError> {
    let is_sandbox = params.bool("is_sandbox")?;
    let workspace = params.string("workspace_uuid");
    let (mut run, scored) = submit(&state, req, is_sandbox, workspace, Duration::ZERO, true)?;
    run.responses = Some(scored);
    Ok(Json(run))
}

/// Validates and stores a run request (new run, or appended to `eval_run_uuid`). Returns the
/// run and the responses scored by this request.
fn submit(
    state: &SharedState,
    req: types::EvalRunRequest,
    is_sandbox: Option<bool>,
    workspace: Option<String>,
    delay: Duration,
    multi_turn: bool,
) -> Result<(types::EvalRunResult, Vec<types::ScoredResponse>), ApiError> {
    for (i, r) in req.responses.iter().enumerate() {
        if let Some(turn) = r.turn_number
            && turn < 1
        {
            let field = format!("responses[{i}].turn_number");
            return Err(ApiError::invalid_field(
                &field,
                format!("invalid field `{field}`: must be at least 1, got {turn}"),
            ));
        }
    }

    let base_url = state.config.base_url.clone();
    let mut guard = state.store();
    let Store {
        evals, runs, files, ..
    } = &mut *guard;
    let eval = evals.get_mut(&req.eval_uuid).ok_or_else(|| {
        ApiError::invalid_field(
            "eval_uuid",
            format!(
                "invalid field `eval_uuid`: eval `{}` not found",
                req.eval_uuid
            ),
        )
    })?;
    if !eval.is_finished() {
        return Err(ApiError::invalid_field(
            "eval_uuid",
            format!(
                "invalid field `eval_uuid`: eval `{}` is still {} and has no prompts yet; \
                 wait until it is finished",
                req.eval_uuid,
                eval.lifecycle.status()
            ),
        ));
    }
    for (i, r) in req.responses.iter().enumerate() {
        if eval.find_prompt(&r.prompt_uuid).is_none() {
            let field = format!("responses[{i}].prompt_uuid");
            return Err(ApiError::invalid_field(
                &field,
                format!(
                    "invalid field `{field}`: prompt `{}` does not belong to eval `{}`",
                    r.prompt_uuid, req.eval_uuid
                ),
            ));
        }
    }
    if let Some(run_uuid) = &req.eval_run_uuid {
        let run = runs
            .get(run_uuid)
            .ok_or_else(|| ApiError::not_found("eval run", run_uuid))?;
        if run.eval_uuid != req.eval_uuid {
            return Err(ApiError::invalid_field(
                "eval_run_uuid",
                format!(
                    "invalid field `eval_run_uuid`: eval run `{run_uuid}` belongs to eval `{}`, not `{}`",
                    run.eval_uuid, req.eval_uuid
                ),
            ));
        }
    }

    // Score.
    let now = Utc::now();
    let mut records = Vec::with_capacity(req.responses.len());
    for r in req.responses {
        let prompt = eval.find_prompt(&r.prompt_uuid).cloned();
        let rule = decide(&r);
        let (is_passed, confidence, explanation) = verdict(rule);
        let continues = r.continue_thread.or(req.continue_thread).unwrap_or(false);
        let turn = r
            .turn_number
            .or_else(|| prompt.as_ref().and_then(|p| p.turn_number))
            .unwrap_or(1);
        let mut thread = r
            .thread_uuid
            .clone()
            .or_else(|| prompt.as_ref().and_then(|p| p.thread_uuid.clone()));
        let next_prompt = if multi_turn && continues && turn < MAX_TURNS {
            let thread_uuid = thread.get_or_insert_with(|| new_id("thread")).clone();
            let next = follow_up(prompt.as_ref(), &r, thread_uuid, turn.saturating_add(1));
            eval.followups
                .insert(next.prompt_uuid.clone(), next.clone());
            Some(next)
        } else {
            None
        };
        let content = match r.content {
            Some(types::ResponseContent::FileReference(mut file)) => {
                // Like the API, give file answers a download URL.
                if file.remote_file_path.is_none()
                    && let Some(uuid) = &file.file_uuid
                    && files.get(uuid).is_some()
                {
                    file.remote_file_path =
                        Some(format!("{base_url}/_emulator/files/{uuid}/content"));
                }
                Some(types::ResponseContent::FileReference(file))
            }
            other => other,
        };
        records.push(RespRec {
            scored: types::ScoredResponse {
                ai_refused: r.ai_refused,
                confidence,
                content,
                content_type: Some(r.content_type.unwrap_or(ContentType::Text)),
                continue_thread: Some(continues),
                exclude_from_scoring: r.exclude_from_scoring,
                explanation: Some(explanation),
                is_passed,
                manually_updated: Some(false),
                manually_updated_at: None,
                manually_updated_by: None,
                next_prompt,
                prompt_uuid: r.prompt_uuid,
                response_uuid: Some(new_id("answer")),
                thread_uuid: thread,
                turn_number: Some(turn),
                update_history: None,
            },
            category: prompt.and_then(|p| p.category),
            rule,
            history: Vec::new(),
        });
    }
    let scored: Vec<types::ScoredResponse> = records.iter().map(|r| r.scored.clone()).collect();

    // Store.
    let run_uuid = match req.eval_run_uuid {
        Some(run_uuid) => {
            let run = runs
                .get_mut(&run_uuid)
                .ok_or_else(|| ApiError::not_found("eval run", &run_uuid))?;
            run.responses.extend(records);
            run.lifecycle = Lifecycle::new(delay);
            run.edited_at = now;
            if let Some(sandbox) = is_sandbox {
                run.is_sandbox = sandbox;
            }
            if req.eval_run_examples.is_some() {
                run.examples = req.eval_run_examples;
            }
            run_uuid
        }
        None => {
            let uuid = new_id("score_run");
            let eval_name = eval.eval.name.clone().unwrap_or_default();
            runs.insert(
                uuid.clone(),
                RunRec {
                    uuid: uuid.clone(),
                    eval_uuid: req.eval_uuid,
                    name: req.name.unwrap_or_else(|| {
                        format!("{eval_name} {}", now.format("%Y-%m-%d %H:%M:%S"))
                    }),
                    ai_description: req
                        .ai_description
                        .or_else(|| Some(eval.eval.ai_description.clone())),
                    examples: req.eval_run_examples,
                    is_sandbox: is_sandbox.unwrap_or(false),
                    workspace_uuid: workspace.or_else(|| eval.eval.workspace_uuid.clone()),
                    created_at: now,
                    lifecycle: Lifecycle::new(delay),
                    edited_at: now,
                    responses: records,
                },
            );
            uuid
        }
    };
    let run = runs
        .get(&run_uuid)
        .ok_or_else(|| ApiError::internal("the run vanished while it was being stored"))?;
    Ok((run.view(evals), scored))
}

/// `GET /v2/eval-runs`: paginated, filters `eval_uuid` and `workspace_uuid`.
pub(crate) async fn list(
    State(state): State<SharedState>,
    params: Params,
) -> Result<Json<types::PagedEvalRunResult>, ApiError> {
    let page = params.page()?;
    let eval_uuid = params.get("eval_uuid");
    let workspace = params.get("workspace_uuid");
    let store = state.store();
    let matching = store.runs.iter().filter(|run| {
        eval_uuid.is_none_or(|e| run.eval_uuid == e)
            && workspace.is_none_or(|w| run.workspace_uuid.as_deref() == Some(w))
    });
    let (items, count) = page.apply(matching, |run| run.view(&store.evals));
    Ok(Json(types::PagedEvalRunResult {
        count: Some(count),
        items,
    }))
}

/// `GET /v2/eval-runs/{eval_run_uuid}` (without `responses`, like the API).
pub(crate) async fn get(
    State(state): State<SharedState>,
    Path(run_uuid): Path<String>,
) -> Result<Json<types::EvalRunResult>, ApiError> {
    let store = state.store();
    let run = store
        .runs
        .get(&run_uuid)
        .ok_or_else(|| ApiError::not_found("eval run", &run_uuid))?;
    Ok(Json(run.view(&store.evals)))
}

/// `DELETE /v2/eval-runs/{eval_run_uuid}` → 204.
pub(crate) async fn delete(
    State(state): State<SharedState>,
    Path(run_uuid): Path<String>,
) -> Result<Response, ApiError> {
    state
        .store()
        .runs
        .remove(&run_uuid)
        .ok_or_else(|| ApiError::not_found("eval run", &run_uuid))?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `GET /v2/eval-runs/{eval_run_uuid}/responses`: paginated, in submission order.
pub(crate) async fn list_responses(
    State(state): State<SharedState>,
    Path(run_uuid): Path<String>,
    params: Params,
) -> Result<Json<types::PagedScoredResponse>, ApiError> {
    let page = params.page()?;
    let store = state.store();
    let run = store
        .runs
        .get(&run_uuid)
        .ok_or_else(|| ApiError::not_found("eval run", &run_uuid))?;
    let (items, count) = page.apply(run.response_views(), |r| r);
    Ok(Json(types::PagedScoredResponse {
        count: Some(count),
        items,
    }))
}

/// `PATCH /v2/eval-runs/{eval_run_uuid}/responses/{response_uuid}`: manual override, recorded in
/// the history. 409 while the run is still being scored.
pub(crate) async fn update_response(
    State(state): State<SharedState>,
    Path((run_uuid, response_uuid)): Path<(String, String)>,
    JsonBody(req): JsonBody<types::AnswerUpdateRequest>,
) -> Result<Json<types::ScoredResponse>, ApiError> {
    if let Some(c) = req.confidence
        && !(0.0..=1.0).contains(&c)
    {
        return Err(ApiError::invalid_field(
            "confidence",
            format!("invalid field `confidence`: must be between 0.0 and 1.0, got {c}"),
        ));
    }
    let mut store = state.store();
    let run = store
        .runs
        .get_mut(&run_uuid)
        .ok_or_else(|| ApiError::not_found("eval run", &run_uuid))?;
    if run.lifecycle.phase() != Phase::Done {
        return Err(ApiError::conflict(format!(
            "eval run `{run_uuid}` is still being scored (status {}); update responses once it is finished",
            run.lifecycle.status()
        )));
    }
    let response = run
        .responses
        .iter_mut()
        .find(|r| r.scored.response_uuid.as_deref() == Some(response_uuid.as_str()))
        .ok_or_else(|| ApiError::not_found("response", &response_uuid))?;
    let changes = req.confidence.is_some() || req.explanation.is_some() || req.is_passed.is_some();
    if changes {
        let now = Utc::now();
        let scored = &mut response.scored;
        response.history.push(types::AnswerHistory {
            answer_history_uuid: new_id("answer_history"),
            new_confidence: req.confidence,
            new_explanation: req.explanation.clone(),
            new_is_passed: req.is_passed,
            previous_confidence: req.confidence.and(scored.confidence),
            previous_explanation: req.explanation.as_ref().and(scored.explanation.clone()),
            previous_is_passed: req.is_passed.and(scored.is_passed),
            updated_at: now,
            updated_by: Some(user_ref()),
        });
        if let Some(v) = req.confidence {
            scored.confidence = Some(v);
        }
        if let Some(v) = req.explanation {
            scored.explanation = Some(v);
        }
        if let Some(v) = req.is_passed {
            scored.is_passed = Some(v);
        }
        scored.manually_updated = Some(true);
        scored.manually_updated_at = Some(now);
        scored.manually_updated_by = Some(user_ref());
        run.edited_at = now;
    }
    let view = response.scored.clone();
    Ok(Json(view))
}

/// `GET /v2/eval-runs/{eval_run_uuid}/responses/{response_uuid}/history`: a bare array, oldest
/// edit first.
pub(crate) async fn get_response_history(
    State(state): State<SharedState>,
    Path((run_uuid, response_uuid)): Path<(String, String)>,
) -> Result<Json<Vec<types::AnswerHistory>>, ApiError> {
    let store = state.store();
    let run = store
        .runs
        .get(&run_uuid)
        .ok_or_else(|| ApiError::not_found("eval run", &run_uuid))?;
    let response = run
        .responses
        .iter()
        .find(|r| r.scored.response_uuid.as_deref() == Some(response_uuid.as_str()))
        .ok_or_else(|| ApiError::not_found("response", &response_uuid))?;
    Ok(Json(response.history.clone()))
}
