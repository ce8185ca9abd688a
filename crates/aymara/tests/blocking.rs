//! The blocking client against httpmock (plain `#[test]`s: no async runtime around them).
#![cfg(feature = "blocking")]

mod support;

use std::time::Duration;

use aymara::Error;
use httpmock::prelude::*;
use serde_json::json;
use support::{KEY, builder, file_detail, file_status, file_upload};

fn blocking_client(server: &MockServer) -> aymara::blocking::Client {
    builder(&server.base_url()).build_blocking().unwrap()
}

#[test]
fn get_list_iterate_and_raw() {
    let server = MockServer::start();
    let get = server.mock(|when, then| {
        when.method(GET)
            .path("/v2/files/f-1")
            .header("x-api-key", KEY);
        then.status(200)
            .header("x-request-id", "req-b")
            .json_body(file_detail("f-1", "text"));
    });
    for (offset, range) in [(0, 0..2), (2, 2..3)] {
        server.mock(|when, then| {
            when.method(GET)
                .path("/v2/files")
                .query_param("limit", "2")
                .query_param("offset", offset.to_string());
            then.status(200).json_body(json!({
                "items": range.map(|i| file_detail(&format!("f-{i}"), "text")).collect::<Vec<_>>(),
                "count": 3
            }));
        });
    }
    let c = blocking_client(&server);
    assert_eq!(c.files().get("f-1").send().unwrap().file_uuid, "f-1");
    let ids: Vec<String> = c
        .files()
        .list()
        .limit(2)
        .items()
        .map(|f| f.unwrap().file_uuid)
        .collect();
    assert_eq!(ids, ["f-0", "f-1", "f-2"]);
    let page = c.files().list().limit(2).send_page().unwrap();
    assert!(page.has_next_page());
    let next = page.next_page().unwrap().unwrap();
    assert_eq!(next.items.len(), 1);
    let raw = c.files().get("f-1").send_raw().unwrap();
    assert_eq!(raw.request_id(), Some("req-b"));
    assert_eq!(raw.parse().unwrap().file_uuid, "f-1");
    get.assert_calls(2);
}

#[test]
fn upload_wait_and_errors() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST)
            .path("/v2/files/-/uploads")
            .body_includes("hello blocking");
        then.status(200).json_body(file_upload("f-1", "pending"));
    });
    server.mock(|when, then| {
        when.method(GET).path("/v2/files/f-1/status");
        then.status(200).json_body(file_status("f-1", "completed"));
    });
    server.mock(|when, then| {
        when.method(GET).path("/v2/files/missing");
        then.status(404)
            .json_body(json!({"error": {"code": "resource.not_found", "message": "no such file"}}));
    });
    let c = blocking_client(&server);
    let up = c
        .files()
        .upload(aymara::upload::UploadSource::bytes(
            "a.txt",
            "hello blocking",
        ))
        .send()
        .unwrap();
    let st = c
        .files()
        .wait_for_processing(up.file_uuid.unwrap())
        .interval(Duration::from_millis(5))
        .send()
        .unwrap();
    assert_eq!(
        st.processing_status,
        aymara::types::FileProcessingStatus::Completed
    );
    let err = c.files().get("missing").send().unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn calling_blocking_code_inside_a_runtime_is_an_error_not_a_panic() {
    let c = aymara::Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9")
        .without_env()
        .build()
        .unwrap();
    let blocking = aymara::blocking::Client::new(c).unwrap();
    let err = blocking.health().check().send().unwrap_err();
    assert!(matches!(err, Error::BlockingInAsync), "{err:?}");
}
