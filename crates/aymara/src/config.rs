//! Client configuration: credentials, environment, timeouts, retries and defaults.
//!
//! Every option falls back to the official client's environment variable when it is not set on
//! the builder (unless [`ClientBuilder::without_env`] is used):
//!
//! | option | variable |
//! |---|---|
//! | API key (required) | `AYMARA_AI_API_KEY` |
//! | bearer token | `AYMARA_AI_BEARER_TOKEN` |
//! | sandbox | `AYMARA_AI_USE_SANDBOX` (`true`, `1` or `on`) |
//! | base URL | `AYMARA_AI_BASE_URL` |

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::Client;
use crate::error::{Capped, Error};
use crate::options::HeaderList;
use crate::retry::RetryConfig;

/// A named deployment of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://api.aymara.ai` (the default).
    Production,
    /// `https://staging-api.aymara.ai`.
    Staging,
    /// `http://localhost:8000`.
    Development,
}

impl Environment {
    /// The base URL of this environment.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Production => "https://api.aymara.ai",
            Self::Staging => "https://staging-api.aymara.ai",
            Self::Development => "http://localhost:8000",
        }
    }
}

/// A credential that never shows up in `Debug` output.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

/// Default total timeout of one request attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept per host by the client the SDK builds. Enough for a few dozen calls in
/// flight to reuse their connections instead of closing and reopening them after each burst
/// (20 did that at 32 in flight); idle connections still close after reqwest's 90 s.
pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = 64;
/// Default upload stall timeout: an upload fails when no byte was sent for this long.
pub const DEFAULT_UPLOAD_STALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit on a response body read into memory (64 MiB).
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 64 * 1024 * 1024;

/// Builds a [`Client`]. Obtain one with [`Client::builder`].
///
/// ```no_run
/// # fn main() -> Result<(), aymara::Error> {
/// let client = aymara::Client::builder()
///     .api_key("my-key")
///     .timeout(std::time::Duration::from_secs(30))
///     .max_retries(4)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientBuilder {
    api_key: Option<Secret>,
    bearer_token: Option<Secret>,
    sandbox: Option<bool>,
    environment: Option<Environment>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    upload_stall_timeout: Option<Duration>,
    retry: Option<RetryConfig>,
    max_response_body: Option<u64>,
    default_headers: HeaderList,
    default_query: Vec<(String, String)>,
    http_client: Option<reqwest::Client>,
    without_env: bool,
}

