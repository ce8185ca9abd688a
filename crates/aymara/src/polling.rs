//! Waiters: repeat a request until its response reaches a terminal state or a deadline passes.
//!
//! A waiter holds the request it repeats (so `workspace_uuid` and per-request options carry
//! through every poll) and an acceptor, a function of the decoded response that says whether to
//! keep going: `client.evals().get(&id).workspace_uuid(w).wait_until(evals::ready)`. The
//! resources' `wait_until_*` methods are that with their built-in acceptor.
//!
//! Defaults suit real work (the official async helpers give up after 30 s): the first poll is
//! immediate, then the interval starts at 1 s and grows by half each round up to 10 s, and the
//! deadline is 15 minutes. Sleeps are clipped so the last poll happens at the deadline, not an
//! interval after it. A `failed` state ends the wait at once with [`Error::WaitFailed`] carrying
//! what the server said; the deadline gives [`Error::WaitTimeout`] with the last status seen.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::request::{BoxFuture, Operation, Request};

/// Where a polled resource stands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PollState {
    /// Still working; the status as the server spelled it.
    Pending(String),
    /// Done successfully; the final status as the server spelled it.
    Done(String),
    /// Done unsuccessfully: the status, and the server's message if any.
    Failed(String, Option<String>),
}

/// Says where a polled response stands; the resources' acceptors are [`crate::evals::ready`],
/// [`crate::runs::scored`], [`crate::reports::finished`] and [`crate::files::processed`].
pub type Acceptor<T> = Arc<dyn Fn(&T) -> PollState + Send + Sync>;

/// A snapshot passed to progress callbacks.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WaitProgress {
    /// The resource id.
    pub id: String,
    /// The status last seen.
    pub status: String,
    /// Polls made so far.
    pub polls: u32,
    /// Time since the wait started.
    pub elapsed: Duration,
}

type ProgressFn = Arc<dyn Fn(&WaitProgress) + Send + Sync>;

/// How a waiter polls.
#[derive(Clone)]
pub struct WaitConfig {
    pub(crate) interval: Duration,
    pub(crate) max_interval: Duration,
    pub(crate) backoff: f64,
    pub(crate) timeout: Duration,
    pub(crate) progress: Option<ProgressFn>,
}

impl Default for WaitConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            backoff: 1.5,
            timeout: Duration::from_secs(15 * 60),
            progress: None,
        }
    }
}

impl WaitConfig {
    /// The defaults: first interval 1 s, growing by half up to 10 s, deadline 15 minutes.
    pub fn new() -> Self {
        Self::default()
    }

    /// First interval between polls (default 1 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Largest interval between polls (default 10 s).
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// Growth factor of the interval after each poll (default 1.5; 1.0 keeps it fixed).
    pub fn backoff(mut self, factor: f64) -> Self {
        self.backoff = factor;
        self
    }

    /// Gives up after this long (default 15 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Called after every poll with the status seen.
    pub fn on_progress(mut self, f: impl Fn(&WaitProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }
}

impl std::fmt::Debug for WaitConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitConfig")
            .field("interval", &self.interval)
            .field("max_interval", &self.max_interval)
            .field("backoff", &self.backoff)
            .field("timeout", &self.timeout)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// A wait, configured with builder methods and run with `.send().await` or `.await`.
#[must_use = "a waiter does nothing until awaited"]
pub struct Wait<O: Operation> {
    pub(crate) request: Request<O>,
    pub(crate) resource: &'static str,
    pub(crate) id: String,
    pub(crate) acceptor: Acceptor<O::Output>,
    pub(crate) config: WaitConfig,
}

impl<O: Operation> Wait<O> {
    pub(crate) fn new(
        request: Request<O>,
        resource: &'static str,
        id: String,
        acceptor: Acceptor<O::Output>,
    ) -> Self {
        Self {
            request,
            resource,
            id,
            acceptor,
            config: WaitConfig::default(),
        }
    }

    /// Replaces every setting at once with a prepared [`WaitConfig`].
    pub fn with_config(mut self, config: WaitConfig) -> Self {
        self.config = config;
        self
    }

