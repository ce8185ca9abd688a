//! With a data directory, every acknowledged record survives a restart and a `kill -9`, and no
//! byte file is left without its record.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{decode, fast};

/// A client of one emulator URL.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    fn new(url: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: url.to_owned(),
        }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .header("x-api-key", "emulator-key")
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        match self.req(reqwest::Method::GET, path).send().await {
            Ok(resp) => decode(resp).await,
            Err(err) => panic!("GET {path}: {err}"),
        }
    }

    /// Sends; `None` if the server went away before answering (not acknowledged).
    async fn send(&self, req: reqwest::RequestBuilder) -> Option<(StatusCode, Value)> {
        let resp = req.send().await.ok()?;
        let status = resp.status();
        let bytes = resp.bytes().await.ok()?;
        Some((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> Option<String> {
        let part = Part::bytes(bytes).file_name(name.to_owned());
        let req = self
            .req(reqwest::Method::POST, "/v2/files/-/uploads")
            .multipart(Form::new().part("file", part));
        let (status, body) = self.send(req).await?;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["file_uuid"].as_str().map(str::to_owned)
    }

    async fn create_eval(&self, n: u32) -> Option<String> {
        let req = self.req(reqwest::Method::POST, "/v2/evals").json(&json!({
            "ai_description": "persisted bot", "eval_type": "safety", "num_prompts": n
        }));
        let (status, body) = self.send(req).await?;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["eval_uuid"].as_str().map(str::to_owned)
    }

    async fn create_run(&self, eval: &str) -> Option<String> {
        let prompts = self.req(reqwest::Method::GET, &format!("/v2/evals/{eval}/prompts"));
        let (status, page) = self.send(prompts).await?;
        assert_eq!(status, StatusCode::OK);
        let responses: Vec<Value> = page["items"]
            .as_array()?
            .iter()
            .map(|p| json!({"prompt_uuid": p["prompt_uuid"], "content": "a safe answer"}))
            .collect();
        let req = self
            .req(reqwest::Method::POST, "/v2/eval-runs")
            .json(&json!({"eval_uuid": eval, "responses": responses}));
        let (status, body) = self.send(req).await?;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["eval_run_uuid"].as_str().map(str::to_owned)
    }

    async fn delete(&self, path: &str) -> Option<()> {
        let (status, _) = self.send(self.req(reqwest::Method::DELETE, path)).await?;
        assert_eq!(status, StatusCode::NO_CONTENT);
        Some(())
    }
}

/// What the server acknowledged.
#[derive(Default)]
struct Acked {
    files: Vec<(String, Vec<u8>)>,
    evals: Vec<String>,
    runs: Vec<String>,
    deleted_files: HashSet<String>,
    /// Deletes sent: done or not, depending on when the server died.
    maybe_deleted: HashSet<String>,
}

/// Checks every acknowledged record against a (restarted) server, and that the files directory
/// holds exactly the bytes of live files.
async fn check(client: &Client, acked: &Acked, data_dir: &Path) {
    for (id, bytes) in &acked.files {
        let (status, file) = client.get(&format!("/v2/files/{id}")).await;
        if acked.deleted_files.contains(id) {
            assert_eq!(status, StatusCode::NOT_FOUND, "deleted file {id} is back");
            continue;
        }
        if acked.maybe_deleted.contains(id) && status == StatusCode::NOT_FOUND {
            continue;
        }
        assert_eq!(status, StatusCode::OK, "file {id} lost: {file}");
        let url = file["file_url"].as_str().expect("file_url");
        let got = reqwest::get(url).await.unwrap().bytes().await.unwrap();
        assert_eq!(&got[..], &bytes[..], "bytes of {id}");
    }
    for id in &acked.evals {
        let (status, eval) = client.get(&format!("/v2/evals/{id}")).await;
        assert_eq!(status, StatusCode::OK, "eval {id} lost: {eval}");
    }
    for id in &acked.runs {
        let (status, run) = client.get(&format!("/v2/eval-runs/{id}")).await;
        assert_eq!(status, StatusCode::OK, "run {id} lost: {run}");
    }
    // No orphans: every byte file belongs to a listed file.
    let (_, page) = client.get("/v2/files?limit=1000").await;
    let live: HashSet<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file_uuid"].as_str().unwrap().to_owned())
        .collect();
    for entry in std::fs::read_dir(data_dir.join("files")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let uuid = name.split('.').next().unwrap_or_default();
        assert!(live.contains(uuid), "orphaned byte file {name}");
    }
}

#[tokio::test]
async fn a_restart_on_the_same_directory_serves_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut acked = Acked::default();
    let (lists_before, eval_id) = {
        let emu = fast()
            .eval_generation_delay(Duration::ZERO)
            .data_dir(dir.path())
            .start()
            .await
            .unwrap();
        let c = Client::new(emu.url());
        for i in 0..5u8 {
            let bytes = format!("file number {i}").into_bytes();
            let id = c.upload(&format!("f{i}.txt"), bytes.clone()).await.unwrap();
            acked.files.push((id, bytes));
        }
        let gone = acked.files[1].0.clone();
        c.delete(&format!("/v2/files/{gone}")).await.unwrap();
        acked.deleted_files.insert(gone);
        let eval = c.create_eval(3).await.unwrap();
        let run = c.create_run(&eval).await.unwrap();
        acked.evals.push(eval.clone());
        acked.runs.push(run);
        let mut lists = Vec::new();
        for path in ["/v2/files", "/v2/evals", "/v2/eval-runs"] {
            lists.push(c.get(path).await.1["items"].clone());
        }
        (lists, eval)
    };
    let emu = fast().data_dir(dir.path()).start().await.unwrap();
    let c = Client::new(emu.url());
    check(&c, &acked, dir.path()).await;
    let mut lists_after = Vec::new();
    for path in ["/v2/files", "/v2/evals", "/v2/eval-runs"] {
        lists_after.push(c.get(path).await.1["items"].clone());
    }
    // Same records in the same order (only URLs with the port may differ).
    let ids = |lists: &[Value], key: &str, i: usize| -> Vec<Value> {
        lists[i]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[key].clone())
            .collect()
    };
    assert_eq!(
        ids(&lists_before, "file_uuid", 0),
        ids(&lists_after, "file_uuid", 0)
    );
    assert_eq!(lists_before[1], lists_after[1]);
    assert_eq!(
        ids(&lists_before, "eval_run_uuid", 2),
        ids(&lists_after, "eval_run_uuid", 2)
    );
    let (_, prompts) = c.get(&format!("/v2/evals/{eval_id}/prompts")).await;
    assert_eq!(prompts["count"], 3);
}

