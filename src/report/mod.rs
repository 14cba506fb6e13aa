//! Findings and everything that writes them out.
//!
//! `finding.rs` is the model, `redact.rs` masks values, `sink.rs` is the push
//! interface scans write to, `summary.rs` totals a scan, and the printers
//! (`printer.rs` for human and JSON, `sarif.rs`, `macie.rs`) turn the event
//! stream into output; `terminal.rs` keeps control characters of scanned
//! names off the terminal.

mod finding;
mod json_finding;
mod macie;
mod printer;
mod redact;
mod sarif;
mod sink;
mod summary;
mod symbol;
mod terminal;

pub use finding::{Category, CellLocation, Confidence, Finding, Location, RecordLocation, ShortLocation, TextLocation};
pub use macie::Macie;
pub use printer::{Human, JsonDocument, JsonLines, Printer};
pub use redact::{PUBLIC_PREFIXES, redact};
pub use sarif::Sarif;
pub use sink::{Collect, Problem, Scanned, Severity, Sink};
pub use summary::{Summary, human_bytes};
pub use symbol::Symbol;
pub use terminal::printable;

use crate::detect::{Match, RuleInfo};

impl Finding {
    /// Builds a finding for a match whose value is `value`, masking it unless
    /// `show_value` is set.
    pub fn from_match(
        info: &RuleInfo,
        m: &Match,
        source: &str,
        location: Location,
        value: &[u8],
        show_value: bool,
    ) -> Finding {
        // Checked by `from_utf8`'s word-at-a-time loop first: the lossy
        // conversion reads byte by byte even when there is nothing to replace.
        let text = match std::str::from_utf8(value) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(value),
        };
        Finding {
            source: source.to_string(),
            data_type: info.data_type,
            category: info.category,
            rule: info.id,
            location,
            validated: m.validated,
            confidence: m.confidence,
            redacted: redact(&text, info.category),
            value: show_value.then(|| text.into_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_utf8_with_bad_bytes_replaced() {
        let info = RuleInfo { id: "r".into(), data_type: "T".into(), category: Category::PersonalInformation };
        let m = Match { rule: 0, start: 0, end: 0, validated: false, keyword: false, confidence: Confidence::High };
        let at = || Location::Text(TextLocation::plain(1, 1, 0, 1));
        let value = |bytes: &[u8]| Finding::from_match(&info, &m, "a.txt", at(), bytes, true).value.unwrap();
        assert_eq!(value("123-45-6789 Jürgen".as_bytes()), "123-45-6789 Jürgen");
        assert_eq!(value(b"123-45\xff6789"), "123-45\u{fffd}6789");
        let masked = Finding::from_match(&info, &m, "a.txt", at(), b"4532 0151\xc3 1283 0366", false);
        assert_eq!((masked.redacted.as_str(), masked.value), ("4532 ****\u{fffd} **** 0366", None));
    }
}
