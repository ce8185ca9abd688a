//! A local HTTP/1.1 server that misbehaves on purpose, byte by byte: the SDK's fault, fuzz and
//! bad-input suites run against it. Each request is answered by a [`Fault`] chosen by the
//! test's handler from the request and its number (counting from 0), and every request seen is
//! recorded, so tests can assert what reached the wire and how many attempts were made.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as it arrived.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// The request target exactly as sent (path and query, still percent-encoded).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How to answer one request.
#[derive(Clone, Debug)]
pub enum Fault {
    /// A well-formed response (`Content-Length` framing); the connection stays open.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Waits, then answers as the inner fault says.
    Delay(Duration, Box<Fault>),
    /// Reads the request, then resets the connection without answering.
    Reset,
    /// Sends the status line, headers (declaring `declared` bytes) and `body`, then resets.
    ResetMidBody {
        status: u16,
        declared: usize,
        body: Vec<u8>,
    },
    /// Declares `declared` bytes, sends `body` (shorter), then closes cleanly.
    ShortBody {
        status: u16,
        declared: usize,
        body: Vec<u8>,
    },
    /// Sends the headers, then the body `per_sec` bytes a second.
    Trickle {
        status: u16,
        body: Vec<u8>,
        per_sec: usize,
    },
    /// Sends the headers (declaring a body), then nothing, holding the connection.
    HeadersThenStall { status: u16 },
    /// Reads nothing past the request head and never answers.
    Stall,
    /// Arbitrary bytes, then closes (the fuzzer's framing mutations).
    Raw(Vec<u8>),
    /// Forwards the request to the upstream server and relays its answer.
    Forward,
    /// Forwards (the upstream does the work), discards the answer, then answers as `then` says.
    ForwardThen(Box<Fault>),
}

impl Fault {
    pub fn status(status: u16) -> Self {
        Self::Respond {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn with_header(self, name: &str, value: &str) -> Self {
        match self {
            Self::Respond {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.into(), value.into()));
                Self::Respond {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }
}

type Handler = dyn Fn(&Seen, usize) -> Fault + Send + Sync;

/// The running server; dropped with the test's runtime.
pub struct FaultServer {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FaultServer {
    /// Starts a server answering each request with `handler(request, n)`.
    pub async fn start(handler: impl Fn(&Seen, usize) -> Fault + Send + Sync + 'static) -> Self {
        Self::start_with_upstream(None, handler).await
    }

    /// Like [`start`](Self::start), with an upstream for [`Fault::Forward`].
    pub async fn start_with_upstream(
        upstream: Option<String>,
        handler: impl Fn(&Seen, usize) -> Fault + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let http = reqwest::Client::new();
        let state = (seen.clone(), handler, upstream, http);
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let (seen, handler, upstream, http) = state.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, seen, handler, upstream, http).await;
                });
            }
        });
        Self { addr, seen }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn serve(
    mut socket: TcpStream,
    seen: Arc<Mutex<Vec<Seen>>>,
    handler: Arc<Handler>,
    upstream: Option<String>,
    http: reqwest::Client,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut socket, &mut buf).await? else {
            return Ok(());
        };
        let n = {
            let mut s = seen.lock().unwrap();
            s.push(request.clone());
            s.len() - 1
        };
        let fault = handler(&request, n);
        if !answer(&mut socket, &request, fault, upstream.as_deref(), &http).await? {
            return Ok(());
        }
    }
}

