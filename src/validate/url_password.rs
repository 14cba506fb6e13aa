//! A password written in a URL's user information (RFC 3986 §3.2.1:
//! `scheme://user:password@host`), as database, queue and cache connection
//! strings, proxies and git remotes carry them.
//!
//! A value passes when it:
//!
//! - is 3 to 128 printable ASCII bytes (the rule's regex takes up to 64) or UTF-8 text, without spaces, and
//!   holds at least one letter or digit;
//! - is not a template or variable (`${DB_PASS}`, `{{ password }}`,
//!   `$PGPASSWORD`, `%s`, `%(password)s`, `[password]`);
//! - is not a placeholder: a run of one character (`****`, `xxxx`), or,
//!   ignoring ASCII case, `password`, `passwd`, `pass`, `pwd`, `secret`,
//!   `changeme` or a value holding `your`, `example`, `placeholder`,
//!   `redacted`.

/// Placeholder words, compared ignoring ASCII case with the whole value.
const WHOLE: &[&[u8]] = &[b"password", b"passwd", b"pass", b"pwd", b"secret", b"changeme", b"pw"];

/// Placeholder markers found anywhere in the value, ignoring ASCII case.
const MARKERS: &[&[u8]] = &[b"your", b"example", b"placeholder", b"redacted"];

/// Whether `value` is a real password written in a URL.
pub fn check(value: &[u8]) -> bool {
    if !(3..=128).contains(&value.len())
        || value.iter().any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        || !value.iter().any(u8::is_ascii_alphanumeric)
        || (!value.is_ascii() && std::str::from_utf8(value).is_err())
    {
        return false;
    }
    let templated = matches!(value[0], b'$' | b'{' | b'[' | b'%' | b'<')
        || value.windows(2).any(|w| w == b"${" || w == b"{{" || w == b"%(" || w == b"%s");
    let one_char = value.iter().all(|&b| b == value[0]);
    let placeholder = WHOLE.iter().any(|w| value.eq_ignore_ascii_case(w))
        || MARKERS.iter().any(|m| value.windows(m.len()).any(|w| w.eq_ignore_ascii_case(m)));
    !(templated || one_char || placeholder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        for (value, ok) in [
            ("Tr0ub4dor-3x", true),
            ("hunter2-prod", true),
            ("s3cr%40t", true),
            ("p\u{e4}ss", true),
            ("postgres", true),
            ("password", false),
            ("PASSWORD", false),
            ("pass", false),
            ("****", false),
            ("xxxxxxxx", false),
            ("${DB_PASSWORD}", false),
            ("{{ db_password }}", false),
            ("$PGPASSWORD", false),
            ("%s", false),
            ("%(password)s", false),
            ("[password]", false),
            ("your-password", false),
            ("example123", false),
            ("REDACTED", false),
            ("ab", false),
            ("---", false),
            ("a b c", false),
        ] {
            assert_eq!(check(value.as_bytes()), ok, "{value}");
        }
    }
}
