//! Apache Parquet: streamed row group by row group, every value scanned with
//! its column path as keyword context, findings placed at row group, record and path.
//!
//! Placeholder: scans the file bytes as binary until implemented.

use crate::Scratch;
use crate::extract::plain;
use crate::extract::{Extractor, Format, Nesting, RandomAccess, RandomReader};
use crate::report::Sink;

/// Scans a Parquet file.
pub(crate) fn scan(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let _ = nest;
    let mut r = RandomReader::new(src);
    plain::scan_text_stream(x, scratch, &mut r, Format::Binary, source, sink)
}
