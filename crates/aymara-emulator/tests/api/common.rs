//! Shared helpers: an emulator with a plain `reqwest` client, and error-body assertions.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use aymara_emulator::{Emulator, EmulatorBuilder};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

/// An emulator with fast lifecycles and a client.
pub struct Api {
    pub emu: Emulator,
    pub http: reqwest::Client,
}

/// Fast lifecycles for tests.
pub fn fast() -> EmulatorBuilder {
    Emulator::builder()
        .eval_generation_delay(Duration::from_millis(60))
        .run_scoring_delay(Duration::from_millis(60))
        .report_delay(Duration::from_millis(60))
        .video_processing_delay(Duration::from_millis(300))
}

impl Api {
    pub async fn start() -> Self {
        Self::with(fast()).await
    }

    pub async fn with(builder: EmulatorBuilder) -> Self {
        let emu = builder.start().await.expect("emulator starts");
        Self {
            emu,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.url())
    }

    /// A request with the API key.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("x-api-key", self.emu.api_key())
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.req(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.req(Method::POST, path)
    }

    /// GET `path` → (status, JSON body).
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        send(self.get(path)).await
    }

    /// POST JSON → (status, JSON body).
    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        send(self.post(path).json(body)).await
    }

    /// Polls GET `path` until `done` holds (5 s at most), returning the last body.
    pub async fn poll(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let (status, body) = self.get_json(path).await;
            assert_eq!(status, StatusCode::OK, "polling {path}: {body}");
            if done(&body) {
                return body;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "timed out polling {path}; last body {body}"
            );
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    }

    /// Creates an eval and waits until it is finished.
    pub async fn finished_eval(&self, body: Value) -> Value {
        let (status, eval) = self.post_json("/v2/evals", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{eval}");
        let id = eval["eval_uuid"].as_str().expect("eval_uuid").to_owned();
        self.poll(&format!("/v2/evals/{id}"), |e| e["status"] == "finished")
            .await
    }

    /// All prompts of an eval (one page of up to 1000).
    pub async fn prompts(&self, eval_uuid: &str) -> Vec<Value> {
        let (status, page) = self
            .get_json(&format!("/v2/evals/{eval_uuid}/prompts?limit=1000"))
            .await;
        assert_eq!(status, StatusCode::OK);
        page["items"].as_array().expect("items").clone()
    }
}

/// Sends and decodes the JSON body (`Value::Null` for an empty body).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request is sent");
    decode(response).await
}

pub async fn decode(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON ({status}): {}", String::from_utf8_lossy(&bytes)))
    };
    (status, body)
}

/// Asserts the documented error body and returns the error object. Also checks that it decodes
/// as the client's `ErrorResponse`.
pub async fn expect_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let header_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id header")
        .to_owned();
    let (_, body) = decode(response).await;
    let typed: aymara_raw::types::ErrorResponse =
        serde_json::from_value(body.clone()).expect("the error body is an ErrorResponse");
    assert_eq!(typed.error.code, code, "{body}");
    assert_eq!(typed.error.request_id, header_id, "{body}");
    assert!(typed.error.request_id.starts_with("req_"));
    assert!(!typed.error.message.is_empty());
    body["error"].clone()
}

/// A tiny fake MP4: an ISO-BMFF `ftyp` box at byte 4, then `len` bytes in total.
pub fn fake_mp4(len: usize) -> Vec<u8> {
    let mut bytes = vec![0, 0, 0, 0x18];
    bytes.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    bytes.resize(len.max(bytes.len()), 0xab);
    bytes
}
