//! `--child CASE`: one measurement in a fresh process, for `aymara` or for raw reqwest doing the
//! same thing by hand. Prints one [`Outcome`] line; peak RSS is read at the very end.
//!
//! Both clients get the same `reqwest::Client` settings (the SDK's defaults: 5 s connect timeout,
//! 64 idle connections per host), the same headers (`x-api-key`, `x-use-sandbox: False`, the
//! SDK's user agent, `accept: application/json`, `x-aymara-retry-count: 0`), the same
//! per-request timeout (60 s, none for uploads), the same 64 KiB read chunks for uploads, and
//! decode into the same `aymara::types` structs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use aymara::types::{FileCreateResponse, FileDetail, FileUpload, PagedFileDetail};
use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use tokio_util::io::ReaderStream;

use crate::measure::{Meter, Outcome, hash_ids, peak_rss_kib, pin_to_cpu};

type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

/// Read chunk of streamed uploads (the SDK's, in `upload.rs`).
const CHUNK: usize = 64 * 1024;
/// The SDK's default request timeout.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Requests sent before measuring (to open the pool's connections), at most.
const WARM_UP: u64 = 100;

/// `--name value` pairs given to a child.
pub struct Params(pub HashMap<String, String>);

impl Params {
    fn str(&self, name: &str) -> Result<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("missing --{name}").into())
    }

    fn num<T: std::str::FromStr>(&self, name: &str) -> Result<T> {
        self.str(name)?
            .parse()
            .map_err(|_| format!("--{name} must be a number").into())
    }
}

/// Runs one case and prints its outcome line.
pub fn child_main(case: &str, p: &Params) -> Result<(), String> {
    if let Some(cpu) = p.0.get("cpu") {
        let cpu = cpu.parse().map_err(|_| "--cpu must be a number")?;
        pin_to_cpu(cpu)?;
    }
    // A current-thread runtime by default: the client's own work, without cross-thread wake-ups
    // (`--runtime multi`: the multi-thread runtime of `#[tokio::main]`).
    let runtime = match p.0.get("runtime").map(String::as_str) {
        Some("multi") => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    }
    .map_err(|e| e.to_string())?;
    let mut outcome = runtime
        .block_on(run_case(case, p))
        .map_err(|e| format!("{case}: {e}"))?;
    drop(runtime);
    outcome.peak_rss_kib = peak_rss_kib();

    println!("{}", outcome.to_line());
    Ok(())
}

async fn run_case(case: &str, p: &Params) -> Result<Outcome> {
    match case {
        "upload-aymara-multipart" => upload_aymara(p, false).await,
        "upload-aymara-presigned" => upload_aymara(p, true).await,
        "upload-reqwest-multipart" => upload_reqwest_multipart(p).await,
        "upload-reqwest-presigned" => upload_reqwest_presigned(p).await,
        "pages-aymara" => pages_aymara(p).await,
        "pages-reqwest" => pages_reqwest(p).await,
        "gets-aymara" => gets_aymara(p).await,
        "gets-reqwest" => gets_reqwest(p).await,
        "results-stream" | "results-memory" | "results-html" => Ok(crate::results::child(case, p)?),
        other => Err(format!("unknown case {other:?}").into()),
    }
}

fn aymara_client(p: &Params) -> Result<aymara::Client> {
    Ok(aymara::Client::builder()
        .base_url(p.str("url")?)
        .api_key(p.str("key")?)
        .without_env()
        .build()?)
}

/// The `reqwest::Client` the SDK builds by default.
fn raw_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(aymara::config::DEFAULT_POOL_MAX_IDLE_PER_HOST)
        .build()?)
}

/// The headers the SDK sends on an API request.
fn raw_headers(p: &Params) -> Result<HeaderMap> {
    let mut h = HeaderMap::new();
    let mut key = HeaderValue::from_str(p.str("key")?)?;
    key.set_sensitive(true);
    h.insert(HeaderName::from_static("x-api-key"), key);
    h.insert(
        HeaderName::from_static("x-use-sandbox"),
        HeaderValue::from_static("False"),
    );
    h.insert(header::USER_AGENT, user_agent());
    h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    h.insert(
        HeaderName::from_static("x-aymara-retry-count"),
        HeaderValue::from_static("0"),
    );
    Ok(h)
}

