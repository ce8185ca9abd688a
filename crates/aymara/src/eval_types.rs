//! The eval types resource: `list`, `get`, `find_instructions` (by slug) and
//! `list_instructions` (by id). These endpoints take no `workspace_uuid`.
//!
//! ```no_run
//! # async fn demo(client: aymara::Client) -> Result<(), aymara::Error> {
//! for eval_type in client.eval_types().list().collect_all().await? {
//!     println!("{}: {}", eval_type.slug, eval_type.name);
//! }
//! let instructions = client.eval_types().find_instructions("safety").collect_all().await?;
//! println!("{} predefined instructions", instructions.len());
//! # Ok(()) }
//! ```

use crate::Client;
use crate::error::Result;
use crate::ops::{by_id, list_operation, require_text};
use crate::pagination::Window;
use crate::request::with_opt;
use crate::request::{Async, BoxFuture, Operation, RawResult, Request, require_id};
use crate::types::{AiInstruction, EvalType, PagedAiInstruction, PagedEvalType};

/// The eval types resource. Obtain it with [`Client::eval_types`].
#[derive(Clone, Debug)]
pub struct EvalTypes<M = Async> {
    client: Client,
    mode: M,
}

impl<M: Clone> EvalTypes<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }

    fn request<O>(&self, op: O) -> Request<O, M> {
        Request::new(self.client.clone(), op, self.mode.clone())
    }

    /// `GET /v2/eval-types`: the available eval types, page by page or across pages.
    pub fn list(&self) -> Request<List, M> {
        self.request(List::default())
    }

    /// `GET /v2/eval-types/{eval_type_uuid}`: one eval type.
    pub fn get(&self, eval_type_uuid: impl Into<String>) -> Request<Get, M> {
        self.request(Get::new(eval_type_uuid.into()))
    }

    /// `GET /v2/eval-types/-/instructions?eval_type_slug=…`: the predefined AI instructions of
    /// the eval type with this slug (e.g. `safety`), page by page or across pages.
    pub fn find_instructions(
        &self,
        eval_type_slug: impl Into<String>,
    ) -> Request<FindInstructions, M> {
        self.request(FindInstructions {
            eval_type_slug: eval_type_slug.into(),
            window: Window::default(),
        })
    }

    /// `GET /v2/eval-types/{eval_type_uuid}/instructions`: the predefined AI instructions of an
    /// eval type, by id, page by page or across pages.
    pub fn list_instructions(
        &self,
        eval_type_uuid: impl Into<String>,
    ) -> Request<ListInstructions, M> {
        self.request(ListInstructions {
            eval_type_uuid: eval_type_uuid.into(),
            window: Window::default(),
        })
    }
}

/// Parameters of [`EvalTypes::list`].
#[derive(Clone, Debug, Default)]
pub struct List {
    window: Window,
}

list_operation!(List, EvalType, PagedEvalType);

impl Operation for List {
    type Output = PagedEvalType;
    const ID: &'static str = "eval_types_list";
    const JSON_BODY: bool = false;

    fn validate(&self) -> Result<()> {
        self.window.validate()
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.eval_types_list(),
                limit = self.window.limit,
                offset = self.window.offset
            )
            .send()
            .await
        })
    }
}

by_id!(
    /// Parameters of [`EvalTypes::get`].
    Get { eval_type_uuid }, "eval_types_get", EvalType, eval_types_get
);

/// Parameters of [`EvalTypes::find_instructions`].
#[derive(Clone, Debug)]
pub struct FindInstructions {
    eval_type_slug: String,
    window: Window,
}

list_operation!(FindInstructions, AiInstruction, PagedAiInstruction);

impl Operation for FindInstructions {
    type Output = PagedAiInstruction;
    const ID: &'static str = "eval_types_find_instructions";
    const JSON_BODY: bool = false;

    fn validate(&self) -> Result<()> {
        require_text("eval_type_slug", &self.eval_type_slug)?;
        self.window.validate()
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.eval_types_find_instructions()
                    .eval_type_slug(self.eval_type_slug),
                limit = self.window.limit,
                offset = self.window.offset
            )
            .send()
            .await
        })
    }
}

/// Parameters of [`EvalTypes::list_instructions`].
#[derive(Clone, Debug)]
pub struct ListInstructions {
    eval_type_uuid: String,
    window: Window,
}

list_operation!(ListInstructions, AiInstruction, PagedAiInstruction);

impl Operation for ListInstructions {
    type Output = PagedAiInstruction;
    const ID: &'static str = "eval_types_list_instructions";
    const JSON_BODY: bool = false;

    fn validate(&self) -> Result<()> {
        require_id("eval_type_uuid", &self.eval_type_uuid)?;
        self.window.validate()
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.eval_types_list_instructions()
                    .eval_type_uuid(self.eval_type_uuid),
                limit = self.window.limit,
                offset = self.window.offset
            )
            .send()
            .await
        })
    }
}
