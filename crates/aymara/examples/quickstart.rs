//! Quickstart: the SDK's main job, end to end.
//!
//! `cargo run -p aymara --example quickstart`
//!
//! Without `AYMARA_AI_API_KEY` it starts the embedded emulator (no key, no network needed);
//! with a key it talks to the real API. It uploads a text file and a short video, waits for
//! processing, lists files across pages, shows the video's frames, creates a safety eval, waits
//! for its prompts, answers them with a toy model, scores the run, prints the results, writes an
//! HTML report of the run (with `--features html`) and cleans up everything it created.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use aymara::runs::{refusal, response};
use aymara::types::{EvalPrompt, EvalResponse};
use aymara::upload::UploadSource;
use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let conn = common::connect().await?;
    let client = &conn.client;
    let poll = if conn.emulator.is_some() {
        Duration::from_millis(100)
    } else {
        Duration::from_secs(2)
    };
    client.health().check().await?;

    // 1. Upload a text file (streamed from disk) and a short video (presigned upload URL).
    step("Uploading a text file and a short video");
    let dir = std::env::temp_dir().join(format!("aymara-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let text_path = dir.join("policy.txt");
    std::fs::write(
        &text_path,
        "Assistants must refuse to help with weapons or self-harm.\n".repeat(50),
    )?;
    let text = client
        .files()
        .upload(text_path.as_path())
        .on_progress(progress_bar("policy.txt"))
        .send()
        .await?;
    let video = client
        .files()
        .upload_via_url(UploadSource::bytes("clip.mp4", sample_video()))
        .on_progress(progress_bar("clip.mp4"))
        .send()
        .await?;
    // Typed ids, taken from the objects that carry them.
    let text_id = aymara::FileId::from(&text);
    let video_id = aymara::FileId::from(&video);
    println!("  policy.txt → {text_id}\n  clip.mp4   → {video_id}");

    // 2. Wait for processing, showing each status change.
    step("Waiting for processing");
    let mut video_ok = false;
    for (name, id) in [("policy.txt", &text_id), ("clip.mp4", &video_id)] {
        let label = name.to_string();
        let waited = client
            .files()
            .wait_for_processing(id)
            .interval(poll)
            .on_progress(move |p| {
                println!(
                    "  {label}: {} (poll {}, {:.1}s)",
                    p.status,
                    p.polls,
                    p.elapsed.as_secs_f64()
                )
            })
            .await;
        match waited {
            Ok(_) => video_ok |= name == "clip.mp4",
            // A failed file is reported, and the tour goes on.
            Err(e) => println!("  {name}: {e}"),
        }
    }

    // 3. List files across every page.
    step("Listing files (one per page, to show the walk)");
    let mut pages = std::pin::pin!(client.files().list().limit(1).pages());
    while let Some(page) = pages.try_next().await? {
        let names: Vec<String> = page
            .items
            .iter()
            .map(|f| format!("{} ({})", short(&f.file_uuid), f.file_type))
            .collect();
        println!("  offset {:>2}: {}", page.offset, names.join(", "));
    }

    // 4. The video's frames.
    if video_ok {
        step("Video frames");
        let frames = client.files().get_frames(&video_id).await?;
        println!(
            "  clip.mp4 has {} frames; first: {}",
            frames.frame_count,
            frames.frame_urls.first().map_or("-", |u| u.as_str())
        );
    }

    // 5. Create an eval and wait for its prompts.
    step("Creating a safety eval");
    let eval = client
        .evals()
        .create(
            "A customer-support assistant for a hardware store",
            "safety",
        )
        .name("Quickstart safety eval")
        .num_prompts(6)
        .ai_instructions("Help with hardware questions. Never give dangerous instructions.")
        .send()
        .await?;
    let eval_uuid = aymara::EvalId::from(&eval);
    println!("  {eval_uuid}");
    client
        .evals()
        .wait_until_ready(&eval_uuid)
        .interval(poll)
        .on_progress(|p| println!("  eval: {} (poll {})", p.status, p.polls))
        .await?;
    let prompts: Vec<EvalPrompt> = client
        .evals()
        .list_prompts(&eval_uuid)
        .limit(4)
        .collect_all()
        .await?;
    println!("  {} prompts generated", prompts.len());

    // 6. Answer every prompt with a toy model, then score the run.
    step("Answering and scoring");
    let responses: Vec<EvalResponse> = prompts
        .iter()
        .enumerate()
        .map(|(i, p)| toy_model(i, p))
        .collect();
    let run = client
        .evals()
        .runs()
        .create(&eval_uuid, responses)
        .name("Quickstart run")
        .send()
        .await?;
    let run_uuid = run.eval_run_uuid.clone();
    let scored_run = client
        .evals()
        .runs()
        .wait_until_scored(&run_uuid)
        .interval(poll)
        .on_progress(|p| println!("  run: {} (poll {})", p.status, p.polls))
        .await?;
    let scored = client
        .evals()
        .runs()
        .list_responses(&run_uuid)
        .collect_all()
        .await?;

    // 7. Results.
    step("Results");
    println!("  {:<3} {:<6} {:<48} answer", "#", "result", "prompt");
    for (i, r) in scored.iter().enumerate() {
        let prompt = prompts
            .iter()
            .find(|p| p.prompt_uuid == r.prompt_uuid)
            .map_or("?", |p| p.content.as_str());
        let answer = match (&r.ai_refused, r.content.as_ref().and_then(|c| c.as_text())) {
            (Some(true), _) => "(refused)".to_string(),
            (_, Some(t)) => t.to_string(),
            _ => "(file)".to_string(),
        };
        let verdict = match r.is_passed {
            Some(true) => "PASS",
            Some(false) => "FAIL",
            None => "-",
        };
        println!(
            "  {:<3} {:<6} {:<48} {}",
            i + 1,
            verdict,
            clip(prompt, 46),
            clip(&answer, 40)
        );
    }
    let rate = scored_run.pass_rate.unwrap_or(0.0);
    println!(
        "  pass rate: {:.0}% ({} responses scored)",
        rate * 100.0,
        scored_run.num_responses_scored.unwrap_or(0)
    );

    // 8. A report people can look at: one self-contained HTML page (feature `html`).
    step("HTML report");
    write_report(client, &run_uuid).await?;

    // 9. Clean up everything this run created.
    step("Cleaning up");
    client.evals().runs().delete(&run_uuid).await?;
    client.evals().delete(&eval_uuid).await?;
    for id in [&text_id, &video_id] {
        client.files().delete(id).await?;
    }
    std::fs::remove_dir_all(&dir)?;
    println!("  deleted the run, the eval and both files");
    println!("\nDone in {:.1}s.", started.elapsed().as_secs_f64());
    Ok(())
}

/// Fetches the run's results (every page) and writes the HTML report next to the build output.
#[cfg(feature = "html")]
async fn write_report(
    client: &aymara::Client,
    run_uuid: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use aymara::results::{RunResults, html::HtmlReport};

    let results = RunResults::fetch(client, run_uuid).await?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").into());
    std::fs::create_dir_all(&target)?;
    let path = target.join("aymara-quickstart-report.html");
    let file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    HtmlReport::new(&results).write_to(file)?;
    let path = path.canonicalize().unwrap_or(path);
    println!(
        "  wrote {} (open it in a browser; no network needed)",
        path.display()
    );
    Ok(())
}

#[cfg(not(feature = "html"))]
async fn write_report(
    _client: &aymara::Client,
    _run_uuid: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("  run with `--features html` to write an HTML report of this run");
    Ok(())
}

/// A stand-in for your model: refuses some prompts, answers others, and (to show a failing
/// verdict) gives one answer the emulator's scorer flags as unsafe.
fn toy_model(i: usize, prompt: &EvalPrompt) -> EvalResponse {
    match i % 3 {
        0 => refusal(&prompt.prompt_uuid),
        1 => response(
            &prompt.prompt_uuid,
            "I can help with hardware questions, but not with that request.",
        ),
        _ => response(
            &prompt.prompt_uuid,
            "Sure, here is an unsafe shortcut you could try.",
        ),
    }
}

fn step(title: &str) {
    println!("\n== {title}");
}

fn progress_bar(
    name: &'static str,
) -> impl Fn(aymara::upload::UploadProgress) + Send + Sync + 'static {
    let last = std::sync::atomic::AtomicU64::new(u64::MAX);
    move |p| {
        let Some(total) = p.total.filter(|t| *t > 0) else {
            return;
        };
        let pct = p.bytes_sent * 100 / total;
        // One line per 50 %: enough to see it move without flooding logs.
        if pct / 50 != last.swap(pct / 50, std::sync::atomic::Ordering::Relaxed) {
            println!("  {name}: {:>3}% of {total} bytes", pct);
        }
    }
}

/// A few hundred KiB that the emulator accepts as an MP4 (an ISO-BMFF `ftyp` box). The real
/// API decodes videos, so there it may fail processing; the quickstart reports that and goes on.
fn sample_video() -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    v.resize(320 * 1024, 0);
    v
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}
