//! Running an eval end to end with your model's answers.
//!
//! [`EvalRunner`] does in one call what the official `EvalRunner` does, without its bugs
//! (reference §6.3, §7 #16): create the eval (or take an existing one), wait until its prompts
//! are generated, fetch **every** prompt across all pages, call your answer function for each
//! prompt with bounded concurrency, create the run, wait until it is scored and fetch every
//! scored response. A failing answer is returned as [`RunError::Answer`] naming the prompt; it
//! is never swallowed, and no run is created.
//!
//! ```no_run
//! use aymara::runner::{Answer, EvalRunner};
//!
//! # async fn my_model(_: &str) -> Result<Option<String>, std::io::Error> { Ok(None) }
//! # async fn demo(client: aymara::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let outcome = EvalRunner::new(client.clone())
//!     .eval(client.evals().create("A cooking assistant", "safety").num_prompts(10))
//!     .concurrency(4)
//!     .run(|prompt| async move {
//!         Ok::<_, std::io::Error>(match my_model(&prompt.content).await? {
//!             Some(text) => Answer::Text(text),
//!             None => Answer::Refusal,
//!         })
//!     })
//!     .await?;
//! println!("pass rate {:?} over {} responses", outcome.pass_rate, outcome.responses.len());
//! # Ok(()) }
//! ```
//!
//! [`MultiTurn`] runs the multi-turn flow of reference §6.4 on `score_responses`.
//!
//! Every call goes through the client, so its settings (sandbox header, retries, default
//! query such as a `workspace_uuid`) apply. The runner is async only.

use std::fmt;
use std::future::Future;

use futures_util::{StreamExt, TryStreamExt, stream};

use crate::Client;
use crate::checks::require_id;
use crate::error::{CallContext, DecodeError, Error, Result};
use crate::pagination::DEFAULT_PAGE_SIZE;
use crate::polling::WaitConfig;
use crate::request::Request;
use crate::runs;
use crate::types::{Eval, EvalPrompt, EvalResponse, EvalRunExample, EvalRunResult, ScoredResponse};
use crate::upload::{UploadSource, guess_content_type};

/// Answers computed at once when none is set.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Turns of a [`MultiTurn`] conversation when none is set.
pub const DEFAULT_MAX_TURNS: u32 = 5;

/// Your model's answer to one prompt.
#[derive(Debug)]
#[non_exhaustive]
pub enum Answer {
    /// A text answer.
    Text(String),
    /// The model refused to answer (sent as `ai_refused: true`).
    Refusal,
    /// An image or video (bytes or a path). It is uploaded with
    /// [`Files::upload_via_url`](crate::files::Files::upload_via_url) and sent as a file
    /// reference whose `content_type` (`image` or `video`) comes from the MIME type of its file
    /// name; any other kind of file is an error.
    File(UploadSource),
}

impl From<String> for Answer {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Answer {
    fn from(text: &str) -> Self {
        Self::Text(text.to_string())
    }
}

impl From<Option<String>> for Answer {
    /// `None` is a refusal.
    fn from(text: Option<String>) -> Self {
        text.map_or(Self::Refusal, Self::Text)
    }
}

impl From<UploadSource> for Answer {
    fn from(source: UploadSource) -> Self {
        Self::File(source)
    }
}

/// Which eval an [`EvalRunner`] runs.
#[derive(Debug)]
#[non_exhaustive]
pub enum EvalSource {
    /// An eval that already exists (its `eval_uuid`).
    Existing(String),
    /// A create request, sent as built (its options included).
    Create(Box<Request<crate::operations::EvalsCreate>>),
    /// A complete eval body to create.
    New(Box<Eval>),
}

impl From<String> for EvalSource {
    fn from(eval_uuid: String) -> Self {
        Self::Existing(eval_uuid)
    }
}

impl From<&str> for EvalSource {
    fn from(eval_uuid: &str) -> Self {
        Self::Existing(eval_uuid.to_string())
    }
}

impl From<&String> for EvalSource {
    fn from(eval_uuid: &String) -> Self {
        Self::Existing(eval_uuid.clone())
    }
}

impl From<crate::EvalId> for EvalSource {
    fn from(eval_uuid: crate::EvalId) -> Self {
        Self::Existing(eval_uuid.into_string())
    }
}

impl From<&crate::EvalId> for EvalSource {
    fn from(eval_uuid: &crate::EvalId) -> Self {
        Self::Existing(eval_uuid.as_str().to_owned())
    }
}

impl From<Request<crate::operations::EvalsCreate>> for EvalSource {
    fn from(request: Request<crate::operations::EvalsCreate>) -> Self {
        Self::Create(Box::new(request))
    }
}

impl From<Eval> for EvalSource {
    fn from(eval: Eval) -> Self {
        Self::New(Box::new(eval))
    }
}

/// Why a run did not complete: your answer function failed, a file answer could not be sent, or
/// an API call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RunError<E> {
    /// The answer function returned an error for this prompt.
    Answer {
        /// The prompt being answered.
        prompt_uuid: String,
        /// What the answer function returned.
        source: E,
    },
    /// A file answer could not be turned into a response (unsupported type, failed upload).
    File {
        /// The prompt being answered.
        prompt_uuid: String,
        /// What went wrong.
        source: Error,
    },
    /// An API call (or the runner's own input checks) failed.
    Api(Error),
}

