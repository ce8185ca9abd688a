//! What the spec cannot say about an operation's input, checked before any request.
//!
//! The generated operations already keep every path id one segment (their `path()` names the
//! parameter that cannot be); the rules here are the API's documented constraints that the
//! schema does not carry (non-blank ids in queries and bodies, ranges, non-empty lists).

use std::any::Any;

use aymara_raw::operation::{Operation, Query};
use aymara_raw::operations::{
    EvalRunsCreate, EvalRunsScoreResponses, EvalRunsUpdateResponse, EvalTypesFindInstructions,
    EvalsAnalyze, EvalsCreate, EvalsUpdate, FilesCreate, ReportsCreate,
};
use aymara_raw::types::{AiInstructions, EvalRunRequest};

use crate::error::{Error, Result};

/// Most results an analysis page may ask for (the API's documented maximum).
pub const MAX_ANALYSIS_LIMIT: u64 = 100;

/// An empty id in the query would silently mean "none" (e.g. the current workspace).
pub(crate) fn check_query(query: &Query) -> Result<()> {
    for (name, value) in query.pairs() {
        if (name.ends_with("_uuid") || name.ends_with("_slug")) && value.trim().is_empty() {
            return Err(Error::invalid(*name, "must not be empty when set"));
        }
    }
    Ok(())
}

/// The rules of one operation that the spec cannot state.
pub(crate) fn check_rules<O: Operation>(op: &O) -> Result<()> {
    let any: &dyn Any = op;
    if let Some(op) = any.downcast_ref::<EvalsCreate>() {
        let body = &op.body;
        require_text("ai_description", &body.ai_description)?;
        require_text("eval_type", &body.eval_type)?;
        if let Some(n) = body.num_prompts
            && n < 1
        {
            return Err(Error::invalid(
                "num_prompts",
                format!("must be at least 1, got {n}"),
            ));
        }
        check_instructions(body.ai_instructions.as_ref())?;
        check_workspace(body.workspace_uuid.as_deref())?;
    } else if let Some(op) = any.downcast_ref::<EvalsUpdate>() {
        check_instructions(op.body.ai_instructions.as_ref())?;
        for (i, u) in op.body.prompt_updates.iter().flatten().enumerate() {
            require_text(&format!("prompt_updates[{i}].prompt_uuid"), &u.prompt_uuid)?;
        }
    } else if let Some(op) = any.downcast_ref::<EvalsAnalyze>() {
        let body = &op.body;
        if let Some(limit) = body.limit.map(std::num::NonZeroU64::get)
            && limit > MAX_ANALYSIS_LIMIT
        {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_ANALYSIS_LIMIT}, got {limit}"),
            ));
        }
        check_unit_interval("min_pass_rate", body.min_pass_rate)?;
        check_unit_interval("max_pass_rate", body.max_pass_rate)?;
        if let (Some(min), Some(max)) = (body.min_pass_rate, body.max_pass_rate)
            && min > max
        {
            return Err(Error::invalid(
                "min_pass_rate",
                format!("is above max_pass_rate ({min} > {max})"),
            ));
        }
        check_workspace(body.workspace_uuid.as_deref())?;
    } else if let Some(op) = any.downcast_ref::<EvalRunsCreate>() {
        check_run_request(&op.body)?;
    } else if let Some(op) = any.downcast_ref::<EvalRunsScoreResponses>() {
        check_run_request(&op.body)?;
    } else if let Some(op) = any.downcast_ref::<EvalRunsUpdateResponse>() {
        check_unit_interval("confidence", op.body.confidence)?;
    } else if let Some(op) = any.downcast_ref::<ReportsCreate>() {
        if op.body.eval_run_uuids.is_empty() {
            return Err(Error::invalid(
                "eval_run_uuids",
                "at least one eval run is required",
            ));
        }
        for (i, id) in op.body.eval_run_uuids.iter().enumerate() {
            if id.trim().is_empty() {
                return Err(Error::invalid(
                    format!("eval_run_uuids[{i}]"),
                    "must not be empty",
                ));
            }
        }
    } else if let Some(op) = any.downcast_ref::<FilesCreate>() {
        if op.body.files.is_empty() {
            return Err(Error::invalid("files", "at least one file is required"));
        }
        for (i, f) in op.body.files.iter().enumerate() {
            if f.local_file_path.is_none() && f.remote_uri.is_none() {
                return Err(Error::invalid(
                    format!("files[{i}]"),
                    "needs local_file_path or remote_uri",
                ));
            }
        }
        check_workspace(op.body.workspace_uuid.as_deref())?;
    } else if let Some(op) = any.downcast_ref::<EvalTypesFindInstructions>() {
        require_text("eval_type_slug", &op.eval_type_slug)?;
    }
    Ok(())
}

/// An [`EvalRunRequest`]: the eval it names, and at least one response, each for a prompt.
fn check_run_request(body: &EvalRunRequest) -> Result<()> {
    require_id("eval_uuid", &body.eval_uuid)?;
    if body.responses.is_empty() {
        return Err(Error::invalid(
            "responses",
            "at least one response is required",
        ));
    }
    for (i, r) in body.responses.iter().enumerate() {
        require_text(&format!("responses[{i}].prompt_uuid"), &r.prompt_uuid)?;
    }
    if let Some(run) = &body.eval_run_uuid {
        require_id("eval_run_uuid", run)?;
    }
    Ok(())
}

/// A workflow needs at least one agent (`minItems: 1`).
fn check_instructions(instructions: Option<&AiInstructions>) -> Result<()> {
    if let Some(AiInstructions::WorkflowInstructions(w)) = instructions
        && w.instructions.is_empty()
    {
        return Err(Error::invalid(
            "ai_instructions.instructions",
            "a workflow needs at least one agent",
        ));
    }
    Ok(())
}

/// Rejects a set but blank `workspace_uuid` (it would silently mean "the current workspace").
pub(crate) fn check_workspace(workspace_uuid: Option<&str>) -> Result<()> {
    match workspace_uuid {
        Some(w) if w.trim().is_empty() => Err(Error::invalid(
            "workspace_uuid",
            "must not be empty when set",
        )),
        _ => Ok(()),
    }
}

/// Rejects an empty value of a required text field.
pub(crate) fn require_text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "is required and must not be empty"));
    }
    Ok(())
}

/// Rejects a rate outside 0.0..=1.0 (or not a number).
fn check_unit_interval(field: &str, value: Option<f64>) -> Result<()> {
    match value {
        Some(v) if !(0.0..=1.0).contains(&v) => Err(Error::invalid(
            field,
            format!("must be between 0.0 and 1.0, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// Rejects, before any request, an id that could not stay one path segment (empty, `.`, `..`,
/// `/`, `\`, control characters): the rule of [`aymara_raw::path::check`].
pub(crate) fn require_id(field: &'static str, value: &str) -> Result<()> {
    match aymara_raw::path::check(value) {
        None => Ok(()),
        Some(reason) => Err(Error::invalid(field, reason)),
    }
}
