//! The files resource: `create`, `list`, `get`, `delete`, `get_frames`, `get_status`, `upload`,
//! plus `upload_via_url`, `upload_many` and `wait_for_processing`.
//!
//! ```no_run
//! # async fn demo(client: aymara::Client) -> Result<(), aymara::Error> {
//! let file = client.files().upload("notes.txt").workspace_uuid("ws-1").send().await?;
//! let detail = client.files().get(file.file_uuid.as_deref().unwrap_or_default()).await?;
//! println!("{} bytes", detail.file_size_bytes.unwrap_or(0));
//! # Ok(()) }
//! ```

use std::future::IntoFuture;
use std::sync::Arc;

use futures_util::{StreamExt, stream};

use crate::Client;
use crate::error::{Error, Result};
use crate::ops::{by_id, list_operation};
use crate::options::{RequestOptions, option_setters};
use crate::pagination::Window;
use crate::polling::{PollState, Pollable, Wait};
use crate::request::with_opt;
use crate::request::{Async, BoxFuture, Operation, RawResult, Request, api_error, decode_error};
use crate::transport::{CallExecutor, CallSpec};
use crate::types::{
    FileCreateRequest, FileCreateResponse, FileDetail, FileFrames, FileProcessingStatus,
    FileStatus, FileType, FileUpload, FileUploadItem, PagedFileDetail,
};
use crate::upload::{ProgressFn, Tracker, UploadProgress, UploadSource, guard, open};
use aymara_raw::hooks::Executor;

/// The files resource. Obtain it with [`Client::files`].
#[derive(Clone, Debug)]
pub struct Files<M = Async> {
    client: Client,
    mode: M,
}

impl<M: Clone> Files<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }

    fn request<O>(&self, op: O) -> Request<O, M> {
        Request::new(self.client.clone(), op, self.mode.clone())
    }

    /// `POST /v2/files`: registers files in one batch. Entries with a local file name get a
    /// presigned upload URL; entries with a remote URI are fetched by the server. Add entries
    /// with [`Request::<Create>::local_file`], [`Request::<Create>::remote_uri`] or
    /// [`Request::<Create>::file`].
    pub fn create(&self) -> Request<Create, M> {
        self.request(Create::default())
    }

    /// `GET /v2/files`: lists files, filtered by file type and workspace, page by page
    /// (`.send_page()`), or across pages (`.items()`, `.pages()`).
    pub fn list(&self) -> Request<List, M> {
        self.request(List::default())
    }

    /// `GET /v2/files/{file_uuid}`: a file's details and download URL.
    pub fn get(&self, file_uuid: impl Into<String>) -> Request<Get, M> {
        self.request(Get::new(file_uuid.into()))
    }

    /// `DELETE /v2/files/{file_uuid}`: soft-deletes a file.
    pub fn delete(&self, file_uuid: impl Into<String>) -> Request<Delete, M> {
        self.request(Delete::new(file_uuid.into()))
    }

    /// `GET /v2/files/{file_uuid}/frames`: frame URLs of a processed video.
    pub fn get_frames(&self, file_uuid: impl Into<String>) -> Request<GetFrames, M> {
        self.request(GetFrames::new(file_uuid.into()))
    }

    /// `GET /v2/files/{file_uuid}/status`: processing status.
    pub fn get_status(&self, file_uuid: impl Into<String>) -> Request<GetStatus, M> {
        self.request(GetStatus::new(file_uuid.into()))
    }

    /// `POST /v2/files/-/uploads`: uploads one file as `multipart/form-data`, streamed.
    /// A `&str`/`PathBuf` is a path on disk; see [`UploadSource`] for bytes and readers.
    pub fn upload(&self, source: impl Into<UploadSource>) -> Upload<M> {
        Upload::new(self.client.clone(), source.into(), false, self.mode.clone())
    }

    /// The presigned flow: `POST /v2/files` for an upload URL, then a streamed `PUT` of the
    /// bytes to it (without Aymara credentials, which must not reach object storage). Returns
    /// the created file, which converts into a [`crate::types::FileReference`] for eval runs.
    pub fn upload_via_url(&self, source: impl Into<UploadSource>) -> Upload<M> {
        Upload::new(self.client.clone(), source.into(), true, self.mode.clone())
    }

    /// Uploads many files with bounded concurrency (default 4); one result per source, in
    /// order, so no failure is lost.
    pub fn upload_many<I>(&self, sources: I) -> UploadMany<M>
    where
        I: IntoIterator,
        I::Item: Into<UploadSource>,
    {
        UploadMany {
            client: self.client.clone(),
            sources: sources.into_iter().map(Into::into).collect(),
            concurrency: 4,
            via_url: false,
            workspace_uuid: None,
            options: RequestOptions::default(),
            mode: self.mode.clone(),
        }
    }

    /// Polls `GET /v2/files/{file_uuid}/status` until `completed` (returns the status) or
    /// `failed` ([`Error::WaitFailed`] with the server's `error_message`).
    pub fn wait_for_processing(&self, file_uuid: impl Into<String>) -> Wait<FileProcessing, M> {
        Wait::new(self.client.clone(), file_uuid.into(), self.mode.clone())
    }
}

