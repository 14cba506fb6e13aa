//! Scanning text in chunks: slices (whole files, memory maps) and readers
//! (decompressors, network bodies), with identical results either way.
//!
//! Each step reports the matches that start in one chunk while searching the
//! chunk plus [`Scanner::context_len`] bytes on each side, so that a value
//! or keyword straddling a chunk boundary is seen whole. Lines are counted
//! once, incrementally, so findings carry line and column at no extra pass.

use std::io::{self, Read};
use std::ops::Range;

use crate::detect::engine::{Context, Match, Scanner, Scratch};
use crate::detect::lines::Lines;
use crate::report::{Finding, Location, Sink, TextLocation};

/// The default chunk size: large enough that the overlap costs little, small
/// enough to stay in cache.
pub const DEFAULT_CHUNK: usize = 1 << 20;

/// Settings for text scans.
#[derive(Clone, Debug)]
pub struct TextOptions {
    /// Bytes reported per step (the buffer also holds context on each side).
    pub chunk_size: usize,
    /// Keep raw values in findings.
    pub show_values: bool,
}

impl Default for TextOptions {
    fn default() -> TextOptions {
        TextOptions { chunk_size: DEFAULT_CHUNK, show_values: false }
    }
}

/// What a text scan saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextStats {
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings reported.
    pub findings: u64,
    /// Whether the sink asked to stop before the end.
    pub stopped: bool,
}

/// What [`Scanner::scan_segment`] counted of a segment, for the lines of
/// the segments after it.
pub(crate) struct SegmentScan {
    /// The newlines of the segment's `report` part.
    pub newlines: u64,
    /// The absolute offset of the last of them.
    pub last_newline: Option<u64>,
    /// UTF-16 code units after the last newline (or from the segment's
    /// start, when it has none) to its end.
    pub tail_units: u64,
}

/// One segment of a larger text, for [`Scanner::scan_segment`].
pub(crate) struct Segment<'a> {
    /// The segment with context on both sides.
    pub buf: &'a [u8],
    /// Absolute offset of `buf[0]`.
    pub base: u64,
    /// The segment itself, as offsets into `buf`.
    pub report: Range<usize>,
}

/// A read buffer that zeroes its storage once: bytes `..filled` are data,
/// the rest is space already allocated and initialized for the next reads.
/// (Growing a `Vec` with `resize` before every read would zero the whole
/// read size each time, however little the reader returns.) A dropped
/// buffer leaves its storage to the next one made on the same thread, so
/// that a thread reading file after file in blocks allocates and zeroes
/// its storage once, not once per file.
#[derive(Debug)]
pub(crate) struct ReadBuffer {
    storage: Vec<u8>,
    filled: usize,
}

