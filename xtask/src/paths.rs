//! Routes every generated path parameter through `aymara_raw::path::segment`.
//!
//! progenitor builds URLs with `encode_path(&param.to_string())`, which percent-encodes but lets
//! `..` and `\` navigate. The rewrite turns each call into
//! `crate::path::segment("param", &param.to_string())?`, which rejects such values with
//! `Error::InvalidRequest` (the generated `send` returns `Result`, so `?` applies).

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Rewrites the token stream; returns it with the number of calls rewritten.
pub fn route_through_segment(tokens: TokenStream) -> (TokenStream, usize) {
    let mut count = 0;
    let out = rewrite(tokens, &mut count);
    (out, count)
}

fn rewrite(tokens: TokenStream, count: &mut usize) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if let (TokenTree::Ident(id), Some(TokenTree::Group(args))) = (&trees[i], trees.get(i + 1))
            && id == "encode_path"
            && args.delimiter() == Delimiter::Parenthesis
            && let Some(param) = param_name(args.stream())
        {
            out.extend(segment_call(&param, args.stream()));
            *count += 1;
            i += 2;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut ng = Group::new(g.delimiter(), rewrite(g.stream(), count));
                ng.set_span(g.span());
                out.push(TokenTree::Group(ng));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// `& name . to_string ()` → `name`.
fn param_name(args: TokenStream) -> Option<String> {
    let t: Vec<TokenTree> = args.into_iter().collect();
    match t.as_slice() {
        [
            TokenTree::Punct(amp),
            TokenTree::Ident(name),
            TokenTree::Punct(dot),
            TokenTree::Ident(to_string),
            TokenTree::Group(empty),
        ] if amp.as_char() == '&'
            && dot.as_char() == '.'
            && to_string == "to_string"
            && empty.stream().is_empty() =>
        {
            Some(name.to_string())
        }
        _ => None,
    }
}

/// `crate::path::segment("name", <args>)?`
fn segment_call(name: &str, args: TokenStream) -> Vec<TokenTree> {
    let colons = || {
        [
            TokenTree::Punct(Punct::new(':', Spacing::Joint)),
            TokenTree::Punct(Punct::new(':', Spacing::Alone)),
        ]
    };
    let ident = |s: &str| TokenTree::Ident(Ident::new(s, Span::call_site()));
    let mut inner: Vec<TokenTree> = vec![
        TokenTree::Literal(Literal::string(name)),
        TokenTree::Punct(Punct::new(',', Spacing::Alone)),
    ];
    inner.extend(args);
    let mut call = vec![ident("crate")];
    call.extend(colons());
    call.push(ident("path"));
    call.extend(colons());
    call.push(ident("segment"));
    call.push(TokenTree::Group(Group::new(
        Delimiter::Parenthesis,
        inner.into_iter().collect(),
    )));
    call.push(TokenTree::Punct(Punct::new('?', Spacing::Alone)));
    call
}
