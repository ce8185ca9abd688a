//! Streaming exports: JSON Lines (always) and CSV (feature `csv`), one row at a time to any
//! [`Write`], so a run with 100,000 responses never holds its text twice.
//!
//! Pass a buffered writer (`std::io::BufWriter`) for files; both functions flush it at the end
//! and return the number of rows written.

use std::io::Write;

use super::rows::Row;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per line.
    JsonLines,
    /// CSV with a header row (feature `csv`).
    #[cfg(feature = "csv")]
    #[cfg_attr(docsrs, doc(cfg(feature = "csv")))]
    Csv,
}

/// Writes rows one at a time in a [`Format`] (what [`write_jsonl`] and [`write_csv`] use; use it
/// directly when rows arrive page by page).
///
/// ```
/// use aymara::results::RunStats;
/// use aymara::results::export::{Format, RowWriter};
///
/// let stats = RunStats::from_rows("score_run.1", "test.1", "run", None, std::iter::empty());
/// let mut w = RowWriter::new(Format::JsonLines, Vec::new())?;
/// w.write(&stats)?;
/// assert_eq!(w.finish()?, 1);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct RowWriter<W: Write> {
    sink: Sink<W>,
    rows: u64,
}

enum Sink<W: Write> {
    Json(W),
    #[cfg(feature = "csv")]
    Csv(Box<csv::Writer<W>>, bool),
}

impl<W: Write> RowWriter<W> {
    /// A writer of `format` into `out` (pass a `BufWriter` for files).
    pub fn new(format: Format, out: W) -> std::io::Result<Self> {
        let sink = match format {
            Format::JsonLines => Sink::Json(out),
            #[cfg(feature = "csv")]
            Format::Csv => Sink::Csv(
                Box::new(
                    csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(out),
                ),
                false,
            ),
        };
        Ok(Self { sink, rows: 0 })
    }

    /// Writes the CSV header of `T` now, if not yet written (JSON Lines has none).
    pub fn header<T: Row>(&mut self) -> std::io::Result<()> {
        #[cfg(feature = "csv")]
        if let Sink::Csv(w, header) = &mut self.sink
            && !*header
        {
            w.write_record(T::COLUMNS)?;
            *header = true;
        }
        Ok(())
    }

    /// Writes one row (a CSV header of [`Row::COLUMNS`] goes before the first).
    pub fn write<T: Row>(&mut self, row: &T) -> std::io::Result<()> {
        self.header::<T>()?;
        match &mut self.sink {
            Sink::Json(out) => {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
            }
            #[cfg(feature = "csv")]
            Sink::Csv(w, _) => w.serialize(row)?,
        }
        self.rows = self.rows.saturating_add(1);
        Ok(())
    }

    /// Flushes and returns the number of rows written.
    pub fn finish(self) -> std::io::Result<u64> {
        match self.sink {
            Sink::Json(mut out) => out.flush()?,
            #[cfg(feature = "csv")]
            Sink::Csv(mut w, _) => w.flush()?,
        }
        Ok(self.rows)
    }
}

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
pub fn write_jsonl<T: Row>(
    rows: impl IntoIterator<Item = T>,
    out: impl Write,
) -> std::io::Result<u64> {
    let mut w = RowWriter::new(Format::JsonLines, out)?;
    for row in rows {
        w.write(&row)?;
    }
    w.finish()
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
    let mut w = RowWriter::new(Format::Csv, out)?;
    w.header::<T>()?;
    for row in rows {
        w.write(&row)?;
    }
    w.finish()
}
