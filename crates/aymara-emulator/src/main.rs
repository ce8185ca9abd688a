//! `aymara-emulator`: serves the Aymara AI API emulator until Ctrl-C (see `--help`).
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aymara_emulator::{DEFAULT_API_KEY, Emulator};
use clap::Parser;

/// A local, stateful emulator of the Aymara AI HTTP API (no network, no real API key).
///
/// Prints its URL and API key, then serves until Ctrl-C. Each request is logged on one line
/// (method, path, status, latency, request id) at level `info`.
#[derive(Debug, Parser)]
#[command(name = "aymara-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// API key clients must send in `x-api-key`.
    #[arg(long, default_value = DEFAULT_API_KEY)]
    api_key: String,
    /// Keep every record (SQLite, `emulator.sqlite3`) and uploaded bytes (`files/`) in this
    /// directory; a restart on the same directory serves the same state. Default: in memory and
    /// a temporary directory, gone on exit.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Extra latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Every N-th `/v2/...` request answers 503 with `Retry-After: 0` (0: never).
    #[arg(long, default_value_t = 0)]
    fail_every: u32,
    /// Time a video takes from upload to `completed`, in milliseconds [default: 300].
    #[arg(long)]
    video_delay_ms: Option<u64>,
    /// Time an eval takes from `created` to `finished`, in milliseconds [default: 200].
    #[arg(long)]
    eval_delay_ms: Option<u64>,
    /// Time an eval run takes from `created` to `finished`, in milliseconds [default: 200].
    #[arg(long)]
    run_delay_ms: Option<u64>,
    /// Time a report takes from `created` to `finished`, in milliseconds [default: 200].
    #[arg(long)]
    report_delay_ms: Option<u64>,
    /// Close a connection that has not sent complete request headers after this many
    /// milliseconds (also the keep-alive idle limit).
    #[arg(long, default_value_t = 10_000)]
    header_timeout_ms: u64,
    /// Answer 400 when a request body pauses for longer than this many milliseconds.
    #[arg(long, default_value_t = 30_000)]
    body_timeout_ms: u64,
    /// Serve at most this many connections at once; more wait in the accept queue.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Largest JSON request body in bytes; a larger declared Content-Length is a 413 at once.
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    max_json_body: usize,
    /// Largest upload in bytes (multipart or presigned PUT), enforced the same way.
    #[arg(long, default_value_t = 8 * 1024 * 1024 * 1024)]
    max_upload: u64,
    /// Check every response against openapi.json and answer 500 naming any violation (on by
    /// default in debug builds; see also AYMARA_EMULATOR_VALIDATE_RESPONSES).
    #[arg(long)]
    validate_responses: Option<bool>,
    /// Log level: error, warn, info (one line per request), debug or trace.
    #[arg(long, default_value = "info")]
    log_level: tracing::Level,
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_max_level(args.log_level)
        .with_target(false)
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .init();
    let ms = Duration::from_millis;
    let mut builder = Emulator::builder()
        .port(args.port)
        .api_key(args.api_key)
        .latency(ms(args.latency_ms))
        .fail_every(args.fail_every)
        .header_timeout(ms(args.header_timeout_ms))
        .body_timeout(ms(args.body_timeout_ms))
        .max_connections(args.max_connections)
        .max_json_body(args.max_json_body)
        .max_upload(args.max_upload);
    if let Some(dir) = args.data_dir {
        builder = builder.data_dir(dir);
    }
    if let Some(v) = args.video_delay_ms {
        builder = builder.video_processing_delay(ms(v));
    }
    if let Some(v) = args.eval_delay_ms {
        builder = builder.eval_generation_delay(ms(v));
    }
    if let Some(v) = args.run_delay_ms {
        builder = builder.run_scoring_delay(ms(v));
    }
    if let Some(v) = args.report_delay_ms {
        builder = builder.report_delay(ms(v));
    }
    if let Some(on) = args.validate_responses {
        builder = builder.validate_responses(on);
    }
    let emulator = match builder.start_blocking() {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!("aymara-emulator: could not start: {err}");
            return ExitCode::FAILURE;
        }
    };
    // A closed stdout (the parent stopped reading) must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Aymara emulator listening on {}", emulator.url());
    let _ = writeln!(out, "API key: {}", emulator.api_key());

    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| runtime.block_on(tokio::signal::ctrl_c()));
    if let Err(err) = waited {
        eprintln!("aymara-emulator: could not wait for Ctrl-C: {err}");
        return ExitCode::FAILURE;
    }
    let _ = writeln!(out, "Shutting down");
    let violations = emulator.spec_violations();
    drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || drop(emulator),
    )));
    if violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "aymara-emulator: {} response(s) violated openapi.json",
            violations.len()
        );
        ExitCode::FAILURE
    }
}
