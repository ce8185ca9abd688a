//! Rewrites a copy of `openapi.json` into the subset progenitor 0.15 accepts.
//!
//! The committed spec stays faithful to the API; everything progenitor cannot take is patched
//! here, and every patch is reported (see `../shared/research/progenitor-spike.md`).

use serde_json::{Value, json};

/// An operation left out of the generated client.
pub struct Skipped {
    pub operation_id: String,
    pub reason: String,
}

/// What `normalize` changed.
#[derive(Default)]
pub struct Report {
    pub notes: Vec<String>,
    pub skipped: Vec<Skipped>,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Request media types progenitor can generate, in order of preference.
const SUPPORTED_BODIES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
    "text/x-markdown",
];

pub fn normalize(spec: &mut Value) -> Report {
    let mut report = Report::default();

    // 3.1 documents: progenitor rejects the version and panics on `{"type": "null"}`.
    let version = spec.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0") {
        report
            .notes
            .push(format!("openapi version {version:?} rewritten to 3.0.3"));
        spec["openapi"] = json!("3.0.3");
    }
    let mut nulls = 0;
    rewrite_nulls(spec, &mut nulls);
    if nulls > 0 {
        report.notes.push(format!(
            "{nulls} OpenAPI 3.1 null forms rewritten to `nullable: true`"
        ));
    }

    let header_params = header_parameter_refs(spec);
    let mut stripped_headers = 0;
    let mut error_responses = 0;
    let mut widened = 0;

    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return report;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            let Some(op) = item.get(*method).and_then(Value::as_object).cloned() else {
                continue;
            };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or(path)
                .to_string();
            let mut op = op;

            // Request bodies progenitor cannot generate: drop the operation and say so.
            if let Some(content) = op
                .get_mut("requestBody")
                .and_then(|b| b.get_mut("content"))
                .and_then(Value::as_object_mut)
            {
                match SUPPORTED_BODIES.iter().find(|t| content.contains_key(**t)) {
                    None => {
                        let types: Vec<&str> = content.keys().map(String::as_str).collect();
                        report.skipped.push(Skipped {
                            operation_id: id.clone(),
                            reason: format!(
                                "{} {path}: request body {} is not supported by progenitor",
                                method.to_uppercase(),
                                types.join(", ")
                            ),
                        });
                        item.remove(*method);
                        continue;
                    }
                    Some(keep) if content.len() > 1 => {
                        content.retain(|k, _| k == keep);
                        report
                            .notes
                            .push(format!("{id}: kept only the {keep} request body"));
                    }
                    Some(_) => {}
                }
            }

            // Header parameters (X-Use-Sandbox) are applied to every request by the
            // transport in `aymara`; as builder arguments they would be noise on 31 methods.
            if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                let before = params.len();
                params.retain(|p| !is_header_param(p, &header_params));
                stripped_headers += before - params.len();
            }

            // Error responses: more than one error schema makes progenitor panic, and a
            // documented error with a non-JSON body loses its status. The `aymara` crate
            // parses error bodies itself, so all non-2xx responses are removed.
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                let before = responses.len();
                responses.retain(|code, _| code.starts_with('2'));
                error_responses += before - responses.len();
                // Any 2xx is success: a declared 201 must not turn a 200 into an error.
                if responses.len() == 1 {
                    let code = responses.keys().next().cloned().unwrap_or_default();
                    if code != "2XX"
                        && let Some(resp) = responses.remove(&code)
                    {
                        responses.insert("2XX".into(), resp);
                        widened += 1;
                    }
                }
            }
            item.insert(method.to_string(), Value::Object(op));
        }
    }
    paths.retain(|_, item| {
        item.as_object()
            .is_some_and(|o| METHODS.iter().any(|m| o.contains_key(*m)))
    });

    if stripped_headers > 0 {
        report.notes.push(format!(
            "{stripped_headers} header parameters (X-Use-Sandbox) removed; the transport sends them"
        ));
    }
    if error_responses > 0 {
        report.notes.push(format!(
            "{error_responses} error responses removed; errors arrive as UnexpectedResponse and `aymara` parses them"
        ));
    }
    if widened > 0 {
        report
            .notes
            .push(format!("{widened} success responses widened to 2XX"));
    }
    report
}

