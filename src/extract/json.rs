//! JSON documents and JSON Lines: findings placed at record and JSON path,
//! path elements acting as keywords.
//!
//! Placeholder: scans as text until implemented.

use std::io::Read;

use crate::Scratch;
use crate::extract::plain;
use crate::extract::{Extractor, Format, Nesting};
use crate::report::Sink;

/// Scans an in-memory JSON document or JSONL file.
pub(crate) fn scan_bytes(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    bytes: &[u8],
    format: Format,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    plain::scan_text_bytes(x, scratch, bytes, format, source, sink)
}

/// Scans a streamed JSON document or JSONL file.
pub(crate) fn scan_stream(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    format: Format,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let _ = nest;
    plain::scan_text_stream(x, scratch, reader, format, source, sink)
}