fn user_agent() -> HeaderValue {
    HeaderValue::from_static(concat!("aymara-rust/", env!("CARGO_PKG_VERSION")))
}

async fn decode<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T> {
    let status = resp.status();
    let bytes = resp.bytes().await?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes)).into());
    }
    Ok(serde_json::from_slice(&bytes)?)
}

// ---------------------------------------------------------------------------------------------
// Upload
// ---------------------------------------------------------------------------------------------

fn upload_path(p: &Params) -> Result<(PathBuf, u64)> {
    let path = PathBuf::from(p.str("file")?);
    let len = std::fs::metadata(&path)?.len();
    Ok((path, len))
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload".into())
}

async fn upload_aymara(p: &Params, via_url: bool) -> Result<Outcome> {
    let client = aymara_client(p)?;
    let (path, len) = upload_path(p)?;
    let meter = Meter::start();
    let files = client.files();
    let upload = if via_url {
        files.upload_via_url(path.as_path())
    } else {
        files.upload(path.as_path())
    };
    let file = upload.send().await?;
    let measured = meter.stop();
    Ok(Outcome {
        bytes: len,
        count: 1,
        id: file.file_uuid.unwrap_or_default(),
        ..measured.outcome()
    })
}

/// `Part::stream_with_length` over a `ReaderStream` of the file.
async fn upload_reqwest_multipart(p: &Params) -> Result<Outcome> {
    let http = raw_client()?;
    let headers = raw_headers(p)?;
    let (path, _) = upload_path(p)?;
    let url = format!("{}/v2/files/-/uploads", p.str("url")?);
    let meter = Meter::start();
    let file = tokio::fs::File::open(&path).await?;
    let len = file.metadata().await?.len();
    let body = reqwest::Body::wrap_stream(ReaderStream::with_capacity(file, CHUNK));
    let part = reqwest::multipart::Part::stream_with_length(body, len)
        .file_name(file_name(&path))
        .mime_str("application/octet-stream")?;
    let form = reqwest::multipart::Form::new().part("file", part);
    let resp = http
        .post(url)
        .headers(headers)
        .multipart(form)
        .send()
        .await?;
    let file: FileUpload = decode(resp).await?;
    let measured = meter.stop();
    Ok(Outcome {
        bytes: len,
        count: 1,
        id: file.file_uuid.unwrap_or_default(),
        ..measured.outcome()
    })
}

/// `POST /v2/files` for a presigned URL, then a streamed `PUT` of the file to it.
async fn upload_reqwest_presigned(p: &Params) -> Result<Outcome> {
    let http = raw_client()?;
    let headers = raw_headers(p)?;
    let (path, _) = upload_path(p)?;
    let name = file_name(&path);
    let content_type = "application/octet-stream";
    let url = format!("{}/v2/files", p.str("url")?);
    let meter = Meter::start();
    let file = tokio::fs::File::open(&path).await?;
    let len = file.metadata().await?.len();
    let request = serde_json::json!({
        "files": [{"local_file_path": name, "content_type": content_type}]
    });
    let resp = http
        .post(url)
        .headers(headers)
        .timeout(TIMEOUT)
        .json(&request)
        .send()
        .await?;
    let created: FileCreateResponse = decode(resp).await?;
    let entry = created
        .files
        .into_iter()
        .next()
        .ok_or("no entry in the create response")?;
    let put_url = entry.file_url.clone().ok_or("no upload URL")?;
    let body = reqwest::Body::wrap_stream(ReaderStream::with_capacity(file, CHUNK));
    let resp = http
        .put(put_url)
        .header(header::USER_AGENT, user_agent())
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, len)
        .body(body)
        .send()
        .await?;
    if !resp.status().is_success() {
        return Err(format!("presigned PUT: HTTP {}", resp.status()).into());
    }
    let measured = meter.stop();
    Ok(Outcome {
        bytes: len,
        count: 1,
        id: entry.file_uuid.unwrap_or_default(),
        ..measured.outcome()
    })
}

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------

