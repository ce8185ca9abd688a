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
//! client.evals().wait_until_ready(&eval).await?;
//! let prompts: Vec<_> = client.evals().list_prompts(&eval).items().try_collect().await?;
//! println!("{} prompts", prompts.len());
//! # Ok(()) }
//! ```
//!
//! Ids are typed ([`crate::EvalId`], …); a method that takes one also takes a string or the object
//! that carries it (`&eval`). Every optional
//! parameter and body field has a setter generated from the spec (`x(value)`, `set_x(Option)`);
//! the extras here are what the spec cannot say (one prompt at a time, prompt edits).

use std::sync::Arc;

use aymara_raw::operations::{
    EvalsAnalyze, EvalsCreate, EvalsDelete, EvalsGet, EvalsList, EvalsListPrompts, EvalsUpdate,
};

use crate::Client;
use crate::ids::EvalId;
use crate::polling::{PollState, Wait, status_state};
use crate::request::Request;
use crate::types::{Eval, EvalAnalysisRequest, EvalUpdate};

// ----- The resource -----

/// The evals resource. Obtain it with [`Client::evals`] (or the blocking client's `evals()`).
#[derive(Clone, Debug)]
pub struct Evals {
    client: Client,
}

impl Evals {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    fn request<O>(&self, op: O) -> Request<O> {
        Request::new(self.client.clone(), op)
    }

    /// The eval runs resource (`/v2/eval-runs`).
    pub fn runs(&self) -> crate::runs::Runs {
        crate::runs::Runs::new(self.client.clone())
    }

    /// `POST /v2/evals`: creates an eval of type `eval_type` (a slug such as `safety`) for the AI
    /// described by `ai_description`. Optional fields have setters (`name`, `num_prompts`,
    /// `ai_instructions`, …). Prompt generation is asynchronous: follow with
    /// [`wait_until_ready`](Self::wait_until_ready).
    pub fn create(
        &self,
        ai_description: impl Into<String>,
        eval_type: impl Into<String>,
    ) -> Request<EvalsCreate> {
        self.request(EvalsCreate::new(Eval {
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
        }))
    }

    /// `POST /v2/evals` with a complete [`Eval`] body (the setters of
    /// [`create`](Self::create) still apply). Server-managed fields (`eval_uuid`, `status`, …)
    /// are sent as given, so normally leave them unset.
    pub fn create_from(&self, eval: Eval) -> Request<EvalsCreate> {
        self.request(EvalsCreate::new(eval))
    }

    /// `PUT /v2/evals/{eval_uuid}`: changes eval fields and adds, updates or deletes prompts in
    /// one call. Nothing set sends `{}`.
    pub fn update(&self, eval_uuid: impl Into<EvalId>) -> Request<EvalsUpdate> {
        self.request(EvalsUpdate::new(
            eval_uuid.into().into_string(),
            EvalUpdate::default(),
        ))
    }

    /// `GET /v2/evals`: lists evals page by page (`.send_page()`), or across pages (`.items()`,
    /// `.pages()`, `.collect_all()`).
    pub fn list(&self) -> Request<EvalsList> {
        self.request(EvalsList::new())
    }

    /// `DELETE /v2/evals/{eval_uuid}`: deletes an eval.
    pub fn delete(&self, eval_uuid: impl Into<EvalId>) -> Request<EvalsDelete> {
        self.request(EvalsDelete::new(eval_uuid.into().into_string()))
    }

    /// `GET /v2/evals/{eval_uuid}`: one eval.
    pub fn get(&self, eval_uuid: impl Into<EvalId>) -> Request<EvalsGet> {
        self.request(EvalsGet::new(eval_uuid.into().into_string()))
    }

    /// `POST /v2/eval-analysis`: evals matching filters, each with statistics of its score runs.
    /// `.send()` returns one page; `.send_page()`, `.pages()`, `.items()` and `.collect_all()`
    /// walk the pages through the body's `limit`/`offset` while the server reports `has_more`.
    pub fn analyze(&self) -> Request<EvalsAnalyze> {
        self.request(EvalsAnalyze::new(EvalAnalysisRequest::default()))
    }