/// `$ref`s of `components.parameters` entries that are header parameters.
fn header_parameter_refs(spec: &Value) -> Vec<String> {
    spec.pointer("/components/parameters")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, p)| p.get("in").and_then(Value::as_str) == Some("header"))
                .map(|(name, _)| format!("#/components/parameters/{name}"))
                .collect()
        })
        .unwrap_or_default()
}

fn is_header_param(p: &Value, header_refs: &[String]) -> bool {
    if let Some(r) = p.get("$ref").and_then(Value::as_str) {
        return header_refs.iter().any(|h| h == r);
    }
    p.get("in").and_then(Value::as_str) == Some("header")
}

/// Rewrites `anyOf|oneOf: [X, {"type": "null"}]` and `type: [T, "null"]` into 3.0 form.
fn rewrite_nulls(v: &mut Value, count: &mut usize) {
    match v {
        Value::Object(map) => {
            for key in ["anyOf", "oneOf"] {
                let Some(Value::Array(items)) = map.get(key) else {
                    continue;
                };
                let is_null = |s: &Value| s.get("type").and_then(Value::as_str) == Some("null");
                if !items.iter().any(is_null) {
                    continue;
                }
                let rest: Vec<Value> = items.iter().filter(|s| !is_null(s)).cloned().collect();
                map.remove(key);
                *count += 1;
                if rest.len() == 1 {
                    let only = rest.into_iter().next().unwrap_or(Value::Null);
                    if only.get("$ref").is_some() {
                        map.insert("allOf".into(), Value::Array(vec![only]));
                    } else if let Value::Object(o) = only {
                        for (k, val) in o {
                            map.entry(k).or_insert(val);
                        }
                    }
                } else {
                    map.insert(key.into(), Value::Array(rest));
                }
                map.insert("nullable".into(), Value::Bool(true));
            }
            if let Some(Value::Array(types)) = map.get("type") {
                let non_null: Vec<Value> = types
                    .iter()
                    .filter(|t| t.as_str() != Some("null"))
                    .cloned()
                    .collect();
                if non_null.len() == 1 {
                    let nullable = non_null.len() != types.len();
                    map.insert("type".into(), non_null[0].clone());
                    if nullable {
                        map.insert("nullable".into(), Value::Bool(true));
                    }
                    *count += 1;
                }
            }
            for (_, child) in map.iter_mut() {
                rewrite_nulls(child, count);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rewrite_nulls(c, count)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_multipart_and_errors_and_headers() {
        let mut spec = json!({
            "openapi": "3.1.0",
            "components": {"parameters": {"S": {"in": "header", "name": "X-Use-Sandbox", "schema": {"type": "string"}}}},
            "paths": {
                "/up": {"post": {"operationId": "up", "requestBody": {"content": {"multipart/form-data": {}}}, "responses": {}}},
                "/a": {"get": {"operationId": "a", "parameters": [{"$ref": "#/components/parameters/S"}],
                    "responses": {"201": {"description": "x"}, "4XX": {"description": "e"}}}}
            },
            "x": {"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]}
        });
        let r = normalize(&mut spec);
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].operation_id, "up");
        assert!(spec.pointer("/paths/~1up").is_none());
        assert_eq!(
            spec.pointer("/paths/~1a/get/parameters").unwrap(),
            &json!([])
        );
        let responses = spec
            .pointer("/paths/~1a/get/responses")
            .unwrap()
            .as_object()
            .unwrap();
        assert_eq!(responses.keys().collect::<Vec<_>>(), vec!["2XX"]);
        assert_eq!(spec["openapi"], "3.0.3");
        assert_eq!(
            spec["x"],
            json!({"allOf": [{"$ref": "#/components/schemas/X"}], "nullable": true})
        );
    }
}
