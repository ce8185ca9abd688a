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
//! Ids are plain `String`s (`score_run_suite_summary.<uuid>` for reports).

use crate::Client;
use crate::error::{Error, Result};
use crate::ops::{by_id, check_workspace, status_state, workspace_list, workspace_setter};
use crate::polling::{PollState, Pollable, Wait};
use crate::request::with_opt;
use crate::request::{Async, BoxFuture, Operation, RawResult, Request};
use crate::types::{EvalSuiteReport, EvalSuiteReportRequest, PagedEvalSuiteReport};

/// The reports resource. Obtain it with [`Client::reports`].
#[derive(Clone, Debug)]
pub struct Reports<M = Async> {
    client: Client,
    mode: M,
}

impl<M: Clone> Reports<M> {
    pub(crate) fn new(client: Client, mode: M) -> Self {
        Self { client, mode }
    }

    fn request<O>(&self, op: O) -> Request<O, M> {
        Request::new(self.client.clone(), op, self.mode.clone())
    }

    /// `POST /v2/eval-reports`: a summary report over these eval runs (at least one).
    /// Generation is asynchronous: follow with
    /// [`wait_until_finished`](Self::wait_until_finished).
    pub fn create<S: Into<String>>(
        &self,
        eval_run_uuids: impl IntoIterator<Item = S>,
    ) -> Request<Create, M> {
        self.request(Create {
            body: EvalSuiteReportRequest {
                eval_run_uuids: eval_run_uuids.into_iter().map(Into::into).collect(),
            },
            workspace_uuid: None,
        })
    }

    /// `GET /v2/eval-reports`: lists reports, page by page or across pages.
    pub fn list(&self) -> Request<List, M> {
        self.request(List::default())
    }

    /// `DELETE /v2/eval-reports/{report_uuid}`: deletes a report.
    pub fn delete(&self, report_uuid: impl Into<String>) -> Request<Delete, M> {
        self.request(Delete::new(report_uuid.into()))
    }

    /// `GET /v2/eval-reports/{report_uuid}`: one report (`report_uuid` is its
    /// `eval_suite_report_uuid`).
    pub fn get(&self, report_uuid: impl Into<String>) -> Request<Get, M> {
        self.request(Get::new(report_uuid.into()))
    }

    /// Polls `GET /v2/eval-reports/{report_uuid}` until the report is `finished` (returns it) or
    /// `failed` ([`Error::WaitFailed`]); [`Error::WaitTimeout`] after the deadline (15 minutes
    /// unless set).
    pub fn wait_until_finished(&self, report_uuid: impl Into<String>) -> Wait<ReportGeneration, M> {
        Wait::new(self.client.clone(), report_uuid.into(), self.mode.clone())
    }
}

/// Parameters of [`Reports::create`].
#[derive(Clone, Debug)]
pub struct Create {
    body: EvalSuiteReportRequest,
    workspace_uuid: Option<String>,
}

impl<M> Request<Create, M> {
    /// Adds an eval run to the report.
    pub fn eval_run_uuid(self, eval_run_uuid: impl Into<String>) -> Self {
        let v = eval_run_uuid.into();
        self.map_op(|op| op.body.eval_run_uuids.push(v))
    }
}

workspace_setter!(Create);

impl Operation for Create {
    type Output = EvalSuiteReport;
    const ID: &'static str = "reports_create";
    const JSON_BODY: bool = true;

    fn validate(&self) -> Result<()> {
        if self.body.eval_run_uuids.is_empty() {
            return Err(Error::invalid(
                "eval_run_uuids",
                "at least one eval run is required",
            ));
        }
        for (i, id) in self.body.eval_run_uuids.iter().enumerate() {
            if id.trim().is_empty() {
                return Err(Error::invalid(
                    format!("eval_run_uuids[{i}]"),
                    "must not be empty",
                ));
            }
        }
        check_workspace(&self.workspace_uuid)
    }

    fn call(self, raw: aymara_raw::Client) -> BoxFuture<RawResult<Self::Output>> {
        Box::pin(async move {
            with_opt!(
                raw.reports_create().body(self.body),
                workspace_uuid = self.workspace_uuid
            )
            .send()
            .await
        })
    }
}

workspace_list!(
    /// Parameters of [`Reports::list`].
    List, "reports_list", EvalSuiteReport, PagedEvalSuiteReport, reports_list
);

by_id!(
    /// Parameters of [`Reports::get`].
    Get { report_uuid }, "reports_get", EvalSuiteReport, reports_get, workspace
);
by_id!(
    /// Parameters of [`Reports::delete`].
    Delete { report_uuid }, "reports_delete", (), reports_delete, workspace
);

/// Waiting for a report to be generated ([`Reports::wait_until_finished`]).
#[derive(Debug)]
pub enum ReportGeneration {}

impl Pollable for ReportGeneration {
    type Output = EvalSuiteReport;
    const RESOURCE: &'static str = "report";

    fn poll(client: &Client, id: &str) -> BoxFuture<Result<EvalSuiteReport>> {
        let req = client.reports().get(id);
        Box::pin(req.send())
    }

    fn state(report: &EvalSuiteReport) -> PollState {
        status_state(Some(&report.status))
    }
}
