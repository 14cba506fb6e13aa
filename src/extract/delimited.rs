//! Delimited tables (CSV, TSV, `;`, `|`): findings placed at row and column,
//! column names acting as keywords.
//!
//! Placeholder: scans as text until implemented.

use std::io::Read;

use crate::Scratch;
use crate::extract::plain;
use crate::extract::{Extractor, Format};
use crate::report::Sink;

/// Scans an in-memory table.
pub(crate) fn scan_bytes(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    bytes: &[u8],
    delimiter: u8,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    plain::scan_text_bytes(x, scratch, bytes, Format::Delimited(delimiter), source, sink)
}

/// Scans a streamed table.
pub(crate) fn scan_stream(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    delimiter: u8,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    plain::scan_text_stream(x, scratch, reader, Format::Delimited(delimiter), source, sink)
}
