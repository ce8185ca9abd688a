//! The evals resource: `create`, `update`, `list`, `delete`, `get`, `analyze`, `list_prompts`,
//! plus `wait_until_ready`. Eval runs live under [`Evals::runs`].
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//!
//! # async fn demo(client: aymara::Client) -> Result<(), aymara::Error> {
//! let eval = client
//!     .evals()
//!     .create("A customer-support chatbot for a bank", "safety")
//!     .name("bank bot safety")
//!     .num_prompts(5)
//!     .ai_instructions("Never give investment advice.")
//!     .send()
//!     .await?;
//! let eval_uuid = eval.eval_uuid.unwrap_or_default();
//! client.evals().wait_until_ready(&eval_uuid).await?;
//! let prompts: Vec<_> = client.evals().list_prompts(&eval_uuid).items().try_collect().await?;
//! println!("{} prompts", prompts.len());
//! # Ok(()) }
//! ```
//!
//! Ids are plain `String`s (`test.<uuid>` for evals), as the API sends them.

use std::num::NonZeroU64;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, Stream, TryStreamExt};

use crate::Client;
use crate::error::{Error, Result};
use crate::ops::{
    by_id, check_unit_interval, check_workspace, list_operation, require_text, status_state,
    workspace_list, workspace_setter,
};
use crate::pagination::{DEFAULT_PAGE_SIZE, Window};
use crate::polling::{PollState, Pollable, Wait};
use crate::request::with_opt;
use crate::request::{Async, BoxFuture, Operation, RawResult, Request, require_id};
use crate::types::{
    AiInstructions, ContentType, Eval, EvalAnalysisRequest, EvalAnalysisResult, EvalAnalysisSortBy,
    EvalAnalyzeResponse, EvalPrompt, EvalUpdate, GroundTruth, PagedEval, PagedEvalPrompt,
    PromptCreate, PromptExample, PromptUpdate, PromptUpdateAction, SortOrder, Status,
};

// ----- The resource -----

/// The evals resource. Obtain it with [`Client::evals`] (or the blocking client's `evals()`).
#[derive(Clone, Debug)]
pub struct Evals<M = Async> {
    client: Client,
    mode: M,
}

