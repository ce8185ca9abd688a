//! Fault injection: every fault of the local fault server against the real client, asserting
//! the SDK's result, the attempts the server saw and, for creates, how many resources exist.

mod support;

use std::time::{Duration, Instant};

use aymara::{Error, NonIdempotentRetry, RetryConfig};
use aymara_emulator::Emulator;
use futures_util::TryStreamExt;
use serde_json::json;
use support::fault::{Fault, FaultServer};
use support::{builder, file_detail, file_upload};

fn detail() -> Fault {
    Fault::json(200, &file_detail("f-1", "text"))
}

fn client_for(server: &FaultServer) -> aymara::Client {
    builder(&server.url())
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap()
}

#[tokio::test]
async fn any_status_with_arbitrary_headers_is_a_typed_error() {
    let server = FaultServer::start(|_, _| Fault::Respond {
        status: 418,
        headers: vec![
            ("x-request-id".into(), "req-418".into()),
            ("set-cookie".into(), "session=super-secret-cookie".into()),
            ("x-weird".into(), "\t spaced \t".into()),
        ],
        body: b"I'm a teapot".to_vec(),
    })
    .await;
    let err = client_for(&server).files().get("f-1").await.unwrap_err();
    assert!(matches!(err, Error::Status(_)), "{err:?}");
    assert_eq!(err.request_id(), Some("req-418"));
    assert_eq!(server.count(), 1);
    assert!(!format!("{err:?} {err}").contains("super-secret-cookie"));
    assert!(!err.may_have_been_processed());
}

