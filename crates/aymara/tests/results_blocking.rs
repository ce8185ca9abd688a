//! `aymara::results` from the blocking client: the same run, the same hand-computed figures.
#![cfg(feature = "blocking")]

#[path = "support/results_scenario.rs"]
mod scenario;

use aymara::results::RunResults;
use aymara::types::EvalPrompt;
use scenario::*;

#[test]
fn blocking_fetch_gives_the_same_results() {
    let emulator = instant_emulator().start_blocking().unwrap();
    let client = client_builder(&emulator).build_blocking().unwrap();
    let eval = client
        .evals()
        .create("An assistant that answers from a document", "accuracy")
        .name(EVAL_NAME)
        .num_prompts(PROMPTS)
        .send()
        .unwrap();
    let eval_uuid = eval.eval_uuid.unwrap();
    let prompts: Vec<EvalPrompt> = client
        .evals()
        .list_prompts(&eval_uuid)
        .collect_all()
        .unwrap();
    let run = client
        .evals()
        .runs()
        .create(&eval_uuid, answers(&prompts))
        .send()
        .unwrap();

    let results = RunResults::fetch_blocking(&client, &run.eval_run_uuid).unwrap();
    assert_eq!(results.prompts.len(), 10);
    assert_eq!(results.responses.len(), 10);
    check_stats(&results);

    let mut out = Vec::new();
    let n = aymara::results::export::write_jsonl(results.response_rows(), &mut out).unwrap();
    assert_eq!(n, 10);

    let mut streamed = Vec::new();
    let done = aymara::results::stream::export_responses_blocking(
        &client,
        &run.eval_run_uuid,
        aymara::results::export::Format::JsonLines,
        &mut streamed,
    )
    .unwrap();
    assert_eq!(done.rows, 10);
    assert_eq!(done.stats, results.stats());
    assert_eq!(streamed, out);

    #[cfg(feature = "html")]
    {
        let html = aymara::results::html::HtmlReport::new(&results)
            .render()
            .unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("<td class=\"n passed\">6</td>"));
    }

    // Not from inside an async runtime: an error, not a hang or a panic.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = rt
        .block_on(async { RunResults::fetch_blocking(&client, &run.eval_run_uuid) })
        .unwrap_err();
    assert!(matches!(err, aymara::Error::BlockingInAsync), "{err:?}");
}
