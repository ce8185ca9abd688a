//! A single self-contained HTML report (feature `html`): no network needed to view it.
//!
//! The page holds the runs' summary (statistics side by side and per category), the SVG charts
//! inline, the suite report's sections when given, and a table of every response (prompt,
//! answer, verdict, explanation, confidence) filterable by category and verdict.
//!
//! Server text is untrusted: static text is HTML-escaped, and the responses travel as JSON in a
//! `<script type="application/json">` element with `<`, `>` and `&` escaped as `\u003c`,
//! `\u003e`, `\u0026`, and are put on the page with `textContent` only. Repeated strings
//! (categories, explanations, answers) are stored once, which keeps a report of 100,000
//! responses to about the size of their distinct text. The table shows 1,000 matching rows at a
//! time ("Show more").
//!
//! ```no_run
//! # fn demo(results: &aymara::results::RunResults) -> std::io::Result<()> {
//! use aymara::results::html::HtmlReport;
//!
//! let file = std::io::BufWriter::new(std::fs::File::create("report.html")?);
//! HtmlReport::new(results).title("Nightly safety run").write_to(file)?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::io::{self, Write};

use super::RunResults;
use super::chart::{self, ChartOptions};
use super::rows::{ResponseRow, Verdict, report_rows};
use super::stats::{CategoryStats, Counts, RunStats};
use crate::types::EvalSuiteReport;

/// Builder of an HTML report over one or more runs.
#[derive(Clone, Debug)]
pub struct HtmlReport<'a> {
    runs: Vec<&'a RunResults>,
    suite: Option<&'a EvalSuiteReport>,
    title: Option<String>,
}

impl<'a> HtmlReport<'a> {
    /// A report of one run.
    pub fn new(results: &'a RunResults) -> Self {
        Self {
            runs: vec![results],
            suite: None,
            title: None,
        }
    }

    /// A report of several runs side by side (their responses in one table).
    pub fn of_runs(runs: impl IntoIterator<Item = &'a RunResults>) -> Self {
        Self {
            runs: runs.into_iter().collect(),
            suite: None,
            title: None,
        }
    }

    /// Adds a run to compare with.
    pub fn compare_with(mut self, other: &'a RunResults) -> Self {
        self.runs.push(other);
        self
    }

    /// Adds the sections of a suite report (`client.reports().get(..)`), split per category for
    /// accuracy evals.
    pub fn suite_report(mut self, report: &'a EvalSuiteReport) -> Self {
        self.suite = Some(report);
        self
    }

    /// Sets the page title (default: the first run's name).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Writes the page as a `String`.
    pub fn render(&self) -> io::Result<String> {
        let mut out = Vec::new();
        self.write_to(&mut out)?;
        String::from_utf8(out).map_err(io::Error::other)
    }