impl<M: Clone> Evals<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }

    fn request<O>(&self, op: O) -> Request<O, M> {
        Request::new(self.client.clone(), op, self.mode.clone())
    }

    /// The eval runs resource (`/v2/eval-runs`).
    pub fn runs(&self) -> crate::runs::Runs<M> {
        crate::runs::Runs::new(self.client.clone(), self.mode.clone())
    }

    /// `POST /v2/evals`: creates an eval of type `eval_type` (a slug such as `safety`) for the AI
    /// described by `ai_description`. Optional fields have setters (`name`, `num_prompts`,
    /// `ai_instructions`, …). Prompt generation is asynchronous: follow with
    /// [`wait_until_ready`](Self::wait_until_ready).
    pub fn create(
        &self,
        ai_description: impl Into<String>,
        eval_type: impl Into<String>,
    ) -> Request<Create, M> {
        self.request(Create {
            body: Eval {
                ai_description: ai_description.into(),
                ai_instructions: None,
                created_at: None,
                created_by: None,
                eval_instructions: None,
                eval_type: eval_type.into(),
                eval_uuid: None,
                ground_truth: None,
                is_jailbreak: None,
                is_sandbox: None,
                language: None,
                modality: None,
                name: None,
                num_prompts: None,
                prompt_examples: None,
                status: None,
                updated_at: None,
                workspace_uuid: None,
            },
        })
    }

    /// `POST /v2/evals` with a complete [`Eval`] body (the setters of
    /// [`create`](Self::create) still apply). Server-managed fields (`eval_uuid`, `status`, …)
    /// are sent as given, so normally leave them unset.
    pub fn create_from(&self, eval: Eval) -> Request<Create, M> {
        self.request(Create { body: eval })
    }

    /// `PUT /v2/evals/{eval_uuid}`: changes eval fields and adds, updates or deletes prompts in
    /// one call. Nothing set sends `{}`.
    pub fn update(&self, eval_uuid: impl Into<String>) -> Request<Update, M> {
        self.request(Update {
            eval_uuid: eval_uuid.into(),
            workspace_uuid: None,
            body: EvalUpdate::default(),
        })
    }

    /// `GET /v2/evals`: lists evals page by page (`.send_page()`), or across pages (`.items()`,
    /// `.pages()`, `.collect_all()`).
    pub fn list(&self) -> Request<List, M> {
        self.request(List::default())
    }

    /// `DELETE /v2/evals/{eval_uuid}`: deletes an eval.
    pub fn delete(&self, eval_uuid: impl Into<String>) -> Request<Delete, M> {
        self.request(Delete::new(eval_uuid.into()))
    }

    /// `GET /v2/evals/{eval_uuid}`: one eval.
    pub fn get(&self, eval_uuid: impl Into<String>) -> Request<Get, M> {
        self.request(Get::new(eval_uuid.into()))
    }

    /// `POST /v2/eval-analysis`: evals matching filters, each with statistics of its score runs.
    /// `.send()` returns one page; `.send_page()`, `.pages()`, `.items()` and `.collect_all()`
    /// walk the pages through the body's `limit`/`offset` while the server reports `has_more`.
    pub fn analyze(&self) -> Request<Analyze, M> {
        self.request(Analyze::default())
    }

    /// `GET /v2/evals/{eval_uuid}/prompts`: the prompts of a generated eval, page by page or
    /// across pages (`.items()`, `.collect_all()`).
    pub fn list_prompts(&self, eval_uuid: impl Into<String>) -> Request<ListPrompts, M> {
        self.request(ListPrompts {
            eval_uuid: eval_uuid.into(),
            workspace_uuid: None,
            window: Window::default(),
        })
    }

    /// Polls `GET /v2/evals/{eval_uuid}` until the eval is `finished` (returns it) or `failed`
    /// ([`Error::WaitFailed`]); [`Error::WaitTimeout`] after the deadline (15 minutes unless
    /// set, see [`crate::polling::WaitConfig`]). An eval without a `status`, or with a status
    /// this SDK does not know, counts as still in progress.
    pub fn wait_until_ready(&self, eval_uuid: impl Into<String>) -> Wait<EvalReady, M> {
        Wait::new(self.client.clone(), eval_uuid.into(), self.mode.clone())
    }
}

// ----- create -----

/// Parameters of [`Evals::create`].
#[derive(Clone, Debug)]
pub struct Create {
    body: Eval,
}

impl<M> Request<Create, M> {
    /// Eval name.
    pub fn name(self, name: impl Into<String>) -> Self {
        let v = name.into();
        self.map_op(|op| op.body.name = Some(v))
    }

    /// Number of prompts to generate (at least 1; the server's default is 50).
    pub fn num_prompts(self, num_prompts: i64) -> Self {
        self.map_op(|op| op.body.num_prompts = Some(num_prompts))
    }

    /// Instructions the AI under test must follow: text (`&str`/`String`), one agent
    /// ([`crate::types::AgentInstructions`]) or a workflow
    /// ([`crate::types::WorkflowInstructions`], or a `Vec` of agents).
    pub fn ai_instructions(self, instructions: impl Into<AiInstructions>) -> Self {
        let v = instructions.into();
        self.map_op(|op| op.body.ai_instructions = Some(v))
    }

    /// Extra instructions for prompt generation.
    pub fn eval_instructions(self, instructions: impl Into<String>) -> Self {
        let v = instructions.into();
        self.map_op(|op| op.body.eval_instructions = Some(v))
    }

    /// Reference answer for accuracy evals: text, or a file (an uploaded
    /// [`crate::types::FileUpload`] or a [`crate::types::FileReference`]).
    pub fn ground_truth(self, ground_truth: impl Into<GroundTruth>) -> Self {
        let v = ground_truth.into();
        self.map_op(|op| op.body.ground_truth = Some(v))
    }

    /// Wraps the prompts in jailbreak baits.
    pub fn is_jailbreak(self, yes: bool) -> Self {
        self.map_op(|op| op.body.is_jailbreak = Some(yes))
    }

    /// Makes a sandboxed eval (a body field, independent of the `X-Use-Sandbox` header).
    pub fn is_sandbox(self, yes: bool) -> Self {
        self.map_op(|op| op.body.is_sandbox = Some(yes))
    }

    /// Language code of the prompts (`en` by default; `es`, `fr`, `de`, `it`, `pt`).
    pub fn language(self, language: impl Into<String>) -> Self {
        let v = language.into();
        self.map_op(|op| op.body.language = Some(v))
    }