    /// First interval between polls (default 1 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.config.interval = interval;
        self
    }

    /// Largest interval between polls (default 10 s).
    pub fn max_interval(mut self, interval: Duration) -> Self {
        self.config.max_interval = interval;
        self
    }

    /// Growth factor of the interval after each poll (default 1.5; 1.0 keeps it fixed).
    pub fn backoff(mut self, factor: f64) -> Self {
        self.config.backoff = factor;
        self
    }

    /// Gives up after this long (default 15 minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// Called after every poll with the status seen.
    pub fn on_progress(mut self, f: impl Fn(&WaitProgress) + Send + Sync + 'static) -> Self {
        self.config.progress = Some(Arc::new(f));
        self
    }
}

impl<O: Operation> Request<O> {
    /// Repeats this request (its parameters and options unchanged) until `acceptor` says the
    /// response is done or failed, or the deadline passes. For example, an eval in another
    /// workspace: `client.evals().get(&id).workspace_uuid(w).wait_until(aymara::evals::ready)`.
    pub fn wait_until(
        self,
        acceptor: impl Fn(&O::Output) -> PollState + Send + Sync + 'static,
    ) -> Wait<O> {
        let id = self.op.path().unwrap_or_default();
        Wait::new(self, O::ID, id, Arc::new(acceptor))
    }
}

impl<O: Operation> Wait<O> {
    /// Polls until done, failed or the deadline.
    pub async fn send(self) -> Result<O::Output> {
        wait(self).await
    }
}

impl<O: Operation> IntoFuture for Wait<O> {
    type Output = Result<O::Output>;
    type IntoFuture = BoxFuture<Result<O::Output>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

async fn wait<O: Operation>(w: Wait<O>) -> Result<O::Output> {
    let Wait {
        request,
        resource,
        id,
        acceptor,
        config,
    } = w;
    // The request itself is checked by its first `send`, before anything goes out.
    if !(config.backoff.is_finite() && config.backoff >= 1.0) {
        return Err(Error::invalid("backoff", "must be a finite number >= 1.0"));
    }
    let start = Instant::now();
    // `None`: a timeout too long to be a deadline, i.e. no deadline.
    let deadline = start.checked_add(config.timeout);
    let mut interval = config.interval;
    let mut polls = 0u32;
    loop {
        let output = request.clone().send().await?;
        polls = polls.saturating_add(1);
        let state = acceptor(&output);
        if let Some(cb) = &config.progress {
            let status = match &state {
                PollState::Pending(s) | PollState::Failed(s, _) | PollState::Done(s) => s.clone(),
            };
            cb(&WaitProgress {
                id: id.clone(),
                status,
                polls,
                elapsed: start.elapsed(),
            });
        }
        match state {
            PollState::Done(_) => return Ok(output),
            PollState::Failed(status, message) => {
                return Err(Error::WaitFailed {
                    resource,
                    id,
                    status,
                    message,
                });
            }
            PollState::Pending(status) => {
                let now = Instant::now();
                if deadline.is_some_and(|d| now >= d) {
                    return Err(Error::WaitTimeout {
                        resource,
                        id,
                        last_status: status,
                        waited: now.saturating_duration_since(start),
                        polls,
                    });
                }
                let left = deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(now));
                tokio::time::sleep(interval.min(left)).await;
                let grown = Duration::try_from_secs_f64(interval.as_secs_f64() * config.backoff)
                    .unwrap_or(Duration::MAX);
                interval = grown.min(config.max_interval.max(config.interval));
            }
        }
    }
}

/// Where a polled eval, eval run or report stands, from its typed `status`: `finished` is done,
/// `failed` failed, anything else (absent, or a status this version does not know) pending.
pub(crate) fn status_state(status: Option<&crate::types::Status>) -> PollState {
    use crate::types::Status;
    match status {
        Some(Status::Finished) => PollState::Done("finished".into()),
        Some(Status::Failed) => PollState::Failed("failed".into(), None),
        Some(other) => PollState::Pending(other.to_string()),
        None => PollState::Pending("(no status)".into()),
    }
}