impl<E> RunError<E> {
    /// The prompt whose answer failed, for [`RunError::Answer`] and [`RunError::File`].
    pub fn prompt_uuid(&self) -> Option<&str> {
        match self {
            Self::Answer { prompt_uuid, .. } | Self::File { prompt_uuid, .. } => Some(prompt_uuid),
            Self::Api(_) => None,
        }
    }
}

impl<E> From<Error> for RunError<E> {
    fn from(e: Error) -> Self {
        Self::Api(e)
    }
}

impl<E: fmt::Display> fmt::Display for RunError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Answer {
                prompt_uuid,
                source,
            } => {
                write!(f, "answering prompt {prompt_uuid} failed: {source}")
            }
            Self::File {
                prompt_uuid,
                source,
            } => {
                write!(
                    f,
                    "the file answer to prompt {prompt_uuid} could not be sent: {source}"
                )
            }
            Self::Api(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for RunError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Answer { source, .. } => Some(source),
            Self::File { source, .. } => Some(source),
            Self::Api(e) => Some(e),
        }
    }
}

/// What [`EvalRunner::run`] returns.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EvalRunOutcome {
    /// The eval, as last polled (status `finished`).
    pub eval: Eval,
    /// Every prompt of the eval, in order.
    pub prompts: Vec<EvalPrompt>,
    /// The scored run (status `finished`).
    pub run: EvalRunResult,
    /// Every scored response of the run, all pages.
    pub responses: Vec<ScoredResponse>,
    /// The run's `pass_rate`, or, when the server sent none, the share of scored responses
    /// that passed ([`pass_rate`]); `None` when nothing was scored.
    pub pass_rate: Option<f64>,
}

/// Share of responses that passed among those with a verdict that are not excluded from
/// scoring; `None` when there are none.
pub fn pass_rate<'a>(responses: impl IntoIterator<Item = &'a ScoredResponse>) -> Option<f64> {
    let (passed, scored) = responses
        .into_iter()
        .filter(|r| r.exclude_from_scoring != Some(true))
        .filter_map(|r| r.is_passed)
        .fold((0u64, 0u64), |(p, n), ok| {
            (p.saturating_add(u64::from(ok)), n.saturating_add(1))
        });
    (scored > 0).then(|| passed as f64 / scored as f64)
}

/// Settings shared by the runner and the multi-turn helper.
#[derive(Clone, Debug)]
struct Settings {
    concurrency: usize,
    wait: WaitConfig,
    page_size: u64,
    run_name: Option<String>,
    ai_description: Option<String>,
    is_sandbox: Option<bool>,
    examples: Vec<EvalRunExample>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            wait: WaitConfig::default(),
            page_size: DEFAULT_PAGE_SIZE,
            run_name: None,
            ai_description: None,
            is_sandbox: None,
            examples: Vec::new(),
        }
    }
}

