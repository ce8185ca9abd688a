//! The files resource: `create`, `list`, `get`, `delete`, `get_frames`, `get_status`, `upload`,
//! plus `upload_via_url`, `upload_many` and `wait_for_processing`.
//!
//! ```no_run
//! # async fn demo(client: aymara::Client) -> Result<(), aymara::Error> {
//! let file = client.files().upload("notes.txt").workspace_uuid("ws-1").send().await?;
//! let detail = client.files().get(&file).await?;
//! println!("{} bytes", detail.file_size_bytes.unwrap_or(0));
//! # Ok(()) }
//! ```

use std::future::IntoFuture;
use std::sync::Arc;

use aymara_raw::operations::{
    FilesCreate, FilesDelete, FilesGet, FilesGetFrames, FilesGetStatus, FilesList,
};
use futures_util::{StreamExt, stream};

use crate::Client;
use crate::error::{Error, Result};
use crate::http::exchange::{Exchange, Read, decode, exchange, status_error};
use crate::ids::FileId;
use crate::options::{RequestOptions, option_setters};
use crate::polling::{PollState, Wait};
use crate::request::{BoxFuture, Request};
use crate::types::{
    FileCreateRequest, FileProcessingStatus, FileStatus, FileUpload, FileUploadItem,
};
use crate::upload::{ProgressFn, Tracker, UploadProgress, UploadSource, guard, open};

/// The files resource. Obtain it with [`Client::files`].
#[derive(Clone, Debug)]
pub struct Files {
    client: Client,
}

impl Files {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    fn request<O>(&self, op: O) -> Request<O> {
        Request::new(self.client.clone(), op)
    }

    /// `POST /v2/files`: registers files in one batch. Entries with a local file name get a
    /// presigned upload URL; entries with a remote URI are fetched by the server. Add entries
    /// with [`Request::<FilesCreate>::local_file`], [`Request::<FilesCreate>::remote_uri`] or
    /// [`Request::<FilesCreate>::file`].
    pub fn create(&self) -> Request<FilesCreate> {
        self.request(FilesCreate::new(FileCreateRequest {
            files: Vec::new(),
            workspace_uuid: None,
        }))
    }

    /// `GET /v2/files`: lists files, filtered by file type and workspace, page by page
    /// (`.send_page()`), or across pages (`.items()`, `.pages()`).
    pub fn list(&self) -> Request<FilesList> {
        self.request(FilesList::new())
    }

    /// `GET /v2/files/{file_uuid}`: a file's details and download URL.
    pub fn get(&self, file_uuid: impl Into<FileId>) -> Request<FilesGet> {
        self.request(FilesGet::new(file_uuid.into().into_string()))
    }

    /// `DELETE /v2/files/{file_uuid}`: soft-deletes a file.
    pub fn delete(&self, file_uuid: impl Into<FileId>) -> Request<FilesDelete> {
        self.request(FilesDelete::new(file_uuid.into().into_string()))
    }

    /// `GET /v2/files/{file_uuid}/frames`: frame URLs of a processed video.
    pub fn get_frames(&self, file_uuid: impl Into<FileId>) -> Request<FilesGetFrames> {
        self.request(FilesGetFrames::new(file_uuid.into().into_string()))
    }

    /// `GET /v2/files/{file_uuid}/status`: processing status.
    pub fn get_status(&self, file_uuid: impl Into<FileId>) -> Request<FilesGetStatus> {
        self.request(FilesGetStatus::new(file_uuid.into().into_string()))
    }

    /// `POST /v2/files/-/uploads`: uploads one file as `multipart/form-data`, streamed.
    /// A `&str`/`PathBuf` is a path on disk; see [`UploadSource`] for bytes and readers.
    pub fn upload(&self, source: impl Into<UploadSource>) -> Upload {
        Upload::new(self.client.clone(), source.into(), false)
    }

    /// The presigned flow: `POST /v2/files` for an upload URL, then a streamed `PUT` of the
    /// bytes to it (without Aymara credentials, which must not reach object storage). Returns
    /// the created file, which converts into a [`crate::types::FileReference`] for eval runs.
    pub fn upload_via_url(&self, source: impl Into<UploadSource>) -> Upload {
        Upload::new(self.client.clone(), source.into(), true)
    }

    /// Uploads many files with bounded concurrency (default 4); one result per source, in
    /// order, so no failure is lost.
    pub fn upload_many<I>(&self, sources: I) -> UploadMany
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
        }
    }

    /// Polls `GET /v2/files/{file_uuid}/status` until `completed` (returns the status) or
    /// `failed` ([`Error::WaitFailed`] with the server's `error_message`).
    pub fn wait_for_processing(&self, file_uuid: impl Into<FileId>) -> Wait<FilesGetStatus> {
        let id: FileId = file_uuid.into();
        Wait::new(
            self.get_status(&id),
            "file",
            id.into_string(),
            Arc::new(processed),
        )
    }
}