    /// Modality of the interactions (`text` by default, `image`, `video`).
    pub fn modality(self, modality: impl Into<ContentType>) -> Self {
        let v = modality.into();
        self.map_op(|op| op.body.modality = Some(v))
    }

    /// Adds an example prompt to steer generation ([`PromptExample::good`] /
    /// [`PromptExample::bad`]).
    pub fn prompt_example(self, example: PromptExample) -> Self {
        self.map_op(|op| {
            op.body
                .prompt_examples
                .get_or_insert_with(Vec::new)
                .push(example)
        })
    }

    /// Adds example prompts.
    pub fn prompt_examples(self, examples: impl IntoIterator<Item = PromptExample>) -> Self {
        self.map_op(|op| {
            op.body
                .prompt_examples
                .get_or_insert_with(Vec::new)
                .extend(examples)
        })
    }

    /// Workspace to create the eval in (a body field here, not a query parameter).
    pub fn workspace_uuid(self, workspace_uuid: impl Into<String>) -> Self {
        let v = workspace_uuid.into();
        self.map_op(|op| op.body.workspace_uuid = Some(v))
    }
}

impl Operation for Create {
    type Output = Eval;
    const ID: &'static str = "evals_create";
    const JSON_BODY: bool = true;

    fn validate(&self) -> Result<()> {
        require_text("ai_description", &self.body.ai_description)?;
        require_text("eval_type", &self.body.eval_type)?;
        if let Some(n) = self.body.num_prompts
            && n < 1
        {
            return Err(Error::invalid(
                "num_prompts",
                format!("must be at least 1, got {n}"),
            ));
        }
        check_instructions(self.body.ai_instructions.as_ref())?;
        check_workspace(&self.body.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move { raw.evals_create().body(self.body).send().await })
    }
}

/// A workflow needs at least one agent (`minItems: 1`).
fn check_instructions(instructions: Option<&AiInstructions>) -> Result<()> {
    if let Some(AiInstructions::WorkflowInstructions(w)) = instructions
        && w.instructions.is_empty()
    {
        return Err(Error::invalid(
            "ai_instructions.instructions",
            "a workflow needs at least one agent",
        ));
    }
    Ok(())
}

// ----- update -----

/// Parameters of [`Evals::update`].
#[derive(Clone, Debug)]
pub struct Update {
    eval_uuid: String,
    workspace_uuid: Option<String>,
    body: EvalUpdate,
}

impl<M> Request<Update, M> {
    /// New description of the AI.
    pub fn ai_description(self, ai_description: impl Into<String>) -> Self {
        let v = ai_description.into();
        self.map_op(|op| op.body.ai_description = Some(v))
    }

    /// New AI instructions (text, agent or workflow).
    pub fn ai_instructions(self, instructions: impl Into<AiInstructions>) -> Self {
        let v = instructions.into();
        self.map_op(|op| op.body.ai_instructions = Some(v))
    }

    /// New extra instructions for prompt generation.
    pub fn eval_instructions(self, instructions: impl Into<String>) -> Self {
        let v = instructions.into();
        self.map_op(|op| op.body.eval_instructions = Some(v))
    }

    /// New ground truth (text or file).
    pub fn ground_truth(self, ground_truth: impl Into<GroundTruth>) -> Self {
        let v = ground_truth.into();
        self.map_op(|op| op.body.ground_truth = Some(v))
    }

    /// New name.
    pub fn name(self, name: impl Into<String>) -> Self {
        let v = name.into();
        self.map_op(|op| op.body.name = Some(v))
    }

    /// Adds a prompt with this content.
    pub fn add_prompt(self, content: impl Into<String>) -> Self {
        self.prompt_create(PromptCreate {
            category: None,
            content: content.into(),
        })
    }

    /// Adds a prompt (content and optional category).
    pub fn prompt_create(self, prompt: PromptCreate) -> Self {
        self.map_op(|op| {
            op.body
                .prompt_creates
                .get_or_insert_with(Vec::new)
                .push(prompt)
        })
    }

