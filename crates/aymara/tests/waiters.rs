//! The file-processing waiter against httpmock.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aymara::Error;
use aymara::types::FileProcessingStatus;
use httpmock::prelude::*;
use support::{client, file_status};

/// Answers the status poll number `n` (0-based) with `status`; later polls get the last one.
async fn statuses(server: &MockServer, seq: &[&str]) {
    let counter = Arc::new(Mutex::new(0usize));
    for (i, status) in seq.iter().enumerate() {
        let last = i == seq.len() - 1;
        let c = counter.clone();
        let body = file_status("f-1", status);
        server
            .mock_async(move |when, then| {
                when.method(GET)
                    .path("/v2/files/f-1/status")
                    .is_true(move |_| {
                        // Each request is matched against mocks in order; count it once, here.
                        let mut n = c.lock().unwrap();
                        if *n == i || (last && *n >= i) {
                            *n += 1;
                            true
                        } else {
                            false
                        }
                    });
                then.status(200).json_body(body);
            })
            .await;
    }
}

#[tokio::test]
async fn waits_through_pending_and_processing_to_completed() {
    let server = MockServer::start_async().await;
    statuses(&server, &["pending", "processing", "completed"]).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let st = client(&server.base_url())
        .files()
        .wait_for_processing("f-1")
        .interval(Duration::from_millis(5))
        .on_progress(move |p| log.lock().unwrap().push((p.status.clone(), p.polls)))
        .await
        .unwrap();
    assert_eq!(st.processing_status, FileProcessingStatus::Completed);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            ("pending".to_string(), 1),
            ("processing".to_string(), 2),
            ("completed".to_string(), 3)
        ]
    );
}

#[tokio::test]
async fn failed_processing_carries_the_server_message() {
    let server = MockServer::start_async().await;
    statuses(&server, &["processing", "failed"]).await;
    let err = client(&server.base_url())
        .files()
        .wait_for_processing("f-1")
        .interval(Duration::from_millis(5))
        .await
        .unwrap_err();
    match &err {
        Error::WaitFailed {
            resource,
            id,
            message,
            ..
        } => {
            assert_eq!((*resource, id.as_str()), ("file", "f-1"));
            assert_eq!(message.as_deref(), Some("codec not supported"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("codec not supported"), "{err}");
}

#[tokio::test]
async fn deadline_gives_wait_timeout_with_last_status() {
    let server = MockServer::start_async().await;
    statuses(&server, &["processing"]).await;
    let err = client(&server.base_url())
        .files()
        .wait_for_processing("f-1")
        .interval(Duration::from_millis(20))
        .timeout(Duration::from_millis(150))
        .await
        .unwrap_err();
    match err {
        Error::WaitTimeout {
            last_status,
            polls,
            waited,
            ..
        } => {
            assert_eq!(last_status, "processing");
            assert!(polls >= 2, "{polls}");
            assert!(
                waited >= Duration::from_millis(150) && waited < Duration::from_secs(2),
                "{waited:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn request_errors_end_the_wait() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1/status");
            then.status(404).json_body(serde_json::json!({"error": {"code": "resource.not_found", "message": "no such file"}}));
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .wait_for_processing("f-1")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

/// A waiter repeats the request it was given: its query parameters and per-request headers go
/// out on every poll, and the acceptor is any function of the typed response.
#[tokio::test]
async fn a_given_request_is_repeated_with_its_parameters_and_options() {
    let server = MockServer::start_async().await;
    statuses_for_traced_polls(&server).await;
    let done = client(&server.base_url())
        .files()
        .get_status("f-1")
        .header("x-trace", "t-1")
        .wait_until(|s: &aymara::types::FileStatus| aymara::files::processed(s))
        .interval(Duration::from_millis(5))
        .await
        .unwrap();
    assert_eq!(done.processing_status, FileProcessingStatus::Completed);

    // A typed acceptor of one's own: done as soon as the file is no longer pending.
    let early = client(&server.base_url())
        .files()
        .get_status("f-1")
        .header("x-trace", "t-1")
        .wait_until(|s: &aymara::types::FileStatus| match s.processing_status {
            FileProcessingStatus::Pending => aymara::polling::PollState::Pending("pending".into()),
            _ => aymara::polling::PollState::Done(s.processing_status.to_string()),
        })
        .interval(Duration::from_millis(5))
        .await
        .unwrap();
    assert_ne!(early.processing_status, FileProcessingStatus::Pending);
}

/// Only polls that carry the header match; others get a 404 that would fail the wait.
async fn statuses_for_traced_polls(server: &MockServer) {
    let counter = Arc::new(Mutex::new(0usize));
    let c = counter.clone();
    server
        .mock_async(move |when, then| {
            when.method(GET)
                .path("/v2/files/f-1/status")
                .header("x-trace", "t-1")
                .is_true(move |_| {
                    let mut n = c.lock().unwrap();
                    *n += 1;
                    *n <= 2
                });
            then.status(200).json_body(file_status("f-1", "processing"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/files/f-1/status")
                .header("x-trace", "t-1");
            then.status(200).json_body(file_status("f-1", "completed"));
        })
        .await;
}