/// `.items()` over every page, with `--prefetch` (0 or 1: sequential).
async fn pages_aymara(p: &Params) -> Result<Outcome> {
    let client = aymara_client(p)?;
    let limit: u64 = p.num("limit")?;
    let prefetch: usize = p.num("prefetch")?;
    let meter = Meter::start();
    let items = client
        .files()
        .list()
        .limit(limit)
        .prefetch(prefetch)
        .items();
    let ids: Vec<String> = items.map_ok(|f| f.file_uuid).try_collect().await?;
    let measured = meter.stop();
    Ok(Outcome {
        count: ids.len() as u64,
        hash: hash_ids(ids.iter().map(String::as_str)),
        ..measured.outcome()
    })
}

/// The same walk by hand: offset += items received, until `count`.
async fn pages_reqwest(p: &Params) -> Result<Outcome> {
    let http = raw_client()?;
    let headers = raw_headers(p)?;
    let base = p.str("url")?;
    let limit: u64 = p.num("limit")?;
    let meter = Meter::start();
    let mut ids = Vec::new();
    let mut offset = 0u64;
    loop {
        let resp = http
            .get(format!("{base}/v2/files?limit={limit}&offset={offset}"))
            .headers(headers.clone())
            .timeout(TIMEOUT)
            .send()
            .await?;
        let page: PagedFileDetail = decode(resp).await?;
        let n = page.items.len() as u64;
        ids.extend(page.items.into_iter().map(|f| f.file_uuid));
        offset += n;
        let total = page.count.and_then(|c| u64::try_from(c).ok());
        if n == 0 || total.is_none_or(|t| offset >= t) {
            break;
        }
    }
    let measured = meter.stop();
    Ok(Outcome {
        count: ids.len() as u64,
        hash: hash_ids(ids.iter().map(String::as_str)),
        ..measured.outcome()
    })
}

// ---------------------------------------------------------------------------------------------
// Per-request cost
// ---------------------------------------------------------------------------------------------

fn check(detail: &FileDetail, id: &str) -> Result<()> {
    if detail.file_uuid == id {
        Ok(())
    } else {
        Err(format!("asked for {id}, got {}", detail.file_uuid).into())
    }
}

/// `n` gets, sequentially (`concurrency` 1) or `concurrency` in flight.
async fn gets<F, Fut>(n: u64, concurrency: usize, get: F) -> Result<u64>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    if concurrency <= 1 {
        for _ in 0..n {
            get().await?;
        }
        return Ok(n);
    }
    stream::iter(0..n)
        .map(|_| get())
        .buffer_unordered(concurrency)
        .try_fold(0u64, |done, ()| async move { Ok(done + 1) })
        .await
}

async fn gets_aymara(p: &Params) -> Result<Outcome> {
    let client = aymara_client(p)?;
    let id = p.str("id")?;
    let n: u64 = p.num("n")?;
    let concurrency: usize = p.num("concurrency")?;
    let files = client.files();
    let get = || {
        let request = files.get(id);
        async move {
            let detail = request.send().await?;
            check(&detail, id)
        }
    };
    gets(WARM_UP.min(n), concurrency, get).await?;
    let meter = Meter::start();
    let done = gets(n, concurrency, get).await?;
    let measured = meter.stop();
    Ok(Outcome {
        count: done,
        ..measured.outcome()
    })
}

async fn gets_reqwest(p: &Params) -> Result<Outcome> {
    let http = raw_client()?;
    let headers = raw_headers(p)?;
    let base = p.str("url")?;
    let id = p.str("id")?;
    let n: u64 = p.num("n")?;
    let concurrency: usize = p.num("concurrency")?;
    let get = || {
        let request = http
            .get(format!("{base}/v2/files/{id}"))
            .headers(headers.clone())
            .timeout(TIMEOUT);
        async move {
            let detail: FileDetail = decode(request.send().await?).await?;
            check(&detail, id)
        }
    };
    gets(WARM_UP.min(n), concurrency, get).await?;
    let meter = Meter::start();
    let done = gets(n, concurrency, get).await?;
    let measured = meter.stop();
    Ok(Outcome {
        count: done,
        ..measured.outcome()
    })
}
