//! JSON Web Token in compact serialization, RFC 7519 / RFC 7515 (JWS).
//!
//! Three base64url segments separated by `.`: header, payload and
//! signature. The header must decode to a JSON object with one string
//! `alg` member, the payload to a JSON object, and the signature must be
//! non-empty unless `alg` is `none` (an unsecured JWT, RFC 7519 §6).
//! Base64url is decoded without padding; trailing `=` are tolerated.
//!
//! Decode work is bounded: a header longer than 8 KiB is rejected, and for
//! a payload longer than 8 KiB only the first 8 KiB are decoded (which must
//! start a JSON object) while the rest is only checked for base64url
//! characters.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT;

/// Largest segment (in base64url characters) decoded in full.
const MAX_SEGMENT: usize = 8 * 1024;

/// Decoded segments up to this size (most headers and payloads) use a
/// buffer on the stack that is small to clear; longer ones get one of
/// their own.
const SMALL_SEGMENT: usize = 768;

/// Whether `value` is a structurally valid JWS-compact JWT.
pub fn check(value: &[u8]) -> bool {
    let mut parts = value.split(|&b| b == b'.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if header.is_empty() || payload.is_empty() || !is_b64url(signature) {
        return false;
    }
    if header.len() > MAX_SEGMENT {
        return false;
    }
    let header_ok = with_decoded(header, |h| {
        // An object (a struct would also read an array), read without
        // building it: only `alg` is kept.
        if h.trim_ascii_start().first() != Some(&b'{') {
            return false;
        }
        let Ok(Header { alg: Some(alg) }) = serde_json::from_slice(h) else {
            return false;
        };
        !signature.is_empty() || alg.eq_ignore_ascii_case("none")
    });
    if header_ok != Some(true) {
        return false;
    }

    if payload.len() > MAX_SEGMENT {
        // Decode a prefix (a whole number of 4-character quanta) and check
        // that it opens an object; the rest only needs the right alphabet.
        let (head, tail) = payload.split_at(MAX_SEGMENT);
        return is_b64url(tail) && with_decoded(head, |p| p.trim_ascii_start().first() == Some(&b'{')) == Some(true);
    }
    // An object: it opens with `{` and is valid JSON (read without building it).
    with_decoded(payload, |p| {
        p.trim_ascii_start().first() == Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(p).is_ok()
    }) == Some(true)
}

/// The member of a JOSE header that [`check`] needs; the others are read
/// and skipped. A repeated `alg` fails to read, as RFC 7515 §4 allows.
#[derive(serde::Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: Option<std::borrow::Cow<'a, str>>,
}

/// `f` of base64url `s` (at most [`MAX_SEGMENT`] characters) decoded, or
/// `None` when `s` does not decode.
fn with_decoded(s: &[u8], f: impl FnOnce(&[u8]) -> bool) -> Option<bool> {
    let need = s.len().div_ceil(4) * 3;
    let (mut small, mut large) = ([0u8; SMALL_SEGMENT], Vec::new());
    let buf: &mut [u8] = if need <= SMALL_SEGMENT {
        &mut small
    } else {
        large.resize(need, 0);
        &mut large
    };
    decode(s, buf).map(|n| f(&buf[..n]))
}

