//! The runs resource.

use crate::Client;
use crate::request::Async;

#[doc = "The eval runs resource. Obtain it with [`crate::evals::Evals::runs`]."]
#[derive(Clone, Debug)]
pub struct Runs<M = Async> {
    #[allow(dead_code)]
    client: Client,
    #[allow(dead_code)]
    mode: M,
}

impl<M: Clone> Runs<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }
}
