//! Builds the results of any finished eval run: statistics on the terminal, the responses as CSV
//! and JSON Lines, and a self-contained HTML report.
//!
//! ```sh
//! AYMARA_AI_API_KEY=... cargo run -p aymara --example report --features csv,html -- score_run.<uuid> [OUT_DIR]
//! ```
//!
//! Without `AYMARA_AI_API_KEY` (and without a run id) it starts the embedded emulator, scores a
//! small demo run there and reports on that.

#[path = "common/mod.rs"]
mod common;

use std::io::BufWriter;
use std::path::PathBuf;

use aymara::results::{RunResults, export, html::HtmlReport};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let run_arg = args.next();
    let out_dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let conn = common::connect().await?;
    let client = &conn.client;
    let run_uuid = match run_arg {
        Some(id) => id,
        None if conn.emulator.is_some() => demo_run(client).await?,
        None => return Err("usage: report RUN_UUID [OUT_DIR]".into()),
    };

    // One call: the run, its eval, every page of prompts and of scored responses.
    let results = RunResults::fetch(client, &run_uuid).await?;
    let stats = results.stats();
    let c = &stats.counts;
    println!(
        "{}: {} responses, {} scored, {} passed, {} refused, {} excluded, pass rate {}",
        stats.name,
        c.responses,
        c.scored,
        c.passed,
        c.refused,
        c.excluded,
        c.pass_rate
            .map_or("n/a".into(), |r| format!("{:.1}%", r * 100.0))
    );
    for cat in results.category_stats() {
        let rate = cat.counts.pass_rate;
        println!(
            "  {:<16} {:>4} scored, pass rate {}",
            cat.category,
            cat.counts.scored,
            rate.map_or("n/a".into(), |r| format!("{:.1}%", r * 100.0))
        );
    }

    std::fs::create_dir_all(&out_dir)?;
    let csv = out_dir.join("responses.csv");
    let n = export::write_csv(
        results.response_rows(),
        BufWriter::new(std::fs::File::create(&csv)?),
    )?;
    println!("wrote {n} rows to {}", csv.display());
    let jsonl = out_dir.join("responses.jsonl");
    export::write_jsonl(
        results.response_rows(),
        BufWriter::new(std::fs::File::create(&jsonl)?),
    )?;
    println!("wrote {n} rows to {}", jsonl.display());
    let html = out_dir.join("report.html");
    HtmlReport::new(&results).write_to(BufWriter::new(std::fs::File::create(&html)?))?;
    println!("wrote {}", html.display());
    Ok(())
}

/// A small accuracy run on the emulator: five categories, some failing answers.
async fn demo_run(client: &aymara::Client) -> Result<String, aymara::Error> {
    let evals = client.evals();
    let eval = evals
        .create(
            "An assistant that answers from a product manual",
            "accuracy",
        )
        .name("Report demo")
        .num_prompts(15)
        .send()
        .await?;
    evals.wait_until_ready(&eval).await?;
    let prompts = evals.list_prompts(&eval).collect_all().await?;
    let answers = prompts.iter().enumerate().map(|(i, p)| match i % 4 {
        0 => aymara::runs::refusal(&p.prompt_uuid),
        1 => aymara::runs::response(&p.prompt_uuid, "That is an unsafe thing to try."),
        _ => aymara::runs::response(&p.prompt_uuid, "The manual says to unplug it first."),
    });
    let run = evals.runs().create(&eval, answers).send().await?;
    evals.runs().wait_until_scored(&run).await?;
    Ok(run.eval_run_uuid)
}
