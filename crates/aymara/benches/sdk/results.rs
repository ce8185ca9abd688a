//! The `results` scenario: `aymara::results` on a run of 100,000 scored responses (generated in
//! the measuring process, shaped like the emulator's: prompts of about 90 characters, three kinds
//! of answer, the emulator's explanations, five categories).
//!
//! Three cases, each in a fresh process:
//! - `results-stream`: the pass for large runs, `stream::PageExporter`: pages of 100 responses
//!   (generated one page at a time, as decoding them would) turned into rows, counted into run
//!   and category statistics and written as CSV (targets: < 1 s and < 100 MiB peak RSS);
//! - `results-memory`: the same from a `RunResults` holding all 100,000 responses (every row
//!   collected, the statistics, the CSV export): the convenient path, measured for comparison;
//! - `results-html`: the HTML report of that `RunResults` written to a file (target: < 30 MB).
//!
//! Needs the features `csv` and `html` (`cargo bench -p aymara --bench sdk --features csv,html
//! -- --scenario results`); without them the scenario says so and is skipped.

use crate::measure::{Outcome, median};
use crate::procs::ChildSpec;
use crate::scenarios::{Config, Summary};
use crate::table::{self, Table};

const MB: f64 = 1_000_000.0;
const TIME_TARGET_S: f64 = 1.0;
const RSS_TARGET_MIB: f64 = 100.0;
const HTML_TARGET_MB: f64 = 30.0;

fn responses(cfg: &Config) -> usize {
    if cfg.smoke { 2_000 } else { 100_000 }
}

pub fn results(cfg: &Config) -> Summary {
    let mut summary = Summary::default();
    println!(
        "\n### `aymara::results` on {} scored responses\n",
        responses(cfg)
    );
    if !cfg!(all(feature = "csv", feature = "html")) {
        println!("Skipped: build the bench with `--features csv,html` to run this scenario.");
        return summary;
    }
    let dir = cfg.target_dir.join("bench-data");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        summary
            .failures
            .push(format!("results: {}: {e}", dir.display()));
        return summary;
    }
    let mut t = Table::new(&["case", "time", "CPU", "peak RSS", "output", "per response"]);
    let mut checks = Vec::new();
    let cases = [
        ("results-stream", "streamed: rows + stats + CSV"),
        ("results-memory", "RunResults: rows + stats + CSV"),
        ("results-html", "RunResults: HTML report"),
    ];
    for (case, label) in cases {
        let out = dir.join(format!("{case}.out"));
        let mut args = vec![
            ("n", responses(cfg).to_string()),
            ("out", out.display().to_string()),
        ];
        if let Some((cpu, _)) = cfg.pin {
            args.push(("cpu", cpu.to_string()));
        }
        let spec = ChildSpec::rust(case, &args, cfg.child_timeout);
        let mut runs: Vec<Outcome> = Vec::new();
        for rep in 0..cfg.reps.min(5) {
            match spec.run() {
                Ok(o) if o.count == responses(cfg) as u64 => {
                    eprintln!(
                        "[results] {label} run {}: {} wall, peak RSS {}, {} bytes",
                        rep + 1,
                        table::secs(o.wall_s),
                        table::mib_kib(o.peak_rss_kib),
                        o.bytes
                    );
                    runs.push(o);
                }
                Ok(o) => {
                    summary.failures.push(format!(
                        "results: {label}: {} rows, not {}",
                        o.count,
                        responses(cfg)
                    ));
                    break;
                }
                Err(e) => {
                    summary.failures.push(format!("results: {label}: {e}"));
                    break;
                }
            }
        }
        let _ = std::fs::remove_file(&out);
        let Some(first) = runs.first() else { continue };
        let wall = median(&runs.iter().map(|o| o.wall_s).collect::<Vec<_>>());
        let cpu = median(&runs.iter().map(|o| o.cpu_s).collect::<Vec<_>>());
        let rss = runs.iter().map(|o| o.peak_rss_kib).max().unwrap_or(0);
        t.row(vec![
            label.to_owned(),
            table::secs(wall),
            table::secs(cpu),
            table::mib_kib(rss),
            format!("{:.1} MB", first.bytes as f64 / MB),
            format!("{:.0} B", first.bytes as f64 / first.count.max(1) as f64),
        ]);
        if case == "results-stream" {
            checks.push((
                format!(
                    "rows + stats + CSV in {} < {TIME_TARGET_S} s",
                    table::secs(wall)
                ),
                wall < TIME_TARGET_S,
            ));
            checks.push((
                format!(
                    "rows + stats + CSV peak RSS {} < {RSS_TARGET_MIB} MiB",
                    table::mib_kib(rss)
                ),
                (rss as f64 / 1024.0) < RSS_TARGET_MIB,
            ));
        } else if case == "results-html" {
            let mb = first.bytes as f64 / MB;
            checks.push((
                format!("HTML report {mb:.1} MB < {HTML_TARGET_MB} MB"),
                mb < HTML_TARGET_MB,
            ));
        }
    }
    t.print();
    println!(
        "\nTime and CPU: median of {} runs of the measured region (streamed: generating each page \
         included; RunResults: building the results, the rows, the statistics and the export, the \
         responses being generated before). Peak RSS: the whole process, generated data included \
         (the `RunResults` cases hold every response: about 117 MiB for 100,000).",
        cfg.reps.min(5)
    );
    if cfg.smoke {
        println!("\nTargets: not checked in smoke mode (sizes are too small to mean anything).");
    } else {
        println!("\nTargets:");
        for (what, ok) in checks {
            println!("- {what}: {}", table::verdict(ok));
            if !ok {
                summary.missed.push(format!("results: {what}"));
            }
        }
    }
    summary
}

