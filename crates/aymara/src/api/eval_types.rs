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

use aymara_raw::operations::{
    EvalTypesFindInstructions, EvalTypesGet, EvalTypesList, EvalTypesListInstructions,
};

use crate::Client;
use crate::ids::EvalTypeId;
use crate::request::Request;

/// The eval types resource. Obtain it with [`Client::eval_types`].
#[derive(Clone, Debug)]
pub struct EvalTypes {
    client: Client,
}

impl EvalTypes {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    fn request<O>(&self, op: O) -> Request<O> {
        Request::new(self.client.clone(), op)
    }

    /// `GET /v2/eval-types`: the available eval types, page by page or across pages.
    pub fn list(&self) -> Request<EvalTypesList> {
        self.request(EvalTypesList::new())
    }

    /// `GET /v2/eval-types/{eval_type_uuid}`: one eval type.
    pub fn get(&self, eval_type_uuid: impl Into<EvalTypeId>) -> Request<EvalTypesGet> {
        self.request(EvalTypesGet::new(eval_type_uuid.into().into_string()))
    }

    /// `GET /v2/eval-types/-/instructions?eval_type_slug=…`: the predefined AI instructions of
    /// the eval type with this slug (e.g. `safety`), page by page or across pages.
    pub fn find_instructions(
        &self,
        eval_type_slug: impl Into<String>,
    ) -> Request<EvalTypesFindInstructions> {
        self.request(EvalTypesFindInstructions::new(eval_type_slug))
    }

    /// `GET /v2/eval-types/{eval_type_uuid}/instructions`: the predefined AI instructions of an
    /// eval type, by id, page by page or across pages.
    pub fn list_instructions(
        &self,
        eval_type_uuid: impl Into<EvalTypeId>,
    ) -> Request<EvalTypesListInstructions> {
        self.request(EvalTypesListInstructions::new(
            eval_type_uuid.into().into_string(),
        ))
    }
}
