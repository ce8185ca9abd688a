//! The three scenarios: each starts its own emulator process, seeds it, runs every (client,
//! variant) pair in fresh child processes (repetitions interleaved, medians reported), prints
//! one table and the targets.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aymara::types::FileUploadItem;
use aymara::upload::UploadSource;

use crate::measure::{Outcome, hash_ids, median};
use crate::procs::{ChildSpec, EmulatorProcess};
use crate::table::{self, Table};

const MIB: u64 = 1024 * 1024;
/// Peak RSS target of `aymara` uploads.
const RSS_TARGET_MIB: f64 = 64.0;
/// `aymara` must reach this fraction of raw reqwest's throughput (and CPU efficiency).
const RATIO_TARGET: f64 = 0.9;
/// The per-request targets (issue 10): req/s at least this share of raw reqwest's...
const RATE_TARGET: f64 = 0.95;
/// ...and CPU per request at most this multiple of raw reqwest's.
const CPU_TARGET: f64 = 1.05;
/// Prefetched pagination must take at most this fraction of the sequential walk.
const PREFETCH_TARGET: f64 = 0.2;

/// Sizes and switches of a run.
pub struct Config {
    pub smoke: bool,
    pub python: bool,
    /// Runs per Rust (client, variant) pair; the table shows medians.
    pub reps: usize,
    /// Runs per Python pair.
    pub python_reps: usize,
    pub upload_bytes: u64,
    pub files: usize,
    pub limit: u64,
    pub prefetch: usize,
    pub latency_ms: u64,
    pub gets: u64,
    pub concurrency: usize,
    pub target_dir: PathBuf,
    pub child_timeout: Duration,
    /// CPUs of the client processes and of the emulator process, when pinned.
    pub pin: Option<(usize, usize)>,
    /// Tokio runtime of the Rust clients: `current` (default) or `multi`.
    pub runtime: String,
}

impl Config {
    pub fn new(smoke: bool, python: bool, reps: Option<usize>, target_dir: PathBuf) -> Self {
        Self {
            smoke,
            python,
            reps: reps.unwrap_or(if smoke { 1 } else { 7 }),
            python_reps: 1,
            upload_bytes: if smoke { 4 * MIB } else { 1024 * MIB },
            files: if smoke { 300 } else { 10_000 },
            limit: 100,
            prefetch: 8,
            latency_ms: 20,
            gets: if smoke { 200 } else { 10_000 },
            concurrency: 32,
            target_dir,
            child_timeout: Duration::from_secs(if smoke { 120 } else { 900 }),
            pin: None,
            runtime: "current".into(),
        }
    }

    fn emulator_cpu(&self) -> Option<usize> {
        self.pin.map(|(_, emulator)| emulator)
    }

    /// A Rust client process (pinned, with the chosen runtime).
    fn rust(&self, case: &str, args: &[(&str, String)]) -> ChildSpec {
        let mut args = args.to_vec();
        args.push(("runtime", self.runtime.clone()));
        if let Some((cpu, _)) = self.pin {
            args.push(("cpu", cpu.to_string()));
        }
        ChildSpec::rust(case, &args, self.child_timeout)
    }

    fn python_script(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python/run_official.sh")
    }

    fn python(&self, scenario: &str, args: &[(&str, String)]) -> ChildSpec {
        let mut all = vec![
            self.python_script().display().to_string(),
            scenario.to_owned(),
        ];
        let cpu = self.pin.map(|(cpu, _)| ("cpu", cpu.to_string()));
        for (k, v) in args.iter().chain(&cpu) {
            all.push(format!("--{k}"));
            all.push(v.clone());
        }
        ChildSpec {
            program: "bash".into(),
            args: all,
            envs: vec![(
                "AYMARA_BENCH_TARGET_DIR".into(),
                self.target_dir.display().to_string(),
            )],
            timeout: self.child_timeout,
        }
    }