#[tokio::test]
async fn a_delay_past_the_timeout_is_a_timeout_and_gets_are_retried() {
    let server =
        FaultServer::start(|_, _| Fault::Delay(Duration::from_secs(5), Box::new(detail()))).await;
    let started = Instant::now();
    let err = client_for(&server).files().get("f-1").await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(server.count(), 3, "GET timeouts are retried twice");
    assert!(
        started.elapsed() < Duration::from_millis(4500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_reset_before_the_response_is_retried_for_gets_only() {
    let server = FaultServer::start(|_, n| if n < 2 { Fault::Reset } else { detail() }).await;
    let file = client_for(&server).files().get("f-1").await.unwrap();
    assert_eq!(file.file_uuid, "f-1");
    assert_eq!(server.count(), 3);

    let server = FaultServer::start(|_, _| Fault::Reset).await;
    let err = client_for(&server)
        .files()
        .create()
        .local_file("a.txt")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(
        server.count(),
        1,
        "a POST that may have been processed is not repeated"
    );
    assert!(err.may_have_been_processed());
    assert!(err.to_string().contains("may have been processed"), "{err}");
}

#[tokio::test]
async fn a_reset_mid_body_is_retried_for_gets() {
    let body = file_detail("f-1", "text").to_string().into_bytes();
    let partial = body[..body.len() / 2].to_vec();
    let declared = body.len();
    let server = FaultServer::start(move |_, n| {
        if n == 0 {
            Fault::ResetMidBody {
                status: 200,
                declared,
                body: partial.clone(),
            }
        } else {
            detail()
        }
    })
    .await;
    let file = client_for(&server).files().get("f-1").await.unwrap();
    assert_eq!(file.file_uuid, "f-1");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_body_shorter_than_its_length_is_retried_for_gets_not_posts() {
    let short = || Fault::ShortBody {
        status: 200,
        declared: 5000,
        body: b"{\"file_uuid\":".to_vec(),
    };
    let server = FaultServer::start(move |_, n| if n == 0 { short() } else { detail() }).await;
    client_for(&server).files().get("f-1").await.unwrap();
    assert_eq!(server.count(), 2);

    let server = FaultServer::start(move |_, _| short()).await;
    let err = client_for(&server)
        .files()
        .create()
        .local_file("a.txt")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(server.count(), 1);
    assert!(err.may_have_been_processed());
}

#[tokio::test]
async fn a_non_json_body_is_a_decode_error_or_an_api_error() {
    let html = |status| Fault::Respond {
        status,
        headers: vec![("content-type".into(), "text/html".into())],
        body: b"<html>oops</html>".to_vec(),
    };
    let server = FaultServer::start(move |_, _| html(200)).await;
    let err = client_for(&server).files().get("f-1").await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(server.count(), 1);

    let server = FaultServer::start(move |_, _| html(502)).await;
    let err = client_for(&server).files().get("f-1").await.unwrap_err();
    assert!(matches!(err, Error::InternalServer(_)), "{err:?}");
    assert!(err.to_string().contains("<html>oops</html>"), "{err}");
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_by_the_timeout() {
    let body = file_detail("f-1", "text").to_string().into_bytes();
    get_times_out_quickly(Fault::Trickle {
        status: 200,
        body,
        per_sec: 5,
    })
    .await;
}

/// A GET (no retries) against `fault` ends in a timeout well within 3 s (timeout 1 s).
async fn get_times_out_quickly(fault: Fault) {
    let name = format!("{fault:?}");
    let server = FaultServer::start(move |_, _| fault.clone()).await;
    let started = Instant::now();
    let err = client_for(&server)
        .files()
        .get("f-1")
        .max_retries(0)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{name}: {err:?}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "{name}: {took:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn headers_then_a_stall_are_cut_off_for_successes_and_errors() {
    for status in [200, 404, 500] {
        get_times_out_quickly(Fault::HeadersThenStall { status }).await;
    }
    // A raw response: the headers are bounded before it is handed over, the body after.
    let server = FaultServer::start(|_, _| Fault::HeadersThenStall { status: 200 }).await;
    let raw = client_for(&server)
        .files()
        .get("f-1")
        .max_retries(0)
        .send_raw()
        .await
        .unwrap();
    let started = Instant::now();
    let err = raw.parse().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn upload_responses_are_bounded_by_the_request_timeout() {
    let trickle_body = file_upload("f-1", "completed").to_string().into_bytes();
    let faults: Vec<(&str, Fault)> = vec![
        (
            "headers then stall",
            Fault::HeadersThenStall { status: 200 },
        ),
        (
            "error headers then stall",
            Fault::HeadersThenStall { status: 500 },
        ),
        ("no answer", Fault::Stall),
        (
            "trickle",
            Fault::Trickle {
                status: 200,
                body: trickle_body,
                per_sec: 5,
            },
        ),
    ];
    for (name, fault) in faults {
        let server = FaultServer::start(move |_, _| fault.clone()).await;
        let client = builder(&server.url()).build().unwrap();
        let started = Instant::now();
        let err = client
            .files()
            .upload(aymara::upload::UploadSource::bytes(
                "a.txt",
                vec![b'x'; 50_000],
            ))
            .timeout(Duration::from_millis(500))
            .max_retries(0)
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{name}: {err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{name}: {:?}",
            started.elapsed()
        );
        assert!(
            server.seen()[0].body.len() > 50_000,
            "{name}: body sent in full"
        );
        assert!(err.may_have_been_processed(), "{name}");
    }
}

#[tokio::test]
async fn presigned_uploads_are_bounded_too() {
    // POST /v2/files answers with an upload URL on the same server; the PUT then misbehaves.
    for put in [Fault::Stall, Fault::HeadersThenStall { status: 500 }] {
        let server = FaultServer::start(move |seen, _| {
            if seen.method == "POST" {
                let host = seen.header("host").unwrap().to_string();
                Fault::json(
                    200,
                    &json!({"files": [{
                        "file_uuid": "f-1",
                        "file_url": format!("http://{host}/bucket/f-1?X-Amz-Signature=secret-signature"),
                        "local_file_path": "a.txt"
                    }]}),
                )
            } else {
                put.clone()
            }
        })
        .await;
        let started = Instant::now();
        let err = builder(&server.url())
            .build()
            .unwrap()
            .files()
            .upload_via_url(aymara::upload::UploadSource::bytes(
                "a.txt",
                vec![b'x'; 1000],
            ))
            .timeout(Duration::from_millis(500))
            .max_retries(0)
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(3));
        let seen = server.seen();
        assert_eq!(seen[1].method, "PUT");
        assert!(
            seen[1].header("x-api-key").is_none(),
            "no credentials to object storage"
        );
        assert!(!format!("{err} {err:?}").contains("secret-signature"));
    }
}

/// POST /v2/evals through the fault server to the emulator, which does the work; the fault
/// server then answers with `then`. Returns the error and the number of evals that exist.
async fn create_through(then: Fault, policy: NonIdempotentRetry) -> (Result<(), Error>, usize) {
    let emulator = Emulator::start().await.unwrap();
    let key = emulator.api_key().to_string();
    let proxy =
        FaultServer::start_with_upstream(Some(emulator.url().to_string()), move |seen, _| {
            if seen.method == "POST" {
                Fault::ForwardThen(Box::new(then.clone()))
            } else {
                Fault::Forward
            }
        })
        .await;
    let retry = RetryConfig::default()
        .initial_backoff(Duration::from_millis(1))
        .non_idempotent(policy);
    let client = aymara::Client::builder()
        .base_url(proxy.url())
        .api_key(&key)
        .without_env()
        .retry(retry)
        .build()
        .unwrap();
    let result = client
        .evals()
        .create("a chatbot", "safety")
        .name("dup-check")
        .await
        .map(|_| ());
    let evals: Vec<_> = client.evals().list().items().try_collect().await.unwrap();
    (result, evals.len())
}

#[tokio::test]
async fn work_done_then_a_failure_creates_exactly_one_resource() {
    let cases = [
        ("500", Fault::status(500)),
        ("bare 503", Fault::status(503)),
        ("bare 429", Fault::status(429)),
        ("reset", Fault::Reset),
    ];
    for (name, then) in cases {
        let (result, evals) = create_through(then, NonIdempotentRetry::WhenSafe).await;
        let err = result.unwrap_err();
        assert_eq!(evals, 1, "{name}: exactly one eval exists");
        assert!(
            err.may_have_been_processed() || name == "bare 429",
            "{name}: {err:?}"
        );
    }
    // The official client's policy retries the bare 503 and creates the eval twice.
    let (result, evals) = create_through(Fault::status(503), NonIdempotentRetry::Always).await;
    assert!(result.is_err());
    assert_eq!(evals, 3, "1 attempt + 2 retries, each processed");
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_posts() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = builder(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap()
        .files()
        .create()
        .local_file("a.txt")
        .await
        .unwrap_err();
    let Error::Connection { context, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(context.attempts, 3);
    assert!(!err.may_have_been_processed());
}

#[tokio::test]
async fn hostile_retry_after_values_fall_back_to_the_backoff() {
    let values = ["1e20", "18446744073709551616", "1e300", "NaN", "-5"];
    for v in values {
        for header in ["retry-after", "retry-after-ms"] {
            let server = FaultServer::start(move |_, n| {
                if n < 2 {
                    Fault::status(503).with_header(header, v)
                } else {
                    detail()
                }
            })
            .await;
            let started = Instant::now();
            client_for(&server).files().get("f-1").await.unwrap();
            assert_eq!(server.count(), 3, "{header}: {v}");
            assert!(started.elapsed() < Duration::from_secs(2), "{header}: {v}");
        }
    }
}

fn page(items: &[&str], count: Option<i64>) -> Fault {
    let items: Vec<_> = items.iter().map(|id| file_detail(id, "text")).collect();
    Fault::json(200, &json!({"items": items, "count": count}))
}

fn query_value(target: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("http://h{target}")).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_huge_count_with_prefetch_costs_no_memory_and_stops_at_the_real_end() {
    for count in [i64::MAX, 10_000_000_000_000] {
        let server = FaultServer::start(move |seen, _| {
            match query_value(&seen.target, "offset").as_deref() {
                Some("0") => page(&["f-1", "f-2"], Some(count)),
                _ => page(&[], Some(count)),
            }
        })
        .await;
        let items: Vec<_> = client_for(&server)
            .files()
            .list()
            .limit(2)
            .prefetch(8)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 2);
        assert!(server.count() <= 1 + 8, "{} requests", server.count());
    }
}

#[tokio::test]
async fn an_offset_near_u64_max_ends_the_walk_with_an_error() {
    let server = FaultServer::start(|_, _| page(&["a", "b", "c", "d", "e"], None)).await;
    let client = client_for(&server);
    let err = client
        .files()
        .list()
        .offset(u64::MAX - 1)
        .limit(5)
        .send_page()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Pagination { .. }), "{err:?}");
    assert_eq!(
        query_value(&server.seen()[0].target, "offset").as_deref(),
        Some("18446744073709551614")
    );
    let walked: Result<Vec<_>, _> = client
        .files()
        .list()
        .offset(u64::MAX - 1)
        .limit(5)
        .prefetch(4)
        .items()
        .try_collect()
        .await;
    assert!(matches!(walked, Err(Error::Pagination { .. })));
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_not_buffered() {
    let server = FaultServer::start(|_, _| Fault::Respond {
        status: 200,
        headers: vec![],
        body: vec![b' '; 64 * 1024],
    })
    .await;
    let client = builder(&server.url())
        .max_response_body(1024)
        .build()
        .unwrap();
    let err = client.files().get("f-1").await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "{err:?}"
    );
    let err = client
        .files()
        .get("f-1")
        .send_raw()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
    let err = client.files().delete("f-1").await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
    // The generated client reads through the same exchange: the limit holds there too.
    let err = client
        .raw()
        .files_get()
        .file_uuid("f-1")
        .send()
        .await
        .unwrap_err();
    let mut chain = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        chain = format!("{chain}: {c}");
        cause = c.source();
    }
    assert!(chain.contains("over the 1024-byte limit"), "{chain}");

    // A declared length of a terabyte allocates nothing up front.
    let server = FaultServer::start(|_, _| Fault::ShortBody {
        status: 200,
        declared: 1 << 40,
        body: b"{}".to_vec(),
    })
    .await;
    let err = client_for(&server).files().get("f-1").await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
}

#[tokio::test]
async fn server_text_in_display_is_capped() {
    let message = "m".repeat(5 * 1024 * 1024);
    let body = json!({"error": {"code": "c".repeat(5000), "message": message}});
    let server = FaultServer::start(move |_, _| Fault::json(404, &body)).await;
    let client = builder(&server.url()).build().unwrap();
    let err = client.files().get("f-1").await.unwrap_err();
    let shown = err.to_string();
    assert!(shown.len() < 4 * 1024, "{} bytes", shown.len());
    assert!(
        shown.contains("[cut: 5242880 bytes in all]"),
        "{}",
        &shown[..200.min(shown.len())]
    );
    assert_eq!(
        err.api_error().unwrap().message.as_ref().unwrap().len(),
        5 * 1024 * 1024
    );

    // A decode error quoting a huge string is capped as well.
    let huge = json!({"items": "x".repeat(1 << 20), "count": 1});
    let server = FaultServer::start(move |_, _| Fault::json(200, &huge)).await;
    let err = builder(&server.url())
        .build()
        .unwrap()
        .files()
        .list()
        .send_page()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)));
    assert!(
        err.to_string().len() < 4 * 1024,
        "{}",
        err.to_string().len()
    );
}
