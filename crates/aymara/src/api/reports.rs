//! The reports resource (eval suite reports): `create`, `list`, `delete`, `get`, plus
//! `wait_until_finished`.
//!
//! ```no_run
//! # async fn demo(client: aymara::Client, run_uuids: Vec<String>) -> Result<(), aymara::Error> {
//! let report = client.reports().create(run_uuids).send().await?;
//! let report = client.reports().wait_until_finished(&report.eval_suite_report_uuid).await?;
//! println!("{}", report.overall_improvement_advice.unwrap_or_default());
//! # Ok(()) }
//! ```
//!
//! Ids are typed ([`crate::ReportId`], shaped `score_run_suite_summary.<uuid>`); a method that
//! takes one also takes a string or the report itself.

use std::sync::Arc;

use aymara_raw::operations::{ReportsCreate, ReportsDelete, ReportsGet, ReportsList};

use crate::Client;
use crate::ids::{EvalRunId, ReportId};
use crate::polling::{PollState, Wait, status_state};
use crate::request::Request;
use crate::types::{EvalSuiteReport, EvalSuiteReportRequest};

/// The reports resource. Obtain it with [`Client::reports`].
#[derive(Clone, Debug)]
pub struct Reports {
    client: Client,
}

impl Reports {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    fn request<O>(&self, op: O) -> Request<O> {
        Request::new(self.client.clone(), op)
    }

    /// `POST /v2/eval-reports`: a summary report over these eval runs (at least one).
    /// Generation is asynchronous: follow with
    /// [`wait_until_finished`](Self::wait_until_finished).
    pub fn create<S: Into<EvalRunId>>(
        &self,
        eval_run_uuids: impl IntoIterator<Item = S>,
    ) -> Request<ReportsCreate> {
        self.request(ReportsCreate::new(EvalSuiteReportRequest {
            eval_run_uuids: eval_run_uuids
                .into_iter()
                .map(|id| id.into().into_string())
                .collect(),
        }))
    }

    /// `GET /v2/eval-reports`: lists reports, page by page or across pages.
    pub fn list(&self) -> Request<ReportsList> {
        self.request(ReportsList::new())
    }

    /// `DELETE /v2/eval-reports/{report_uuid}`: deletes a report.
    pub fn delete(&self, report_uuid: impl Into<ReportId>) -> Request<ReportsDelete> {
        self.request(ReportsDelete::new(report_uuid.into().into_string()))
    }

    /// `GET /v2/eval-reports/{report_uuid}`: one report (`report_uuid` is its
    /// `eval_suite_report_uuid`).
    pub fn get(&self, report_uuid: impl Into<ReportId>) -> Request<ReportsGet> {
        self.request(ReportsGet::new(report_uuid.into().into_string()))
    }

    /// Polls `GET /v2/eval-reports/{report_uuid}` until the report is `finished` (returns it) or
    /// `failed` ([`Error::WaitFailed`](crate::Error::WaitFailed)); [`Error::WaitTimeout`](crate::Error::WaitTimeout) after the deadline (15 minutes
    /// unless set).
    pub fn wait_until_finished(&self, report_uuid: impl Into<ReportId>) -> Wait<ReportsGet> {
        let id: ReportId = report_uuid.into();
        Wait::new(
            self.get(&id),
            "report",
            id.into_string(),
            Arc::new(finished),
        )
    }
}

/// Adding runs one at a time; a macro so that the async and the blocking `Request` share it.
macro_rules! extras {
    ($request:ident) => {
        impl $request<$crate::operations::ReportsCreate> {
            /// Adds an eval run to the report.
            pub fn eval_run_uuid(self, eval_run_uuid: impl Into<$crate::EvalRunId>) -> Self {
                self.eval_run_uuids([eval_run_uuid.into().into_string()])
            }
        }
    };
}
#[cfg_attr(not(feature = "blocking"), allow(unused_imports))]
pub(crate) use extras;
extras!(Request);

/// The acceptor of [`Reports::wait_until_finished`]: `finished` is done, `failed` failed, any
/// other status still in progress.
pub fn finished(report: &EvalSuiteReport) -> PollState {
    status_state(Some(&report.status))
}
