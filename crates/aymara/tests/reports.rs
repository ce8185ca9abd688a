//! The reports resource against httpmock.

#[path = "support/evals_fixtures.rs"]
mod fixtures;

use aymara::Error;
use aymara::types::Status;
use fixtures::*;
use httpmock::prelude::*;
use serde_json::json;

#[tokio::test]
async fn create_sends_run_ids_and_workspace_query() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2/eval-reports")
                .header("x-api-key", KEY)
                .query_param("workspace_uuid", WORKSPACE)
                .json_body(json!({"eval_run_uuids": [RUN, RUN_2]}));
            then.status(200).json_body(report(REPORT, "created"));
        })
        .await;
    let created = client(&server)
        .reports()
        .create([RUN])
        .eval_run_uuid(RUN_2)
        .workspace_uuid(WORKSPACE)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(created.eval_suite_report_uuid, REPORT);
    assert_eq!(created.status, Status::Created);
    assert!(created.eval_run_reports.is_empty());
    assert_eq!(created.remaining_reports, Some(1));
}

#[tokio::test]
async fn create_validates_run_ids() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let c = client(&server);
    let err = c.reports().create(Vec::<String>::new()).await.unwrap_err();
    assert_eq!(invalid_field(&err), "eval_run_uuids");
    let err = c.reports().create([RUN, " "]).await.unwrap_err();
    assert_eq!(invalid_field(&err), "eval_run_uuids[1]");
    assert_eq!(
        invalid_field(&c.reports().get("").await.unwrap_err()),
        "report_uuid"
    );
    assert_eq!(
        invalid_field(&c.reports().delete("").await.unwrap_err()),
        "report_uuid"
    );
    assert_eq!(
        invalid_field(
            &c.reports()
                .list()
                .workspace_uuid("")
                .send_page()
                .await
                .unwrap_err()
        ),
        "workspace_uuid"
    );
    mock.assert_calls_async(0).await;
}

#[tokio::test]
async fn list_get_and_delete() {
    let server = MockServer::start_async().await;
    let mut list = Vec::new();
    for (offset, id) in [(0u64, REPORT), (1, "score_run_suite_summary.2")] {
        list.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/v2/eval-reports")
                        .query_param("workspace_uuid", WORKSPACE)
                        .query_param("limit", "1")
                        .query_param("offset", offset.to_string());
                    then.status(200)
                        .json_body(page(vec![report(id, "finished")], 2));
                })
                .await,
        );
    }
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/eval-reports/{REPORT}"))
                .query_param("workspace_uuid", WORKSPACE);
            then.status(200).json_body(report(REPORT, "finished"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("/v2/eval-reports/{REPORT}"))
                .query_param("workspace_uuid", WORKSPACE);
            then.status(204);
        })
        .await;
    let c = client(&server);
    let all = c
        .reports()
        .list()
        .workspace_uuid(WORKSPACE)
        .limit(1)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    for m in &list {
        m.assert_async().await;
    }
    let one = c
        .reports()
        .get(REPORT)
        .workspace_uuid(WORKSPACE)
        .await
        .unwrap();
    let run_report = &one.eval_run_reports[0];
    assert_eq!(run_report.eval_run_report_uuid, RUN_REPORT);
    assert_eq!(run_report.eval_run.status, Status::Finished);
    assert!(run_report.failing_responses_summary.contains("<privacy>"));
    assert_eq!(
        one.overall_improvement_advice.as_deref(),
        Some("Check ownership.")
    );
    c.reports()
        .delete(REPORT)
        .workspace_uuid(WORKSPACE)
        .await
        .unwrap();
    get.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn wait_until_finished_success_failure_and_deadline() {
    let server = MockServer::start_async().await;
    let calls = sequence(
        &server,
        GET,
        &format!("/v2/eval-reports/{REPORT}"),
        vec![
            report(REPORT, "created"),
            report(REPORT, "processing"),
            report(REPORT, "finished"),
        ],
    )
    .await;
    sequence(
        &server,
        GET,
        "/v2/eval-reports/score_run_suite_summary.bad",
        vec![report("score_run_suite_summary.bad", "failed")],
    )
    .await;
    sequence(
        &server,
        GET,
        "/v2/eval-reports/score_run_suite_summary.slow",
        vec![report("score_run_suite_summary.slow", "processing")],
    )
    .await;
    let c = client(&server);
    let done = c
        .reports()
        .wait_until_finished(REPORT)
        .with_config(fast_wait())
        .await
        .unwrap();
    assert_eq!(done.status, Status::Finished);
    assert_eq!(done.eval_run_reports.len(), 1);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
    match c
        .reports()
        .wait_until_finished("score_run_suite_summary.bad")
        .with_config(fast_wait())
        .await
        .unwrap_err()
    {
        Error::WaitFailed {
            resource, status, ..
        } => assert_eq!((resource, status.as_str()), ("report", "failed")),
        other => panic!("expected WaitFailed, got {other:?}"),
    }
    let err = c
        .reports()
        .wait_until_finished("score_run_suite_summary.slow")
        .with_config(fast_wait())
        .await
        .unwrap_err();
    match &err {
        Error::WaitTimeout {
            resource,
            last_status,
            ..
        } => {
            assert_eq!((*resource, last_status.as_str()), ("report", "processing"))
        }
        other => panic!("expected WaitTimeout, got {other:?}"),
    }
    assert!(err.to_string().contains("still `processing`"), "{err}");
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_create_wait_and_delete() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(POST)
            .path("/v2/eval-reports")
            .json_body(json!({"eval_run_uuids": [RUN]}));
        then.status(200).json_body(report(REPORT, "created"));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("/v2/eval-reports/{REPORT}"));
        then.status(200).json_body(report(REPORT, "finished"));
    });
    let delete = server.mock(|when, then| {
        when.method(DELETE)
            .path(format!("/v2/eval-reports/{REPORT}"));
        then.status(204);
    });
    let c = builder(&server).build_blocking().unwrap();
    let created = c.reports().create([RUN]).send().unwrap();
    let done = c
        .reports()
        .wait_until_finished(&created.eval_suite_report_uuid)
        .with_config(fast_wait())
        .send()
        .unwrap();
    assert_eq!(
        done.overall_passing_responses_summary.as_deref(),
        Some("Mostly safe.")
    );
    c.reports().delete(REPORT).send().unwrap();
    delete.assert();
    let err = c.reports().create(Vec::<String>::new()).send().unwrap_err();
    assert_eq!(invalid_field(&err), "eval_run_uuids");
}