/// What the spec cannot say about registering files: one entry at a time, by local name or remote
/// URI. A macro so that the async and the blocking `Request` share it.
macro_rules! extras {
    ($request:ident) => {
        impl $request<$crate::operations::FilesCreate> {
            /// Adds an entry.
            pub fn file(self, item: $crate::types::FileUploadItem) -> Self {
                self.map_op(|op| op.body.files.push(item))
            }

            /// Adds a local file by name; the content type is guessed from the extension.
            pub fn local_file(self, name: impl Into<String>) -> Self {
                let name = name.into();
                let content_type = $crate::upload::guess_content_type(&name);
                self.file($crate::types::FileUploadItem {
                    local_file_path: Some(name),
                    content_type: Some(content_type),
                    remote_uri: None,
                })
            }

            /// Adds a remote file the server fetches, with an optional content type.
            pub fn remote_uri(self, uri: impl Into<String>, content_type: Option<String>) -> Self {
                self.file($crate::types::FileUploadItem {
                    remote_uri: Some(uri.into()),
                    content_type,
                    local_file_path: None,
                })
            }
        }
    };
}
#[cfg_attr(not(feature = "blocking"), allow(unused_imports))]
pub(crate) use extras;
extras!(Request);

/// The acceptor of [`Files::wait_for_processing`]: `completed` is done, `failed` failed (with
/// the server's `error_message`), any other status still in progress.
pub fn processed(status: &FileStatus) -> PollState {
    match &status.processing_status {
        FileProcessingStatus::Completed => PollState::Done("completed".into()),
        FileProcessingStatus::Failed => {
            PollState::Failed("failed".into(), status.error_message.clone())
        }
        other => PollState::Pending(other.to_string()),
    }
}

/// An upload ([`Files::upload`] or [`Files::upload_via_url`]): set a file name, content type,
/// workspace or progress callback, then `.send().await` or `.await`.
#[must_use = "an upload does nothing until it is sent"]
pub struct Upload {
    client: Client,
    source: UploadSource,
    via_url: bool,
    file_name: Option<String>,
    content_type: Option<String>,
    workspace_uuid: Option<String>,
    progress: Option<ProgressFn>,
    pub(crate) options: RequestOptions,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("source", &self.source)
            .field("via_url", &self.via_url)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl Upload {
    fn new(client: Client, source: UploadSource, via_url: bool) -> Self {
        Self {
            client,
            source,
            via_url,
            file_name: None,
            content_type: None,
            workspace_uuid: None,
            progress: None,
            options: RequestOptions::default(),
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

    option_setters!();

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
        crate::checks::check_workspace(self.workspace_uuid.as_deref())?;
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
        let replay = replay(rebody, build);
        let mut ex = upload_exchange("files_upload", request, &headers, &self.options, &tracker);
        ex.rebuild = replay.as_deref();
        let done = guarded(config, ex, &tracker, response_timeout).await?;
        decode::<FileUpload>(&done)
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
        let no_headers = reqwest::header::HeaderMap::new();
        let mut ex = upload_exchange(
            "files_presigned_put",
            request,
            &no_headers,
            &self.options,
            &tracker,
        );
        // Object storage answers with its own (often empty or XML) body: only the status
        // counts, and an error body is kept for the error.
        let replay = replay(rebody, build);
        ex.read = Read::SuccessUnread;
        ex.bare = true;
        ex.rebuild = replay.as_deref();
        guarded(config, ex, &tracker, response_timeout).await?;
        Ok(file)
    }
}

/// Combines a body rebuilder and a request builder into a transport replay.
fn replay(
    rebody: Option<crate::upload::Rebody>,
    build: impl Fn(reqwest::Body) -> Option<reqwest::Request> + Send + Sync + 'static,
) -> Option<crate::http::exchange::Replay> {
    let rebody = rebody?;
    Some(Arc::new(move || build(rebody()?)))
}

impl IntoFuture for Upload {
    type Output = Result<FileUpload>;
    type IntoFuture = BoxFuture<Result<FileUpload>>;
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Many uploads at once ([`Files::upload_many`]).
#[must_use = "uploads do nothing until sent"]
pub struct UploadMany {
    client: Client,
    sources: Vec<UploadSource>,
    concurrency: usize,
    via_url: bool,
    workspace_uuid: Option<String>,
    pub(crate) options: RequestOptions,
}

impl UploadMany {
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

    option_setters!();

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
                let mut up = Upload::new(client.clone(), source, via_url).options(options.clone());
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

/// An upload's exchange: the call's timeout and retries, its body read whole.
fn upload_exchange<'a>(
    operation: &'static str,
    request: reqwest::Request,
    headers: &'a reqwest::header::HeaderMap,
    options: &RequestOptions,
    tracker: &Arc<Tracker>,
) -> Exchange<'a> {
    Exchange {
        operation,
        request,
        headers,
        timeout: options.timeout,
        max_retries: options.max_retries,
        read: Read::Whole,
        bare: false,
        rebuild: None,
        tracker: Some(tracker.clone()),
    }
}

/// Runs an upload's exchange under the stall guard; an error status is the call's error.
async fn guarded(
    config: &crate::config::Config,
    ex: Exchange<'_>,
    tracker: &Tracker,
    response_timeout: std::time::Duration,
) -> Result<crate::http::exchange::Exchanged> {
    let context = crate::error::CallContext {
        operation: ex.operation,
        method: ex.request.method().clone(),
        path: ex.request.url().path().to_owned(),
        attempts: 1,
    };
    let done = guard(
        exchange(config, ex),
        tracker,
        config.upload_stall_timeout,
        response_timeout,
        context,
    )
    .await?;
    if done.response.status().is_success() {
        Ok(done)
    } else {
        Err(status_error(done))
    }
}
