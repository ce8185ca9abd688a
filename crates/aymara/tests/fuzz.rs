//! Fuzzing that cannot be argued with.
//!
//! - `http_fuzz`: a local server answers with random and mutated statuses, headers, framing and
//!   JSON bodies (valid JSON of the wrong shape, huge numbers, deep nesting, truncations, bytes),
//!   and the real client calls `get`, `send_raw().parse()`, `send_page`, `items()` and
//!   `prefetch(n).items()` against it. Every call must end, within a bound, in a value or a typed
//!   `Error`: a panic or a hang fails the test.
//! - `decoder_fuzz`: instances of every response schema of `openapi.json`, generated from the
//!   schema and then mutated, decoded in-process into the matching Rust type. Unmutated
//!   instances must all decode; mutated ones must never panic.
//!
//! CI runs a bounded number of inputs. For a long run:
//! `AYMARA_FUZZ_ITERS=1000000 cargo test --release -p aymara --test fuzz -- --nocapture`
//! (`AYMARA_FUZZ_SEED` replays a run).

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aymara::{Error, RetryConfig};
use futures_util::StreamExt;
use serde_json::{Value, json};
use support::fault::{Fault, FaultServer};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn seed() -> u64 {
    let seed = env_num("AYMARA_FUZZ_SEED", fastrand::u64(..));
    eprintln!("fuzz seed {seed} (AYMARA_FUZZ_SEED={seed} replays it)");
    seed
}

// ---------------------------------------------------------------------------------------------
// Random JSON

fn random_string(rng: &mut fastrand::Rng) -> String {
    match rng.u8(..6) {
        0 => String::new(),
        1 => "x".repeat(rng.usize(..20_000)),
        2 => (0..rng.usize(..20)).map(|_| rng.char(..)).collect(),
        3 => [
            "..",
            "null",
            "2025-01-01T00:00:00Z",
            "not-a-date",
            "\u{0}",
            "video",
        ][rng.usize(..6)]
        .into(),
        _ => (0..rng.usize(1..12)).map(|_| rng.alphanumeric()).collect(),
    }
}

fn random_number(rng: &mut fastrand::Rng) -> String {
    [
        "0",
        "-0",
        "1",
        "-1",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "123456789012345678901234567890",
        "1e400",
        "-1e400",
        "1e-400",
        "1.5",
        "1e13",
        "10000000000000",
        "0.1e1",
    ][rng.usize(..16)]
    .to_string()
}

/// Random JSON text (not always valid: numbers may overflow every Rust type).
fn random_json(rng: &mut fastrand::Rng, depth: u32) -> String {
    let leaf = depth == 0 || rng.u8(..3) == 0;
    if leaf {
        return match rng.u8(..5) {
            0 => "null".into(),
            1 => rng.bool().to_string(),
            2 => random_number(rng),
            _ => Value::String(random_string(rng)).to_string(),
        };
    }
    if rng.bool() {
        let items: Vec<String> = (0..rng.usize(..4))
            .map(|_| random_json(rng, depth - 1))
            .collect();
        format!("[{}]", items.join(","))
    } else {
        let keys = [
            "items",
            "count",
            "file_uuid",
            "status",
            "error",
            "eval_uuid",
            "results",
            "has_more",
            "x",
        ];
        let fields: Vec<String> = (0..rng.usize(..5))
            .map(|_| {
                format!(
                    "\"{}\":{}",
                    keys[rng.usize(..keys.len())],
                    random_json(rng, depth - 1)
                )
            })
            .collect();
        format!("{{{}}}", fields.join(","))
    }
}

/// Mutates JSON text: truncation, a byte flipped, nesting, a number or string swapped in.
fn mutate(rng: &mut fastrand::Rng, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    match rng.u8(..7) {
        0 if !bytes.is_empty() => bytes.truncate(rng.usize(..bytes.len())),
        1 if !bytes.is_empty() => {
            let i = rng.usize(..bytes.len());
            bytes[i] = rng.u8(..);
        }
        2 => {
            let depth = rng.usize(100..20_000);
            let open = if rng.bool() { "[" } else { "{\"a\":" };
            let close = if open == "[" { "]" } else { "}" };
            bytes = format!("{}{}{}", open.repeat(depth), text, close.repeat(depth)).into_bytes();
        }
        3 => {
            // Replace the first number or string value with a random one.
            if let Some(i) = text.find(':') {
                let rest = &text[i + 1..];
                let end = rest.find([',', '}']).unwrap_or(rest.len());
                bytes =
                    format!("{}:{}{}", &text[..i], random_json(rng, 2), &rest[end..]).into_bytes();
            }
        }
        4 => bytes = random_json(rng, 4).into_bytes(),
        5 => bytes = (0..rng.usize(..64)).map(|_| rng.u8(..)).collect(),
        _ => {}
    }
    bytes
}