/// The builder setters shared by [`EvalRunner`] and [`MultiTurn`].
macro_rules! settings_setters {
    () => {
        /// Answers computed at once (default 8, at least 1).
        pub fn concurrency(mut self, n: usize) -> Self {
            self.settings.concurrency = n.max(1);
            self
        }

        /// How the waits poll (default: [`WaitConfig::default`], up to 15 minutes each).
        pub fn wait_config(mut self, config: WaitConfig) -> Self {
            self.settings.wait = config;
            self
        }

        /// Page size used to fetch prompts and scored responses (default 100, at least 1).
        pub fn page_size(mut self, n: u64) -> Self {
            self.settings.page_size = n.max(1);
            self
        }

        /// Name of the run.
        pub fn run_name(mut self, name: impl Into<String>) -> Self {
            self.settings.run_name = Some(name.into());
            self
        }

        /// Description of the AI for the run.
        pub fn ai_description(mut self, ai_description: impl Into<String>) -> Self {
            self.settings.ai_description = Some(ai_description.into());
            self
        }

        /// Runs in sandbox mode (the `is_sandbox` query parameter).
        pub fn is_sandbox(mut self, yes: bool) -> Self {
            self.settings.is_sandbox = Some(yes);
            self
        }

        /// Adds a scoring example.
        pub fn example(mut self, example: EvalRunExample) -> Self {
            self.settings.examples.push(example);
            self
        }
    };
}

/// Runs an eval end to end; see the [module documentation](self).
#[derive(Debug)]
#[must_use = "a runner does nothing until `.run(..)` is awaited"]
pub struct EvalRunner {
    client: Client,
    source: Option<EvalSource>,
    settings: Settings,
}

impl EvalRunner {
    /// A runner using this client, with the defaults (concurrency 8, waits of up to 15 minutes,
    /// pages of 100). Set the eval with [`eval`](Self::eval).
    pub fn new(client: Client) -> Self {
        Self {
            client,
            source: None,
            settings: Settings::default(),
        }
    }

    /// The eval to run: an existing `eval_uuid`, a create request
    /// (`client.evals().create(..)…`) or an [`Eval`] body to create.
    pub fn eval(mut self, source: impl Into<EvalSource>) -> Self {
        self.source = Some(source.into());
        self
    }

    settings_setters!();

    /// Runs the eval: `answer` is called once for every prompt (at most
    /// [`concurrency`](Self::concurrency) at a time) and its answers are submitted in prompt
    /// order.
    pub async fn run<F, Fut, E>(self, answer: F) -> std::result::Result<EvalRunOutcome, RunError<E>>
    where
        F: Fn(EvalPrompt) -> Fut,
        Fut: Future<Output = std::result::Result<Answer, E>>,
    {
        let Self {
            client,
            source,
            settings,
        } = self;
        let source = source.ok_or_else(|| {
            Error::invalid(
                "eval",
                "no eval given; call .eval() with an eval_uuid or a create request",
            )
        })?;
        let eval_uuid = match source {
            EvalSource::Existing(uuid) => {
                require_id("eval_uuid", &uuid)?;
                uuid
            }
            EvalSource::Create(request) => created_uuid((*request).send().await?)?,
            EvalSource::New(eval) => created_uuid(client.evals().create_from(*eval).send().await?)?,
        };

        let eval = client
            .evals()
            .wait_until_ready(&eval_uuid)
            .with_config(settings.wait.clone())
            .await?;
        let prompts = all_prompts(&client, &eval_uuid, settings.page_size).await?;

        let responses = answer_all(&client, &prompts, &answer, settings.concurrency, None).await?;

        let mut create = client.evals().runs().create(&eval_uuid, responses);
        if let Some(v) = &settings.run_name {
            create = create.name(v);
        }
        if let Some(v) = &settings.ai_description {
            create = create.ai_description(v);
        }
        if let Some(v) = settings.is_sandbox {
            create = create.is_sandbox(v);
        }
        for example in &settings.examples {
            create = create.example(example.clone());
        }
        let created = create.send().await?;

        let run = client
            .evals()
            .runs()
            .wait_until_scored(&created.eval_run_uuid)
            .with_config(settings.wait.clone())
            .await?;
        let responses = client
            .evals()
            .runs()
            .list_responses(&run.eval_run_uuid)
            .limit(settings.page_size)
            .collect_all()
            .await?;
        let pass_rate = run.pass_rate.or_else(|| pass_rate(&responses));
        Ok(EvalRunOutcome {
            eval,
            prompts,
            run,
            responses,
            pass_rate,
        })
    }
}

