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
        let text = String::from_utf8_lossy(value);
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
