//! Turning sources into scannable text: format detection, decoding,
//! decompression, archives and structured formats, each finding placed at
//! its line, cell or record.
//!
//! The entry point is [`Extractor`]. It receives the bytes of one source as
//! [`Data`] (in memory, a stream, or random access for formats that read from
//! the end such as Parquet and zip), detects the format (`sniff.rs`) and
//! hands the data to the module that reads it. Containers (compressed streams,
//! archives) recurse with a depth and a shared [`Budget`] so that
//! decompression bombs are cut off.
//!
//! This module knows nothing of where the bytes come from (`source/`) or how
//! findings are printed (`report/`).

mod ahead;
mod archive;
mod avro;
mod blocks;
mod compress;
mod delimited;
#[cfg(feature = "office")]
mod document;
#[cfg(feature = "email")]
mod email;
mod guard;
mod json;
mod json_cuts;
mod json_lexer;
mod json_shape;
mod limit;
mod md_tables;
mod names;
#[cfg(feature = "office")]
mod office;
#[cfg(feature = "office")]
mod ole;
mod ordered;
mod parallel;
mod parquet;
#[cfg(feature = "parquet")]
mod parquet_pages;
#[cfg(feature = "pdf")]
mod pdf;
#[cfg(feature = "pdf")]
mod pdf_streams;
pub(crate) mod plain;
mod records;
pub mod sniff;
#[cfg(any(feature = "parquet", feature = "avro", feature = "office"))]
// Workbooks use only its number writing.
#[cfg_attr(not(any(feature = "parquet", feature = "avro")), allow(dead_code))]
mod values;
#[cfg(feature = "office")]
mod workbook;

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::detect::stream::TextOptions;
use crate::detect::{Scanner, Scratch};
use crate::report::{Problem, Scanned, Sink};
pub use sniff::{Format, sniff};

/// The `arrow-array` crate whose [`RecordBatch`](arrow_array::RecordBatch)
/// [`Extractor::scan_record_batch`] takes, so that callers build batches
/// with the same version.
#[cfg(feature = "parquet")]
pub use arrow_array;

/// What [`Extractor::scan_record_batch`] did.
#[cfg(feature = "parquet")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchScan {
    /// Findings sent to the sink.
    pub findings: u64,
    /// Bytes of values scanned, as written out as text (integers in decimal,
    /// dates and timestamps in ISO form).
    pub bytes: u64,
    /// Whether the sink wants more (false once it asked to stop).
    pub more: bool,
}

/// Malformed records of one file (CSV rows, JSON lines) reported one by one;
/// the rest are counted in one warning.
pub(crate) const MAX_WARNINGS: u64 = 10;

/// Ends the report of a table or JSON scan of `source`: the warning that
/// counts its `malformed` records past the first [`MAX_WARNINGS`] (`what`:
/// `rows`, `lines`), each of which had a warning of its own, if there are
/// any; then what was scanned.
pub(crate) fn scanned_records(
    sink: &mut dyn Sink,
    source: &str,
    format: Format,
    bytes: u64,
    findings: u64,
    (malformed, what): (u64, &str),
) {
    if let Some(more) = malformed.checked_sub(MAX_WARNINGS).filter(|&m| m > 0) {
        sink.problem(Problem::warning(source, format!("{more} more malformed {what} scanned as text")));
    }
    sink.scanned(Scanned {
        source: source.to_string(),
        format: format.name().into(),
        bytes,
        findings,
        binary: false,
        container: false,
        size: None,
    });
}

/// Limits against decompression bombs and runaway nesting.
///
/// Hitting one reports the container as partially scanned, with the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// How deep containers may nest (a zip in a tar.gz is depth 2).
    pub max_depth: u32,
    /// Total decompressed bytes read out of one top-level source.
    pub max_total_bytes: u64,
    /// Largest decompressed/compressed size ratio allowed once a member
    /// exceeds 1 MiB decompressed.
    pub max_ratio: u64,
    /// Most members read from one archive.
    pub max_members: u64,
    /// Largest member buffered in memory for a format that needs random
    /// access (Parquet or zip inside another container).
    pub max_buffer: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 10,
            max_total_bytes: 64 << 30,
            max_ratio: 1000,
            max_members: 1_000_000,
            max_buffer: 512 << 20,
        }
    }
}

