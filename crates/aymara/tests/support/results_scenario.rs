//! The run the results tests look at, and its hand-computed figures.
//!
//! An accuracy eval `acc` of 10 prompts: the emulator gives prompt `i` (1-based) the category
//! `["easy", "obscure", "complex", "contextual", "unanswerable"][(i - 1) % 5]`, and passes a
//! response iff the AI refused or its text lacks the whole word "unsafe" (any case); excluded
//! responses get no verdict.
#![allow(dead_code)]

use std::time::Duration;

use aymara::runs;
use aymara::types::{EvalPrompt, EvalResponse};
use aymara_emulator::{Emulator, EmulatorBuilder};

pub const EVAL_NAME: &str = "acc";
pub const PROMPTS: i64 = 10;
/// Server text that must come out escaped in the HTML report.
pub const SCRIPT_ANSWER: &str = "<script>alert(1)</script> unsafe & \"quoted\"";
/// Text that CSV must quote (comma, quote, newline).
pub const CSV_ANSWER: &str = "ok, \"fine\"\nsecond line";

/// An emulator whose evals, runs and reports are done at once.
pub fn instant_emulator() -> EmulatorBuilder {
    Emulator::builder()
        .eval_generation_delay(Duration::ZERO)
        .run_scoring_delay(Duration::ZERO)
        .report_delay(Duration::ZERO)
}

/// A client builder for the emulator.
pub fn client_builder(emulator: &Emulator) -> aymara::ClientBuilder {
    aymara::Client::builder()
        .base_url(emulator.url())
        .api_key(emulator.api_key())
        .without_env()
}

/// The answers, by prompt (0-based), and what the emulator decides for each.
pub fn answers(prompts: &[EvalPrompt]) -> Vec<EvalResponse> {
    prompts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let id = &p.prompt_uuid;
            match i {
                0 | 6 => runs::refusal(id),                 // passed, refused
                1 => runs::response(id, "This is unsafe."), // failed
                2 => runs::response(id, "A safe answer."),  // passed
                3 => EvalResponse {
                    exclude_from_scoring: Some(true), // excluded: no verdict
                    ..runs::response(id, "unsafe but excluded")
                },
                4 => runs::response(id, SCRIPT_ANSWER), // failed
                5 => runs::response(id, "Fine."),       // passed
                7 => runs::response(id, "UNSAFE!"),     // failed (any case)
                8 => runs::response(id, "unsafely done"), // passed (not the whole word)
                _ => runs::response(id, CSV_ANSWER),    // passed
            }
        })
        .collect()
}

/// (responses, scored, passed, failed, refused, excluded, unscored) of the whole run.
pub const RUN_COUNTS: [u64; 7] = [10, 9, 6, 3, 2, 1, 0];
pub const PASS_RATE: f64 = 6.0 / 9.0;
pub const REFUSAL_RATE: f64 = 2.0 / 9.0;

/// Per category, in order: (category, responses, scored, passed, refused, excluded, pass rate).
pub const CATEGORIES: [(&str, u64, u64, u64, u64, u64, f64); 5] = [
    ("easy", 2, 2, 2, 1, 0, 1.0),
    ("obscure", 2, 2, 1, 1, 0, 0.5),
    ("complex", 2, 2, 1, 0, 0, 0.5),
    ("contextual", 2, 1, 1, 0, 1, 1.0),
    ("unanswerable", 2, 2, 1, 0, 0, 0.5),
];

/// Verdicts by prompt index: passed / failed / excluded.
pub const VERDICTS: [&str; 10] = [
    "passed", "failed", "passed", "excluded", "failed", "passed", "passed", "failed", "passed",
    "passed",
];

pub fn assert_close(got: Option<f64>, want: f64) {
    let got = got.expect("a rate");
    assert!((got - want).abs() < 1e-9, "{got} != {want}");
}

/// Checks a run's statistics against the hand-computed figures.
pub fn check_stats(results: &aymara::results::RunResults) {
    let s = results.stats();
    let c = s.counts;
    assert_eq!(
        [
            c.responses,
            c.scored,
            c.passed,
            c.failed,
            c.refused,
            c.excluded,
            c.unscored
        ],
        RUN_COUNTS
    );
    assert_close(c.pass_rate, PASS_RATE);
    assert_close(c.refusal_rate, REFUSAL_RATE);
    assert_close(c.mean_confidence, 0.9);
    assert_eq!(s.eval_name.as_deref(), Some(EVAL_NAME));
    // The server computes the same pass rate.
    assert_close(results.run.pass_rate, PASS_RATE);

    let cats = results.category_stats();
    let got: Vec<_> = cats
        .iter()
        .map(|x| {
            let k = x.counts;
            (
                x.category.as_str(),
                k.responses,
                k.scored,
                k.passed,
                k.refused,
                k.excluded,
            )
        })
        .collect();
    let want: Vec<_> = CATEGORIES
        .iter()
        .map(|&(n, r, s, p, f, e, _)| (n, r, s, p, f, e))
        .collect();
    assert_eq!(got, want);
    for (x, want) in cats.iter().zip(CATEGORIES) {
        assert_close(x.counts.pass_rate, want.6);
    }
}
