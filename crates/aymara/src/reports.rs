//! The reports resource.

use crate::Client;
use crate::request::Async;

#[doc = "The reports resource. Obtain it with [`Client::reports`]."]
#[derive(Clone, Debug)]
pub struct Reports<M = Async> {
    #[allow(dead_code)]
    client: Client,
    #[allow(dead_code)]
    mode: M,
}

impl<M: Clone> Reports<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }
}
