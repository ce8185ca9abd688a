//! The one error type of the SDK.
//!
//! API errors come one variant per status class, like the official client's exception classes,
//! and each carries the status, headers, request id, the parsed error code and message when the
//! body has them, and the raw body. `Display` is one line a person can act on: every piece of
//! server text in it is cut to about 1 KB (the accessors keep it whole), and secrets never
//! appear in it (auth and cookie headers are marked sensitive and never printed).
//!
//! [`Error::may_have_been_processed`] says whether a failed request may still have taken effect,
//! which decides whether repeating a POST is safe.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName};

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// 400 Bad Request.
    BadRequest(Box<ApiError>),
    /// 401 Unauthorized: the API key or bearer token was refused.
    Authentication(Box<ApiError>),
    /// 403 Forbidden.
    PermissionDenied(Box<ApiError>),
    /// 404 Not Found.
    NotFound(Box<ApiError>),
    /// 409 Conflict.
    Conflict(Box<ApiError>),
    /// 422 Unprocessable Entity: the server rejected the request's content.
    UnprocessableEntity(Box<ApiError>),
    /// 429 Too Many Requests (after retries).
    RateLimit(Box<ApiError>),
    /// 5xx (after retries).
    InternalServer(Box<ApiError>),
    /// Any other non-success status.
    Status(Box<ApiError>),
    /// No response: connection refused or reset, DNS, TLS.
    Connection {
        /// What was being called.
        context: Box<CallContext>,
        /// The underlying transport error.
        source: reqwest::Error,
    },
    /// A request or an upload ran out of time.
    Timeout {
        /// What was being called.
        context: Box<CallContext>,
        /// What timed out, e.g. "no response within 60s" or "upload stalled for 60s".
        detail: String,
        /// Whether the request may have reached the server in full (see
        /// [`Error::may_have_been_processed`]).
        may_have_been_processed: bool,
    },
    /// A response body larger than the client's limit ([`crate::ClientBuilder::max_response_body`]);
    /// reading stopped at the limit.
    ResponseTooLarge {
        /// What was being called.
        context: Box<CallContext>,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A success response whose body does not match the expected type.
    Decode(Box<DecodeError>),
    /// Input rejected before any request was sent.
    InvalidInput {
        /// The parameter at fault.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Client configuration is incomplete or inconsistent.
    Config(String),
    /// Reading an upload source failed.
    Io {
        /// The file, when the source was a path.
        path: Option<PathBuf>,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A waiter reached its deadline before the resource reached a terminal state.
    WaitTimeout {
        /// The resource polled ("file", "eval", "eval run", "report").
        resource: &'static str,
        /// Its id.
        id: String,
        /// The last status seen.
        last_status: String,
        /// Time spent waiting.
        waited: Duration,
        /// Number of polls made.
        polls: u32,
    },
    /// A waiter saw the resource reach a failed state.
    WaitFailed {
        /// The resource polled.
        resource: &'static str,
        /// Its id.
        id: String,
        /// The terminal status.
        status: String,
        /// What the server said about the failure, when it said anything.
        message: Option<String>,
    },
    /// A paginated walk could not continue safely.
    Pagination {
        /// The operation being paged.
        operation: &'static str,
        /// The offset at which the walk stopped.
        offset: u64,
        /// Why.
        reason: String,
    },
    /// An upload flow could not be completed after the server accepted part of it (e.g. it
    /// returned no upload URL for a created file).
    Upload(String),
    /// A blocking call was made from inside an async runtime.
    BlockingInAsync,
}

/// Where a failed call was going.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CallContext {
    /// The OpenAPI operation id, e.g. `files_get`.
    pub operation: &'static str,
    /// HTTP method.
    pub method: reqwest::Method,
    /// URL path (no query).
    pub path: String,
    /// Attempts made, retries included.
    pub attempts: u32,
}

impl fmt::Display for CallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} {})",
            self.operation,
            self.method,
            Capped(&self.path)
        )?;
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

