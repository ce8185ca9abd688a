//! `openapi.json`, embedded and compiled once per process: the single source of the rules the
//! request validation enforces and the response validation checks.
//!
//! The spec is OpenAPI 3.0 (`nullable`, not JSON Schema types), so its schemas are rewritten into
//! JSON Schema 2020-12 once, then compiled with `jsonschema`. `$ref`s stay pointers into the
//! rewritten `components`, which every compiled schema carries along.

use std::sync::OnceLock;

use axum::http::{Method, StatusCode};
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use jsonschema::{Draft, Validator};
use serde_json::{Map, Value};

/// The API description, a byte-identical copy of the workspace's `openapi.json` (a test checks
/// it), so the crate still builds when packaged alone.
const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    Path,
    Query,
    Header,
}

/// How a parameter's text is turned into JSON before validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
}

/// One parameter of an operation.
pub(crate) struct Param {
    pub name: String,
    pub location: Location,
    required: bool,
    scalar: Scalar,
    validator: Validator,
}

/// What an operation takes as its body.
pub(crate) enum RequestBody {
    /// `application/json`, validated against the schema.
    Json {
        required: bool,
        validator: Validator,
    },
    /// `multipart/form-data` (uploads): only the media type is checked here; the handler streams
    /// and checks the parts.
    Multipart,
}

/// A declared response: its status key (`200`, `4XX`, `default`) and media types.
struct ResponseSpec {
    key: String,
    content: Vec<(String, Validator)>,
}

/// One operation of the API.
pub(crate) struct Operation {
    pub id: String,
    method: Method,
    segments: Vec<Segment>,
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    responses: Vec<ResponseSpec>,
}

enum Segment {
    Literal(String),
    Param(String),
}

/// Every operation of the spec.
pub(crate) struct Spec {
    pub operations: Vec<Operation>,
}

/// A rule broken by a request or a response: where, and what.
#[derive(Clone, Debug)]
pub(crate) struct Violation {
    /// A field path such as `responses[0].prompt_uuid` (empty for the whole value).
    pub field: String,
    pub message: String,
}

/// The spec, compiled on first use (shared by every emulator of the process).
pub(crate) fn spec() -> Result<&'static Spec, String> {
    static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
    SPEC.get_or_init(|| Spec::parse(OPENAPI_JSON))
        .as_ref()
        .map_err(Clone::clone)
}

impl Spec {
    fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("openapi.json: {e}"))?;
        let mut components = doc.get("components").cloned().unwrap_or(Value::Null);
        if let Some(schemas) = components.get_mut("schemas") {
            to_json_schema(schemas, true);
        }
        let shared = Shared {
            doc: &doc,
            components,
        };
        let mut operations = Vec::new();
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("openapi.json has no paths")?;
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                    continue;
                };
                if method == Method::OPTIONS || !op.is_object() {
                    continue;
                }
                operations.push(shared.operation(path, method, op)?);
            }
        }
        Ok(Self { operations })
    }

    /// The operation serving `method` `path`; literal segments win over parameters (`/-/`).
    pub fn find(&self, method: &Method, path: &str) -> Option<&Operation> {
        let parts: Vec<&str> = path.split('/').collect();
        self.operations
            .iter()
            .filter(|op| op.method == *method && op.matches(&parts))
            .max_by_key(|op| op.literals())
    }
}

struct Shared<'a> {
    doc: &'a Value,
    components: Value,
}

