//! Streaming exports: JSON Lines (always) and CSV (feature `csv`), one row at a time to any
//! [`Write`], so a run with 100,000 responses never holds its text twice.
//!
//! Pass a buffered writer (`std::io::BufWriter`) for files; both functions flush it at the end
//! and return the number of rows written.

use std::io::Write;

use serde::Serialize;

use super::rows::Row;

/// Writes one JSON object per line (JSON Lines). `None` becomes `null`; a non-finite
/// confidence becomes `null` too.
///
/// ```
/// use aymara::results::{RunStats, export::write_jsonl};
///
/// let stats = RunStats::from_rows("score_run.1", "test.1", "run", None, std::iter::empty());
/// let mut out = Vec::new();
/// assert_eq!(write_jsonl([&stats], &mut out)?, 1);
/// assert!(out.starts_with(b"{\"eval_run_uuid\":\"score_run.1\""));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_jsonl<T: Serialize>(
    rows: impl IntoIterator<Item = T>,
    mut out: impl Write,
) -> std::io::Result<u64> {
    let mut n: u64 = 0;
    for row in rows {
        serde_json::to_writer(&mut out, &row)?;
        out.write_all(b"\n")?;
        n = n.saturating_add(1);
    }
    out.flush()?;
    Ok(n)
}

/// Writes a CSV file: a header of [`Row::COLUMNS`] (written even when there are no rows), then
/// one record per row. `None` is an empty field, booleans are `true`/`false`.
///
/// ```
/// # fn demo(results: &aymara::results::RunResults) -> std::io::Result<()> {
/// let file = std::io::BufWriter::new(std::fs::File::create("responses.csv")?);
/// let rows = aymara::results::export::write_csv(results.response_rows(), file)?;
/// println!("{rows} rows");
/// # Ok(()) }
/// ```
#[cfg(feature = "csv")]
#[cfg_attr(docsrs, doc(cfg(feature = "csv")))]
pub fn write_csv<T: Row>(
    rows: impl IntoIterator<Item = T>,
    out: impl Write,
) -> std::io::Result<u64> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    w.write_record(T::COLUMNS)?;
    let mut n: u64 = 0;
    for row in rows {
        w.serialize(row)?;
        n = n.saturating_add(1);
    }
    w.flush()?;
    Ok(n)
}

impl<T: Row> Row for &T {
    const COLUMNS: &'static [&'static str] = T::COLUMNS;
}
