//! Plain text: UTF-8 (valid or not), binary data scanned for embedded text,
//! and UTF-16 decoded to UTF-8 as it streams.
//!
//! For UTF-16 sources, offsets in findings refer to the decoded UTF-8 text.

use std::io::{self, Read};

use crate::Scratch;
use crate::extract::{Extractor, Format, md_tables};
use crate::report::{Finding, Problem, Scanned, Sink};

/// Counts findings on their way to the real sink.
pub(crate) struct Counting<'a> {
    pub inner: &'a mut dyn Sink,
    pub findings: u64,
    /// When `Some`, what is scanned through this sink are parts of one
    /// source (an office file's sheets, text and members): their `scanned`
    /// events are not passed on, and the bytes of those that are not
    /// containers are summed here.
    pub parts: Option<u64>,
}

impl<'a> Counting<'a> {
    /// Counts the findings on their way to `inner`.
    pub(crate) fn new(inner: &'a mut dyn Sink) -> Self {
        Counting { inner, findings: 0, parts: None }
    }

    /// Counts the findings and bytes of the parts of one source on their
    /// way to `inner`, the parts not reported as sources (see [`Counting::parts`]).
    #[cfg_attr(not(feature = "office"), allow(dead_code))] // Office files are the only sources in parts.
    pub(crate) fn parts(inner: &'a mut dyn Sink) -> Self {
        Counting { inner, findings: 0, parts: Some(0) }
    }
}

impl Sink for Counting<'_> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.findings += 1;
        self.inner.finding(finding)
    }

    fn problem(&mut self, problem: Problem) {
        self.inner.problem(problem);
    }

    fn scanned(&mut self, scanned: Scanned) {
        match &mut self.parts {
            Some(bytes) if !scanned.container => *bytes += scanned.bytes,
            Some(_) => {}
            None => self.inner.scanned(scanned),
        }
    }

    fn flush(&mut self) {
        self.inner.flush();
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.inner.sync()
    }
}

/// Scans `bytes` as text and reports them scanned as `format`: `Binary`
/// for a binary file's bytes, `Text` for text (whose Markdown tables are
/// read as tables), or the format the text was taken from (`Pdf`, `Email`).
pub(crate) fn scan_text_bytes(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    bytes: &[u8],
    format: Format,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    // Markdown tables: their cells are scanned again with their column's
    // context (see `md_tables`) after the text pass, whose findings are held
    // back, so that a value is reported once and all go out in file order.
    let tables = if x.options().structured && format == Format::Text && md_tables::may_hold_tables(source) {
        md_tables::find(bytes)
    } else {
        Vec::new()
    };
    if tables.is_empty() {
        let stats = x.scanner().scan_slice(scratch, bytes, source, &x.options().text, sink);
        return text_scanned(format, source, stats.bytes, stats.findings, !stats.stopped, sink);
    }
    let mut held = Holding { inner: sink, found: Vec::new() };
    let stats = x.scanner().scan_slice(scratch, bytes, source, &x.options().text, &mut held);
    let mut found = held.found;
    let known: Vec<std::ops::Range<u64>> = found.iter().filter_map(|f| text_span(&f.location)).collect();
    found.extend(md_tables::scan(x, scratch, bytes, &tables, &known, source));
    found.sort_by_key(|f| text_span(&f.location).map_or(0, |r| r.start));
    let mut sent = 0;
    let mut go_on = true;
    for f in found {
        sent += 1;
        if !sink.finding(f) {
            go_on = false;
            break;
        }
    }
    text_scanned(format, source, stats.bytes, sent, go_on, sink)
}

/// The byte range of a text location.
fn text_span(location: &crate::report::Location) -> Option<std::ops::Range<u64>> {
    match location {
        crate::report::Location::Text(t) => Some(t.byte_start..t.byte_end),
        _ => None,
    }
}

/// Reports a text source as scanned; returns `go_on`.
fn text_scanned(format: Format, source: &str, bytes: u64, findings: u64, go_on: bool, sink: &mut dyn Sink) -> bool {
    sink.scanned(Scanned {
        source: source.to_string(),
        format: format.name().into(),
        bytes,
        findings,
        binary: format == Format::Binary,
        container: false,
        size: None,
    });
    go_on
}

/// Holds the findings back (they go out once a file's tables are scanned),
/// passes the rest on.
struct Holding<'a> {
    inner: &'a mut dyn Sink,
    found: Vec<Finding>,
}