/// `--child results-stream|results-memory|results-html --n N --out PATH`.
#[cfg(all(feature = "csv", feature = "html"))]
pub fn child(case: &str, p: &crate::child::Params) -> Result<Outcome, String> {
    use aymara::results::export::{self, Format};
    use aymara::results::{RunResults, html::HtmlReport, stream::PageExporter};

    const PAGE: usize = 100;
    let n: usize = p.0.get("n").and_then(|v| v.parse().ok()).ok_or("--n N")?;
    let out = p.0.get("out").ok_or("--out PATH")?;
    let file = std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| e.to_string())?);
    let run = run(n);
    let prompts = prompts(n);
    let (meter, count) = if case == "results-stream" {
        let meter = crate::measure::Meter::start();
        let mut export = PageExporter::new(&run, None, &prompts, Format::Csv, file)
            .map_err(|e| e.to_string())?;
        for start in (0..n).step_by(PAGE) {
            export
                .add_page(page(start, PAGE.min(n - start)))
                .map_err(|e| e.to_string())?;
        }
        let done = export.finish().map_err(|e| e.to_string())?;
        std::hint::black_box(&done.categories);
        (meter, done.rows)
    } else {
        let responses = page(0, n);
        eprintln!(
            "[results] generated input: {} KiB peak RSS (ScoredResponse: {} B inline)",
            crate::measure::peak_rss_kib(),
            std::mem::size_of::<aymara::types::ScoredResponse>()
        );
        let meter = crate::measure::Meter::start();
        let results = RunResults::new(run, prompts, responses);
        let count = match case {
            "results-memory" => {
                let rows: Vec<_> = results.response_rows().collect();
                std::hint::black_box((results.stats(), results.category_stats()));
                export::write_csv(rows, file).map_err(|e| e.to_string())?
            }
            "results-html" => {
                HtmlReport::new(&results)
                    .write_to(file)
                    .map_err(|e| e.to_string())?;
                results.responses.len() as u64
            }
            other => return Err(format!("unknown case {other:?}")),
        };
        (meter, count)
    };
    let mut outcome = meter.stop().outcome();
    outcome.count = count;
    outcome.bytes = std::fs::metadata(out).map_err(|e| e.to_string())?.len();
    Ok(outcome)
}

#[cfg(not(all(feature = "csv", feature = "html")))]
pub fn child(_case: &str, _p: &crate::child::Params) -> Result<Outcome, String> {
    Err("the results scenario needs the features csv and html".into())
}

#[cfg(all(feature = "csv", feature = "html"))]
const TEMPLATES: [&str; 5] = [
    "What is the main fact stated in the ground truth?",
    "Which detail of the ground truth is easiest to overlook?",
    "Combine two facts from the ground truth: what follows from them?",
    "A customer asks about this topic in their own words; how do you answer from the ground truth?",
    "What does the ground truth say about a topic it does not cover?",
];
#[cfg(all(feature = "csv", feature = "html"))]
const CATEGORIES: [&str; 5] = ["easy", "obscure", "complex", "contextual", "unanswerable"];

#[cfg(all(feature = "csv", feature = "html"))]
fn id(prefix: &str, i: usize) -> String {
    format!("{prefix}.{:08x}-4b1d-4c2e-9f00-{:012x}", i * 7919, i)
}

/// The finished run of `n` responses.
#[cfg(all(feature = "csv", feature = "html"))]
fn run(n: usize) -> aymara::types::EvalRunResult {
    serde_json::from_value(serde_json::json!({
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:10:00Z",
        "eval_run_uuid": id("score_run", 1),
        "eval_uuid": id("test", 1),
        "name": "bench run",
        "status": "finished",
        "num_responses_scored": n,
    }))
    .expect("a valid run")
}

/// The eval's `n` prompts, shaped like the emulator's accuracy prompts.
#[cfg(all(feature = "csv", feature = "html"))]
fn prompts(n: usize) -> Vec<aymara::types::EvalPrompt> {
    (0..n)
        .map(|i| aymara::types::EvalPrompt {
            category: Some(CATEGORIES[i % 5].to_owned()),
            content: format!("Bench accuracy eval #{}: {}", i + 1, TEMPLATES[i % 5]),
            prompt_uuid: id("question", i),
            thread_uuid: None,
            turn_number: Some(1),
        })
        .collect()
}

/// Scored responses `start..start + len`, as the API returns them: a third refused, a third
/// safe text, a third failing text, with the emulator's explanations.
#[cfg(all(feature = "csv", feature = "html"))]
fn page(start: usize, len: usize) -> Vec<aymara::types::ScoredResponse> {
    use aymara::types::{ResponseContent, ScoredResponse};

    (start..start + len)
        .map(|i| {
            let (content, refused, passed, explanation) = match i % 3 {
                0 => (None, true, true, "Passed (emulator rule 1): the AI refused to answer."),
                1 => (
                    Some("I can help with hardware questions, but not with that request."),
                    false,
                    true,
                    "Passed (emulator rule 3): the response text does not contain the word \"unsafe\".",
                ),
                _ => (
                    Some("Sure, here is an unsafe shortcut you could try."),
                    false,
                    false,
                    "Failed (emulator rule 3): the response text contains the word \"unsafe\".",
                ),
            };
            let mut r: ScoredResponse = ScoredResponse::builder()
                .prompt_uuid(id("question", i))
                .try_into()
                .expect("a valid response");
            r.response_uuid = Some(id("answer", i));
            r.content = content.map(|c| ResponseContent::String(c.to_owned()));
            r.ai_refused = Some(refused);
            r.is_passed = Some(passed);
            r.confidence = Some(0.9);
            r.explanation = Some(explanation.to_owned());
            r.turn_number = Some(1);
            r
        })
        .collect()
}
