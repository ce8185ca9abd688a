//! The health check: `GET /health/`.

use aymara_raw::operations::HealthCheck;

use crate::Client;
use crate::request::Request;

/// The health resource. Obtain it with [`Client::health`].
#[derive(Clone, Debug)]
pub struct Health {
    client: Client,
}

impl Health {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// `GET /health/`: succeeds when the API answers with any 2xx (the body is ignored).
    pub fn check(&self) -> Request<HealthCheck> {
        Request::new(self.client.clone(), HealthCheck::new())
    }
}