/// How sources are read.
#[derive(Clone, Debug)]
pub struct Options {
    /// Text scanning settings (chunk size, raw values).
    pub text: TextOptions,
    /// Skip binary files instead of scanning them for embedded text.
    pub skip_binary: bool,
    /// Read structured formats (CSV, JSON, Parquet, Avro) as structures; when
    /// off, everything is scanned as text.
    pub structured: bool,
    /// Open compressed streams and archives.
    pub containers: bool,
    /// Bomb and nesting limits.
    pub limits: Limits,
    /// Threads (of rayon's global pool) that may scan one large plain-text,
    /// JSON Lines, JSON or delimited file together, in segments, or a Parquet
    /// file's row groups, or decompress a large compressed file (16 MiB or
    /// more, with random access) while it is scanned; 0 or 1 scans every
    /// file on one thread.
    pub parallel: usize,
    /// Files read with random access (local files over 32 MiB, which are
    /// not mapped) are split among the `parallel` threads from this size
    /// on. The default, 256 MiB, leaves smaller files to a directory walk's
    /// own parallelism (one file per thread); a file scanned alone can be
    /// split from any size (`trawl scan` does so from 32 MiB when it is
    /// given one file).
    pub split_bytes: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            text: TextOptions::default(),
            skip_binary: false,
            structured: true,
            containers: true,
            limits: Limits::default(),
            parallel: 0,
            split_bytes: parallel::MIN_BYTES,
        }
    }
}