/// A response with a non-success status.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The server's request id (`x-request-id` header, else the body's `error.request_id`).
    pub request_id: Option<String>,
    /// The error code from the body (e.g. `resource.not_found`), when present.
    pub code: Option<String>,
    /// The human-readable message from the body, when present.
    pub message: Option<String>,
    /// The raw body text.
    pub body: String,
    /// What was being called.
    pub context: CallContext,
}

impl ApiError {
    /// Parses what it can from an error body; any body is accepted.
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        body: String,
        context: CallContext,
    ) -> Self {
        let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
        let field =
            |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        let (mut code, mut message, mut body_request_id) = (None, None, None);
        if let Some(j) = &json {
            if let Some(e) = j.get("error").filter(|e| e.is_object()) {
                code = field(e, "code");
                message = field(e, "message");
                body_request_id = field(e, "request_id");
            }
            // Other common shapes: {"detail": "..."}, {"detail": [{"msg": ...}]}, {"message": ...}.
            message = message
                .or_else(|| field(j, "message"))
                .or_else(|| match j.get("detail") {
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Array(items)) => Some(
                        items
                            .iter()
                            .map(|i| {
                                let loc = i.get("loc").map(|l| l.to_string()).unwrap_or_default();
                                let msg = field(i, "msg").unwrap_or_else(|| i.to_string());
                                if loc.is_empty() {
                                    msg
                                } else {
                                    format!("{loc}: {msg}")
                                }
                            })
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                    _ => None,
                });
            code = code.or_else(|| field(j, "code"));
        } else if !body.trim().is_empty() {
            message = Some(snippet(body.trim(), 200));
        }
        let request_id = header_request_id(&headers).or(body_request_id);
        let headers = redact_headers(headers);
        Self {
            status,
            headers,
            request_id,
            code,
            message,
            body,
            context,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} from {}", self.status, self.context)?;
        if let Some(m) = &self.message {
            write!(f, ": {}", Capped(m))?;
        }
        if let Some(c) = &self.code {
            write!(f, " [{}]", Capped(c))?;
        }
        if let Some(r) = &self.request_id {
            write!(f, " (request id {})", Capped(r))?;
        }
        Ok(())
    }
}

/// Header names whose values are secrets, in requests and responses.
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    [
        "x-api-key",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ]
    .iter()
    .any(|s| name.eq_ignore_ascii_case(s))
}

/// Marks secret header values so that `Debug` prints `Sensitive` instead.
fn redact_headers(mut headers: HeaderMap) -> HeaderMap {
    for (name, value) in headers.iter_mut() {
        if is_sensitive_header(name.as_str()) {
            value.set_sensitive(true);
        }
    }
    headers
}

/// Longest piece of server text `Display` writes.
pub(crate) const DISPLAY_CAP: usize = 1024;

/// Displays at most [`DISPLAY_CAP`] bytes of a string (cut at a character boundary), then a
/// marker saying how long it really is.
pub(crate) struct Capped<'a>(pub(crate) &'a str);

impl Capped<'_> {
    fn head(&self) -> Option<&str> {
        (self.0.len() > DISPLAY_CAP).then(|| prefix(self.0, DISPLAY_CAP))
    }
}

impl fmt::Display for Capped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.head() {
            None => f.write_str(self.0),
            Some(head) => write!(f, "{head}… [cut: {} bytes in all]", self.0.len()),
        }
    }
}

impl fmt::Debug for Capped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.head() {
            None => write!(f, "{:?}", self.0),
            Some(head) => write!(f, "{head:?}… [cut: {} bytes in all]", self.0.len()),
        }
    }
}

/// Writes `value`'s `Display` through a window of [`DISPLAY_CAP`] bytes, for values (such as a
/// serde error quoting the body) whose text comes from the server.
struct CappedDisplay<T>(T);

