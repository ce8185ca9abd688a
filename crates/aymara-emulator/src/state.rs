//! The emulator's state: configuration, one `Mutex`-guarded store of every resource, ids, and
//! the elapsed-time lifecycles that stand in for background work.
//!
//! The lock is a plain `std::sync::Mutex`, taken only in synchronous sections (never across an
//! `.await`), so concurrent mutations are serialised and nothing is lost.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use aymara_raw::compat::FileType;
use aymara_raw::types;
use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

pub(crate) use crate::sim::lifecycle::{Lifecycle, Phase};
use crate::spec::Spec;
use crate::store::Persistence;
pub(crate) use crate::store::{Store, Table};

/// Settings fixed when the emulator starts.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub api_key: String,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// Where file bytes are written.
    pub files_dir: PathBuf,
    pub latency: Duration,
    /// 0 = off.
    pub fail_every: u32,
    pub video_processing_delay: Duration,
    pub eval_generation_delay: Duration,
    pub run_scoring_delay: Duration,
    pub report_delay: Duration,
    /// Check every response against `openapi.json`.
    pub validate_responses: bool,
    /// Test hook: successful responses of this operation get an invalid body.
    pub break_responses_of: Option<String>,
    /// Largest JSON request body.
    pub json_body_limit: usize,
    /// Largest upload.
    pub upload_limit: u64,
    /// Longest pause while receiving a request body.
    pub body_timeout: Duration,
}

/// Everything the handlers share.
pub(crate) struct AppState {
    pub config: Config,
    store: Mutex<Store>,
    persistence: Persistence,
    /// Every request received, `/health/` and `/_emulator/*` included.
    pub request_count: Arc<AtomicU64>,
    /// `/v2/...` requests only (drives `fail_every`).
    pub v2_count: AtomicU64,
    /// The compiled API description.
    pub spec: &'static Spec,
    /// Responses that violated the spec (shared with the [`crate::Emulator`]).
    pub violations: Arc<Mutex<Vec<String>>>,
}

/// Records copied per store-lock section by [`AppState::scan`].
const SCAN_CHUNK: usize = 256;

/// The state handed to axum.
pub(crate) type SharedState = Arc<AppState>;

impl AppState {
    pub fn new(
        config: Config,
        spec: &'static Spec,
        (persistence, store): (Persistence, Store),
        request_count: Arc<AtomicU64>,
        violations: Arc<Mutex<Vec<String>>>,
    ) -> Self {
        Self {
            config,
            store: Mutex::new(store),
            persistence,
            request_count,
            v2_count: AtomicU64::new(0),
            spec,
            violations,
        }
    }

    /// Makes every change so far durable (a no-op in memory); see [`crate::store`].
    pub async fn flush(&self) -> Result<(), String> {
        self.persistence.flush(&self.store).await
    }

    /// Every record of one table, mapped by `f`, copied out [`SCAN_CHUNK`] records per store
    /// lock section so that a long scan never blocks other requests for long.
    pub async fn scan<T, U>(&self, table: fn(&Store) -> &Table<T>, f: impl Fn(&T) -> U) -> Vec<U> {
        let mut out = Vec::new();
        let mut cursor = -1;
        loop {
            let (chunk, next) = table(&self.store()).chunk_after(cursor, SCAN_CHUNK, &f);
            if chunk.is_empty() {
                return out;
            }
            cursor = next;
            out.extend(chunk);
            tokio::task::yield_now().await;
        }
    }

    /// Records a response that violated the spec.
    pub fn record_violation(&self, message: String) {
        self.violations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message);
    }

    /// Locks the store. A poisoned lock is recovered: every mutation is applied in one step after
    /// validation, so the data stays consistent even if a handler panicked.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

static ID_COUNTER: AtomicU64 = AtomicU64::new(1);

/// A uuid-shaped string (version 4 layout): random bits plus a process-wide counter in the last
/// group, so ids never collide within one process.
pub(crate) fn new_uuid() -> String {
    let n = ID_COUNTER.fetch_add(1, Ordering::Relaxed);
    let last = (u64::from(fastrand::u16(..)) << 32) | (n & 0xffff_ffff);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        fastrand::u32(..),
        fastrand::u16(..),
        fastrand::u16(..0x1000),
        fastrand::u8(8..12),
        fastrand::u16(..0x1000),
        last
    )
}

/// A prefixed id such as `test.<uuid>`.
pub(crate) fn new_id(prefix: &str) -> String {
    format!("{prefix}.{}", new_uuid())
}

/// A random hex token (upload signatures).
pub(crate) fn random_token() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// Organisation that owns everything in the emulator.
pub(crate) const ORGANIZATION_UUID: &str = "org.00000000-0000-4000-8000-00000000e001";
/// The emulator's single user.
pub(crate) const USER_UUID: &str = "user.00000000-0000-4000-8000-00000000e002";
/// The emulator user's email (`Eval.created_by`, manual edits).
pub(crate) const USER_EMAIL: &str = "emulator@localhost";

/// The emulator's single user, as a `UserRef`.
pub(crate) fn user_ref() -> types::UserRef {
    types::UserRef {
        email: USER_EMAIL.to_owned(),
        feature_flags: types::UserFeatureFlags {
            enable_dashboard: false,
        },
        is_admin: true,
        is_impersonating: false,
        org_admin_emails: Some(vec![USER_EMAIL.to_owned()]),
        organization: Some(types::UserOrganization {
            name: "Aymara emulator".to_owned(),
            org_uuid: ORGANIZATION_UUID.to_owned(),
        }),
        workspace: None,
    }
}

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