/// Random access to the bytes of a source, for formats that are read from the
/// end (Parquet footers, zip central directories). Files and S3 objects
/// (ranged GETs) implement it.
pub trait RandomAccess: Send + Sync {
    /// Total length in bytes.
    fn len(&self) -> u64;

    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buf` with the bytes at `offset`.
    ///
    /// # Errors
    /// The bytes cannot be read (I/O error, range past the end).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

/// Random access to bytes in memory.
#[derive(Clone, Copy, Debug)]
pub struct Mem<'a>(pub &'a [u8]);

impl RandomAccess for Mem<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let end = start.checked_add(buf.len()).ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        let src = self.0.get(start..end).ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

impl RandomAccess for std::fs::File {
    fn len(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        #[cfg(unix)]
        {
            std::os::unix::fs::FileExt::read_exact_at(self, buf, offset).map_err(|e| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    io::Error::new(e.kind(), "the file ends before its size said (truncated during the scan?)")
                } else {
                    e
                }
            })
        }
        #[cfg(windows)]
        {
            let mut done = 0;
            while done < buf.len() {
                let n = std::os::windows::fs::FileExt::seek_read(self, &mut buf[done..], offset + done as u64)?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                done += n;
            }
            Ok(())
        }
    }
}

/// A sequential reader over a [`RandomAccess`] source, reading large blocks.
pub struct RandomReader<'a> {
    src: &'a dyn RandomAccess,
    pos: u64,
    /// The source's length when the reader was made: a file that shrinks
    /// during the scan (truncated by another process) makes a read fail,
    /// reported as a partial scan, instead of ending the data early.
    len: u64,
}

impl<'a> RandomReader<'a> {
    /// Reads `src` from the start.
    pub fn new(src: &'a dyn RandomAccess) -> RandomReader<'a> {
        RandomReader::at(src, 0)
    }

    /// Reads `src` from offset `pos`.
    pub fn at(src: &'a dyn RandomAccess, pos: u64) -> RandomReader<'a> {
        RandomReader { src, pos, len: src.len() }
    }
}

impl Read for RandomReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        if n == 0 {
            return Ok(0);
        }
        self.src.read_at(self.pos, &mut buf[..n])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl io::Seek for RandomReader<'_> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let len = self.len as i128;
        let new = match pos {
            io::SeekFrom::Start(p) => p as i128,
            io::SeekFrom::End(d) => len + d as i128,
            io::SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        if new < 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "seek before start"));
        }
        self.pos = new as u64;
        Ok(self.pos)
    }
}

/// The bytes of one source.
pub enum Data<'a> {
    /// All bytes in memory (a small file, a memory map, a buffered member).
    Bytes(&'a [u8]),
    /// A stream read once from start to end (a decompressor, an HTTP body).
    Stream(&'a mut dyn Read),
    /// Random access (a file, an S3 object read with ranged GETs).
    Random(&'a dyn RandomAccess),
}

/// Decompressed bytes read out of one top-level source, shared by all its
/// nested containers.
#[derive(Debug, Default)]
pub struct Budget {
    used: AtomicU64,
}

impl Budget {
    /// Charges `n` bytes; returns false once the total exceeds `max`.
    pub fn charge(&self, n: u64, max: u64) -> bool {
        self.used.fetch_add(n, Ordering::Relaxed) + n <= max
    }

    /// Bytes charged so far.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

/// Where in the nesting a source is.
#[derive(Clone, Copy, Debug)]
pub struct Nesting<'b> {
    /// 0 for a top-level source.
    pub depth: u32,
    /// The top-level source's budget.
    pub budget: &'b Budget,
}

/// Reads all of `reader` if it holds at most `max` bytes; `None` if it holds more.
///
/// # Errors
/// Reading fails.
pub fn buffer(reader: &mut dyn Read, max: u64) -> io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let n = reader.take(max + 1).read_to_end(&mut out)?;
    Ok(if n as u64 > max { None } else { Some(out) })
}

/// Counts the findings of a source scanned by [`Extractor::guarded`] on
/// their way on, notes whether its own [`Scanned`] event went by, and puts
/// its stored size (a top-level source's) in that event.
struct Watched<'a> {
    inner: &'a mut dyn Sink,
    source: &'a str,
    size: Option<u64>,
    findings: u64,
    reported: bool,
}

impl Sink for Watched<'_> {
    fn finding(&mut self, finding: crate::report::Finding) -> bool {
        self.findings += 1;
        self.inner.finding(finding)
    }

    fn problem(&mut self, problem: Problem) {
        self.inner.problem(problem);
    }

    fn scanned(&mut self, mut scanned: Scanned) {
        if scanned.source == self.source {
            self.reported = true;
            scanned.size = scanned.size.or(self.size);
        }
        self.inner.scanned(scanned);
    }

    fn flush(&mut self) {
        self.inner.flush();
    }

    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync()
    }
}

/// Reads sources of any supported format and scans them.
pub struct Extractor<'s> {
    scanner: &'s Scanner,
    opts: &'s Options,
}

impl<'s> Extractor<'s> {
    /// An extractor running `scanner` with `opts`.
    pub fn new(scanner: &'s Scanner, opts: &'s Options) -> Extractor<'s> {
        Extractor { scanner, opts }
    }

    /// The scanner.
    pub fn scanner(&self) -> &'s Scanner {
        self.scanner
    }

    /// The options.
    pub fn options(&self) -> &'s Options {
        self.opts
    }

    /// Scans one top-level source named `source`. Problems (unreadable,
    /// truncated, over a limit) go to `sink` as events; returns whether the
    /// sink wants more.
    ///
    /// A panic while the source is read (a format library meeting a
    /// damaged file it does not expect) ends this source's scan, not the
    /// caller's: the source is reported as partly scanned, with the
    /// panic's message, and `scratch` is replaced by a fresh one.
    pub fn scan(&self, scratch: &mut Scratch, data: Data<'_>, source: &str, sink: &mut dyn Sink) -> bool {
        let budget = Budget::default();
        let size = match &data {
            Data::Bytes(b) => Some(b.len() as u64),
            Data::Random(r) => Some(r.len()),
            Data::Stream(_) => None,
        };
        let nesting = Nesting { depth: 0, budget: &budget };
        self.guarded(scratch, source, size, sink, |scratch, sink| {
            self.scan_nested(scratch, data, source, source, nesting, sink)
        })
    }

    /// Runs `scan`, the scan of `source` (of stored size `size`, known for
    /// a top-level source, put in its [`Scanned`] event), so that a panic
    /// in it ends only that scan: the source is reported as partly scanned,
    /// with the panic's message (and as scanned, with the findings sent
    /// before the panic, unless it was already), and `scratch` is replaced
    /// by a fresh one. Returns whether the scan should go on.
    pub(crate) fn guarded(
        &self,
        scratch: &mut Scratch,
        source: &str,
        size: Option<u64>,
        sink: &mut dyn Sink,
        scan: impl FnOnce(&mut Scratch, &mut dyn Sink) -> bool,
    ) -> bool {
        let mut watched = Watched { inner: sink, source, size, findings: 0, reported: false };
        match guard::quietly("reading it", || scan(scratch, &mut watched)) {
            Ok(go_on) => go_on,
            Err(reason) => {
                *scratch = self.scanner.scratch();
                let sink = watched.inner;
                sink.problem(Problem::partial(source, format!("{reason}; the rest of it is not scanned")));
                if !watched.reported {
                    // Counted as a partly scanned source, with its findings.
                    sink.scanned(Scanned {
                        source: source.to_string(),
                        format: "unknown".into(),
                        bytes: 0,
                        findings: watched.findings,
                        binary: false,
                        container: false,
                        size: watched.size,
                    });
                }
                true
            }
        }
    }

    /// Scans an Arrow record batch held in memory (from DataFusion, Polars,
    /// a Flight stream, an ETL step about to write it) as a Parquet row
    /// group is scanned: every value with its column path as keyword context
    /// (a column named `ssn` makes 9-digit values SSNs), integers in
    /// decimal, dates and timestamps as ISO text, lists, structs and maps
    /// walked down to their leaves. Findings are placed at record
    /// `first_record + row` and JSON path (`$.customer.email`,
    /// `$.phones[1]`); for a stream of batches, pass the rows seen so far.
    ///
    /// Sends findings (and warnings for columns of types that cannot be
    /// scanned) to `sink`, but no [`Scanned`] event: what a batch is part of
    /// is the caller's to say. Build batches with the [`arrow_array`]
    /// re-exported here, or a version of `arrow-array` equal to it.
    ///
    /// # Example
    /// ```
    /// use std::sync::Arc;
    /// use trawl::extract::arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    /// use trawl::extract::{Extractor, Options};
    /// use trawl::{Finding, Location, Rules, Scanner};
    ///
    /// let scanner = Scanner::new(&Rules::builtin()?)?;
    /// let opts = Options::default();
    /// let x = Extractor::new(&scanner, &opts);
    /// let batch = RecordBatch::try_from_iter([
    ///     ("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
    ///     ("ssn", Arc::new(Int64Array::from(vec![7, 219_445_178])) as ArrayRef),
    /// ])?;
    /// let mut findings: Vec<Finding> = Vec::new();
    /// let done = x.scan_record_batch(&mut scanner.scratch(), &batch, 1000, "orders", &mut findings);
    /// assert_eq!(done.findings, 1);
    /// assert_eq!(findings[0].data_type.as_ref(), "USA_SOCIAL_SECURITY_NUMBER");
    /// let Location::Record(at) = &findings[0].location else { unreachable!() };
    /// assert_eq!((at.record, at.json_path.as_str()), (1001, "$.ssn"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "parquet")]
    pub fn scan_record_batch(
        &self,
        scratch: &mut Scratch,
        batch: &arrow_array::RecordBatch,
        first_record: u64,
        source: &str,
        sink: &mut dyn Sink,
    ) -> BatchScan {
        parquet::scan_batch(self, scratch, batch, first_record, source, sink)
    }

