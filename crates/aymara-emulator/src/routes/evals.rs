//! Evals: create (with deterministic prompt generation), get, list, update, delete, list
//! prompts, and the analysis endpoint.

use std::cmp::Ordering;
use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use aymara_raw::compat::{ContentType, EvalAnalysisSortBy, PromptUpdateAction, SortOrder};
use aymara_raw::types;
use chrono::{DateTime, Utc};

use super::{JsonBody, Params};
use crate::error::ApiError;
use crate::middleware::empty;
use crate::routes::eval_types;
use crate::sim::prompts::{DEFAULT_NUM_PROMPTS, MAX_NUM_PROMPTS, generate_prompts};
use crate::sim::scoring::RunSummary;
/// Default and largest `limit` of the analysis endpoint.
const ANALYSIS_MAX_LIMIT: u64 = 100;

use crate::state::{EvalRec, Lifecycle, RunRec, SharedState, USER_EMAIL, new_id};

/// `POST /v2/evals` → 201 with the eval (status `created` unless the generation delay is 0).
pub(crate) async fn create(
    State(state): State<SharedState>,
    JsonBody(body): JsonBody<types::Eval>,
) -> Result<(StatusCode, Json<types::Eval>), ApiError> {
    let kind = eval_types::by_slug(&body.eval_type).ok_or_else(|| {
        ApiError::invalid_field(
            "eval_type",
            format!(
                "invalid field `eval_type`: unknown eval type `{}`; expected one of {}",
                body.eval_type,
                eval_types::slugs().join(", ")
            ),
        )
    })?;
    if body.ai_description.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "ai_description",
            "invalid field `ai_description`: must not be empty",
        ));
    }
    check_instructions("ai_instructions", body.ai_instructions.as_ref())?;
    let num_prompts = body.num_prompts.unwrap_or(DEFAULT_NUM_PROMPTS);
    if !(1..=MAX_NUM_PROMPTS).contains(&num_prompts) {
        return Err(ApiError::invalid_field(
            "num_prompts",
            format!(
                "invalid field `num_prompts`: must be between 1 and {MAX_NUM_PROMPTS}, got {num_prompts}"
            ),
        ));
    }

    let now = Utc::now();
    let uuid = new_id("test");
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{} eval", kind.eval_type.name));
    let is_jailbreak = body.is_jailbreak.unwrap_or(false);
    let prompts = generate_prompts(
        &name,
        &body.eval_type,
        is_jailbreak,
        usize::try_from(num_prompts).unwrap_or(0),
    );
    let eval = types::Eval {
        ai_description: body.ai_description,
        ai_instructions: body.ai_instructions,
        created_at: Some(now),
        created_by: Some(USER_EMAIL.to_owned()),
        eval_instructions: body.eval_instructions,
        eval_type: body.eval_type,
        eval_uuid: Some(uuid.clone()),
        ground_truth: body.ground_truth,
        is_jailbreak: Some(is_jailbreak),
        is_sandbox: Some(body.is_sandbox.unwrap_or(false)),
        language: Some(body.language.unwrap_or_else(|| "en".to_owned())),
        modality: Some(body.modality.unwrap_or(ContentType::Text)),
        name: Some(name),
        num_prompts: Some(num_prompts),
        prompt_examples: body.prompt_examples,
        status: None,
        updated_at: None,
        workspace_uuid: body.workspace_uuid,
    };
    let rec = EvalRec {
        eval,
        lifecycle: Lifecycle::new(state.config.eval_generation_delay),
        edited_at: now,
        prompts,
        followups: HashMap::new(),
    };
    let view = rec.view();
    state.store().evals.insert(uuid, rec);
    Ok((StatusCode::CREATED, Json(view)))
}

fn check_instructions(field: &str, value: Option<&types::AiInstructions>) -> Result<(), ApiError> {
    if let Some(types::AiInstructions::WorkflowInstructions(w)) = value
        && w.instructions.is_empty()
    {
        let field = format!("{field}.instructions");
        return Err(ApiError::invalid_field(
            &field,
            format!("invalid field `{field}`: a workflow needs at least one agent"),
        ));
    }
    Ok(())
}

