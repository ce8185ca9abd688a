//! Slow, huge and too many requests are cut off instead of holding resources.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::fast;

/// Reads until the peer closes (or `limit` passes); returns what was read and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
        }
    }
}

#[tokio::test]
async fn connections_that_never_finish_their_headers_are_closed() {
    let emu = fast()
        .header_timeout(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let mut conns = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(("127.0.0.1", emu.port())).await.unwrap();
        s.write_all(b"GET /v2/evals HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        conns.push(s);
    }
    let started = Instant::now();
    let closers = conns.into_iter().map(|mut s| {
        tokio::spawn(async move { read_until_closed(&mut s, Duration::from_secs(10)).await.1 })
    });
    for closed in closers {
        assert!(closed.await.unwrap(), "a connection was held open");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The server still answers.
    let resp = reqwest::get(format!("{}/health/", emu.url()))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_huge_declared_content_length_is_refused_before_the_body() {
    let emu = fast().start().await.unwrap();
    for (path, ct) in [
        ("/v2/evals", "application/json"),
        ("/v2/files/-/uploads", "multipart/form-data; boundary=x"),
    ] {
        let mut s = TcpStream::connect(("127.0.0.1", emu.port())).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nx-api-key: {}\r\ncontent-type: {ct}\r\n\
             content-length: {}\r\n\r\n{{",
            emu.api_key(),
            2u64 << 40
        );
        let started = Instant::now();
        s.write_all(head.as_bytes()).await.unwrap();
        let (reply, _) = read_until_closed(&mut s, Duration::from_secs(5)).await;
        assert!(reply.starts_with("HTTP/1.1 413"), "{path}: {reply}");
        assert!(reply.contains("\"validation.invalid_request\""), "{reply}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // Limits are configurable.
    let emu = fast().max_json_body(10).start().await.unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/v2/evals", emu.url()))
        .header("x-api-key", emu.api_key())
        .header("content-type", "application/json")
        .body("{\"ai_description\": \"long enough\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_stalled_body_is_cut_off() {
    let emu = fast()
        .body_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", emu.port())).await.unwrap();
    let head = format!(
        "POST /v2/evals HTTP/1.1\r\nHost: x\r\nx-api-key: {}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\n\r\n{{\"ai_",
        emu.api_key()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (reply, closed) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(closed);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_their_turn() {
    let emu = fast()
        .max_connections(2)
        .header_timeout(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    // Two idle connections take both slots.
    let a = TcpStream::connect(("127.0.0.1", emu.port())).await.unwrap();
    let b = TcpStream::connect(("127.0.0.1", emu.port())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let url = format!("{}/health/", emu.url());
    let waiting = tokio::spawn(async move { reqwest::get(url).await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!waiting.is_finished(), "a third connection was served");
    drop(a);
    let status = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    drop(b);
}
