//! The eval runs resource (`client.evals().runs()`): `create`, `list`, `delete`, `get`,
//! `get_response_history`, `list_responses`, `score_responses`, `update_response`, plus
//! `wait_until_scored`, and helpers that build the responses you submit ([`response`],
//! [`refusal`], [`file_response`], [`uploaded_file_response`]).
//!
//! ```no_run
//! use aymara::runs;
//!
//! # async fn demo(client: aymara::Client, eval_uuid: String) -> Result<(), aymara::Error> {
//! let run = client
//!     .evals()
//!     .runs()
//!     .create(&eval_uuid, [
//!         runs::response("question.1", "I can't help with that."),
//!         runs::refusal("question.2"),
//!     ])
//!     .send()
//!     .await?;
//! let scored = client.evals().runs().wait_until_scored(&run.eval_run_uuid).await?;
//! println!("pass rate {:?}", scored.pass_rate);
//! let responses = client.evals().runs().list_responses(&run.eval_run_uuid).collect_all().await?;
//! println!("{} scored responses", responses.len());
//! # Ok(()) }
//! ```
//!
//! Ids are typed ([`crate::EvalRunId`], `score_run.<uuid>`; [`crate::ResponseId`], `answer.<uuid>`);
//! a method that takes one also takes a string or the object that carries it (`&run`).

use std::sync::Arc;

use aymara_raw::operations::{
    EvalRunsCreate, EvalRunsDelete, EvalRunsGet, EvalRunsGetResponseHistory, EvalRunsList,
    EvalRunsListResponses, EvalRunsScoreResponses, EvalRunsUpdateResponse,
};

use crate::Client;
use crate::error::{Error, Result};
use crate::ids::{EvalId, EvalRunId, ResponseId};
use crate::polling::{PollState, Wait, status_state};
use crate::request::Request;
use crate::types::{
    AnswerUpdateRequest, ContentType, EvalResponse, EvalRunRequest, EvalRunResult, FileReference,
    FileUpload, ResponseContent,
};

// ----- Building responses -----

/// A response to `prompt_uuid` with this content: text (`&str`/`String`) or a file reference.
/// For images and videos prefer [`file_response`], which also sets `content_type`.
pub fn response(
    prompt_uuid: impl Into<String>,
    content: impl Into<ResponseContent>,
) -> EvalResponse {
    EvalResponse {
        content: Some(content.into()),
        ..EvalResponse::new(prompt_uuid)
    }
}

/// A response recording that the AI refused to answer `prompt_uuid` (`ai_refused: true`, no
/// content).
pub fn refusal(prompt_uuid: impl Into<String>) -> EvalResponse {
    EvalResponse {
        ai_refused: Some(true),
        ..EvalResponse::new(prompt_uuid)
    }
}

/// A response that is a stored file (an uploaded [`FileUpload`], a
/// [`crate::types::FileDetail`] or a [`FileReference`]) of the given modality (`image` or
/// `video`).
pub fn file_response(
    prompt_uuid: impl Into<String>,
    file: impl Into<FileReference>,
    content_type: impl Into<ContentType>,
) -> EvalResponse {
    EvalResponse {
        content: Some(ResponseContent::FileReference(file.into())),
        content_type: Some(content_type.into()),
        ..EvalResponse::new(prompt_uuid)
    }
}

/// A response that is an uploaded file, with `content_type` `image` or `video` taken from the
/// upload's MIME type (else guessed from its file name). Any other kind of file is rejected with
/// [`Error::InvalidInput`].
pub fn uploaded_file_response(
    prompt_uuid: impl Into<String>,
    upload: &FileUpload,
) -> Result<EvalResponse> {
    let mime = upload
        .content_type
        .clone()
        .filter(|m| media_content_type(m).is_some())
        .or_else(|| {
            [&upload.local_file_path, &upload.remote_file_path]
                .into_iter()
                .flatten()
                .map(|name| crate::upload::guess_content_type(name))
                .find(|m| media_content_type(m).is_some())
        })
        .or_else(|| upload.content_type.clone())
        .unwrap_or_else(|| "application/octet-stream".into());
    let content_type = media_content_type(&mime).ok_or_else(|| {
        Error::invalid(
            "content_type",
            format!("an uploaded file must be an image or a video to be a response, not {mime}"),
        )
    })?;
    Ok(file_response(prompt_uuid, upload, content_type))
}

/// The response modality for a MIME type: `image/*` → image, `video/*` → video, else `None`.
pub fn media_content_type(mime: &str) -> Option<ContentType> {
    let kind = mime.split('/').next()?.trim().to_ascii_lowercase();
    match kind.as_str() {
        "image" => Some(ContentType::Image),
        "video" => Some(ContentType::Video),
        _ => None,
    }
}

// ----- The resource -----

/// The eval runs resource. Obtain it with [`crate::evals::Evals::runs`].
#[derive(Clone, Debug)]
pub struct Runs {
    client: Client,
}

impl Runs {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    fn request<O>(&self, op: O) -> Request<O> {
        Request::new(self.client.clone(), op)
    }

    /// `POST /v2/eval-runs`: submits responses to an eval's prompts for scoring (build them with
    /// [`response`], [`refusal`], [`file_response`]). Scoring is asynchronous: follow with
    /// [`wait_until_scored`](Self::wait_until_scored) and
    /// [`list_responses`](Self::list_responses). `is_sandbox` and `workspace_uuid` go in the
    /// query.
    pub fn create<R: Into<EvalResponse>>(
        &self,
        eval_uuid: impl Into<EvalId>,
        responses: impl IntoIterator<Item = R>,
    ) -> Request<EvalRunsCreate> {
        self.request(EvalRunsCreate::new(run_request(
            eval_uuid.into().into_string(),
            responses,
        )))
    }