    /// Creates the virtualenv and installs the official client (once).
    pub fn python_setup(&self) -> Result<(), String> {
        let status = std::process::Command::new("bash")
            .arg(self.python_script())
            .arg("--setup")
            .env("AYMARA_BENCH_TARGET_DIR", &self.target_dir)
            .stdout(std::process::Stdio::inherit())
            .status()
            .map_err(|e| format!("could not run run_official.sh: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("run_official.sh --setup exited with {status}"))
        }
    }
}

/// What a scenario found: failures (always fatal) and missed targets.
#[derive(Default)]
pub struct Summary {
    pub failures: Vec<String>,
    pub missed: Vec<String>,
}

/// One (client, variant) pair and its runs.
struct Row {
    label: String,
    runs: Vec<Outcome>,
    error: Option<String>,
}

impl Row {
    fn ok(&self) -> bool {
        self.error.is_none() && !self.runs.is_empty()
    }
    fn wall(&self) -> f64 {
        median(&self.runs.iter().map(|o| o.wall_s).collect::<Vec<_>>())
    }
    fn cpu(&self) -> f64 {
        median(&self.runs.iter().map(|o| o.cpu_s).collect::<Vec<_>>())
    }
    fn rss(&self) -> u64 {
        self.runs.iter().map(|o| o.peak_rss_kib).max().unwrap_or(0)
    }
    fn count(&self) -> u64 {
        self.runs.first().map_or(0, |o| o.count)
    }
    /// Median heap allocations per item (Rust clients only).
    fn allocs_per_item(&self) -> String {
        let per: Vec<f64> = self
            .runs
            .iter()
            .filter(|o| o.allocs > 0 && o.count > 0)
            .map(|o| o.allocs as f64 / o.count as f64)
            .collect();
        if per.is_empty() {
            "—".into()
        } else {
            format!("{:.1}", median(&per))
        }
    }
}

struct Case {
    label: String,
    spec: ChildSpec,
    reps: usize,
}

/// Runs every case `reps` times, repetitions interleaved (alternating the order); `check`
/// validates each outcome.
fn run_cases(
    scenario: &str,
    cases: Vec<Case>,
    mut check: impl FnMut(&str, &Outcome) -> Result<(), String>,
) -> Vec<Row> {
    let mut rows: Vec<Row> = cases
        .iter()
        .map(|c| Row {
            label: c.label.clone(),
            runs: Vec::new(),
            error: None,
        })
        .collect();
    let max_reps = cases.iter().map(|c| c.reps).max().unwrap_or(0);
    for rep in 0..max_reps {
        // Every other round in reverse order, so that no client always runs first.
        let mut order: Vec<usize> = (0..cases.len()).collect();
        if rep % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let (case, row) = (&cases[i], &mut rows[i]);
            if rep >= case.reps || row.error.is_some() {
                continue;
            }
            let result = case
                .spec
                .run()
                .and_then(|o| check(&case.label, &o).map(|()| o));
            match result {
                Ok(o) => {
                    eprintln!(
                        "[{scenario}] {} run {}/{}: {} wall, {} CPU, peak RSS {}",
                        case.label,
                        rep + 1,
                        case.reps,
                        table::secs(o.wall_s),
                        table::secs(o.cpu_s),
                        table::mib_kib(o.peak_rss_kib)
                    );
                    row.runs.push(o);
                }
                Err(e) => {
                    eprintln!("[{scenario}] {} FAILED: {e}", case.label);
                    row.error = Some(e);
                }
            }
        }
    }
    rows
}

fn find<'a>(rows: &'a [Row], label: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.label == label && r.ok())
}

fn failures(rows: &[Row], summary: &mut Summary, scenario: &str) {
    for r in rows {
        if let Some(e) = &r.error {
            summary
                .failures
                .push(format!("{scenario}: {}: {e}", r.label));
        }
    }
}

fn failed_row(table: &mut Table, row: &Row, columns: usize) {
    let mut cells = vec![row.label.clone()];
    cells.push(format!(
        "FAILED: {}",
        row.error.as_deref().unwrap_or("no result")
    ));
    cells.resize(columns, String::new());
    table.row(cells);
}

/// Prints the targets and records the missed ones (full runs only).
fn targets(cfg: &Config, summary: &mut Summary, scenario: &str, checks: Vec<(String, bool)>) {
    if cfg.smoke {
        println!("\nTargets: not checked in smoke mode (sizes are too small to mean anything).");
        return;
    }
    println!("\nTargets:");
    for (what, ok) in checks {
        println!("- {what}: {}", table::verdict(ok));
        if !ok {
            summary.missed.push(format!("{scenario}: {what}"));
        }
    }
}

