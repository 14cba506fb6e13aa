//! One large plain-text or JSON Lines file scanned by several threads: the
//! file is cut into segments, each read (with context on both sides) and
//! scanned by one of `Options::parallel` threads, and the findings are
//! emitted in file order (through `extract::ordered`, which holds only a few
//! per segment) with their line numbers and columns made absolute.
//!
//! JSON Lines segments are cut at line ends (a JSON value holds no raw
//! newline, so every line is a record wherever the file is cut): a first
//! parallel pass finds each segment's line ends and counts its lines, so
//! that the second, the scan, knows the record and line numbers it starts at.
//!
//! Memory stays bounded by the threads times one segment, whatever the
//! number of findings. A segment reports only the matches that start in it and sees the bytes around it as context, the
//! same rule as the chunks of one stream (`detect::stream`), so the findings
//! are exactly those of one scan of the whole file.

use std::io::Read;
use std::ops::Range;

use rayon::prelude::*;

use crate::detect::Scanner;
use crate::detect::stream::Segment;
use crate::extract::blocks::Window;
use crate::extract::ordered::{Step, run_ordered};
use crate::extract::{Extractor, Format, RandomAccess, RandomReader, json};
use crate::report::{Location, Problem, Scanned, Sink};
use crate::{Scratch, TextOptions};

/// Files at least this large are scanned in segments when threads allow.
/// Smaller files are left to the walk's own parallelism (one file per
/// thread): splitting them too made a directory scan slower (scaling on the
/// benchmark corpus, whose largest files are 134 MB, fell from 2.0x to 1.75x
/// on two threads), while a file this large takes a second or more alone.
pub(crate) const MIN_BYTES: u64 = 256 << 20;

/// Bytes per segment.
const SEGMENT: u64 = 2 << 20;

/// Bytes per JSON Lines segment: each segment reads its lines twice (to
/// count them, then to scan them) and starts a JSON scan of its own, so
/// segments are larger than plain-text ones (with 2 MiB segments a 400 MB
/// file took 17% more CPU time than one thread's scan; with 16 MiB, 4%).
const JSONL_SEGMENT: u64 = 16 << 20;

/// Malformed JSON lines reported one by one; the rest are counted in one
/// warning (as in a scan by one thread).
const MAX_WARNINGS: u64 = 10;

/// What one plain-text segment holds besides its findings: its newlines,
/// and the offset of the last one.
struct Part {
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
    let len = src.len();
    let segments: Vec<Range<u64>> =
        (0..len.div_ceil(segment)).map(|k| k * segment..((k + 1) * segment).min(len)).collect();
    // Lines before the segment being emitted, and where the last of them ended.
    let (mut lines_before, mut line_start, mut scanned) = (0u64, 0u64, 0u64);
    let outcome = run_ordered(
        scanner,
        scratch,
        x.options().parallel,
        &segments,
        |r, s, out| scan_segment(scanner, s, src, len, r.clone(), source, opts, out),
        sink,
        |k, step, sink| match step {
            Step::Finding(f) => {
                if let Location::Text(t) = &mut f.location {
                    if t.line == 1 {
                        t.column = t.byte_start - line_start + 1;
                    }
                    t.line += lines_before;
                }
                true
            }
            Step::Problem(p) => {
                sink.problem(p);
                true
            }
            Step::Done(Ok(part)) => {
                lines_before += part.newlines;
                if let Some(nl) = part.last_newline {
                    line_start = nl + 1;
                }
                scanned = segments[k].end;
                true
            }
            Step::Done(Err(e)) => {
                // Reported; the scan goes on with the other files.
                let at = segments[k].start;
                sink.problem(Problem::partial(source, format!("read error at byte {at}: {e}")));
                false
            }
        },
    );
    sink.scanned(Scanned {
        source: source.to_string(),
        format: Format::Text.name().into(),
        bytes: scanned,
        findings: outcome.findings,
        binary: false,
        container: false,
    });
    outcome.sink_wants_more
}

/// Reads segment `r` of `src` (`len` bytes in all) with context on both
/// sides, scans it into `sink` (line numbers counted from the segment's
/// start) and counts its newlines.
#[allow(clippy::too_many_arguments)]
fn scan_segment(
    scanner: &Scanner,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    len: u64,
    r: Range<u64>,
    source: &str,
    opts: &TextOptions,
    sink: &mut dyn Sink,
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
        let segment = Segment { buf: &buf, base: start, report: report.clone() };
        scanner.scan_segment(scratch, &segment, source, opts, sink);
        let part = &buf[report];
        Part {
            newlines: memchr::memchr_iter(b'\n', part).count() as u64,
            last_newline: memchr::memrchr(b'\n', part).map(|i| r.start + i as u64),
        }
    });
    BUF.set(buf);
    out
}

