//! Rows, statistics and an export in one pass, page by page: memory holds the eval's prompts
//! and one page of responses, whatever the size of the run.
//!
//! [`export_responses`] (and [`export_responses_blocking`]) fetch a run and stream it;
//! [`PageExporter`] is the same pass over pages you already have.

use std::collections::HashMap;
use std::io::Write;

use futures_util::TryStreamExt;

use super::export::{Format, RowWriter};
use super::rows::ResponseRow;
use super::stats::{CategoryStats, RunStats, StatsBuilder};
use crate::types::{Eval, EvalPrompt, EvalRunResult, ScoredResponse};

/// What a streamed export wrote and counted.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Exported {
    /// The run's statistics.
    pub stats: RunStats,
    /// Its statistics per prompt category.
    pub categories: Vec<CategoryStats>,
    /// Rows written.
    pub rows: u64,
}

/// An API call or a write failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ExportError {
    /// Fetching from the API failed.
    Api(crate::Error),
    /// Writing the export failed.
    Write(std::io::Error),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Api(e) => write!(f, "fetching the run: {e}"),
            Self::Write(e) => write!(f, "writing the export: {e}"),
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Api(e) => Some(e),
            Self::Write(e) => Some(e),
        }
    }
}

impl From<crate::Error> for ExportError {
    fn from(e: crate::Error) -> Self {
        Self::Api(e)
    }
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> Self {
        Self::Write(e)
    }
}

/// Turns pages of scored responses into rows (joined to `prompts` by id), counts them and
/// writes them, one page at a time.
///
/// ```
/// use aymara::results::export::Format;
/// use aymara::results::stream::PageExporter;
///
/// # fn demo(run: aymara::types::EvalRunResult, prompts: Vec<aymara::types::EvalPrompt>,
/// #         pages: Vec<Vec<aymara::types::ScoredResponse>>) -> std::io::Result<()> {
/// let mut export = PageExporter::new(&run, None, &prompts, Format::JsonLines, std::io::sink())?;
/// for page in pages {
///     export.add_page(page)?;
/// }
/// let done = export.finish()?;
/// println!("{} rows, pass rate {:?}", done.rows, done.stats.counts.pass_rate);
/// # Ok(()) }
/// ```
pub struct PageExporter<'a, W: Write> {
    run: &'a EvalRunResult,
    eval_name: Option<&'a str>,
    prompts: HashMap<&'a str, &'a EvalPrompt>,
    /// Prompts of later turns (multi-turn), from the responses' `next_prompt`.
    later: HashMap<String, EvalPrompt>,
    stats: StatsBuilder,
    writer: RowWriter<W>,
}

impl<'a, W: Write> PageExporter<'a, W> {
    /// An exporter for `run` (the eval's name is taken from `eval`, else from the run).
    pub fn new(
        run: &'a EvalRunResult,
        eval: Option<&'a Eval>,
        prompts: &'a [EvalPrompt],
        format: Format,
        out: W,
    ) -> std::io::Result<Self> {
        let eval_name = eval
            .or(run.evaluation.as_ref())
            .and_then(|e| e.name.as_deref());
        let name = run
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(eval_name)
            .unwrap_or(&run.eval_run_uuid);
        let mut writer = RowWriter::new(format, out)?;
        writer.header::<ResponseRow<'_>>()?;
        Ok(Self {
            run,
            eval_name,
            prompts: prompts
                .iter()
                .map(|p| (p.prompt_uuid.as_str(), p))
                .collect(),
            later: HashMap::new(),
            stats: StatsBuilder::new(&run.eval_run_uuid, &run.eval_uuid, name, eval_name),
            writer,
        })
    }

    /// Counts and writes one page of responses.
    pub fn add_page(&mut self, responses: Vec<ScoredResponse>) -> std::io::Result<()> {
        for r in &responses {
            let id = r.prompt_uuid.as_str();
            let prompt = self.prompts.get(id).copied().or_else(|| self.later.get(id));
            let row = ResponseRow::new(self.run, self.eval_name, prompt, r);
            self.stats.add(&row);
            self.writer.write(&row)?;
        }
        for p in responses.into_iter().filter_map(|r| r.next_prompt) {
            self.later.entry(p.prompt_uuid.clone()).or_insert(p);
        }
        Ok(())
    }

    /// Flushes the output and returns the statistics.
    pub fn finish(self) -> std::io::Result<Exported> {
        let rows = self.writer.finish()?;
        let (stats, categories) = self.stats.finish();
        Ok(Exported {
            stats,
            categories,
            rows,
        })
    }
}

/// Fetches run `eval_run_uuid`, its eval and prompts, then streams its scored responses page by
/// page into `out` in `format` while counting them. For runs too large to hold in a
/// [`super::RunResults`].
///
/// ```no_run
/// use aymara::results::{export::Format, stream::export_responses};
///
/// # async fn demo(client: aymara::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let out = std::io::BufWriter::new(std::fs::File::create("responses.jsonl")?);
/// let done = export_responses(&client, "score_run.123", Format::JsonLines, out).await?;
/// println!("{} rows, pass rate {:?}", done.rows, done.stats.counts.pass_rate);
/// # Ok(()) }
/// ```
pub async fn export_responses(
    client: &crate::Client,
    eval_run_uuid: impl Into<crate::EvalRunId>,
    format: Format,
    out: impl Write,
) -> Result<Exported, ExportError> {
    let eval_run_uuid = &eval_run_uuid.into();
    let (run, eval, prompts) = super::fetch::run_eval_prompts(client, eval_run_uuid).await?;
    let mut export = PageExporter::new(&run, eval.as_ref(), &prompts, format, out)?;
    // The stream is `Unpin`: no pinning needed.
    let mut pages = client
        .evals()
        .runs()
        .list_responses(eval_run_uuid)
        .prefetch(super::fetch::PREFETCH)
        .pages();
    while let Some(page) = pages.try_next().await? {
        export.add_page(page.items)?;
    }
    Ok(export.finish()?)
}

/// [`export_responses`] with the blocking client.
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub fn export_responses_blocking(
    client: &crate::blocking::Client,
    eval_run_uuid: impl Into<crate::EvalRunId>,
    format: Format,
    out: impl Write,
) -> Result<Exported, ExportError> {
    let eval_run_uuid = &eval_run_uuid.into();
    let (run, eval, prompts) = super::fetch::run_eval_prompts_blocking(client, eval_run_uuid)?;
    let mut export = PageExporter::new(&run, eval.as_ref(), &prompts, format, out)?;
    let pages = client
        .evals()
        .runs()
        .list_responses(eval_run_uuid)
        .prefetch(super::fetch::PREFETCH)
        .pages();
    for page in pages {
        export.add_page(page?.items)?;
    }
    Ok(export.finish()?)
}
