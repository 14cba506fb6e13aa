//! One large plain-text file scanned by several threads: the file is cut into
//! segments, each read (with context on both sides) and scanned on a thread
//! of rayon's global pool, and the findings are emitted in file order with
//! their line numbers and columns made absolute.
//!
//! Segments are scanned in waves of a few per thread, so memory stays
//! bounded by the threads times a few segments (plus their findings). A segment reports only
//! the matches that start in it and sees the bytes around it as context, the
//! same rule as the chunks of one stream (`detect::stream`), so the findings
//! are exactly those of one scan of the whole file.

use std::ops::Range;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::detect::Scanner;
use crate::detect::stream::Segment;
use crate::extract::{Extractor, Format, RandomAccess};
use crate::report::{Finding, Location, Problem, Scanned, Sink};
use crate::{Scratch, TextOptions};

/// Files at least this large are scanned in segments when threads allow.
/// Smaller files are left to the walk's own parallelism (one file per
/// thread): splitting them too made a directory scan slower (scaling on the
/// benchmark corpus, whose largest files are 134 MB, fell from 2.0x to 1.75x
/// on two threads), while a file this large takes a second or more alone.
pub(crate) const MIN_BYTES: u64 = 256 << 20;

/// Bytes per segment.
const SEGMENT: u64 = 2 << 20;

/// Segments per wave and thread: more keeps threads busy while the slowest
/// segment of a wave finishes, fewer bounds memory.
const PER_THREAD: u64 = 4;

/// What one segment produced.
struct Part {
    findings: Vec<Finding>,
    /// Newlines in the segment, and the offset of its last one.
    newlines: u64,
    last_newline: Option<u64>,
}

/// Scans `src` as plain UTF-8 text with up to `x.options().parallel` threads.
pub(crate) fn scan_text(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    scan_text_in(x, scratch, src, source, SEGMENT, sink)
}

/// [`scan_text`] with segments of `segment` bytes.
fn scan_text_in(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    segment: u64,
    sink: &mut dyn Sink,
) -> bool {
    let scanner = x.scanner();
    let opts = &x.options().text;
    let wave_len = x.options().parallel.max(1) as u64 * PER_THREAD;
    let len = src.len();
    let count = len.div_ceil(segment);
    let scratches: Mutex<Vec<Scratch>> = Mutex::new(Vec::new());
    // Lines before the current segment, and where the last of them ended.
    let mut lines_before = 0u64;
    let mut line_start = 0u64;
    let mut findings = 0u64;
    let mut scanned = 0u64;
    let mut go_on = true;
    'waves: for wave in (0..count).step_by(wave_len as usize) {
        let segments: Vec<Range<u64>> =
            (wave..(wave + wave_len).min(count)).map(|k| k * segment..((k + 1) * segment).min(len)).collect();
        let results: Vec<std::io::Result<Part>> = segments
            .par_iter()
            .map(|r| {
                let mut s = scratches.lock().expect("scratch pool").pop().unwrap_or_else(|| scanner.scratch());
                let out = scan_segment(scanner, &mut s, src, len, r.clone(), source, opts);
                scratches.lock().expect("scratch pool").push(s);
                out
            })
            .collect();
        for (r, seg) in segments.iter().zip(results) {
            let seg = match seg {
                Ok(seg) => seg,
                Err(e) => {
                    // Reported; the scan goes on with the other files.
                    sink.problem(Problem::partial(source, format!("read error at byte {}: {e}", r.start)));
                    break 'waves;
                }
            };
            for mut f in seg.findings {
                if let Location::Text(t) = &mut f.location {
                    if t.line == 1 {
                        t.column = t.byte_start - line_start + 1;
                    }
                    t.line += lines_before;
                }
                findings += 1;
                if !sink.finding(f) {
                    go_on = false;
                    break 'waves;
                }
            }
            lines_before += seg.newlines;
            if let Some(nl) = seg.last_newline {
                line_start = nl + 1;
            }
            scanned = r.end;
        }
    }
    for s in scratches.into_inner().expect("scratch pool").iter() {
        scratch.absorb_stats(s);
    }
    sink.scanned(Scanned {
        source: source.to_string(),
        format: Format::Text.name().into(),
        bytes: scanned,
        findings,
        binary: false,
        container: false,
    });
    go_on
}

