//! Typed rows: prompts, scored responses and report sections.
//!
//! Rows borrow their text from the API values they were built from (no copies), serialize with
//! serde (one flat record each, so they export as CSV and JSON Lines) and list their columns in
//! [`Row::COLUMNS`].

use serde::Serialize;

use crate::types::{EvalPrompt, EvalRunResult, EvalSuiteReport, ResponseContent, ScoredResponse};

/// A flat row type: its column names, in the order serde writes its fields.
pub trait Row: Serialize {
    /// Column names, in field order.
    const COLUMNS: &'static [&'static str];
}

impl<T: Row> Row for &T {
    const COLUMNS: &'static [&'static str] = T::COLUMNS;
}

/// One prompt of an eval.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct PromptRow<'a> {
    /// The eval's id.
    pub eval_uuid: &'a str,
    /// The eval's name, when known.
    pub eval_name: Option<&'a str>,
    /// The prompt's id.
    pub prompt_uuid: &'a str,
    /// The prompt's text.
    pub prompt_content: &'a str,
    /// The prompt's category, when the server gave one.
    pub prompt_category: Option<&'a str>,
}

impl<'a> PromptRow<'a> {
    /// The row of `prompt` in the eval `eval_uuid`.
    pub fn new(eval_uuid: &'a str, eval_name: Option<&'a str>, prompt: &'a EvalPrompt) -> Self {
        Self {
            eval_uuid,
            eval_name,
            prompt_uuid: &prompt.prompt_uuid,
            prompt_content: &prompt.content,
            prompt_category: prompt.category.as_deref(),
        }
    }
}

impl Row for PromptRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "eval_uuid",
        "eval_name",
        "prompt_uuid",
        "prompt_content",
        "prompt_category",
    ];
}

/// A response's verdict, as one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Scored and passed.
    Passed,
    /// Scored and failed.
    Failed,
    /// Excluded from scoring (whatever verdict it carries).
    Excluded,
    /// Not scored (yet): no verdict.
    Unscored,
}

impl Verdict {
    /// `passed`, `failed`, `excluded` or `unscored`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Excluded => "excluded",
            Self::Unscored => "unscored",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One scored response, joined to its prompt.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ResponseRow<'a> {
    /// The run's id.
    pub eval_run_uuid: &'a str,
    /// The eval's id.
    pub eval_uuid: &'a str,
    /// The eval's name, when known.
    pub eval_name: Option<&'a str>,
    /// The prompt's id.
    pub prompt_uuid: &'a str,
    /// The prompt's text (`None` if the prompt is not among the eval's prompts).
    pub prompt_content: Option<&'a str>,
    /// The prompt's category, when known.
    pub prompt_category: Option<&'a str>,
    /// The response's id.
    pub response_uuid: Option<&'a str>,
    /// The answer: its text, or for a file its URL (else its file id).
    pub response_content: Option<&'a str>,
    /// Whether the answer is a file reference (image, video) rather than text.
    pub response_is_file: bool,
    /// The verdict (`None`: not scored).
    pub is_passed: Option<bool>,
    /// Whether the AI refused to answer.
    pub ai_refused: bool,
    /// Whether the response was excluded from scoring.
    pub exclude_from_scoring: bool,
    /// The scorer's explanation.
    pub explanation: Option<&'a str>,
    /// The scorer's confidence (0–1), when given.
    pub confidence: Option<f64>,
    /// Turn number in a multi-turn thread, when given.
    pub turn_number: Option<i64>,
}

impl<'a> ResponseRow<'a> {
    /// The row of `response` in `run`, joined to `prompt` (the caller matched it by id).
    pub fn new(
        run: &'a EvalRunResult,
        eval_name: Option<&'a str>,
        prompt: Option<&'a EvalPrompt>,
        response: &'a ScoredResponse,
    ) -> Self {
        let (response_content, response_is_file) = match &response.content {
            Some(ResponseContent::String(text)) => (Some(text.as_str()), false),
            Some(ResponseContent::FileReference(f)) => (
                f.remote_file_path.as_deref().or(f.file_uuid.as_deref()),
                true,
            ),
            None => (None, false),
        };
        Self {
            eval_run_uuid: &run.eval_run_uuid,
            eval_uuid: &run.eval_uuid,
            eval_name,
            prompt_uuid: &response.prompt_uuid,
            prompt_content: prompt.map(|p| p.content.as_str()),
            prompt_category: prompt.and_then(|p| p.category.as_deref()),
            response_uuid: response.response_uuid.as_deref(),
            response_content,
            response_is_file,
            is_passed: response.is_passed,
            ai_refused: response.ai_refused == Some(true),
            exclude_from_scoring: response.exclude_from_scoring == Some(true),
            explanation: response.explanation.as_deref(),
            confidence: response.confidence,
            turn_number: response.turn_number,
        }
    }

    /// The verdict as one value: excluded first, then passed / failed, else unscored.
    pub fn verdict(&self) -> Verdict {
        match (self.exclude_from_scoring, self.is_passed) {
            (true, _) => Verdict::Excluded,
            (false, Some(true)) => Verdict::Passed,
            (false, Some(false)) => Verdict::Failed,
            (false, None) => Verdict::Unscored,
        }
    }
}

