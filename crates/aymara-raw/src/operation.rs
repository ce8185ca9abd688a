//! What the generated operations (`crate::operations`) implement, and what the `aymara` crate
//! needs to send them: method, path template, URL path, query pairs, JSON body and output type.
//!
//! The traits are sealed: every implementation is generated from `openapi.json`.

use std::fmt;
use std::num::NonZeroU64;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) mod sealed {
    /// Implemented only by the generated operations.
    pub trait Sealed {}
}

/// One API operation: its parameters, and everything the spec says about sending them.
pub trait Operation: sealed::Sealed + Clone + fmt::Debug + Send + Sync + 'static {
    /// The JSON request body (`()` when there is none).
    type Body: Serialize + Send + Sync;
    /// The decoded success body (`()` for empty responses).
    type Output: DeserializeOwned + Send + 'static;
    /// The OpenAPI operation id.
    const ID: &'static str;
    /// The HTTP method.
    const METHOD: reqwest::Method;
    /// The path template, as in the spec (`/v2/files/{file_uuid}`).
    const PATH: &'static str;

    /// The URL path with every path parameter as exactly one encoded segment, or the parameter
    /// that cannot be one (empty, `.`, `..`, `/`, `\`, control characters).
    fn path(&self) -> Result<String, InvalidInput>;

    /// Appends the query parameters that are set.
    fn query(&self, query: &mut Query);

    /// The JSON body, when the operation has one.
    fn body(&self) -> Option<&Self::Body>;
}

/// A list operation: a page window in, a page of items out.
pub trait Paginated: Operation {
    /// The listed item.
    type Item: Clone + PartialEq + Send + Sync + 'static;

    /// The `limit` and `offset` set on the request.
    fn window(&self) -> (Option<u64>, Option<u64>);

    /// Sets `limit` and `offset`.
    fn set_window(&mut self, limit: NonZeroU64, offset: u64);

    /// Splits the decoded response into its items and the totals the server sent.
    fn into_page(output: Self::Output) -> PageParts<Self::Item>;
}

/// One page as the server sent it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PageParts<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The total number of matching items (`count` or `total_count`), when sent.
    pub count: Option<i64>,
    /// Whether more items follow (`has_more`), when sent.
    pub has_more: Option<bool>,
}

/// A parameter value that cannot be sent, named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidInput {
    /// The parameter or field.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.reason)
    }
}

impl std::error::Error for InvalidInput {}

/// Query parameters in the order they were pushed, each value as the API expects it (strings
/// verbatim, numbers and booleans as JSON spells them, timestamps as RFC 3339).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(&'static str, String)>,
}

impl Query {
    /// Appends `name=value`.
    pub fn push<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        let text = match serde_json::to_value(value) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(serde_json::Value::Null) | Err(_) => return,
            Ok(other) => other.to_string(),
        };
        self.pairs.push((name, text));
    }

    /// The pairs pushed so far.
    pub fn pairs(&self) -> &[(&'static str, String)] {
        &self.pairs
    }

    /// Takes the pairs.
    pub fn into_pairs(self) -> Vec<(&'static str, String)> {
        self.pairs
    }
}
