//! Archives (zip, tar): every member scanned as its own source, named
//! `archive!member/path`, nested archives opened up to the depth limit.
//!
//! Placeholder: scans the archive bytes as binary until implemented.

use std::io::Read;

use crate::Scratch;
use crate::extract::plain;
use crate::extract::{Extractor, Format, Nesting, RandomAccess, RandomReader};
use crate::report::Sink;

/// Scans every member of a zip archive.
pub(crate) fn scan_zip(
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

/// Scans every member of a tar archive.
pub(crate) fn scan_tar(
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