    /// `GET /v2/eval-runs`: lists eval runs (optionally of one eval, with
    /// [`Request::<EvalRunsList>::eval_uuid`]), page by page or across pages.
    pub fn list(&self) -> Request<EvalRunsList> {
        self.request(EvalRunsList::new())
    }

    /// `DELETE /v2/eval-runs/{eval_run_uuid}`: deletes an eval run.
    pub fn delete(&self, eval_run_uuid: impl Into<EvalRunId>) -> Request<EvalRunsDelete> {
        self.request(EvalRunsDelete::new(eval_run_uuid.into().into_string()))
    }

    /// `GET /v2/eval-runs/{eval_run_uuid}`: one eval run (its `responses` are usually absent:
    /// use [`list_responses`](Self::list_responses)).
    pub fn get(&self, eval_run_uuid: impl Into<EvalRunId>) -> Request<EvalRunsGet> {
        self.request(EvalRunsGet::new(eval_run_uuid.into().into_string()))
    }

    /// `GET /v2/eval-runs/{eval_run_uuid}/responses/{response_uuid}/history`: the manual-edit
    /// history of one scored response (not paginated).
    pub fn get_response_history(
        &self,
        eval_run_uuid: impl Into<EvalRunId>,
        response_uuid: impl Into<ResponseId>,
    ) -> Request<EvalRunsGetResponseHistory> {
        self.request(EvalRunsGetResponseHistory::new(
            eval_run_uuid.into().into_string(),
            response_uuid.into().into_string(),
        ))
    }

    /// `GET /v2/eval-runs/{eval_run_uuid}/responses`: the scored responses of a run, page by
    /// page or across pages (`.items()`, `.collect_all()`).
    pub fn list_responses(
        &self,
        eval_run_uuid: impl Into<EvalRunId>,
    ) -> Request<EvalRunsListResponses> {
        self.request(EvalRunsListResponses::new(
            eval_run_uuid.into().into_string(),
        ))
    }

    /// `POST /v2/eval-runs/-/score-responses`: scores the responses and returns the run with
    /// its scored `responses` (it appears synchronous, so give it a generous
    /// [`timeout`](Request::timeout)). For multi-turn evals set
    /// `continue_thread` and, after the first call, `eval_run_uuid`; see
    /// [`crate::runner::MultiTurn`] for the whole loop.
    pub fn score_responses<R: Into<EvalResponse>>(
        &self,
        eval_uuid: impl Into<EvalId>,
        responses: impl IntoIterator<Item = R>,
    ) -> Request<EvalRunsScoreResponses> {
        self.request(EvalRunsScoreResponses::new(run_request(
            eval_uuid.into().into_string(),
            responses,
        )))
    }

    /// `PATCH /v2/eval-runs/{eval_run_uuid}/responses/{response_uuid}`: manually overrides a
    /// scored response's verdict, confidence or explanation. Nothing set sends `{}`.
    pub fn update_response(
        &self,
        eval_run_uuid: impl Into<EvalRunId>,
        response_uuid: impl Into<ResponseId>,
    ) -> Request<EvalRunsUpdateResponse> {
        self.request(EvalRunsUpdateResponse::new(
            eval_run_uuid.into().into_string(),
            response_uuid.into().into_string(),
            AnswerUpdateRequest::default(),
        ))
    }

    /// Polls `GET /v2/eval-runs/{eval_run_uuid}` until the run is `finished` (returns it) or
    /// `failed` ([`Error::WaitFailed`]); [`Error::WaitTimeout`] after the deadline (15 minutes
    /// unless set).
    pub fn wait_until_scored(&self, eval_run_uuid: impl Into<EvalRunId>) -> Wait<EvalRunsGet> {
        let id: EvalRunId = eval_run_uuid.into();
        Wait::new(
            self.get(&id),
            "eval run",
            id.into_string(),
            Arc::new(scored),
        )
    }
}

fn run_request<R: Into<EvalResponse>>(
    eval_uuid: String,
    responses: impl IntoIterator<Item = R>,
) -> EvalRunRequest {
    EvalRunRequest {
        ai_description: None,
        continue_thread: None,
        eval_run_examples: None,
        eval_run_uuid: None,
        eval_uuid,
        name: None,
        responses: responses.into_iter().map(Into::into).collect(),
    }
}

/// The extras of run creation and scoring (same body): one response or example at a time.
macro_rules! extras {
    ($request:ident) => {
        $crate::runs::extras!($request, $crate::operations::EvalRunsCreate);
        $crate::runs::extras!($request, $crate::operations::EvalRunsScoreResponses);
    };
    ($request:ident, $op:ty) => {
        impl $request<$op> {
            /// Adds a response.
            pub fn response(self, response: impl Into<$crate::types::EvalResponse>) -> Self {
                self.responses([response.into()])
            }

            /// Adds a scoring example ([`EvalRunExample::pass`](crate::types::EvalRunExample::pass)
            /// / [`EvalRunExample::fail`](crate::types::EvalRunExample::fail)).
            pub fn example(self, example: $crate::types::EvalRunExample) -> Self {
                self.eval_run_examples([example])
            }
        }
    };
}
pub(crate) use extras;
extras!(Request);

/// The acceptor of [`Runs::wait_until_scored`]: `finished` is done, `failed` failed, any other
/// status still in progress.
pub fn scored(run: &EvalRunResult) -> PollState {
    status_state(Some(&run.status))
}