    /// Replaces the content of an existing prompt.
    pub fn update_prompt(self, prompt_uuid: impl Into<String>, content: impl Into<String>) -> Self {
        self.prompt_update(PromptUpdate {
            action: Some(PromptUpdateAction::Update),
            category: None,
            content: Some(content.into()),
            prompt_uuid: prompt_uuid.into(),
        })
    }

    /// Deletes an existing prompt.
    pub fn delete_prompt(self, prompt_uuid: impl Into<String>) -> Self {
        self.prompt_update(PromptUpdate {
            action: Some(PromptUpdateAction::Delete),
            category: None,
            content: None,
            prompt_uuid: prompt_uuid.into(),
        })
    }

    /// Adds a prompt change as given (update or delete, content, category).
    pub fn prompt_update(self, update: PromptUpdate) -> Self {
        self.map_op(|op| {
            op.body
                .prompt_updates
                .get_or_insert_with(Vec::new)
                .push(update)
        })
    }
}

workspace_setter!(Update);

impl Operation for Update {
    type Output = Eval;
    const ID: &'static str = "evals_update";
    const JSON_BODY: bool = true;

    fn validate(&self) -> Result<()> {
        require_id("eval_uuid", &self.eval_uuid)?;
        check_workspace(&self.workspace_uuid)?;
        check_instructions(self.body.ai_instructions.as_ref())?;
        for (i, u) in self.body.prompt_updates.iter().flatten().enumerate() {
            require_text(&format!("prompt_updates[{i}].prompt_uuid"), &u.prompt_uuid)?;
        }
        Ok(())
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.evals_update().eval_uuid(self.eval_uuid).body(self.body),
                workspace_uuid = self.workspace_uuid
            )
            .send()
            .await
        })
    }
}

// ----- list -----

workspace_list!(
    /// Parameters of [`Evals::list`].
    List, "evals_list", Eval, PagedEval, evals_list
);

// ----- get, delete -----

by_id!(
    /// Parameters of [`Evals::get`].
    Get { eval_uuid }, "evals_get", Eval, evals_get, workspace
);
by_id!(
    /// Parameters of [`Evals::delete`].
    Delete { eval_uuid }, "evals_delete", (), evals_delete, workspace
);

// ----- list_prompts -----

/// Parameters of [`Evals::list_prompts`].
#[derive(Clone, Debug)]
pub struct ListPrompts {
    eval_uuid: String,
    workspace_uuid: Option<String>,
    window: Window,
}

workspace_setter!(ListPrompts);
list_operation!(ListPrompts, EvalPrompt, PagedEvalPrompt);

impl Operation for ListPrompts {
    type Output = PagedEvalPrompt;
    const ID: &'static str = "evals_list_prompts";
    const JSON_BODY: bool = false;

    fn validate(&self) -> Result<()> {
        require_id("eval_uuid", &self.eval_uuid)?;
        self.window.validate()?;
        check_workspace(&self.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.evals_list_prompts().eval_uuid(self.eval_uuid),
                workspace_uuid = self.workspace_uuid,
                limit = self.window.limit,
                offset = self.window.offset
            )
            .send()
            .await
        })
    }
}

// ----- wait_until_ready -----

/// Waiting for an eval's prompts to be generated ([`Evals::wait_until_ready`]).
#[derive(Debug)]
pub enum EvalReady {}

impl Pollable for EvalReady {
    type Output = Eval;
    const RESOURCE: &'static str = "eval";

    fn poll(client: &Client, id: &str) -> BoxFuture<Result<Eval>> {
        let req = client.evals().get(id);
        Box::pin(req.send())
    }

    fn state(eval: &Eval) -> PollState {
        status_state(eval.status.as_ref())
    }
}

// ----- analyze -----

/// Largest page the analysis endpoint accepts.
pub const MAX_ANALYSIS_LIMIT: u64 = 100;

/// Parameters of [`Evals::analyze`]: filters, sorting and the page window, all in the body.
#[derive(Clone, Debug, Default)]
pub struct Analyze {
    body: EvalAnalysisRequest,
    limit: Option<u64>,
}

impl<M> Request<Analyze, M> {
    /// Page size, 1 to 100 (100 when walking pages and none is set).
    pub fn limit(self, limit: u64) -> Self {
        self.map_op(|op| op.limit = Some(limit))
    }

    /// Results to skip before the first one returned.
    pub fn offset(self, offset: u64) -> Self {
        self.map_op(|op| op.body.offset = Some(offset))
    }