    /// Writes the page (UTF-8) to `out`; pass a `BufWriter` for files.
    pub fn write_to(&self, mut out: impl Write) -> io::Result<()> {
        let title = self
            .title
            .clone()
            .unwrap_or_else(|| match self.runs.first() {
                Some(r) => format!("Aymara eval run: {}", r.display_name()),
                None => "Aymara eval runs".to_owned(),
            });
        let stats: Vec<RunStats> = self.runs.iter().map(|r| r.stats()).collect();
        let categories: Vec<Vec<CategoryStats>> =
            self.runs.iter().map(|r| r.category_stats()).collect();

        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\
             <title>{}</title><style>/*<![CDATA[*/{CSS}/*]]>*/</style></head><body>\n<h1>{}</h1>\n",
            esc(&title),
            esc(&title)
        )?;
        self.write_summary(&mut out, &stats)?;
        self.write_charts(&mut out, &stats, &categories)?;
        self.write_categories(&mut out, &categories)?;
        if let Some(suite) = self.suite {
            write_suite(&mut out, suite)?;
        }
        self.write_table(&mut out, &stats)?;
        write!(
            out,
            "<script>//<![CDATA[\n{JS}\n//]]></script>\n</body></html>\n"
        )?;
        out.flush()
    }

    fn write_summary(&self, out: &mut impl Write, stats: &[RunStats]) -> io::Result<()> {
        out.write_all(b"<section id=\"summary\"><h2>Summary</h2><table class=\"stats\"><thead><tr><th>run</th><th>eval</th><th>status</th><th>created</th><th>responses</th><th>scored</th><th>passed</th><th>failed</th><th>pass rate</th><th>refused</th><th>refusal rate</th><th>excluded</th><th>unscored</th><th>mean confidence</th></tr></thead><tbody>\n")?;
        for (r, s) in self.runs.iter().zip(stats) {
            let eval = match (r.eval_name(), r.eval_type()) {
                (Some(n), Some(t)) => format!("{n} ({t})"),
                (Some(n), None) => n.to_owned(),
                (None, Some(t)) => t.to_owned(),
                (None, None) => r.run.eval_uuid.clone(),
            };
            write!(
                out,
                "<tr data-run=\"{}\"><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td>",
                esc(&r.run.eval_run_uuid),
                esc(&r.run.eval_run_uuid),
                esc(&s.name),
                esc(&eval),
                esc(&r.run.status.to_string()),
                r.run.created_at.format("%Y-%m-%d %H:%M UTC"),
            )?;
            let s = &s.counts;
            write_counts(out, s)?;
            writeln!(
                out,
                "<td class=\"n refused\">{}</td><td class=\"n\">{}</td><td class=\"n excluded\">{}</td><td class=\"n unscored\">{}</td><td class=\"n\">{}</td></tr>",
                s.refused,
                percent(s.refusal_rate),
                s.excluded,
                s.unscored,
                s.mean_confidence
                    .map_or_else(|| "n/a".to_owned(), |c| format!("{c:.2}")),
            )?;
        }
        out.write_all(b"</tbody></table></section>\n")
    }

    fn write_charts(
        &self,
        out: &mut impl Write,
        stats: &[RunStats],
        categories: &[Vec<CategoryStats>],
    ) -> io::Result<()> {
        out.write_all(b"<section id=\"charts\"><h2>Pass rates</h2><div class=\"charts\">\n")?;
        let by_run = chart::pass_rate_by_run(stats, &ChartOptions::default())?;
        writeln!(
            out,
            "<figure class=\"chart\" id=\"chart-runs\">{by_run}</figure>"
        )?;
        for (r, cats) in self.runs.iter().zip(categories) {
            let options = ChartOptions::default().title(format!(
                "Pass rate by prompt category: {}",
                r.display_name()
            ));
            let svg = chart::pass_rate_by_category(cats, &options)?;
            writeln!(out, "<figure class=\"chart\">{svg}</figure>")?;
        }
        out.write_all(b"</div></section>\n")
    }

    fn write_categories(
        &self,
        out: &mut impl Write,
        categories: &[Vec<CategoryStats>],
    ) -> io::Result<()> {
        out.write_all(b"<section id=\"categories\"><h2>By prompt category</h2><table class=\"stats\"><thead><tr><th>run</th><th>category</th><th>responses</th><th>scored</th><th>passed</th><th>failed</th><th>pass rate</th><th>refused</th><th>excluded</th><th>unscored</th></tr></thead><tbody>\n")?;
        for (r, cats) in self.runs.iter().zip(categories) {
            for c in cats {
                write!(
                    out,
                    "<tr><td>{}</td><td>{}</td>",
                    esc(r.display_name()),
                    esc(&c.category)
                )?;
                let c = &c.counts;
                write_counts(out, c)?;
                writeln!(
                    out,
                    "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    c.refused, c.excluded, c.unscored
                )?;
            }
        }
        out.write_all(b"</tbody></table></section>\n")
    }

    fn write_table(&self, out: &mut impl Write, stats: &[RunStats]) -> io::Result<()> {
        // Intern every string once; rows refer to them by index.
        let mut strings = Interner::default();
        let mut rows: Vec<[u32; 7]> = Vec::new();
        let mut categories: Vec<u32> = Vec::new();
        for r in &self.runs {
            let run = strings.id(r.display_name());
            for row in r.response_rows() {
                let category =
                    strings.id(row.prompt_category.unwrap_or(super::stats::UNCATEGORIZED));
                if !categories.contains(&category) {
                    categories.push(category);
                }
                rows.push([
                    run,
                    category,
                    verdict_code(row.verdict()),
                    strings.id(row.prompt_content.unwrap_or(row.prompt_uuid)),
                    strings.id(&answer(&row)),
                    strings.id(row.explanation.unwrap_or("")),
                    row.confidence
                        .filter(|c| c.is_finite())
                        .map_or(u32::MAX, |c| (c.clamp(0.0, 1.0) * 1000.0).round() as u32),
                ]);
            }
        }
        let total: u64 = stats.iter().map(|s| s.counts.responses).sum();
        write!(
            out,
            "<section id=\"responses\"><h2>Responses</h2>\n<div class=\"filters\">\
             <label>Category <select id=\"f-category\"><option value=\"\">all</option>"
        )?;
        for c in &categories {
            let name = strings.get(*c);
            write!(
                out,
                "<option value=\"{}\">{}</option>",
                esc(name),
                esc(name)
            )?;
        }
        write!(
            out,
            "</select></label> <label>Verdict <select id=\"f-verdict\"><option value=\"\">all</option>\
             <option value=\"0\">passed</option><option value=\"1\">failed</option>\
             <option value=\"2\">excluded</option><option value=\"3\">unscored</option></select></label> \
             <span id=\"count\">{total} responses</span></div>\n\
             <noscript><p>Turn on JavaScript to see the responses, or export them as CSV or JSON \
             Lines with aymara::results::export.</p></noscript>\n\
             <table id=\"table\" data-responses=\"{total}\"><thead><tr>{}<th>category</th><th>prompt</th>\
             <th>answer</th><th>verdict</th><th>explanation</th><th>confidence</th></tr></thead>\
             <tbody id=\"rows\"></tbody></table>\n<p><button id=\"more\" type=\"button\">Show more</button></p></section>\n",
            if self.runs.len() > 1 {
                "<th>run</th>"
            } else {
                ""
            }
        )?;
        out.write_all(b"<script type=\"application/json\" id=\"data\">")?;
        let mut json = ScriptSafe(&mut *out);
        write!(json, "{{\"multi\":{},\"s\":", self.runs.len() > 1)?;
        serde_json::to_writer(&mut json, &strings.list)?;
        json.write_all(b",\"r\":[")?;
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                json.write_all(b",")?;
            }
            serde_json::to_writer(&mut json, row)?;
        }
        json.write_all(b"]}")?;
        out.write_all(b"</script>\n")
    }
}

