//! The blocking resources: each wraps its async twin and hands out blocking requests.

use aymara_raw::operations::{
    EvalRunsCreate, EvalRunsDelete, EvalRunsGet, EvalRunsGetResponseHistory, EvalRunsList,
    EvalRunsListResponses, EvalRunsScoreResponses, EvalRunsUpdateResponse,
    EvalTypesFindInstructions, EvalTypesGet, EvalTypesList, EvalTypesListInstructions,
    EvalsAnalyze, EvalsCreate, EvalsDelete, EvalsGet, EvalsList, EvalsListPrompts, EvalsUpdate,
    FilesCreate, FilesDelete, FilesGet, FilesGetFrames, FilesGetStatus, FilesList, HealthCheck,
    ReportsCreate, ReportsDelete, ReportsGet, ReportsList,
};

use super::Rt;
use super::request::{Request, Wait};
use crate::error::Result;
use crate::ids::{EvalId, EvalRunId, EvalTypeId, FileId, ReportId, ResponseId};
use crate::options::option_setters;
use crate::types::{Eval, EvalResponse, FileUpload};
use crate::upload::{UploadProgress, UploadSource};

/// A resource wrapper: the async resource and the client's runtime.
macro_rules! resource {
    ($(#[$m:meta])* $name:ident($async:ty)) => {
        $(#[$m])*
        #[derive(Clone)]
        pub struct $name {
            inner: $async,
            rt: Rt,
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!("blocking::", stringify!($name)))
            }
        }

        impl $name {
            pub(crate) fn new(inner: $async, rt: Rt) -> Self {
                Self { inner, rt }
            }
        }
    };
}

/// Methods that return the blocking form of what the async method returns.
macro_rules! forward {
    ($name:ident($doc:literal) {
        $( fn $method:ident($($arg:ident: $ty:ty),*) -> $out:ident<$op:ty>; )*
    }) => {
        impl $name {
            $(
                #[doc = concat!("Blocking form of [`", $doc, "::", stringify!($method), "`](",
                    $doc, "::", stringify!($method), ").")]
                pub fn $method(&self, $($arg: $ty),*) -> $out<$op> {
                    $out::new(self.inner.$method($($arg),*), &self.rt)
                }
            )*
        }
    };
}

resource!(
    /// The blocking files resource; see [`crate::files::Files`].
    Files(crate::files::Files)
);
forward!(Files("crate::files::Files") {
    fn create() -> Request<FilesCreate>;
    fn list() -> Request<FilesList>;
    fn get(file_uuid: impl Into<FileId>) -> Request<FilesGet>;
    fn delete(file_uuid: impl Into<FileId>) -> Request<FilesDelete>;
    fn get_frames(file_uuid: impl Into<FileId>) -> Request<FilesGetFrames>;
    fn get_status(file_uuid: impl Into<FileId>) -> Request<FilesGetStatus>;
    fn wait_for_processing(file_uuid: impl Into<FileId>) -> Wait<FilesGetStatus>;
});

impl Files {
    /// Blocking form of [`crate::files::Files::upload`].
    pub fn upload(&self, source: impl Into<UploadSource>) -> Upload {
        Upload::new(self.inner.upload(source), &self.rt)
    }

    /// Blocking form of [`crate::files::Files::upload_via_url`].
    pub fn upload_via_url(&self, source: impl Into<UploadSource>) -> Upload {
        Upload::new(self.inner.upload_via_url(source), &self.rt)
    }

    /// Blocking form of [`crate::files::Files::upload_many`].
    pub fn upload_many<I>(&self, sources: I) -> UploadMany
    where
        I: IntoIterator,
        I::Item: Into<UploadSource>,
    {
        UploadMany::new(self.inner.upload_many(sources), &self.rt)
    }
}

resource!(
    /// The blocking evals resource; see [`crate::evals::Evals`].
    Evals(crate::evals::Evals)
);
forward!(Evals("crate::evals::Evals") {
    fn create(ai_description: impl Into<String>, eval_type: impl Into<String>)
        -> Request<EvalsCreate>;
    fn create_from(eval: Eval) -> Request<EvalsCreate>;
    fn update(eval_uuid: impl Into<EvalId>) -> Request<EvalsUpdate>;
    fn list() -> Request<EvalsList>;
    fn delete(eval_uuid: impl Into<EvalId>) -> Request<EvalsDelete>;
    fn get(eval_uuid: impl Into<EvalId>) -> Request<EvalsGet>;
    fn analyze() -> Request<EvalsAnalyze>;
    fn list_prompts(eval_uuid: impl Into<EvalId>) -> Request<EvalsListPrompts>;
    fn wait_until_ready(eval_uuid: impl Into<EvalId>) -> Wait<EvalsGet>;
});

impl Evals {
    /// The blocking eval runs resource.
    pub fn runs(&self) -> Runs {
        Runs::new(self.inner.runs(), self.rt.clone())
    }
}