    /// Only evals created after this time.
    pub fn created_after(self, time: DateTime<Utc>) -> Self {
        self.map_op(|op| op.body.created_after = Some(time))
    }

    /// Only evals created before this time.
    pub fn created_before(self, time: DateTime<Utc>) -> Self {
        self.map_op(|op| op.body.created_before = Some(time))
    }

    /// Only evals created by this user (email).
    pub fn created_by(self, email: impl Into<String>) -> Self {
        let v = email.into();
        self.map_op(|op| op.body.created_by = Some(v))
    }

    /// Only evals of this type (slug).
    pub fn eval_type(self, eval_type: impl Into<String>) -> Self {
        let v = eval_type.into();
        self.map_op(|op| op.body.eval_type = Some(v))
    }

    /// Only evals with (or without) score runs.
    pub fn has_score_runs(self, yes: bool) -> Self {
        self.map_op(|op| op.body.has_score_runs = Some(yes))
    }

    /// Only jailbreak (or non-jailbreak) evals.
    pub fn is_jailbreak(self, yes: bool) -> Self {
        self.map_op(|op| op.body.is_jailbreak = Some(yes))
    }

    /// Only sandboxed (or non-sandboxed) evals.
    pub fn is_sandbox(self, yes: bool) -> Self {
        self.map_op(|op| op.body.is_sandbox = Some(yes))
    }

    /// Only evals in this language.
    pub fn language(self, language: impl Into<String>) -> Self {
        let v = language.into();
        self.map_op(|op| op.body.language = Some(v))
    }

    /// Only evals whose average pass rate is at most this (0.0 to 1.0).
    pub fn max_pass_rate(self, rate: f64) -> Self {
        self.map_op(|op| op.body.max_pass_rate = Some(rate))
    }

    /// Only evals whose average pass rate is at least this (0.0 to 1.0).
    pub fn min_pass_rate(self, rate: f64) -> Self {
        self.map_op(|op| op.body.min_pass_rate = Some(rate))
    }

    /// Only evals of this modality.
    pub fn modality(self, modality: impl Into<ContentType>) -> Self {
        let v = modality.into().to_string();
        self.map_op(|op| op.body.modality = Some(v))
    }

    /// Only evals whose name contains this (case-insensitive).
    pub fn name(self, name: impl Into<String>) -> Self {
        let v = name.into();
        self.map_op(|op| op.body.name = Some(v))
    }

    /// Only evals with score runs created after this time.
    pub fn run_created_after(self, time: DateTime<Utc>) -> Self {
        self.map_op(|op| op.body.run_created_after = Some(time))
    }

    /// Only evals with score runs created before this time.
    pub fn run_created_before(self, time: DateTime<Utc>) -> Self {
        self.map_op(|op| op.body.run_created_before = Some(time))
    }

    /// Only evals with a score run in this status.
    pub fn score_run_status(self, status: impl Into<Status>) -> Self {
        let v = status.into().to_string();
        self.map_op(|op| op.body.score_run_status = Some(v))
    }

    /// Sort field.
    pub fn sort_by(self, sort_by: impl Into<EvalAnalysisSortBy>) -> Self {
        let v = sort_by.into();
        self.map_op(|op| op.body.sort_by = Some(v))
    }

    /// Sort direction.
    pub fn sort_order(self, order: impl Into<SortOrder>) -> Self {
        let v = order.into();
        self.map_op(|op| op.body.sort_order = Some(v))
    }

    /// Only evals in this status.
    pub fn status(self, status: impl Into<Status>) -> Self {
        let v = status.into().to_string();
        self.map_op(|op| op.body.status = Some(v))
    }

    /// Only evals of this workspace (a body filter here, not a query parameter).
    pub fn workspace_uuid(self, workspace_uuid: impl Into<String>) -> Self {
        let v = workspace_uuid.into();
        self.map_op(|op| op.body.workspace_uuid = Some(v))
    }
}

impl Operation for Analyze {
    type Output = EvalAnalyzeResponse;
    const ID: &'static str = "evals_analyze";
    const JSON_BODY: bool = true;

