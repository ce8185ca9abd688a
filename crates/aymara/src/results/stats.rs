//! Pass statistics per run and per prompt category.
//!
//! Definitions (every rate is `None` when its denominator is zero, never NaN):
//! - a response is *excluded* when `exclude_from_scoring` is true, *unscored* when it is not
//!   excluded and has no verdict, *scored* otherwise;
//! - pass rate = passed ÷ scored; pass total = passed;
//! - refusal rate = refused ÷ (responses − excluded), refusals counted among responses that are
//!   not excluded;
//! - mean confidence: over scored responses with a finite confidence.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::rows::{ResponseRow, Row, Verdict};

/// The category of responses whose prompt has none.
pub const UNCATEGORIZED: &str = "uncategorized";

/// Counts over a set of responses (saturating; never panics).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Tally {
    responses: u64,
    scored: u64,
    passed: u64,
    refused: u64,
    excluded: u64,
    unscored: u64,
    confidence_sum: f64,
    confidence_n: u64,
}

impl Tally {
    fn add(&mut self, row: &ResponseRow<'_>) {
        let inc = |n: &mut u64| *n = n.saturating_add(1);
        inc(&mut self.responses);
        let verdict = row.verdict();
        match verdict {
            Verdict::Excluded => inc(&mut self.excluded),
            Verdict::Unscored => inc(&mut self.unscored),
            Verdict::Passed | Verdict::Failed => inc(&mut self.scored),
        }
        if verdict == Verdict::Passed {
            inc(&mut self.passed);
        }
        if row.ai_refused && verdict != Verdict::Excluded {
            inc(&mut self.refused);
        }
        if matches!(verdict, Verdict::Passed | Verdict::Failed)
            && let Some(c) = row.confidence.filter(|c| c.is_finite())
        {
            self.confidence_sum += c;
            inc(&mut self.confidence_n);
        }
    }

    fn failed(&self) -> u64 {
        self.scored.saturating_sub(self.passed)
    }

    fn pass_rate(&self) -> Option<f64> {
        ratio(self.passed, self.scored)
    }

    fn refusal_rate(&self) -> Option<f64> {
        ratio(self.refused, self.responses.saturating_sub(self.excluded))
    }

    fn mean_confidence(&self) -> Option<f64> {
        (self.confidence_n > 0)
            .then(|| self.confidence_sum / self.confidence_n as f64)
            .filter(|m| m.is_finite())
    }
}

/// `n ÷ d`, or `None` when `d` is 0.
fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// Counts and rates over a set of responses (see the module docs for the definitions).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Counts {
    /// Responses.
    pub responses: u64,
    /// Responses with a verdict, not excluded.
    pub scored: u64,
    /// Scored responses that passed (the pass total).
    pub passed: u64,
    /// Scored responses that failed.
    pub failed: u64,
    /// Responses (not excluded) in which the AI refused.
    pub refused: u64,
    /// Responses excluded from scoring.
    pub excluded: u64,
    /// Responses not excluded and without a verdict.
    pub unscored: u64,
    /// passed ÷ scored (`None` if nothing was scored).
    pub pass_rate: Option<f64>,
    /// refused ÷ (responses − excluded) (`None` if every response was excluded).
    pub refusal_rate: Option<f64>,
    /// Mean confidence of the scored responses that have one.
    pub mean_confidence: Option<f64>,
}

impl From<Tally> for Counts {
    fn from(t: Tally) -> Self {
        Self {
            responses: t.responses,
            scored: t.scored,
            passed: t.passed,
            failed: t.failed(),
            refused: t.refused,
            excluded: t.excluded,
            unscored: t.unscored,
            pass_rate: t.pass_rate(),
            refusal_rate: t.refusal_rate(),
            mean_confidence: t.mean_confidence(),
        }
    }
}

impl Counts {
    /// Writes the counts as fields of an enclosing flat record (CSV needs flat records, so no
    /// `#[serde(flatten)]`, which goes through a map).
    fn serialize_fields<S: SerializeStruct>(&self, st: &mut S) -> Result<(), S::Error> {
        st.serialize_field("responses", &self.responses)?;
        st.serialize_field("scored", &self.scored)?;
        st.serialize_field("passed", &self.passed)?;
        st.serialize_field("failed", &self.failed)?;
        st.serialize_field("refused", &self.refused)?;
        st.serialize_field("excluded", &self.excluded)?;
        st.serialize_field("unscored", &self.unscored)?;
        st.serialize_field("pass_rate", &self.pass_rate)?;
        st.serialize_field("refusal_rate", &self.refusal_rate)?;
        st.serialize_field("mean_confidence", &self.mean_confidence)
    }
}

/// The column names of a stats record: its own, then those of [`Counts`].
macro_rules! stats_columns {
    ($($own:literal),*) => {
        &[$($own,)* "responses", "scored", "passed", "failed", "refused", "excluded", "unscored",
          "pass_rate", "refusal_rate", "mean_confidence"]
    };
}

/// Pass statistics of one run. Compare several runs with a `Vec<RunStats>` (one
/// [`super::RunResults::stats`] per run).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RunStats {
    /// The run's id.
    pub eval_run_uuid: String,
    /// The eval's id.
    pub eval_uuid: String,
    /// The name to show: the run's, else the eval's, else the run's id.
    pub name: String,
    /// The eval's name, when known.
    pub eval_name: Option<String>,
    /// Counts and rates over the run's responses.
    pub counts: Counts,
}