/// Reads segment `r` of `src` (`len` bytes in all) with context on both
/// sides and scans it.
fn scan_segment(
    scanner: &Scanner,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    len: u64,
    r: Range<u64>,
    source: &str,
    opts: &TextOptions,
) -> std::io::Result<Part> {
    thread_local! {
        static BUF: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let context = scanner.context_len() as u64;
    let start = r.start.saturating_sub(context);
    let end = (r.end + context).min(len);
    let mut buf = BUF.take();
    buf.resize((end - start) as usize, 0);
    let read = src.read_at(start, &mut buf);
    let out = read.map(|()| {
        let report = (r.start - start) as usize..(r.end - start) as usize;
        let mut findings: Vec<Finding> = Vec::new();
        let segment = Segment { buf: &buf, base: start, report: report.clone() };
        scanner.scan_segment(scratch, &segment, source, opts, &mut findings);
        let part = &buf[report.clone()];
        Part {
            findings,
            newlines: memchr::memchr_iter(b'\n', part).count() as u64,
            last_newline: memchr::memrchr(b'\n', part).map(|i| r.start + i as u64),
        }
    });
    BUF.set(buf);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Data, Mem, Options};
    use crate::report::Collect;
    use crate::testutil::builtin;

    /// Text with values of several kinds on lines of every length, some
    /// longer than a segment.
    fn text() -> Vec<u8> {
        let mut t = String::new();
        for i in 0..400 {
            t.push_str(&format!("{i} note ssn: 536-22-{:04} mail a{i}@example.com", 4100 + i % 80));
            t.push_str(&" filler".repeat(i % 37));
            if i % 50 == 7 {
                t.push_str(&" long line".repeat(300)); // 3,000 bytes with no newline
                t.push_str(" card 4532 0151 1283 0366");
            }
            t.push('\n');
        }
        t.into_bytes()
    }

    #[test]
    fn segments_find_exactly_what_one_scan_finds() {
        let scanner = builtin();
        let mut opts = Options { parallel: 2, ..Options::default() };
        opts.text.chunk_size = 700;
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = text();
        let mut whole = Collect::default();
        x.scan(&mut scratch, Data::Bytes(&bytes), "t.txt", &mut whole);
        assert!(whole.findings.len() > 800, "{}", whole.findings.len());
        for segment in [1_000, 1_777, 4_096, 1 << 20] {
            let mut parts = Collect::default();
            assert!(scan_text_in(&x, &mut scratch, &Mem(&bytes), "t.txt", segment, &mut parts));
            assert!(parts.problems.is_empty(), "{:?}", parts.problems);
            assert_eq!(parts.findings, whole.findings, "segment {segment}");
            assert_eq!(parts.scanned[0].bytes, bytes.len() as u64);
            assert_eq!(parts.scanned[0].findings, whole.findings.len() as u64);
        }
    }

    /// A source that fails past a point, as a file truncated mid-scan would.
    struct Failing<'a>(&'a [u8], u64);

    impl RandomAccess for Failing<'_> {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
            if offset + buf.len() as u64 > self.1 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            Mem(self.0).read_at(offset, buf)
        }
    }

    #[test]
    fn a_read_error_is_reported_and_what_came_before_is_kept() {
        let scanner = builtin();
        let opts = Options { parallel: 2, ..Options::default() };
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = text();
        let mut out = Collect::default();
        // Segments 0 to 2 read (with their context) before the failure point, segment 3 does not.
        let fail_at = 3 * 4_096 + scanner.context_len() as u64;
        assert!(bytes.len() as u64 > fail_at + 4_096);
        assert!(scan_text_in(&x, &mut scratch, &Failing(&bytes, fail_at), "t.txt", 4_096, &mut out));
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(out.problems[0].reason.contains("read error at byte"), "{}", out.problems[0].reason);
        assert!(out.problems[0].reason.contains("12288"), "{}", out.problems[0].reason);
        assert!(!out.findings.is_empty());
        assert!(out.findings.iter().all(|f| matches!(&f.location, Location::Text(t) if t.byte_start < 3 * 4_096)));
        assert_eq!(out.scanned[0].bytes, 3 * 4_096);
    }
}
