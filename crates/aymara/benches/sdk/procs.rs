//! Processes: the emulator runs in its own process (this binary re-executed with `--emulator`),
//! and every measurement runs in a fresh child process (this binary with `--child CASE`, or the
//! Python script), so neither the emulator's nor another measurement's memory and CPU are
//! counted.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::measure::{Outcome, RESULT_PREFIX};

const READY_PREFIX: &str = "EMULATOR-READY ";

/// `--emulator`: serves the emulator until stdin closes (the parent exits or drops it).
pub fn emulator_main(
    latency_ms: u64,
    data_dir: Option<PathBuf>,
    cpu: Option<usize>,
) -> Result<(), String> {
    if let Some(cpu) = cpu {
        crate::measure::pin_to_cpu(cpu)?;
    }
    let mut builder =
        aymara_emulator::Emulator::builder().latency(Duration::from_millis(latency_ms));
    if let Some(dir) = data_dir {
        builder = builder.data_dir(dir);
    }
    let emulator = builder
        .start_blocking()
        .map_err(|e| format!("could not start the emulator: {e}"))?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{READY_PREFIX}{} {}",
            emulator.url(),
            emulator.api_key()
        )
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())?;
    }
    // Wait for EOF on stdin.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(emulator);
    Ok(())
}

/// An emulator in a separate process; stopped on drop.
pub struct EmulatorProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    pub url: String,
    pub key: String,
}

impl EmulatorProcess {
    /// Starts `--emulator` with this latency (and data directory, else a temporary one),
    /// pinned to `cpu` if given.
    pub fn start(
        latency_ms: u64,
        data_dir: Option<&Path>,
        cpu: Option<usize>,
    ) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut command = Command::new(exe);
        command.args(["--emulator", "--latency-ms", &latency_ms.to_string()]);
        if let Some(dir) = data_dir {
            command.arg("--data-dir").arg(dir);
        }
        if let Some(cpu) = cpu {
            command.args(["--cpu", &cpu.to_string()]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start the emulator process: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("no emulator stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the emulator's address: {e}"))?;
        let mut parts = line
            .trim()
            .strip_prefix(READY_PREFIX)
            .ok_or_else(|| format!("the emulator process did not start (said {line:?})"))?
            .split(' ');
        let (Some(url), Some(key)) = (parts.next(), parts.next()) else {
            return Err(format!("unexpected emulator line {line:?}"));
        };
        Ok(Self {
            url: url.to_owned(),
            key: key.to_owned(),
            child,
            stdin,
        })
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A measurement to run in a fresh process.
pub struct ChildSpec {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub envs: Vec<(String, String)>,
    pub timeout: Duration,
}

impl ChildSpec {
    /// This binary, `--child CASE ARGS...`.
    pub fn rust(case: &str, args: &[(&str, String)], timeout: Duration) -> Self {
        let mut all = vec!["--child".to_owned(), case.to_owned()];
        for (k, v) in args {
            all.push(format!("--{k}"));
            all.push(v.clone());
        }
        Self {
            program: std::env::current_exe().expect("the bench binary's path"),
            args: all,
            envs: Vec::new(),
            timeout,
        }
    }

    /// Runs it and parses its result line. Its stderr goes to ours.
    pub fn run(&self) -> Result<Outcome, String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", self.program.display()))?;
        let mut stdout = child.stdout.take().ok_or("no child stdout")?;
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "timed out after {:.0} s and was killed",
                        self.timeout.as_secs_f64()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(format!("waiting for the child: {e}")),
            }
        };
        let out = reader.join().unwrap_or_default();
        let line = out.lines().find_map(|l| l.strip_prefix(RESULT_PREFIX));
        match (status.success(), line) {
            (true, Some(json)) => {
                serde_json::from_str(json).map_err(|e| format!("bad result line {json:?}: {e}"))
            }
            (true, None) => Err(format!("printed no result (stdout: {:?})", tail(&out))),
            (false, _) => Err(format!("exited with {status}")),
        }
    }
}

fn tail(s: &str) -> &str {
    let start = s.len().saturating_sub(300);
    let start = (start..=s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(s.len());
    &s[start..]
}