    fn validate(&self) -> Result<()> {
        if let Some(limit) = self.limit
            && !(1..=MAX_ANALYSIS_LIMIT).contains(&limit)
        {
            return Err(Error::invalid(
                "limit",
                format!("must be between 1 and {MAX_ANALYSIS_LIMIT}, got {limit}"),
            ));
        }
        check_unit_interval("min_pass_rate", self.body.min_pass_rate)?;
        check_unit_interval("max_pass_rate", self.body.max_pass_rate)?;
        if let (Some(min), Some(max)) = (self.body.min_pass_rate, self.body.max_pass_rate)
            && min > max
        {
            return Err(Error::invalid(
                "min_pass_rate",
                format!("is above max_pass_rate ({min} > {max})"),
            ));
        }
        check_workspace(&self.body.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        let mut body = self.body;
        body.limit = self.limit.and_then(NonZeroU64::new);
        Box::pin(async move { raw.evals_analyze().body(body).send().await })
    }
}

/// One page of an eval analysis ([`Evals::analyze`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AnalysisPage<M = Async> {
    /// This page's evals, each with its statistics.
    pub results: Vec<EvalAnalysisResult>,
    /// Total number of matching evals.
    pub total_count: i64,
    /// Whether the server reported more results after this page.
    pub has_more: bool,
    /// Offset this page was requested at.
    pub offset: u64,
    /// Page size that was requested.
    pub limit: u64,
    next: Option<Request<Analyze, M>>,
}

impl<M> AnalysisPage<M> {
    /// Whether another page follows (the server said `has_more` and this page was not empty).
    pub fn has_next_page(&self) -> bool {
        self.next.is_some()
    }

    /// Offset of the next page (offset sent + results received), if there is one.
    pub fn next_offset(&self) -> Option<u64> {
        self.next.as_ref().and_then(|_| {
            self.offset
                .checked_add(u64::try_from(self.results.len()).ok()?)
        })
    }
}

impl<M> IntoIterator for AnalysisPage<M> {
    type Item = EvalAnalysisResult;
    type IntoIter = std::vec::IntoIter<EvalAnalysisResult>;
    fn into_iter(self) -> Self::IntoIter {
        self.results.into_iter()
    }
}

impl<M: Clone> Request<Analyze, M> {
    /// The request with an explicit window (so the walk never depends on server defaults).
    fn windowed(mut self) -> (Self, u64, u64) {
        let limit = self.op.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = self.op.body.offset.unwrap_or(0);
        self.op.limit = Some(limit);
        self.op.body.offset = Some(offset);
        (self, offset, limit)
    }
}

fn analysis_page<M: Clone>(
    out: EvalAnalyzeResponse,
    offset: u64,
    limit: u64,
    template: Request<Analyze, M>,
) -> AnalysisPage<M> {
    let received = u64::try_from(out.results.len()).unwrap_or(u64::MAX);
    let following = offset.checked_add(received);
    let next = match following {
        Some(f) if out.has_more && received > 0 => Some(template.offset(f)),
        // Past u64::MAX there is nothing to ask for: the walk ends here.
        _ => None,
    };
    AnalysisPage {
        results: out.results,
        total_count: out.total_count,
        has_more: out.has_more,
        offset,
        limit,
        next,
    }
}

/// Enough of an analysis page to notice the server sending it again for another offset.
struct AnalysisSignature {
    offset: u64,
    len: usize,
    first: Option<EvalAnalysisResult>,
    last: Option<EvalAnalysisResult>,
}

impl AnalysisSignature {
    fn of<M>(page: &AnalysisPage<M>) -> Self {
        Self {
            offset: page.offset,
            len: page.results.len(),
            first: page.results.first().cloned(),
            last: page.results.last().cloned(),
        }
    }
}

/// Fails when `page` repeats the previous page at a new offset (a server ignoring `offset`).
fn check_repeat<M>(prev: Option<&AnalysisSignature>, page: &AnalysisPage<M>) -> Result<()> {
    let next = AnalysisSignature::of(page);
    if let Some(prev) = prev
        && next.len > 0
        && next.offset != prev.offset
        && next.len == prev.len
        && next.first == prev.first
        && next.last == prev.last
    {
        return Err(Error::Pagination {
            operation: Analyze::ID,
            offset: page.offset,
            reason: "the server returned the same results for a new offset; it may ignore `offset`"
                .into(),
        });
    }
    Ok(())
}

