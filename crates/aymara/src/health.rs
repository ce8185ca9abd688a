//! The health check: `GET /health/`.

use aymara_raw::operations::HealthCheck;

use crate::Client;
use crate::request::{Async, Request};

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
    pub fn check(&self) -> Request<HealthCheck, M> {
        Request::new(self.client.clone(), HealthCheck::new(), self.mode.clone())
    }
}