fn write_counts(out: &mut impl Write, c: &Counts) -> io::Result<()> {
    write!(
        out,
        "<td class=\"n responses\">{}</td><td class=\"n scored\">{}</td>\
         <td class=\"n passed\">{}</td><td class=\"n failed\">{}</td>\
         <td class=\"n rate\">{}</td>",
        c.responses,
        c.scored,
        c.passed,
        c.failed,
        percent(c.pass_rate)
    )
}

fn write_suite(out: &mut impl Write, suite: &EvalSuiteReport) -> io::Result<()> {
    out.write_all(b"<section id=\"report\"><h2>Report</h2><table class=\"report\"><thead><tr><th>eval</th><th>category</th><th>passing responses</th><th>failing responses</th><th>advice</th></tr></thead><tbody>\n")?;
    for r in report_rows(suite) {
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(r.eval_name.unwrap_or("")),
            esc(r.prompt_category.unwrap_or("")),
            esc(r.passing_responses_summary),
            esc(r.failing_responses_summary),
            esc(r.improvement_advice)
        )?;
    }
    out.write_all(b"</tbody></table></section>\n")
}

fn verdict_code(v: Verdict) -> u32 {
    match v {
        Verdict::Passed => 0,
        Verdict::Failed => 1,
        Verdict::Excluded => 2,
        Verdict::Unscored => 3,
    }
}

