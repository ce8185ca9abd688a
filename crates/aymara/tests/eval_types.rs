//! The eval types resource against httpmock.

#[path = "support/evals_fixtures.rs"]
mod fixtures;

use fixtures::*;
use futures_util::TryStreamExt;
use httpmock::prelude::*;
use serde_json::json;

#[tokio::test]
async fn list_and_get_eval_types() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/eval-types")
                .header("x-api-key", KEY)
                .query_param("limit", "100")
                .query_param("offset", "0")
                .query_param_missing("workspace_uuid");
            let mut accuracy = eval_type();
            accuracy["slug"] = json!("accuracy");
            accuracy["supported_modalities"] = json!(null);
            then.status(200)
                .json_body(page(vec![eval_type(), accuracy], 2));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/v2/eval-types/{EVAL_TYPE}"));
            then.status(200).json_body(eval_type());
        })
        .await;
    let c = client(&server);
    let types = c.eval_types().list().collect_all().await.unwrap();
    let slugs: Vec<_> = types.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["safety", "accuracy"]);
    assert_eq!(
        types[0].supported_modalities.as_deref(),
        Some(&["text".to_string(), "image".to_string()][..])
    );
    assert_eq!(types[1].supported_modalities, None);
    let one = c.eval_types().get(EVAL_TYPE).await.unwrap();
    assert_eq!(
        one.supported_generation_inputs,
        ["ai_description", "ai_instructions"]
    );
    list.assert_async().await;
    get.assert_async().await;
    assert_eq!(
        invalid_field(&c.eval_types().get("").await.unwrap_err()),
        "eval_type_uuid"
    );
}

#[tokio::test]
async fn find_instructions_by_slug_pages_on_the_literal_dash_path() {
    let server = MockServer::start_async().await;
    // The slug is a query parameter on the literal `-` path, never a path segment.
    let by_id_route = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/eval-types/safety/instructions");
            then.status(500);
        })
        .await;
    let mut pages = Vec::new();
    for (offset, range) in [(0u64, 0..2usize), (2, 2..4), (4, 4..5)] {
        pages.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/v2/eval-types/-/instructions")
                        .query_param("eval_type_slug", "safety")
                        .query_param("limit", "2")
                        .query_param("offset", offset.to_string());
                    then.status(200)
                        .json_body(page(range.map(instruction).collect(), 5));
                })
                .await,
        );
    }
    let c = client(&server);
    let found: Vec<_> = c
        .eval_types()
        .find_instructions("safety")
        .limit(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 5);
    assert_eq!(found[4].instruction_uuid, "instruction.4");
    assert_eq!(found[0].language.as_deref(), Some("en"));
    for p in &pages {
        p.assert_async().await;
    }
    by_id_route.assert_calls_async(0).await;
    let err = c
        .eval_types()
        .find_instructions(" ")
        .send_page()
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "eval_type_slug");
}

#[tokio::test]
async fn list_instructions_by_id() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v2/eval-types/{EVAL_TYPE}/instructions"))
                .query_param("limit", "10")
                .query_param("offset", "5");
            then.status(200).json_body(page(vec![instruction(5)], 6));
        })
        .await;
    let c = client(&server);
    let page = c
        .eval_types()
        .list_instructions(EVAL_TYPE)
        .limit(10)
        .offset(5)
        .send_page()
        .await
        .unwrap();
    assert_eq!(page.items[0].name, "default 5");
    assert_eq!(page.count, Some(6));
    assert!(!page.has_next_page());
    mock.assert_async().await;
    let err = c
        .eval_types()
        .list_instructions("a/b")
        .send_page()
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "eval_type_uuid");
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_list_get_and_find() {
    let server = MockServer::start();
    server.mock(|when, then| {
        when.method(GET).path("/v2/eval-types");
        then.status(200).json_body(page(vec![eval_type()], 1));
    });
    server.mock(|when, then| {
        when.method(GET).path(format!("/v2/eval-types/{EVAL_TYPE}"));
        then.status(200).json_body(eval_type());
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/v2/eval-types/-/instructions")
            .query_param("eval_type_slug", "safety");
        then.status(200)
            .json_body(page(vec![instruction(0), instruction(1)], 2));
    });
    let c = builder(&server).build_blocking().unwrap();
    assert_eq!(
        c.eval_types().list().collect_all().unwrap()[0].name,
        "Safety"
    );
    assert_eq!(c.eval_types().get(EVAL_TYPE).send().unwrap().slug, "safety");
    let found: Vec<_> = c
        .eval_types()
        .find_instructions("safety")
        .items()
        .map(|i| i.unwrap().instruction_uuid)
        .collect();
    assert_eq!(found, ["instruction.0", "instruction.1"]);
}
