//! Typed ids: a method that takes an id also takes the object that carries it, and an object
//! without its id is refused before any request.

mod support;

use aymara::types::{FileStatus, FileUpload};
use aymara::{Error, EvalRunId, FileId};
use httpmock::prelude::*;
use support::{client, file_detail, file_status, file_upload};

#[tokio::test]
async fn objects_stand_for_their_ids() {
    let server = MockServer::start_async().await;
    let detail = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/file.1");
            then.status(200).json_body(file_detail("file.1", "text"));
        })
        .await;
    let status = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/file.1/status");
            then.status(200)
                .json_body(file_status("file.1", "completed"));
        })
        .await;
    let client = client(&server.base_url());
    let upload: FileUpload = serde_json::from_value(file_upload("file.1", "pending")).unwrap();

    // The upload, its status and the id itself all address the same file.
    let st: FileStatus = client.files().wait_for_processing(&upload).await.unwrap();
    let got = client.files().get(&st).await.unwrap();
    assert_eq!(got.file_uuid, "file.1");
    let id = FileId::from(&upload);
    assert_eq!(id.as_str(), "file.1");
    client.files().get(id).await.unwrap();
    detail.assert_calls_async(2).await;
    status.assert_calls_async(1).await;
}

#[tokio::test]
async fn an_object_without_its_id_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(file_detail("x", "text"));
        })
        .await;
    let mut upload: FileUpload = serde_json::from_value(file_upload("file.1", "pending")).unwrap();
    upload.file_uuid = None;
    let err = client(&server.base_url())
        .files()
        .get(&upload)
        .await
        .unwrap_err();
    match err {
        Error::InvalidInput { field, .. } => assert_eq!(field, "file_uuid"),
        other => panic!("{other:?}"),
    }
    any.assert_calls_async(0).await;
}

#[test]
fn ids_of_different_resources_are_different_types() {
    let run = EvalRunId::from("score_run.1");
    assert_eq!(run.to_string(), "score_run.1");
    assert_eq!(String::from(&run), "score_run.1");
    // `client.evals().get(run)` does not compile: see the `compile_fail` example in `aymara::ids`.
}
