//! When a failed attempt is retried, and how long to wait first.
//!
//! The schedule matches the official client's (2 retries, 0.5 s doubling to 8 s with up to 25 %
//! downward jitter, `retry-after-ms` / `Retry-After` up to 60 s, `x-should-retry`). Which attempts
//! are retried:
//! - idempotent methods (GET, PUT, DELETE, …): 408, 409, 429, 5xx, and transport failures
//!   (refused or reset connections, timeouts, bodies cut short while being read);
//! - POST and PATCH, by default ([`NonIdempotentRetry::WhenSafe`]): only when the server cannot
//!   have processed the request (the connection was never established) or explicitly asked for a
//!   retry (`x-should-retry: true`, or a 429/503 carrying `Retry-After` or `retry-after-ms`). A bare
//!   503 may come from a proxy after the server did the work, so retrying it could create a
//!   second eval run; the official client retries it anyway ([`NonIdempotentRetry::Always`]);
//! - `x-should-retry: false` vetoes any retry; a 2xx is never retried.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName};

use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode};

const X_SHOULD_RETRY: HeaderName = HeaderName::from_static("x-should-retry");
const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");

/// Retry policy of a client (see [`crate::ClientBuilder::retry`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryConfig {
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_server_delay: Duration,
    pub(crate) non_idempotent: NonIdempotentRetry,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_server_delay: Duration::from_secs(60),
            non_idempotent: NonIdempotentRetry::WhenSafe,
        }
    }
}

/// When POST and PATCH requests, which may create something each time they are processed, are
/// retried ([`RetryConfig::non_idempotent`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum NonIdempotentRetry {
    /// Only when the request cannot have been processed (the connection was never established)
    /// or the server asked for a retry (`x-should-retry: true`, or a 429/503 with `Retry-After` or
    /// `retry-after-ms`). The default.
    #[default]
    WhenSafe,
    /// Never: every failure is returned at once.
    Never,
    /// Like idempotent requests (the official client's behaviour). A server or proxy that did the
    /// work and then answered 5xx or dropped the connection gets the request twice.
    Always,
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

    /// When POST and PATCH are retried (default [`NonIdempotentRetry::WhenSafe`]).
    pub fn non_idempotent(mut self, policy: NonIdempotentRetry) -> Self {
        self.non_idempotent = policy;
        self
    }

    /// Delay before retry number `retry` (0 for the first retry), jittered down by up to 25 %.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.min(30)));
        let capped = exp.min(self.max_backoff);
        // Uniform in (0.75, 1.0]: never more than the schedule, never a thundering herd. Checked,
        // since a caller's `Duration::MAX` has no exact `f64` form.
        let factor = 1.0 - 0.25 * fastrand::f64();
        Duration::try_from_secs_f64(capped.as_secs_f64() * factor).map_or(capped, |d| d.min(capped))
    }

    /// The server-requested delay, when it is positive and within `max_server_delay`; anything
    /// else (absent, unparsable, negative, out of range) falls back to the backoff schedule.
    pub(crate) fn server_delay(&self, headers: &HeaderMap) -> Option<Duration> {
        let d = retry_after(headers, SystemTime::now())?;
        (!d.is_zero() && d <= self.max_server_delay).then_some(d)
    }

    /// Whether the attempt is worth repeating (the retry budget is checked by the caller).
    pub(crate) fn should_retry(&self, method: &Method, outcome: &Outcome<'_>) -> bool {
        should_retry(method, outcome, self.non_idempotent)
    }
}

/// What happened on one attempt, as far as retrying is concerned.
pub(crate) enum Outcome<'a> {
    /// The server answered.
    Response(StatusCode, &'a HeaderMap),
    /// No complete response (connection error, reset, timeout, a body cut short): `connect`
    /// says whether the connection was never established, so the server cannot have seen the
    /// request.
    Failure { connect: bool },
    /// The server's TLS certificate was refused: asking again cannot change that.
    Untrusted,
}

/// Whether `method` may be repeated without changing the outcome.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Whether the server asked for this attempt to be repeated (see the module docs).
pub(crate) fn server_asked_for_retry(status: StatusCode, headers: &HeaderMap) -> Option<bool> {
    match headers.get(X_SHOULD_RETRY).and_then(|v| v.to_str().ok()) {
        Some("true") => return Some(true),
        Some("false") => return Some(false),
        _ => {}
    }
    let turned_away = matches!(status.as_u16(), 429 | 503);
    let has_delay = headers.contains_key(RETRY_AFTER) || headers.contains_key(RETRY_AFTER_MS);
    (turned_away && has_delay).then_some(true)
}