impl Row for ResponseRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "eval_run_uuid",
        "eval_uuid",
        "eval_name",
        "prompt_uuid",
        "prompt_content",
        "prompt_category",
        "response_uuid",
        "response_content",
        "response_is_file",
        "is_passed",
        "ai_refused",
        "exclude_from_scoring",
        "explanation",
        "confidence",
        "turn_number",
    ];
}

/// One section of a suite report: a run (or, for accuracy evals, one prompt category of a
/// run), or the overall summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReportRow<'a> {
    /// The run's id (`None` for the overall row).
    pub eval_run_uuid: Option<&'a str>,
    /// The eval's name (else the run's name; `Overall` for the overall row).
    pub eval_name: Option<&'a str>,
    /// The prompt category of this section (accuracy evals only).
    pub prompt_category: Option<&'a str>,
    /// What the passing responses had in common.
    pub passing_responses_summary: &'a str,
    /// What the failing responses had in common.
    pub failing_responses_summary: &'a str,
    /// How to improve.
    pub improvement_advice: &'a str,
}

impl Row for ReportRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "eval_run_uuid",
        "eval_name",
        "prompt_category",
        "passing_responses_summary",
        "failing_responses_summary",
        "improvement_advice",
    ];
}

/// The eval name of the overall row of [`report_rows`].
pub const OVERALL: &str = "Overall";

/// The sections of a suite report, one row per run; for accuracy evals, whose summaries are
/// tagged per category (`<easy>…</easy><obscure>…</obscure>`), one row per category of each
/// run (categories in order of first appearance in the passing, then the failing summary).
/// An overall row ends the list when the report has overall summaries.
///
/// An accuracy summary without any tag keeps one row for its run, and untagged advice is
/// repeated on each category's row (the Python helper drops both).
///
/// ```
/// # fn demo(report: aymara::types::EvalSuiteReport) {
/// for row in aymara::results::report_rows(&report) {
///     println!("{:?} {:?}: {}", row.eval_name, row.prompt_category, row.failing_responses_summary);
/// }
/// # }
/// ```
pub fn report_rows<'a>(report: &'a EvalSuiteReport) -> Vec<ReportRow<'a>> {
    let mut rows = Vec::new();
    for r in &report.eval_run_reports {
        let eval = r.eval_run.evaluation.as_ref();
        let eval_name = eval
            .and_then(|e| e.name.as_deref())
            .or(r.eval_run.name.as_deref());
        let whole = ReportRow {
            eval_run_uuid: Some(&r.eval_run_uuid),
            eval_name,
            prompt_category: None,
            passing_responses_summary: &r.passing_responses_summary,
            failing_responses_summary: &r.failing_responses_summary,
            improvement_advice: &r.improvement_advice,
        };
        if eval.is_none_or(|e| e.eval_type != "accuracy") {
            rows.push(whole);
            continue;
        }
        let passing = tagged_sections(&r.passing_responses_summary);
        let failing = tagged_sections(&r.failing_responses_summary);
        let advice = tagged_sections(&r.improvement_advice);
        let mut categories: Vec<&str> = Vec::new();
        for (tag, _) in passing.iter().chain(&failing) {
            if !categories.contains(tag) {
                categories.push(*tag);
            }
        }
        if categories.is_empty() {
            rows.push(whole);
            continue;
        }
        let find = |sections: &[(&'a str, &'a str)], tag: &str| -> &'a str {
            sections
                .iter()
                .find(|(t, _)| *t == tag)
                .map_or("", |(_, body)| body)
        };
        for tag in categories {
            rows.push(ReportRow {
                prompt_category: Some(tag),
                passing_responses_summary: find(&passing, tag),
                failing_responses_summary: find(&failing, tag),
                // Untagged advice is about the whole run: keep it on every category's row.
                improvement_advice: if advice.is_empty() {
                    r.improvement_advice.trim()
                } else {
                    find(&advice, tag)
                },
                ..whole.clone()
            });
        }
    }
    if report.overall_passing_responses_summary.is_some()
        || report.overall_failing_responses_summary.is_some()
    {
        rows.push(ReportRow {
            eval_run_uuid: None,
            eval_name: Some(OVERALL),
            prompt_category: None,
            passing_responses_summary: report
                .overall_passing_responses_summary
                .as_deref()
                .unwrap_or(""),
            failing_responses_summary: report
                .overall_failing_responses_summary
                .as_deref()
                .unwrap_or(""),
            improvement_advice: report.overall_improvement_advice.as_deref().unwrap_or(""),
        });
    }
    rows
}

/// `<tag>body</tag>` sections of `text`, in order, bodies trimmed. A tag is a run of letters,
/// digits and `_`; text outside sections and unclosed tags are skipped.
fn tagged_sections(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((_, after_lt)) = rest.split_once('<') {
        rest = after_lt;
        let Some((tag, after_open)) = after_lt.split_once('>') else {
            break;
        };
        if tag.is_empty() || !tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let close = format!("</{tag}>");
        if let Some((body, after_close)) = after_open.split_once(close.as_str()) {
            out.push((tag, body.trim()));
            rest = after_close;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tagged_sections;

    #[test]
    fn sections_are_split_by_tag() {
        let s = "intro <easy> a </easy><obscure>b <i>x</i></obscure> <open>never closed";
        assert_eq!(
            tagged_sections(s),
            vec![("easy", "a"), ("obscure", "b <i>x</i>")]
        );
        assert!(tagged_sections("no tags < here > </x>").is_empty());
        assert!(tagged_sections("").is_empty());
    }
}