    /// `GET /v2/evals/{eval_uuid}/prompts`: the prompts of a generated eval, page by page or
    /// across pages (`.items()`, `.collect_all()`).
    pub fn list_prompts(&self, eval_uuid: impl Into<EvalId>) -> Request<EvalsListPrompts> {
        self.request(EvalsListPrompts::new(eval_uuid.into().into_string()))
    }

    /// Polls `GET /v2/evals/{eval_uuid}` until the eval is `finished` (returns it) or `failed`
    /// ([`Error::WaitFailed`](crate::Error::WaitFailed)); [`Error::WaitTimeout`](crate::Error::WaitTimeout) after the deadline (15 minutes unless
    /// set, see [`crate::polling::WaitConfig`]). An eval without a `status`, or with a status
    /// this SDK does not know, counts as still in progress.
    /// To wait on an eval of another workspace, or with request options, repeat your own
    /// request: `client.evals().get(&id).workspace_uuid(w).wait_until(evals::ready)`.
    pub fn wait_until_ready(&self, eval_uuid: impl Into<EvalId>) -> Wait<EvalsGet> {
        let id: EvalId = eval_uuid.into();
        Wait::new(self.get(&id), "eval", id.into_string(), Arc::new(ready))
    }
}

/// What the spec cannot say about creating and editing evals: one example or prompt change at a
/// time. A macro so that the async and the blocking `Request` share it.
macro_rules! extras {
    ($request:ident) => {
        impl $request<$crate::operations::EvalsCreate> {
            /// Adds an example prompt to steer generation
            /// ([`PromptExample::good`](crate::types::PromptExample::good) /
            /// [`PromptExample::bad`](crate::types::PromptExample::bad)).
            pub fn prompt_example(self, example: $crate::types::PromptExample) -> Self {
                self.prompt_examples([example])
            }
        }

        impl $request<$crate::operations::EvalsUpdate> {
            /// Adds a prompt with this content.
            pub fn add_prompt(self, content: impl Into<String>) -> Self {
                self.prompt_create($crate::types::PromptCreate {
                    category: None,
                    content: content.into(),
                })
            }

            /// Adds a prompt (content and optional category).
            pub fn prompt_create(self, prompt: $crate::types::PromptCreate) -> Self {
                self.prompt_creates([prompt])
            }

            /// Replaces the content of an existing prompt.
            pub fn update_prompt(
                self,
                prompt_uuid: impl Into<String>,
                content: impl Into<String>,
            ) -> Self {
                self.prompt_update($crate::types::PromptUpdate {
                    action: Some($crate::types::PromptUpdateAction::Update),
                    category: None,
                    content: Some(content.into()),
                    prompt_uuid: prompt_uuid.into(),
                })
            }

            /// Deletes an existing prompt.
            pub fn delete_prompt(self, prompt_uuid: impl Into<String>) -> Self {
                self.prompt_update($crate::types::PromptUpdate {
                    action: Some($crate::types::PromptUpdateAction::Delete),
                    category: None,
                    content: None,
                    prompt_uuid: prompt_uuid.into(),
                })
            }

            /// Adds a prompt change as given (update or delete, content, category).
            pub fn prompt_update(self, update: $crate::types::PromptUpdate) -> Self {
                self.prompt_updates([update])
            }
        }
    };
}
#[cfg_attr(not(feature = "blocking"), allow(unused_imports))]
pub(crate) use extras;
extras!(Request);

/// The acceptor of [`Evals::wait_until_ready`]: `finished` is done, `failed` failed, any other
/// status (or none, or one this version does not know) still in progress.
pub fn ready(eval: &Eval) -> PollState {
    status_state(eval.status.as_ref())
}

/// Largest page the analysis endpoint accepts.
pub use crate::checks::MAX_ANALYSIS_LIMIT;
