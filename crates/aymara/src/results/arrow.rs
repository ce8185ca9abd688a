//! Rows as an Arrow `RecordBatch` (feature `arrow`), for analysis in Rust (DataFusion, Polars
//! through Arrow, Parquet writers…). Only `arrow-array` and `arrow-schema` are used.
//!
//! ```
//! # fn demo(results: &aymara::results::RunResults) -> Result<(), aymara::results::arrow::ArrowError> {
//! let batch = aymara::results::arrow::responses_batch(results.response_rows())?;
//! println!("{} rows, {} columns", batch.num_rows(), batch.num_columns());
//! # Ok(()) }
//! ```

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_schema::{DataType, Field};

/// Re-exported so that your code uses the same Arrow version as this crate.
pub use arrow_array::RecordBatch;
/// Re-exported so that your code uses the same Arrow version as this crate.
pub use arrow_schema::{ArrowError, Schema};

use super::rows::{ResponseRow, Row};

/// The schema of [`responses_batch`]: the columns of [`ResponseRow`] (strings are `Utf8`,
/// flags `Boolean`, `confidence` `Float64`, `turn_number` `Int64`; nullable where the row's
/// field is an `Option`).
pub fn responses_schema() -> Schema {
    let utf8 = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Schema::new(vec![
        utf8("eval_run_uuid", false),
        utf8("eval_uuid", false),
        utf8("eval_name", true),
        utf8("prompt_uuid", false),
        utf8("prompt_content", true),
        utf8("prompt_category", true),
        utf8("response_uuid", true),
        utf8("response_content", true),
        Field::new("response_is_file", DataType::Boolean, false),
        Field::new("is_passed", DataType::Boolean, true),
        Field::new("ai_refused", DataType::Boolean, false),
        Field::new("exclude_from_scoring", DataType::Boolean, false),
        utf8("explanation", true),
        Field::new("confidence", DataType::Float64, true),
        Field::new("turn_number", DataType::Int64, true),
    ])
}

/// One Arrow record batch with a row per response (see [`responses_schema`]).
pub fn responses_batch<'a>(
    rows: impl IntoIterator<Item = ResponseRow<'a>>,
) -> Result<RecordBatch, ArrowError> {
    let mut text: Vec<StringBuilder> = (0..9).map(|_| StringBuilder::new()).collect();
    let mut flags: Vec<BooleanBuilder> = (0..4).map(|_| BooleanBuilder::new()).collect();
    let mut confidence = Float64Builder::new();
    let mut turn = Int64Builder::new();
    for row in rows {
        let strings = [
            Some(row.eval_run_uuid),
            Some(row.eval_uuid),
            row.eval_name,
            Some(row.prompt_uuid),
            row.prompt_content,
            row.prompt_category,
            row.response_uuid,
            row.response_content,
            row.explanation,
        ];
        for (b, v) in text.iter_mut().zip(strings) {
            b.append_option(v);
        }
        let bools = [
            Some(row.response_is_file),
            row.is_passed,
            Some(row.ai_refused),
            Some(row.exclude_from_scoring),
        ];
        for (b, v) in flags.iter_mut().zip(bools) {
            b.append_option(v);
        }
        confidence.append_option(row.confidence);
        turn.append_option(row.turn_number);
    }
    let mut text: Vec<ArrayRef> = text
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let mut flags: Vec<ArrayRef> = flags
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    // Schema order: 8 strings, 4 flags, explanation, confidence, turn number.
    let explanation = text.pop();
    let mut columns: Vec<ArrayRef> = text;
    columns.append(&mut flags);
    columns.extend(explanation);
    columns.push(Arc::new(confidence.finish()));
    columns.push(Arc::new(turn.finish()));
    debug_assert_eq!(columns.len(), ResponseRow::COLUMNS.len());
    RecordBatch::try_new(Arc::new(responses_schema()), columns)
}
