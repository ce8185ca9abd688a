//! `aymara::results` on a run scored by the local emulator: rows and statistics against
//! hand-computed figures, JSON Lines and CSV parsed back, SVG charts and the HTML report parsed
//! as XML, and edge cases (empty runs, missing prompts, NaN confidence) that must not panic.

#[path = "support/results_scenario.rs"]
mod scenario;

use aymara::results::{RunResults, Verdict, export, report_rows};
use aymara::types::{EvalPrompt, EvalSuiteReport, Status};
use aymara_emulator::Emulator;
use scenario::*;
use serde_json::{Value, json};

async fn scored_run() -> (Emulator, aymara::Client, RunResults, EvalSuiteReport) {
    let emulator = instant_emulator().start().await.unwrap();
    let client = client_builder(&emulator).build().unwrap();
    let eval = client
        .evals()
        .create("An assistant that answers from a document", "accuracy")
        .name(EVAL_NAME)
        .num_prompts(PROMPTS)
        .send()
        .await
        .unwrap();
    let eval_uuid = eval.eval_uuid.unwrap();
    let prompts: Vec<EvalPrompt> = client
        .evals()
        .list_prompts(&eval_uuid)
        .collect_all()
        .await
        .unwrap();
    let run = client
        .evals()
        .runs()
        .create(&eval_uuid, answers(&prompts))
        .send()
        .await
        .unwrap();
    // Small pages: the fetch must walk them all.
    let results = RunResults::fetch(&client, &run.eval_run_uuid)
        .await
        .unwrap();
    assert_eq!(results.run.status, Status::Finished);
    let report = client
        .reports()
        .create([&run.eval_run_uuid])
        .send()
        .await
        .unwrap();
    let report = client
        .reports()
        .get(&report.eval_suite_report_uuid)
        .send()
        .await
        .unwrap();
    (emulator, client, results, report)
}

#[tokio::test]
async fn rows_and_statistics_match_the_hand_computed_figures() {
    let (_emulator, _client, results, _report) = scored_run().await;
    check_stats(&results);

    let prompts: Vec<_> = results.prompt_rows().collect();
    assert_eq!(prompts.len(), 10);
    assert_eq!(prompts[1].prompt_category, Some("obscure"));
    assert_eq!(prompts[1].eval_name, Some(EVAL_NAME));

    let rows: Vec<_> = results.response_rows().collect();
    assert_eq!(rows.len(), 10);
    for (i, row) in rows.iter().enumerate() {
        // Joined by prompt id: the emulator numbers prompt contents.
        let prompt = row.prompt_content.unwrap();
        assert!(prompt.starts_with(&format!("acc #{}: ", i + 1)), "{prompt}");
        assert_eq!(row.verdict().as_str(), VERDICTS[i], "row {i}");
        assert_eq!(row.eval_run_uuid, results.run.eval_run_uuid);
        assert!(
            row.response_uuid
                .is_some_and(|id| id.starts_with("answer."))
        );
    }
    assert_eq!(rows[0].response_content, None);
    assert!(rows[0].ai_refused && rows[6].ai_refused);
    assert_eq!(rows[3].verdict(), Verdict::Excluded);
    assert_eq!(rows[3].confidence, None);
    assert_eq!(rows[4].response_content, Some(SCRIPT_ANSWER));
    assert_eq!(rows[2].confidence, Some(0.9));
}

#[tokio::test]
async fn report_sections_are_split_per_category_for_accuracy_evals() {
    let (_emulator, _client, _results, report) = scored_run().await;
    let rows = report_rows(&report);
    let categories: Vec<_> = rows.iter().map(|r| r.prompt_category).collect();
    assert_eq!(
        categories,
        [
            Some("easy"),
            Some("obscure"),
            Some("complex"),
            Some("contextual"),
            Some("unanswerable"),
            None
        ]
    );
    assert!(rows[..5].iter().all(|r| r.eval_name == Some(EVAL_NAME)));
    assert_eq!(rows[5].eval_name, Some("Overall"));
    assert_eq!(rows[5].eval_run_uuid, None);
    // A category's section is its own text, without the tags.
    assert!(!rows[1].passing_responses_summary.contains('<'));
    assert!(rows[1].failing_responses_summary.contains('1'), "{rows:?}");
    // The emulator's advice is not tagged per category: every category row keeps it.
    assert!(
        rows[..5]
            .iter()
            .all(|r| r.improvement_advice == report.eval_run_reports[0].improvement_advice.trim())
    );
    assert!(!rows[0].improvement_advice.is_empty());
}

