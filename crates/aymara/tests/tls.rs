//! The default TLS stack (the `rustls` feature: rustls on `ring` with the platform's verifier),
//! against a real TLS server on loopback. Every other suite speaks plain HTTP.
//!
//! The certificates in `support/tls/` are test-only: a CA and a leaf for `localhost` and
//! `127.0.0.1` (P-256, valid until 2126).
#![cfg(all(feature = "rustls", not(feature = "native-tls"), target_os = "linux"))]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CA: &[u8] = include_bytes!("support/tls/ca.pem");
const CERT: &[u8] = include_bytes!("support/tls/localhost.pem");
const KEY: &[u8] = include_bytes!("support/tls/localhost.key");
/// Set in the child process of the trusted-server test.
const CHILD: &str = "AYMARA_TLS_TEST_CHILD";

/// A TLS server answering every request with `{}`; counts handshakes started and completed.
struct Server {
    url: String,
    hellos: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
}

async fn server() -> Server {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(CERT).unwrap()],
            PrivateKeyDer::from_pem_slice(KEY).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (hellos, handshakes) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (h, d) = (hellos.clone(), handshakes.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, h, d) = (acceptor.clone(), h.clone(), d.clone());
            tokio::spawn(async move {
                h.fetch_add(1, Ordering::SeqCst);
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                d.fetch_add(1, Ordering::SeqCst);
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let body = "{}";
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Server {
        url: format!("https://localhost:{port}"),
        hellos,
        handshakes,
    }
}

fn client(url: &str) -> aymara::Client {
    aymara::Client::builder()
        .base_url(url)
        .api_key("test-key")
        .without_env()
        .build()
        .unwrap()
}

/// `GET /health/` through a default client.
async fn check_health(url: &str) -> aymara::Result<()> {
    client(url).health().check().send().await
}

/// A certificate from an unknown CA is refused: verification is on, and the handshake got as far
/// as checking it, so the client's `ring` provider negotiated with the server. A refused
/// certificate is not retried (a connection error otherwise is): one handshake, one attempt.
#[tokio::test]
async fn an_unknown_issuer_is_refused() {
    if std::env::var_os(CHILD).is_some() {
        return; // SSL_CERT_FILE trusts the test CA in the child: nothing to refuse there.
    }
    let server = server().await;
    let err = check_health(&server.url).await.unwrap_err();
    assert!(matches!(err, aymara::Error::Connection { .. }), "{err:?}");
    let chain = format!("{err:?}");
    assert!(chain.contains("UnknownIssuer"), "{chain}");
    assert!(chain.contains("attempts: 1"), "{chain}");
    assert_eq!(server.hellos.load(Ordering::SeqCst), 1);
    assert_eq!(server.handshakes.load(Ordering::SeqCst), 0);
}

/// Runs one test of this binary again in a child process with `env` set (the platform verifier
/// reads `SSL_CERT_FILE` when the client is built, and tests share their process), and checks
/// that it passed.
fn in_child(test: &str, env: &[(&str, &std::ffi::OsStr)]) {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture"])
        .env(CHILD, "1")
        .env_remove("SSL_CERT_DIR");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{text}");
    assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
}

/// With the test CA trusted (`SSL_CERT_FILE`, read by the platform verifier on Linux), the call
/// succeeds over TLS.
#[tokio::test]
async fn a_trusted_server_answers_over_tls() {
    if std::env::var_os(CHILD).is_none() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, CA).unwrap();
        in_child(
            "a_trusted_server_answers_over_tls",
            &[("SSL_CERT_FILE", ca.as_os_str())],
        );
        return;
    }
    let server = server().await;
    check_health(&server.url).await.unwrap();
    assert_eq!(server.handshakes.load(Ordering::SeqCst), 1);
}

/// A machine with no CA certificate at all (a bare container): the client still builds and
/// speaks plain HTTP (the emulator needs nothing else), and an HTTPS call fails once, saying why.
#[tokio::test]
async fn without_system_roots_http_works_and_https_says_why() {
    if std::env::var_os(CHILD).is_none() {
        let none = std::ffi::OsStr::new("/nonexistent/aymara-test-roots");
        in_child(
            "without_system_roots_http_works_and_https_says_why",
            &[("SSL_CERT_FILE", none), ("SSL_CERT_DIR", none)],
        );
        return;
    }
    let plain = httpmock::MockServer::start_async().await;
    let health = plain
        .mock_async(|when, then| {
            when.method(httpmock::Method::GET).path("/health/");
            then.status(200);
        })
        .await;
    check_health(&plain.base_url()).await.unwrap();
    health.assert_async().await;

    let server = server().await;
    let err = check_health(&server.url).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, aymara::Error::Connection { .. }), "{text}");
    assert!(text.contains("No CA certificates were loaded"), "{text}");
    assert!(text.contains("SSL_CERT_FILE"), "{text}");
    assert!(text.contains("attempts: 1"), "{text}");
    assert_eq!(server.handshakes.load(Ordering::SeqCst), 0);
}
