//! Text for a terminal: names and reasons that come from the data scanned
//! (file names, archive members, S3 keys) shown without the control
//! characters they may hold.
//!
//! A file name can hold escape sequences: printed as it is, `a\x1b[2A...`
//! moves the cursor and overwrites earlier lines of the report, so a file
//! could hide what was found in another. The readable report and summary
//! show such characters escaped instead (`\u{1b}`, `\n`), as do the
//! Unicode controls that reorder text on screen (U+202A–U+202E,
//! U+2066–U+2069). JSON, SARIF and Macie output escape them by JSON's
//! rules and keep the names exact.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is.
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with its control characters escaped (see the module docs);
/// borrowed when it has none.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_are_escaped() {
        assert!(matches!(printable("logs/app.log"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(printable("données/é 1.txt"), "données/é 1.txt");
        assert_eq!(printable("a\x1b[2Ab.txt"), "a\\u{1b}[2Ab.txt");
        assert_eq!(printable("line\nbreak\r\t"), "line\\nbreak\\r\\t");
        assert_eq!(printable("x\u{7f}\u{9b}y"), "x\\u{7f}\\u{9b}y");
        assert_eq!(printable("invoice\u{202E}fdp.exe"), "invoice\\u{202e}fdp.exe");
    }
}
