//! `cargo xtask regen [--check] [--dump-normalized FILE]`
//!
//! Regenerates `crates/aymara-raw/src/{generated,mock}.rs` from `openapi.json` with progenitor,
//! and `crates/aymara-raw/src/operations.rs` (the operation layer) from the spec and progenitor's
//! output.
//! Every generation setting lives in this file (not in flags) so that `--check` and a plain
//! `regen` can never disagree.

mod normalize;
mod operations;
mod paths;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use sha2::{Digest, Sha256};

const SPEC: &str = "openapi.json";
const GENERATED: &str = "crates/aymara-raw/src/generated.rs";
const MOCK: &str = "crates/aymara-raw/src/mock.rs";
const OPERATIONS: &str = "crates/aymara-raw/src/operations.rs";

/// Component schemas replaced by hand-written types in `aymara_raw::compat`.
///
/// Enums: typify would emit closed enums, and one new server value would then fail a whole
/// response. The replacements keep every known variant and an `Unknown(String)` fallback.
/// `Tools`: an untagged union whose `type` tag is optional; the replacement decodes it with the
/// reference's rule instead of serde's first-match order. `ToolDict`: a free-form object that
/// typify would narrow (extra keys dropped, other tags rejected); the replacement keeps it whole.
const REPLACEMENTS: &[(&str, &str)] = &[
    ("Status", "crate::compat::Status"),
    ("ContentType", "crate::compat::ContentType"),
    ("PromptExampleType", "crate::compat::PromptExampleType"),
    ("EvalRunExampleType", "crate::compat::EvalRunExampleType"),
    ("EvalAnalysisSortBy", "crate::compat::EvalAnalysisSortBy"),
    ("SortOrder", "crate::compat::SortOrder"),
    (
        "FileProcessingStatus",
        "crate::compat::FileProcessingStatus",
    ),
    ("FileType", "crate::compat::FileType"),
    ("PromptUpdateAction", "crate::compat::PromptUpdateAction"),
    ("Tools", "crate::compat::Tools"),
    ("ToolDict", "crate::compat::ToolDict"),
];

fn settings() -> GenerationSettings {
    let mut s = GenerationSettings::new();
    s.with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote_path("crate::hooks::Inner"))
        .with_hooks(HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    for (name, path) in REPLACEMENTS {
        let impls = if name.starts_with("Tool") {
            vec![]
        } else {
            vec![TypeImpl::Display, TypeImpl::FromStr]
        };
        s.with_replacement(name, path, impls.into_iter());
    }
    s
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().expect("static path parses")
}