/// Whether `s` is base64url characters, optionally followed by up to two `=`.
fn is_b64url(s: &[u8]) -> bool {
    let body = s.strip_suffix(b"==").or_else(|| s.strip_suffix(b"=")).unwrap_or(s);
    body.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Decodes base64url `s` (at most `MAX_SEGMENT` characters) into `out`.
fn decode(s: &[u8], out: &mut [u8]) -> Option<usize> {
    if !is_b64url(s) {
        return None;
    }
    URL_SAFE_NO_PAD_INDIFFERENT.decode_slice(s, out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
    use proptest::prelude::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn jwt(header: &str, payload: &str, sig: &str) -> String {
        format!("{}.{}.{sig}", b64(header), b64(payload))
    }

    #[test]
    fn table() {
        // The example token from RFC 7519 §3.1 and jwt.io's default token.
        let rfc = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.\
                   eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt\
                   cGxlLmNvbS9pc19yb290Ijp0cnVlfQ.\
                   dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let jwtio = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
                     eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.\
                     SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        let big_payload = format!(r#"{{"data":"{}"}}"#, "x".repeat(20_000));
        let cases: Vec<(String, bool)> = vec![
            (rfc.to_string(), true),
            (jwtio.to_string(), true),
            (jwt(r#"{"alg":"none"}"#, r#"{"sub":"a"}"#, ""), true),
            (jwt(r#"{"alg":"RS256","kid":"k1"}"#, "{}", "c2ln"), true),
            (format!("{}.{}.c2ln", URL_SAFE.encode(r#"{"alg":"HS256" }"#), URL_SAFE.encode("{}")), true),
            (format!("{}=.e30.c2ln", b64(r#"{"alg":"HS256"}"#)), false), // bad padding
            (jwt(r#"{"alg":"HS256"}"#, &big_payload, "c2ln"), true),
            (jwt(r#"{"alg":"HS256"}"#, r#"{"sub":"a"}"#, ""), false), // signature missing
            (jwt(r#"{"typ":"JWT"}"#, r#"{"sub":"a"}"#, "c2ln"), false), // no alg
            (jwt(r#"{"alg":256}"#, r#"{"sub":"a"}"#, "c2ln"), false), // alg not a string
            (jwt(r#"["alg"]"#, r#"{"sub":"a"}"#, "c2ln"), false),
            (jwt(r#"["HS256"]"#, r#"{"sub":"a"}"#, "c2ln"), false), // an array, not an object
            (jwt(r#"{"alg":null}"#, r#"{"sub":"a"}"#, "c2ln"), false),
            (jwt(r#"{"alg":"HS256","alg":"none"}"#, r#"{"sub":"a"}"#, "c2ln"), false), // alg twice
            (jwt(r#" {"jwk":{"kty":"EC","alg":[1]},"alg":"ES256"}"#, r#"{"sub":"a"}"#, "c2ln"), true),
            (jwt(r#"{"alg":"n\u006fne"}"#, r#"{"sub":"a"}"#, ""), true), // escaped
            (jwt(r#"{"alg":"HS256"}"#, r#"[1,2]"#, "c2ln"), false),      // payload not an object
            (jwt(r#"{"alg":"HS256"}"#, "not json", "c2ln"), false),
            (jwt(r#"{"alg":"HS256""#, r#"{"sub":"a"}"#, "c2ln"), false),
            (jwt(r#"{"alg":"HS256"}"#, r#"{"sub":"a"}"#, "c2!n"), false),
            (jwt(r#"{"alg":"HS256"}"#, &big_payload.replace('{', "["), "c2ln"), false),
            (format!("{}.c2ln", b64(r#"{"alg":"HS256"}"#)), false),
            (format!("{jwtio}.extra"), false),
            (".. ".to_string(), false),
            ("..".to_string(), false),
            ("a.b.c".to_string(), false),
            ("eyJ!!!.eyJ.sig".to_string(), false),
            (String::new(), false),
            ("hello.world.again".to_string(), false),
        ];
        for (input, want) in cases {
            assert_eq!(want, check(input.as_bytes()), "input: {input:?}");
        }
        // A huge header is not decoded.
        let huge = jwt(&format!(r#"{{"alg":"HS256","x":"{}"}}"#, "y".repeat(9000)), "{}", "c2ln");
        assert!(!check(huge.as_bytes()));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = check(&bytes);
        }

        /// The payload, read without building it, is an object exactly
        /// when `serde_json` reads it as one.
        #[test]
        fn payloads_pass_when_json_reads_an_object(payload in prop_oneof![
            " ?\\{ ?(\"[a-z]{1,3}\": ?([0-9]{1,3}|\"[a-z]*\"|\\[[0-9,]{0,4}\\]|\\{\\}))?\\} ?",
            "[{}\\[\\]\",:a-z0-9 ]{0,24}",
        ]) {
            let t = jwt(r#"{"alg":"HS256"}"#, &payload, "c2ln");
            let object = matches!(serde_json::from_str(&payload), Ok(serde_json::Value::Object(_)));
            prop_assert_eq!(check(t.as_bytes()), object, "{}", payload);
        }

        #[test]
        fn encoded_objects_are_accepted(
            alg in "[A-Z]{2}[0-9]{3}",
            sub in "[a-z0-9 ]{0,40}",
            sig in "[A-Za-z0-9_-]{1,86}",
        ) {
            let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
            let t = jwt(&header, &format!(r#"{{"sub":"{sub}"}}"#), &sig);
            prop_assert!(check(t.as_bytes()), "{}", t);
        }
    }
}
