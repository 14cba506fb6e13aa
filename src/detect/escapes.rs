//! Whitespace escapes read as the whitespace they stand for.
//!
//! JSON strings, logs and source code write line breaks and tabs as `\n`,
//! `\r` and `\t`. Read as bytes, the escape letter glues onto the word after
//! it: in `"Customer record\nSSN: 219445178"` the keyword is `nSSN`, and in
//! `"card:\t4532015112830366"` no word boundary comes before the card
//! number, so both went unfound. Before a haystack is scanned, each such
//! escape letter is replaced by the byte it stands for (`\n` by a line
//! feed), in a copy, so that offsets do not move and reported values are
//! read from the original bytes. A backslash that is itself escaped
//! (`\\n`: a backslash, then the letter `n`) starts no escape.
//!
//! The copy is made only for haystacks that hold such an escape; whether one
//! holds a backslash at all comes with the byte classes, at no extra pass.

use crate::detect::classify::Classes;

/// The byte an escape letter stands for, or `None` for a letter that
/// starts no whitespace escape.
#[inline]
fn whitespace_of(letter: u8) -> Option<u8> {
    match letter {
        b'n' => Some(b'\n'),
        b't' => Some(b'\t'),
        b'r' => Some(b'\r'),
        _ => None,
    }
}

/// The next whitespace escape of `hay` whose backslash is at or after
/// `from`: the offset of its letter and the byte it stands for. A backslash
/// escaped by the one before it starts none.
#[inline]
fn next_escape(hay: &[u8], mut from: usize) -> Option<(usize, u8)> {
    while let Some(k) = memchr::memchr(b'\\', hay.get(from..)?) {
        let at = from + k;
        let next = *hay.get(at + 1)?;
        if next == b'\\' {
            // An escaped backslash: the byte after it is not escaped.
            from = at + 2;
            continue;
        }
        if let Some(ws) = whitespace_of(next) {
            return Some((at + 1, ws));
        }
        from = at + 1;
    }
    None
}

/// When `hay` (whose classes are `classes`) holds whitespace escapes,
/// writes into `out` a copy of it with their letters replaced by the
/// whitespace they stand for, takes those letters out of `classes`, and
/// returns true; returns false (leaving `out` unspecified) when it holds none.
pub(crate) fn decode_whitespace(hay: &[u8], classes: &mut Classes, out: &mut Vec<u8>) -> bool {
    if !classes.has_backslash() {
        return false;
    }
    let Some(mut at) = next_escape(hay, 0) else { return false };
    out.clear();
    out.extend_from_slice(hay);
    loop {
        let (letter, ws) = at;
        out[letter] = ws;
        classes.clear_lower(letter);
        match next_escape(hay, letter + 1) {
            Some(next) => at = next,
            None => return true,
        }
    }
}

/// Replaces the whitespace escapes of `buf` (whose classes are `classes`)
/// in place, as [`decode_whitespace`] does in its copy, and takes their
/// letters out of `classes`: for a caller whose haystack is a copy already
/// (values blanked), so that no second one is made. Only a haystack whose
/// class pass saw a backslash is searched. Nothing is left to decode
/// afterwards.
pub(crate) fn decode_in_place(buf: &mut [u8], classes: &mut Classes) {
    if !classes.has_backslash() {
        return;
    }
    let mut from = 0;
    while let Some((letter, ws)) = next_escape(buf, from) {
        buf[letter] = ws;
        classes.clear_lower(letter);
        from = letter + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(hay: &[u8]) -> Option<Vec<u8>> {
        let mut classes = Classes::default();
        classes.compute(hay);
        let mut out = Vec::new();
        decode_whitespace(hay, &mut classes, &mut out).then(|| {
            assert_patched(&out, &classes);
            out
        })
    }

    /// The lower-case masks of `classes`, patched by a decoding, are those
    /// of the decoded bytes computed afresh.
    fn assert_patched(decoded: &[u8], classes: &Classes) {
        let mut fresh = Classes::default();
        fresh.compute(decoded);
        for k in 0..fresh.blocks() {
            assert_eq!(fresh.lower(k), classes.lower(k), "lower-case mask of block {k} patched as recomputed");
        }
    }

    #[test]
    fn escape_letters_become_whitespace() {
        assert_eq!(
            decoded(br#"{"note":"record\nSSN: 1\tx\r\n"}"#).unwrap(),
            b"{\"note\":\"record\\\nSSN: 1\\\tx\\\r\\\n\"}"
        );
        // Offsets do not move.
        let long = [&[b'a'; 100][..], br"x\nssn"].concat();
        assert_eq!(decoded(&long).unwrap()[102], b'\n');
    }

    #[test]
    fn escaped_backslashes_and_other_escapes_are_left_alone() {
        assert_eq!(decoded(br"C:\\new \u0041 \x41 \b \\"), None);
        assert_eq!(decoded(br"no backslash here"), None);
        assert_eq!(decoded(br"ends with \"), None);
        // After an escaped backslash, the next one escapes again.
        assert_eq!(decoded(br"\\\n").unwrap(), b"\\\\\\\n");
    }

    #[test]
    fn decoding_in_place_agrees_with_the_copy_and_leaves_nothing_to_decode() {
        let cases: &[&[u8]] = &[
            br#"{"note":"record\nSSN: 1\tx\r\n"}"#,
            br"C:\\new \u0041 \\\n \\\\n x\",
            br"-----BEGIN RSA PRIVATE KEY-----\nMIIE\nabc\n-----END RSA PRIVATE KEY-----",
            br"no backslash here",
            br"\n\n\t",
        ];
        for &hay in cases {
            let mut buf = hay.to_vec();
            let mut classes = Classes::default();
            classes.compute(&buf);
            decode_in_place(&mut buf, &mut classes);
            assert_eq!(decoded(hay).unwrap_or_else(|| hay.to_vec()), buf, "{}", String::from_utf8_lossy(hay));
            assert_eq!(decoded(&buf), None, "{}", String::from_utf8_lossy(hay));
            assert_patched(&buf, &classes);
        }
    }
}