fn usage() -> ExitCode {
    eprintln!("usage: cargo xtask regen [--check] [--dump-normalized FILE]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        return usage();
    };
    if cmd != "regen" {
        return usage();
    }
    let mut check = false;
    let mut dump: Option<PathBuf> = None;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--dump-normalized" => match it.next() {
                Some(p) => dump = Some(PathBuf::from(p)),
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    match regen(check, dump.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask regen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn regen(check: bool, dump: Option<&Path>) -> Result<(), String> {
    let root = workspace_root();
    let spec_text = std::fs::read_to_string(root.join(SPEC)).map_err(|e| format!("{SPEC}: {e}"))?;
    let hash = hex(&Sha256::digest(spec_text.as_bytes()));
    let mut value: serde_json::Value =
        serde_json::from_str(&spec_text).map_err(|e| format!("{SPEC}: {e}"))?;

    let report = normalize::normalize(&mut value);
    for line in &report.notes {
        eprintln!("normalize: {line}");
    }
    for s in &report.skipped {
        eprintln!("skipped: {} ({})", s.operation_id, s.reason);
    }
    if let Some(p) = dump {
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    }

    let spec: openapiv3::OpenAPI =
        serde_json::from_value(value).map_err(|e| format!("normalized spec: {e}"))?;

    let client = Generator::new(&settings())
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor: {e}"))?;
    let (client, routed) = paths::route_through_segment(client);
    eprintln!("paths: {routed} path parameters routed through crate::path::segment");
    let mock = Generator::new(&settings())
        .httpmock(&spec, "crate")
        .map_err(|e| format!("progenitor httpmock: {e}"))?;

    let mut client_file: syn::File =
        syn::parse2(client).map_err(|e| format!("generated tokens: {e}"))?;
    let gated = gate_json_schema(&mut client_file.items);
    eprintln!("schemars: {gated} JsonSchema derives behind the `schemars` feature");
    let ops = operations::generate(&spec, &client_file)?;
    eprintln!(
        "operations: {} operations, {} paginated ({})",
        ops.count,
        ops.paginated.len(),
        ops.paginated.join(", ")
    );
    let ops_items = ops.items;
    let ops_file = pretty(quote::quote! {
        //! One request struct per operation, with its `Operation` impl (and `Paginated` for
        //! lists). Generated by `cargo xtask regen` from `openapi.json` and progenitor's types.
        use crate::types;
        #ops_items
    })?;

    let header = header(&hash, &report);
    let outputs = [
        (
            GENERATED,
            format!("{header}\n{}", prettyplease::unparse(&client_file)),
        ),
        (MOCK, format!("{header}\n{}", pretty(mock)?)),
        (
            OPERATIONS,
            format!("{header}\n{ops_file}\n{}", ops.setters_macro),
        ),
    ];

    let mut stale = Vec::new();
    for (rel, text) in &outputs {
        let path = root.join(rel);
        if check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != *text {
                stale.push(*rel);
            }
        } else {
            std::fs::write(&path, text).map_err(|e| format!("{rel}: {e}"))?;
            eprintln!("wrote {rel} ({} lines)", text.lines().count());
        }
    }
    if !stale.is_empty() {
        return Err(stale
            .iter()
            .map(|f| format!("{f} is stale; run 'cargo xtask regen'"))
            .collect::<Vec<_>>()
            .join("\n"));
    }
    if check {
        eprintln!("generated code is up to date (spec sha256 {hash})");
    }
    Ok(())
}

fn pretty(tokens: proc_macro2::TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("generated tokens: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

fn header(hash: &str, report: &normalize::Report) -> String {
    let mut h = String::new();
    h.push_str("// @generated by `cargo xtask regen` from openapi.json. DO NOT EDIT.\n");
    h.push_str(&format!("// openapi.json sha256: {hash}\n"));
    h.push_str("// progenitor 0.15.1; settings: builder interface, merged tags, hooks expected.\n");
    h.push_str(
        "// Path parameters go through crate::path::segment (rejects `..`, `/`, `\\`, controls).\n",
    );
    if report.skipped.is_empty() {
        h.push_str("// Skipped operations: none.\n");
    } else {
        h.push_str("// Skipped operations (implemented by hand in the `aymara` crate):\n");
        for s in &report.skipped {
            h.push_str(&format!("//   - {}: {}\n", s.operation_id, s.reason));
        }
    }
    h
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Moves `schemars::JsonSchema` out of every derive list into
/// `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`: most users never need the
/// schemas, and the derives cost compile time. Returns how many were moved.
fn gate_json_schema(items: &mut [syn::Item]) -> usize {
    let mut moved = 0;
    for item in items {
        let attrs = match item {
            syn::Item::Struct(s) => &mut s.attrs,
            syn::Item::Enum(e) => &mut e.attrs,
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    moved += gate_json_schema(inner);
                }
                continue;
            }
            _ => continue,
        };
        let mut found = false;
        for attr in attrs.iter_mut() {
            if !attr.path().is_ident("derive") {
                continue;
            }
            let Ok(paths) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let is_schema =
                |p: &syn::Path| p.segments.last().is_some_and(|s| s.ident == "JsonSchema");
            if !paths.iter().any(is_schema) {
                continue;
            }
            found = true;
            let kept: Vec<&syn::Path> = paths.iter().filter(|p| !is_schema(p)).collect();
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
        if found {
            attrs.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
            ));
            moved += 1;
        }
    }
    moved
}
