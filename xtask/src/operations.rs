//! Generates `crates/aymara-raw/src/operations.rs`: the operation layer the `aymara` crate sends
//! through its one exchange function.
//!
//! Per operation of the (normalized) spec it emits a request struct (path, query and body
//! parameters as public fields, `new(required…)`), an `Operation` impl (id, method, path
//! template, URL path with safe segments, query pairs, JSON body, output type) and, for the list
//! endpoints, a `Paginated` impl. It also emits `request_setters!`, a macro the `aymara` crate
//! invokes once to get a setter per optional parameter and body field on its `Request` type:
//! `x(value)` and `set_x(Option<T>)`.
//!
//! Rust types are not re-derived from the spec: they are read from progenitor's output (the
//! builder structs and `send` return types), so the two layers cannot disagree.

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, Parameter, ReferenceOr, RequestBody};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};

/// Setter names taken by the per-request options on `aymara::Request` (and its plumbing): a
/// spec field with one of these names would shadow them, so generation fails instead.
const RESERVED: &[&str] = &[
    "send",
    "send_raw",
    "options",
    "timeout",
    "max_retries",
    "header",
    "query",
    "extra_body",
    "op",
    "map_op",
    "invalid",
    "pages",
    "items",
    "prefetch",
    "send_page",
    "collect_all",
    "into_future",
];

/// What was generated.
pub struct Output {
    /// The items of `operations.rs`.
    pub items: TokenStream,
    /// The `request_setters!` macro, as source text (macro bodies do not pretty-print).
    pub setters_macro: String,
    /// Operations generated.
    pub count: usize,
    /// Paginated operations.
    pub paginated: Vec<String>,
}

struct Field {
    name: String,
    ty: syn::Type,
    required: bool,
    doc: String,
}

struct Op {
    id: String,
    name: Ident,
    method: String,
    path: String,
    summary: String,
    path_params: Vec<Field>,
    query: Vec<Field>,
    body: Option<syn::Type>,
    body_fields: Vec<Field>,
    output: syn::Type,
}

/// Generates the operation layer from the normalized spec and progenitor's output.
pub fn generate(spec: &OpenAPI, generated: &syn::File) -> Result<Output, String> {
    let builders = module(generated, "builder")?;
    let types = module(generated, "types")?;
    let mut ops = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return Err(format!("{path}: path item references are not supported"));
        };
        for (method, op) in item.iter() {
            let Some(id) = op.operation_id.clone() else {
                return Err(format!("{method} {path}: no operationId"));
            };
            ops.push(operation(
                spec,
                builders,
                types,
                path,
                method,
                &id,
                op,
                &item.parameters,
            )?);
        }
    }
    let mut items = TokenStream::new();
    let mut setters = TokenStream::new();
    let mut paginated = Vec::new();
    for op in &ops {
        items.extend(emit_op(op));
        if let Some(tokens) = emit_paginated(op, types)? {
            items.extend(tokens);
            paginated.push(op.id.clone());
        }
        setters.extend(emit_setters(op)?);
    }
    let setters_file: syn::File =
        syn::parse2(setters).map_err(|e| format!("generated setters: {e}"))?;
    let body = prettyplease::unparse(&setters_file).replace("__crate", "$crate");
    let mut setters_macro = String::new();
    setters_macro.push_str(
        "/// Setters for every optional parameter and body field of every operation, on the\n\
         /// given request type (`aymara`'s async and blocking `Request<Op>`, which provide\n\
         /// `map_op` and `invalid`). Generated with the operations; invoked by `aymara`.\n\
         #[doc(hidden)]\n#[macro_export]\nmacro_rules! request_setters {\n    ($request:ident) => {\n",
    );
    for line in body.lines() {
        if line.is_empty() {
            setters_macro.push('\n');
        } else {
            setters_macro.push_str("        ");
            setters_macro.push_str(&line.replace("__Request", "$request"));
            setters_macro.push('\n');
        }
    }
    setters_macro.push_str("    };\n}\n");
    Ok(Output {
        items,
        setters_macro,
        count: ops.len(),
        paginated,
    })
}

fn module<'a>(file: &'a syn::File, name: &str) -> Result<&'a [syn::Item], String> {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, i)| &i[..]),
            _ => None,
        })
        .ok_or_else(|| format!("progenitor output has no `mod {name}`"))
}

