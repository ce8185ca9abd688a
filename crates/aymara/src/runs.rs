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
//! Ids are plain `String`s (`score_run.<uuid>` for runs, `answer.<uuid>` for responses).

use crate::Client;
use crate::error::{Error, Result};
use crate::ops::{
    by_id, check_unit_interval, check_workspace, list_operation, require_text, status_state,
    workspace_setter,
};
use crate::pagination::Window;
use crate::polling::{PollState, Pollable, Wait};
use crate::request::with_opt;
use crate::request::{Async, BoxFuture, Operation, RawResult, Request, require_id};
use crate::types::{
    AnswerHistory, AnswerUpdateRequest, ContentType, EvalResponse, EvalRunExample, EvalRunRequest,
    EvalRunResult, FileReference, FileUpload, PagedEvalRunResult, PagedScoredResponse,
    ResponseContent, ScoredResponse,
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
pub struct Runs<M = Async> {
    client: Client,
    mode: M,
}

impl<M: Clone> Runs<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }

    fn request<O>(&self, op: O) -> Request<O, M> {
        Request::new(self.client.clone(), op, self.mode.clone())
    }

    /// `POST /v2/eval-runs`: submits responses to an eval's prompts for scoring (build them with
    /// [`response`], [`refusal`], [`file_response`]). Scoring is asynchronous: follow with
    /// [`wait_until_scored`](Self::wait_until_scored) and
    /// [`list_responses`](Self::list_responses). `is_sandbox` and `workspace_uuid` go in the
    /// query.
    pub fn create<R: Into<EvalResponse>>(
        &self,
        eval_uuid: impl Into<String>,
        responses: impl IntoIterator<Item = R>,
    ) -> Request<Create, M> {
        self.request(Create {
            body: run_request(eval_uuid.into(), responses),
            is_sandbox: None,
            workspace_uuid: None,
        })
    }

    /// `GET /v2/eval-runs`: lists eval runs (optionally of one eval, with
    /// [`Request::<List>::eval_uuid`]), page by page or across pages.
    pub fn list(&self) -> Request<List, M> {
        self.request(List::default())
    }

    /// `DELETE /v2/eval-runs/{eval_run_uuid}`: deletes an eval run.
    pub fn delete(&self, eval_run_uuid: impl Into<String>) -> Request<Delete, M> {
        self.request(Delete::new(eval_run_uuid.into()))
    }

    /// `GET /v2/eval-runs/{eval_run_uuid}`: one eval run (its `responses` are usually absent:
    /// use [`list_responses`](Self::list_responses)).
    pub fn get(&self, eval_run_uuid: impl Into<String>) -> Request<Get, M> {
        self.request(Get::new(eval_run_uuid.into()))
    }

    /// `GET /v2/eval-runs/{eval_run_uuid}/responses/{response_uuid}/history`: the manual-edit
    /// history of one scored response (not paginated).
    pub fn get_response_history(
        &self,
        eval_run_uuid: impl Into<String>,
        response_uuid: impl Into<String>,
    ) -> Request<GetResponseHistory, M> {
        self.request(GetResponseHistory {
            eval_run_uuid: eval_run_uuid.into(),
            response_uuid: response_uuid.into(),
            workspace_uuid: None,
        })
    }

    /// `GET /v2/eval-runs/{eval_run_uuid}/responses`: the scored responses of a run, page by
    /// page or across pages (`.items()`, `.collect_all()`).
    pub fn list_responses(&self, eval_run_uuid: impl Into<String>) -> Request<ListResponses, M> {
        self.request(ListResponses {
            eval_run_uuid: eval_run_uuid.into(),
            workspace_uuid: None,
            window: Window::default(),
        })
    }

    /// `POST /v2/eval-runs/-/score-responses`: scores the responses and returns the run with
    /// its scored `responses` (it appears synchronous, so give it a generous
    /// [`timeout`](Request::timeout)). For multi-turn evals set
    /// [`continue_thread`](Request::<ScoreResponses>::continue_thread) and, after the first call,
    /// [`eval_run_uuid`](Request::<ScoreResponses>::eval_run_uuid); see
    /// [`crate::runner::MultiTurn`] for the whole loop.
    pub fn score_responses<R: Into<EvalResponse>>(
        &self,
        eval_uuid: impl Into<String>,
        responses: impl IntoIterator<Item = R>,
    ) -> Request<ScoreResponses, M> {
        self.request(ScoreResponses {
            body: run_request(eval_uuid.into(), responses),
            is_sandbox: None,
            workspace_uuid: None,
        })
    }

    /// `PATCH /v2/eval-runs/{eval_run_uuid}/responses/{response_uuid}`: manually overrides a
    /// scored response's verdict, confidence or explanation. Nothing set sends `{}`.
    pub fn update_response(
        &self,
        eval_run_uuid: impl Into<String>,
        response_uuid: impl Into<String>,
    ) -> Request<UpdateResponse, M> {
        self.request(UpdateResponse {
            eval_run_uuid: eval_run_uuid.into(),
            response_uuid: response_uuid.into(),
            workspace_uuid: None,
            body: AnswerUpdateRequest::default(),
        })
    }

    /// Polls `GET /v2/eval-runs/{eval_run_uuid}` until the run is `finished` (returns it) or
    /// `failed` ([`Error::WaitFailed`]); [`Error::WaitTimeout`] after the deadline (15 minutes
    /// unless set).
    pub fn wait_until_scored(&self, eval_run_uuid: impl Into<String>) -> Wait<RunScoring, M> {
        Wait::new(self.client.clone(), eval_run_uuid.into(), self.mode.clone())
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

/// Checks an [`EvalRunRequest`] before sending it.
fn validate_run_request(body: &EvalRunRequest) -> Result<()> {
    require_id("eval_uuid", &body.eval_uuid)?;
    if body.responses.is_empty() {
        return Err(Error::invalid(
            "responses",
            "at least one response is required",
        ));
    }
    for (i, r) in body.responses.iter().enumerate() {
        require_text(&format!("responses[{i}].prompt_uuid"), &r.prompt_uuid)?;
    }
    if let Some(run) = &body.eval_run_uuid {
        require_id("eval_run_uuid", run)?;
    }
    Ok(())
}

/// Setters shared by run creation and scoring (same body, `is_sandbox` in the query).
macro_rules! run_request_setters {
    ($($op:ty),*) => {$(
        impl<M> Request<$op, M> {
            /// Adds a response.
            pub fn response(self, response: impl Into<EvalResponse>) -> Self {
                let r = response.into();
                self.map_op(|op| op.body.responses.push(r))
            }

            /// Adds responses.
            pub fn responses<R: Into<EvalResponse>>(
                self,
                responses: impl IntoIterator<Item = R>,
            ) -> Self {
                self.map_op(|op| op.body.responses.extend(responses.into_iter().map(Into::into)))
            }

            /// Run name (the server's default is the eval name plus a timestamp).
            pub fn name(self, name: impl Into<String>) -> Self {
                let v = name.into();
                self.map_op(|op| op.body.name = Some(v))
            }

            /// Description of the AI for this run.
            pub fn ai_description(self, ai_description: impl Into<String>) -> Self {
                let v = ai_description.into();
                self.map_op(|op| op.body.ai_description = Some(v))
            }

            /// Adds a scoring example ([`EvalRunExample::pass`] / [`EvalRunExample::fail`]).
            pub fn example(self, example: EvalRunExample) -> Self {
                self.map_op(|op| op.body.eval_run_examples.get_or_insert_with(Vec::new).push(example))
            }

            /// Whether conversation threads continue after these responses (multi-turn).
            pub fn continue_thread(self, yes: bool) -> Self {
                self.map_op(|op| op.body.continue_thread = Some(yes))
            }

            /// Appends to (continues) an existing run (multi-turn, after the first call).
            pub fn eval_run_uuid(self, eval_run_uuid: impl Into<String>) -> Self {
                let v = eval_run_uuid.into();
                self.map_op(|op| op.body.eval_run_uuid = Some(v))
            }

            /// Runs in sandbox mode (a query parameter, independent of the `X-Use-Sandbox`
            /// header).
            pub fn is_sandbox(self, yes: bool) -> Self {
                self.map_op(|op| op.is_sandbox = Some(yes))
            }
        }
    )*};
}

// ----- create -----

/// `POST` operations whose body is an `EvalRunRequest` and whose query carries `is_sandbox`
/// and `workspace_uuid`: run creation and score-responses.
macro_rules! run_request_operation {
    ($(#[$m:meta])* $name:ident, $id:literal, $method:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $name {
            body: EvalRunRequest,
            is_sandbox: Option<bool>,
            workspace_uuid: Option<String>,
        }

        run_request_setters!($name);
        workspace_setter!($name);

        impl Operation for $name {
            type Output = EvalRunResult;
            const ID: &'static str = $id;
            const JSON_BODY: bool = true;

            fn validate(&self) -> Result<()> {
                validate_run_request(&self.body)?;
                check_workspace(&self.workspace_uuid)
            }

            fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
                Box::pin(async move {
                    with_opt!(
                        raw.$method().body(self.body),
                        is_sandbox = self.is_sandbox,
                        workspace_uuid = self.workspace_uuid
                    )
                    .send()
                    .await
                })
            }
        }
    };
}