impl<T: fmt::Display> fmt::Display for CappedDisplay<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Window<'a, 'b> {
            out: &'a mut fmt::Formatter<'b>,
            left: usize,
            total: usize,
        }
        impl fmt::Write for Window<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.total = self.total.saturating_add(s.len());
                if self.left == 0 {
                    return Ok(());
                }
                let take = prefix(s, self.left);
                self.left = if take.len() < s.len() {
                    0
                } else {
                    self.left.saturating_sub(take.len())
                };
                self.out.write_str(take)
            }
        }
        let mut w = Window {
            out: f,
            left: DISPLAY_CAP,
            total: 0,
        };
        fmt::write(&mut w, format_args!("{}", self.0))?;
        if w.total > DISPLAY_CAP {
            write!(w.out, "… [cut: {} bytes in all]", w.total)?;
        }
        Ok(())
    }
}

/// A success response that could not be decoded.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The HTTP status, when known.
    pub status: Option<StatusCode>,
    /// The server's request id, when known.
    pub request_id: Option<String>,
    /// Path of the field that failed, e.g. `items[3].created_at`.
    pub path: Option<String>,
    /// The first bytes of the body.
    pub body_snippet: String,
    /// What was being called.
    pub context: CallContext,
    /// The serde error.
    pub source: serde_json::Error,
}

pub(crate) fn header_request_id(headers: &HeaderMap) -> Option<String> {
    request_id_value(headers)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The request-id header's value, without copying it.
pub(crate) fn request_id_value(headers: &HeaderMap) -> Option<&reqwest::header::HeaderValue> {
    // Header names built at compile time: a lookup by `&str` parses the name every time.
    const NAMES: [HeaderName; 3] = [
        HeaderName::from_static("x-request-id"),
        HeaderName::from_static("request-id"),
        HeaderName::from_static("x-amzn-requestid"),
    ];
    NAMES.iter().find_map(|h| headers.get(h))
}

pub(crate) fn snippet(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    format!("{}…", prefix(s, max))
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let end = (0..=max)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0);
    s.get(..end).unwrap_or_default()
}