/// Parameters of [`Files::create`].
#[derive(Clone, Debug)]
pub struct Create {
    body: FileCreateRequest,
}

impl Default for Create {
    fn default() -> Self {
        Self {
            body: FileCreateRequest {
                files: Vec::new(),
                workspace_uuid: None,
            },
        }
    }
}

impl<M> Request<Create, M> {
    /// Adds an entry.
    pub fn file(self, item: FileUploadItem) -> Self {
        self.map_op(|op| op.body.files.push(item))
    }

    /// Adds entries.
    pub fn files(self, items: impl IntoIterator<Item = FileUploadItem>) -> Self {
        self.map_op(|op| op.body.files.extend(items))
    }

    /// Adds a local file by name; the content type is guessed from the extension.
    pub fn local_file(self, name: impl Into<String>) -> Self {
        let name = name.into();
        let content_type = crate::upload::guess_content_type(&name);
        self.file(FileUploadItem {
            local_file_path: Some(name),
            content_type: Some(content_type),
            remote_uri: None,
        })
    }

    /// Adds a remote file the server fetches, with an optional content type.
    pub fn remote_uri(self, uri: impl Into<String>, content_type: Option<String>) -> Self {
        self.file(FileUploadItem {
            remote_uri: Some(uri.into()),
            content_type,
            local_file_path: None,
        })
    }

    /// Workspace to associate the files with.
    pub fn workspace_uuid(self, workspace_uuid: impl Into<String>) -> Self {
        let w = workspace_uuid.into();
        self.map_op(|op| op.body.workspace_uuid = Some(w))
    }
}

impl Operation for Create {
    type Output = FileCreateResponse;
    const ID: &'static str = "files_create";
    const JSON_BODY: bool = true;

    fn validate(&self) -> Result<()> {
        if self.body.files.is_empty() {
            return Err(Error::invalid("files", "at least one file is required"));
        }
        for (i, f) in self.body.files.iter().enumerate() {
            if f.local_file_path.is_none() && f.remote_uri.is_none() {
                return Err(Error::invalid(
                    format!("files[{i}]"),
                    "needs local_file_path or remote_uri",
                ));
            }
        }
        Ok(())
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move { raw.files_create().body(self.body).send().await })
    }
}

/// Parameters of [`Files::list`].
#[derive(Clone, Debug, Default)]
pub struct List {
    file_type: Option<String>,
    workspace_uuid: Option<String>,
    window: Window,
}

impl<M> Request<List, M> {
    /// Only files of this type.
    pub fn file_type(self, file_type: impl Into<FileType>) -> Self {
        let t = file_type.into().to_string();
        self.map_op(|op| op.file_type = Some(t))
    }

    /// Only files of this workspace.
    pub fn workspace_uuid(self, workspace_uuid: impl Into<String>) -> Self {
        let w = workspace_uuid.into();
        self.map_op(|op| op.workspace_uuid = Some(w))
    }
}

impl Operation for List {
    type Output = PagedFileDetail;
    const ID: &'static str = "files_list";
    const JSON_BODY: bool = false;

    fn validate(&self) -> Result<()> {
        self.window.validate()?;
        crate::ops::check_workspace(&self.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.files_list(),
                file_type = self.file_type,
                workspace_uuid = self.workspace_uuid,
                limit = self.window.limit,
                offset = self.window.offset
            )
            .send()
            .await
        })
    }
}

