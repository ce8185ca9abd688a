//! The HTTP runtime: the one exchange every call takes, the retry rules, per-request options and
//! raw responses. Nothing here knows a resource; the operations come from `aymara_raw`.

pub(crate) mod exchange;
pub mod options;
pub(crate) mod raw;
pub mod retry;
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
pub(crate) mod tls;
