//! Printers: turn the event stream of a scan into one output format.
//!
//! One reporter thread owns the output and drives a [`Printer`], so output
//! never interleaves. Every printer writes only masked values unless the
//! findings carry raw ones (`--show-values`).

use std::io::{self, Write};

use crate::report::finding::Finding;
use crate::report::sink::{Problem, Scanned};
use crate::report::summary::Summary;

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

    /// Whether the summary is part of this format's output (otherwise the
    /// command prints it on standard error).
    fn includes_summary(&self) -> bool {
        false
    }
}

/// The readable report: findings grouped per file.
pub struct Human<W: Write + Send> {
    out: W,
    color: bool,
    current: Option<String>,
}

impl<W: Write + Send> Human<W> {
    /// A human printer; `color` adds ANSI styles.
    pub fn new(out: W, color: bool) -> Human<W> {
        Human { out, color, current: None }
    }
}

impl<W: Write + Send> Printer for Human<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        if self.current.as_deref() != Some(f.source.as_str()) {
            if self.current.is_some() {
                writeln!(self.out)?;
            }
            if self.color {
                writeln!(self.out, "\x1b[1;35m{}\x1b[0m", f.source)?;
            } else {
                writeln!(self.out, "{}", f.source)?;
            }
            self.current = Some(f.source.clone());
        }
        let value = f.value.as_deref().unwrap_or(&f.redacted);
        let flags = if f.validated { format!("{}, validated", f.confidence) } else { f.confidence.to_string() };
        let loc = f.location.display_short();
        if self.color {
            writeln!(self.out, "  \x1b[32m{loc}\x1b[0m  \x1b[1m{}\x1b[0m  {value}  ({flags}; {})", f.data_type, f.rule)
        } else {
            writeln!(self.out, "  {loc}  {}  {value}  ({flags}; {})", f.data_type, f.rule)
        }
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}

/// One finding per line (JSON Lines), streamed.
pub struct JsonLines<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> JsonLines<W> {
    /// A JSONL printer.
    pub fn new(out: W) -> JsonLines<W> {
        JsonLines { out }
    }
}

impl<W: Write + Send> Printer for JsonLines<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, f)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}

/// One JSON document: `{"findings": [...], "summary": {...}}`, with findings
/// streamed into the array as they arrive.
pub struct JsonDocument<W: Write + Send> {
    out: W,
    first: bool,
}

impl<W: Write + Send> JsonDocument<W> {
    /// A JSON document printer.
    pub fn new(out: W) -> JsonDocument<W> {
        JsonDocument { out, first: true }
    }

    fn open(&mut self) -> io::Result<()> {
        if self.first {
            self.out.write_all(b"{\"findings\":[")?;
        }
        Ok(())
    }
}

impl<W: Write + Send> Printer for JsonDocument<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.open()?;
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, f)?;
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.open()?;
        self.out.write_all(b"\n],\"summary\":")?;
        serde_json::to_writer_pretty(&mut self.out, summary)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()
    }

    fn includes_summary(&self) -> bool {
        true
    }
}