impl ClientBuilder {
    /// The API key, sent as `x-api-key` (falls back to `AYMARA_AI_API_KEY`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(Secret(key.into()));
        self
    }

    /// A bearer token, sent as `Authorization: Bearer …` in addition to the API key
    /// (falls back to `AYMARA_AI_BEARER_TOKEN`).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(Secret(token.into()));
        self
    }

    /// Sends `X-Use-Sandbox: True` on every request (falls back to `AYMARA_AI_USE_SANDBOX`).
    pub fn sandbox(mut self, sandbox: bool) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    /// One of the named deployments. Cannot be combined with a base URL.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// An explicit base URL, e.g. a local emulator (falls back to `AYMARA_AI_BASE_URL`).
    /// A path prefix is kept: `https://host/prefix` gives `https://host/prefix/v2/evals`.
    /// Only `http` and `https` URLs with a host and without query, fragment or credentials are
    /// accepted.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Total time allowed for one attempt of a request (default 60 s). Uploads use the stall
    /// timeout for their body instead, so a large upload is not cut off while bytes flow.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time allowed to open a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// An upload fails when no byte of its body was sent for this long (default 60 s).
    pub fn upload_stall_timeout(mut self, timeout: Duration) -> Self {
        self.upload_stall_timeout = Some(timeout);
        self
    }

    /// Maximum number of retries after the first attempt (default 2; 0 disables retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = Some(self.retry.unwrap_or_default().max_retries(retries));
        self
    }

    /// The whole retry policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// A header sent on every request (per-request headers override it).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push(name.into(), value.into(), false);
        self
    }

    /// A header sent on every request whose value is a secret: never shown in `Debug`.
    pub fn sensitive_default_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.default_headers.push(name.into(), value.into(), true);
        self
    }

    /// Largest response body read into memory (default 64 MiB); a larger one fails with
    /// [`Error::ResponseTooLarge`] instead of exhausting memory.
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.max_response_body = Some(bytes);
        self
    }

    /// A query parameter added to every request (per-request query parameters override it).
    pub fn default_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_query.push((name.into(), value.into()));
        self
    }

    /// Uses a caller-built `reqwest::Client` (proxies, TLS roots, pool settings). Its own
    /// timeouts apply in addition to the SDK's; auth and defaults are still added per request.
    /// Its TLS is its own: the SDK's `ring` configuration applies only to the client it builds.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Ignores the `AYMARA_AI_*` environment variables.
    pub fn without_env(mut self) -> Self {
        self.without_env = true;
        self
    }

    /// Builds the client. Fails with [`Error::Config`] when no API key is set, when both an
    /// environment and a base URL are given, or when a URL or header is malformed.
    pub fn build(self) -> Result<Client, Error> {
        let without_env = self.without_env;
        let env = move |name: &str| {
            if without_env {
                None
            } else {
                std::env::var(name).ok().filter(|v| !v.is_empty())
            }
        };
        self.build_with(env)
    }

    pub(crate) fn build_with(self, env: impl Fn(&str) -> Option<String>) -> Result<Client, Error> {
        let config_err = |msg: String| Error::Config(msg);

        let api_key = match self
            .api_key
            .or_else(|| env("AYMARA_AI_API_KEY").map(Secret))
        {
            Some(k) if !k.0.trim().is_empty() => k,
            _ => {
                return Err(config_err(
                    "no API key: call ClientBuilder::api_key or set AYMARA_AI_API_KEY".into(),
                ));
            }
        };
        let bearer = self
            .bearer_token
            .or_else(|| env("AYMARA_AI_BEARER_TOKEN").map(Secret));
        let sandbox = self.sandbox.unwrap_or_else(|| {
            env("AYMARA_AI_USE_SANDBOX")
                .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "on"))
        });

        // Same order and ambiguity rule as the official client.
        let base_url = match (self.base_url, self.environment) {
            (Some(_), Some(_)) => {
                return Err(config_err(
                    "both a base URL and an environment were given; pick one".into(),
                ));
            }
            (Some(url), None) => url,
            (None, Some(e)) => {
                if env("AYMARA_AI_BASE_URL").is_some() {
                    return Err(config_err(
                        "an environment was given while AYMARA_AI_BASE_URL is set; pick one".into(),
                    ));
                }
                e.base_url().to_string()
            }
            (None, None) => env("AYMARA_AI_BASE_URL")
                .unwrap_or_else(|| Environment::Production.base_url().to_string()),
        };
        let base_url = check_base_url(&base_url)?;

        let mut headers = HeaderMap::new();
        let mut key = HeaderValue::from_str(&api_key.0).map_err(|_| {
            config_err("the API key contains characters not allowed in a header".into())
        })?;
        key.set_sensitive(true);
        headers.insert(HeaderName::from_static("x-api-key"), key);
        if let Some(token) = &bearer {
            let mut v = HeaderValue::from_str(&format!("Bearer {}", token.0)).map_err(|_| {
                config_err("the bearer token contains characters not allowed in a header".into())
            })?;
            v.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        headers.insert(
            HeaderName::from_static("x-use-sandbox"),
            HeaderValue::from_static(if sandbox { "True" } else { "False" }),
        );
        headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_static(concat!("aymara-rust/", env!("CARGO_PKG_VERSION"))),
        );
        headers.extend(self.default_headers.to_header_map()?);

        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let http = match self.http_client {
            Some(c) => c,
            None => {
                let builder = reqwest::Client::builder()
                    .connect_timeout(connect_timeout)
                    .pool_max_idle_per_host(DEFAULT_POOL_MAX_IDLE_PER_HOST);
                #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
                let builder = builder.tls_backend_preconfigured(
                    crate::http::tls::client_config()
                        .map_err(|e| config_err(format!("setting up TLS: {e}")))?,
                );
                builder
                    .build()
                    .map_err(|e| config_err(format!("building the HTTP client: {e}")))?
            }
        };

        Ok(Client::from_config(Config {
            base_url,
            headers,
            default_query: self.default_query,
            timeout,
            upload_stall_timeout: self
                .upload_stall_timeout
                .unwrap_or(DEFAULT_UPLOAD_STALL_TIMEOUT),
            retry: self.retry.unwrap_or_default(),
            max_response_body: self.max_response_body.unwrap_or(DEFAULT_MAX_RESPONSE_BODY),
            sandbox,
            http,
        }))
    }
}

