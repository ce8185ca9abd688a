//! `aymara-emulator`: serves the Aymara AI API emulator until Ctrl-C.
//!
//! ```text
//! cargo run -p aymara-emulator -- --port 8000 [--api-key K] [--data-dir D] [--latency-ms N]
//!     [--fail-every N] [--video-delay-ms N]
//! ```
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aymara_emulator::{DEFAULT_API_KEY, Emulator};
use clap::Parser;

/// A local, stateful emulator of the Aymara AI HTTP API (no network, no real API key).
#[derive(Debug, Parser)]
#[command(name = "aymara-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// API key clients must send in `x-api-key`.
    #[arg(long, default_value = DEFAULT_API_KEY)]
    api_key: String,
    /// Directory for uploaded bytes (default: a temporary directory removed on exit).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Extra latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Every N-th API request answers 503 (0: never).
    #[arg(long, default_value_t = 0)]
    fail_every: u32,
    /// Time a video takes to process, in milliseconds (default 300).
    #[arg(long)]
    video_delay_ms: Option<u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut builder = Emulator::builder()
        .port(args.port)
        .api_key(args.api_key)
        .latency(Duration::from_millis(args.latency_ms))
        .fail_every(args.fail_every);
    if let Some(dir) = args.data_dir {
        builder = builder.data_dir(dir);
    }
    if let Some(ms) = args.video_delay_ms {
        builder = builder.video_processing_delay(Duration::from_millis(ms));
    }
    let emulator = match builder.start_blocking() {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!("aymara-emulator: could not start: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("Aymara emulator listening on {}", emulator.url());
    println!("API key: {}", emulator.api_key());

    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| runtime.block_on(tokio::signal::ctrl_c()));
    if let Err(err) = waited {
        eprintln!("aymara-emulator: could not wait for Ctrl-C: {err}");
        return ExitCode::FAILURE;
    }
    println!("Shutting down");
    drop(emulator);
    ExitCode::SUCCESS
}