/// `GET /v2/evals`: paginated, filter `workspace_uuid`.
pub(crate) async fn list(
    State(state): State<SharedState>,
    params: Params,
) -> Result<Json<types::PagedEval>, ApiError> {
    let page = params.page()?;
    let workspace = params.get("workspace_uuid");
    let store = state.store();
    let matching = store
        .evals
        .iter()
        .filter(|rec| workspace.is_none_or(|w| rec.eval.workspace_uuid.as_deref() == Some(w)));
    let (items, count) = page.apply(matching, EvalRec::view);
    Ok(Json(types::PagedEval {
        count: Some(count),
        items,
    }))
}

/// `GET /v2/evals/{eval_uuid}`.
pub(crate) async fn get(
    State(state): State<SharedState>,
    Path(eval_uuid): Path<String>,
) -> Result<Json<types::Eval>, ApiError> {
    let store = state.store();
    let rec = store
        .evals
        .get(&eval_uuid)
        .ok_or_else(|| ApiError::not_found("eval", &eval_uuid))?;
    Ok(Json(rec.view()))
}

/// `DELETE /v2/evals/{eval_uuid}` → 204. Its runs stay (they keep the eval id).
pub(crate) async fn delete(
    State(state): State<SharedState>,
    Path(eval_uuid): Path<String>,
) -> Result<Response, ApiError> {
    state
        .store()
        .evals
        .remove(&eval_uuid)
        .ok_or_else(|| ApiError::not_found("eval", &eval_uuid))?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `PUT /v2/evals/{eval_uuid}`: field changes plus `prompt_creates` / `prompt_updates`.
pub(crate) async fn update(
    State(state): State<SharedState>,
    Path(eval_uuid): Path<String>,
    JsonBody(body): JsonBody<types::EvalUpdate>,
) -> Result<Json<types::Eval>, ApiError> {
    let creates = body.prompt_creates.unwrap_or_default();
    let updates = body.prompt_updates.unwrap_or_default();
    if let Some(description) = &body.ai_description
        && description.trim().is_empty()
    {
        return Err(ApiError::invalid_field(
            "ai_description",
            "invalid field `ai_description`: must not be empty",
        ));
    }
    check_instructions("ai_instructions", body.ai_instructions.as_ref())?;

    let mut store = state.store();
    let rec = store
        .evals
        .get_mut(&eval_uuid)
        .ok_or_else(|| ApiError::not_found("eval", &eval_uuid))?;
    if (!creates.is_empty() || !updates.is_empty()) && !rec.is_finished() {
        return Err(ApiError::conflict(format!(
            "eval `{eval_uuid}` is still generating its prompts (status {}); \
             prompts can be changed once it is finished",
            rec.lifecycle.status()
        )));
    }
    for (i, update) in updates.iter().enumerate() {
        if !rec
            .prompts
            .iter()
            .any(|p| p.prompt_uuid == update.prompt_uuid)
        {
            let field = format!("prompt_updates[{i}].prompt_uuid");
            return Err(ApiError::invalid_field(
                &field,
                format!(
                    "invalid field `{field}`: eval `{eval_uuid}` has no prompt `{}`",
                    update.prompt_uuid
                ),
            ));
        }
    }

    let eval = &mut rec.eval;
    if let Some(v) = body.ai_description {
        eval.ai_description = v;
    }
    if let Some(v) = body.ai_instructions {
        eval.ai_instructions = Some(v);
    }
    if let Some(v) = body.eval_instructions {
        eval.eval_instructions = Some(v);
    }
    if let Some(v) = body.ground_truth {
        eval.ground_truth = Some(v);
    }
    if let Some(v) = body.name {
        eval.name = Some(v);
    }
    for create in creates {
        rec.prompts.push(types::EvalPrompt {
            category: create.category,
            content: create.content,
            prompt_uuid: new_id("question"),
            thread_uuid: None,
            turn_number: Some(1),
        });
    }
    for update in updates {
        if update.action == Some(PromptUpdateAction::Delete) {
            rec.prompts.retain(|p| p.prompt_uuid != update.prompt_uuid);
        } else if let Some(prompt) = rec
            .prompts
            .iter_mut()
            .find(|p| p.prompt_uuid == update.prompt_uuid)
        {
            if let Some(content) = update.content {
                prompt.content = content;
            }
            if let Some(category) = update.category {
                prompt.category = Some(category);
            }
        }
    }
    rec.edited_at = Utc::now();
    Ok(Json(rec.view()))
}

/// `GET /v2/evals/{eval_uuid}/prompts`: paginated; empty (count 0) until the eval is finished.
pub(crate) async fn list_prompts(
    State(state): State<SharedState>,
    Path(eval_uuid): Path<String>,
    params: Params,
) -> Result<Json<types::PagedEvalPrompt>, ApiError> {
    let page = params.page()?;
    let store = state.store();
    let rec = store
        .evals
        .get(&eval_uuid)
        .ok_or_else(|| ApiError::not_found("eval", &eval_uuid))?;
    let prompts: &[types::EvalPrompt] = if rec.is_finished() { &rec.prompts } else { &[] };
    let (items, count) = page.apply(prompts, Clone::clone);
    Ok(Json(types::PagedEvalPrompt {
        count: Some(count),
        items,
    }))
}

/// One eval with its statistics, while filtering and sorting.
/// What the analysis needs of a run, copied out of the store.
struct RunSnap {
    eval_uuid: String,
    created_at: DateTime<Utc>,
    status: String,
    summary: RunSummary,
}

impl RunSnap {
    fn of(run: &RunRec) -> Self {
        Self {
            eval_uuid: run.eval_uuid.clone(),
            created_at: run.created_at,
            status: run.lifecycle.status().as_str().to_owned(),
            summary: run.summary(),
        }
    }
}

struct Row {
    eval: types::Eval,
    stats: types::EvalAnalysisStats,
}

/// `POST /v2/eval-analysis`: filters, sorting, body `limit`/`offset`, `has_more`/`total_count`.
pub(crate) async fn analyze(
    State(state): State<SharedState>,
    JsonBody(req): JsonBody<types::EvalAnalysisRequest>,
) -> Result<Json<types::EvalAnalyzeResponse>, ApiError> {
    // Enums, the 1..=100 `limit` and the 0..=1 pass rates were checked against the spec.
    let limit = req.limit.map_or(ANALYSIS_MAX_LIMIT, |n| n.get());
    let offset = usize::try_from(req.offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);

    // Snapshots taken a chunk at a time: the store lock is never held for a whole scan.
    let mut runs_by_eval: HashMap<String, Vec<RunSnap>> = HashMap::new();
    for snap in state.scan(|s| &s.runs, RunSnap::of).await {
        runs_by_eval
            .entry(snap.eval_uuid.clone())
            .or_default()
            .push(snap);
    }
    let evals = state.scan(|s| &s.evals, EvalRec::view).await;
    let lower = |s: &Option<String>| s.as_deref().map(str::to_lowercase);
    let name_filter = lower(&req.name);
    let mut rows = Vec::new();
    for eval in evals {
        let runs = eval
            .eval_uuid
            .as_deref()
            .and_then(|id| runs_by_eval.get(id))
            .map_or(&[][..], Vec::as_slice);
        let stats = stats_for(runs);
        let eq = |filter: &Option<String>, value: Option<&str>| {
            filter.as_deref().is_none_or(|f| value == Some(f))
        };
        let keep = req
            .created_after
            .is_none_or(|t| eval.created_at.is_some_and(|c| c > t))
            && req
                .created_before
                .is_none_or(|t| eval.created_at.is_some_and(|c| c < t))
            && req.created_by.as_deref().is_none_or(|f| {
                eval.created_by
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(f))
            })
            && eq(&req.eval_type, Some(&eval.eval_type))
            && req
                .has_score_runs
                .is_none_or(|want| want != runs.is_empty())
            && req
                .is_jailbreak
                .is_none_or(|want| eval.is_jailbreak == Some(want))
            && req
                .is_sandbox
                .is_none_or(|want| eval.is_sandbox == Some(want))
            && eq(&req.language, eval.language.as_deref())
            && eq(&req.modality, eval.modality.as_ref().map(|m| m.as_str()))
            && name_filter.as_deref().is_none_or(|f| {
                eval.name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(f))
            })
            && eq(&req.status, eval.status.as_ref().map(|s| s.as_str()))
            && eq(&req.workspace_uuid, eval.workspace_uuid.as_deref())
            && req
                .min_pass_rate
                .is_none_or(|m| stats.avg_pass_rate.is_some_and(|a| a >= m))
            && req
                .max_pass_rate
                .is_none_or(|m| stats.avg_pass_rate.is_some_and(|a| a <= m))
            && req
                .score_run_status
                .as_deref()
                .is_none_or(|s| runs.iter().any(|r| r.status == s))
            && (req.run_created_after.is_none() && req.run_created_before.is_none()
                || runs.iter().any(|r| {
                    req.run_created_after.is_none_or(|t| r.created_at > t)
                        && req.run_created_before.is_none_or(|t| r.created_at < t)
                }));
        if keep {
            rows.push(Row { eval, stats });
        }
    }

    let sort_by = req.sort_by.unwrap_or(EvalAnalysisSortBy::CreatedAt);
    let descending = req.sort_order.unwrap_or(SortOrder::Desc) == SortOrder::Desc;
    rows.sort_by(|a, b| {
        let ord = compare(&sort_by, a, b);
        if descending { ord.reverse() } else { ord }
    });

    let total = rows.len();
    let results: Vec<_> = rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|row| types::EvalAnalysisResult {
            eval: row.eval,
            stats: row.stats,
        })
        .collect();
    Ok(Json(types::EvalAnalyzeResponse {
        has_more: offset.saturating_add(results.len()) < total,
        results,
        total_count: i64::try_from(total).unwrap_or(i64::MAX),
    }))
}

