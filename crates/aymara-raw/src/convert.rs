//! Hand-written conversions between generated types (they must live in this crate: orphan rule).
//!
//! They make the untagged unions pleasant to build (`"text".into()` for a response's content, an
//! uploaded file for a file reference) without re-declaring any type.

use crate::compat::{EvalRunExampleType, PromptExampleType, ToolDict, Tools};
use crate::types::{
    AgentInstructions, AiInstructions, EvalResponse, EvalRunExample, FileDetail, FileReference,
    FileUpload, GroundTruth, PromptExample, ResponseContent, Tool, ToolArray, ToolString,
    WorkflowInstructions,
};

macro_rules! from_text {
    ($($t:ty),*) => {$(
        impl From<String> for $t {
            fn from(s: String) -> Self {
                Self::String(s)
            }
        }
        impl From<&str> for $t {
            fn from(s: &str) -> Self {
                Self::String(s.to_string())
            }
        }
    )*};
}
from_text!(AiInstructions, GroundTruth, ResponseContent);

impl From<&FileUpload> for FileReference {
    /// References an uploaded file by id (the documented way), keeping its storage path too.
    fn from(f: &FileUpload) -> Self {
        Self {
            file_uuid: f.file_uuid.clone(),
            remote_file_path: f.remote_file_path.clone(),
        }
    }
}

impl From<FileUpload> for FileReference {
    fn from(f: FileUpload) -> Self {
        Self {
            file_uuid: f.file_uuid,
            remote_file_path: f.remote_file_path,
        }
    }
}

impl From<&FileDetail> for FileReference {
    fn from(f: &FileDetail) -> Self {
        Self {
            file_uuid: Some(f.file_uuid.clone()),
            remote_file_path: Some(f.remote_file_path.clone()),
        }
    }
}

impl From<FileUpload> for ResponseContent {
    fn from(f: FileUpload) -> Self {
        Self::FileReference(f.into())
    }
}

impl From<&FileUpload> for ResponseContent {
    fn from(f: &FileUpload) -> Self {
        Self::FileReference(f.into())
    }
}

impl From<FileUpload> for GroundTruth {
    fn from(f: FileUpload) -> Self {
        Self::FileReference(f.into())
    }
}

impl ResponseContent {
    /// The text, when the content is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            Self::FileReference(_) => None,
        }
    }

    /// The file reference, when the content is a file.
    pub fn as_file(&self) -> Option<&FileReference> {
        match self {
            Self::FileReference(f) => Some(f),
            Self::String(_) => None,
        }
    }
}

// ----- Ground truth and response content from stored files -----

impl From<&FileUpload> for GroundTruth {
    fn from(f: &FileUpload) -> Self {
        Self::FileReference(f.into())
    }
}

impl From<FileDetail> for FileReference {
    fn from(f: FileDetail) -> Self {
        Self {
            file_uuid: Some(f.file_uuid),
            remote_file_path: Some(f.remote_file_path),
        }
    }
}

impl From<&FileDetail> for ResponseContent {
    fn from(f: &FileDetail) -> Self {
        Self::FileReference(f.into())
    }
}

impl From<&FileDetail> for GroundTruth {
    fn from(f: &FileDetail) -> Self {
        Self::FileReference(f.into())
    }
}

impl FileReference {
    /// A reference by file id (the documented way to reference an uploaded file).
    pub fn by_uuid(file_uuid: impl Into<String>) -> Self {
        Self {
            file_uuid: Some(file_uuid.into()),
            remote_file_path: None,
        }
    }

    /// A reference by storage path or URL.
    pub fn by_path(remote_file_path: impl Into<String>) -> Self {
        Self {
            file_uuid: None,
            remote_file_path: Some(remote_file_path.into()),
        }
    }
}

impl GroundTruth {
    /// The text, when the ground truth is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            Self::FileReference(_) => None,
        }
    }

    /// The file reference, when the ground truth is a file.
    pub fn as_file(&self) -> Option<&FileReference> {
        match self {
            Self::FileReference(f) => Some(f),
            Self::String(_) => None,
        }
    }
}

// ----- AI instructions: text, one agent, or a workflow -----

impl AgentInstructions {
    /// An agent with a system prompt and nothing else.
    pub fn new(system_prompt: impl Into<String>) -> Self {
        Self {
            agent_name: None,
            system_prompt: system_prompt.into(),
            tools: None,
        }
    }

    /// Sets the agent's name.
    pub fn with_name(mut self, agent_name: impl Into<String>) -> Self {
        self.agent_name = Some(agent_name.into());
        self
    }

    /// Sets the agent's tools (a list of [`Tool`]s, a [`ToolDict`] or a [`ToolString`]).
    pub fn with_tools(mut self, tools: impl Into<Tools>) -> Self {
        self.tools = Some(tools.into());
        self
    }
}

