//! The health check: `GET /health/`.

use crate::Client;
use crate::request::{Async, BoxFuture, Operation, RawResult, Request};

/// The health resource. Obtain it with [`Client::health`].
#[derive(Clone, Debug)]
pub struct Health<M = Async> {
    client: Client,
    mode: M,
}

impl<M: Clone> Health<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }

    /// `GET /health/`: succeeds when the API answers with any 2xx (the body is ignored).
    pub fn check(&self) -> Request<Check, M> {
        Request::new(self.client.clone(), Check, self.mode.clone())
    }
}

/// Parameters of [`Health::check`].
#[derive(Clone, Copy, Debug)]
pub struct Check;

impl Operation for Check {
    type Output = ();
    const ID: &'static str = "health_check";
    const JSON_BODY: bool = false;

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<()>> {
        Box::pin(async move { raw.health_check().send().await })
    }
}