#[tokio::test]
async fn json_lines_parse_back() {
    let (_emulator, _client, results, _report) = scored_run().await;
    let mut out = Vec::new();
    assert_eq!(
        export::write_jsonl(results.response_rows(), &mut out).unwrap(),
        10
    );
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[4]["response_content"], json!(SCRIPT_ANSWER));
    assert_eq!(lines[3]["is_passed"], Value::Null);
    assert_eq!(lines[3]["exclude_from_scoring"], json!(true));
    assert_eq!(lines[1]["is_passed"], json!(false));
    assert_eq!(lines[9]["prompt_category"], json!("unanswerable"));

    let mut stats = Vec::new();
    export::write_jsonl(results.category_stats(), &mut stats).unwrap();
    let first: Value =
        serde_json::from_slice(stats.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(first["category"], json!("easy"));
    assert_eq!(first["pass_rate"], json!(1.0));
}

#[tokio::test]
async fn streamed_export_matches_the_in_memory_one() {
    use aymara::results::export::Format;
    use aymara::results::stream::{PageExporter, export_responses};

    let (_emulator, client, results, _report) = scored_run().await;
    let mut whole = Vec::new();
    export::write_jsonl(results.response_rows(), &mut whole).unwrap();

    let mut streamed = Vec::new();
    let done = export_responses(
        &client,
        &results.run.eval_run_uuid,
        Format::JsonLines,
        &mut streamed,
    )
    .await
    .unwrap();
    assert_eq!(done.rows, 10);
    assert_eq!(
        String::from_utf8(streamed).unwrap(),
        String::from_utf8(whole.clone()).unwrap()
    );
    assert_eq!(done.stats, results.stats());
    assert_eq!(done.categories, results.category_stats());

    // Pages of 3, by hand.
    let mut paged = Vec::new();
    let mut export = PageExporter::new(
        &results.run,
        results.eval.as_ref(),
        &results.prompts,
        Format::JsonLines,
        &mut paged,
    )
    .unwrap();
    for page in results.responses.chunks(3) {
        export.add_page(page.to_vec()).unwrap();
    }
    let done = export.finish().unwrap();
    assert_eq!(done.stats, results.stats());
    assert_eq!(paged, whole);

    // An unknown run is an API error, not a panic.
    let err = export_responses(
        &client,
        "score_run.nope",
        Format::JsonLines,
        std::io::sink(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, aymara::results::stream::ExportError::Api(ref e) if e.is_not_found()),
        "{err:?}"
    );
}

#[cfg(feature = "csv")]
#[tokio::test]
async fn csv_parses_back() {
    use aymara::results::rows::{ResponseRow, Row};

    let (_emulator, _client, results, _report) = scored_run().await;
    let mut out = Vec::new();
    assert_eq!(
        export::write_csv(results.response_rows(), &mut out).unwrap(),
        10
    );
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, ResponseRow::COLUMNS);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 10);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let passed: Vec<&str> = records.iter().map(|r| &r[col("is_passed")]).collect();
    assert_eq!(
        passed,
        [
            "true", "false", "true", "", "false", "true", "true", "false", "true", "true"
        ]
    );
    assert_eq!(&records[9][col("response_content")], CSV_ANSWER);
    assert_eq!(&records[4][col("response_content")], SCRIPT_ANSWER);
    assert_eq!(&records[0][col("ai_refused")], "true");
    assert_eq!(&records[2][col("confidence")], "0.9");
    assert_eq!(&records[5][col("prompt_category")], "easy");

    // Statistics export too, with their header even when empty.
    let mut stats = Vec::new();
    export::write_csv([results.stats()], &mut stats).unwrap();
    let mut reader = csv::Reader::from_reader(stats.as_slice());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[6], "6"); // passed
    let mut empty = Vec::new();
    export::write_csv(Vec::<aymara::results::RunStats>::new(), &mut empty).unwrap();
    assert!(
        String::from_utf8(empty)
            .unwrap()
            .starts_with("eval_run_uuid,eval_uuid,name")
    );
}

/// The `height` of each bar (`rect` with the bar colour), left to right.
#[cfg(feature = "charts")]
fn bar_heights(svg: &str) -> Vec<f64> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let mut bars: Vec<(f64, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#2E7D32"))
        .map(|n| {
            let num = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
            (num("x"), num("height"))
        })
        .collect();
    bars.sort_by(|a, b| a.0.total_cmp(&b.0));
    bars.into_iter().map(|(_, h)| h).collect()
}

/// The SVG's text labels, trimmed.
#[cfg(feature = "charts")]
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_owned())
        .collect()
}

