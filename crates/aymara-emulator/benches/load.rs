//! Load scenario: N concurrent clients run a mixed workload (upload, list, get, create eval,
//! run, score) against the emulator binary for a fixed time, in memory and with `--data-dir`
//! (SQLite). Reports errors, lost records (every acknowledged id must be listed back), p50/p99
//! latency and the server's peak RSS. Exits non-zero on any error or lost record.
//!
//! ```text
//! cargo bench -p aymara-emulator --bench load                      # 200 clients, 30 s, release
//! cargo bench -p aymara-emulator --bench load -- --clients 50 --seconds 10
//! cargo test -p aymara-emulator --bench load -- --smoke            # seconds, debug binary
//! ```

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

struct Settings {
    clients: usize,
    seconds: u64,
}

fn settings() -> Settings {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let smoke = args.iter().any(|a| a == "--smoke");
    Settings {
        clients: value("--clients").unwrap_or(if smoke { 20 } else { 200 }) as usize,
        seconds: value("--seconds").unwrap_or(if smoke { 2 } else { 30 }),
    }
}

/// The emulator binary as a child process and its URL.
async fn spawn(data_dir: Option<&Path>) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aymara-emulator"));
    cmd.args(["--port", "0", "--log-level", "warn"])
        .args([
            "--eval-delay-ms",
            "0",
            "--run-delay-ms",
            "0",
            "--report-delay-ms",
            "0",
        ])
        .args(["--validate-responses", "false"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(dir) = data_dir {
        cmd.arg("--data-dir").arg(dir);
    }
    let mut child = cmd.spawn().expect("the emulator binary starts");
    let stdout = tokio::process::ChildStdout::from_std(child.stdout.take().unwrap()).unwrap();
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(url) = line.strip_prefix("Aymara emulator listening on ") {
            // Keep draining stdout so the child never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return (child, url.to_owned());
        }
    }
    let _ = child.kill();
    let status = child.wait();
    panic!("the emulator exited before listening: {status:?}");
}

/// Peak resident set of a process, from `/proc` (Linux), in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    errors: Vec<String>,
    files: Vec<String>,
    evals: Vec<String>,
    runs: Vec<String>,
}

struct Shared {
    http: reqwest::Client,
    url: String,
    eval: String,
    responses: Value,
}

impl Shared {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .header("x-api-key", "emulator-key")
    }
}