list_operation!(List, FileDetail, PagedFileDetail);

by_id!(
    /// Parameters of [`Files::get`].
    Get { file_uuid }, "files_get", FileDetail, files_get
);
by_id!(
    /// Parameters of [`Files::delete`].
    Delete { file_uuid }, "files_delete", (), files_delete
);
by_id!(
    /// Parameters of [`Files::get_frames`].
    GetFrames { file_uuid }, "files_get_frames", FileFrames, files_get_frames
);
by_id!(
    /// Parameters of [`Files::get_status`].
    GetStatus { file_uuid }, "files_get_status", FileStatus, files_get_status
);

/// Waiting for a file's processing ([`Files::wait_for_processing`]).
#[derive(Debug)]
pub enum FileProcessing {}

impl Pollable for FileProcessing {
    type Output = FileStatus;
    const RESOURCE: &'static str = "file";

    fn poll(client: &Client, id: &str) -> BoxFuture<Result<FileStatus>> {
        let req = client.files().get_status(id);
        Box::pin(req.send())
    }

    fn state(status: &FileStatus) -> PollState {
        match &status.processing_status {
            FileProcessingStatus::Completed => PollState::Done("completed".into()),
            FileProcessingStatus::Failed => {
                PollState::Failed("failed".into(), status.error_message.clone())
            }
            other => PollState::Pending(other.to_string()),
        }
    }
}

/// An upload ([`Files::upload`] or [`Files::upload_via_url`]): set a file name, content type,
/// workspace or progress callback, then `.send().await` or `.await`.
#[must_use = "an upload does nothing until it is sent"]
pub struct Upload<M = Async> {
    client: Client,
    source: UploadSource,
    via_url: bool,
    file_name: Option<String>,
    content_type: Option<String>,
    workspace_uuid: Option<String>,
    progress: Option<ProgressFn>,
    options: RequestOptions,
    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) mode: M,
}

