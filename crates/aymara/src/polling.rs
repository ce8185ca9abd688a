//! Waiters: poll a resource until it reaches a terminal state or a deadline passes.
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

use crate::Client;
use crate::checks::require_id;
use crate::error::{Error, Result};
use crate::request::{Async, BoxFuture};

/// Where a polled resource stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollState {
    /// Still working; the status as the server spelled it.
    Pending(String),
    /// Done successfully; the final status as the server spelled it.
    Done(String),
    /// Done unsuccessfully: the status, and the server's message if any.
    Failed(String, Option<String>),
}

/// Something a waiter can poll.
pub trait Pollable: Send + 'static {
    /// The polled representation, returned when the wait succeeds.
    type Output: Send + 'static;
    /// Name used in errors ("file", "eval", …).
    const RESOURCE: &'static str;
    /// Fetches the current representation.
    #[doc(hidden)]
    fn poll(client: &Client, id: &str) -> BoxFuture<Result<Self::Output>>;
    /// Classifies it.
    #[doc(hidden)]
    fn state(output: &Self::Output) -> PollState;
}

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
pub struct Wait<P, M = Async> {
    pub(crate) client: Client,
    pub(crate) id: String,
    pub(crate) config: WaitConfig,
    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) mode: M,
    pub(crate) _p: std::marker::PhantomData<fn() -> P>,
}

impl<P: Pollable, M> Wait<P, M> {
    pub(crate) fn new(client: Client, id: String, mode: M) -> Self {
        Self {
            client,
            id,
            config: WaitConfig::default(),
            mode,
            _p: std::marker::PhantomData,
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

    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn into_async(self) -> Wait<P, Async> {
        Wait {
            client: self.client,
            id: self.id,
            config: self.config,
            mode: Async,
            _p: self._p,
        }
    }
}

impl<P: Pollable> Wait<P, Async> {
    /// Polls until done, failed or the deadline.
    pub async fn send(self) -> Result<P::Output> {
        wait::<P>(&self.client, &self.id, &self.config).await
    }
}

impl<P: Pollable> IntoFuture for Wait<P, Async> {
    type Output = Result<P::Output>;
    type IntoFuture = BoxFuture<Result<P::Output>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

pub(crate) async fn wait<P: Pollable>(
    client: &Client,
    id: &str,
    config: &WaitConfig,
) -> Result<P::Output> {
    require_id("id", id)?;
    if !(config.backoff.is_finite() && config.backoff >= 1.0) {
        return Err(Error::invalid("backoff", "must be a finite number >= 1.0"));
    }
    let start = Instant::now();
    // `None`: a timeout too long to be a deadline, i.e. no deadline.
    let deadline = start.checked_add(config.timeout);
    let mut interval = config.interval;
    let mut polls = 0u32;
    loop {
        let output = P::poll(client, id).await?;
        polls = polls.saturating_add(1);
        let state = P::state(&output);
        if let Some(cb) = &config.progress {
            let status = match &state {
                PollState::Pending(s) | PollState::Failed(s, _) | PollState::Done(s) => s.clone(),
            };
            cb(&WaitProgress {
                id: id.to_string(),
                status,
                polls,
                elapsed: start.elapsed(),
            });
        }
        match state {
            PollState::Done(_) => return Ok(output),
            PollState::Failed(status, message) => {
                return Err(Error::WaitFailed {
                    resource: P::RESOURCE,
                    id: id.to_string(),
                    status,
                    message,
                });
            }
            PollState::Pending(status) => {
                let now = Instant::now();
                if deadline.is_some_and(|d| now >= d) {
                    return Err(Error::WaitTimeout {
                        resource: P::RESOURCE,
                        id: id.to_string(),
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

/// Where a polled eval, eval run or report stands, from its `status`.
pub(crate) fn status_state(status: Option<&crate::types::Status>) -> PollState {
    use crate::types::Status;
    match status {
        Some(Status::Finished) => PollState::Done("finished".into()),
        Some(Status::Failed) => PollState::Failed("failed".into(), None),
        Some(other) => PollState::Pending(other.to_string()),
        None => PollState::Pending("(no status)".into()),
    }
}