/// Answers one request; `false` when the connection is finished.
async fn answer(
    socket: &mut TcpStream,
    request: &Seen,
    fault: Fault,
    upstream: Option<&str>,
    http: &reqwest::Client,
) -> std::io::Result<bool> {
    match fault {
        Fault::Respond {
            status,
            headers,
            body,
        } => {
            socket
                .write_all(&head(status, &headers, Some(body.len())))
                .await?;
            socket.write_all(&body).await?;
            Ok(true)
        }
        Fault::Delay(d, inner) => {
            tokio::time::sleep(d).await;
            Box::pin(answer(socket, request, *inner, upstream, http)).await
        }
        Fault::Reset => {
            socket.set_zero_linger()?;
            Ok(false)
        }
        Fault::ResetMidBody {
            status,
            declared,
            body,
        } => {
            socket.write_all(&head(status, &[], Some(declared))).await?;
            socket.write_all(&body).await?;
            socket.flush().await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
            socket.set_zero_linger()?;
            Ok(false)
        }
        Fault::ShortBody {
            status,
            declared,
            body,
        } => {
            socket.write_all(&head(status, &[], Some(declared))).await?;
            socket.write_all(&body).await?;
            socket.shutdown().await?;
            Ok(false)
        }
        Fault::Trickle {
            status,
            body,
            per_sec,
        } => {
            socket
                .write_all(&head(status, &[], Some(body.len())))
                .await?;
            let per_sec = per_sec.max(1);
            for chunk in body.chunks(per_sec) {
                socket.write_all(chunk).await?;
                socket.flush().await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Ok(true)
        }
        Fault::HeadersThenStall { status } => {
            socket.write_all(&head(status, &[], Some(1000))).await?;
            socket.flush().await?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(false)
        }
        Fault::Stall => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(false)
        }
        Fault::Raw(bytes) => {
            socket.write_all(&bytes).await?;
            socket.shutdown().await?;
            Ok(false)
        }
        Fault::Forward => {
            let (status, headers, body) = forward(request, upstream, http).await;
            socket
                .write_all(&head(status, &headers, Some(body.len())))
                .await?;
            socket.write_all(&body).await?;
            Ok(true)
        }
        Fault::ForwardThen(then) => {
            forward(request, upstream, http).await;
            Box::pin(answer(socket, request, *then, upstream, http)).await
        }
    }
}

async fn forward(
    request: &Seen,
    upstream: Option<&str>,
    http: &reqwest::Client,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let upstream = upstream.expect("Fault::Forward needs an upstream");
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap();
    let mut req = http.request(method, format!("{upstream}{}", request.target));
    for (n, v) in &request.headers {
        let lower = n.to_ascii_lowercase();
        if !matches!(
            lower.as_str(),
            "host" | "content-length" | "transfer-encoding" | "connection"
        ) {
            req = req.header(n, v);
        }
    }
    let resp = req.body(request.body.clone()).send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .filter(|(n, _)| {
            !matches!(
                n.as_str(),
                "content-length" | "transfer-encoding" | "connection"
            )
        })
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = resp.bytes().await.unwrap().to_vec();
    (status, headers, body)
}

fn head(status: u16, headers: &[(String, String)], len: Option<usize>) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {status} X\r\n");
    for (n, v) in headers {
        h.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(len) = len {
        h.push_str(&format!("content-length: {len}\r\n"));
    }
    h.push_str("\r\n");
    h.into_bytes()
}

/// Reads one request (head, then a `Content-Length` or chunked body); `None` at end of stream.
async fn read_request(socket: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<Seen>> {
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        if !fill(socket, buf).await? {
            return Ok(None);
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    req.parse(&buf[..head_end]).map_err(std::io::Error::other)?;
    let method = req.method.unwrap_or_default().to_string();
    let target = req.path.unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    buf.drain(..head_end);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if let Some(len) = get("content-length") {
        let len: usize = len.trim().parse().map_err(std::io::Error::other)?;
        while buf.len() < len {
            if !fill(socket, buf).await? {
                return Ok(None);
            }
        }
        buf.drain(..len).collect()
    } else if get("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(buf, b"\r\n") {
                    break i;
                }
                if !fill(socket, buf).await? {
                    return Ok(None);
                }
            };
            let size_text = String::from_utf8_lossy(&buf[..line_end]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
                .map_err(std::io::Error::other)?;
            buf.drain(..line_end + 2);
            while buf.len() < size + 2 {
                if !fill(socket, buf).await? {
                    return Ok(None);
                }
            }
            body.extend(buf.drain(..size));
            buf.drain(..2);
            if size == 0 {
                break;
            }
        }
        body
    } else {
        Vec::new()
    };
    Ok(Some(Seen {
        method,
        target,
        headers,
        body,
    }))
}

async fn fill(socket: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let n = socket.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