fn find_struct<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a syn::ItemStruct> {
    items.iter().find_map(|item| match item {
        syn::Item::Struct(s) if s.ident == name => Some(s),
        _ => None,
    })
}

#[allow(clippy::too_many_arguments)]
fn operation(
    spec: &OpenAPI,
    builders: &[syn::Item],
    types: &[syn::Item],
    path: &str,
    method: &str,
    id: &str,
    op: &openapiv3::Operation,
    shared: &[ReferenceOr<Parameter>],
) -> Result<Op, String> {
    let name = format_ident!("{}", pascal(id));
    let builder = find_struct(builders, &name.to_string())
        .ok_or_else(|| format!("{id}: progenitor generated no builder `{name}`"))?;
    let mut builder_fields = BTreeMap::new();
    for f in &builder.fields {
        let Some(ident) = &f.ident else { continue };
        if ident == "client" {
            continue;
        }
        let inner = first_generic(&f.ty, "Result")
            .ok_or_else(|| format!("{id}.{ident}: unexpected builder field type"))?;
        builder_fields.insert(ident.to_string(), inner.clone());
    }

    let mut path_params = Vec::new();
    let mut query = Vec::new();
    for p in shared.iter().chain(&op.parameters) {
        let p = resolve_param(spec, p)?;
        let data = p.parameter_data_ref();
        let field = snake(&data.name);
        let Some(ty) = builder_fields.get(&field) else {
            // Parameters the normalizer removed (the sandbox header) have no field.
            continue;
        };
        let (ty, required) = match first_generic(ty, "Option") {
            Some(inner) => (inner.clone(), false),
            None => (ty.clone(), true),
        };
        let field = Field {
            name: field,
            ty: qualify(&ty, "types"),
            required,
            doc: data.description.clone().unwrap_or_default(),
        };
        match p {
            Parameter::Path { .. } => path_params.push(field),
            Parameter::Query { .. } => query.push(field),
            other => {
                return Err(format!(
                    "{id}: parameter {} in {} is not supported",
                    other.parameter_data_ref().name,
                    location(other)
                ));
            }
        }
    }

    let (body, body_fields) = match builder_fields.get("body") {
        None => (None, Vec::new()),
        Some(ty) => {
            let body_name = last_ident(ty).ok_or_else(|| format!("{id}: body type"))?;
            let body_struct = find_struct(types, &body_name)
                .ok_or_else(|| format!("{id}: body type {body_name} is not a struct"))?;
            let read_only = read_only_properties(spec, op, &body_name)?;
            let mut fields = Vec::new();
            for f in &body_struct.fields {
                let Some(ident) = &f.ident else { continue };
                let fname = ident.to_string();
                if read_only.contains(&fname) {
                    continue;
                }
                let (ty, required) = match first_generic(&f.ty, "Option") {
                    Some(inner) => (inner.clone(), false),
                    None => (f.ty.clone(), true),
                };
                fields.push(Field {
                    name: fname,
                    ty: qualify(&ty, "types"),
                    required,
                    doc: doc_of(&f.attrs),
                });
            }
            let body_ty: syn::Type =
                syn::parse_str(&format!("types::{body_name}")).map_err(|e| format!("{id}: {e}"))?;
            (Some(body_ty), fields)
        }
    };
    for f in path_params.iter().chain(&query) {
        if body_fields.iter().any(|b| b.name == f.name) {
            return Err(format!(
                "{id}: `{}` is both a parameter and a body field; the setters would clash",
                f.name
            ));
        }
    }

    let output = send_output(builders, &name.to_string())
        .ok_or_else(|| format!("{id}: no `send` returning ResponseValue<T>"))?;
    Ok(Op {
        id: id.to_owned(),
        name,
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: op.summary.clone().unwrap_or_default(),
        path_params,
        query,
        body,
        body_fields,
        output: qualify(&output, "types"),
    })
}

fn location(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn resolve_param<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> Result<&'a Parameter, String> {
    match p {
        ReferenceOr::Item(p) => Ok(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            match spec
                .components
                .as_ref()
                .and_then(|c| c.parameters.get(name))
            {
                Some(ReferenceOr::Item(p)) => Ok(p),
                _ => Err(format!("unresolved parameter {reference}")),
            }
        }
    }
}

