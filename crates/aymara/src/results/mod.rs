//! Results people can look at: typed rows, pass statistics, exports, charts and an HTML report.
//!
//! The counterpart of the official Python client's DataFrame and plotting helpers, built from
//! the types the API returns:
//!
//! - [`RunResults`]: one eval run with its eval, prompts and scored responses, fetched by one
//!   call ([`RunResults::fetch`], or [`RunResults::fetch_blocking`] with the feature
//!   `blocking`) that walks every page.
//! - Rows ([`rows`]): [`PromptRow`], [`ResponseRow`] (responses joined to their prompts by
//!   prompt id) and [`ReportRow`] (report sections, split per category for accuracy evals).
//!   Rows borrow from the results, so building them copies no text.
//! - Statistics ([`stats`]): [`RunStats`] per run (several runs side by side) and
//!   [`CategoryStats`] per prompt category: pass rate and total, refusals, exclusions.
//! - Exports ([`export`]): JSON Lines (always) and CSV (feature `csv`), streamed to any
//!   [`std::io::Write`]; an Arrow `RecordBatch` (feature `arrow`).
//! - Runs too large to hold ([`stream`]): rows, statistics and an export in one pass, page by
//!   page ([`stream::export_responses`]).
//! - Pictures: SVG bar charts of pass rates (feature `charts`) and a self-contained HTML report
//!   (feature `html`).
//!
//! Rows, statistics and JSON Lines need no feature and add no dependency.
//!
//! ```no_run
//! use aymara::results::RunResults;
//!
//! # async fn demo(client: aymara::Client, run_uuid: String) -> Result<(), Box<dyn std::error::Error>> {
//! let results = RunResults::fetch(&client, &run_uuid).await?;
//! let stats = results.stats();
//! println!("{}: {} of {} passed", stats.name, stats.counts.passed, stats.counts.scored);
//! for c in results.category_stats() {
//!     println!("  {:<12} {:?}", c.category, c.counts.pass_rate);
//! }
//! let out = std::io::BufWriter::new(std::fs::File::create("responses.jsonl")?);
//! aymara::results::export::write_jsonl(results.response_rows(), out)?;
//! # Ok(()) }
//! ```
//!
//! Where the API is vague, these helpers take the tolerant reading: a response whose prompt is
//! not among the eval's prompts keeps empty prompt columns; a response without a verdict counts
//! as unscored; a run without any response has no pass rate (`None`), never a division by zero.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[cfg(feature = "arrow")]
#[cfg_attr(docsrs, doc(cfg(feature = "arrow")))]
pub mod arrow;
#[cfg(feature = "charts")]
#[cfg_attr(docsrs, doc(cfg(feature = "charts")))]
pub mod chart;
pub mod export;
mod fetch;
#[cfg(feature = "html")]
#[cfg_attr(docsrs, doc(cfg(feature = "html")))]
pub mod html;
pub mod rows;
pub mod stats;
pub mod stream;

pub use rows::{PromptRow, ReportRow, ResponseRow, Verdict, report_rows};
pub use stats::{CategoryStats, Counts, RunStats};

use std::collections::HashMap;

use crate::types::{Eval, EvalPrompt, EvalRunResult, ScoredResponse};

/// One eval run with everything needed to look at it: the run, its eval (when known), the
/// eval's prompts and the run's scored responses.
///
/// Build it with [`RunResults::fetch`] (every page), or with [`RunResults::new`] from values you
/// already have.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RunResults {
    /// The run (`GET /v2/eval-runs/{id}`).
    pub run: EvalRunResult,
    /// The eval: the run's `evaluation`, else fetched; `None` if the server has none.
    pub eval: Option<Eval>,
    /// The eval's prompts (all pages).
    pub prompts: Vec<EvalPrompt>,
    /// The run's scored responses (all pages).
    pub responses: Vec<ScoredResponse>,
}

impl RunResults {
    /// Results from values you already have (the eval is taken from `run.evaluation`).
    ///
    /// ```
    /// # fn demo(run: aymara::types::EvalRunResult) {
    /// let results = aymara::results::RunResults::new(run, Vec::new(), Vec::new());
    /// assert_eq!(results.stats().counts.pass_rate, None); // nothing scored: no rate, no panic
    /// # }
    /// ```
    pub fn new(
        run: EvalRunResult,
        prompts: Vec<EvalPrompt>,
        responses: Vec<ScoredResponse>,
    ) -> Self {
        Self {
            eval: run.evaluation.clone(),
            run,
            prompts,
            responses,
        }
    }

    /// Replaces the eval (e.g. one fetched separately).
    pub fn with_eval(mut self, eval: Option<Eval>) -> Self {
        self.eval = eval;
        self
    }

    /// The eval's name, when known (from the eval, else the run's embedded eval).
    pub fn eval_name(&self) -> Option<&str> {
        self.eval
            .as_ref()
            .or(self.run.evaluation.as_ref())
            .and_then(|e| e.name.as_deref())
    }

    /// The eval's type (`safety`, `accuracy`, …), when known.
    pub fn eval_type(&self) -> Option<&str> {
        self.eval
            .as_ref()
            .or(self.run.evaluation.as_ref())
            .map(|e| e.eval_type.as_str())
    }

    /// The name to show for this run: its own name, else its eval's, else its id.
    pub fn display_name(&self) -> &str {
        self.run
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.eval_name())
            .unwrap_or(&self.run.eval_run_uuid)
    }

    /// One row per prompt of the eval.
    pub fn prompt_rows(&self) -> impl ExactSizeIterator<Item = PromptRow<'_>> + '_ {
        let eval_uuid = self
            .eval
            .as_ref()
            .and_then(|e| e.eval_uuid.as_deref())
            .unwrap_or(&self.run.eval_uuid);
        let eval_name = self.eval_name();
        self.prompts
            .iter()
            .map(move |p| PromptRow::new(eval_uuid, eval_name, p))
    }

    /// One row per scored response, joined to its prompt by prompt id (prompts of later turns
    /// are also found in the responses' `next_prompt`). Built lazily: exports stream them.
    pub fn response_rows(&self) -> impl ExactSizeIterator<Item = ResponseRow<'_>> + '_ {
        let index = self.prompt_index();
        let eval_name = self.eval_name();
        self.responses.iter().map(move |r| {
            let prompt = index.get(r.prompt_uuid.as_str()).copied();
            ResponseRow::new(&self.run, eval_name, prompt, r)
        })
    }

    /// Pass statistics of the whole run, from its responses.
    pub fn stats(&self) -> RunStats {
        RunStats::from_rows(
            &self.run.eval_run_uuid,
            &self.run.eval_uuid,
            self.display_name(),
            self.eval_name(),
            self.response_rows(),
        )
    }

    /// Pass statistics per prompt category, in order of first appearance (responses without a
    /// category are grouped under [`stats::UNCATEGORIZED`]).
    pub fn category_stats(&self) -> Vec<CategoryStats> {
        CategoryStats::from_rows(&self.run.eval_run_uuid, self.response_rows())
    }

    /// Prompts by id: the eval's prompts, then any `next_prompt` of a response (multi-turn).
    fn prompt_index(&self) -> HashMap<&str, &EvalPrompt> {
        let mut index: HashMap<&str, &EvalPrompt> = HashMap::with_capacity(self.prompts.len());
        for p in &self.prompts {
            index.entry(p.prompt_uuid.as_str()).or_insert(p);
        }
        for p in self.responses.iter().filter_map(|r| r.next_prompt.as_ref()) {
            index.entry(p.prompt_uuid.as_str()).or_insert(p);
        }
        index
    }
}