fn parent_client(emu: &EmulatorProcess) -> Result<aymara::Client, String> {
    aymara::Client::builder()
        .base_url(&emu.url)
        .api_key(&emu.key)
        .without_env()
        .build()
        .map_err(|e| e.to_string())
}

fn header(title: &str) {
    println!("\n### {title}\n");
}

// ---------------------------------------------------------------------------------------------
// 1. Upload
// ---------------------------------------------------------------------------------------------

/// The upload source in `target/bench-data/`, written once with a cheap pattern, 1 MiB at a
/// time (never held in memory).
fn ensure_file(cfg: &Config) -> Result<PathBuf, String> {
    use std::io::Write;
    let dir = cfg.target_dir.join("bench-data");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("upload-{}MiB.bin", cfg.upload_bytes / MIB));
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == cfg.upload_bytes) {
        return Ok(path);
    }
    eprintln!(
        "writing {} ({} MiB)",
        path.display(),
        cfg.upload_bytes / MIB
    );
    let tmp = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let mut out = std::fs::File::create(&tmp)?;
        let mut block = vec![0u8; MIB as usize];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for chunk in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        for i in 0..cfg.upload_bytes / MIB {
            block[..8].copy_from_slice(&i.to_le_bytes());
            out.write_all(&block)?;
        }
        out.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

/// Where the upload emulator stores bytes: tmpfs when there is room (no disk write-back noise).
fn upload_data_dir(cfg: &Config) -> Option<PathBuf> {
    let shm = Path::new("/dev/shm");
    shm.is_dir()
        .then(|| shm.join(format!("aymara-bench-{}", std::process::id())))
        .filter(|_| {
            // Room for two copies (an upload in progress plus a not yet deleted one).
            std::process::Command::new("df")
                .args(["--output=avail", "-B1", "/dev/shm"])
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|s| s.lines().nth(1).and_then(|l| l.trim().parse::<u64>().ok()))
                .is_some_and(|avail| avail > 2 * cfg.upload_bytes + 256 * MIB)
        })
}

pub fn upload(cfg: &Config, rt: &tokio::runtime::Runtime) -> Summary {
    let mut summary = Summary::default();
    if let Err(e) = upload_inner(cfg, rt, &mut summary) {
        summary.failures.push(format!("upload: {e}"));
    }
    summary
}

