//! The one seam between the generated client and the hand-written transport.
//!
//! progenitor calls `ClientHooks::exec` for every generated operation. The impl here hands the
//! request to the [`Executor`] carried in [`Inner`]; the `aymara` crate supplies one that applies
//! auth, per-request options, retries and tracing, and uses the same executor for the operations
//! it writes by hand (the multipart upload), so every call takes one path.
//!
//! Without an executor (`Inner::default()`), requests go straight to the `reqwest::Client`, which
//! is enough for tests and for callers who want the bare generated client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use crate::Client;

/// The future an [`Executor`] returns.
pub type ExecFuture = Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send>>;

/// Sends one operation's request, however many attempts that takes.
pub trait Executor: Send + Sync {
    /// Executes `request` for the operation named by its OpenAPI `operation_id`.
    fn execute(
        self: Arc<Self>,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> ExecFuture;
}

/// Per-client state that progenitor threads through every generated call.
#[derive(Clone, Default)]
pub struct Inner {
    executor: Option<Arc<dyn Executor>>,
}

impl Inner {
    /// Routes every request through `executor`.
    pub fn new(executor: Arc<dyn Executor>) -> Self {
        Self {
            executor: Some(executor),
        }
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("executor", &self.executor.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl ClientHooks<Inner> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.inner().executor {
            Some(executor) => executor.clone().execute(request, info.operation_id).await,
            None => self.client().execute(request).await,
        }
    }
}
