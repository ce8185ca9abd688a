//! Pagination against httpmock: three pages with filters kept, count-less paging, the repeat
//! guard, prefetch, and the page API.

mod support;

use aymara::Error;
use futures_util::TryStreamExt;
use httpmock::prelude::*;
use serde_json::{Value, json};
use support::{client, file_detail};

fn items(range: std::ops::Range<usize>) -> Vec<Value> {
    range
        .map(|i| file_detail(&format!("f-{i}"), "image"))
        .collect()
}

/// Serves `total` files as pages of `limit`, requiring the filters on every request.
async fn serve_pages(
    server: &MockServer,
    total: usize,
    limit: usize,
    with_count: bool,
) -> Vec<httpmock::Mock<'_>> {
    let mut mocks = Vec::new();
    let mut offset = 0;
    loop {
        let end = (offset + limit).min(total);
        let mut body = json!({"items": items(offset..end)});
        if with_count {
            body["count"] = json!(total);
        }
        let o = offset.to_string();
        let l = limit.to_string();
        mocks.push(
            server
                .mock_async(move |when, then| {
                    when.method(GET)
                        .path("/v2/files")
                        .query_param("file_type", "image")
                        .query_param("workspace_uuid", "ws-1")
                        .query_param("limit", l)
                        .query_param("offset", o);
                    then.status(200).json_body(body);
                })
                .await,
        );
        if end >= total {
            break;
        }
        offset = end;
    }
    mocks
}

#[tokio::test]
async fn items_walks_three_pages_keeping_filters() {
    let server = MockServer::start_async().await;
    let mocks = serve_pages(&server, 25, 10, true).await;
    assert_eq!(mocks.len(), 3);
    let all: Vec<_> = client(&server.base_url())
        .files()
        .list()
        .file_type("image")
        .workspace_uuid("ws-1")
        .limit(10)
        .items()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|f| f.file_uuid.clone()).collect();
    let expected: Vec<_> = (0..25).map(|i| format!("f-{i}")).collect();
    assert_eq!(ids, expected);
    for m in &mocks {
        m.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn without_count_a_short_page_ends_the_walk() {
    let server = MockServer::start_async().await;
    let mocks = serve_pages(&server, 23, 10, false).await;
    let all = client(&server.base_url())
        .files()
        .list()
        .file_type("image")
        .workspace_uuid("ws-1")
        .limit(10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 23);
    for m in &mocks {
        m.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn prefetch_yields_the_same_items_in_order() {
    let server = MockServer::start_async().await;
    let mocks = serve_pages(&server, 95, 10, true).await;
    let pages: Vec<_> = client(&server.base_url())
        .files()
        .list()
        .file_type("image")
        .workspace_uuid("ws-1")
        .limit(10)
        .prefetch(4)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 10);
    let offsets: Vec<u64> = pages.iter().map(|p| p.offset).collect();
    assert_eq!(offsets, (0..10).map(|i| i * 10).collect::<Vec<u64>>());
    let ids: Vec<_> = pages.into_iter().flatten().map(|f| f.file_uuid).collect();
    assert_eq!(ids, (0..95).map(|i| format!("f-{i}")).collect::<Vec<_>>());
    for m in &mocks {
        m.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn a_server_that_ignores_offset_ends_with_an_error() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files");
            then.status(200).json_body(json!({"items": items(0..10)}));
        })
        .await;
    let err = client(&server.base_url())
        .files()
        .list()
        .limit(10)
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Pagination { offset: 10, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ignore `offset`"), "{err}");
    m.assert_calls_async(2).await;
}

#[tokio::test]
async fn page_api_and_empty_list() {
    let server = MockServer::start_async().await;
    serve_pages(&server, 15, 10, true).await;
    let c = client(&server.base_url());
    let first = c
        .files()
        .list()
        .file_type("image")
        .workspace_uuid("ws-1")
        .limit(10)
        .send_page()
        .await
        .unwrap();
    assert_eq!(
        (first.items.len(), first.count, first.offset),
        (10, Some(15), 0)
    );
    assert!(first.has_next_page());
    assert_eq!(first.next_offset(), Some(10));
    let second = first.next_page().await.unwrap().unwrap();
    assert_eq!((second.items.len(), second.offset), (5, 10));
    assert!(!second.has_next_page());
    assert!(second.next_page().await.unwrap().is_none());

    let empty = MockServer::start_async().await;
    let m = empty
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/files")
                .query_param("limit", "100")
                .query_param("offset", "0");
            then.status(200).json_body(json!({"items": [], "count": 0}));
        })
        .await;
    let none = client(&empty.base_url())
        .files()
        .list()
        .collect_all()
        .await
        .unwrap();
    assert!(none.is_empty());
    m.assert_calls_async(1).await;
}

#[tokio::test]
async fn limit_zero_is_rejected_before_any_request() {
    let server = MockServer::start_async().await;
    let err = client(&server.base_url())
        .files()
        .list()
        .limit(0)
        .send_page()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "limit"),
        "{err}"
    );
}
