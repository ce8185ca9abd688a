//! Fetching a run's results through the client's public API (async and blocking).

use super::RunResults;
use crate::Result;
use crate::types::{Eval, EvalPrompt, EvalRunResult};

/// Pages fetched concurrently once the first page gives the total.
pub(super) const PREFETCH: usize = 4;

impl RunResults {
    /// Fetches run `eval_run_uuid`, its eval (when the run does not embed it), every page of the
    /// eval's prompts and every page of the run's scored responses (prompts and responses
    /// concurrently, a few pages in flight).
    ///
    /// Any status is accepted: responses without a verdict yet count as unscored, so wait with
    /// [`crate::runs::Runs::wait_until_scored`] first for final figures. An eval that no longer
    /// exists (404) leaves [`RunResults::eval`] empty and the prompt columns blank. For runs
    /// too large to hold in memory, see [`super::stream::export_responses`].
    ///
    /// ```no_run
    /// # async fn demo(client: aymara::Client) -> Result<(), aymara::Error> {
    /// let results = aymara::results::RunResults::fetch(&client, "score_run.123").await?;
    /// let pass_rate = results.stats().counts.pass_rate;
    /// println!("{} responses, pass rate {pass_rate:?}", results.responses.len());
    /// # Ok(()) }
    /// ```
    /// The run is given by id, or by anything that carries it (`&run`).
    pub async fn fetch(
        client: &crate::Client,
        eval_run_uuid: impl Into<crate::EvalRunId>,
    ) -> Result<Self> {
        let eval_run_uuid = &eval_run_uuid.into();
        let run = client.evals().runs().get(eval_run_uuid).send().await?;
        let responses = client
            .evals()
            .runs()
            .list_responses(eval_run_uuid)
            .prefetch(PREFETCH)
            .collect_all();
        let ((eval, prompts), responses) =
            futures_util::future::try_join(eval_and_prompts(client, &run), responses).await?;
        Ok(Self::new(run, prompts, responses).with_eval(eval))
    }

    /// [`RunResults::fetch`] with the blocking client.
    ///
    /// ```no_run
    /// # fn demo(client: aymara::blocking::Client) -> Result<(), aymara::Error> {
    /// let results = aymara::results::RunResults::fetch_blocking(&client, "score_run.123")?;
    /// println!("pass rate {:?}", results.stats().counts.pass_rate);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "blocking")]
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    pub fn fetch_blocking(
        client: &crate::blocking::Client,
        eval_run_uuid: impl Into<crate::EvalRunId>,
    ) -> Result<Self> {
        let eval_run_uuid = &eval_run_uuid.into();
        let (run, eval, prompts) = run_eval_prompts_blocking(client, eval_run_uuid)?;
        let responses = client
            .evals()
            .runs()
            .list_responses(eval_run_uuid)
            .prefetch(PREFETCH)
            .collect_all()?;
        Ok(Self::new(run, prompts, responses).with_eval(eval))
    }
}

/// The run's eval (unless embedded; `None` once deleted) and every page of its prompts.
async fn eval_and_prompts(
    client: &crate::Client,
    run: &EvalRunResult,
) -> Result<(Option<Eval>, Vec<EvalPrompt>)> {
    let eval = async {
        match &run.evaluation {
            Some(e) => Ok(Some(e.clone())),
            None => found(client.evals().get(&run.eval_uuid).send().await),
        }
    };
    let prompts = async {
        found(
            client
                .evals()
                .list_prompts(&run.eval_uuid)
                .prefetch(PREFETCH)
                .collect_all()
                .await,
        )
    };
    let (eval, prompts) = futures_util::future::try_join(eval, prompts).await?;
    Ok((eval, prompts.unwrap_or_default()))
}

/// The run, its eval and every page of its prompts.
pub(super) async fn run_eval_prompts(
    client: &crate::Client,
    eval_run_uuid: &crate::EvalRunId,
) -> Result<(EvalRunResult, Option<Eval>, Vec<EvalPrompt>)> {
    let run = client.evals().runs().get(eval_run_uuid).send().await?;
    let (eval, prompts) = eval_and_prompts(client, &run).await?;
    Ok((run, eval, prompts))
}

/// [`run_eval_prompts`] with the blocking client.
#[cfg(feature = "blocking")]
pub(super) fn run_eval_prompts_blocking(
    client: &crate::blocking::Client,
    eval_run_uuid: &crate::EvalRunId,
) -> Result<(EvalRunResult, Option<Eval>, Vec<EvalPrompt>)> {
    let run = client.evals().runs().get(eval_run_uuid).send()?;
    let eval = match &run.evaluation {
        Some(e) => Some(e.clone()),
        None => found(client.evals().get(&run.eval_uuid).send())?,
    };
    let prompts = found(
        client
            .evals()
            .list_prompts(&run.eval_uuid)
            .prefetch(PREFETCH)
            .collect_all(),
    )?;
    Ok((run, eval, prompts.unwrap_or_default()))
}

/// A 404 is "nothing there" (a deleted eval); other errors stay errors.
fn found<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
