//! Printers: turn the event stream of a scan into one output format.
//!
//! One reporter thread owns the output and drives a [`Printer`], so output
//! never interleaves. Every printer writes only masked values unless the
//! findings carry raw ones (`--show-values`).

use std::io::{self, Write};

use crate::report::finding::Finding;
use crate::report::json_finding::write_finding;
use crate::report::sink::{Problem, Scanned};
use crate::report::summary::Summary;
use crate::report::terminal::printable;

/// Writes one output format.
pub trait Printer: Send {
    /// One finding.
    ///
    /// # Errors
    /// Writing fails.
    fn finding(&mut self, f: &Finding) -> io::Result<()>;

    /// One problem (also counted in the summary).
    ///
    /// # Errors
    /// Writing fails.
    fn problem(&mut self, p: &Problem) -> io::Result<()> {
        let _ = p;
        Ok(())
    }

    /// One scanned source.
    ///
    /// # Errors
    /// Writing fails.
    fn scanned(&mut self, s: &Scanned) -> io::Result<()> {
        let _ = s;
        Ok(())
    }

    /// The end of the scan.
    ///
    /// # Errors
    /// Writing fails.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;

    /// Writes out what was printed so far and flushes the output (findings
    /// of a source still being gathered, as the Macie format does, wait for
    /// their source's end). Printers that buffer must override it; the
    /// default does nothing.
    ///
    /// # Errors
    /// Writing fails.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Whether the summary is part of this format's output (otherwise the
    /// command prints it on standard error).
    fn includes_summary(&self) -> bool {
        false
    }
}

/// The readable report: findings grouped per file.
pub struct Human<W: Write + Send> {
    out: W,
    /// One finding's lines, written at once (see [`write_json`]).
    buf: Vec<u8>,
    color: bool,
    current: Option<String>,
}

impl<W: Write + Send> Human<W> {
    /// A human printer; `color` adds ANSI styles.
    pub fn new(out: W, color: bool) -> Human<W> {
        Human { out, buf: Vec::new(), color, current: None }
    }
}

impl<W: Write + Send> Printer for Human<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        let out = &mut self.buf;
        out.clear();
        if self.current.as_deref() != Some(f.source.as_str()) {
            if self.current.is_some() {
                writeln!(out)?;
            }
            let source = printable(&f.source);
            if self.color {
                writeln!(out, "\x1b[1;35m{source}\x1b[0m")?;
            } else {
                writeln!(out, "{source}")?;
            }
            self.current = Some(f.source.clone());
        }
        let value = printable(f.value.as_deref().unwrap_or(&f.redacted));
        let (conf, validated) = (f.confidence, if f.validated { ", validated" } else { "" });
        let loc = f.location.short();
        if self.color {
            writeln!(
                out,
                "  \x1b[32m{loc}\x1b[0m  \x1b[1m{}\x1b[0m  {value}  ({conf}{validated}; {})",
                f.data_type, f.rule
            )?;
        } else {
            writeln!(out, "  {loc}  {}  {value}  ({conf}{validated}; {})", f.data_type, f.rule)?;
        }
        self.out.write_all(out)
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Writes `head`, `value` as JSON and `tail` to `out` in one write, through
/// `buf` (cleared first). `serde_json` writes a value token by token; into a
/// boxed writer that is a dynamic call and a copy per token, which made up
/// most of the output's cost on tables dense in findings.
///
/// # Errors
/// Serializing or writing fails.
pub(crate) fn write_json(
    out: &mut impl Write,
    buf: &mut Vec<u8>,
    head: &[u8],
    value: &impl serde::Serialize,
    tail: &[u8],
) -> io::Result<()> {
    buf.clear();
    buf.extend_from_slice(head);
    serde_json::to_writer(&mut *buf, value)?;
    buf.extend_from_slice(tail);
    out.write_all(buf)
}

/// The elements of a streamed JSON array, each on a line of its own and
/// written at once (see [`write_json`]).
#[derive(Default)]
pub(crate) struct JsonArray {
    buf: Vec<u8>,
    written: bool,
}

impl JsonArray {
    /// Writes `value` as the next element, after a `,` unless it is the first.
    ///
    /// # Errors
    /// Serializing or writing fails.
    pub(crate) fn push(&mut self, out: &mut impl Write, value: &impl serde::Serialize) -> io::Result<()> {
        let head = self.next_head();
        write_json(out, &mut self.buf, head, value, b"")
    }

    /// Writes finding `f` as the next element (see [`write_finding`]).
    ///
    /// # Errors
    /// Writing fails.
    pub(crate) fn push_finding(&mut self, out: &mut impl Write, f: &Finding) -> io::Result<()> {
        let head = self.next_head();
        self.buf.clear();
        self.buf.extend_from_slice(head);
        write_finding(f, &mut self.buf);
        out.write_all(&self.buf)
    }

    /// What goes before the next element: a `,` unless it is the first.
    fn next_head(&mut self) -> &'static [u8] {
        let head: &'static [u8] = if self.written { b",\n" } else { b"\n" };
        self.written = true;
        head
    }

    /// Whether no element was written yet.
    pub(crate) fn is_empty(&self) -> bool {
        !self.written
    }
}

/// One finding per line (JSON Lines), streamed.
pub struct JsonLines<W: Write + Send> {
    out: W,
    buf: Vec<u8>,
}

impl<W: Write + Send> JsonLines<W> {
    /// A JSONL printer.
    pub fn new(out: W) -> JsonLines<W> {
        JsonLines { out, buf: Vec::new() }
    }
}

impl<W: Write + Send> Printer for JsonLines<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.buf.clear();
        write_finding(f, &mut self.buf);
        self.buf.push(b'\n');
        self.out.write_all(&self.buf)
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One JSON document: `{"findings": [...], "summary": {...}}`, with findings
/// streamed into the array as they arrive.
pub struct JsonDocument<W: Write + Send> {
    out: W,
    findings: JsonArray,
}

impl<W: Write + Send> JsonDocument<W> {
    /// A JSON document printer.
    pub fn new(out: W) -> JsonDocument<W> {
        JsonDocument { out, findings: JsonArray::default() }
    }

    fn open(&mut self) -> io::Result<()> {
        if self.findings.is_empty() {
            self.out.write_all(b"{\"findings\":[")?;
        }
        Ok(())
    }
}

impl<W: Write + Send> Printer for JsonDocument<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.open()?;
        self.findings.push_finding(&mut self.out, f)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.open()?;
        self.out.write_all(b"\n],\"summary\":")?;
        serde_json::to_writer_pretty(&mut self.out, summary)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn includes_summary(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each write it receives.
    struct Writes(Vec<Vec<u8>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn json_values_go_out_in_one_write_each() {
        let mut out = Writes(Vec::new());
        let mut buf = Vec::new();
        write_json(&mut out, &mut buf, b",\n", &serde_json::json!({"a": [1, "x"]}), b"").unwrap();
        write_json(&mut out, &mut buf, b"", &"short", b"\n").unwrap();
        let got: Vec<String> = out.0.iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect();
        assert_eq!(got, [",\n{\"a\":[1,\"x\"]}", "\"short\"\n"]);
    }
}
