//! TLS for the client the SDK builds itself: rustls with the `ring` provider and the platform's
//! certificate verifier, handed to reqwest ready-made. reqwest's own rustls default is `aws-lc-rs`,
//! a C build that dominated a cold build of a program using the SDK; `ring` is what reqwest 0.12,
//! and so most of the ecosystem, uses. The config is passed to this client only: the SDK never
//! installs a process-wide crypto provider, which an application may want to choose itself.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls_platform_verifier::Verifier;

/// The TLS configuration of the SDK's own `reqwest::Client`.
pub(crate) fn client_config() -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Verifier::new(provider.clone()).map_err(|e| e.to_string())?;
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}
