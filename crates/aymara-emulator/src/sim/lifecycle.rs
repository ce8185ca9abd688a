//! Lifecycles: long-running work simulated by elapsed time (no background task exists).

use std::time::{Duration, Instant};

use aymara_raw::compat::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Phase of a piece of simulated background work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// `created` / `pending`: the first third of the delay.
    Queued,
    /// `processing`: the rest of the delay.
    Working,
    /// Terminal: the delay has elapsed.
    Done,
}

/// Work that "runs" for `delay` from `start`: its phase is computed from the elapsed time, so no
/// background task exists. Queued for the first third of the delay, working until the delay has
/// elapsed, then done. A zero delay is done at once.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(from = "StoredLifecycle", into = "StoredLifecycle")]
pub(crate) struct Lifecycle {
    start: Instant,
    started_at: DateTime<Utc>,
    delay: Duration,
}

/// A [`Lifecycle`] on disk: wall-clock start and delay (an `Instant` means nothing to another
/// process).
#[derive(Clone, Copy, Serialize, Deserialize)]
struct StoredLifecycle {
    started_at: DateTime<Utc>,
    delay_ms: u64,
}

impl From<Lifecycle> for StoredLifecycle {
    fn from(l: Lifecycle) -> Self {
        Self {
            started_at: l.started_at,
            delay_ms: u64::try_from(l.delay.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl From<StoredLifecycle> for Lifecycle {
    fn from(s: StoredLifecycle) -> Self {
        // The time already elapsed, counted back from now (0 if the clock went backwards).
        let elapsed = Utc::now()
            .signed_duration_since(s.started_at)
            .to_std()
            .unwrap_or_default();
        let now = Instant::now();
        Self {
            start: now.checked_sub(elapsed).unwrap_or(now),
            started_at: s.started_at,
            delay: Duration::from_millis(s.delay_ms),
        }
    }
}

impl Lifecycle {
    pub fn new(delay: Duration) -> Self {
        Self {
            start: Instant::now(),
            started_at: Utc::now(),
            delay,
        }
    }

    /// How long the work stays queued: the first third of the delay.
    fn queued(&self) -> Duration {
        self.delay.checked_div(3).unwrap_or_default()
    }

    pub fn phase(&self) -> Phase {
        let elapsed = self.start.elapsed();
        if elapsed >= self.delay {
            Phase::Done
        } else if elapsed >= self.queued() {
            Phase::Working
        } else {
            Phase::Queued
        }
    }

    /// Fraction of the delay elapsed, in `0.0..=1.0`.
    pub fn progress(&self) -> f64 {
        if self.delay.is_zero() {
            return 1.0;
        }
        (self.start.elapsed().as_secs_f64() / self.delay.as_secs_f64()).clamp(0.0, 1.0)
    }

    /// When the current phase began (used for `updated_at`).
    pub fn phase_started_at(&self) -> DateTime<Utc> {
        let offset = match self.phase() {
            Phase::Queued => Duration::ZERO,
            Phase::Working => self.queued(),
            Phase::Done => self.delay,
        };
        chrono::Duration::from_std(offset)
            .ok()
            .and_then(|offset| self.started_at.checked_add_signed(offset))
            .unwrap_or(self.started_at)
    }

    /// The lifecycle status vocabulary (`created` → `processing` → `finished`).
    pub fn status(&self) -> Status {
        match self.phase() {
            Phase::Queued => Status::Created,
            Phase::Working => Status::Processing,
            Phase::Done => Status::Finished,
        }
    }
}