thread_local! {
    /// The storage of the last [`ReadBuffer`] dropped on this thread.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Storage larger than this (a buffer that grew for one long line) is
/// freed rather than kept for the next buffer.
const SPARE_MAX: usize = 16 << 20;

impl Default for ReadBuffer {
    fn default() -> ReadBuffer {
        ReadBuffer { storage: SPARE.try_with(std::cell::Cell::take).unwrap_or_default(), filled: 0 }
    }
}

impl Drop for ReadBuffer {
    fn drop(&mut self) {
        if self.storage.len() <= SPARE_MAX {
            let storage = std::mem::take(&mut self.storage);
            // Of two buffers (one read inside another), the larger storage
            // is kept. A thread's storage is gone once it exits.
            let _ = SPARE.try_with(|spare| {
                let other = spare.take();
                spare.set(if other.len() > storage.len() { other } else { storage });
            });
        }
    }
}

impl ReadBuffer {
    /// The data read so far and not yet consumed.
    pub(crate) fn data(&self) -> &[u8] {
        &self.storage[..self.filled]
    }

    /// How many bytes of data there are.
    pub(crate) fn len(&self) -> usize {
        self.filled
    }

    /// Reads once from `reader`, at most `max` bytes (fewer while the storage
    /// grows); returns how many (0 at the end).
    ///
    /// # Errors
    /// The reader fails (`Interrupted` is retried).
    pub(crate) fn read_from(&mut self, reader: &mut dyn Read, max: usize) -> io::Result<usize> {
        let want = self.filled + max.max(1);
        if self.storage.len() < want {
            // Grow geometrically from 64 KiB: the storage is zeroed once, and
            // a small input never pays for zeroing a whole chunk.
            let target = want.min((self.storage.len() * 2).max(64 * 1024));
            self.storage.resize(target, 0);
        }
        let end = self.storage.len().min(want);
        loop {
            match reader.read(&mut self.storage[self.filled..end]) {
                Ok(n) => {
                    self.filled += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Drops the first `n` bytes of data.
    pub(crate) fn consume(&mut self, n: usize) {
        self.storage.copy_within(n..self.filled, 0);
        self.filled -= n;
    }
}

/// One text scan over a stream of chunks.
struct TextScan<'a> {
    scanner: &'a Scanner,
    source: &'a str,
    opts: &'a TextOptions,
    ctx: &'a Context,
    lines: Lines,
    stats: TextStats,
}

impl TextScan<'_> {
    /// Scans `buf[region]` reporting matches in `report` (both relative to `buf`,
    /// which starts at absolute offset `base`). Returns whether to go on.
    fn step(
        &mut self,
        scratch: &mut Scratch,
        buf: &[u8],
        base: u64,
        region: Range<usize>,
        report: Range<usize>,
        sink: &mut dyn Sink,
    ) -> bool {
        let hay = &buf[region.clone()];
        let rel = report.start - region.start..report.end - region.start;
        let mut go_on = true;
        let mut found: Vec<Match> = Vec::new();
        self.scanner.find(scratch, hay, rel, self.ctx, &mut |m| {
            found.push(*m);
            true
        });
        for m in found {
            let abs_start = base + (region.start + m.start) as u64;
            let abs_end = base + (region.start + m.end) as u64;
            self.lines.advance(buf, base, abs_start);
            let at = self.lines.position();
            let location = Location::Text(TextLocation {
                line: at.line,
                column: at.column,
                column_utf16: at.column_utf16,
                byte_start: abs_start,
                byte_end: abs_end,
                page: None,
            });
            let info = self.scanner.rule_info(m.rule);
            let value = &hay[m.start..m.end];
            self.stats.findings += 1;
            if !sink.finding(Finding::from_match(&info, &m, self.source, location, value, self.opts.show_values)) {
                go_on = false;
                self.stats.stopped = true;
                break;
            }
        }
        go_on
    }
}

impl Scanner {
    /// Scans a whole in-memory text (a file's bytes, a memory map), in chunks.
    ///
    /// # Example
    /// ```
    /// let scanner = trawl::Scanner::new(&trawl::Rules::builtin()?)?;
    /// let mut scratch = scanner.scratch();
    /// let mut findings: Vec<trawl::Finding> = Vec::new();
    /// let opts = trawl::TextOptions::default();
    /// scanner.scan_slice(&mut scratch, b"note\ncard 4532 0151 1283 0366\n", "mem", &opts, &mut findings);
    /// assert_eq!(findings[0].data_type.as_ref(), "CREDIT_CARD_NUMBER");
    /// assert_eq!(findings[0].location.line(), Some(2));
    /// assert_eq!(findings[0].redacted, "4532 **** **** 0366");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scan_slice(
        &self,
        scratch: &mut Scratch,
        hay: &[u8],
        source: &str,
        opts: &TextOptions,
        sink: &mut dyn Sink,
    ) -> TextStats {
        self.scan_slice_with(scratch, hay, source, opts, &Context::none(), sink)
    }

    /// As [`Scanner::scan_slice`], with container keywords (see [`Context`]).
    pub fn scan_slice_with(
        &self,
        scratch: &mut Scratch,
        hay: &[u8],
        source: &str,
        opts: &TextOptions,
        ctx: &Context,
        sink: &mut dyn Sink,
    ) -> TextStats {
        let context = self.context_len();
        let chunk = opts.chunk_size.max(1);
        let mut scan = TextScan { scanner: self, source, opts, ctx, lines: Lines::new(), stats: TextStats::default() };
        let mut start = 0;
        loop {
            let end = (start + chunk).min(hay.len());
            let region = start.saturating_sub(context)..(end + context).min(hay.len());
            if !scan.step(scratch, hay, 0, region, start..end, sink) {
                break;
            }
            if end == hay.len() {
                break;
            }
            start = end;
        }
        scan.stats.bytes = hay.len() as u64;
        scan.stats
    }

    /// Scans the part `report` of `buf` (whose first byte is at absolute
    /// offset `base`; see [`Segment`]) as one segment of a larger text: matches are reported
    /// only when they start in `report`, with the bytes around it as context,
    /// so that segments side by side find exactly what one scan of the whole
    /// text finds. Lines are counted from the start of `report` (line 1);
    /// columns of findings on that first line count from there too, and the
    /// caller, who knows the lines before the segment, corrects both, from
    /// the segment's newlines this returns.
    pub(crate) fn scan_segment(
        &self,
        scratch: &mut Scratch,
        segment: &Segment<'_>,
        source: &str,
        opts: &TextOptions,
        sink: &mut dyn Sink,
    ) -> SegmentScan {
        let Segment { buf, base, report } = segment;
        let (buf, base, report) = (*buf, *base, report.clone());
        let context = self.context_len();
        let chunk = opts.chunk_size.max(1);
        let at = base + report.start as u64;
        let lines = Lines::from_line(at, 1);
        let ctx = Context::none();
        let mut scan = TextScan { scanner: self, source, opts, ctx: &ctx, lines, stats: TextStats::default() };
        let mut start = report.start;
        while start < report.end {
            let end = (start + chunk).min(report.end);
            let region = start.saturating_sub(context)..(end + context).min(buf.len());
            if !scan.step(scratch, buf, base, region, start..end, sink) {
                break;
            }
            start = end;
        }
        // The lines were counted up to each finding; counted on to the
        // segment's end, each byte is counted once (a second count of the
        // whole segment cost 1% of a large log's time on two threads).
        scan.lines.advance(buf, base, base + report.end as u64);
        let newlines = scan.lines.line() - 1;
        SegmentScan {
            newlines,
            last_newline: (newlines > 0).then(|| scan.lines.line_start() - 1),
            tail_units: scan.lines.units().unwrap_or(0),
        }
    }

    /// Scans a reader as text, holding at most one chunk plus context in memory.
    ///
    /// # Errors
    /// Reading fails. The bytes read before the error are scanned, and their
    /// findings have reached `sink`; `TextStats` for them is lost, so callers
    /// that need counts should count in the sink.
    pub fn scan_reader(
        &self,
        scratch: &mut Scratch,
        reader: &mut dyn Read,
        source: &str,
        opts: &TextOptions,
        sink: &mut dyn Sink,
    ) -> io::Result<TextStats> {
        self.scan_reader_with(scratch, reader, source, opts, &Context::none(), sink)
    }

    /// As [`Scanner::scan_reader`], with container keywords (see [`Context`]).
    ///
    /// # Errors
    /// Reading fails.
    pub fn scan_reader_with(
        &self,
        scratch: &mut Scratch,
        reader: &mut dyn Read,
        source: &str,
        opts: &TextOptions,
        ctx: &Context,
        sink: &mut dyn Sink,
    ) -> io::Result<TextStats> {
        let context = self.context_len() as u64;
        let chunk = opts.chunk_size.max(1) as u64;
        let mut scan = TextScan { scanner: self, source, opts, ctx, lines: Lines::new(), stats: TextStats::default() };
        let mut rb = ReadBuffer::default();
        let mut base = 0u64;
        let mut report_start = 0u64;
        let mut eof = false;
        // A read error ends the data: what was read before it is still scanned.
        let mut failed = None;
        loop {
            let want = (report_start - base + chunk + context) as usize;
            while rb.len() < want && !eof {
                let grow = (want - rb.len()).clamp(64 * 1024, 8 << 20);
                match rb.read_from(reader, grow) {
                    Ok(n) => eof = n == 0,
                    Err(e) => (eof, failed) = (true, Some(e)),
                }
            }
            let buf = rb.data();
            let buf_end = base + buf.len() as u64;
            let report_end = if eof { buf_end } else { report_start + chunk };
            let region_start = report_start.saturating_sub(context).max(base);
            let region_end = (report_end + context).min(buf_end);
            let rel = |x: u64| (x - base) as usize;
            if report_end > report_start
                && !scan.step(
                    scratch,
                    buf,
                    base,
                    rel(region_start)..rel(region_end),
                    rel(report_start)..rel(report_end),
                    sink,
                )
            {
                break;
            }
            scan.stats.bytes = report_end;
            if eof {
                break;
            }
            report_start = report_end;
            let keep_from = report_start.saturating_sub(context);
            if keep_from > base && (keep_from - base) as usize >= buf.len() / 2 {
                scan.lines.advance(buf, base, keep_from);
                let n = rel(keep_from);
                rb.consume(n);
                base = keep_from;
            }
        }
        failed.map_or(Ok(scan.stats), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rules;

    #[test]
    fn a_read_buffer_reuses_the_storage_of_the_last_one_dropped_on_its_thread() {
        let data = vec![7u8; 300 << 10];
        let mut first = ReadBuffer::default();
        while first.read_from(&mut &data[first.len()..], 1 << 20).unwrap() > 0 {}
        assert_eq!(first.data(), &data[..]);
        let grown = first.storage.len();
        assert!(grown >= data.len());
        drop(first);
        let mut second = ReadBuffer::default();
        assert_eq!((second.storage.len(), second.len()), (grown, 0), "the storage is kept, the data is not");
        assert_eq!(second.read_from(&mut &b"abc"[..], 10).unwrap(), 3);
        assert_eq!(second.data(), b"abc");
        // Another thread starts afresh.
        std::thread::spawn(|| assert_eq!(ReadBuffer::default().storage.len(), 0)).join().unwrap();
    }

    fn scanner() -> Scanner {
        let mut rules = Rules::empty();
        rules
            .add_toml(
                "t",
                r#"
[[rule]]
id = "t.ssn.1"
type = "SSN"
name = "ssn"
category = "PERSONAL_INFORMATION"
regex = '\b(\d{3}-\d{2}-\d{4})\b'
digits = 9
keywords = ["ssn"]
keyword_required = true

[[rule]]
id = "t.key.1"
type = "KEY"
name = "key"
category = "CREDENTIALS"
regex = '\b(AKIA[A-Z2-7]{16})\b'
"#,
            )
            .unwrap();
        Scanner::new(&rules).unwrap()
    }

    #[test]
    fn lines_and_columns() {
        let s = scanner();
        let mut scratch = s.scratch();
        let hay = b"first line\nssn: 123-45-6789\n\nkey AKIAZ7XJQW3MVDK2PLRT end";
        let mut out: Vec<Finding> = Vec::new();
        s.scan_slice(&mut scratch, hay, "x", &TextOptions::default(), &mut out);
        let locs: Vec<(u64, u64)> = out
            .iter()
            .map(|f| match &f.location {
                Location::Text(t) => (t.line, t.column),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(locs, vec![(2, 6), (4, 5)]);
    }

    #[test]
    fn columns_count_utf16_units_after_non_ascii_text() {
        let s = scanner();
        let mut scratch = s.scratch();
        // "é" is 2 bytes and 1 unit, "😀" 4 bytes and 2 units.
        let hay = "ssn: 123-45-6789\ncl\u{e9} \u{1F600} ssn: 123-45-6789\n".as_bytes();
        let mut whole: Vec<Finding> = Vec::new();
        s.scan_slice(&mut scratch, hay, "x", &TextOptions::default(), &mut whole);
        let cols: Vec<(u64, Option<u64>)> = whole
            .iter()
            .map(|f| match &f.location {
                Location::Text(t) => (t.column, t.column_utf16),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(cols, vec![(6, None), (16, Some(13))]);
        // The same from a reader giving one byte at a time, in tiny chunks.
        for chunk in [1, 5, 64] {
            let opts = TextOptions { chunk_size: chunk, show_values: false };
            let mut read: Vec<Finding> = Vec::new();
            let mut reader = crate::testutil::Dribble { data: hay, step: 1 };
            s.scan_reader(&mut scratch, &mut reader, "x", &opts, &mut read).unwrap();
            assert_eq!(read, whole, "chunk {chunk}");
        }
    }

    #[test]
    fn tiny_chunks_match_whole_buffer() {
        let s = scanner();
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!(
                "row {i} ssn: 123-45-{:04} AKIAZ7XJQW3MVDK2PL{}T\n",
                1000 + i,
                (b'A' + (i % 26) as u8) as char
            ));
        }
        let hay = text.as_bytes();
        let mut scratch = s.scratch();
        let mut whole: Vec<Finding> = Vec::new();
        s.scan_slice(&mut scratch, hay, "x", &TextOptions { chunk_size: 1 << 30, show_values: true }, &mut whole);
        assert_eq!(whole.len(), 80);
        for chunk in [1, 7, 13, 64, 1000] {
            let opts = TextOptions { chunk_size: chunk, show_values: true };
            let mut sliced: Vec<Finding> = Vec::new();
            s.scan_slice(&mut scratch, hay, "x", &opts, &mut sliced);
            assert_eq!(sliced, whole, "slice, chunk {chunk}");
            let mut read: Vec<Finding> = Vec::new();
            let mut reader = crate::testutil::Dribble { data: hay, step: 1 };
            s.scan_reader(&mut scratch, &mut reader, "x", &opts, &mut read).unwrap();
            assert_eq!(read, whole, "reader, chunk {chunk}");
        }
    }
}