impl Sink for Holding<'_> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.found.push(finding);
        true
    }

    fn problem(&mut self, problem: Problem) {
        self.inner.problem(problem);
    }

    fn scanned(&mut self, scanned: Scanned) {
        self.inner.scanned(scanned);
    }
}

pub(crate) fn scan_text_stream(
    x: &Extractor<'_>,
    scratch: &mut Scratch,
    reader: &mut dyn Read,
    format: Format,
    source: &str,
    sink: &mut dyn Sink,
) -> bool {
    let mut counting = Counting::new(sink);
    let mut counted = CountingReader { inner: reader, bytes: 0 };
    let result = x.scanner().scan_reader(scratch, &mut counted, source, &x.options().text, &mut counting);
    let findings = counting.findings;
    let stopped = match result {
        Ok(stats) => stats.stopped,
        Err(e) => {
            sink.problem(Problem::partial(source, format!("read error after {} bytes: {e}", counted.bytes)));
            false
        }
    };
    sink.scanned(Scanned {
        source: source.to_string(),
        format: format.name().into(),
        bytes: counted.bytes,
        findings,
        binary: format == Format::Binary,
        container: false,
        size: None,
    });
    !stopped
}

/// Counts the bytes read through it.
pub(crate) struct CountingReader<'a> {
    pub inner: &'a mut dyn Read,
    pub bytes: u64,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Decodes UTF-16 (LE or BE, BOM optional) to UTF-8 as it is read.
/// Unpaired surrogates become U+FFFD.
pub(crate) struct Utf16Decoder<'a> {
    inner: &'a mut dyn Read,
    big_endian: bool,
    raw: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    pending_high: Option<u16>,
    started: bool,
    eof: bool,
}

impl<'a> Utf16Decoder<'a> {
    pub(crate) fn new(inner: &'a mut dyn Read, big_endian: bool) -> Utf16Decoder<'a> {
        Utf16Decoder {
            inner,
            big_endian,
            raw: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            pending_high: None,
            started: false,
            eof: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let mut buf = [0u8; 64 * 1024];
        let n = loop {
            match self.inner.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.eof = true;
            if self.pending_high.take().is_some() || !self.raw.is_empty() {
                self.out.extend_from_slice("\u{FFFD}".as_bytes());
                self.raw.clear();
            }
            return Ok(());
        }
        self.raw.extend_from_slice(&buf[..n]);
        let mut units = self.raw.chunks_exact(2);
        let mut tmp = [0u8; 4];
        for pair in units.by_ref() {
            let u = if self.big_endian {
                u16::from_be_bytes([pair[0], pair[1]])
            } else {
                u16::from_le_bytes([pair[0], pair[1]])
            };
            if !self.started {
                self.started = true;
                if u == 0xFEFF {
                    continue;
                }
            }
            let c = match (self.pending_high.take(), u) {
                (Some(hi), 0xDC00..=0xDFFF) => {
                    char::from_u32(0x10000 + (((hi as u32) - 0xD800) << 10) + (u as u32 - 0xDC00))
                }
                (Some(_), 0xD800..=0xDBFF) => {
                    self.out.extend_from_slice("\u{FFFD}".as_bytes());
                    self.pending_high = Some(u);
                    continue;
                }
                (Some(_), _) => {
                    self.out.extend_from_slice("\u{FFFD}".as_bytes());
                    char::from_u32(u as u32)
                }
                (None, 0xD800..=0xDBFF) => {
                    self.pending_high = Some(u);
                    continue;
                }
                (None, 0xDC00..=0xDFFF) => None,
                (None, _) => char::from_u32(u as u32),
            };
            let c = c.unwrap_or('\u{FFFD}');
            self.out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
        let rest = units.remainder().to_vec();
        self.raw = rest;
        Ok(())
    }
}

impl Read for Utf16Decoder<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos >= self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], be: bool) -> String {
        let mut r = bytes;
        let mut d = Utf16Decoder::new(&mut r, be);
        let mut out = String::new();
        d.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn utf16_decoding() {
        let le: Vec<u8> = "\u{FEFF}ssn: 123-45-6789 \u{1F600}".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&le, false), "ssn: 123-45-6789 \u{1F600}");
        let be: Vec<u8> = "héllo".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&be, true), "héllo");
        assert_eq!(decode(&[0x00, 0xD8, b'a', 0], false), "\u{FFFD}a");
        assert_eq!(decode(&[b'a', 0, b'b'], false), "a\u{FFFD}");
    }
}
