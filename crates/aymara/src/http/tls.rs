//! TLS for the client the SDK builds itself: rustls with the `ring` provider and the platform's
//! certificate verifier, handed to reqwest ready-made. reqwest's own rustls default is `aws-lc-rs`,
//! a C build that dominated a cold build of a program using the SDK; `ring` is what reqwest 0.12,
//! and so most of the ecosystem, uses. The config is passed to this client only: the SDK never
//! installs a process-wide crypto provider, which an application may want to choose itself.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_platform_verifier::Verifier;

/// The TLS configuration of the SDK's own `reqwest::Client`.
pub(crate) fn client_config() -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match Verifier::new(provider.clone()) {
        Ok(verifier) => Arc::new(verifier),
        // No CA certificate on this machine (a bare container): plain-HTTP calls, such as to the
        // emulator, still work, and each HTTPS call fails saying why, instead of the client
        // failing to build.
        Err(e) => Arc::new(NoRoots {
            reason: format!(
                "{e}; install the system's CA certificates or point SSL_CERT_FILE at a bundle"
            ),
            schemes: provider
                .signature_verification_algorithms
                .supported_schemes(),
        }),
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// A verifier that trusts nothing, for want of roots. Its error is a refused certificate, which
/// the retry classifier knows not to retry.
#[derive(Debug)]
struct NoRoots {
    reason: String,
    schemes: Vec<SignatureScheme>,
}

impl NoRoots {
    fn refuse(&self) -> rustls::Error {
        let reason = std::io::Error::other(self.reason.clone());
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(reason))))
    }
}

impl ServerCertVerifier for NoRoots {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Err(self.refuse())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(self.refuse())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(self.refuse())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}