/// Sends, timing it; a transport error or non-2xx is an error.
async fn timed(t: &mut Tally, what: &str, req: reqwest::RequestBuilder) -> Option<Value> {
    let started = Instant::now();
    let outcome = async {
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
    .await;
    t.latencies_us
        .push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
    match outcome {
        Ok(v) => Some(v),
        Err(e) => {
            t.errors.push(format!("{what}: {e}"));
            None
        }
    }
}

async fn client(shared: Arc<Shared>, id: usize, until: Instant, ops: Arc<AtomicU64>) -> Tally {
    let mut t = Tally::default();
    let mut step = id;
    while Instant::now() < until {
        step += 1;
        ops.fetch_add(1, Ordering::Relaxed);
        let s = &shared;
        match step % 6 {
            0 => {
                let part =
                    Part::bytes(format!("client {id} step {step}\n").repeat(40).into_bytes())
                        .file_name("load.txt");
                let req = s
                    .req(reqwest::Method::POST, "/v2/files/-/uploads")
                    .multipart(Form::new().part("file", part));
                if let Some(v) = timed(&mut t, "upload", req).await {
                    t.files
                        .push(v["file_uuid"].as_str().unwrap_or_default().to_owned());
                }
            }
            1 => {
                let req = s.req(reqwest::Method::GET, "/v2/files?limit=20");
                timed(&mut t, "list", req).await;
            }
            2 => {
                let path = match t.files.last() {
                    Some(f) => format!("/v2/files/{f}"),
                    None => "/v2/eval-types".to_owned(),
                };
                timed(&mut t, "get", s.req(reqwest::Method::GET, &path)).await;
            }
            3 => {
                let req = s.req(reqwest::Method::POST, "/v2/evals").json(&json!({
                    "ai_description": "load bot", "eval_type": "safety", "num_prompts": 5
                }));
                if let Some(v) = timed(&mut t, "create eval", req).await {
                    t.evals
                        .push(v["eval_uuid"].as_str().unwrap_or_default().to_owned());
                }
            }
            4 => {
                let req = s
                    .req(reqwest::Method::POST, "/v2/eval-runs")
                    .json(&json!({"eval_uuid": s.eval, "responses": s.responses}));
                if let Some(v) = timed(&mut t, "run", req).await {
                    t.runs
                        .push(v["eval_run_uuid"].as_str().unwrap_or_default().to_owned());
                }
            }
            _ => {
                let req = s
                    .req(reqwest::Method::POST, "/v2/eval-runs/-/score-responses")
                    .json(&json!({"eval_uuid": s.eval, "responses": s.responses}));
                timed(&mut t, "score", req).await;
            }
        }
    }
    t
}

/// Every id of a list, walking its pages.
async fn listed(shared: &Shared, path: &str, key: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut offset = 0;
    loop {
        let url = format!("{path}?limit=1000&offset={offset}");
        let page: Value = shared
            .req(reqwest::Method::GET, &url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            return ids;
        }
        offset += items.len();
        ids.extend(
            items
                .iter()
                .filter_map(|i| i[key].as_str().map(str::to_owned)),
        );
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn scenario(label: &str, data_dir: Option<&Path>, s: &Settings) -> bool {
    let (mut child, url) = spawn(data_dir).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(s.clients)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let base = |path: &str| format!("{url}{path}");
    let eval: Value = http
        .post(base("/v2/evals"))
        .header("x-api-key", "emulator-key")
        .json(&json!({"ai_description": "load bot", "eval_type": "safety", "num_prompts": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let eval = eval["eval_uuid"].as_str().unwrap().to_owned();
    let prompts: Value = http
        .get(base(&format!("/v2/evals/{eval}/prompts")))
        .header("x-api-key", "emulator-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let responses: Vec<Value> = prompts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"prompt_uuid": p["prompt_uuid"], "content": "a safe answer"}))
        .collect();
    let shared = Arc::new(Shared {
        http,
        url: url.clone(),
        eval,
        responses: Value::Array(responses),
    });
    let ops = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(s.seconds);
    let tasks: Vec<_> = (0..s.clients)
        .map(|id| tokio::spawn(client(shared.clone(), id, until, ops.clone())))
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await.unwrap();
        all.latencies_us.extend(t.latencies_us);
        all.errors.extend(t.errors);
        all.files.extend(t.files);
        all.evals.extend(t.evals);
        all.runs.extend(t.runs);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut lost = 0usize;
    for (path, key, acked) in [
        ("/v2/files", "file_uuid", &all.files),
        ("/v2/evals", "eval_uuid", &all.evals),
        ("/v2/eval-runs", "eval_run_uuid", &all.runs),
    ] {
        let ids = listed(&shared, path, key).await;
        lost += acked.iter().filter(|id| !ids.contains(*id)).count();
    }
    let rss = peak_rss_kib(child.id()).unwrap_or(0);
    child.kill().ok();
    child.wait().ok();
    all.latencies_us.sort_unstable();
    let n = all.latencies_us.len();
    println!(
        "| {label} | {} | {n} | {:.0} | {} | {lost} | {} / {} / {} | {:.2} | {:.2} | {:.1} |",
        s.clients,
        n as f64 / elapsed,
        all.errors.len(),
        all.files.len(),
        all.evals.len(),
        all.runs.len(),
        percentile(&all.latencies_us, 0.50),
        percentile(&all.latencies_us, 0.99),
        rss as f64 / 1024.0
    );
    for e in all.errors.iter().take(5) {
        eprintln!("  error: {e}");
    }
    all.errors.is_empty() && lost == 0
}

fn main() -> ExitCode {
    let s = settings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let ok = runtime.block_on(async {
        println!(
            "\nload: {} clients, {} s, mixed upload/list/get/create eval/run/score\n",
            s.clients, s.seconds
        );
        println!(
            "| mode | clients | requests | req/s | errors | lost | files / evals / runs acked | p50 ms | p99 ms | peak RSS MiB |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|");
        let memory = scenario("in memory", None, &s).await;
        let dir = tempfile::tempdir().unwrap();
        let sqlite = scenario("--data-dir (SQLite)", Some(dir.path()), &s).await;
        memory && sqlite
    });
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("load: errors or lost records (see above)");
        ExitCode::FAILURE
    }
}
