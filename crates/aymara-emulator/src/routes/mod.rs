//! The router (all 31 endpoints plus the emulator's own `/_emulator/*` URLs) and the shared
//! extractors: query parameters with validation, JSON bodies decoded into `aymara_raw::types`
//! with field-naming errors, and pagination.

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{Method, Uri};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, patch, post, put};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::middleware;
use crate::state::SharedState;

pub(crate) mod eval_types;
pub(crate) mod evals;
pub(crate) mod files;
pub(crate) mod health;
pub(crate) mod reports;
pub(crate) mod runs;

/// Largest JSON request body accepted (64 MiB).
const JSON_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// Default page size of the paginated lists.
pub(crate) const DEFAULT_LIMIT: usize = 100;
/// Largest page size of the paginated lists.
pub(crate) const MAX_LIMIT: usize = 1000;

/// Builds the application. Literal `-` segments are static routes, which the router always
/// prefers over a parameter in the same position.
pub(crate) fn router(state: SharedState) -> Router {
    // Uploads stream to disk chunk by chunk: no body limit there.
    let uploads = Router::new()
        .route("/v2/files/-/uploads", post(files::upload))
        .route("/_emulator/upload/{file_uuid}", put(files::presigned_put))
        .layer(DefaultBodyLimit::disable());

    Router::new()
        .route("/health/", get(health::check))
        // Evals.
        .route("/v2/evals", post(evals::create).get(evals::list))
        .route(
            "/v2/evals/{eval_uuid}",
            get(evals::get).put(evals::update).delete(evals::delete),
        )
        .route("/v2/evals/{eval_uuid}/prompts", get(evals::list_prompts))
        .route("/v2/eval-analysis", post(evals::analyze))
        // Eval runs.
        .route("/v2/eval-runs", post(runs::create).get(runs::list))
        .route(
            "/v2/eval-runs/-/score-responses",
            post(runs::score_responses),
        )
        .route(
            "/v2/eval-runs/{eval_run_uuid}",
            get(runs::get).delete(runs::delete),
        )
        .route(
            "/v2/eval-runs/{eval_run_uuid}/responses",
            get(runs::list_responses),
        )
        .route(
            "/v2/eval-runs/{eval_run_uuid}/responses/{response_uuid}",
            patch(runs::update_response),
        )
        .route(
            "/v2/eval-runs/{eval_run_uuid}/responses/{response_uuid}/history",
            get(runs::get_response_history),
        )
        // Eval types.
        .route("/v2/eval-types", get(eval_types::list))
        .route(
            "/v2/eval-types/-/instructions",
            get(eval_types::find_instructions),
        )
        .route("/v2/eval-types/{eval_type_uuid}", get(eval_types::get))
        .route(
            "/v2/eval-types/{eval_type_uuid}/instructions",
            get(eval_types::list_instructions),
        )
        // Reports.
        .route("/v2/eval-reports", post(reports::create).get(reports::list))
        .route(
            "/v2/eval-reports/{report_uuid}",
            get(reports::get).delete(reports::delete),
        )
        // Files.
        .route("/v2/files", post(files::create).get(files::list))
        .route(
            "/v2/files/{file_uuid}",
            get(files::get).delete(files::delete),
        )
        .route("/v2/files/{file_uuid}/frames", get(files::frames))
        .route("/v2/files/{file_uuid}/status", get(files::status))
        // The emulator's stand-ins for object storage.
        .route("/_emulator/files/{file_uuid}/content", get(files::content))
        .route(
            "/_emulator/files/{file_uuid}/frames/{frame}",
            get(files::frame_png),
        )
        .merge(uploads)
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), middleware::pipeline))
        .with_state(state)
}

async fn fallback(method: Method, uri: Uri) -> ApiError {
    ApiError::for_status(
        axum::http::StatusCode::NOT_FOUND,
        method.as_str(),
        uri.path(),
        "",
    )
}

/// The query string as `(name, value)` pairs, with validating accessors. Empty values count as
/// absent (the official SDK never sends them).
pub(crate) struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match Query::<Vec<(String, String)>>::try_from_uri(&parts.uri) {
            Ok(Query(pairs)) => Ok(Self(pairs)),
            Err(err) => Err(ApiError::invalid_format(format!(
                "invalid query string: {}",
                err.body_text()
            ))),
        }
    }
}

