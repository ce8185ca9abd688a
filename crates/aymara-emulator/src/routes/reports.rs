//! Suite reports over finished eval runs: summaries are computed from the runs' responses when
//! the report is created and revealed over `report_delay`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use aymara_raw::compat::Status;
use aymara_raw::types;
use chrono::Utc;

use super::{JsonBody, Params};
use crate::error::ApiError;
use crate::middleware::empty;
use crate::sim::report_text::{
    Tally, advice, by_category, failing_summary, passing_summary, percent,
};
use crate::state::{Lifecycle, Phase, ReportRec, SharedState, new_id};

/// `POST /v2/eval-reports`: every run must exist (404) and be finished (422).
pub(crate) async fn create(
    State(state): State<SharedState>,
    params: Params,
    JsonBody(req): JsonBody<types::EvalSuiteReportRequest>,
) -> Result<Json<types::EvalSuiteReport>, ApiError> {
    let workspace = params.string("workspace_uuid");
    if req.eval_run_uuids.is_empty() {
        return Err(ApiError::invalid_field(
            "eval_run_uuids",
            "invalid field `eval_run_uuids`: list at least one eval run",
        ));
    }
    let mut store = state.store();
    let mut run_reports = Vec::with_capacity(req.eval_run_uuids.len());
    let mut overall = Tally::default();
    let mut worst: Option<(String, f64)> = None;
    for (i, run_uuid) in req.eval_run_uuids.iter().enumerate() {
        let run = store
            .runs
            .get(run_uuid)
            .ok_or_else(|| ApiError::not_found("eval run", run_uuid))?;
        if run.lifecycle.phase() != Phase::Done {
            let field = format!("eval_run_uuids[{i}]");
            return Err(ApiError::invalid_field(
                &field,
                format!(
                    "invalid field `{field}`: eval run `{run_uuid}` is still {}; \
                     wait until it is finished",
                    run.lifecycle.status()
                ),
            ));
        }
        let tally = Tally::of(&run.responses);
        let accuracy = store
            .evals
            .get(&run.eval_uuid)
            .is_some_and(|e| e.eval.eval_type == "accuracy");
        let (passing, failing) = if accuracy {
            (
                by_category(run, passing_summary),
                by_category(run, failing_summary),
            )
        } else {
            (passing_summary(&tally), failing_summary(&tally))
        };
        if let Some(rate) = tally.rate()
            && worst.as_ref().is_none_or(|(_, w)| rate < *w)
        {
            worst = Some((run.name.clone(), rate));
        }
        run_reports.push(types::EvalRunReport {
            eval_run: run.view(&store.evals),
            eval_run_report_uuid: new_id("score_run_summary"),
            eval_run_uuid: run.uuid.clone(),
            failing_responses_summary: failing,
            improvement_advice: advice(&tally),
            passing_responses_summary: passing,
        });
        overall.scored = overall.scored.saturating_add(tally.scored);
        overall.passed = overall.passed.saturating_add(tally.passed);
    }

    let k = run_reports.len();
    let runs_word = if k == 1 { "eval run" } else { "eval runs" };
    let overall_passing = format!(
        "Across {k} {runs_word}, {} of {} scored responses passed ({}).",
        overall.passed,
        overall.scored,
        percent(overall.rate())
    );
    let overall_failing = if overall.failed() == 0 {
        format!("Across {k} {runs_word}, no scored response failed.")
    } else {
        format!(
            "Across {k} {runs_word}, {} of {} scored responses failed.",
            overall.failed(),
            overall.scored
        )
    };
    let overall_advice = match worst {
        Some((name, rate)) if overall.failed() > 0 => format!(
            "Start with eval run \"{name}\", which has the lowest pass rate ({}), and fix the \
             responses that contain unsafe content; then re-run every eval.",
            percent(Some(rate))
        ),
        _ if overall.scored == 0 => {
            "Nothing was scored; submit responses that are not excluded from scoring.".to_owned()
        }
        _ => "Every scored response passed. Keep the current safeguards and extend the evals."
            .to_owned(),
    };

    let now = Utc::now();
    let rec = ReportRec {
        uuid: new_id("score_run_suite_summary"),
        workspace_uuid: workspace,
        created_at: now,
        lifecycle: Lifecycle::new(state.config.report_delay),
        run_reports,
        overall_passing,
        overall_failing,
        overall_advice,
    };
    let view = view(&rec);
    store.reports.insert(rec.uuid.clone(), rec);
    Ok(Json(view))
}

/// The report as the API returns it: per-run reports appear as `remaining_reports` counts down;
/// overall summaries once finished.
fn view(rec: &ReportRec) -> types::EvalSuiteReport {
    let n = rec.run_reports.len();
    let (status, done) = match rec.lifecycle.phase() {
        Phase::Queued => (Status::Created, 0),
        Phase::Working => (
            Status::Processing,
            (((n as f64) * rec.lifecycle.progress()).floor() as usize).min(n.saturating_sub(1)),
        ),
        Phase::Done => (Status::Finished, n),
    };
    let finished = status == Status::Finished;
    types::EvalSuiteReport {
        created_at: rec.created_at,
        eval_run_reports: rec.run_reports.get(..done).unwrap_or_default().to_vec(),
        eval_suite_report_uuid: rec.uuid.clone(),
        overall_failing_responses_summary: finished.then(|| rec.overall_failing.clone()),
        overall_improvement_advice: finished.then(|| rec.overall_advice.clone()),
        overall_passing_responses_summary: finished.then(|| rec.overall_passing.clone()),
        remaining_reports: Some(i64::try_from(n.saturating_sub(done)).unwrap_or(i64::MAX)),
        status,
        updated_at: rec.created_at.max(rec.lifecycle.phase_started_at()),
    }
}

/// `GET /v2/eval-reports`: paginated, filter `workspace_uuid`.
pub(crate) async fn list(
    State(state): State<SharedState>,
    params: Params,
) -> Result<Json<types::PagedEvalSuiteReport>, ApiError> {
    let page = params.page()?;
    let workspace = params.get("workspace_uuid");
    let store = state.store();
    let matching = store
        .reports
        .iter()
        .filter(|r| workspace.is_none_or(|w| r.workspace_uuid.as_deref() == Some(w)));
    let (items, count) = page.apply(matching, view);
    Ok(Json(types::PagedEvalSuiteReport {
        count: Some(count),
        items,
    }))
}

/// `GET /v2/eval-reports/{report_uuid}`.
pub(crate) async fn get(
    State(state): State<SharedState>,
    Path(report_uuid): Path<String>,
) -> Result<Json<types::EvalSuiteReport>, ApiError> {
    let store = state.store();
    let rec = store
        .reports
        .get(&report_uuid)
        .ok_or_else(|| ApiError::not_found("report", &report_uuid))?;
    Ok(Json(view(rec)))
}

/// `DELETE /v2/eval-reports/{report_uuid}` → 204.
pub(crate) async fn delete(
    State(state): State<SharedState>,
    Path(report_uuid): Path<String>,
) -> Result<Response, ApiError> {
    state
        .store()
        .reports
        .remove(&report_uuid)
        .ok_or_else(|| ApiError::not_found("report", &report_uuid))?;
    Ok(empty(StatusCode::NO_CONTENT))
}
