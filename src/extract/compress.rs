//! Compressed streams (gzip, zstd, bzip2, xz), decompressed as they stream.
//!
//! Placeholder: scans the compressed bytes as binary until implemented.

use std::io::Read;

use crate::Scratch;
use crate::extract::plain;
use crate::extract::{Extractor, Format, Nesting};
use crate::report::Sink;

/// Decompresses `reader` (`compressed_len` bytes when known, else 0) and scans the inner stream.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    compressed_len: u64,
    format: Format,
    source: &str,
    nest: Nesting<'_>,
    sink: &mut dyn Sink,
) -> bool {
    let _ = (compressed_len, nest, format);
    plain::scan_text_stream(x, scratch, reader, Format::Binary, source, sink)
}