fn upload_inner(
    cfg: &Config,
    rt: &tokio::runtime::Runtime,
    summary: &mut Summary,
) -> Result<(), String> {
    let path = ensure_file(cfg)?;
    let data_dir = upload_data_dir(cfg);
    let emu = EmulatorProcess::start(0, data_dir.as_deref(), cfg.emulator_cpu())?;
    let client = parent_client(&emu)?;
    let args = vec![
        ("url", emu.url.clone()),
        ("key", emu.key.clone()),
        ("file", path.display().to_string()),
    ];
    let rust = |label: &str, case: &str| Case {
        label: label.into(),
        spec: cfg.rust(case, &args),
        reps: cfg.reps,
    };
    let mut cases = vec![
        rust("aymara multipart", "upload-aymara-multipart"),
        rust("reqwest multipart", "upload-reqwest-multipart"),
        rust("aymara presigned", "upload-aymara-presigned"),
        rust("reqwest presigned", "upload-reqwest-presigned"),
    ];
    if cfg.python {
        cases.push(Case {
            label: "python multipart".into(),
            spec: cfg.python("upload", &args),
            reps: cfg.python_reps,
        });
    }
    let size = cfg.upload_bytes;
    // Outside the measurement: the server must have stored every byte; then free the space.
    let rows = run_cases("upload", cases, |_, o| {
        rt.block_on(async {
            if o.id.is_empty() {
                return Err("no file id returned".to_string());
            }
            let detail = client.files().get(&o.id).await.map_err(|e| e.to_string())?;
            let stored = detail.file_size_bytes.unwrap_or(-1);
            client
                .files()
                .delete(&o.id)
                .await
                .map_err(|e| e.to_string())?;
            if stored != size as i64 {
                return Err(format!("the emulator stored {stored} bytes, not {size}"));
            }
            Ok(())
        })
    });
    drop(emu);
    if let Some(dir) = data_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    failures(&rows, summary, "upload");

    header(&format!(
        "Upload: a {} MiB file from disk to the emulator (median of {} runs per row, each in a \
         fresh process; peak RSS is the largest; Python: {} run)",
        size / MIB,
        cfg.reps,
        cfg.python_reps
    ));
    let mut t = Table::new(&["client", "time", "throughput", "CPU", "peak RSS", "ratio"]);
    for row in &rows {
        if !row.ok() {
            failed_row(&mut t, row, 6);
            continue;
        }
        let ratio = match row.label.as_str() {
            "aymara multipart" | "aymara presigned" => {
                let raw = row.label.replace("aymara", "reqwest");
                find(&rows, &raw).map_or("—".into(), |r| {
                    format!("{} reqwest throughput", table::ratio(r.wall() / row.wall()))
                })
            }
            "python multipart" => find(&rows, "aymara multipart").map_or("—".into(), |a| {
                format!(
                    "{} aymara throughput, {} aymara peak RSS",
                    table::ratio(a.wall() / row.wall()),
                    table::ratio(row.rss() as f64 / a.rss() as f64)
                )
            }),
            _ => "baseline".into(),
        };
        t.row(vec![
            row.label.clone(),
            table::secs(row.wall()),
            table::mib_per_s(size, row.wall()),
            table::secs(row.cpu()),
            table::mib_kib(row.rss()),
            ratio,
        ]);
    }
    t.print();

    let mut checks = Vec::new();
    for flow in ["multipart", "presigned"] {
        let (a, r) = (
            find(&rows, &format!("aymara {flow}")),
            find(&rows, &format!("reqwest {flow}")),
        );
        if let Some(a) = a {
            let mib = a.rss() as f64 / 1024.0;
            checks.push((
                format!("aymara {flow} peak RSS {mib:.1} MiB < {RSS_TARGET_MIB} MiB"),
                mib < RSS_TARGET_MIB,
            ));
        }
        if let (Some(a), Some(r)) = (a, r) {
            let x = r.wall() / a.wall();
            checks.push((
                format!("aymara {flow} throughput {x:.2}× reqwest ≥ {RATIO_TARGET}×"),
                x >= RATIO_TARGET,
            ));
        }
    }
    targets(cfg, summary, "upload", checks);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 2. Pagination
// ---------------------------------------------------------------------------------------------

pub fn pagination(cfg: &Config, rt: &tokio::runtime::Runtime) -> Summary {
    let mut summary = Summary::default();
    if let Err(e) = pagination_inner(cfg, rt, &mut summary) {
        summary.failures.push(format!("pagination: {e}"));
    }
    summary
}

fn pagination_inner(
    cfg: &Config,
    rt: &tokio::runtime::Runtime,
    summary: &mut Summary,
) -> Result<(), String> {
    let emu = EmulatorProcess::start(cfg.latency_ms, None, cfg.emulator_cpu())?;
    let client = parent_client(&emu)?;
    // Seed: register the files in batches (presigned entries, never uploaded: listed all the
    // same), keeping their ids in creation order, which is the list order.
    let ids: Vec<String> = rt.block_on(async {
        let mut ids = Vec::with_capacity(cfg.files);
        while ids.len() < cfg.files {
            let batch = (cfg.files - ids.len()).min(1000);
            let items = (ids.len()..ids.len() + batch).map(|i| FileUploadItem {
                local_file_path: Some(format!("seed-{i:05}.txt")),
                content_type: Some("text/plain".into()),
                remote_uri: None,
            });
            let created = client
                .files()
                .create()
                .files(items)
                .await
                .map_err(|e| format!("seeding: {e}"))?;
            ids.extend(created.files.into_iter().filter_map(|f| f.file_uuid));
        }
        Ok::<_, String>(ids)
    })?;
    if ids.len() != cfg.files {
        return Err(format!("seeded {} files, not {}", ids.len(), cfg.files));
    }
    let expected = hash_ids(ids.iter().map(String::as_str));

    let base = vec![
        ("url", emu.url.clone()),
        ("key", emu.key.clone()),
        ("limit", cfg.limit.to_string()),
    ];
    let rust = |label: &str, case: &str, prefetch: usize| {
        let mut args = base.clone();
        args.push(("prefetch", prefetch.to_string()));
        Case {
            label: label.into(),
            spec: cfg.rust(case, &args),
            reps: cfg.reps,
        }
    };
    let seq = "aymara .items()";
    let pre = format!("aymara .prefetch({}).items()", cfg.prefetch);
    let raw = "reqwest offset loop";
    let py = "python list() auto-iteration";
    let mut cases = vec![
        rust(seq, "pages-aymara", 0),
        rust(&pre, "pages-aymara", cfg.prefetch),
        rust(raw, "pages-reqwest", 0),
    ];
    if cfg.python {
        cases.push(Case {
            label: py.into(),
            spec: cfg.python("pagination", &base),
            reps: cfg.python_reps,
        });
    }
    let rows = run_cases("pagination", cases, |label, o| {
        if label == py {
            // The official client stops after the first page: only check it is that page.
            let n = (o.count as usize).min(ids.len());
            let prefix = hash_ids(ids[..n].iter().map(String::as_str));
            return if o.hash == prefix {
                Ok(())
            } else {
                Err(format!("its {} items are not the first {n} files", o.count))
            };
        }
        if o.count != ids.len() as u64 || o.hash != expected {
            return Err(format!(
                "wrong items: {} items (hash {}), expected all {} files in creation order \
                 (hash {expected})",
                o.count,
                o.hash,
                ids.len()
            ));
        }
        Ok(())
    });
    drop(emu);
    failures(&rows, summary, "pagination");

    header(&format!(
        "Pagination: {} files, limit {}, {} ms injected latency per request (median of {} runs \
         per row, each in a fresh process; Python: {} run)",
        cfg.files, cfg.limit, cfg.latency_ms, cfg.reps, cfg.python_reps
    ));
    let mut t = Table::new(&[
        "client", "items", "time", "items/s", "CPU", "peak RSS", "ratio",
    ]);
    let seq_row = find(&rows, seq);
    for row in &rows {
        if !row.ok() {
            failed_row(&mut t, row, 7);
            continue;
        }
        let ratio = match seq_row {
            Some(s) if row.label == pre => format!(
                "{} aymara sequential time",
                table::ratio(row.wall() / s.wall())
            ),
            Some(_) if row.label == seq => find(&rows, raw).map_or("—".into(), |r| {
                format!("{} reqwest time", table::ratio(row.wall() / r.wall()))
            }),
            Some(s) if row.label == py => format!(
                "{} aymara items ({} of {}), {} aymara sequential time",
                table::ratio(row.count() as f64 / s.count() as f64),
                row.count(),
                s.count(),
                table::ratio(row.wall() / s.wall())
            ),
            _ => "baseline".into(),
        };
        t.row(vec![
            row.label.clone(),
            row.count().to_string(),
            table::secs(row.wall()),
            table::per_s(row.count(), row.wall()),
            table::secs(row.cpu()),
            table::mib_kib(row.rss()),
            ratio,
        ]);
    }
    t.print();
    if let (Some(s), Some(p)) = (seq_row, find(&rows, &pre)) {
        let same = s.runs.iter().chain(&p.runs).all(|o| o.hash == expected);
        println!(
            "\nSame items in the same order (sequential and prefetch, every run): {} ({} ids, \
             FNV-1a {expected})",
            if same { "yes" } else { "NO" },
            ids.len()
        );
    }
    let mut checks = Vec::new();
    if let (Some(s), Some(p)) = (seq_row, find(&rows, &pre)) {
        let x = p.wall() / s.wall();
        checks.push((
            format!(
                "prefetch({}) time {x:.3}× sequential ≤ {PREFETCH_TARGET}×",
                cfg.prefetch
            ),
            x <= PREFETCH_TARGET,
        ));
    }
    targets(cfg, summary, "pagination", checks);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 3. Per-request cost
// ---------------------------------------------------------------------------------------------

pub fn requests(cfg: &Config, rt: &tokio::runtime::Runtime) -> Summary {
    let mut summary = Summary::default();
    if let Err(e) = requests_inner(cfg, rt, &mut summary) {
        summary.failures.push(format!("requests: {e}"));
    }
    summary
}

fn requests_inner(
    cfg: &Config,
    rt: &tokio::runtime::Runtime,
    summary: &mut Summary,
) -> Result<(), String> {
    let emu = EmulatorProcess::start(0, None, cfg.emulator_cpu())?;
    let client = parent_client(&emu)?;
    let id = rt.block_on(async {
        let up = client
            .files()
            .upload(UploadSource::bytes("bench-get.txt", "a file to get"))
            .await
            .map_err(|e| format!("seeding: {e}"))?;
        up.file_uuid
            .ok_or_else(|| "seeding: no file id".to_string())
    })?;
    let mut cases = Vec::new();
    for conc in [1, cfg.concurrency] {
        let args = vec![
            ("url", emu.url.clone()),
            ("key", emu.key.clone()),
            ("id", id.clone()),
            ("n", cfg.gets.to_string()),
            ("concurrency", conc.to_string()),
        ];
        for (client, case) in [("aymara", "gets-aymara"), ("reqwest", "gets-reqwest")] {
            cases.push(Case {
                label: format!("{client} ×{conc}"),
                spec: cfg.rust(case, &args),
                reps: cfg.reps,
            });
        }
        if cfg.python {
            cases.push(Case {
                label: format!("python ×{conc}"),
                spec: cfg.python("requests", &args),
                reps: cfg.python_reps,
            });
        }
    }
    let n = cfg.gets;
    let rows = run_cases("requests", cases, |_, o| {
        if o.count == n {
            Ok(())
        } else {
            Err(format!("{} requests completed, not {n}", o.count))
        }
    });
    drop(emu);
    failures(&rows, summary, "requests");

    header(&format!(
        "Per-request cost: {n} `files.get` calls, no injected latency, one connection pool, \
         sequential (×1) and {} in flight (×{}) (median of {} runs per row, each in a fresh \
         process; Python: {} run, a thread pool of {})",
        cfg.concurrency, cfg.concurrency, cfg.reps, cfg.python_reps, cfg.concurrency
    ));
    let mut t = Table::new(&[
        "client",
        "time",
        "req/s",
        "CPU/req",
        "allocs/req",
        "peak RSS",
        "req/s ratio",
        "CPU/req ratio",
    ]);
    let mut checks = Vec::new();
    for row in &rows {
        if !row.ok() {
            failed_row(&mut t, row, 8);
            continue;
        }
        let conc = row.label.rsplit('×').next().unwrap_or("1");
        let other = |client: &str| find(&rows, &format!("{client} ×{conc}"));
        let (rate, cpu) = if row.label.starts_with("aymara") {
            other("reqwest").map_or(("—".into(), "—".into()), |r| {
                (
                    format!("{} reqwest", table::ratio(r.wall() / row.wall())),
                    format!("{} reqwest", table::ratio(row.cpu() / r.cpu())),
                )
            })
        } else if row.label.starts_with("python") {
            other("aymara").map_or(("—".into(), "—".into()), |a| {
                (
                    format!("{} aymara", table::ratio(a.wall() / row.wall())),
                    format!("{} aymara", table::ratio(row.cpu() / a.cpu())),
                )
            })
        } else {
            ("baseline".into(), "baseline".into())
        };
        t.row(vec![
            row.label.clone(),
            table::secs(row.wall()),
            table::per_s(row.count(), row.wall()),
            table::micros(row.cpu() / row.count() as f64),
            row.allocs_per_item(),
            table::mib_kib(row.rss()),
            rate,
            cpu,
        ]);
    }
    t.print();
    for conc in [1, cfg.concurrency] {
        let a = find(&rows, &format!("aymara ×{conc}"));
        let r = find(&rows, &format!("reqwest ×{conc}"));
        if let (Some(a), Some(r)) = (a, r) {
            let rate = r.wall() / a.wall();
            checks.push((
                format!("×{conc}: aymara req/s {rate:.2}× reqwest ≥ {RATE_TARGET}×"),
                rate >= RATE_TARGET,
            ));
            let cpu = a.cpu() / r.cpu();
            checks.push((
                format!("×{conc}: aymara CPU/req {cpu:.2}× reqwest ≤ {CPU_TARGET}×"),
                cpu <= CPU_TARGET,
            ));
        }
    }
    targets(cfg, summary, "requests", checks);
    Ok(())
}