/// The base URL without trailing `/`, or why it cannot be one: requests are built by appending
/// `/v2/...`, so a query or fragment would swallow the path, and credentials in it would show
/// up wherever the URL is printed.
fn check_base_url(url: &str) -> Result<String, Error> {
    let shown = Capped(url);
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Config(format!("invalid base URL {shown:?}: {e}")))?;
    let problem = if !matches!(parsed.scheme(), "http" | "https") {
        Some("must be http or https")
    } else if parsed.host_str().is_none_or(str::is_empty) {
        Some("has no host")
    } else if parsed.query().is_some() {
        Some("must not have a query (`?`); use ClientBuilder::default_query")
    } else if parsed.fragment().is_some() {
        Some("must not have a fragment (`#`)")
    } else if !parsed.username().is_empty() || parsed.password().is_some() {
        Some("must not contain credentials; use ClientBuilder::api_key")
    } else {
        None
    };
    match problem {
        // Not echoed when it carries credentials.
        Some(p) if p.contains("credentials") => Err(Error::Config(format!("the base URL {p}"))),
        Some(p) => Err(Error::Config(format!("base URL {shown:?} {p}"))),
        None => Ok(url.trim_end_matches('/').to_string()),
    }
}

/// The resolved configuration a [`Client`] runs with.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) base_url: String,
    /// Auth, sandbox, user agent and caller defaults; sensitive values are marked so.
    pub(crate) headers: HeaderMap,
    pub(crate) default_query: Vec<(String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) upload_stall_timeout: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) max_response_body: u64,
    pub(crate) sandbox: bool,
    pub(crate) http: reqwest::Client,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn missing_key_is_a_config_error() {
        let err = ClientBuilder::default()
            .build_with(env_of(&[]))
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        assert!(err.to_string().contains("AYMARA_AI_API_KEY"), "{err}");
    }

    #[test]
    fn env_fallbacks_apply() {
        let c = ClientBuilder::default()
            .build_with(env_of(&[
                ("AYMARA_AI_API_KEY", "k"),
                ("AYMARA_AI_USE_SANDBOX", "on"),
                ("AYMARA_AI_BASE_URL", "http://127.0.0.1:9/prefix/"),
                ("AYMARA_AI_BEARER_TOKEN", "tok"),
            ]))
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9/prefix");
        assert!(c.config().sandbox);
        assert_eq!(c.config().headers["x-use-sandbox"], "True");
        assert_eq!(c.config().headers["authorization"], "Bearer tok");
    }

    #[test]
    fn environment_and_base_url_env_is_ambiguous() {
        let err = ClientBuilder::default()
            .environment(Environment::Staging)
            .build_with(env_of(&[
                ("AYMARA_AI_API_KEY", "k"),
                ("AYMARA_AI_BASE_URL", "http://x"),
            ]))
            .unwrap_err();
        assert!(err.to_string().contains("AYMARA_AI_BASE_URL"), "{err}");
        let ok = ClientBuilder::default()
            .environment(Environment::Staging)
            .build_with(env_of(&[("AYMARA_AI_API_KEY", "k")]))
            .unwrap();
        assert_eq!(ok.base_url(), "https://staging-api.aymara.ai");
    }

    #[test]
    fn base_urls_that_would_misroute_are_rejected() {
        for bad in [
            "http://host/?x=1",
            "http://host/#f",
            "http://host?x",
            "ftp://host",
            "file:///etc",
            "http://user:pw@host",
            "mailto:a@b",
            "http://",
            "not a url",
        ] {
            let err = ClientBuilder::default()
                .api_key("k")
                .base_url(bad)
                .build_with(env_of(&[]))
                .unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
            assert!(!err.to_string().contains("pw@"), "{err}");
        }
        let ok = ClientBuilder::default()
            .api_key("k")
            .base_url("https://host:8443/prefix/")
            .build_with(env_of(&[]))
            .unwrap();
        assert_eq!(ok.base_url(), "https://host:8443/prefix");
    }

    #[test]
    fn key_is_not_in_debug() {
        let c = ClientBuilder::default()
            .api_key("super-secret-key")
            .bearer_token("super-secret-token")
            .build_with(env_of(&[]))
            .unwrap();
        let builder = ClientBuilder::default()
            .api_key("super-secret-key")
            .default_header("x-api-key", "super-secret-default")
            .default_header("Authorization", "Bearer super-secret-auth")
            .default_header("cookie", "super-secret-cookie")
            .default_header("proxy-authorization", "super-secret-proxy")
            .sensitive_default_header("x-custom-token", "super-secret-custom")
            .default_header("x-visible", "shown");
        let dbg = format!(
            "{c:?} {builder:?} {:?}",
            builder.clone().build_with(env_of(&[])).unwrap()
        );
        assert!(!dbg.contains("super-secret"), "{dbg}");
        assert!(dbg.contains("shown"), "{dbg}");
    }
}