// ---------------------------------------------------------------------------------------------
// The HTTP fuzz

fn valid_body(rng: &mut fastrand::Rng) -> String {
    let count: Value = match rng.u8(..6) {
        0 => Value::Null,
        1 => json!(i64::MAX),
        2 => json!(-5),
        3 => json!(10_000_000_000_000u64),
        _ => json!(rng.u64(..50)),
    };
    if rng.bool() {
        let n = rng.usize(..6);
        let items: Vec<Value> = (0..n)
            .map(|i| support::file_detail(&format!("f-{}-{i}", rng.u32(..)), "text"))
            .collect();
        json!({"items": items, "count": count}).to_string()
    } else {
        support::file_detail("f-1", "video").to_string()
    }
}

fn random_headers(rng: &mut fastrand::Rng) -> Vec<(String, String)> {
    let mut h = Vec::new();
    for _ in 0..rng.usize(..4) {
        let (name, value): (&str, String) = match rng.u8(..8) {
            0 => ("retry-after", random_number(rng)),
            1 => ("retry-after-ms", random_number(rng)),
            2 => ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT".into()),
            3 => (
                "x-should-retry",
                ["true", "false", "maybe"][rng.usize(..3)].into(),
            ),
            4 => (
                "content-type",
                ["application/json", "text/html", "x/y; charset=nope"][rng.usize(..3)].into(),
            ),
            5 => ("x-request-id", "r".repeat(rng.usize(..10_000))),
            6 => ("content-encoding", "gzip".into()),
            _ => ("set-cookie", "session=secret".into()),
        };
        h.push((name.to_string(), value));
    }
    h
}

fn random_status(rng: &mut fastrand::Rng) -> u16 {
    let common = [
        200, 200, 200, 201, 204, 299, 400, 401, 404, 408, 409, 422, 429, 500, 502, 503,
    ];
    let odd = [100, 101, 103, 205, 301, 304, 418, 599, 999];
    if rng.u8(..5) == 0 {
        odd[rng.usize(..odd.len())]
    } else {
        common[rng.usize(..common.len())]
    }
}

/// Framing the HTTP layer must survive: bad lengths, bad chunks, bad status lines.
fn raw_framing(rng: &mut fastrand::Rng, body: &[u8]) -> Vec<u8> {
    let body_text = String::from_utf8_lossy(body);
    let text = match rng.u8(..8) {
        0 => format!("HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n{body_text}"),
        1 => {
            format!("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n{body_text}")
        }
        2 => format!(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{body_text}\r\n0\r\n\r\n"
        ),
        3 => format!(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nffffffffffffffff\r\n{body_text}"
        ),
        4 => format!("HTTP/1.1 abc\r\n\r\n{body_text}"),
        5 => format!(
            "HTTP/9.9 200 OK\r\ncontent-length: {}\r\n\r\n{body_text}",
            body.len()
        ),
        6 => format!("HTTP/1.1 200 OK\r\n{}: v\r\n\r\n", "h".repeat(100_000)),
        _ => return (0..rng.usize(..200)).map(|_| rng.u8(..)).collect(),
    };
    text.into_bytes()
}

fn random_fault(seed: u64, n: usize) -> Fault {
    let mut rng = fastrand::Rng::with_seed(seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let text = if rng.u8(..3) == 0 {
        random_json(&mut rng, 5)
    } else {
        valid_body(&mut rng)
    };
    let body = if rng.u8(..3) == 0 {
        mutate(&mut rng, &text)
    } else {
        text.into_bytes()
    };
    let status = random_status(&mut rng);
    match rng.u16(..1000) {
        0..=649 => Fault::Respond {
            status,
            headers: random_headers(&mut rng),
            body,
        },
        650..=749 => Fault::Raw(raw_framing(&mut rng, &body)),
        750..=799 => Fault::Reset,
        800..=849 => Fault::ResetMidBody {
            status,
            declared: body.len() + 10,
            body,
        },
        850..=899 => Fault::ShortBody {
            status,
            declared: body.len() + rng.usize(1..1 << 30),
            body,
        },
        900..=904 => Fault::Trickle {
            status,
            body,
            per_sec: 100,
        },
        905..=907 => Fault::HeadersThenStall { status },
        908..=909 => Fault::Stall,
        _ => Fault::Delay(
            Duration::from_millis(rng.u64(..30)),
            Box::new(Fault::Respond {
                status,
                headers: random_headers(&mut rng),
                body,
            }),
        ),
    }
}

fn variant(result: &Result<usize, Error>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(Error::BadRequest(_)) => "BadRequest",
        Err(Error::Authentication(_)) => "Authentication",
        Err(Error::NotFound(_)) => "NotFound",
        Err(Error::Conflict(_)) => "Conflict",
        Err(Error::UnprocessableEntity(_)) => "UnprocessableEntity",
        Err(Error::RateLimit(_)) => "RateLimit",
        Err(Error::InternalServer(_)) => "InternalServer",
        Err(Error::Status(_)) => "Status",
        Err(Error::Connection { .. }) => "Connection",
        Err(Error::Timeout { .. }) => "Timeout",
        Err(Error::Decode(_)) => "Decode",
        Err(Error::ResponseTooLarge { .. }) => "ResponseTooLarge",
        Err(Error::Pagination { .. }) => "Pagination",
        Err(_) => "other",
    }
}