impl RunStats {
    /// Statistics of a run from its response rows.
    ///
    /// ```
    /// use aymara::results::RunStats;
    ///
    /// let none = RunStats::from_rows("score_run.1", "test.1", "run", None, std::iter::empty());
    /// let c = none.counts;
    /// assert_eq!((c.responses, c.pass_rate, c.refusal_rate), (0, None, None));
    /// ```
    pub fn from_rows<'a>(
        eval_run_uuid: &str,
        eval_uuid: &str,
        name: &str,
        eval_name: Option<&str>,
        rows: impl IntoIterator<Item = ResponseRow<'a>>,
    ) -> Self {
        let mut b = StatsBuilder::new(eval_run_uuid, eval_uuid, name, eval_name);
        for row in rows {
            b.add(&row);
        }
        b.finish().0
    }
}

impl Serialize for RunStats {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut st = serializer.serialize_struct("RunStats", Self::COLUMNS.len())?;
        st.serialize_field("eval_run_uuid", &self.eval_run_uuid)?;
        st.serialize_field("eval_uuid", &self.eval_uuid)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("eval_name", &self.eval_name)?;
        self.counts.serialize_fields(&mut st)?;
        st.end()
    }
}

impl Row for RunStats {
    const COLUMNS: &'static [&'static str] =
        stats_columns!("eval_run_uuid", "eval_uuid", "name", "eval_name");
}

/// Pass statistics of one prompt category within a run.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CategoryStats {
    /// The run's id.
    pub eval_run_uuid: String,
    /// The category ([`UNCATEGORIZED`] for prompts without one).
    pub category: String,
    /// Counts and rates over the category's responses.
    pub counts: Counts,
}

impl CategoryStats {
    /// Statistics per prompt category, categories in order of first appearance.
    ///
    /// ```
    /// use aymara::results::CategoryStats;
    ///
    /// assert!(CategoryStats::from_rows("score_run.1", std::iter::empty()).is_empty());
    /// ```
    pub fn from_rows<'a>(
        eval_run_uuid: &str,
        rows: impl IntoIterator<Item = ResponseRow<'a>>,
    ) -> Vec<Self> {
        let mut b = StatsBuilder::new(eval_run_uuid, "", "", None);
        for row in rows {
            b.add(&row);
        }
        b.finish().1
    }
}

/// Run and category statistics built one row at a time (for rows streamed page by page; the
/// `from_rows` constructors use it too).
///
/// ```
/// use aymara::results::stats::StatsBuilder;
///
/// let b = StatsBuilder::new("score_run.1", "test.1", "nightly", Some("safety"));
/// let (run, categories) = b.finish();
/// assert_eq!((run.counts.responses, categories.len()), (0, 0));
/// ```
#[derive(Clone, Debug)]
pub struct StatsBuilder {
    run: RunStats,
    tally: Tally,
    categories: Vec<(String, Tally)>,
    index: std::collections::HashMap<String, usize>,
}

impl StatsBuilder {
    /// An empty builder for a run.
    pub fn new(eval_run_uuid: &str, eval_uuid: &str, name: &str, eval_name: Option<&str>) -> Self {
        Self {
            run: RunStats {
                eval_run_uuid: eval_run_uuid.to_owned(),
                eval_uuid: eval_uuid.to_owned(),
                name: name.to_owned(),
                eval_name: eval_name.map(str::to_owned),
                counts: Counts::default(),
            },
            tally: Tally::default(),
            categories: Vec::new(),
            index: Default::default(),
        }
    }

    /// Counts one response.
    pub fn add(&mut self, row: &ResponseRow<'_>) {
        self.tally.add(row);
        let category = row.prompt_category.unwrap_or(UNCATEGORIZED);
        let slot = match self.index.get(category) {
            Some(slot) => *slot,
            None => {
                let slot = self.categories.len();
                self.categories
                    .push((category.to_owned(), Tally::default()));
                self.index.insert(category.to_owned(), slot);
                slot
            }
        };
        if let Some((_, tally)) = self.categories.get_mut(slot) {
            tally.add(row);
        }
    }

    /// The run's statistics and its categories' (in order of first appearance).
    pub fn finish(self) -> (RunStats, Vec<CategoryStats>) {
        let run_uuid = &self.run.eval_run_uuid;
        let categories = self
            .categories
            .into_iter()
            .map(|(category, t)| CategoryStats {
                eval_run_uuid: run_uuid.clone(),
                category,
                counts: t.into(),
            })
            .collect();
        let run = RunStats {
            counts: self.tally.into(),
            ..self.run
        };
        (run, categories)
    }
}

impl Serialize for CategoryStats {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut st = serializer.serialize_struct("CategoryStats", Self::COLUMNS.len())?;
        st.serialize_field("eval_run_uuid", &self.eval_run_uuid)?;
        st.serialize_field("category", &self.category)?;
        self.counts.serialize_fields(&mut st)?;
        st.end()
    }
}

impl Row for CategoryStats {
    const COLUMNS: &'static [&'static str] = stats_columns!("eval_run_uuid", "category");
}
