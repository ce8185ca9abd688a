//! Bad input at every public entry point: empty, oversized (≥ 10 KB), unicode, control
//! characters and path traversal either get a typed error before any request or go on the
//! wire correctly encoded. The fault server records what actually arrived.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use aymara::upload::UploadSource;
use aymara::{Client, Error};
use percent_encoding::percent_decode_str;
use serde_json::json;
use support::builder;
use support::fault::{Fault, FaultServer};

type Outcome = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;
type Call = fn(Client, String) -> Outcome;

/// Every operation with a path parameter: the parameter's name (as `InvalidInput` reports it),
/// the path template with `{}` where the id goes, and the call.
fn operations() -> Vec<(&'static str, &'static str, Call)> {
    macro_rules! op {
        ($field:literal, $path:literal, |$c:ident, $id:ident| $call:expr) => {
            (
                $field,
                $path,
                (|$c: Client, $id: String| -> Outcome {
                    Box::pin(async move { $call.await.map(|_| ()) })
                }) as Call,
            )
        };
    }
    // Waiters poll once against a 404 and stop.
    vec![
        op!("file_uuid", "/v2/files/{}", |c, id| c
            .files()
            .get(id)
            .send()),
        op!("file_uuid", "/v2/files/{}", |c, id| c
            .files()
            .delete(id)
            .send()),
        op!("file_uuid", "/v2/files/{}/frames", |c, id| c
            .files()
            .get_frames(id)
            .send()),
        op!("file_uuid", "/v2/files/{}/status", |c, id| c
            .files()
            .get_status(id)
            .send()),
        op!("file_uuid", "/v2/files/{}/status", |c, id| c
            .files()
            .wait_for_processing(id)
            .send()),
        op!("eval_uuid", "/v2/evals/{}", |c, id| c
            .evals()
            .get(id)
            .send()),
        op!("eval_uuid", "/v2/evals/{}", |c, id| c
            .evals()
            .update(id)
            .name("n")
            .send()),
        op!("eval_uuid", "/v2/evals/{}", |c, id| c
            .evals()
            .delete(id)
            .send()),
        op!("eval_uuid", "/v2/evals/{}/prompts", |c, id| c
            .evals()
            .list_prompts(id)
            .send_page()),
        op!("eval_uuid", "/v2/evals/{}", |c, id| c
            .evals()
            .wait_until_ready(id)
            .send()),
        op!("eval_run_uuid", "/v2/eval-runs/{}", |c, id| c
            .evals()
            .runs()
            .get(id)
            .send()),
        op!("eval_run_uuid", "/v2/eval-runs/{}", |c, id| c
            .evals()
            .runs()
            .delete(id)
            .send()),
        op!("eval_run_uuid", "/v2/eval-runs/{}/responses", |c, id| c
            .evals()
            .runs()
            .list_responses(id)
            .send_page()),
        op!(
            "eval_run_uuid",
            "/v2/eval-runs/{}/responses/r-1/history",
            |c, id| c.evals().runs().get_response_history(id, "r-1").send()
        ),
        op!(
            "response_uuid",
            "/v2/eval-runs/run-1/responses/{}/history",
            |c, id| c.evals().runs().get_response_history("run-1", id).send()
        ),
        op!(
            "eval_run_uuid",
            "/v2/eval-runs/{}/responses/r-1",
            |c, id| c
                .evals()
                .runs()
                .update_response(id, "r-1")
                .is_passed(true)
                .send()
        ),
        op!(
            "response_uuid",
            "/v2/eval-runs/run-1/responses/{}",
            |c, id| c
                .evals()
                .runs()
                .update_response("run-1", id)
                .is_passed(true)
                .send()
        ),
        op!("eval_run_uuid", "/v2/eval-runs/{}", |c, id| c
            .evals()
            .runs()
            .wait_until_scored(id)
            .send()),
        op!("eval_type_uuid", "/v2/eval-types/{}", |c, id| c
            .eval_types()
            .get(id)
            .send()),
        op!(
            "eval_type_uuid",
            "/v2/eval-types/{}/instructions",
            |c, id| c.eval_types().list_instructions(id).send_page()
        ),
        op!("report_uuid", "/v2/eval-reports/{}", |c, id| c
            .reports()
            .get(id)
            .send()),
        op!("report_uuid", "/v2/eval-reports/{}", |c, id| c
            .reports()
            .delete(id)
            .send()),
        op!("report_uuid", "/v2/eval-reports/{}", |c, id| c
            .reports()
            .wait_until_finished(id)
            .send()),
    ]
}

const TRAVERSAL: &[&str] = &[
    "",
    "   ",
    ".",
    "..",
    "a/b",
    "../evals/e-1",
    "..\\evals\\e-1",
    "a\\b",
    "a\nb",
    "a\rb",
    "a\u{0}b",
    "a\u{7f}",
    "a\u{85}b",
    "\t",
];

async fn not_found_server() -> FaultServer {
    FaultServer::start(|_, _| {
        Fault::json(
            404,
            &json!({"error": {"code": "resource.not_found", "message": "no"}}),
        )
    })
    .await
}