fn should_retry(method: &Method, outcome: &Outcome<'_>, policy: NonIdempotentRetry) -> bool {
    let like_idempotent = is_idempotent(method) || policy == NonIdempotentRetry::Always;
    let when_safe = policy == NonIdempotentRetry::WhenSafe;
    match outcome {
        Outcome::Response(status, headers) => {
            // A success is final, whatever the headers say: like the official client, which
            // consults `x-should-retry` only for error statuses.
            if status.is_success() {
                return false;
            }
            match server_asked_for_retry(*status, headers) {
                Some(asked) => asked && (like_idempotent || when_safe),
                None => {
                    let code = status.as_u16();
                    like_idempotent && (matches!(code, 408 | 409 | 429) || code >= 500)
                }
            }
        }
        Outcome::Failure { connect } => like_idempotent || (*connect && when_safe),
        Outcome::Untrusted => false,
    }
}

/// The retry outcome of a request that got no response.
pub(crate) fn failure(e: &reqwest::Error) -> Outcome<'static> {
    if certificate_refused(e) {
        Outcome::Untrusted
    } else {
        Outcome::Failure {
            connect: e.is_connect(),
        }
    }
}

/// Whether rustls refused the server's certificate somewhere in this error chain. rustls reports
/// it inside an `io::Error`, whose `source()` skips the error it wraps, hence `get_ref`.
fn certificate_refused(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        #[cfg(feature = "rustls")]
        if matches!(
            err.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
        ) {
            return true;
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && certificate_refused(inner)
        {
            return true;
        }
        next = err.source();
    }
    false
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

/// `None` for NaN, negative and values too large for a `Duration` (never a panic).
fn secs(s: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(s).ok()
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
    fn post_is_retried_only_when_safe() {
        let c = RetryConfig::default();
        let h = HeaderMap::new();
        let post = Method::POST;
        let get = Method::GET;
        let resp = |s: u16| Outcome::Response(StatusCode::from_u16(s).unwrap(), &h);
        assert!(!c.should_retry(&post, &resp(500)));
        // A bare 503/429 may come after the work was done: not retried.
        assert!(!c.should_retry(&post, &resp(503)));
        assert!(!c.should_retry(&post, &resp(429)));
        let asked = headers(&[("retry-after", "1")]);
        let asked_ms = headers(&[("retry-after-ms", "10")]);
        for s in [
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::TOO_MANY_REQUESTS,
        ] {
            assert!(c.should_retry(&post, &Outcome::Response(s, &asked)));
            assert!(c.should_retry(&post, &Outcome::Response(s, &asked_ms)));
        }
        assert!(!c.should_retry(
            &post,
            &Outcome::Response(StatusCode::INTERNAL_SERVER_ERROR, &asked)
        ));
        assert!(!c.should_retry(&post, &Outcome::Failure { connect: false }));
        assert!(c.should_retry(&post, &Outcome::Failure { connect: true }));
        assert!(c.should_retry(&get, &resp(500)));
        assert!(c.should_retry(&get, &resp(409)));
        assert!(!c.should_retry(&get, &resp(404)));
        assert!(c.should_retry(&get, &Outcome::Failure { connect: false }));
        let yes = headers(&[("x-should-retry", "true")]);
        assert!(c.should_retry(&post, &Outcome::Response(StatusCode::BAD_REQUEST, &yes)));
        let no = headers(&[("x-should-retry", "false")]);
        assert!(!c.should_retry(
            &get,
            &Outcome::Response(StatusCode::SERVICE_UNAVAILABLE, &no)
        ));
    }

    #[test]
    fn non_idempotent_policy_is_configurable() {
        let h = HeaderMap::new();
        let post = Method::POST;
        let bare_503 = Outcome::Response(StatusCode::SERVICE_UNAVAILABLE, &h);
        let always = RetryConfig::default().non_idempotent(NonIdempotentRetry::Always);
        assert!(always.should_retry(&post, &bare_503));
        assert!(always.should_retry(&post, &Outcome::Failure { connect: false }));
        let never = RetryConfig::default().non_idempotent(NonIdempotentRetry::Never);
        assert!(!never.should_retry(&post, &Outcome::Failure { connect: true }));
        let yes = headers(&[("x-should-retry", "true")]);
        assert!(!never.should_retry(&post, &Outcome::Response(StatusCode::BAD_REQUEST, &yes)));
        // Idempotent requests are not affected.
        assert!(never.should_retry(&Method::GET, &bare_503));
    }

    #[test]
    fn hostile_retry_after_values_never_panic() {
        let c = RetryConfig::default();
        let now = SystemTime::now();
        let values = [
            "1e20",
            "18446744073709551616",
            "1e300",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "-1",
            "-0",
            "0x10",
            "",
            "9999999999999999999999999999999",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
        ];
        for v in values {
            for name in ["retry-after", "retry-after-ms"] {
                let h = headers(&[(name, v)]);
                let d = retry_after(&h, now);
                if let Some(d) = c.server_delay(&h) {
                    assert!(d <= Duration::from_secs(60), "{name}: {v} -> {d:?}");
                }
                assert!(d.is_none_or(|d| d < Duration::MAX), "{name}: {v}");
            }
        }
        // A caller's extreme settings are clamped, not a panic.
        let extreme = RetryConfig::default()
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX);
        for retry in [0, 1, 31, u32::MAX] {
            assert!(extreme.backoff(retry) <= Duration::MAX);
        }
    }
}