impl Shared<'_> {
    /// Follows a `$ref` into the original document (parameters, responses).
    fn deref<'v>(&'v self, value: &'v Value) -> &'v Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix('#')
                .and_then(|p| self.doc.pointer(p))
                .unwrap_or(value),
            None => value,
        }
    }

    fn compile(&self, schema: &Value) -> Result<Validator, String> {
        let mut schema = schema.clone();
        to_json_schema(&mut schema, false);
        let mut root = match schema {
            Value::Object(map) => map,
            // `true`/`false` schemas.
            other => {
                let mut map = Map::new();
                map.insert("allOf".into(), Value::Array(vec![other]));
                map
            }
        };
        root.insert("components".into(), self.components.clone());
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| format!("openapi.json: a schema does not compile: {e}"))
    }

    fn operation(&self, path: &str, method: Method, op: &Value) -> Result<Operation, String> {
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .map_or_else(|| format!("{method} {path}"), str::to_owned);
        let segments = path
            .split('/')
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_owned()),
                    None => Segment::Literal(s.to_owned()),
                },
            )
            .collect();
        let mut params = Vec::new();
        for p in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let p = self.deref(p);
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => Location::Path,
                Some("query") => Location::Query,
                Some("header") => Location::Header,
                _ => continue,
            };
            let schema = p.get("schema").cloned().unwrap_or(Value::Bool(true));
            let scalar = match schema.get("type").and_then(Value::as_str) {
                Some("integer") => Scalar::Integer,
                Some("number") => Scalar::Number,
                Some("boolean") => Scalar::Boolean,
                _ => Scalar::String,
            };
            params.push(Param {
                name: p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                location,
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false)
                    || location == Location::Path,
                scalar,
                validator: self.compile(&schema)?,
            });
        }
        let body = match op.get("requestBody").map(|b| self.deref(b)) {
            None => None,
            Some(b) => {
                let content = b.get("content");
                if let Some(json) = content.and_then(|c| c.get("application/json")) {
                    let schema = json.get("schema").cloned().unwrap_or(Value::Bool(true));
                    Some(RequestBody::Json {
                        required: b.get("required").and_then(Value::as_bool).unwrap_or(false),
                        validator: self.compile(&schema)?,
                    })
                } else if content.and_then(|c| c.get("multipart/form-data")).is_some() {
                    Some(RequestBody::Multipart)
                } else {
                    None
                }
            }
        };
        let mut responses = Vec::new();
        for (key, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let r = self.deref(r);
            let mut content = Vec::new();
            for (media, m) in r
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let schema = m.get("schema").cloned().unwrap_or(Value::Bool(true));
                content.push((media.clone(), self.compile(&schema)?));
            }
            responses.push(ResponseSpec {
                key: key.clone(),
                content,
            });
        }
        Ok(Operation {
            id,
            method,
            segments,
            params,
            body,
            responses,
        })
    }
}

/// Rewrites OpenAPI 3.0 schema keywords into JSON Schema 2020-12, in place: `nullable: true`
/// adds `null` to `type` (and `enum`), or wraps the schema in `anyOf [.., null]` when it has no
/// `type`. `map_of_schemas` marks `components.schemas`, whose keys are names, not keywords.
fn to_json_schema(value: &mut Value, map_of_schemas: bool) {
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(|v| to_json_schema(v, false));
        }
        return;
    };
    if map_of_schemas {
        map.values_mut().for_each(|v| to_json_schema(v, false));
        return;
    }
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            // Maps of name → schema.
            "properties" | "patternProperties" | "$defs" => {
                if let Value::Object(props) = child {
                    props.values_mut().for_each(|v| to_json_schema(v, false));
                }
            }
            // Literal values, not schemas.
            "enum" | "const" | "example" | "examples" | "default" | "required" => {}
            _ => to_json_schema(child, false),
        }
    }
    if map.remove("nullable") != Some(Value::Bool(true)) {
        return;
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert(
                "type".into(),
                Value::Array(vec![Value::String(t), Value::String("null".into())]),
            );
        }
        Some(_) => {}
        None => {
            let inner = Value::Object(std::mem::take(map));
            map.insert(
                "anyOf".into(),
                Value::Array(vec![inner, serde_json::json!({"type": "null"})]),
            );
        }
    }
}

impl Operation {
    fn matches(&self, parts: &[&str]) -> bool {
        parts.len() == self.segments.len()
            && self
                .segments
                .iter()
                .zip(parts)
                .all(|(seg, part)| match seg {
                    Segment::Literal(l) => l == part,
                    Segment::Param(_) => !part.is_empty(),
                })
    }

    fn literals(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }

    /// The value of path parameter `name` in `path` (which this operation matches).
    pub fn path_param<'p>(&self, path: &'p str, name: &str) -> Option<&'p str> {
        self.segments
            .iter()
            .zip(path.split('/'))
            .find_map(|(seg, part)| match seg {
                Segment::Param(n) if n == name => Some(part),
                _ => None,
            })
    }

    /// Checks a response: status declared, media type declared, body valid. `media` is the
    /// essence of `Content-Type` (`None` when absent); `body` is the raw body.
    pub fn check_response(
        &self,
        status: StatusCode,
        media: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let code = status.as_u16().to_string();
        let range = format!("{}XX", status.as_u16() / 100);
        let spec = self
            .responses
            .iter()
            .find(|r| r.key == code)
            .or_else(|| self.responses.iter().find(|r| r.key == range))
            .or_else(|| self.responses.iter().find(|r| r.key == "default"))
            .ok_or_else(|| format!("{}: status {status} is not declared", self.id))?;
        if spec.content.is_empty() {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{}: status {status} declares no body, got {} bytes",
                    self.id,
                    body.len()
                ))
            };
        }
        let media = media
            .ok_or_else(|| format!("{}: status {status} response has no Content-Type", self.id))?;
        let validator = spec
            .content
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(media))
            .map(|(_, v)| v)
            .ok_or_else(|| {
                format!(
                    "{}: status {status}: Content-Type {media} is not declared",
                    self.id
                )
            })?;
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| format!("{}: status {status}: body is not JSON: {e}", self.id))?;
        match violations(validator, &value).into_iter().next() {
            None => Ok(()),
            Some(v) => Err(format!(
                "{}: status {status}: body violates the schema at `{}`: {}",
                self.id,
                if v.field.is_empty() { "." } else { &v.field },
                v.message
            )),
        }
    }
}

