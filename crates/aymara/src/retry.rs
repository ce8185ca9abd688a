//! When a failed attempt is retried, and how long to wait first.
//!
//! The policy matches the official client's (2 retries, 0.5 s doubling to 8 s with up to 25 %
//! downward jitter, `retry-after-ms` / `Retry-After` up to 60 s, `x-should-retry`), with one
//! deliberate difference: the official client retries every method, so a timed-out
//! `POST /v2/eval-runs` can create two runs. Here POST and PATCH are retried only when the request
//! provably was not processed: the connection was never established, or the server answered
//! 429 or 503, or said `x-should-retry: true`.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName};

const X_SHOULD_RETRY: HeaderName = HeaderName::from_static("x-should-retry");
use reqwest::{Method, StatusCode};

/// Retry policy of a client (see [`crate::ClientBuilder::retry`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryConfig {
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_server_delay: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_server_delay: Duration::from_secs(60),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn disabled() -> Self {
        Self::default().max_retries(0)
    }

    /// Maximum number of retries after the first attempt (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// First backoff delay, doubled on every retry (default 0.5 s).
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Largest backoff delay (default 8 s).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Longest server-requested delay (`Retry-After`) that is honoured (default 60 s);
    /// a longer one falls back to the backoff schedule.
    pub fn max_server_delay(mut self, d: Duration) -> Self {
        self.max_server_delay = d;
        self
    }

    /// Delay before retry number `retry` (0 for the first retry), jittered down by up to 25 %.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.min(30)));
        let capped = exp.min(self.max_backoff);
        // Uniform in (0.75, 1.0]: never more than the schedule, never a thundering herd.
        capped.mul_f64(1.0 - 0.25 * fastrand::f64())
    }

    /// The server-requested delay, when it is positive and within `max_server_delay`.
    pub(crate) fn server_delay(&self, headers: &HeaderMap) -> Option<Duration> {
        let d = retry_after(headers, SystemTime::now())?;
        (!d.is_zero() && d <= self.max_server_delay).then_some(d)
    }
}

/// What happened on one attempt, as far as retrying is concerned.
pub(crate) enum Outcome<'a> {
    /// The server answered.
    Response(StatusCode, &'a HeaderMap),
    /// No response (connection error, reset, timeout): `connect` says whether the
    /// connection was never established, so the server cannot have seen the request.
    Failure { connect: bool },
}

/// Whether the attempt is worth repeating (the retry budget is checked by the caller).
pub(crate) fn should_retry(method: &Method, outcome: &Outcome<'_>) -> bool {
    let idempotent = matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    );
    match outcome {
        Outcome::Response(status, headers) => {
            // A success is final, whatever the headers say: like the official client, which
            // consults `x-should-retry` only for error statuses.
            if status.is_success() {
                return false;
            }
            match headers.get(X_SHOULD_RETRY).and_then(|v| v.to_str().ok()) {
                Some("true") => return true,
                Some("false") => return false,
                _ => {}
            }
            let code = status.as_u16();
            if idempotent {
                matches!(code, 408 | 409 | 429) || code >= 500
            } else {
                // 429 and 503 mean the request was turned away, not processed.
                matches!(code, 429 | 503)
            }
        }
        Outcome::Failure { connect } => idempotent || *connect,
    }
}

/// `retry-after-ms` (milliseconds), else `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return secs(ms / 1000.0);
    }
    let v = header("retry-after")?;
    if let Ok(s) = v.parse::<f64>() {
        return secs(s);
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn secs(s: f64) -> Option<Duration> {
    (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn backoff_schedule_is_jittered_and_capped() {
        let c = RetryConfig::default();
        for _ in 0..200 {
            let d0 = c.backoff(0);
            assert!(
                d0 > Duration::from_millis(374) && d0 <= Duration::from_millis(500),
                "{d0:?}"
            );
            let d1 = c.backoff(1);
            assert!(
                d1 > Duration::from_millis(749) && d1 <= Duration::from_secs(1),
                "{d1:?}"
            );
            let d9 = c.backoff(9);
            assert!(
                d9 > Duration::from_secs(5) && d9 <= Duration::from_secs(8),
                "{d9:?}"
            );
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::now();
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "1500")]), now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "2")]), now),
            Some(Duration::from_secs(2))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let d = retry_after(&headers(&[("retry-after", &later)]), now).unwrap();
        assert!(
            d > Duration::from_secs(28) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        let c = RetryConfig::default();
        assert_eq!(c.server_delay(&headers(&[("retry-after", "120")])), None);
        assert_eq!(c.server_delay(&headers(&[("retry-after", "0")])), None);
    }

    #[test]
    fn post_is_retried_only_when_not_processed() {
        let h = HeaderMap::new();
        let post = Method::POST;
        let get = Method::GET;
        let resp = |s: u16| Outcome::Response(StatusCode::from_u16(s).unwrap(), &h);
        assert!(!should_retry(&post, &resp(500)));
        assert!(should_retry(&post, &resp(503)));
        assert!(should_retry(&post, &resp(429)));
        assert!(!should_retry(&post, &Outcome::Failure { connect: false }));
        assert!(should_retry(&post, &Outcome::Failure { connect: true }));
        assert!(should_retry(&get, &resp(500)));
        assert!(should_retry(&get, &resp(409)));
        assert!(!should_retry(&get, &resp(404)));
        assert!(should_retry(&get, &Outcome::Failure { connect: false }));
        let yes = headers(&[("x-should-retry", "true")]);
        assert!(should_retry(
            &post,
            &Outcome::Response(StatusCode::BAD_REQUEST, &yes)
        ));
        let no = headers(&[("x-should-retry", "false")]);
        assert!(!should_retry(
            &get,
            &Outcome::Response(StatusCode::SERVICE_UNAVAILABLE, &no)
        ));
    }
}
