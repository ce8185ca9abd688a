//! The records the emulator keeps, one per resource: what the store persists and the routes
//! read and change (through `crate::state`).

use std::collections::HashMap;
use std::path::PathBuf;

use aymara_raw::compat::FileType;
use aymara_raw::types;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::sim::lifecycle::{Lifecycle, Phase};

/// Where a file's bytes are.
#[derive(Serialize, Deserialize)]
pub(crate) enum FileSource {
    /// Registered through `POST /v2/files` with `local_file_path`; waiting for the presigned PUT.
    AwaitingUpload,
    /// Registered with `remote_uri`: pending, then failed (the emulator has no network).
    Remote { lifecycle: Lifecycle },
    /// Bytes on disk. `problem` is why processing fails (the bytes do not match the type).
    Stored {
        size: u64,
        path: PathBuf,
        lifecycle: Lifecycle,
        problem: Option<String>,
    },
}

/// A file.
#[derive(Serialize, Deserialize)]
pub(crate) struct FileRec {
    pub uuid: String,
    pub content_type: String,
    pub file_type: FileType,
    pub workspace_uuid: Option<String>,
    pub original_file_url: Option<String>,
    pub remote_file_path: String,
    /// Signature of the presigned upload URL (files registered through `POST /v2/files`).
    pub signature: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub source: FileSource,
}

/// An eval. `eval` holds the stored fields; status, `updated_at` and `num_prompts` are computed
/// by [`EvalRec::view`].
#[derive(Serialize, Deserialize)]
pub(crate) struct EvalRec {
    pub eval: types::Eval,
    pub lifecycle: Lifecycle,
    pub edited_at: DateTime<Utc>,
    /// Generated (and created/updated) prompts, listed by `list_prompts`.
    pub prompts: Vec<types::EvalPrompt>,
    /// Follow-up prompts handed out as `next_prompt` (multi-turn); not listed, but answerable.
    pub followups: HashMap<String, types::EvalPrompt>,
}

impl EvalRec {
    pub fn is_finished(&self) -> bool {
        self.lifecycle.phase() == Phase::Done
    }

    /// The eval as the API returns it.
    pub fn view(&self) -> types::Eval {
        let mut eval = self.eval.clone();
        eval.status = Some(self.lifecycle.status());
        eval.updated_at = Some(self.edited_at.max(self.lifecycle.phase_started_at()));
        eval.num_prompts = Some(if self.is_finished() {
            i64::try_from(self.prompts.len()).unwrap_or(i64::MAX)
        } else {
            self.eval.num_prompts.unwrap_or_default()
        });
        eval
    }

    /// A prompt of this eval, generated or follow-up.
    pub fn find_prompt(&self, prompt_uuid: &str) -> Option<&types::EvalPrompt> {
        self.prompts
            .iter()
            .find(|p| p.prompt_uuid == prompt_uuid)
            .or_else(|| self.followups.get(prompt_uuid))
    }
}

/// One response of a run, with its verdict and manual-edit history.
#[derive(Serialize, Deserialize)]
pub(crate) struct RespRec {
    /// The full scored response (verdict included; hidden by views until scored).
    pub scored: types::ScoredResponse,
    /// Category of the answered prompt (used by accuracy reports).
    pub category: Option<String>,
    /// Which scoring rule decided (used by report summaries).
    pub rule: ScoreRule,
    pub history: Vec<types::AnswerHistory>,
}

impl RespRec {
    pub fn is_scorable(&self) -> bool {
        self.scored.exclude_from_scoring != Some(true)
    }
}

/// The scoring rule that decided a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ScoreRule {
    Excluded,
    Refused,
    FileReference,
    UnsafeWord,
    SafeText,
}

/// An eval run.
#[derive(Serialize, Deserialize)]
pub(crate) struct RunRec {
    pub uuid: String,
    pub eval_uuid: String,
    pub name: String,
    pub ai_description: Option<String>,
    pub examples: Option<Vec<types::EvalRunExample>>,
    pub is_sandbox: bool,
    pub workspace_uuid: Option<String>,
    pub created_at: DateTime<Utc>,
    pub lifecycle: Lifecycle,
    pub edited_at: DateTime<Utc>,
    pub responses: Vec<RespRec>,
}

/// A suite report: per-run reports are computed when it is created and revealed as its
/// lifecycle advances.
#[derive(Serialize, Deserialize)]
pub(crate) struct ReportRec {
    pub uuid: String,
    pub workspace_uuid: Option<String>,
    pub created_at: DateTime<Utc>,
    pub lifecycle: Lifecycle,
    pub run_reports: Vec<types::EvalRunReport>,
    pub overall_passing: String,
    pub overall_failing: String,
    pub overall_advice: String,
}
