//! Typed ids: a run id cannot be passed where an eval id is expected.
//!
//! Every method that takes an id takes `impl Into<XxxId>`: a string (`&str`, `String`,
//! `&String`), the id type itself, or the object that carries it, so two calls chain without
//! unwrapping anything:
//!
//! ```no_run
//! # async fn demo(client: aymara::Client) -> Result<(), aymara::Error> {
//! let uploaded = client.files().upload("notes.txt").await?;
//! let status = client.files().wait_for_processing(&uploaded).await?;
//! let detail = client.files().get(&status).await?;
//! # let _ = detail; Ok(()) }
//! ```
//!
//! A run id is not an eval id:
//!
//! ```compile_fail
//! # async fn demo(client: aymara::Client) {
//! let run = aymara::EvalRunId::from("score_run.1");
//! client.evals().get(run); // error: `EvalId: From<EvalRunId>` is not satisfied
//! # }
//! ```
//!
//! An object whose id field is absent (the API marks some as nullable) gives an empty id, which
//! the request refuses before sending with [`Error::InvalidInput`](crate::Error::InvalidInput)
//! naming the parameter.

use std::fmt;

use crate::types::{
    Eval, EvalPrompt, EvalRunResult, EvalSuiteReport, EvalType, FileDetail, FileReference,
    FileStatus, FileUpload, ScoredResponse,
};

macro_rules! id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The id as given.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> Self {
                id.0.clone()
            }
        }
    };
}

/// Carried by: an object → its id (a nullable field gives an empty id, refused when sent).
macro_rules! carried_by {
    ($id:ident: $($ty:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<&$ty> for $id {
            fn from($v: &$ty) -> Self {
                Self($e)
            }
        }
    )*};
}

id!(
    /// A file id (`file_uuid`).
    FileId
);
id!(
    /// An eval id (`eval_uuid`, shaped `test.<uuid>`).
    EvalId
);
id!(
    /// An eval run id (`eval_run_uuid`, shaped `score_run.<uuid>`).
    EvalRunId
);
id!(
    /// A report id (`eval_suite_report_uuid`).
    ReportId
);
id!(
    /// An eval type id (`eval_type_uuid`).
    EvalTypeId
);
id!(
    /// A scored response id (`response_uuid`, shaped `answer.<uuid>`).
    ResponseId
);
id!(
    /// A prompt id (`prompt_uuid`, shaped `question.<uuid>`).
    PromptId
);

carried_by!(FileId:
    FileUpload => |f| f.file_uuid.clone().unwrap_or_default(),
    FileDetail => |f| f.file_uuid.clone(),
    FileStatus => |f| f.file_uuid.clone(),
    FileReference => |f| f.file_uuid.clone().unwrap_or_default(),
);
carried_by!(EvalId:
    Eval => |e| e.eval_uuid.clone().unwrap_or_default(),
);
carried_by!(EvalRunId:
    EvalRunResult => |r| r.eval_run_uuid.clone(),
);
carried_by!(ReportId:
    EvalSuiteReport => |r| r.eval_suite_report_uuid.clone(),
);
carried_by!(EvalTypeId:
    EvalType => |t| t.eval_type_uuid.clone(),
);
carried_by!(ResponseId:
    ScoredResponse => |r| r.response_uuid.clone().unwrap_or_default(),
);
carried_by!(PromptId:
    EvalPrompt => |p| p.prompt_uuid.clone(),
    ScoredResponse => |r| r.prompt_uuid.clone(),
);
