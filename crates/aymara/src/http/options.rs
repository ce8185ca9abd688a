//! Per-request options: the Rust form of the official client's `extra_headers`, `extra_query`,
//! `extra_body` and `timeout`, plus `max_retries`.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Capped, Error, is_sensitive_header};

/// Options for one call. Every request builder in the SDK exposes them through the same
/// methods (`header`, `query`, `extra_body`, `timeout`, `max_retries`), or all at once with
/// `options(..)`. `Debug` prints the values of secret headers (`x-api-key`, `authorization`,
/// `proxy-authorization`, `cookie`, and any set with
/// [`sensitive_header`](Self::sensitive_header)) as `<redacted>`.
#[derive(Clone, Debug, Default)]
pub struct RequestOptions {
    pub(crate) headers: HeaderList,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) extra_body: serde_json::Map<String, serde_json::Value>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_retries: Option<u32>,
}

impl RequestOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or overrides) a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(name.into(), value.into(), false);
        self
    }

    /// Adds (or overrides) a header whose value is a secret: never shown in `Debug`, errors or
    /// logs.
    pub fn sensitive_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push(name.into(), value.into(), true);
        self
    }

    /// Adds (or overrides) a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a field to the JSON body, overriding a field of the same name.
    pub fn extra_body(
        mut self,
        name: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.extra_body.insert(name.into(), value.into());
        self
    }

    /// Time allowed for each attempt of this call, overriding the client's timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries allowed for this call, overriding the client's setting.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Checks names and values before anything is sent.
    pub(crate) fn validate(&self, has_json_body: bool) -> Result<HeaderMap, Error> {
        let headers = self.headers.to_header_map()?;
        if let Some((name, _)) = self.query.iter().find(|(n, _)| n.is_empty()) {
            return Err(Error::invalid(
                "query",
                format!("empty query parameter name (value for {name:?})"),
            ));
        }
        if !self.extra_body.is_empty() && !has_json_body {
            return Err(Error::invalid(
                "extra_body",
                "this operation sends no JSON body; use query() or header() instead",
            ));
        }
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::invalid("timeout", "must be greater than zero"));
        }
        Ok(headers)
    }
}

/// Headers as the caller gave them, validated when a request is built. `Debug` redacts secrets.
#[derive(Clone, Default)]
pub(crate) struct HeaderList(Vec<HeaderEntry>);

#[derive(Clone)]
struct HeaderEntry {
    name: String,
    value: String,
    sensitive: bool,
}

impl HeaderList {
    pub(crate) fn push(&mut self, name: String, value: String, sensitive: bool) {
        let sensitive = sensitive || is_sensitive_header(&name);
        self.0.push(HeaderEntry {
            name,
            value,
            sensitive,
        });
    }

    /// Checks names and values; later entries override earlier ones.
    pub(crate) fn to_header_map(&self) -> Result<HeaderMap, Error> {
        let mut headers = HeaderMap::new();
        for e in &self.0 {
            let (n, v) = header_pair(&e.name, &e.value, e.sensitive)?;
            headers.insert(n, v);
        }
        Ok(headers)
    }
}

impl fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|e| {
                let value: &dyn fmt::Debug = if e.sensitive { &Redacted } else { &e.value };
                (&e.name, value)
            }))
            .finish()
    }
}

/// Prints `<redacted>` in place of a secret.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

fn header_pair(
    name: &str,
    value: &str,
    sensitive: bool,
) -> Result<(HeaderName, HeaderValue), Error> {
    let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        Error::invalid(
            "header",
            format!("{:?} is not a valid header name", Capped(name)),
        )
    })?;
    // The value is not repeated: it may be a secret.
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::invalid(
            "header",
            format!(
                "the value of {:?} is not a valid header value (control characters or non-ASCII)",
                Capped(name)
            ),
        )
    })?;
    if sensitive {
        v.set_sensitive(true);
    }
    Ok((n, v))
}

/// The per-request option setters, shared by every request builder.
macro_rules! option_setters {
    () => {
        $crate::options::option_setters!(options);
    };
    ($($field:ident).+) => {
        /// Adds (or overrides) a header on this call.
        pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.$($field).+ = self.$($field).+.header(name, value);
            self
        }

        /// Adds (or overrides) a header whose value is a secret: never shown in `Debug`.
        pub fn sensitive_header(
            mut self,
            name: impl Into<String>,
            value: impl Into<String>,
        ) -> Self {
            self.$($field).+ = self.$($field).+.sensitive_header(name, value);
            self
        }

        /// Adds (or overrides) a query parameter on this call.
        pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.$($field).+ = self.$($field).+.query(name, value);
            self
        }

        /// Adds a field to this call's JSON body (an error for calls without a JSON body).
        pub fn extra_body(
            mut self,
            name: impl Into<String>,
            value: impl Into<serde_json::Value>,
        ) -> Self {
            self.$($field).+ = self.$($field).+.extra_body(name, value);
            self
        }

        /// Time allowed for each attempt of this call.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.$($field).+ = self.$($field).+.timeout(timeout);
            self
        }

        /// Retries allowed for this call.
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.$($field).+ = self.$($field).+.max_retries(retries);
            self
        }

        /// Replaces all per-request options at once.
        pub fn options(mut self, options: $crate::options::RequestOptions) -> Self {
            self.$($field).+ = options;
            self
        }
    };
}
pub(crate) use option_setters;
