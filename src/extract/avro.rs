//! Avro object container files: every record's values scanned with their
//! field paths as keyword context, findings placed at record and path.
//!
//! Placeholder: scans the bytes as binary until implemented.

use std::io::Read;

use crate::Scratch;
use crate::extract::plain;
use crate::extract::{Extractor, Format, Nesting};
use crate::report::Sink;

/// Scans an Avro object container file.
pub(crate) fn scan(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let _ = nest;
    plain::scan_text_stream(x, scratch, reader, Format::Binary, source, sink)
}