/// Scans `src` as JSON Lines with up to `x.options().parallel` threads.
pub(crate) fn scan_jsonl(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    scan_jsonl_in(x, scratch, src, source, JSONL_SEGMENT, sink)
}

/// [`scan_jsonl`] with segments of about `segment` bytes.
fn scan_jsonl_in(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    src: &dyn RandomAccess,
    source: &str,
    segment: u64,
    sink: &mut dyn Sink,
) -> bool {
    let scanner = x.scanner();
    let context = scanner.context_len() as u64;
    let len = src.len();
    // First pass: where each segment's lines start and end, and how many there are.
    let cuts: Vec<u64> = (0..len.div_ceil(segment)).map(|k| k * segment).collect();
    let spans: Vec<std::io::Result<(Range<u64>, u64)>> =
        cuts.par_iter().map(|&at| line_span(src, at, (at + segment).min(len))).collect();
    let mut jobs: Vec<(Range<u64>, u64)> = Vec::new();
    let mut failed = None;
    let mut lines_before = 0;
    for (&at, span) in cuts.iter().zip(spans) {
        match span {
            Ok((span, lines)) => {
                jobs.push((span, lines_before));
                lines_before += lines;
            }
            Err(e) => {
                failed = Some((at, e));
                break;
            }
        }
    }
    // Second pass: the scan, each segment knowing the line it starts at.
    let (mut malformed, mut scanned) = (0u64, 0u64);
    let outcome = run_ordered(
        scanner,
        scratch,
        x.options().parallel,
        &jobs,
        |(span, first_line), s, out| {
            if span.is_empty() {
                return None;
            }
            let lo = span.start.saturating_sub(context);
            let mut reader = RandomReader::at(src, lo).take((span.end + context).min(len) - lo);
            let w = Window::new_at(&mut reader, lo);
            json::scan_lines_segment(x, s, w, span.clone(), *first_line, source, out).1
        },
        sink,
        |k, step, sink| match step {
            Step::Finding(_) => true,
            // Every problem of a segment is a line read as text.
            Step::Problem(p) => {
                malformed += 1;
                if malformed <= MAX_WARNINGS {
                    sink.problem(p);
                }
                true
            }
            Step::Done(None) => {
                scanned = jobs[k].0.end;
                true
            }
            Step::Done(Some(e)) => {
                let span = &jobs[k].0;
                sink.problem(Problem::partial(
                    source,
                    format!("read error in bytes {}..{}: {e}", span.start, span.end),
                ));
                false
            }
        },
    );
    if let Some((at, e)) = failed.filter(|_| outcome.finished) {
        sink.problem(Problem::partial(source, format!("read error at byte {at}: {e}")));
    }
    if malformed > MAX_WARNINGS {
        let more = malformed - MAX_WARNINGS;
        sink.problem(Problem::warning(source, format!("{more} more malformed lines scanned as text")));
    }
    sink.scanned(Scanned {
        source: source.to_string(),
        format: Format::Jsonl.name().into(),
        bytes: scanned,
        findings: outcome.findings,
        binary: false,
        container: false,
    });
    outcome.sink_wants_more
}

/// The lines of the segment cut at `from..to`: from the first line start at
/// or after `from` to the first at or after `to` (or the end), and how many
/// newlines they hold. Reads in blocks, so a long line costs no memory.
fn line_span(src: &dyn RandomAccess, from: u64, to: u64) -> std::io::Result<(Range<u64>, u64)> {
    let mut buf = vec![0u8; 64 * 1024];
    // Lines are short in most files: look for their ends in small reads.
    let start = line_start_at(src, from, &mut buf[..4096])?;
    let end = line_start_at(src, to, &mut buf[..4096])?.max(start);
    let mut lines = 0u64;
    let mut pos = start;
    while pos < end {
        let n = ((end - pos) as usize).min(buf.len());
        src.read_at(pos, &mut buf[..n])?;
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        pos += n as u64;
    }
    Ok((start..end, lines))
}