/// The emulator binary with a data directory, and its URL once it listens.
async fn spawn(data_dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aymara-emulator"))
        .args(["--port", "0", "--eval-delay-ms", "0", "--log-level", "warn"])
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the emulator binary starts");
    let stdout = tokio::process::ChildStdout::from_std(child.stdout.take().unwrap()).unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Aymara emulator listening on ") {
                return url.to_owned();
            }
        }
        panic!("the emulator exited before listening");
    })
    .await
    .expect("the emulator listens");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

#[tokio::test]
async fn kill_9_mid_workload_loses_nothing_acknowledged_and_leaves_no_orphans() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = spawn(dir.path()).await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let client = Client::new(&url);
    let mut workers = Vec::new();
    for w in 0..8u32 {
        let (c, acked) = (client.clone(), acked.clone());
        workers.push(tokio::spawn(async move {
            for i in 0u32.. {
                let bytes = format!("worker {w} file {i} ").repeat(200).into_bytes();
                let Some(id) = c.upload("w.txt", bytes.clone()).await else {
                    return;
                };
                acked.lock().unwrap().files.push((id.clone(), bytes));
                if i % 3 == 0 {
                    acked.lock().unwrap().maybe_deleted.insert(id.clone());
                    let Some(()) = c.delete(&format!("/v2/files/{id}")).await else {
                        return;
                    };
                    acked.lock().unwrap().deleted_files.insert(id);
                }
                let Some(eval) = c.create_eval(2).await else {
                    return;
                };
                acked.lock().unwrap().evals.push(eval.clone());
                let Some(run) = c.create_run(&eval).await else {
                    return;
                };
                acked.lock().unwrap().runs.push(run);
            }
        }));
    }
    let started = Instant::now();
    while acked.lock().unwrap().runs.len() < 20 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.runs.len() >= 20,
        "the workload ran: {} runs",
        acked.runs.len()
    );

    let (mut child, url) = spawn(dir.path()).await;
    check(&Client::new(&url), &acked, dir.path()).await;
    child.kill().unwrap();
    child.wait().unwrap();
}