#[tokio::test]
async fn ids_that_could_navigate_are_rejected_before_any_request() {
    let server = not_found_server().await;
    let client = builder(&server.url()).build().unwrap();
    for (field, path, call) in operations() {
        for bad in TRAVERSAL {
            let err = call(client.clone(), bad.to_string()).await.unwrap_err();
            match &err {
                Error::InvalidInput { field: f, .. } => assert_eq!(f, field, "{path} {bad:?}"),
                other => panic!("{path} {bad:?}: {other:?}"),
            }
            assert!(!err.may_have_been_processed());
        }
    }
    assert_eq!(server.count(), 0, "nothing reached the server");
}

#[tokio::test]
async fn every_other_id_is_exactly_one_segment_on_the_wire() {
    let server = not_found_server().await;
    let client = builder(&server.url()).max_retries(0).build().unwrap();
    let long_ascii = "a".repeat(10 * 1024);
    let long_unicode = "ü😀".repeat(2000);
    let ids = [
        "...",
        "%2e%2e",
        ".%2e",
        "%2F",
        "a b",
        "a?b#c",
        "a;b=c",
        "[::1]",
        "é😀",
        "a+b&c",
        long_ascii.as_str(),
        long_unicode.as_str(),
    ];
    for (_, template, call) in operations() {
        for id in ids {
            let before = server.count();
            let err = call(client.clone(), id.to_string()).await.unwrap_err();
            assert!(err.is_not_found(), "{template} {id:?}: {err:?}");
            let seen = server.seen();
            assert_eq!(seen.len(), before + 1, "{template}: one request");
            let wire = seen[before].path().to_string();
            let expected: Vec<&str> = template.split('/').collect();
            let got: Vec<&str> = wire.split('/').collect();
            assert_eq!(got.len(), expected.len(), "{template} {id:?} -> {wire}");
            for (g, e) in got.iter().zip(&expected) {
                if *e == "{}" {
                    assert_eq!(percent_decode_str(g).decode_utf8().unwrap(), id, "{wire}");
                } else {
                    assert_eq!(g, e, "{wire}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_generated_client_rejects_navigating_ids_too() {
    let server = not_found_server().await;
    let client = builder(&server.url()).build().unwrap();
    for bad in ["..", ".", "..\\evals\\e-1", "a/b", ""] {
        let err = client
            .raw()
            .files_delete()
            .file_uuid(bad)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(&err, aymara_raw::Error::InvalidRequest(m) if m.contains("file_uuid")),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(server.count(), 0);
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_rejects_navigating_ids() {
    let client = aymara::blocking::Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9")
        .without_env()
        .build_blocking()
        .unwrap();
    let err = client.files().delete("..").send().unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "file_uuid"));
}

#[tokio::test]
async fn query_and_body_values_are_encoded_not_interpreted() {
    let server = FaultServer::start(|seen, _| {
        if seen.method == "GET" {
            Fault::json(200, &json!({"items": [], "count": 0}))
        } else {
            Fault::json(422, &json!({"error": {"message": "nope"}}))
        }
    })
    .await;
    let client = builder(&server.url()).max_retries(0).build().unwrap();
    let nasty = format!("../..\\x?y=1&z#f\u{1}{}", "é".repeat(6000));
    client
        .files()
        .list()
        .workspace_uuid(nasty.clone())
        .send_page()
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].path(), "/v2/files");
    let url = reqwest::Url::parse(&format!("http://h{}", seen[0].target)).unwrap();
    let ws: Vec<_> = url
        .query_pairs()
        .filter(|(k, _)| k == "workspace_uuid")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(ws, vec![nasty.clone()]);

    // A 10 KB unicode eval name travels as JSON, intact.
    let name = "名前\u{7}\"'<>".repeat(2000);
    let err = client
        .evals()
        .create("desc", "safety")
        .name(name.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnprocessableEntity(_)));
    let body: serde_json::Value = serde_json::from_slice(&server.seen()[1].body).unwrap();
    assert_eq!(body["name"], json!(name));
}

#[tokio::test]
async fn request_options_are_checked_before_sending() {
    let server = not_found_server().await;
    let client = builder(&server.url()).build().unwrap();
    let files = client.files();
    let cases: Vec<(&str, Result<aymara::types::FileDetail, Error>)> = vec![
        ("header", files.get("f").header("bad name", "v").await),
        ("header", files.get("f").header("", "v").await),
        (
            "header",
            files.get("f").header("x-a", "line\r\nX-Injected: 1").await,
        ),
        ("header", files.get("f").header("x-a", "\u{0}").await),
        (
            "header",
            files.get("f").header("x".repeat(10_000), "v\n").await,
        ),
        ("query", files.get("f").query("", "v").await),
        ("extra_body", files.get("f").extra_body("k", 1).await),
        ("timeout", files.get("f").timeout(Duration::ZERO).await),
        (
            "workspace_uuid",
            files
                .list()
                .workspace_uuid("  ")
                .send_page()
                .await
                .map(|_| unreachable!()),
        ),
        (
            "limit",
            files
                .list()
                .limit(0)
                .send_page()
                .await
                .map(|_| unreachable!()),
        ),
    ];
    for (field, result) in cases {
        match result {
            Err(Error::InvalidInput { field: f, reason }) => {
                assert_eq!(f, field, "{reason}");
                assert!(
                    reason.len() < 2048,
                    "the reason is short: {} bytes",
                    reason.len()
                );
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(server.count(), 0);
    // The header value is never echoed: it may be a secret.
    let err = files
        .get("f")
        .header("x-api-key", "secret-value\n")
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?}").contains("secret-value"));
}

#[tokio::test]
async fn extreme_numbers_from_the_caller_do_not_panic() {
    let server =
        FaultServer::start(|_, _| Fault::json(200, &support::file_detail("f", "text"))).await;
    let client = builder(&server.url())
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .upload_stall_timeout(Duration::MAX)
        .build()
        .unwrap();
    client.files().get("f").await.unwrap();
    client
        .files()
        .get("f")
        .timeout(Duration::MAX)
        .await
        .unwrap();
    client
        .files()
        .wait_for_processing("f")
        .timeout(Duration::MAX)
        .interval(Duration::MAX)
        .max_interval(Duration::MAX)
        .send()
        .await
        .unwrap_err(); // `processing_status` missing: a decode error, not a panic
    let page = client
        .files()
        .list()
        .limit(u64::MAX)
        .offset(u64::MAX)
        .send_page()
        .await;
    assert!(page.is_err());
}

#[tokio::test]
async fn upload_names_and_sources_are_checked() {
    let server =
        FaultServer::start(|_, _| Fault::json(200, &support::file_upload("f-1", "completed")))
            .await;
    let client = builder(&server.url()).build().unwrap();
    for bad in [
        "a\r\nContent-Type: text/html.txt",
        "a\nb.txt",
        "\u{0}.txt",
        "",
        "  ",
    ] {
        let err = client
            .files()
            .upload(UploadSource::bytes("x.txt", b"data".to_vec()))
            .file_name(bad)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "file_name"),
            "{bad:?}: {err:?}"
        );
    }
    let err = client
        .files()
        .upload(UploadSource::bytes("x.txt", b"data".to_vec()))
        .content_type("text/plain\r\nX-Injected: 1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "content_type"),
        "{err:?}"
    );
    assert_eq!(server.count(), 0);

    // Quotes are percent-encoded (RFC 7578 §4.2), so the name cannot end the quoted value.
    let long = format!("{}.txt", "ü".repeat(6000));
    for (name, wire) in [
        ("a\"b.txt", "filename=\"a%22b.txt\"".to_string()),
        (long.as_str(), format!("filename=\"{long}\"")),
    ] {
        client
            .files()
            .upload(UploadSource::bytes("x.txt", b"data".to_vec()))
            .file_name(name)
            .await
            .unwrap();
        let body = server.seen().last().unwrap().body.clone();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(&wire), "{}", &text[..200.min(text.len())]);
    }

    // Sources that are not regular files are refused before opening (a FIFO would block).
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let mut not_files = vec![dir.path().to_path_buf()];
    if made.is_ok_and(|s| s.success()) {
        not_files.push(fifo);
    }
    for path in not_files {
        let err = tokio::time::timeout(
            Duration::from_secs(5),
            client.files().upload(path.as_path()),
        )
        .await
        .expect("refused at once, not blocked")
        .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, .. } if field == "file"),
            "{err:?}"
        );
    }
    let err = client
        .files()
        .upload("/definitely/not/here")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
}