resource!(
    /// The blocking eval runs resource; see [`crate::runs::Runs`].
    Runs(crate::runs::Runs)
);
forward!(Runs("crate::runs::Runs") {
    fn create(
        eval_uuid: impl Into<EvalId>,
        responses: impl IntoIterator<Item = impl Into<EvalResponse>>
    ) -> Request<EvalRunsCreate>;
    fn list() -> Request<EvalRunsList>;
    fn delete(eval_run_uuid: impl Into<EvalRunId>) -> Request<EvalRunsDelete>;
    fn get(eval_run_uuid: impl Into<EvalRunId>) -> Request<EvalRunsGet>;
    fn get_response_history(
        eval_run_uuid: impl Into<EvalRunId>,
        response_uuid: impl Into<ResponseId>
    ) -> Request<EvalRunsGetResponseHistory>;
    fn list_responses(eval_run_uuid: impl Into<EvalRunId>) -> Request<EvalRunsListResponses>;
    fn score_responses(
        eval_uuid: impl Into<EvalId>,
        responses: impl IntoIterator<Item = impl Into<EvalResponse>>
    ) -> Request<EvalRunsScoreResponses>;
    fn update_response(
        eval_run_uuid: impl Into<EvalRunId>,
        response_uuid: impl Into<ResponseId>
    ) -> Request<EvalRunsUpdateResponse>;
    fn wait_until_scored(eval_run_uuid: impl Into<EvalRunId>) -> Wait<EvalRunsGet>;
});

resource!(
    /// The blocking eval types resource; see [`crate::eval_types::EvalTypes`].
    EvalTypes(crate::eval_types::EvalTypes)
);
forward!(EvalTypes("crate::eval_types::EvalTypes") {
    fn list() -> Request<EvalTypesList>;
    fn get(eval_type_uuid: impl Into<EvalTypeId>) -> Request<EvalTypesGet>;
    fn find_instructions(eval_type_slug: impl Into<String>) -> Request<EvalTypesFindInstructions>;
    fn list_instructions(eval_type_uuid: impl Into<EvalTypeId>)
        -> Request<EvalTypesListInstructions>;
});

resource!(
    /// The blocking reports resource; see [`crate::reports::Reports`].
    Reports(crate::reports::Reports)
);
forward!(Reports("crate::reports::Reports") {
    fn create(eval_run_uuids: impl IntoIterator<Item = impl Into<EvalRunId>>)
        -> Request<ReportsCreate>;
    fn list() -> Request<ReportsList>;
    fn delete(report_uuid: impl Into<ReportId>) -> Request<ReportsDelete>;
    fn get(report_uuid: impl Into<ReportId>) -> Request<ReportsGet>;
    fn wait_until_finished(report_uuid: impl Into<ReportId>) -> Wait<ReportsGet>;
});

resource!(
    /// The blocking health check; see [`crate::health::Health`].
    Health(crate::health::Health)
);
forward!(Health("crate::health::Health") {
    fn check() -> Request<HealthCheck>;
});

/// A blocking upload; see [`crate::files::Upload`].
#[must_use = "an upload does nothing until it is sent"]
pub struct Upload {
    inner: crate::files::Upload,
    rt: Rt,
}

impl Upload {
    fn new(inner: crate::files::Upload, rt: &Rt) -> Self {
        Self {
            inner,
            rt: rt.clone(),
        }
    }

    /// File name sent to the server (default: the path's file name, or `upload` for bytes).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.inner = self.inner.file_name(name);
        self
    }

    /// Content type (default: guessed from the file name, else `application/octet-stream`).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.inner = self.inner.content_type(content_type);
        self
    }

    /// Workspace to associate the file with.
    pub fn workspace_uuid(mut self, workspace_uuid: impl Into<String>) -> Self {
        self.inner = self.inner.workspace_uuid(workspace_uuid);
        self
    }

    /// Called as body bytes are handed to the connection.
    pub fn on_progress(mut self, f: impl Fn(UploadProgress) + Send + Sync + 'static) -> Self {
        self.inner = self.inner.on_progress(f);
        self
    }

    option_setters!(inner.options);

    /// Uploads the file.
    pub fn send(self) -> Result<FileUpload> {
        self.rt.block_on(self.inner.send())?
    }
}

/// Many blocking uploads at once; see [`crate::files::UploadMany`].
#[must_use = "uploads do nothing until sent"]
pub struct UploadMany {
    inner: crate::files::UploadMany,
    rt: Rt,
}

impl UploadMany {
    fn new(inner: crate::files::UploadMany, rt: &Rt) -> Self {
        Self {
            inner,
            rt: rt.clone(),
        }
    }

    /// Uploads in flight at once (default 4, at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.inner = self.inner.concurrency(n);
        self
    }

    /// Uses the presigned flow for every file.
    pub fn via_url(mut self, yes: bool) -> Self {
        self.inner = self.inner.via_url(yes);
        self
    }

    /// Workspace for every file.
    pub fn workspace_uuid(mut self, workspace_uuid: impl Into<String>) -> Self {
        self.inner = self.inner.workspace_uuid(workspace_uuid);
        self
    }

    option_setters!(inner.options);

    /// Runs every upload; one result per source, in the order given.
    pub fn send(self) -> Result<Vec<Result<FileUpload>>> {
        self.rt.block_on(self.inner.send())
    }
}
