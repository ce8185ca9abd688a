//! The evals resource.

use crate::Client;
use crate::request::Async;

#[doc = "The evals resource. Obtain it with [`Client::evals`]."]
#[derive(Clone, Debug)]
pub struct Evals<M = Async> {
    #[allow(dead_code)]
    client: Client,
    #[allow(dead_code)]
    mode: M,
}

impl<M: Clone> Evals<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }
}

impl<M: Clone> Evals<M> {
    /// The eval runs resource (`/v2/eval-runs`).
    pub fn runs(&self) -> crate::runs::Runs<M> {
        crate::runs::Runs::new(self.client.clone(), self.mode.clone())
    }
}