#[tokio::test]
async fn client_settings_are_checked() {
    for key in ["", "  ", "k\ney", "k\u{0}"] {
        let err = Client::builder()
            .api_key(key)
            .without_env()
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{key:?}: {err:?}");
        assert!(!format!("{err}").contains("k\ney"));
    }
    let err = Client::builder()
        .api_key("k")
        .without_env()
        .default_header("x-a", "v\r\nInjected: 1")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    // A 10 KB key is a header like any other.
    Client::builder()
        .api_key("k".repeat(10 * 1024))
        .without_env()
        .build()
        .unwrap();
}

#[tokio::test]
async fn secrets_given_as_headers_never_show_in_debug() {
    let client = builder("http://127.0.0.1:9").build().unwrap();
    let req = client
        .files()
        .get("f")
        .header("x-api-key", "secret-1")
        .header("Authorization", "Bearer secret-2")
        .header("proxy-authorization", "secret-3")
        .header("cookie", "secret-4")
        .sensitive_header("x-custom", "secret-5")
        .header("x-visible", "plain-6");
    let options = aymara::RequestOptions::new()
        .header("x-api-key", "secret-7")
        .sensitive_header("x-token", "secret-8");
    let shown = format!("{req:?} {options:?} {client:?}");
    for i in 1..=8 {
        if i != 6 {
            assert!(
                !shown.contains(&format!("secret-{i}")),
                "secret-{i} in {shown}"
            );
        }
    }
    assert!(shown.contains("plain-6"));
}