impl Request<Analyze, Async> {
    /// Fetches one page (the first, or the one at [`offset`](Request::<Analyze>::offset)).
    pub async fn send_page(self) -> Result<AnalysisPage> {
        let (req, offset, limit) = self.windowed();
        let template = req.clone();
        let out = req.send().await?;
        Ok(analysis_page(out, offset, limit, template))
    }

    /// Every page, in order, as a stream; it ends after the first error.
    pub fn pages(self) -> impl Stream<Item = Result<AnalysisPage>> + Send + 'static {
        stream::try_unfold(
            (Some(self), None::<AnalysisSignature>),
            |(next, prev)| async move {
                let Some(req) = next else {
                    return Ok(None);
                };
                let page = req.send_page().await?;
                check_repeat(prev.as_ref(), &page)?;
                let sig = AnalysisSignature::of(&page);
                let following = page.next.clone();
                Ok(Some((page, (following, Some(sig)))))
            },
        )
    }

    /// Every result of every page, in order, as a stream.
    pub fn items(self) -> impl Stream<Item = Result<EvalAnalysisResult>> + Send + 'static {
        self.pages()
            .map_ok(|page| stream::iter(page.results.into_iter().map(Ok)))
            .try_flatten()
    }

    /// Collects every result of every page.
    pub async fn collect_all(self) -> Result<Vec<EvalAnalysisResult>> {
        self.items().try_collect().await
    }
}

impl AnalysisPage<Async> {
    /// Fetches the next page, or `None` after the last one.
    pub async fn next_page(&self) -> Result<Option<AnalysisPage>> {
        match &self.next {
            Some(next) => next.clone().send_page().await.map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(feature = "blocking")]
mod blocking_analysis {
    use super::*;
    use crate::blocking::Blocking;

    impl Request<Analyze, Blocking> {
        /// Fetches one page.
        pub fn send_page(self) -> Result<AnalysisPage<Blocking>> {
            let (req, offset, limit) = self.windowed();
            let template = req.clone();
            let out = req.send()?;
            Ok(analysis_page(out, offset, limit, template))
        }

        /// Every page, in order; the iterator ends after the first error.
        pub fn pages(self) -> AnalysisPages {
            AnalysisPages {
                next: Some(self),
                prev: None,
            }
        }

        /// Every result of every page, in order.
        pub fn items(self) -> AnalysisItems {
            AnalysisItems {
                pages: self.pages(),
                current: Vec::new().into_iter(),
            }
        }

        /// Collects every result of every page.
        pub fn collect_all(self) -> Result<Vec<EvalAnalysisResult>> {
            self.items().collect()
        }
    }

    impl AnalysisPage<Blocking> {
        /// Fetches the next page, or `None` after the last one.
        pub fn next_page(&self) -> Result<Option<AnalysisPage<Blocking>>> {
            match &self.next {
                Some(next) => next.clone().send_page().map(Some),
                None => Ok(None),
            }
        }
    }

    /// Blocking iterator over the pages of an eval analysis.
    pub struct AnalysisPages {
        next: Option<Request<Analyze, Blocking>>,
        prev: Option<AnalysisSignature>,
    }

    impl Iterator for AnalysisPages {
        type Item = Result<AnalysisPage<Blocking>>;

        fn next(&mut self) -> Option<Self::Item> {
            let req = self.next.take()?;
            let page = match req.send_page() {
                Ok(page) => page,
                Err(e) => return Some(Err(e)),
            };
            if let Err(e) = check_repeat(self.prev.as_ref(), &page) {
                return Some(Err(e));
            }
            self.prev = Some(AnalysisSignature::of(&page));
            self.next = page.next.clone();
            Some(Ok(page))
        }
    }

    /// Blocking iterator over every result of an eval analysis.
    pub struct AnalysisItems {
        pages: AnalysisPages,
        current: std::vec::IntoIter<EvalAnalysisResult>,
    }

    impl Iterator for AnalysisItems {
        type Item = Result<EvalAnalysisResult>;

        fn next(&mut self) -> Option<Self::Item> {
            loop {
                if let Some(item) = self.current.next() {
                    return Some(Ok(item));
                }
                match self.pages.next()? {
                    Ok(page) => self.current = page.results.into_iter(),
                    Err(e) => return Some(Err(e)),
                }
            }
        }
    }
}

#[cfg(feature = "blocking")]
pub use blocking_analysis::{AnalysisItems, AnalysisPages};
