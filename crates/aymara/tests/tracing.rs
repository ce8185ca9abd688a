//! One `aymara.request` span per operation, carrying operation, method, path, status, attempts
//! and the server's request id.

mod support;

use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use support::{client, file_detail};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

type Fields = Arc<Mutex<Vec<(String, String)>>>;

struct Capture(Fields);

struct Visitor<'a>(&'a Fields);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .lock()
            .unwrap()
            .push((field.name().to_string(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .lock()
            .unwrap()
            .push((field.name().to_string(), value.to_string()));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        if attrs.metadata().name() == "aymara.request" {
            attrs.record(&mut Visitor(&self.0));
        }
    }
    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        values.record(&mut Visitor(&self.0));
    }
}

#[tokio::test]
async fn each_call_records_a_request_span() {
    let fields: Fields = Arc::default();
    let subscriber = tracing_subscriber::registry().with(Capture(fields.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/files/f-1");
            then.status(200)
                .header("x-request-id", "req-t")
                .json_body(file_detail("f-1", "text"));
        })
        .await;
    client(&server.base_url()).files().get("f-1").await.unwrap();

    let got = fields.lock().unwrap().clone();
    let get = |k: &str| got.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("operation").as_deref(), Some("files_get"));
    assert_eq!(get("method").as_deref(), Some("GET"));
    assert_eq!(get("path").as_deref(), Some("/v2/files/f-1"));
    assert_eq!(get("status").as_deref(), Some("200"));
    assert_eq!(get("attempts").as_deref(), Some("1"));
    assert_eq!(get("request_id").as_deref(), Some("req-t"));
    assert!(!got.iter().any(|(_, v)| v.contains("test-key")), "{got:?}");
}