impl From<Vec<AgentInstructions>> for WorkflowInstructions {
    fn from(instructions: Vec<AgentInstructions>) -> Self {
        Self { instructions }
    }
}

impl From<Vec<AgentInstructions>> for AiInstructions {
    /// A workflow of these agents.
    fn from(instructions: Vec<AgentInstructions>) -> Self {
        Self::WorkflowInstructions(instructions.into())
    }
}

impl AiInstructions {
    /// The text, when the instructions are plain text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The agent, when the instructions describe one agent.
    pub fn as_agent(&self) -> Option<&AgentInstructions> {
        match self {
            Self::AgentInstructions(a) => Some(a),
            _ => None,
        }
    }

    /// The workflow, when the instructions describe several agents.
    pub fn as_workflow(&self) -> Option<&WorkflowInstructions> {
        match self {
            Self::WorkflowInstructions(w) => Some(w),
            _ => None,
        }
    }
}

// ----- Tools -----

impl Tool {
    /// A named tool; `content` is its definition (often the JSON schema of its parameters).
    pub fn new(name: impl Into<String>, content: impl Into<serde_json::Value>) -> Self {
        Self {
            name: name.into(),
            content: content.into(),
        }
    }
}

impl From<Vec<Tool>> for ToolArray {
    fn from(value: Vec<Tool>) -> Self {
        Self { type_: None, value }
    }
}

impl From<Vec<Tool>> for Tools {
    /// A list of named tools ([`Tools::Array`]).
    fn from(value: Vec<Tool>) -> Self {
        Self::Array(value.into())
    }
}

impl From<serde_json::Value> for Tools {
    /// A free-form mapping whose `value` is this JSON ([`Tools::Dict`], built with
    /// [`ToolDict::new`]), whatever the value's kind.
    fn from(value: serde_json::Value) -> Self {
        Self::Dict(ToolDict::new(value))
    }
}

impl From<String> for ToolString {
    fn from(value: String) -> Self {
        Self { type_: None, value }
    }
}

impl From<&str> for ToolString {
    fn from(value: &str) -> Self {
        value.to_string().into()
    }
}

impl From<String> for Tools {
    /// Tools described as text ([`Tools::String`]).
    fn from(value: String) -> Self {
        Self::String(value.into())
    }
}

impl From<&str> for Tools {
    /// Tools described as text ([`Tools::String`]).
    fn from(value: &str) -> Self {
        Self::String(value.into())
    }
}

// ----- Responses submitted for scoring -----

impl EvalResponse {
    /// A response to `prompt_uuid` with every optional field unset.
    pub fn new(prompt_uuid: impl Into<String>) -> Self {
        Self {
            ai_refused: None,
            content: None,
            content_type: None,
            continue_thread: None,
            exclude_from_scoring: None,
            prompt_uuid: prompt_uuid.into(),
            thread_uuid: None,
            turn_number: None,
        }
    }

    /// Places the response in a conversation thread at a turn (multi-turn evals).
    pub fn in_thread(mut self, thread_uuid: impl Into<String>, turn_number: i64) -> Self {
        self.thread_uuid = Some(thread_uuid.into());
        self.turn_number = Some(turn_number);
        self
    }

    /// Whether the conversation thread continues after this response.
    pub fn continue_thread(mut self, yes: bool) -> Self {
        self.continue_thread = Some(yes);
        self
    }

    /// Keeps the response out of scoring.
    pub fn exclude_from_scoring(mut self, yes: bool) -> Self {
        self.exclude_from_scoring = Some(yes);
        self
    }
}

// ----- Scoring examples -----

impl EvalRunExample {
    /// An example of a response that should pass.
    pub fn pass(prompt: impl Into<String>, response: impl Into<String>) -> Self {
        Self {
            example_uuid: None,
            explanation: None,
            prompt: prompt.into(),
            response: response.into(),
            type_: EvalRunExampleType::Pass,
        }
    }

    /// An example of a response that should fail.
    pub fn fail(prompt: impl Into<String>, response: impl Into<String>) -> Self {
        Self {
            type_: EvalRunExampleType::Fail,
            ..Self::pass(prompt, response)
        }
    }

    /// Why the verdict is what it is.
    pub fn with_explanation(mut self, explanation: impl Into<String>) -> Self {
        self.explanation = Some(explanation.into());
        self
    }
}

impl PromptExample {
    /// A good example prompt.
    pub fn good(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            example_uuid: None,
            explanation: None,
            type_: Some(PromptExampleType::Good),
        }
    }

    /// A bad example prompt.
    pub fn bad(content: impl Into<String>) -> Self {
        Self {
            type_: Some(PromptExampleType::Bad),
            ..Self::good(content)
        }
    }

    /// Why it is a good or bad example.
    pub fn with_explanation(mut self, explanation: impl Into<String>) -> Self {
        self.explanation = Some(explanation.into());
        self
    }
}
