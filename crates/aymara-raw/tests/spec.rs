//! Structural checks of `openapi.json`, the source the client is generated from.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operationIds of reference §2, in table order.
const OPERATION_IDS: [&str; 31] = [
    "health_check",
    "evals_create",
    "evals_update",
    "evals_list",
    "evals_delete",
    "evals_analyze",
    "evals_get",
    "evals_list_prompts",
    "eval_runs_create",
    "eval_runs_list",
    "eval_runs_delete",
    "eval_runs_get",
    "eval_runs_get_response_history",
    "eval_runs_list_responses",
    "eval_runs_score_responses",
    "eval_runs_update_response",
    "eval_types_list",
    "eval_types_find_instructions",
    "eval_types_get",
    "eval_types_list_instructions",
    "reports_create",
    "reports_list",
    "reports_delete",
    "reports_get",
    "files_create",
    "files_list",
    "files_delete",
    "files_get",
    "files_get_frames",
    "files_get_status",
    "files_upload",
];

/// The paginated list operations of reference §2 (#4, #8, #10, #14, #17, #18, #20, #22, #26).
const PAGINATED: [&str; 9] = [
    "evals_list",
    "evals_list_prompts",
    "eval_runs_list",
    "eval_runs_list_responses",
    "eval_types_list",
    "eval_types_find_instructions",
    "eval_types_list_instructions",
    "reports_list",
    "files_list",
];

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");
        let text = std::fs::read_to_string(path).expect("read openapi.json");
        serde_json::from_str(&text).expect("openapi.json is JSON")
    })
}

/// `(path, method, operation)` for every operation.
fn operations() -> Vec<(&'static str, &'static str, &'static Value)> {
    let mut out = Vec::new();
    for (path, item) in spec()["paths"].as_object().expect("paths object") {
        for (method, op) in item.as_object().expect("path item object") {
            if METHODS.contains(&method.as_str()) {
                out.push((path.as_str(), method.as_str(), op));
            }
        }
    }
    out
}

fn operation(id: &str) -> &'static Value {
    operations()
        .into_iter()
        .find(|(_, _, op)| op["operationId"] == id)
        .map(|(_, _, op)| op)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// Follows `$ref`s (local JSON pointers only).
fn resolve(mut v: &'static Value) -> &'static Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        v = spec()
            .pointer(r.strip_prefix('#').expect("local $ref"))
            .unwrap_or_else(|| panic!("unresolved $ref {r}"));
    }
    v
}

/// Calls `f(key, value, json_path)` for every key of every object in the document.
fn walk(v: &Value, at: &str, f: &mut dyn FnMut(&str, &Value, &str)) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let here = format!("{at}/{k}");
                f(k, x, &here);
                walk(x, &here, f);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                walk(x, &format!("{at}/{i}"), f);
            }
        }
        _ => {}
    }
}

#[test]
fn has_exactly_31_operations() {
    assert_eq!(spec()["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    assert_eq!(operations().len(), 31);
}

#[test]
fn operation_ids_are_unique_and_match_the_reference() {
    let ids: Vec<&str> = operations()
        .iter()
        .map(|(path, method, op)| {
            op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
        })
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate operationIds in {ids:?}");
    let expected: BTreeSet<&str> = OPERATION_IDS.into_iter().collect();
    assert_eq!(expected.len(), 31);
    assert_eq!(unique, expected);
}

#[test]
fn every_ref_resolves() {
    let mut refs = 0;
    let mut broken = Vec::new();
    walk(spec(), "#", &mut |key, value, at| {
        if key != "$ref" {
            return;
        }
        refs += 1;
        let target = value.as_str().and_then(|r| r.strip_prefix('#'));
        if target.and_then(|p| spec().pointer(p)).is_none() {
            broken.push(format!("{at}: {value}"));
        }
    });
    assert!(
        broken.is_empty(),
        "unresolved $refs:\n{}",
        broken.join("\n")
    );
    assert!(refs > 100, "expected many $refs, found {refs}");
}

#[test]
fn paginated_lists_return_items_and_count() {
    for id in PAGINATED {
        let op = operation(id);
        let (_, response) = op["responses"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(code, _)| code.starts_with('2'))
            .unwrap_or_else(|| panic!("{id}: no 2xx response"));
        let schema = resolve(
            resolve(response)
                .pointer("/content/application~1json/schema")
                .unwrap_or_else(|| panic!("{id}: no JSON response schema")),
        );
        let props = &schema["properties"];
        assert_eq!(
            props["items"]["type"], "array",
            "{id}: `items` is not an array"
        );
        assert!(
            props["items"]["items"].is_object(),
            "{id}: `items` has no item schema"
        );
        assert!(props.get("count").is_some(), "{id}: no `count`");
        assert_eq!(
            resolve(&props["count"])["type"],
            "integer",
            "{id}: `count` is not an integer"
        );
    }
}

#[test]
fn exactly_the_paginated_lists_take_limit_and_offset_in_the_query() {
    let with_paging: BTreeSet<&str> = operations()
        .into_iter()
        .filter(|(_, _, op)| {
            let names: BTreeSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(resolve)
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str())
                .collect();
            names.contains("limit") && names.contains("offset")
        })
        .map(|(_, _, op)| op["operationId"].as_str().unwrap())
        .collect();
    assert_eq!(with_paging, PAGINATED.into_iter().collect());
}

#[test]
fn health_path_keeps_its_trailing_slash() {
    let paths = spec()["paths"].as_object().unwrap();
    assert!(paths.contains_key("/health/"));
    assert!(!paths.contains_key("/health"));
    assert_eq!(paths["/health/"]["get"]["operationId"], "health_check");
}

#[test]
fn files_upload_is_multipart_with_a_binary_file_part() {
    let op = operation("files_upload");
    let (path, method, _) = operations()
        .into_iter()
        .find(|(_, _, o)| o["operationId"] == "files_upload")
        .unwrap();
    assert_eq!((path, method), ("/v2/files/-/uploads", "post"));
    let body = resolve(&op["requestBody"]);
    let content = body["content"].as_object().expect("request body content");
    assert_eq!(content.keys().collect::<Vec<_>>(), ["multipart/form-data"]);
    let schema = resolve(&content["multipart/form-data"]["schema"]);
    assert_eq!(schema["type"], "object");
    let file = resolve(&schema["properties"]["file"]);
    assert_eq!(file["type"], "string");
    assert_eq!(file["format"], "binary");
    assert!(
        schema["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "file")),
        "`file` is not required"
    );
}

#[test]
fn no_schema_uses_format_uuid() {
    let mut found = Vec::new();
    let mut formats = 0;
    walk(spec(), "#", &mut |key, value, at| {
        if key == "format" && value.is_string() {
            formats += 1;
            if value == "uuid" {
                found.push(at.to_string());
            }
        }
    });
    assert!(found.is_empty(), "format: uuid at {found:?}");
    assert!(formats > 0, "the walk saw no `format` at all");
}