impl<M> std::fmt::Debug for Upload<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("source", &self.source)
            .field("via_url", &self.via_url)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl<M> Upload<M> {
    fn new(client: Client, source: UploadSource, via_url: bool, mode: M) -> Self {
        Self {
            client,
            source,
            via_url,
            file_name: None,
            content_type: None,
            workspace_uuid: None,
            progress: None,
            options: RequestOptions::default(),
            mode,
        }
    }

    /// File name sent to the server (default: the path's file name, or `upload` for bytes).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Content type (default: guessed from the file name, else `application/octet-stream`).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Workspace to associate the file with.
    pub fn workspace_uuid(mut self, workspace_uuid: impl Into<String>) -> Self {
        self.workspace_uuid = Some(workspace_uuid.into());
        self
    }

    /// Called as body bytes are handed to the connection.
    pub fn on_progress(mut self, f: impl Fn(UploadProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn into_async(self) -> Upload<Async> {
        Upload {
            client: self.client,
            source: self.source,
            via_url: self.via_url,
            file_name: self.file_name,
            content_type: self.content_type,
            workspace_uuid: self.workspace_uuid,
            progress: self.progress,
            options: self.options,
            mode: Async,
        }
    }

    option_setters!();
}

impl Upload<Async> {
    /// Uploads the file. A failure (unreadable source, stall, error status) is returned, never
    /// swallowed. A path or in-memory source is re-sent when the retry rules allow it (the
    /// multipart POST: a refused connection, or a 429/503 with `Retry-After`; the presigned PUT:
    /// any retryable failure); a reader is sent once, since its bytes cannot be replayed.
    pub async fn send(self) -> Result<FileUpload> {
        if self.via_url {
            self.send_via_url().await
        } else {
            self.send_multipart().await
        }
    }

    async fn send_multipart(self) -> Result<FileUpload> {
        let headers = self.options.validate(false)?;
        crate::ops::check_workspace(&self.workspace_uuid)?;
        let opened = open(self.source, self.file_name, self.content_type).await?;
        let tracker = Tracker::new(opened.len, self.progress);
        let rebody = opened.rebody(&tracker);
        let (name, content_type, len) =
            (opened.name.clone(), opened.content_type.clone(), opened.len);
        // Validated once here so that rebuilding for a retry cannot fail on it.
        reqwest::multipart::Part::bytes(Vec::new())
            .mime_str(&content_type)
            .map_err(|_| {
                Error::invalid(
                    "content_type",
                    format!("{content_type:?} is not a MIME type"),
                )
            })?;

        let config = self.client.config();
        let mut url = reqwest::Url::parse(&format!("{}/v2/files/-/uploads", config.base_url))
            .map_err(|e| Error::Config(format!("base URL: {e}")))?;
        if let Some(w) = &self.workspace_uuid {
            url.query_pairs_mut().append_pair("workspace_uuid", w);
        }
        let http = config.http.clone();
        let build = move |body: reqwest::Body| {
            let part = match len {
                Some(n) => reqwest::multipart::Part::stream_with_length(body, n),
                None => reqwest::multipart::Part::stream(body),
            }
            .file_name(name.clone())
            .mime_str(&content_type)
            .ok()?;
            let form = reqwest::multipart::Form::new().part("file", part);
            http.post(url.clone())
                .header(reqwest::header::ACCEPT, "application/json")
                .multipart(form)
                .build()
                .ok()
        };
        let request = build(opened.into_body(tracker.clone()))
            .ok_or_else(|| Error::invalid("file", "could not build the multipart request"))?;
        let response_timeout = self.options.timeout.unwrap_or(config.timeout);
        let spec = CallSpec {
            no_deadline: true,
            replay: replay(rebody, build),
            tracker: Some(tracker.clone()),
            ..CallSpec::new(self.options, headers)
        };
        self.client
            .execute_upload::<FileUpload>(request, "files_upload", spec, &tracker, response_timeout)
            .await
    }

    async fn send_via_url(self) -> Result<FileUpload> {
        self.options.validate(false)?;
        let opened = open(self.source, self.file_name, self.content_type).await?;
        let mut create = self.client.files().create().file(FileUploadItem {
            local_file_path: Some(opened.name.clone()),
            content_type: Some(opened.content_type.clone()),
            remote_uri: None,
        });
        if let Some(w) = self.workspace_uuid {
            create = create.workspace_uuid(w);
        }
        let created = create.options(self.options.clone()).send().await?;
        let file = created.files.into_iter().next().ok_or_else(|| {
            Error::Upload(format!("the server returned no entry for {}", opened.name))
        })?;
        let Some(url) = file.file_url.clone().filter(|u| !u.is_empty()) else {
            return Err(Error::Upload(format!(
                "the server returned no upload URL for {}",
                opened.name
            )));
        };
        let tracker = Tracker::new(opened.len, self.progress);
        let rebody = opened.rebody(&tracker);
        let (content_type, len) = (opened.content_type.clone(), opened.len);
        let config = self.client.config();
        let http = config.http.clone();
        let target = url.clone();
        let build = move |body: reqwest::Body| {
            let mut put = http
                .put(&target)
                .header(reqwest::header::CONTENT_TYPE, &content_type);
            if let Some(n) = len {
                put = put.header(reqwest::header::CONTENT_LENGTH, n);
            }
            put.body(body).build().ok()
        };
        // The URL is not repeated in the error: its query is a signature.
        let request = build(opened.into_body(tracker.clone())).ok_or_else(|| {
            Error::Upload("the server returned an upload URL that is not a valid URL".into())
        })?;
        let response_timeout = self.options.timeout.unwrap_or(config.timeout);
        // The call's timeout and retries apply to the PUT; its headers and query do not: they
        // are for the API, and may carry credentials that must not reach object storage.
        let put_options = RequestOptions {
            timeout: self.options.timeout,
            max_retries: self.options.max_retries,
            ..RequestOptions::default()
        };
        let spec = CallSpec {
            capture: true,
            no_deadline: true,
            bare: true,
            replay: replay(rebody, build),
            tracker: Some(tracker.clone()),
            ..CallSpec::new(put_options, Default::default())
        };
        // Object storage answers with its own (often empty or XML) body: only the status counts.
        self.client
            .execute_bare(request, spec, &tracker, response_timeout)
            .await?;
        Ok(file)
    }
}

/// Combines a body rebuilder and a request builder into a transport replay.
fn replay(
    rebody: Option<crate::upload::Rebody>,
    build: impl Fn(reqwest::Body) -> Option<reqwest::Request> + Send + Sync + 'static,
) -> Option<crate::transport::Replay> {
    let rebody = rebody?;
    Some(Arc::new(move || build(rebody()?)))
}

impl IntoFuture for Upload<Async> {
    type Output = Result<FileUpload>;
    type IntoFuture = BoxFuture<Result<FileUpload>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Many uploads at once ([`Files::upload_many`]).
#[must_use = "uploads do nothing until sent"]
pub struct UploadMany<M = Async> {
    client: Client,
    sources: Vec<UploadSource>,
    concurrency: usize,
    via_url: bool,
    workspace_uuid: Option<String>,
    options: RequestOptions,
    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) mode: M,
}

impl<M> UploadMany<M> {
    /// Uploads in flight at once (default 4, at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Uses the presigned flow for every file.
    pub fn via_url(mut self, yes: bool) -> Self {
        self.via_url = yes;
        self
    }

    /// Workspace for every file.
    pub fn workspace_uuid(mut self, workspace_uuid: impl Into<String>) -> Self {
        self.workspace_uuid = Some(workspace_uuid.into());
        self
    }

    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn into_async(self) -> UploadMany<Async> {
        UploadMany {
            client: self.client,
            sources: self.sources,
            concurrency: self.concurrency,
            via_url: self.via_url,
            workspace_uuid: self.workspace_uuid,
            options: self.options,
            mode: Async,
        }
    }

    option_setters!();
}

impl UploadMany<Async> {
    /// Runs every upload; one result per source, in the order given.
    pub async fn send(self) -> Vec<Result<FileUpload>> {
        let Self {
            client,
            sources,
            concurrency,
            via_url,
            workspace_uuid,
            options,
            ..
        } = self;
        stream::iter(sources)
            .map(|source| {
                let mut up =
                    Upload::new(client.clone(), source, via_url, Async).options(options.clone());
                if let Some(w) = &workspace_uuid {
                    up = up.workspace_uuid(w.clone());
                }
                up.send()
            })
            .buffered(concurrency)
            .collect()
            .await
    }
}

impl Client {
    /// Sends a hand-built upload through the transport, under the stall guard, and decodes it.
    async fn execute_upload<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::Request,
        operation: &'static str,
        spec: CallSpec,
        tracker: &Tracker,
        response_timeout: std::time::Duration,
    ) -> Result<T> {
        let call = CallExecutor::new(self.config.clone(), spec);
        let context = || call.state().context.clone();
        let send = call.clone().execute(request, operation);
        let response = guard(
            send,
            tracker,
            self.config().upload_stall_timeout,
            response_timeout,
            context,
        )
        .await;
        if let Some(failure) = call.state().failure.take() {
            return Err(failure);
        }
        let response = response?;
        if !response.status().is_success() {
            return Err(api_error(response, context()).await);
        }
        let status = response.status();
        let request_id = crate::error::header_request_id(response.headers());
        // Already in memory: the transport read it under the guard.
        let bytes = response
            .bytes()
            .await
            .map_err(|e| crate::request::transport_error(e, context()))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| decode_error::<T>(&bytes, e, Some(status), request_id, context()))
    }

    /// Sends a request to a presigned URL: no credentials, success is any 2xx.
    async fn execute_bare(
        &self,
        request: reqwest::Request,
        spec: CallSpec,
        tracker: &Tracker,
        response_timeout: std::time::Duration,
    ) -> Result<()> {
        let call = CallExecutor::new(self.config.clone(), spec);
        let context = || call.state().context.clone();
        let send = call.clone().execute(request, "files_presigned_put");
        let response = guard(
            send,
            tracker,
            self.config().upload_stall_timeout,
            response_timeout,
            context,
        )
        .await;
        let (captured, failure) = {
            let mut st = call.state();
            (st.captured.take(), st.failure.take())
        };
        if let Some(failure) = failure {
            return Err(failure);
        }
        let response = response?;
        match captured {
            Some(_) => Ok(()),
            None => Err(api_error(response, context()).await),
        }
    }
}