/// Properties of the body schema marked `readOnly` (set by the server, never sent).
fn read_only_properties(
    spec: &OpenAPI,
    op: &openapiv3::Operation,
    body_name: &str,
) -> Result<Vec<String>, String> {
    let body = match &op.request_body {
        Some(ReferenceOr::Item(b)) => b,
        Some(ReferenceOr::Reference { .. }) => return Err("request body references".into()),
        None => return Ok(Vec::new()),
    };
    let schema_name = body_schema_name(body).unwrap_or_else(|| body_name.to_owned());
    let Some(ReferenceOr::Item(schema)) = spec
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(&schema_name))
    else {
        return Ok(Vec::new());
    };
    let openapiv3::SchemaKind::Type(openapiv3::Type::Object(obj)) = &schema.schema_kind else {
        return Ok(Vec::new());
    };
    Ok(obj
        .properties
        .iter()
        .filter(|(_, s)| match s {
            ReferenceOr::Item(s) => s.schema_data.read_only,
            ReferenceOr::Reference { .. } => false,
        })
        .map(|(k, _)| snake(k))
        .collect())
}

fn body_schema_name(body: &RequestBody) -> Option<String> {
    let media = body.content.get("application/json")?;
    match media.schema.as_ref()? {
        ReferenceOr::Reference { reference } => reference.rsplit('/').next().map(str::to_owned),
        ReferenceOr::Item(_) => None,
    }
}

/// `T` of `Wrapper<T>` (by the last path segment's name).
fn first_generic<'a>(ty: &'a syn::Type, wrapper: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    p.path.segments.last().map(|s| s.ident.to_string())
}

/// The `T` of `send(self) -> Result<ResponseValue<T>, Error<()>>` in `impl Name<'_>`.
fn send_output(builders: &[syn::Item], name: &str) -> Option<syn::Type> {
    builders.iter().find_map(|item| {
        let syn::Item::Impl(imp) = item else {
            return None;
        };
        if last_ident(&imp.self_ty).as_deref() != Some(name) {
            return None;
        }
        imp.items.iter().find_map(|i| match i {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => match &f.sig.output {
                syn::ReturnType::Type(_, ty) => {
                    let ok = first_generic(ty, "Result")?;
                    first_generic(ok, "ResponseValue").cloned()
                }
                syn::ReturnType::Default => None,
            },
            _ => None,
        })
    })
}

/// Rewrites paths relative to progenitor's modules so they resolve from `operations.rs`:
/// `types::builder::X` and bare `X` become `types::X`.
fn qualify(ty: &syn::Type, types: &str) -> syn::Type {
    let mut ty = ty.clone();
    qualify_in_place(&mut ty, types);
    ty
}

fn qualify_in_place(ty: &mut syn::Type, types: &str) {
    let syn::Type::Path(p) = ty else { return };
    for seg in p.path.segments.iter_mut() {
        if let syn::PathArguments::AngleBracketed(args) = &mut seg.arguments {
            for a in args.args.iter_mut() {
                if let syn::GenericArgument::Type(t) = a {
                    qualify_in_place(t, types);
                }
            }
        }
    }
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if p.path.leading_colon.is_some() {
        return;
    }
    let last = p.path.segments.last().cloned();
    if segs.len() == 3 && segs[0] == "types" && segs[1] == "builder" {
        if let Some(last) = last {
            let mut np: syn::Path = syn::parse_str(types).expect("static path");
            np.segments.push(last);
            p.path = np;
        }
        return;
    }
    let first = &segs[0];
    let std_like = matches!(
        first.as_str(),
        "crate" | "std" | "chrono" | "serde_json" | "types" | "Option" | "Vec" | "String" | "Box"
    );
    if segs.len() == 1 && !std_like && first.starts_with(char::is_uppercase) {
        let mut np: syn::Path = syn::parse_str(types).expect("static path");
        np.segments.extend(p.path.segments.iter().cloned());
        p.path = np;
    }
}

fn doc_of(attrs: &[syn::Attribute]) -> String {
    let mut out = Vec::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &a.meta
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            out.push(s.value().trim().to_owned());
        }
    }
    out.join(" ")
}

/// Doc text made safe for rustdoc: spec descriptions carry `[old]`-style markers.
fn doc(text: &str) -> String {
    let t = text.trim().replace('[', "\\[").replace(']', "\\]");
    if t.is_empty() { t } else { format!(" {t}") }
}