/// The multi-turn flow of reference §6.4 on `POST /v2/eval-runs/-/score-responses`: answer the
/// eval's prompts, score them with `continue_thread: true`, answer each thread's `next_prompt`,
/// and repeat (passing the run's `eval_run_uuid` after the first call) until no thread
/// continues or the last turn, which is sent with `continue_thread: false`.
///
/// ```no_run
/// use aymara::runner::{Answer, MultiTurn};
///
/// # async fn demo(client: aymara::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let outcome = MultiTurn::new(client, "test.123")
///     .max_turns(3)
///     .run(|prompt| async move {
///         // `prompt.thread_uuid` and `prompt.turn_number` say where the conversation is.
///         Ok::<_, std::convert::Infallible>(Answer::Text(format!("reply to {}", prompt.content)))
///     })
///     .await?;
/// println!("{} turns, pass rate {:?}", outcome.turns.len(), outcome.pass_rate());
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a multi-turn run does nothing until `.run(..)` is awaited"]
pub struct MultiTurn {
    client: Client,
    eval_uuid: String,
    max_turns: u32,
    settings: Settings,
}

/// What [`MultiTurn::run`] returns.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MultiTurnOutcome {
    /// The run every turn was scored in.
    pub eval_run_uuid: String,
    /// The result of the last scoring call.
    pub run: EvalRunResult,
    /// The scored responses of each turn, first turn first.
    pub turns: Vec<Vec<ScoredResponse>>,
}

impl MultiTurnOutcome {
    /// Every scored response of every turn.
    pub fn responses(&self) -> impl Iterator<Item = &ScoredResponse> {
        self.turns.iter().flatten()
    }

    /// Share of passing responses over all turns ([`pass_rate`]).
    pub fn pass_rate(&self) -> Option<f64> {
        pass_rate(self.responses())
    }
}

impl MultiTurn {
    /// The multi-turn flow for an existing eval, with the defaults (5 turns at most,
    /// concurrency 8).
    pub fn new(client: Client, eval_uuid: impl Into<crate::EvalId>) -> Self {
        Self {
            client,
            eval_uuid: eval_uuid.into().into_string(),
            max_turns: DEFAULT_MAX_TURNS,
            settings: Settings::default(),
        }
    }

    /// Turns at most, the first included (default 5, at least 1); the last is sent with
    /// `continue_thread: false`.
    pub fn max_turns(mut self, n: u32) -> Self {
        self.max_turns = n.max(1);
        self
    }

    settings_setters!();

    /// Waits for the eval, then answers and scores turn after turn. Each response carries its
    /// prompt's `thread_uuid` and `turn_number`.
    pub async fn run<F, Fut, E>(
        self,
        answer: F,
    ) -> std::result::Result<MultiTurnOutcome, RunError<E>>
    where
        F: Fn(EvalPrompt) -> Fut,
        Fut: Future<Output = std::result::Result<Answer, E>>,
    {
        let Self {
            client,
            eval_uuid,
            max_turns,
            settings,
        } = self;
        require_id("eval_uuid", &eval_uuid)?;
        client
            .evals()
            .wait_until_ready(&eval_uuid)
            .with_config(settings.wait.clone())
            .await?;
        let mut prompts = all_prompts(&client, &eval_uuid, settings.page_size).await?;

        let mut turns = Vec::new();
        let mut eval_run_uuid: Option<String> = None;
        let mut turn = 1u32;
        loop {
            let last = turn >= max_turns;
            let responses = answer_all(
                &client,
                &prompts,
                &answer,
                settings.concurrency,
                Some(!last),
            )
            .await?;
            let mut score = client
                .evals()
                .runs()
                .score_responses(&eval_uuid, responses)
                .continue_thread(!last);
            if let Some(id) = &eval_run_uuid {
                score = score.eval_run_uuid(id);
            }
            if let Some(v) = &settings.run_name {
                score = score.name(v);
            }
            if let Some(v) = &settings.ai_description {
                score = score.ai_description(v);
            }
            if let Some(v) = settings.is_sandbox {
                score = score.is_sandbox(v);
            }
            for example in &settings.examples {
                score = score.example(example.clone());
            }
            let mut result = score.send().await?;
            let run_id = eval_run_uuid
                .get_or_insert_with(|| result.eval_run_uuid.clone())
                .clone();
            let scored = result.responses.take().unwrap_or_default();
            let next: Vec<EvalPrompt> = scored
                .iter()
                .filter_map(|r| {
                    let mut p = r.next_prompt.clone()?;
                    if p.thread_uuid.is_none() {
                        p.thread_uuid = r.thread_uuid.clone();
                    }
                    if p.turn_number.is_none() {
                        p.turn_number = Some(i64::from(turn).saturating_add(1));
                    }
                    Some(p)
                })
                .collect();
            result.responses = Some(scored.clone());
            turns.push(scored);
            if last || next.is_empty() {
                return Ok(MultiTurnOutcome {
                    eval_run_uuid: run_id,
                    run: result,
                    turns,
                });
            }
            prompts = next;
            turn = turn.saturating_add(1);
        }
    }
}

