//! Building blocks shared by the resource modules: input checks and the macros that declare
//! the common operation shapes (by id, paginated list, workspace query setter).

use crate::error::{Error, Result};
use crate::polling::PollState;
use crate::types::Status;

/// Rejects a set but empty `workspace_uuid` (an empty query value would silently mean "the
/// current workspace").
pub(crate) fn check_workspace(workspace_uuid: &Option<String>) -> Result<()> {
    match workspace_uuid {
        Some(w) if w.trim().is_empty() => Err(Error::invalid(
            "workspace_uuid",
            "must not be empty when set",
        )),
        _ => Ok(()),
    }
}

/// Rejects an empty value of a required text field.
pub(crate) fn require_text(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "is required and must not be empty"));
    }
    Ok(())
}

/// Rejects a rate outside 0.0..=1.0 (or not a number).
pub(crate) fn check_unit_interval(field: &str, value: Option<f64>) -> Result<()> {
    match value {
        Some(v) if !(0.0..=1.0).contains(&v) => Err(Error::invalid(
            field,
            format!("must be between 0.0 and 1.0, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// Where a polled eval, eval run or report stands, from its `status`.
pub(crate) fn status_state(status: Option<&Status>) -> PollState {
    match status {
        Some(Status::Finished) => PollState::Done("finished".into()),
        Some(Status::Failed) => PollState::Failed("failed".into(), None),
        Some(other) => PollState::Pending(other.to_string()),
        None => PollState::Pending("(no status)".into()),
    }
}

/// `workspace_uuid` (query) setters on the given request types.
macro_rules! workspace_setter {
    ($($op:ty),* $(,)?) => {$(
        impl<M> $crate::request::Request<$op, M> {
            /// Workspace to operate in (query parameter); omitted means the caller's current
            /// workspace.
            pub fn workspace_uuid(self, workspace_uuid: impl Into<String>) -> Self {
                let w = workspace_uuid.into();
                self.map_op(|op| op.workspace_uuid = Some(w))
            }
        }
    )*};
}
pub(crate) use workspace_setter;

/// Implements [`ListOperation`](crate::pagination::ListOperation) for an operation with a
/// `window` field and a `{items, count}` envelope.
macro_rules! list_operation {
    ($op:ty, $item:ty, $paged:ty) => {
        impl $crate::pagination::ListOperation for $op {
            type Item = $item;
            fn window(&self) -> $crate::pagination::Window {
                self.window
            }
            fn set_window(&mut self, window: $crate::pagination::Window) {
                self.window = window;
            }
            fn into_page(output: $paged) -> (Vec<$item>, Option<i64>) {
                (output.items, output.count)
            }
        }
    };
}
pub(crate) use list_operation;

/// An operation addressed by one path id, with or without a `workspace_uuid` query parameter.
macro_rules! by_id {
    ($(#[$m:meta])* $name:ident { $field:ident }, $id:literal, $out:ty, $method:ident, workspace) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $name {
            $field: String,
            workspace_uuid: Option<String>,
        }

        impl $name {
            fn new(id: String) -> Self {
                Self { $field: id, workspace_uuid: None }
            }
        }

        impl $crate::request::Operation for $name {
            type Output = $out;
            const ID: &'static str = $id;
            const JSON_BODY: bool = false;

            fn validate(&self) -> $crate::error::Result<()> {
                $crate::request::require_id(stringify!($field), &self.$field)?;
                $crate::ops::check_workspace(&self.workspace_uuid)
            }

            fn call(
                self,
                raw: aymara_raw::Client,
            ) -> $crate::request::BoxFuture<$crate::request::RawResult<Self::Output>> {
                Box::pin(async move {
                    $crate::request::with_opt!(raw.$method().$field(self.$field), workspace_uuid = self.workspace_uuid).send().await
                })
            }
        }

        $crate::ops::workspace_setter!($name);
    };
    ($(#[$m:meta])* $name:ident { $field:ident }, $id:literal, $out:ty, $method:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $name {
            $field: String,
        }

        impl $name {
            fn new(id: String) -> Self {
                Self { $field: id }
            }
        }

        impl $crate::request::Operation for $name {
            type Output = $out;
            const ID: &'static str = $id;
            const JSON_BODY: bool = false;

            fn validate(&self) -> $crate::error::Result<()> {
                $crate::request::require_id(stringify!($field), &self.$field)
            }

            fn call(
                self,
                raw: aymara_raw::Client,
            ) -> $crate::request::BoxFuture<$crate::request::RawResult<Self::Output>> {
                Box::pin(async move { raw.$method().$field(self.$field).send().await })
            }
        }
    };
}
pub(crate) use by_id;

/// A paginated list whose only filter is `workspace_uuid` (query): the parameters struct, its
/// setters and its `Operation` / `ListOperation` impls.
macro_rules! workspace_list {
    ($(#[$m:meta])* $name:ident, $id:literal, $item:ty, $paged:ty, $method:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default)]
        pub struct $name {
            workspace_uuid: Option<String>,
            window: $crate::pagination::Window,
        }

        $crate::ops::workspace_setter!($name);
        $crate::ops::list_operation!($name, $item, $paged);

        impl $crate::request::Operation for $name {
            type Output = $paged;
            const ID: &'static str = $id;
            const JSON_BODY: bool = false;

            fn validate(&self) -> $crate::error::Result<()> {
                self.window.validate()?;
                $crate::ops::check_workspace(&self.workspace_uuid)
            }

            fn call(
                self,
                raw: aymara_raw::Client,
            ) -> $crate::request::BoxFuture<$crate::request::RawResult<Self::Output>> {
                Box::pin(async move {
                    $crate::request::with_opt!(
                        raw.$method(),
                        workspace_uuid = self.workspace_uuid,
                        limit = self.window.limit,
                        offset = self.window.offset
                    )
                    .send()
                    .await
                })
            }
        }
    };
}
pub(crate) use workspace_list;