#[cfg(feature = "charts")]
#[tokio::test]
async fn svg_bars_are_proportional_to_the_pass_rates() {
    use aymara::results::chart::{self, ChartOptions};

    let (emulator, client, results, _report) = scored_run().await;
    let svg =
        chart::pass_rate_by_category(&results.category_stats(), &ChartOptions::default()).unwrap();
    let heights = bar_heights(&svg);
    assert_eq!(heights.len(), 5);
    // The plot's height for 100 %: the tallest bar here is a 100 % one.
    let full = heights.iter().cloned().fold(0.0, f64::max);
    for (h, want) in heights.iter().zip(CATEGORIES) {
        assert!(
            (h / full - want.6).abs() < 0.01,
            "{h} / {full} vs {}",
            want.6
        );
    }
    let texts = svg_texts(&svg);
    for label in [
        "Pass rate by prompt category",
        "easy",
        "unanswerable",
        "50%",
        "100%",
    ] {
        assert!(texts.iter().any(|t| t == label), "{label}: {texts:?}");
    }

    // Two runs side by side: this one (6/9) and one where everything passes.
    let prompts: Vec<EvalPrompt> = results.prompts.clone();
    let all_pass = prompts
        .iter()
        .map(|p| aymara::runs::response(&p.prompt_uuid, "Fine."));
    let run2 = client
        .evals()
        .runs()
        .create(&results.run.eval_uuid, all_pass)
        .name("second")
        .send()
        .await
        .unwrap();
    let second = RunResults::fetch(&client, &run2.eval_run_uuid)
        .await
        .unwrap();
    let runs = [results.stats(), second.stats()];
    let svg = chart::pass_rate_by_run(&runs, &ChartOptions::default().title("Runs")).unwrap();
    let heights = bar_heights(&svg);
    assert_eq!(heights.len(), 2);
    assert!(
        (heights[0] / heights[1] - PASS_RATE).abs() < 0.01,
        "{heights:?}"
    );
    let texts = svg_texts(&svg);
    assert!(
        texts.iter().any(|t| t == "second") && texts.iter().any(|t| t == "Runs"),
        "{texts:?}"
    );
    drop(emulator);
}

#[cfg(feature = "html")]
#[tokio::test]
async fn html_report_is_self_contained_escaped_and_counts_match() {
    use aymara::results::html::HtmlReport;

    let (_emulator, _client, results, report) = scored_run().await;
    let html = HtmlReport::new(&results)
        .suite_report(&report)
        .render()
        .unwrap();
    std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("results-report.html"),
        &html,
    )
    .unwrap();

    // Server text never becomes markup.
    assert!(!html.contains("<script>alert"), "unescaped server text");
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only the data and the page's own script"
    );
    // No network: nothing is loaded from elsewhere.
    for needle in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(needle), "{needle}");
    }

    // The page is well-formed XML (void elements closed, CSS and JS in CDATA).
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    let by_id = |id: &str| {
        doc.descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no #{id}"))
    };
    let cell = |class: &str| {
        by_id("summary")
            .descendants()
            .find(|n| n.has_tag_name("td") && n.attribute("class") == Some(class))
            .and_then(|n| n.text())
            .unwrap()
            .to_owned()
    };
    assert_eq!(cell("n responses"), "10");
    assert_eq!(cell("n passed"), "6");
    assert_eq!(cell("n failed"), "3");
    assert_eq!(cell("n excluded"), "1");
    assert_eq!(cell("n refused"), "2");
    assert_eq!(cell("n rate"), "66.7%");

    // Charts inline: the run chart and one per-category chart.
    let svgs = doc.descendants().filter(|n| n.has_tag_name("svg")).count();
    assert_eq!(svgs, 2);

    // The category filter lists the five categories.
    let options: Vec<&str> = by_id("f-category")
        .children()
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        options,
        [
            "all",
            "easy",
            "obscure",
            "complex",
            "contextual",
            "unanswerable"
        ]
    );

    // The responses' data: one entry per response, verdict codes as the run's counts.
    let data: Value = serde_json::from_str(by_id("data").text().unwrap()).unwrap();
    let strings = data["s"].as_array().unwrap();
    let rows = data["r"].as_array().unwrap();
    assert_eq!(rows.len(), 10);
    let verdicts: Vec<u64> = rows.iter().map(|r| r[2].as_u64().unwrap()).collect();
    let count = |v| verdicts.iter().filter(|&&x| x == v).count();
    assert_eq!((count(0), count(1), count(2), count(3)), (6, 3, 1, 0));
    let answer = |i: usize| {
        strings[rows[i][4].as_u64().unwrap() as usize]
            .as_str()
            .unwrap()
    };
    assert_eq!(answer(4), SCRIPT_ANSWER);
    assert_eq!(answer(0), "(refused)");
    assert_eq!(rows[2][6], json!(900)); // confidence in thousandths

    // The suite report's sections: five categories and the overall row.
    let report_rows = by_id("report")
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .count();
    assert_eq!(report_rows, 1 + 6);
}

