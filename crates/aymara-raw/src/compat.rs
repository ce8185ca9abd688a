//! Forward-compatible replacements for schemas that typify would generate too strictly.
//!
//! `cargo xtask regen` tells progenitor to use these types wherever `openapi.json` references
//! the schema of the same name (see `REPLACEMENTS` in `xtask/src/main.rs`). Every enum keeps the
//! values the spec lists and an `Unknown(String)` fallback, so a value added on the server after
//! this crate was built decodes instead of failing the whole response, and is sent back verbatim.

use std::borrow::Cow;
use std::fmt;

#[cfg(feature = "schemars")]
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::types::{ToolArray, ToolString};

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the SDK does not know; kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The values listed in the API description.
            pub const KNOWN: &'static [&'static str] = &[$($wire),+];

            /// The wire form of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(s) => s.as_str(),
                }
            }

            /// `false` for a value this version does not know.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match Self::from(s.as_str()) {
                    Self::Unknown(_) => Self::Unknown(s),
                    known => known,
                }
            }
        }

        // Query parameters and some body fields the spec types as plain strings take these
        // values too: `.file_type(FileType::Image)`.
        impl From<$name> for String {
            fn from(v: $name) -> Self {
                match v {
                    $name::Unknown(s) => s,
                    known => known.as_str().to_owned(),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Cow::<'de, str>::deserialize(d)?;
                Ok(Self::from(s.as_ref()))
            }
        }

        #[cfg(feature = "schemars")]
        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                // Unknown values are accepted on decode; the schema documents the known ones.
                json_schema!({ "type": "string", "enum": Self::KNOWN })
            }
        }
    };
}

open_enum! {
    /// Lifecycle of evals, eval runs and reports.
    Status {
        /// Accepted, work not started.
        Created = "created",
        /// Work in progress.
        Processing = "processing",
        /// Done (terminal).
        Finished = "finished",
        /// Failed (terminal).
        Failed = "failed",
    }
}

impl Status {
    /// `true` for `finished` and `failed`.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Finished | Self::Failed)
    }
}

open_enum! {
    /// Modality of prompts and responses.
    ContentType {
        /// Text.
        Text = "text",
        /// An image (sent as a file reference).
        Image = "image",
        /// A video (sent as a file reference).
        Video = "video",
    }
}

open_enum! {
    /// Polarity of a prompt example used to steer generation.
    PromptExampleType {
        /// A good example.
        Good = "good",
        /// A bad example.
        Bad = "bad",
    }
}

open_enum! {
    /// Expected verdict of a scoring example.
    EvalRunExampleType {
        /// The response should pass.
        Pass = "pass",
        /// The response should fail.
        Fail = "fail",
    }
}

open_enum! {
    /// Sort field of an eval analysis.
    EvalAnalysisSortBy {
        /// Creation time.
        CreatedAt = "created_at",
        /// Last update time.
        UpdatedAt = "updated_at",
        /// Eval name.
        Name = "name",
        /// Average pass rate.
        PassRate = "pass_rate",
        /// Number of score runs.
        NumScoreRuns = "num_score_runs",
        /// Most recent score run.
        LastRunDate = "last_run_date",
    }
}

open_enum! {
    /// Sort direction.
    SortOrder {
        /// Ascending.
        Asc = "asc",
        /// Descending.
        Desc = "desc",
    }
}

open_enum! {
    /// Processing status of an uploaded file (a different vocabulary from [`Status`]).
    FileProcessingStatus {
        /// Waiting to be processed (remote files and videos).
        Pending = "pending",
        /// Being processed.
        Processing = "processing",
        /// Ready (terminal).
        Completed = "completed",
        /// Failed (terminal); the status carries an `error_message`.
        Failed = "failed",
    }
}

impl FileProcessingStatus {
    /// `true` for `completed` and `failed`.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed)
    }
}

open_enum! {
    /// Kind of a stored file.
    FileType {
        /// An image.
        Image = "image",
        /// A video.
        Video = "video",
        /// A text file.
        Text = "text",
        /// A document (PDF, office formats).
        Document = "document",
    }
}

open_enum! {
    /// What a prompt update does.
    PromptUpdateAction {
        /// Change the prompt's content or category.
        Update = "update",
        /// Delete the prompt.
        Delete = "delete",
    }
}