/// What the answer cell shows.
fn answer(row: &ResponseRow<'_>) -> String {
    match (row.response_content, row.response_is_file, row.ai_refused) {
        (Some(file), true, _) => format!("[file] {file}"),
        (Some(text), false, _) => text.to_owned(),
        (None, _, true) => "(refused)".to_owned(),
        (None, _, false) => "(no answer)".to_owned(),
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.filter(|r| r.is_finite())
        .map_or_else(|| "n/a".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// HTML-escapes text for element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Distinct strings, each with an index.
#[derive(Default)]
struct Interner {
    list: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }

    fn get(&self, id: u32) -> &str {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.list.get(i))
            .map_or("", String::as_str)
    }
}

/// Escapes `<`, `>` and `&` as JSON `\u` escapes, so JSON inside `<script>` cannot close the
/// element or start markup (they only occur inside JSON strings, where the escape is exact).
struct ScriptSafe<W>(W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, b) in buf.iter().enumerate() {
            let escaped: &[u8] = match b {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                _ => continue,
            };
            self.0.write_all(buf.get(start..i).unwrap_or_default())?;
            self.0.write_all(escaped)?;
            start = i.saturating_add(1);
        }
        self.0.write_all(buf.get(start..).unwrap_or_default())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#1b1f24;background:#fafafa}\
h1{font-size:22px;margin:0 0 16px}h2{font-size:17px;margin:28px 0 10px}\
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #d8dee4;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#f0f3f6;font-weight:600;position:sticky;top:0}td.n{text-align:right;white-space:nowrap}\
table.stats{width:auto}.charts{display:flex;flex-wrap:wrap;gap:16px}figure.chart{margin:0;background:#fff;border:1px solid #d8dee4}\
.filters{margin:0 0 10px;display:flex;gap:16px;align-items:center}#count{color:#57606a}\
#table td:nth-last-child(3){font-weight:600}tr.v0 td:nth-last-child(3){color:#1a7f37}tr.v1 td:nth-last-child(3){color:#cf222e}\
tr.v1{background:#fff5f5}tr.v2 td:nth-last-child(3),tr.v3 td:nth-last-child(3){color:#6e7781}\
#table td{max-width:420px;overflow-wrap:anywhere}#table td:nth-last-child(3){white-space:nowrap}button{padding:4px 12px}";

const JS: &str = r#"(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var S = data.s, R = data.r, V = ['passed', 'failed', 'excluded', 'unscored'];
  var cat = document.getElementById('f-category'), ver = document.getElementById('f-verdict');
  var body = document.getElementById('rows'), more = document.getElementById('more');
  var count = document.getElementById('count');
  var PAGE = 1000, matching = [], shown = 0;
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text; tr.appendChild(td); }
  function showMore() {
    var end = Math.min(shown + PAGE, matching.length), frag = document.createDocumentFragment();
    for (; shown < end; shown++) {
      var r = R[matching[shown]], tr = document.createElement('tr');
      tr.className = 'v' + r[2];
      if (data.multi) cell(tr, S[r[0]]);
      cell(tr, S[r[1]]); cell(tr, S[r[3]]); cell(tr, S[r[4]]); cell(tr, V[r[2]]); cell(tr, S[r[5]]);
      cell(tr, r[6] > 1000 ? '' : (r[6] / 1000).toFixed(2));
      frag.appendChild(tr);
    }
    body.appendChild(frag);
    more.hidden = shown >= matching.length;
    count.textContent = 'Showing ' + shown + ' of ' + matching.length + ' matching responses (' + R.length + ' in all)';
  }
  function apply() {
    var c = cat.value, v = ver.value;
    matching = [];
    for (var i = 0; i < R.length; i++) {
      if (c !== '' && S[R[i][1]] !== c) continue;
      if (v !== '' && String(R[i][2]) !== v) continue;
      matching.push(i);
    }
    body.textContent = ''; shown = 0; showMore();
  }
  cat.addEventListener('change', apply); ver.addEventListener('change', apply);
  more.addEventListener('click', showMore);
  apply();
})();"#;