run_request_operation!(
    /// Parameters of [`Runs::create`].
    Create, "eval_runs_create", eval_runs_create
);
run_request_operation!(
    /// Parameters of [`Runs::score_responses`].
    ScoreResponses, "eval_runs_score_responses", eval_runs_score_responses
);

// ----- list -----

/// Parameters of [`Runs::list`].
#[derive(Clone, Debug, Default)]
pub struct List {
    eval_uuid: Option<String>,
    workspace_uuid: Option<String>,
    window: Window,
}

impl<M> Request<List, M> {
    /// Only runs of this eval.
    pub fn eval_uuid(self, eval_uuid: impl Into<String>) -> Self {
        let v = eval_uuid.into();
        self.map_op(|op| op.eval_uuid = Some(v))
    }
}

workspace_setter!(List);
list_operation!(List, EvalRunResult, PagedEvalRunResult);

impl Operation for List {
    type Output = PagedEvalRunResult;
    const ID: &'static str = "eval_runs_list";
    const JSON_BODY: bool = false;

    fn validate(&self) -> Result<()> {
        self.window.validate()?;
        if let Some(e) = &self.eval_uuid {
            require_id("eval_uuid", e)?;
        }
        check_workspace(&self.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.eval_runs_list(),
                eval_uuid = self.eval_uuid,
                workspace_uuid = self.workspace_uuid,
                limit = self.window.limit,
                offset = self.window.offset
            )
            .send()
            .await
        })
    }
}