/// Polls with a prepared configuration.
/// Every prompt of the eval, all pages.
async fn all_prompts(client: &Client, eval_uuid: &str, page_size: u64) -> Result<Vec<EvalPrompt>> {
    let prompts = client
        .evals()
        .list_prompts(eval_uuid)
        .limit(page_size)
        .collect_all()
        .await?;
    if prompts.is_empty() {
        return Err(Error::invalid(
            "eval_uuid",
            format!("eval {eval_uuid} has no prompts to answer"),
        ));
    }
    Ok(prompts)
}

/// The `eval_uuid` of a created eval.
fn created_uuid(eval: Eval) -> Result<String> {
    match eval.eval_uuid {
        Some(uuid) if !uuid.trim().is_empty() => Ok(uuid),
        _ => Err(Error::Decode(Box::new(DecodeError {
            status: None,
            request_id: None,
            path: Some("eval_uuid".into()),
            body_snippet: String::new(),
            context: CallContext {
                operation: "evals_create",
                method: reqwest::Method::POST,
                path: "/v2/evals".into(),
                attempts: 1,
            },
            source: <serde_json::Error as serde::de::Error>::missing_field("eval_uuid"),
        }))),
    }
}

/// Answers every prompt with at most `concurrency` answers in flight, keeping prompt order.
/// With `continue_thread` set (multi-turn), responses carry the prompt's thread and turn.
async fn answer_all<F, Fut, E>(
    client: &Client,
    prompts: &[EvalPrompt],
    answer: &F,
    concurrency: usize,
    continue_thread: Option<bool>,
) -> std::result::Result<Vec<EvalResponse>, RunError<E>>
where
    F: Fn(EvalPrompt) -> Fut,
    Fut: Future<Output = std::result::Result<Answer, E>>,
{
    stream::iter(prompts.iter().cloned())
        .map(|prompt| async move {
            let prompt_uuid = prompt.prompt_uuid.clone();
            let thread_uuid = prompt.thread_uuid.clone();
            let turn_number = prompt.turn_number;
            let answered = answer(prompt).await.map_err(|source| RunError::Answer {
                prompt_uuid: prompt_uuid.clone(),
                source,
            })?;
            let mut response =
                to_response(client, &prompt_uuid, answered)
                    .await
                    .map_err(|source| RunError::File {
                        prompt_uuid: prompt_uuid.clone(),
                        source,
                    })?;
            if let Some(cont) = continue_thread {
                response.thread_uuid = thread_uuid;
                response.turn_number = Some(turn_number.unwrap_or(1));
                response.continue_thread = Some(cont);
            }
            Ok(response)
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

/// Turns an answer into a response, uploading a file answer first.
async fn to_response(client: &Client, prompt_uuid: &str, answer: Answer) -> Result<EvalResponse> {
    match answer {
        Answer::Text(text) => Ok(runs::response(prompt_uuid, text)),
        Answer::Refusal => Ok(runs::refusal(prompt_uuid)),
        Answer::File(source) => {
            let name = source.file_name();
            let mime = guess_content_type(&name);
            let content_type = runs::media_content_type(&mime).ok_or_else(|| {
                Error::invalid(
                    "answer",
                    format!(
                        "file {name:?} has MIME type {mime}; only image/* and video/* answers can be sent (give bytes a file name such as answer.png)"
                    ),
                )
            })?;
            let uploaded = client.files().upload_via_url(source).send().await?;
            Ok(runs::file_response(prompt_uuid, uploaded, content_type))
        }
    }
}