    /// Scans a source found inside another one (an archive member, a
    /// decompressed stream). `source` names it in findings; `hint` is the
    /// name used to guess its format (for `data.csv.gz`, the source is
    /// `data.csv.gz` and the decompressed stream's hint is `data.csv`).
    pub fn scan_nested(
        &self,
        scratch: &mut Scratch,
        data: Data<'_>,
        source: &str,
        hint: &str,
        nest: Nesting<'_>,
        sink: &mut dyn Sink,
    ) -> bool {
        match data {
            Data::Bytes(b) => {
                let format = self.format_of(&b[..b.len().min(sniff::SNIFF_LEN)], hint, b.len() <= sniff::SNIFF_LEN);
                self.dispatch_bytes(scratch, b, format, source, nest, sink)
            }
            Data::Random(r) => {
                let mut head = vec![0u8; (r.len().min(sniff::SNIFF_LEN as u64)) as usize];
                if let Err(e) = r.read_at(0, &mut head) {
                    sink.problem(Problem::error(source, format!("cannot read: {e}")));
                    return true;
                }
                let format = self.format_of(&head, hint, head.len() as u64 == r.len());
                self.dispatch_random(scratch, r, format, source, nest, sink)
            }
            Data::Stream(reader) => self.scan_sniffed_stream(scratch, reader, source, hint, nest, None, sink),
        }
    }

