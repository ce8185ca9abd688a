//! Path parameters: the one place an id becomes a URL path segment.
//!
//! Percent-encoding alone does not keep an id inside its segment: URL parsers treat `.` and `..`
//! (also as `%2e`) as navigation and `\` as `/`, so `files_delete("..\\evals\\x")` would delete an
//! eval. Ids that could navigate are therefore rejected, and everything else is encoded so that it
//! stays exactly one segment on the wire. `cargo xtask regen` routes every generated path
//! parameter through [`segment`]; the `aymara` crate runs [`check`] before building a request.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters encoded in a segment: the WHATWG path-segment set plus `\`, `%` and the
/// characters some servers and proxies treat as delimiters.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b';');

/// Why `value` cannot be a path segment, or `None` when it can.
///
/// Rejected: empty or blank values, `.` and `..`, and anything containing `/`, `\` or a control
/// character. No id the API issues looks like that.
pub fn check(value: &str) -> Option<&'static str> {
    if value.trim().is_empty() {
        Some("must not be empty")
    } else if value == "." || value == ".." {
        Some("must not be `.` or `..`")
    } else if value.contains(['/', '\\']) {
        Some("must not contain `/` or `\\`")
    } else if value.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

/// Appends `value` to `out` as one encoded segment, or names the path parameter that cannot be
/// one. The generated operations build their URL paths with this.
pub fn push_segment(
    out: &mut String,
    name: &'static str,
    value: &str,
) -> Result<(), crate::operation::InvalidInput> {
    match check(value) {
        None => {
            out.extend(utf8_percent_encode(value, SEGMENT));
            Ok(())
        }
        Some(reason) => Err(crate::operation::InvalidInput {
            field: name,
            reason,
        }),
    }
}

/// The encoded segment for the path parameter `name`, or `Error::InvalidRequest` naming it.
// The generated code's own error type, so that `?` applies where it builds the URL.
#[allow(clippy::result_large_err)]
pub fn segment<E>(name: &str, value: &str) -> Result<String, progenitor_client::Error<E>> {
    match check(value) {
        None => Ok(utf8_percent_encode(value, SEGMENT).to_string()),
        Some(reason) => Err(progenitor_client::Error::InvalidRequest(format!(
            "path parameter `{name}` {reason}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigating_values_are_rejected() {
        for bad in [
            "",
            " ",
            ".",
            "..",
            "a/b",
            "..\\evals\\x",
            "a\nb",
            "a\u{7f}",
            "a\u{85}",
        ] {
            assert!(check(bad).is_some(), "{bad:?} accepted");
            assert!(segment::<()>("id", bad).is_err());
        }
    }

    #[test]
    fn other_values_stay_one_segment() {
        let cases = [
            ("file_1", "file_1"),
            ("...", "..."),
            ("%2e%2e", "%252e%252e"),
            ("a?b#c", "a%3Fb%23c"),
            ("é", "%C3%A9"),
        ];
        for (raw, encoded) in cases {
            assert_eq!(segment::<()>("id", raw).unwrap(), encoded);
            let url = reqwest::Url::parse(&format!("http://h/v2/files/{encoded}")).unwrap();
            assert_eq!(url.path_segments().unwrap().count(), 3, "{raw:?}");
        }
    }
}