impl Error {
    /// Builds the status-specific variant for an error response.
    pub(crate) fn from_api(e: ApiError) -> Self {
        let e = Box::new(e);
        match e.status.as_u16() {
            400 => Self::BadRequest(e),
            401 => Self::Authentication(e),
            403 => Self::PermissionDenied(e),
            404 => Self::NotFound(e),
            409 => Self::Conflict(e),
            422 => Self::UnprocessableEntity(e),
            429 => Self::RateLimit(e),
            500..=599 => Self::InternalServer(e),
            _ => Self::Status(e),
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The API error details, for any status variant.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::BadRequest(e)
            | Self::Authentication(e)
            | Self::PermissionDenied(e)
            | Self::NotFound(e)
            | Self::Conflict(e)
            | Self::UnprocessableEntity(e)
            | Self::RateLimit(e)
            | Self::InternalServer(e)
            | Self::Status(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Decode(d) => d.status,
            _ => self.api_error().map(|e| e.status),
        }
    }

    /// The server's request id, when the server answered with one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Decode(d) => d.request_id.as_deref(),
            _ => self.api_error().and_then(|e| e.request_id.as_deref()),
        }
    }

    /// `true` for 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound(_))
    }

    /// `true` for 429.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Self::RateLimit(_))
    }

    /// `true` for timeouts of requests and uploads.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether the request may have been received and acted on by the server although it
    /// failed, so that repeating a POST could do the work twice. `false` when the failure proves
    /// the request was not processed: rejected before sending ([`Error::InvalidInput`],
    /// [`Error::Config`], [`Error::Io`]), the connection was never established, the upload body
    /// was never sent in full, or the server answered 408, 429, a 4xx, a 503 with `Retry-After`,
    /// or `x-should-retry: true`. `true` otherwise: the connection failed after the request was
    /// sent, the response timed out or was cut short, a 5xx, or a success that could not be
    /// decoded. Repeating a GET, PUT or DELETE is safe either way.
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Self::Connection { source, .. } => !source.is_connect(),
            Self::Timeout {
                may_have_been_processed,
                ..
            } => *may_have_been_processed,
            Self::Decode(_) | Self::ResponseTooLarge { .. } | Self::Upload(_) => true,
            Self::InvalidInput { .. }
            | Self::Config(_)
            | Self::Io { .. }
            | Self::WaitTimeout { .. }
            | Self::WaitFailed { .. }
            | Self::Pagination { .. }
            | Self::BlockingInAsync => false,
            _ => self.api_error().is_some_and(|e| {
                if crate::retry::server_asked_for_retry(e.status, &e.headers) == Some(true) {
                    return false;
                }
                let code = e.status.as_u16();
                !(matches!(code, 408 | 429) || e.status.is_client_error())
            }),
        }
    }

    /// `true` when trying again later could succeed: connection errors, timeouts, 408, 409,
    /// 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Connection { .. } | Self::Timeout { .. } => true,
            _ => self
                .status()
                .is_some_and(|s| matches!(s.as_u16(), 408 | 409 | 429) || s.is_server_error()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRequest(e)
            | Self::Authentication(e)
            | Self::PermissionDenied(e)
            | Self::NotFound(e)
            | Self::Conflict(e)
            | Self::UnprocessableEntity(e)
            | Self::RateLimit(e)
            | Self::InternalServer(e)
            | Self::Status(e) => {
                write!(f, "{e}")?;
                if matches!(self, Self::Authentication(_)) {
                    f.write_str("; check AYMARA_AI_API_KEY or the key given to the client")?;
                }
                Ok(())
            }
            Self::Connection { context, source } => {
                write!(f, "connection error calling {context}: {}", CappedDisplay(source))?;
                let mut cause = std::error::Error::source(source);
                while let Some(c) = cause {
                    write!(f, ": {}", CappedDisplay(c))?;
                    cause = c.source();
                }
                if !source.is_connect() && !crate::retry::is_idempotent(&context.method) {
                    f.write_str(" (the request may have been processed)")?;
                }
                Ok(())
            }
            Self::Timeout { context, detail, may_have_been_processed } => {
                write!(f, "timed out calling {context}: {detail}")?;
                if *may_have_been_processed && !crate::retry::is_idempotent(&context.method) {
                    f.write_str(" (the request may have been processed)")?;
                }
                Ok(())
            }
            Self::ResponseTooLarge { context, limit } => write!(
                f,
                "the response of {context} is larger than the client's limit of {limit} bytes"
            ),
            Self::Decode(d) => {
                write!(f, "could not decode the response of {}", d.context)?;
                if let Some(s) = d.status {
                    write!(f, " (status {s})")?;
                }
                if let Some(p) = &d.path {
                    write!(f, " at `{}`", Capped(p))?;
                }
                write!(
                    f,
                    ": {}; body starts {:?}",
                    CappedDisplay(&d.source),
                    Capped(&d.body_snippet)
                )
            }
            Self::InvalidInput { field, reason } => {
                write!(f, "invalid `{}`: {}", Capped(field), Capped(reason))
            }
            Self::Config(m) => write!(f, "client configuration: {m}"),
            Self::Io { path: Some(p), source } => write!(f, "reading {}: {source}", p.display()),
            Self::Io { path: None, source } => write!(f, "reading the upload source: {source}"),
            Self::WaitTimeout { resource, id, last_status, waited, polls } => write!(
                f,
                "{resource} {} still `{}` after waiting {:.1}s ({polls} polls); raise the waiter's timeout or check the {resource} later",
                Capped(id),
                Capped(last_status),
                waited.as_secs_f64()
            ),
            Self::WaitFailed { resource, id, status, message } => {
                write!(f, "{resource} {} ended `{}`", Capped(id), Capped(status))?;
                if let Some(m) = message {
                    write!(f, ": {}", Capped(m))?;
                }
                Ok(())
            }
            Self::Pagination { operation, offset, reason } => {
                write!(f, "pagination of {operation} stopped at offset {offset}: {}", Capped(reason))
            }
            Self::Upload(m) => write!(f, "upload failed: {}", Capped(m)),
            Self::BlockingInAsync => f.write_str(
                "aymara::blocking was called from inside an async runtime; use the async client there",
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Connection { source, .. } => Some(source),
            Self::Decode(d) => Some(&d.source),
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