/// The tools available to an agent: an array of tools, a free-form mapping, or text.
///
/// The `type` tag is optional on the wire, so decoding follows the reference's rule: a present
/// `type` picks the variant; otherwise an array `value` is [`Tools::Array`], a string `value` is
/// [`Tools::String`], and anything else is [`Tools::Dict`] (which accepts any value).
#[derive(Clone, Debug, PartialEq)]
pub enum Tools {
    /// A list of named tools.
    Array(ToolArray),
    /// A free-form mapping.
    Dict(ToolDict),
    /// Tools described as text.
    String(ToolString),
}

impl Serialize for Tools {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Array(t) => t.serialize(s),
            Self::Dict(t) => t.serialize(s),
            Self::String(t) => t.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Tools {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        let tag = v.get("type").and_then(|t| t.as_str()).map(str::to_owned);
        let value = v.get("value");
        let as_dict = |v: serde_json::Value| match v {
            serde_json::Value::Object(map) => Ok(Tools::Dict(ToolDict(map))),
            other => Err(D::Error::custom(format!(
                "tools must be a JSON object, got {other}"
            ))),
        };
        match tag.as_deref() {
            Some("array") => serde_json::from_value(v)
                .map(Self::Array)
                .map_err(D::Error::custom),
            Some("string") => serde_json::from_value(v)
                .map(Self::String)
                .map_err(D::Error::custom),
            Some(_) => as_dict(v),
            None if value.is_some_and(|x| x.is_array()) => {
                // An array that is not a list of tools still fits the free-form variant.
                match serde_json::from_value::<ToolArray>(v.clone()) {
                    Ok(a) => Ok(Self::Array(a)),
                    Err(_) => as_dict(v),
                }
            }
            None if value.is_some_and(|x| x.is_string()) => serde_json::from_value(v)
                .map(Self::String)
                .map_err(D::Error::custom),
            None => as_dict(v),
        }
    }
}

/// A free-form tool mapping: any JSON object, kept verbatim.
///
/// The spec gives this variant `additionalProperties: true` and an optional `type: "dict"` tag;
/// typify would drop extra keys and reject other tags, so the whole object is kept instead
/// (it re-serializes exactly as received).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ToolDict(pub serde_json::Map<String, serde_json::Value>);

impl ToolDict {
    /// A mapping with the given `value` (no `type` tag, as the official client sends it).
    pub fn new(value: serde_json::Value) -> Self {
        let mut map = serde_json::Map::new();
        map.insert("value".into(), value);
        Self(map)
    }

    /// The `value` field, if present.
    pub fn value(&self) -> Option<&serde_json::Value> {
        self.0.get("value")
    }

    /// The `type` tag, if present.
    pub fn tag(&self) -> Option<&str> {
        self.0.get("type").and_then(|t| t.as_str())
    }
}

#[cfg(feature = "schemars")]
impl JsonSchema for ToolDict {
    fn schema_name() -> Cow<'static, str> {
        "ToolDict".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "Free-form tool mapping; `value` holds the tools, `type` is optionally \"dict\".",
            "additionalProperties": true
        })
    }
}

#[cfg(feature = "schemars")]
impl JsonSchema for Tools {
    fn schema_name() -> Cow<'static, str> {
        "Tools".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                generator.subschema_for::<ToolArray>(),
                generator.subschema_for::<ToolDict>(),
                generator.subschema_for::<ToolString>(),
            ]
        })
    }
}

impl From<ToolArray> for Tools {
    fn from(t: ToolArray) -> Self {
        Self::Array(t)
    }
}

impl From<ToolDict> for Tools {
    fn from(t: ToolDict) -> Self {
        Self::Dict(t)
    }
}

impl From<ToolString> for Tools {
    fn from(t: ToolString) -> Self {
        Self::String(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_round_trip() {
        let s: Status = serde_json::from_str("\"archived\"").unwrap(); // ok: unit test
        assert_eq!(s, Status::Unknown("archived".into()));
        assert!(!s.is_known());
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"archived\""); // ok: unit test
        let k: FileProcessingStatus = serde_json::from_str("\"completed\"").unwrap(); // ok: unit test
        assert_eq!(k, FileProcessingStatus::Completed);
        assert!(k.is_terminal());
    }
}