impl Param {
    /// Validates one textual parameter value; `None` is an absent parameter.
    pub fn check(&self, raw: Option<&str>) -> Result<(), String> {
        let Some(raw) = raw else {
            return if self.required {
                Err(format!("parameter `{}` is required", self.name))
            } else {
                Ok(())
            };
        };
        let value = match self.scalar {
            Scalar::String => Value::String(raw.to_owned()),
            Scalar::Integer => match raw.parse::<i64>() {
                Ok(n) => Value::from(n),
                // An integer beyond 64 bits is still an integer (the handler saturates it).
                Err(_) if integer_literal(raw) => raw
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(raw.to_owned()), Value::Number),
                Err(_) => Value::String(raw.to_owned()),
            },
            Scalar::Number => raw
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(raw.to_owned()), Value::Number),
            Scalar::Boolean if raw.eq_ignore_ascii_case("true") => Value::Bool(true),
            Scalar::Boolean if raw.eq_ignore_ascii_case("false") => Value::Bool(false),
            Scalar::Boolean => Value::String(raw.to_owned()),
        };
        match violations(&self.validator, &value).into_iter().next() {
            None => Ok(()),
            Some(v) => Err(format!("parameter `{}`: {}", self.name, v.message)),
        }
    }
}

/// `-?[0-9]+`.
fn integer_literal(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

impl RequestBody {
    /// Every violation of a JSON body (already parsed).
    pub fn check_json(validator: &Validator, value: &Value) -> Vec<Violation> {
        violations(validator, value)
    }
}

/// The violations of `value`, with field paths in the `a.b[0].c` form used in error details.
fn violations(validator: &Validator, value: &Value) -> Vec<Violation> {
    validator
        .iter_errors(value)
        .map(|err| {
            let mut field = String::new();
            for seg in err.instance_path().iter() {
                match seg {
                    LocationSegment::Property(p) => {
                        if !field.is_empty() {
                            field.push('.');
                        }
                        field.push_str(&p);
                    }
                    LocationSegment::Index(i) => field.push_str(&format!("[{i}]")),
                }
            }
            // A missing property is reported at its parent: name the property itself.
            if let ValidationErrorKind::Required { property } = err.kind()
                && let Some(name) = property.as_str()
            {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(name);
            }
            Violation {
                field,
                message: err.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_copy_is_the_workspace_spec() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
        // Absent when the crate is built from its package alone.
        if let Ok(text) = std::fs::read_to_string(root) {
            assert!(
                text == OPENAPI_JSON,
                "crates/aymara-emulator/openapi.json differs from the workspace's openapi.json: \
                 copy it (cp openapi.json crates/aymara-emulator/)"
            );
        }
    }

    #[test]
    fn spec_compiles_and_has_31_operations() {
        let spec = spec().unwrap(); // ok: unit test
        assert_eq!(spec.operations.len(), 31);
        let op = spec
            .find(&Method::POST, "/v2/eval-runs/-/score-responses")
            .unwrap(); // ok: unit test
        assert_eq!(op.id, "eval_runs_score_responses");
        let op = spec.find(&Method::GET, "/v2/eval-runs/abc").unwrap(); // ok: unit test
        assert_eq!(
            op.path_param("/v2/eval-runs/abc", "eval_run_uuid"),
            Some("abc")
        );
        assert!(spec.find(&Method::GET, "/v2/nothing").is_none());
    }

    #[test]
    fn nullable_becomes_a_null_type() {
        let mut s = serde_json::json!({"type": "string", "nullable": true, "enum": ["a"]});
        to_json_schema(&mut s, false);
        assert_eq!(
            s,
            serde_json::json!({"type": ["string", "null"], "enum": ["a", null]})
        );
        let mut s = serde_json::json!({"allOf": [{"$ref": "#/x"}], "nullable": true});
        to_json_schema(&mut s, false);
        assert_eq!(
            s,
            serde_json::json!({"anyOf": [{"allOf": [{"$ref": "#/x"}]}, {"type": "null"}]})
        );
    }
}