// ----- get, delete -----

by_id!(
    /// Parameters of [`Runs::get`].
    Get { eval_run_uuid }, "eval_runs_get", EvalRunResult, eval_runs_get, workspace
);
by_id!(
    /// Parameters of [`Runs::delete`].
    Delete { eval_run_uuid }, "eval_runs_delete", (), eval_runs_delete, workspace
);

// ----- get_response_history -----

/// Parameters of [`Runs::get_response_history`].
#[derive(Clone, Debug)]
pub struct GetResponseHistory {
    eval_run_uuid: String,
    response_uuid: String,
    workspace_uuid: Option<String>,
}

workspace_setter!(GetResponseHistory);

impl Operation for GetResponseHistory {
    type Output = Vec<AnswerHistory>;
    const ID: &'static str = "eval_runs_get_response_history";
    const JSON_BODY: bool = false;

    fn validate(&self) -> Result<()> {
        require_id("eval_run_uuid", &self.eval_run_uuid)?;
        require_id("response_uuid", &self.response_uuid)?;
        check_workspace(&self.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.eval_runs_get_response_history()
                    .eval_run_uuid(self.eval_run_uuid)
                    .response_uuid(self.response_uuid),
                workspace_uuid = self.workspace_uuid
            )
            .send()
            .await
        })
    }
}

// ----- list_responses -----

/// Parameters of [`Runs::list_responses`].
#[derive(Clone, Debug)]
pub struct ListResponses {
    eval_run_uuid: String,
    workspace_uuid: Option<String>,
    window: Window,
}

workspace_setter!(ListResponses);
list_operation!(ListResponses, ScoredResponse, PagedScoredResponse);

impl Operation for ListResponses {
    type Output = PagedScoredResponse;
    const ID: &'static str = "eval_runs_list_responses";
    const JSON_BODY: bool = false;

    fn validate(&self) -> Result<()> {
        require_id("eval_run_uuid", &self.eval_run_uuid)?;
        self.window.validate()?;
        check_workspace(&self.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.eval_runs_list_responses()
                    .eval_run_uuid(self.eval_run_uuid),
                workspace_uuid = self.workspace_uuid,
                limit = self.window.limit,
                offset = self.window.offset
            )
            .send()
            .await
        })
    }
}

// ----- update_response -----

/// Parameters of [`Runs::update_response`].
#[derive(Clone, Debug)]
pub struct UpdateResponse {
    eval_run_uuid: String,
    response_uuid: String,
    workspace_uuid: Option<String>,
    body: AnswerUpdateRequest,
}

impl<M> Request<UpdateResponse, M> {
    /// New verdict.
    pub fn is_passed(self, passed: bool) -> Self {
        self.map_op(|op| op.body.is_passed = Some(passed))
    }

    /// New confidence, 0.0 to 1.0.
    pub fn confidence(self, confidence: f64) -> Self {
        self.map_op(|op| op.body.confidence = Some(confidence))
    }

    /// New explanation.
    pub fn explanation(self, explanation: impl Into<String>) -> Self {
        let v = explanation.into();
        self.map_op(|op| op.body.explanation = Some(v))
    }
}

workspace_setter!(UpdateResponse);

impl Operation for UpdateResponse {
    type Output = ScoredResponse;
    const ID: &'static str = "eval_runs_update_response";
    const JSON_BODY: bool = true;

    fn validate(&self) -> Result<()> {
        require_id("eval_run_uuid", &self.eval_run_uuid)?;
        require_id("response_uuid", &self.response_uuid)?;
        check_unit_interval("confidence", self.body.confidence)?;
        check_workspace(&self.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.eval_runs_update_response()
                    .eval_run_uuid(self.eval_run_uuid)
                    .response_uuid(self.response_uuid)
                    .body(self.body),
                workspace_uuid = self.workspace_uuid
            )
            .send()
            .await
        })
    }
}

// ----- wait_until_scored -----

/// Waiting for an eval run to be scored ([`Runs::wait_until_scored`]).
#[derive(Debug)]
pub enum RunScoring {}

impl Pollable for RunScoring {
    type Output = EvalRunResult;
    const RESOURCE: &'static str = "eval run";

    fn poll(client: &Client, id: &str) -> BoxFuture<Result<EvalRunResult>> {
        let req = client.evals().runs().get(id);
        Box::pin(req.send())
    }

    fn state(run: &EvalRunResult) -> PollState {
        status_state(Some(&run.status))
    }
}