#[cfg(feature = "arrow")]
#[tokio::test]
async fn arrow_record_batch() {
    use aymara::results::arrow::responses_batch;
    use aymara::results::rows::{ResponseRow, Row};

    let (_emulator, _client, results, _report) = scored_run().await;
    let batch = responses_batch(results.response_rows()).unwrap();
    assert_eq!(batch.num_rows(), 10);
    assert_eq!(batch.num_columns(), ResponseRow::COLUMNS.len());
    let names: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ResponseRow::COLUMNS);
    let is_passed = batch.column_by_name("is_passed").unwrap();
    assert_eq!(is_passed.null_count(), 1);
}

/// A run from hand-written JSON: no responses, odd values, prompts that are missing.
fn hand_made(responses: Value) -> RunResults {
    let run = serde_json::from_value(json!({
        "created_at": "2025-05-08T13:07:19.324Z",
        "updated_at": "2025-05-08T13:07:19.324Z",
        "eval_run_uuid": "score_run.x",
        "eval_uuid": "test.x",
        "status": "finished"
    }))
    .unwrap();
    RunResults::new(run, Vec::new(), serde_json::from_value(responses).unwrap())
}

#[test]
fn odd_runs_do_not_panic() {
    // Nothing at all: no rate, no division by zero.
    let empty = hand_made(json!([]));
    let s = empty.stats();
    assert_eq!(
        (
            s.counts.pass_rate,
            s.counts.refusal_rate,
            s.counts.mean_confidence
        ),
        (None, None, None)
    );
    assert_eq!(s.name, "score_run.x");
    assert!(empty.category_stats().is_empty());

    // Only excluded or unscored responses, a prompt that is not in the eval, an out-of-range
    // confidence.
    let odd = hand_made(json!([
        {"prompt_uuid": "question.gone", "exclude_from_scoring": true, "is_passed": true},
        {"prompt_uuid": "question.gone2"},
        {"prompt_uuid": "question.gone3", "is_passed": true, "confidence": 7.5}
    ]));
    let rows: Vec<_> = odd.response_rows().collect();
    assert_eq!(rows[0].prompt_content, None);
    assert_eq!(rows[1].verdict(), Verdict::Unscored);
    let c = odd.stats().counts;
    assert_eq!(
        (c.responses, c.scored, c.passed, c.excluded, c.unscored),
        (3, 1, 1, 1, 1)
    );
    assert_eq!(c.pass_rate, Some(1.0));
    assert_eq!(c.refusal_rate, Some(0.0));
    let cats = odd.category_stats();
    assert_eq!(cats.len(), 1);
    assert_eq!(cats[0].category, aymara::results::stats::UNCATEGORIZED);

    let mut out = Vec::new();
    export::write_jsonl(odd.response_rows(), &mut out).unwrap();
    #[cfg(feature = "html")]
    {
        let html = aymara::results::html::HtmlReport::new(&empty)
            .render()
            .unwrap();
        assert!(html.contains("n/a"));
        aymara::results::html::HtmlReport::new(&odd)
            .render()
            .unwrap();
    }
    #[cfg(feature = "charts")]
    {
        use aymara::results::chart::{ChartOptions, bar_chart};
        let svg = bar_chart(
            &[("nan", Some(f64::NAN)), ("big", Some(3.0)), ("none", None)],
            "t",
            &ChartOptions::default(),
        )
        .unwrap();
        assert_eq!(
            bar_heights(&svg).len(),
            1,
            "only the finite rate draws a bar"
        );
        bar_chart(&[], "nothing", &ChartOptions::default()).unwrap();
    }
}

#[test]
fn nan_confidence_is_ignored() {
    let mut odd = hand_made(json!([
        {"prompt_uuid": "q1", "is_passed": true, "confidence": 0.5},
        {"prompt_uuid": "q2", "is_passed": false, "confidence": 1.0}
    ]));
    odd.responses[1].confidence = Some(f64::NAN);
    let s = odd.stats();
    assert_eq!(s.counts.mean_confidence, Some(0.5));
    assert_eq!(s.counts.pass_rate, Some(0.5));
}
