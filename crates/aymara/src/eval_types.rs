//! The eval_types resource.

use crate::Client;
use crate::request::Async;

#[doc = "The eval types resource. Obtain it with [`Client::eval_types`]."]
#[derive(Clone, Debug)]
pub struct EvalTypes<M = Async> {
    #[allow(dead_code)]
    client: Client,
    #[allow(dead_code)]
    mode: M,
}

impl<M: Clone> EvalTypes<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }
}
