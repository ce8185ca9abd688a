//! Benchmarks of the `aymara` SDK against raw reqwest (and, with `--python`, the official Python
//! client), on the local emulator. Prints one markdown table per scenario.
//!
//! ```text
//! cargo bench -p aymara --bench sdk                          # full sizes, release
//! cargo bench -p aymara --bench sdk -- --python              # + the official Python client
//! cargo bench -p aymara --bench sdk -- --scenario upload     # upload | pagination | requests
//! cargo test  -p aymara --bench sdk -- --smoke               # tiny sizes, debug build (CI)
//! ```
//!
//! The binary plays three roles: the orchestrator (default), the emulator (`--emulator`, a
//! separate process so its memory and CPU are not the client's) and one measurement
//! (`--child CASE`, a fresh process per (scenario, client) pair, which reports its wall time,
//! CPU time and peak RSS on stdout).

mod child;
mod measure;
mod procs;
mod results;
mod scenarios;
mod table;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use scenarios::{Config, Summary};

#[global_allocator]
static GLOBAL: measure::CountingAlloc = measure::CountingAlloc;

const USAGE: &str = "\
usage: cargo bench -p aymara --bench sdk -- [--smoke | --full] [--python]
           [--scenario upload|pagination|requests|results]... [--reps N] [--runtime current|multi] [--no-pin]
       cargo test -p aymara --bench sdk -- --smoke

  --smoke     tiny sizes (4 MiB file, 300 files, 200 gets), one run each; targets not enforced
  --full      full sizes (1 GiB file, 10,000 files, 10,000 gets), 7 runs each (the default under
              `cargo bench`; without `--bench`, i.e. under `cargo test`, the default is --smoke)
  --python    also run the official Python client (aymara-ai-sdk 1.2.1, installed from PyPI
              into target/bench-venv by benches/python/run_official.sh)
  --scenario  run only these scenarios (repeatable or comma-separated); `results` needs the
              bench built with `--features csv,html`
  --reps N    runs per Rust row (default 7 full, 1 smoke; medians are reported)
  --runtime R tokio runtime of the Rust clients: current (default) or multi
  --no-pin    do not pin the clients to one CPU and the emulator to another

Exit status: 1 if a scenario failed (in any mode), 2 if a full run missed a target.";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Upload,
    Pagination,
    Requests,
    Results,
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sdk bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode, String> {
    let (mut smoke, mut full, mut python, mut bench, mut emulator, mut no_pin) =
        (false, false, false, false, false, false);
    let mut runtime = "current".to_owned();
    let mut child: Option<String> = None;
    let mut scenarios = Vec::new();
    let mut reps = None;
    let mut params = HashMap::new();
    let mut it = args.into_iter();
    let value = |it: &mut std::vec::IntoIter<String>, flag: &str| {
        it.next().ok_or_else(|| format!("{flag} needs a value"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bench" => bench = true,
            "--smoke" => smoke = true,
            "--full" => full = true,
            "--python" => python = true,
            "--emulator" => emulator = true,
            "--no-pin" => no_pin = true,
            "--runtime" if child.is_none() => {
                runtime = value(&mut it, "--runtime")?;
                if runtime != "current" && runtime != "multi" {
                    return Err(format!(
                        "--runtime {runtime:?}: current or multi\n\n{USAGE}"
                    ));
                }
            }
            "--child" => child = Some(value(&mut it, "--child")?),
            "--scenario" => {
                for s in value(&mut it, "--scenario")?.split(',') {
                    scenarios.push(match s.trim() {
                        "upload" => Scenario::Upload,
                        "pagination" => Scenario::Pagination,
                        "requests" => Scenario::Requests,
                        "results" => Scenario::Results,
                        other => return Err(format!("unknown scenario {other:?}\n\n{USAGE}")),
                    });
                }
            }
            "--reps" => {
                let n = value(&mut it, "--reps")?;
                reps = Some(
                    n.parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or(format!("--reps {n:?}: not a positive number"))?,
                );
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            flag if (emulator || child.is_some()) && flag.starts_with("--") => {
                let v = value(&mut it, flag)?;
                params.insert(flag.trim_start_matches("--").to_owned(), v);
            }
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }

    if emulator {
        let latency = params
            .get("latency-ms")
            .map_or(Ok(0), |v| v.parse::<u64>())
            .map_err(|e| format!("--latency-ms: {e}"))?;
        let cpu = params
            .get("cpu")
            .map(|v| v.parse::<usize>())
            .transpose()
            .map_err(|e| format!("--cpu: {e}"))?;
        procs::emulator_main(latency, params.get("data-dir").map(PathBuf::from), cpu)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(case) = child {
        child::child_main(&case, &child::Params(params))?;
        return Ok(ExitCode::SUCCESS);
    }

    if smoke && full {
        return Err("--smoke and --full exclude each other".into());
    }
    // `cargo bench` passes --bench; anything else (`cargo test`, a bare run) gets smoke sizes
    // unless --full is given, so that `cargo test --all-targets` stays cheap.
    let smoke = smoke || !(bench || full);
    if scenarios.is_empty() {
        scenarios = vec![
            Scenario::Upload,
            Scenario::Pagination,
            Scenario::Requests,
            Scenario::Results,
        ];
    }
    let mut cfg = Config::new(smoke, python, reps, target_dir());
    cfg.runtime = runtime;
    // Clients on one CPU, the emulator on another: they do not compete for a core, and a
    // client's CPU time is its own work (no migrations, no waiting behind the server).
    let cpus = measure::allowed_cpus();
    if !no_pin && cpus.len() >= 2 {
        cfg.pin = Some((cpus[0], cpus[1]));
    }
    orchestrate(&cfg, &scenarios)
}

/// The cargo target directory (the one holding `CACHEDIR.TAG` above this executable).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().ok();
    exe.as_deref()
        .into_iter()
        .flat_map(|p| p.ancestors())
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")))
}

fn orchestrate(cfg: &Config, scenarios: &[Scenario]) -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    println!(
        "## aymara SDK benchmarks ({} sizes, {} build, {} CPUs, {}-thread tokio runtime in the \
         clients, {}{})",
        if cfg.smoke { "smoke" } else { "full" },
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        std::thread::available_parallelism().map_or(0, usize::from),
        cfg.runtime,
        match cfg.pin {
            Some((c, e)) => format!("clients pinned to CPU {c}, emulator to CPU {e}"),
            None => "no CPU pinning".into(),
        },
        if cfg.python {
            ", with the official Python client"
        } else {
            ""
        },
    );
    let mut all = Summary::default();
    if cfg.python
        && let Err(e) = cfg.python_setup()
    {
        return Err(format!("the Python side could not be set up: {e}"));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    for s in scenarios {
        let summary = match s {
            Scenario::Upload => scenarios::upload(cfg, &rt),
            Scenario::Pagination => scenarios::pagination(cfg, &rt),
            Scenario::Requests => scenarios::requests(cfg, &rt),
            Scenario::Results => results::results(cfg),
        };
        all.failures.extend(summary.failures);
        all.missed.extend(summary.missed);
    }

    println!("\n## Summary ({:.0} s)\n", started.elapsed().as_secs_f64());
    if all.failures.is_empty() {
        println!("Every scenario ran.");
    }
    for f in &all.failures {
        println!("- FAILED: {f}");
    }
    if !cfg.smoke {
        if all.missed.is_empty() {
            println!("Every target met.");
        }
        for m in &all.missed {
            println!("- target MISSED: {m}");
        }
    }
    Ok(if !all.failures.is_empty() {
        ExitCode::FAILURE
    } else if !cfg.smoke && !all.missed.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