fn pascal(id: &str) -> String {
    id.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn snake(name: &str) -> String {
    name.replace('-', "_").to_lowercase()
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn emit_op(op: &Op) -> TokenStream {
    let name = &op.name;
    let id = &op.id;
    let method = ident(&op.method);
    let path = &op.path;
    let title = doc(&format!("`{} {}`: {}", op.method, op.path, op.summary));
    let required: Vec<&Field> = op
        .path_params
        .iter()
        .filter(|f| f.required)
        .chain(op.query.iter().filter(|f| f.required))
        .collect();

    let mut fields = TokenStream::new();
    for f in op.path_params.iter().chain(&op.query) {
        let n = ident(&f.name);
        let ty = &f.ty;
        let d = doc(&f.doc);
        fields.extend(if f.required {
            quote! { #[doc = #d] pub #n: #ty, }
        } else {
            quote! { #[doc = #d] pub #n: ::std::option::Option<#ty>, }
        });
    }
    if let Some(body) = &op.body {
        fields.extend(quote! { #[doc = " The JSON request body."] pub body: #body, });
    }

    let mut args: Vec<TokenStream> = required
        .iter()
        .map(|f| {
            let n = ident(&f.name);
            let ty = &f.ty;
            if is_string(ty) {
                quote! { #n: impl ::std::convert::Into<::std::string::String> }
            } else {
                quote! { #n: #ty }
            }
        })
        .collect();
    if let Some(body) = &op.body {
        args.push(quote! { body: #body });
    }
    let inits: Vec<TokenStream> = op
        .path_params
        .iter()
        .chain(&op.query)
        .map(|f| {
            let n = ident(&f.name);
            if f.required {
                if is_string(&f.ty) {
                    quote! { #n: #n.into() }
                } else {
                    quote! { #n }
                }
            } else {
                quote! { #n: ::std::option::Option::None }
            }
        })
        .chain(op.body.iter().map(|_| quote! { body }))
        .collect();
    let new_doc = doc(&format!(
        "The request with its required parameters{}.",
        if op.body.is_some() {
            " and its body"
        } else if required.is_empty() {
            " (none)"
        } else {
            ""
        }
    ));
    let default_impl = if required.is_empty() && op.body.is_none() {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self { Self::new() }
            }
        }
    } else {
        TokenStream::new()
    };

    // The URL path: literal pieces and one safe segment per parameter.
    let mut pushes = TokenStream::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let lit = &rest[..start];
        if !lit.is_empty() {
            pushes.extend(quote! { out.push_str(#lit); });
        }
        let end = rest[start..]
            .find('}')
            .map(|e| e + start)
            .unwrap_or(rest.len());
        let param = snake(&rest[start + 1..end]);
        let n = ident(&param);
        pushes.extend(quote! { crate::path::push_segment(&mut out, #param, &self.#n)?; });
        rest = rest.get(end + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        pushes.extend(quote! { out.push_str(#rest); });
    }

    let mut query = TokenStream::new();
    for f in &op.query {
        let n = ident(&f.name);
        let key = &f.name;
        query.extend(if f.required {
            quote! { query.push(#key, &self.#n); }
        } else {
            quote! { if let ::std::option::Option::Some(v) = &self.#n { query.push(#key, v); } }
        });
    }

    let (body_ty, body_fn) = match &op.body {
        Some(ty) => (
            ty.to_token_stream(),
            quote! { ::std::option::Option::Some(&self.body) },
        ),
        None => (quote! { () }, quote! { ::std::option::Option::None }),
    };
    let output = &op.output;
    let unused_query = if op.query.is_empty() {
        quote! { let _ = query; }
    } else {
        TokenStream::new()
    };

    quote! {
        #[doc = #title]
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub struct #name { #fields }

        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }

        #default_impl

        impl crate::operation::sealed::Sealed for #name {}

        impl crate::operation::Operation for #name {
            type Body = #body_ty;
            type Output = #output;
            const ID: &'static str = #id;
            const METHOD: ::reqwest::Method = ::reqwest::Method::#method;
            const PATH: &'static str = #path;

            fn path(&self) -> ::std::result::Result<::std::string::String, crate::operation::InvalidInput> {
                let mut out = ::std::string::String::new();
                #pushes
                ::std::result::Result::Ok(out)
            }

            fn query(&self, query: &mut crate::operation::Query) {
                #unused_query
                #query
            }

            fn body(&self) -> ::std::option::Option<&Self::Body> {
                #body_fn
            }
        }
    }
}

fn is_string(ty: &syn::Type) -> bool {
    last_ident(ty).as_deref() == Some("String")
}

/// `Paginated` for a query-windowed list (`limit`/`offset` parameters, `{items, count}`), or a
/// body-windowed one (`limit`/`offset` body fields, `{results, total_count, has_more}`).
fn emit_paginated(op: &Op, types: &[syn::Item]) -> Result<Option<TokenStream>, String> {
    let has = |fields: &[Field], n: &str| fields.iter().any(|f| f.name == n);
    let in_query = has(&op.query, "limit") && has(&op.query, "offset");
    let in_body = has(&op.body_fields, "limit") && has(&op.body_fields, "offset");
    if !in_query && !in_body {
        return Ok(None);
    }
    let out_name = last_ident(&op.output).ok_or_else(|| format!("{}: output", op.id))?;
    let out = find_struct(types, &out_name)
        .ok_or_else(|| format!("{}: output {out_name} is not a struct", op.id))?;
    let out_field = |n: &str| {
        out.fields
            .iter()
            .find(|f| f.ident.as_ref().is_some_and(|i| i == n))
            .map(|f| f.ty.clone())
    };
    let name = &op.name;
    // `output.<name>` as an `Option`, whatever the field's optionality (or `None` if absent).
    let optional = |name: &str| {
        let field = ident(name);
        match out_field(name) {
            Some(t) if first_generic(&t, "Option").is_some() => quote! { output.#field },
            Some(_) => quote! { ::std::option::Option::Some(output.#field) },
            None => quote! { ::std::option::Option::None },
        }
    };
    let (items_field, count_expr, more_expr) = if let Some(ty) = out_field("items") {
        (("items", ty), optional("count"), optional("has_more"))
    } else if let Some(ty) = out_field("results") {
        (
            ("results", ty),
            optional("total_count"),
            optional("has_more"),
        )
    } else {
        return Err(format!(
            "{}: windowed, but {out_name} has neither `items` nor `results`",
            op.id
        ));
    };
    let item = first_generic(&items_field.1, "Vec")
        .map(|t| qualify(t, "types"))
        .ok_or_else(|| format!("{}: {out_name}.{} is not a Vec", op.id, items_field.0))?;
    let items = ident(items_field.0);
    let (get, set) = if in_query {
        (
            quote! { (self.limit.map(::std::num::NonZeroU64::get), self.offset) },
            quote! { self.limit = ::std::option::Option::Some(limit); self.offset = ::std::option::Option::Some(offset); },
        )
    } else {
        (
            quote! { (self.body.limit.map(::std::num::NonZeroU64::get), self.body.offset) },
            quote! { self.body.limit = ::std::option::Option::Some(limit); self.body.offset = ::std::option::Option::Some(offset); },
        )
    };
    Ok(Some(quote! {
        impl crate::operation::Paginated for #name {
            type Item = #item;

            fn window(&self) -> (::std::option::Option<u64>, ::std::option::Option<u64>) {
                #get
            }

            fn set_window(&mut self, limit: ::std::num::NonZeroU64, offset: u64) {
                #set
            }

            fn into_page(output: Self::Output) -> crate::operation::PageParts<Self::Item> {
                crate::operation::PageParts {
                    items: output.#items,
                    count: #count_expr,
                    has_more: #more_expr,
                }
            }
        }
    }))
}

/// Setters on `__Request<Op>` for the optional parameters and every body field.
fn emit_setters(op: &Op) -> Result<TokenStream, String> {
    let name = &op.name;
    let mut methods = TokenStream::new();
    let mut seen = Vec::new();
    for (f, in_body) in op
        .query
        .iter()
        .filter(|f| !f.required)
        .map(|f| (f, false))
        .chain(op.body_fields.iter().map(|f| (f, true)))
    {
        if RESERVED.contains(&f.name.as_str()) {
            return Err(format!(
                "{}: `{}` would shadow a request method of the same name",
                op.id, f.name
            ));
        }
        if seen.contains(&f.name) {
            return Err(format!("{}: `{}` declared twice", op.id, f.name));
        }
        seen.push(f.name.clone());
        methods.extend(setter(f, in_body));
    }
    if methods.is_empty() {
        return Ok(TokenStream::new());
    }
    Ok(quote! {
        impl __Request<__crate::operations::#name> {
            #methods
        }
    })
}

fn setter(f: &Field, in_body: bool) -> TokenStream {
    let n = ident(&f.name);
    let set_n = format_ident!("set_{}", f.name);
    let field = if in_body {
        quote! { op.body.#n }
    } else {
        quote! { op.#n }
    };
    let ty = crate_types(&f.ty);
    let d = doc(&f.doc);
    let key = &f.name;
    let set_doc = doc(&format!("Sets or clears `{}`.", f.name));
    // Required body fields are plain values; optional ones are `Option`s.
    let wrap = |v: TokenStream| {
        if f.required {
            v
        } else {
            quote! { ::std::option::Option::Some(#v) }
        }
    };
    let clear = if f.required {
        TokenStream::new()
    } else {
        quote! {
            #[doc = #set_doc]
            pub fn #set_n(self, value: ::std::option::Option<#ty>) -> Self {
                self.map_op(|op| #field = value)
            }
        }
    };
    let last = last_ident(&f.ty).unwrap_or_default();
    if last == "NonZeroU64" {
        let some = wrap(quote! { v });
        return quote! {
            #[doc = #d]
            #[doc = ""]
            #[doc = " Must be at least 1; 0 is refused when the request is sent."]
            pub fn #n(self, value: u64) -> Self {
                match ::std::num::NonZeroU64::new(value) {
                    ::std::option::Option::Some(v) => self.map_op(|op| #field = #some),
                    ::std::option::Option::None => self.invalid(#key, "must be at least 1"),
                }
            }
            #clear
        };
    }
    if let Some(item) = first_generic(&f.ty, "Vec") {
        let item = crate_types(item);
        let extend = if f.required {
            quote! { #field.extend(values) }
        } else {
            quote! { #field.get_or_insert_with(::std::vec::Vec::new).extend(values) }
        };
        return quote! {
            #[doc = #d]
            #[doc = ""]
            #[doc = " Adds to the values already set."]
            pub fn #n(self, values: impl ::std::iter::IntoIterator<Item = #item>) -> Self {
                self.map_op(|op| #extend)
            }
            #clear
        };
    }
    let plain = matches!(
        last.as_str(),
        "bool" | "u64" | "i64" | "u32" | "i32" | "f64" | "f32" | "DateTime" | "NaiveDate"
    );
    let (param, value) = if plain {
        (quote! { value: #ty }, wrap(quote! { value }))
    } else {
        (
            quote! { value: impl ::std::convert::Into<#ty> },
            wrap(quote! { value.into() }),
        )
    };
    quote! {
        #[doc = #d]
        pub fn #n(self, #param) -> Self {
            self.map_op(|op| #field = #value)
        }
        #clear
    }
}

/// `types::X` → `__crate::types::X` for use inside the exported macro.
/// `crate::x` → `__crate::x` too (inside the macro, `crate` would be the invoking crate).
fn crate_types(ty: &syn::Type) -> TokenStream {
    rebase(ty.to_token_stream())
}

fn rebase(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, Punct, Spacing, TokenTree};
    let mut out = Vec::new();
    let mut after_colons = false;
    for t in tokens {
        match &t {
            TokenTree::Ident(i) if i == "crate" => {
                out.push(TokenTree::Ident(ident("__crate")));
                after_colons = false;
                continue;
            }
            TokenTree::Ident(i) if i == "types" && !after_colons => {
                out.push(TokenTree::Ident(ident("__crate")));
                out.push(TokenTree::Punct(Punct::new(':', Spacing::Joint)));
                out.push(TokenTree::Punct(Punct::new(':', Spacing::Alone)));
                out.push(t.clone());
                after_colons = false;
                continue;
            }
            TokenTree::Group(g) => {
                out.push(TokenTree::Group(Group::new(
                    g.delimiter(),
                    rebase(g.stream()),
                )));
                after_colons = false;
                continue;
            }
            TokenTree::Punct(p) if p.as_char() == ':' => {
                out.push(t.clone());
                after_colons = true;
                continue;
            }
            _ => {}
        }
        after_colons = false;
        out.push(t);
    }
    out.into_iter().collect()
}