/// The first offset at or after `at` that starts a line (follows a newline,
/// or is 0), or the length of `src` if none does.
fn line_start_at(src: &dyn RandomAccess, at: u64, buf: &mut [u8]) -> std::io::Result<u64> {
    let len = src.len();
    if at == 0 || at >= len {
        return Ok(at.min(len));
    }
    let mut pos = at - 1;
    while pos < len {
        let n = ((len - pos) as usize).min(buf.len());
        src.read_at(pos, &mut buf[..n])?;
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    Ok(len)
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

    /// JSON Lines with values of several kinds, malformed lines (more than
    /// are reported one by one), blank lines, CRLF ends and lines longer
    /// than a segment.
    fn jsonl() -> Vec<u8> {
        let mut t = String::new();
        for i in 0..300 {
            match i % 23 {
                3 => t.push_str(&format!("{{broken ssn 536-22-{:04}\n", 4100 + i % 80)),
                9 => t.push('\n'),
                _ => {
                    let pad = "x".repeat(if i % 97 == 5 { 5_000 } else { i % 53 });
                    t.push_str(&format!(
                        r#"{{"id":{i},"customer":{{"ssn":"536-22-{:04}","email":"a{i}@example.com"}},"note":"{pad}","card":"4532 0151 1283 0366"}}"#,
                        4100 + i % 80
                    ));
                    t.push_str(if i % 7 == 0 { "\r\n" } else { "\n" });
                }
            }
        }
        t.push_str(r#"{"last":"no newline","ssn":"536-22-4199"}"#);
        t.into_bytes()
    }

    #[test]
    fn jsonl_segments_find_exactly_what_one_scan_finds() {
        let scanner = builtin();
        let mut opts = Options { parallel: 2, ..Options::default() };
        opts.text.chunk_size = 700;
        opts.text.show_values = true;
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = jsonl();
        let mut whole = Collect::default();
        x.scan(&mut scratch, Data::Bytes(&bytes), "t.jsonl", &mut whole);
        assert_eq!(whole.scanned[0].format, "jsonl");
        assert!(whole.findings.len() > 700, "{}", whole.findings.len());
        assert!(whole.findings.iter().any(|f| matches!(&f.location, Location::Record(r) if r.record > 250)));
        assert_eq!(whole.problems.len(), 11, "{:?}", whole.problems);
        for segment in [1_777, 4_096, 1 << 20] {
            let mut parts = Collect::default();
            assert!(scan_jsonl_in(&x, &mut scratch, &Mem(&bytes), "t.jsonl", segment, &mut parts));
            assert_eq!(parts.findings, whole.findings, "segment {segment}");
            assert_eq!(parts.problems, whole.problems, "segment {segment}");
            assert_eq!(parts.scanned, whole.scanned, "segment {segment}");
        }
    }

    #[test]
    fn line_spans_cut_at_line_starts() {
        let data = b"ab\ncd\n\nlong line here\nz";
        let src = Mem(data);
        let mut buf = vec![0u8; 4];
        let starts: Vec<u64> =
            (0..=data.len() as u64 + 2).map(|at| line_start_at(&src, at, &mut buf).unwrap()).collect();
        assert_eq!(&starts[..9], &[0, 3, 3, 3, 6, 6, 6, 7, 22]);
        assert_eq!(starts[9], 22, "inside the long line: the next line's start");
        assert_eq!(*starts.last().unwrap(), data.len() as u64);
        assert_eq!(line_span(&src, 1, 7).unwrap(), (3..7, 2));
        assert_eq!(line_span(&src, 9, 12).unwrap(), (22..22, 0), "a segment inside one line is empty");
        assert_eq!(line_span(&src, 20, data.len() as u64).unwrap(), (22..23, 0));
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

    #[test]
    fn a_read_error_in_jsonl_is_reported_and_what_came_before_is_kept() {
        let scanner = builtin();
        let opts = Options { parallel: 2, ..Options::default() };
        let x = Extractor::new(scanner, &opts);
        let mut scratch = scanner.scratch();
        let bytes = jsonl();
        let fail_at = bytes.len() as u64 / 2;
        let mut out = Collect::default();
        assert!(scan_jsonl_in(&x, &mut scratch, &Failing(&bytes, fail_at), "t.jsonl", 4_096, &mut out));
        let errors: Vec<_> = out.problems.iter().filter(|p| p.reason.contains("read error")).collect();
        assert_eq!(errors.len(), 1, "{:?}", out.problems);
        assert!(!out.findings.is_empty());
        let scanned = out.scanned[0].bytes;
        assert!(scanned > 0 && scanned < fail_at, "{scanned}");
        // Findings up to the failure are kept, in order, none past it.
        let ends: Vec<u64> = out
            .findings
            .iter()
            .map(|f| match &f.location {
                Location::Record(r) => r.byte_end.unwrap(),
                Location::Text(t) => t.byte_end,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(ends.iter().all(|&e| e <= fail_at), "{ends:?}");
    }
}