async fn one_call(
    client: aymara::Client,
    (op, limit, depth, retries): (u8, u64, usize, u32),
) -> Result<usize, Error> {
    let files = client.files();
    let get = || files.get("f-1").max_retries(retries);
    let list = || files.list().limit(limit).max_retries(retries);
    match op {
        0 => get().await.map(|_| 1),
        1 => get().send_raw().await?.parse().await.map(|_| 1),
        2 => list().send_page().await.map(|p| p.items.len()),
        3 => {
            let items: Vec<_> = list().items().take(60).collect().await;
            items
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.len())
        }
        _ => {
            let items: Vec<_> = list().prefetch(depth).items().take(60).collect().await;
            items
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map(|v| v.len())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_fuzz() {
    let iterations = env_num("AYMARA_FUZZ_ITERS", 3000) as usize;
    let seed = seed();
    let server = FaultServer::start(move |_, n| random_fault(seed, n)).await;
    let retry = RetryConfig::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
        .max_server_delay(Duration::from_millis(20));
    let client = aymara::Client::builder()
        .api_key("k")
        .base_url(server.url())
        .without_env()
        .timeout(Duration::from_millis(250))
        .retry(retry)
        .max_response_body(1 << 20)
        .build()
        .unwrap();
    let hangs = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(seed);
    let plans: Vec<(u8, u64, usize, u32)> = (0..iterations)
        .map(|_| (rng.u8(..5), rng.u64(1..8), rng.usize(2..8), rng.u32(..3)))
        .collect();
    let outcomes: Vec<&'static str> = futures_util::stream::iter(plans)
        .map(|plan| {
            let client = client.clone();
            let hangs = hangs.clone();
            async move {
                let call = one_call(client, plan);
                let task = tokio::spawn(tokio::time::timeout(Duration::from_secs(30), call));
                match task.await {
                    Ok(Ok(result)) => variant(&result),
                    Ok(Err(_)) => {
                        hangs.fetch_add(1, Ordering::SeqCst);
                        "HANG"
                    }
                    Err(e) if e.is_panic() => "PANIC",
                    Err(_) => "cancelled",
                }
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &outcomes {
        *tally.entry(o).or_default() += 1;
    }
    eprintln!(
        "http fuzz: {} calls, {} requests served, {:.1}s, outcomes {tally:?}",
        outcomes.len(),
        server.count(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(tally.get("PANIC"), None, "panics");
    assert_eq!(tally.get("HANG"), None, "hangs");
    assert_eq!(outcomes.len(), iterations);
}

// ---------------------------------------------------------------------------------------------
// The decoder fuzz

/// Generates an instance of a schema of the spec: required fields always, optional ones often,
/// enums and formats respected, `nullable` sometimes null.
struct Instances<'a> {
    schemas: &'a serde_json::Map<String, Value>,
}

impl Instances<'_> {
    fn generate(&self, rng: &mut fastrand::Rng, schema: &Value, depth: u32) -> Value {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/components/schemas/");
            return self.generate(rng, &self.schemas[name], depth + 1);
        }
        if schema.get("nullable") == Some(&json!(true)) && rng.u8(..4) == 0 {
            return Value::Null;
        }
        if let Some(options) = schema
            .get("anyOf")
            .or(schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            let pick = rng.usize(..options.len());
            return self.generate(rng, &options[pick], depth);
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            return self.generate(rng, &all[0], depth);
        }
        if let Some(e) = schema.get("enum").and_then(Value::as_array) {
            return e[rng.usize(..e.len())].clone();
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") | None if schema.get("properties").is_some() => {
                let required: Vec<&str> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut out = serde_json::Map::new();
                for (k, v) in schema["properties"].as_object().unwrap() {
                    if required.contains(&k.as_str()) || (depth < 6 && rng.bool()) {
                        out.insert(k.clone(), self.generate(rng, v, depth + 1));
                    }
                }
                Value::Object(out)
            }
            Some("object") | None => json!({}),
            Some("array") => {
                let n = if depth < 6 { rng.usize(..3) } else { 0 };
                Value::Array(
                    (0..n)
                        .map(|_| self.generate(rng, &schema["items"], depth + 1))
                        .collect(),
                )
            }
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2025-05-08T13:07:19.324000Z"),
                Some("date") => json!("2025-05-08"),
                Some("uuid") => json!("5f0c8a59-7a1b-4b59-9a3e-1d2f3c4b5a69"),
                _ => json!(format!("s-{}", rng.u32(..))),
            },
            Some("integer") => json!(rng.i64(0..1000)),
            Some("number") => json!(rng.f64()),
            Some("boolean") => json!(rng.bool()),
            other => panic!("unhandled schema type {other:?}"),
        }
    }
}

type Decode = fn(&[u8]) -> Result<(), serde_json::Error>;

fn decoders() -> Vec<(&'static str, Decode)> {
    use aymara::types as t;
    macro_rules! d {
        ($($name:literal => $ty:ty),* $(,)?) => {
            vec![$(($name, (|b: &[u8]| serde_json::from_slice::<$ty>(b).map(|_| ())) as Decode)),*]
        };
    }
    d![
        "Eval" => t::Eval,
        "EvalAnalyzeResponse" => t::EvalAnalyzeResponse,
        "EvalRunResult" => t::EvalRunResult,
        "EvalSuiteReport" => t::EvalSuiteReport,
        "EvalType" => t::EvalType,
        "FileCreateResponse" => t::FileCreateResponse,
        "FileDetail" => t::FileDetail,
        "FileFrames" => t::FileFrames,
        "FileStatus" => t::FileStatus,
        "FileUpload" => t::FileUpload,
        "PagedAIInstruction" => t::PagedAiInstruction,
        "PagedEval" => t::PagedEval,
        "PagedEvalPrompt" => t::PagedEvalPrompt,
        "PagedEvalRunResult" => t::PagedEvalRunResult,
        "PagedEvalSuiteReport" => t::PagedEvalSuiteReport,
        "PagedEvalType" => t::PagedEvalType,
        "PagedFileDetail" => t::PagedFileDetail,
        "PagedScoredResponse" => t::PagedScoredResponse,
        "ScoredResponse" => t::ScoredResponse,
        "[AnswerHistory]" => Vec<t::AnswerHistory>,
    ]
}

/// The success response schemas of every operation in the spec, by name.
fn response_schemas(spec: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for ops in spec["paths"].as_object().unwrap().values() {
        for op in ops.as_object().unwrap().values() {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (code, r) in responses {
                if !code.starts_with('2') {
                    continue;
                }
                let Some(schema) = r.pointer("/content/application~1json/schema") else {
                    continue;
                };
                let name = match (schema.get("$ref"), schema.pointer("/items/$ref")) {
                    (Some(r), _) => r.as_str().unwrap().rsplit('/').next().unwrap().to_string(),
                    (None, Some(r)) => {
                        format!("[{}]", r.as_str().unwrap().rsplit('/').next().unwrap())
                    }
                    _ => panic!("unexpected response schema {schema}"),
                };
                out.insert(name, schema.clone());
            }
        }
    }
    out
}

#[test]
fn decoder_fuzz() {
    let spec: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi.json"
    )))
    .unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let instances = Instances { schemas };
    let decoders = decoders();
    let wanted = response_schemas(&spec);
    let have: Vec<&str> = decoders.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        wanted.keys().map(String::as_str).collect::<Vec<_>>(),
        {
            let mut h = have.clone();
            h.sort();
            h
        },
        "every response type of the spec is fuzzed"
    );
    let per_type = env_num("AYMARA_FUZZ_ITERS", 3000) / 10;
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut valid, mut mutated_ok, mut mutated_err) = (0u64, 0u64, 0u64);
    for (name, decode) in &decoders {
        let schema = &wanted[*name];
        for _ in 0..per_type.max(1) {
            let instance = instances.generate(&mut rng, schema, 0).to_string();
            if let Err(e) = decode(instance.as_bytes()) {
                panic!("{name}: a valid instance failed to decode: {e}\n{instance}");
            }
            valid += 1;
            let bytes = mutate(&mut rng, &instance);
            let outcome = std::panic::catch_unwind(|| decode(&bytes));
            match outcome {
                Ok(Ok(())) => mutated_ok += 1,
                Ok(Err(_)) => mutated_err += 1,
                Err(_) => panic!(
                    "{name}: decoding panicked on {}",
                    String::from_utf8_lossy(&bytes)
                ),
            }
        }
    }
    eprintln!(
        "decoder fuzz: {} types, {valid} valid instances decoded, {} mutated inputs ({mutated_ok} decoded, {mutated_err} typed errors), 0 panics",
        decoders.len(),
        mutated_ok + mutated_err
    );
}
