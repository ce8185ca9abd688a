//! The emulator's state: configuration, one `Mutex`-guarded store of every resource, ids, and
//! the elapsed-time lifecycles that stand in for background work.
//!
//! The lock is a plain `std::sync::Mutex`, taken only in synchronous sections (never across an
//! `.await`), so concurrent mutations are serialised and nothing is lost.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use aymara_raw::types;

pub(crate) use crate::records::{
    EvalRec, FileRec, FileSource, ReportRec, RespRec, RunRec, ScoreRule,
};
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