    /// Scans a stream whose format is sniffed from its first bytes. For
    /// text decoded from UTF-16 (`utf16`: its format), only a table or JSON
    /// found in the decoded text changes how it is read; anything else is
    /// scanned as the decoded text.
    #[allow(clippy::too_many_arguments)]
    fn scan_sniffed_stream(
        &self,
        scratch: &mut Scratch,
        reader: &mut dyn Read,
        source: &str,
        hint: &str,
        nest: Nesting<'_>,
        utf16: Option<Format>,
        sink: &mut dyn Sink,
    ) -> bool {
        let mut head = Vec::with_capacity(sniff::SNIFF_LEN);
        let mut eof = false;
        while head.len() < sniff::SNIFF_LEN {
            let old = head.len();
            head.resize(sniff::SNIFF_LEN, 0);
            match reader.read(&mut head[old..]) {
                Ok(0) => {
                    head.truncate(old);
                    eof = true;
                    break;
                }
                Ok(n) => head.truncate(old + n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => head.truncate(old),
                Err(e) => {
                    head.truncate(old);
                    sink.problem(Problem::error(source, format!("cannot read: {e}")));
                    return true;
                }
            }
        }
        let format = self.format_of(&head, hint, eof);
        let mut chained = io::Cursor::new(head).chain(reader);
        if let Some(utf16) = utf16
            && !matches!(format, Format::Delimited(_) | Format::Json | Format::Jsonl)
        {
            return plain::scan_text_stream(self, scratch, &mut chained, utf16, source, sink);
        }
        if eof {
            let head = chained.into_inner().0.into_inner();
            return self.dispatch_bytes(scratch, &head, format, source, nest, sink);
        }
        self.dispatch_stream(scratch, &mut chained, format, source, nest, sink)
    }

    /// Scans UTF-16 text (`format`) from `reader`, decoded to UTF-8: as a
    /// table or JSON when the decoded text is one (Excel's "Unicode text"
    /// export is a UTF-16 TSV), else as text.
    fn scan_utf16(
        &self,
        scratch: &mut Scratch,
        reader: &mut dyn Read,
        format: Format,
        source: &str,
        nest: Nesting<'_>,
        sink: &mut dyn Sink,
    ) -> bool {
        let mut decoder = plain::Utf16Decoder::new(reader, format == Format::Utf16Be);
        self.scan_sniffed_stream(scratch, &mut decoder, source, source, nest, Some(format), sink)
    }

    /// The format to read data as, given the options.
    fn format_of(&self, head: &[u8], hint: &str, complete: bool) -> Format {
        let f = sniff(head, hint, complete);
        match f {
            // A mailbox is a container of messages, and text when not opened.
            Format::Mbox if !self.opts.containers => Format::Text,
            _ if !self.opts.containers && (f.is_compression() || f.is_archive()) => Format::Binary,
            Format::Delimited(_)
            | Format::Json
            | Format::Jsonl
            | Format::Parquet
            | Format::Avro
            | Format::Pdf
            | Format::Email
            | Format::Mbox
                if !self.opts.structured =>
            {
                if matches!(f, Format::Parquet | Format::Avro | Format::Pdf) {
                    Format::Binary
                } else {
                    Format::Text
                }
            }
            _ => f,
        }
    }

    /// Whether `nest` may open one more container; reports the source as partly scanned if not.
    pub fn may_nest(&self, nest: Nesting<'_>, source: &str, sink: &mut dyn Sink) -> bool {
        if nest.depth >= self.opts.limits.max_depth {
            sink.problem(Problem::partial(
                source,
                format!("archive nesting deeper than {} levels not opened", self.opts.limits.max_depth),
            ));
            return false;
        }
        true
    }

    fn dispatch_bytes(
        &self,
        scratch: &mut Scratch,
        bytes: &[u8],
        format: Format,
        source: &str,
        nest: Nesting<'_>,
        sink: &mut dyn Sink,
    ) -> bool {
        match format {
            Format::Binary if self.opts.skip_binary => self.skip_binary(source, bytes.len() as u64, sink),
            Format::Utf16Le | Format::Utf16Be => {
                let mut r = bytes;
                self.scan_utf16(scratch, &mut r, format, source, nest, sink)
            }
            Format::Delimited(d) => delimited::scan_bytes(self, scratch, bytes, d, source, sink),
            Format::Json | Format::Jsonl => json::scan_bytes(self, scratch, bytes, format, source, sink),
            Format::Parquet => parquet::scan(self, scratch, &Mem(bytes), source, nest, sink),
            Format::Avro => {
                let mut r = bytes;
                avro::scan(self, scratch, &mut r, source, nest, sink)
            }
            Format::Gzip | Format::Zstd | Format::Bzip2 | Format::Xz => {
                compress::scan_random(self, scratch, &Mem(bytes), format, source, nest, sink)
            }
            Format::Zip => archive::scan_zip(self, scratch, &Mem(bytes), source, nest, sink),
            #[cfg(feature = "pdf")]
            Format::Pdf => pdf::scan(self, scratch, bytes, source, sink),
            #[cfg(not(feature = "pdf"))]
            Format::Pdf => plain::scan_text_bytes(self, scratch, bytes, Format::Binary, source, sink),
            #[cfg(feature = "office")]
            Format::Ole if self.opts.structured => office::scan_ole(self, scratch, bytes, source, sink),
            Format::Ole => plain::scan_text_bytes(self, scratch, bytes, Format::Binary, source, sink),
            #[cfg(feature = "email")]
            Format::Email => email::scan(self, scratch, bytes, source, nest, sink),
            #[cfg(not(feature = "email"))]
            Format::Email => plain::scan_text_bytes(self, scratch, bytes, Format::Text, source, sink),
            #[cfg(feature = "email")]
            Format::Mbox => {
                let mut r = bytes;
                archive::scan_streamed_container(self, scratch, &mut r, "mbox", source, nest, sink, email::messages)
            }
            #[cfg(not(feature = "email"))]
            Format::Mbox => plain::scan_text_bytes(self, scratch, bytes, Format::Text, source, sink),
            Format::Tar => {
                let mut r = bytes;
                archive::scan_tar(self, scratch, &mut r, source, nest, sink)
            }
            Format::Text | Format::Binary => plain::scan_text_bytes(self, scratch, bytes, format, source, sink),
        }
    }

    fn dispatch_stream(
        &self,
        scratch: &mut Scratch,
        reader: &mut dyn Read,
        format: Format,
        source: &str,
        nest: Nesting<'_>,
        sink: &mut dyn Sink,
    ) -> bool {
        match format {
            Format::Binary if self.opts.skip_binary => self.skip_binary(source, 0, sink),
            Format::Utf16Le | Format::Utf16Be => self.scan_utf16(scratch, reader, format, source, nest, sink),
            Format::Delimited(d) => delimited::scan_stream(self, scratch, reader, d, source, sink),
            Format::Json | Format::Jsonl => json::scan_stream(self, scratch, reader, format, source, nest, sink),
            Format::Avro => avro::scan(self, scratch, reader, source, nest, sink),
            Format::Gzip | Format::Zstd | Format::Bzip2 | Format::Xz => {
                compress::scan(self, scratch, reader, 0, format, source, nest, sink)
            }
            Format::Tar => archive::scan_tar(self, scratch, reader, source, nest, sink),
            #[cfg(feature = "email")]
            Format::Mbox => {
                archive::scan_streamed_container(self, scratch, reader, "mbox", source, nest, sink, email::messages)
            }
            #[cfg(not(feature = "email"))]
            Format::Mbox => plain::scan_text_stream(self, scratch, reader, Format::Text, source, sink),
            Format::Parquet | Format::Zip | Format::Pdf | Format::Ole | Format::Email => {
                // Read from the end (a PDF by its cross-reference table): buffer the
                // stream (bounded) and read it from memory.
                match buffer(reader, self.opts.limits.max_buffer) {
                    Ok(Some(bytes)) => self.dispatch_bytes(scratch, &bytes, format, source, nest, sink),
                    Ok(None) => {
                        sink.problem(Problem::error(
                            source,
                            format!(
                                "{} inside a stream is larger than the {} byte buffer limit",
                                format.name(),
                                self.opts.limits.max_buffer
                            ),
                        ));
                        true
                    }
                    Err(e) => {
                        sink.problem(Problem::error(source, format!("read error: {e}")));
                        true
                    }
                }
            }
            Format::Text | Format::Binary => plain::scan_text_stream(self, scratch, reader, format, source, sink),
        }
    }

    fn dispatch_random(
        &self,
        scratch: &mut Scratch,
        src: &dyn RandomAccess,
        format: Format,
        source: &str,
        nest: Nesting<'_>,
        sink: &mut dyn Sink,
    ) -> bool {
        // Large enough to be scanned in segments by several threads.
        let split = self.opts.parallel > 1 && src.len() >= self.opts.split_bytes;
        match format {
            Format::Parquet => parquet::scan(self, scratch, src, source, nest, sink),
            Format::Zip => archive::scan_zip(self, scratch, src, source, nest, sink),
            Format::Gzip | Format::Zstd | Format::Bzip2 | Format::Xz => {
                compress::scan_random(self, scratch, src, format, source, nest, sink)
            }
            Format::Text if split => parallel::scan_text(self, scratch, src, source, sink),
            Format::Jsonl if split => parallel::scan_jsonl(self, scratch, src, source, sink),
            Format::Json if split => parallel::scan_json(self, scratch, src, source, nest, sink),
            Format::Delimited(d) if split => parallel::scan_delimited(self, scratch, src, d, source, sink),
            _ => {
                let mut reader = RandomReader::new(src);
                self.dispatch_stream(scratch, &mut reader, format, source, nest, sink)
            }
        }
    }

    fn skip_binary(&self, source: &str, bytes: u64, sink: &mut dyn Sink) -> bool {
        sink.problem(Problem::warning(source, "binary file skipped (--skip-binary)"));
        sink.scanned(Scanned {
            source: source.to_string(),
            format: "binary".into(),
            bytes: 0,
            findings: 0,
            binary: true,
            container: false,
            size: None,
        });
        let _ = bytes;
        true
    }
}