fn compare(sort_by: &EvalAnalysisSortBy, a: &Row, b: &Row) -> Ordering {
    let float = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (x, y) => x.is_some().cmp(&y.is_some()),
    };
    match sort_by {
        EvalAnalysisSortBy::UpdatedAt => a.eval.updated_at.cmp(&b.eval.updated_at),
        EvalAnalysisSortBy::Name => a
            .eval
            .name
            .as_deref()
            .map(str::to_lowercase)
            .cmp(&b.eval.name.as_deref().map(str::to_lowercase)),
        EvalAnalysisSortBy::PassRate => float(a.stats.avg_pass_rate, b.stats.avg_pass_rate),
        EvalAnalysisSortBy::NumScoreRuns => a.stats.total_score_runs.cmp(&b.stats.total_score_runs),
        EvalAnalysisSortBy::LastRunDate => a.stats.last_run_date.cmp(&b.stats.last_run_date),
        _ => a.eval.created_at.cmp(&b.eval.created_at),
    }
}

/// Aggregate statistics over the runs of one eval (pass rates of finished runs only).
fn stats_for(runs: &[RunSnap]) -> types::EvalAnalysisStats {
    let mut total_scored = 0i64;
    let mut rates = Vec::new();
    for run in runs {
        let summary = &run.summary;
        total_scored =
            total_scored.saturating_add(i64::try_from(summary.scored_visible).unwrap_or(i64::MAX));
        if let Some(rate) = summary.pass_rate {
            rates.push(rate);
        }
    }
    let avg = (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64);
    types::EvalAnalysisStats {
        avg_pass_rate: avg,
        best_pass_rate: rates.iter().copied().reduce(f64::max),
        last_run_date: runs.iter().map(|r| r.created_at).max(),
        total_responses_scored: total_scored,
        total_score_runs: i64::try_from(runs.len()).unwrap_or(i64::MAX),
        worst_pass_rate: rates.iter().copied().reduce(f64::min),
    }
}