impl Params {
    /// First non-empty value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// First non-empty value of `name`, owned.
    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    /// A required parameter (422 naming it when absent).
    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::invalid_param(name, format!("query parameter `{name}` is required"))
        })
    }

    /// An optional boolean: `true` or `false` (any case).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid_param(
                name,
                format!("query parameter `{name}` must be `true` or `false`, got `{v}`"),
            )),
        }
    }

    /// `limit` (default 100, at most 1000: the spec sets no maximum, but the emulator has
    /// always refused larger pages with a 422 and clients rely on it) and `offset` (default 0; a
    /// value too large for the machine saturates). Types and minimums were checked against the
    /// spec already.
    pub fn page(&self) -> Result<Page, ApiError> {
        let number = |name: &str, default: usize| -> Result<usize, ApiError> {
            match self.get(name) {
                None => Ok(default),
                Some(v) if v.bytes().all(|b| b.is_ascii_digit()) => {
                    Ok(v.parse::<usize>().unwrap_or(usize::MAX))
                }
                Some(v) => Err(ApiError::invalid_param(
                    name,
                    format!("query parameter `{name}` must be a non-negative integer, got `{v}`"),
                )),
            }
        };
        let limit = number("limit", DEFAULT_LIMIT)?;
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_param(
                "limit",
                format!("query parameter `limit` must be between 1 and {MAX_LIMIT}, got {limit}"),
            ));
        }
        let offset = number("offset", 0)?;
        Ok(Page { limit, offset })
    }
}

/// Offset pagination.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Page {
    pub limit: usize,
    pub offset: usize,
}

impl Page {
    /// Applies the page to `items` (already filtered, in order), mapping only the items kept.
    /// Returns the page and the total number of items (`count`).
    pub fn apply<I, T, U>(&self, items: I, mut map: impl FnMut(T) -> U) -> (Vec<U>, i64)
    where
        I: IntoIterator<Item = T>,
    {
        let mut total = 0usize;
        let mut page = Vec::new();
        for item in items {
            if total >= self.offset && page.len() < self.limit {
                page.push(map(item));
            }
            total = total.saturating_add(1);
        }
        (page, i64::try_from(total).unwrap_or(i64::MAX))
    }
}

/// A JSON body decoded into `T` (an `aymara_raw::types` struct).
///
/// Unparseable JSON → 400 `validation.invalid_format`; well-formed JSON that does not fit `T`
/// (wrong type, missing required field, ...) → 422 `validation.invalid_request` whose message
/// and `details.field` name the field path, e.g. `responses[0].prompt_uuid`.
pub(crate) struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), JSON_BODY_LIMIT)
            .await
            .map_err(|err| {
                ApiError::new(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "validation.invalid_request",
                    format!(
                        "could not read the request body (limit {JSON_BODY_LIMIT} bytes): {err}"
                    ),
                )
            })?;
        decode_json(&bytes).map(Self)
    }
}

/// Decodes `bytes` as `T` (see [`JsonBody`]).
pub(crate) fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first (cheap, allocates nothing), so malformed JSON is always a 400 even when the
    // part before the error would already be missing a required field.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|err| ApiError::invalid_format(format!("malformed JSON body: {err}")))?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => value,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.classify() != serde_json::error::Category::Data {
                return Err(ApiError::invalid_format(format!(
                    "malformed JSON body: {inner}"
                )));
            }
            let message = inner.to_string();
            // A missing field is reported at its parent: name the field itself.
            let field = match missing_field(&message) {
                Some(name) if path == "." => name.to_owned(),
                Some(name) => format!("{path}.{name}"),
                None => path,
            };
            if field == "." {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "validation.invalid_request",
                    format!("invalid request body: {message}"),
                ));
            }
            return Err(ApiError::invalid_field(
                &field,
                format!("invalid field `{field}`: {message}"),
            ));
        }
    };
    de.end()
        .map_err(|err| ApiError::invalid_format(format!("malformed JSON body: {err}")))?;
    Ok(value)
}

/// The field name in serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}
