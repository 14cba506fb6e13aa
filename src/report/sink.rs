//! Where scan output goes: the [`Sink`] trait, and the events besides findings.

use crate::report::finding::Finding;

/// How bad a [`Problem`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Scanned, but not as well as it could be (e.g. a malformed CSV row scanned as text).
    Warning,
    /// Part of the source was not scanned (e.g. an archive member over a limit).
    Partial,
    /// The source was not scanned at all.
    Error,
}

/// Something that could not be scanned, or not fully, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// The file, archive member or object concerned.
    pub source: String,
    /// Why, in a few words: `permission denied`, `truncated gzip stream`...
    pub reason: String,
    /// How much of it was lost.
    pub severity: Severity,
}

impl Problem {
    /// A source that was not scanned at all.
    pub fn error(source: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem { source: source.into(), reason: reason.into(), severity: Severity::Error }
    }

    /// A source that was scanned only in part.
    pub fn partial(source: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem { source: source.into(), reason: reason.into(), severity: Severity::Partial }
    }

    /// A source that was scanned, with a caveat, or one left out by
    /// design: a FIFO, socket or device met in a walk, a symlink not
    /// followed, a binary file skipped with `--skip-binary`, an S3 object
    /// deleted since it was listed or in an archive storage class. Listed,
    /// but not counted as unscanned by the exit code.
    pub fn warning(source: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem { source: source.into(), reason: reason.into(), severity: Severity::Warning }
    }
}

/// What was scanned in one source (a file, an archive member, an object).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scanned {
    /// The source's name, as in findings.
    pub source: String,
    /// The format it was read as: `text`, `csv`, `jsonl`, `parquet`, `gzip`...
    pub format: String,
    /// Bytes scanned (decoded and decompressed).
    pub bytes: u64,
    /// Findings reported in it.
    pub findings: u64,
    /// Whether it looked binary.
    pub binary: bool,
    /// Whether it is a container (archive, compressed stream) whose members are reported separately.
    pub container: bool,
    /// The stored size of a top-level file or object (before decoding and
    /// decompression), when known; `None` for members and streams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// Receives findings and events as a scan produces them (push model).
///
/// Only [`Sink::finding`] is required; the events have do-nothing defaults so
/// that a `Vec<Finding>` is a sink.
pub trait Sink {
    /// Takes one finding; returns whether the scan should go on.
    fn finding(&mut self, finding: Finding) -> bool;

    /// Something could not be scanned, or not fully.
    fn problem(&mut self, problem: Problem) {
        let _ = problem;
    }

    /// One source has been scanned.
    fn scanned(&mut self, scanned: Scanned) {
        let _ = scanned;
    }

    /// Passes on what this sink holds back (a batch of findings not sent
    /// yet), without waiting for it to be written. The S3 sweep calls it
    /// before it records an object as done in its state.
    fn flush(&mut self) {}

    /// Makes everything reported so far, through this sink and every other
    /// sink writing to the same output, durable: written, flushed, and for a
    /// file synced to disk. The S3 sweep calls it before each checkpoint of
    /// its state, so that the state never records an object whose findings
    /// could still be lost. The default only calls [`Sink::flush`]: right for
    /// sinks that keep what they receive in memory.
    ///
    /// # Errors
    /// The output could not be written.
    fn sync(&mut self) -> std::io::Result<()> {
        self.flush();
        Ok(())
    }
}

impl Sink for Vec<Finding> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.push(finding);
        true
    }
}

/// Collects everything, for tests and small library uses.
#[derive(Clone, Debug, Default)]
pub struct Collect {
    /// The findings, in the order reported.
    pub findings: Vec<Finding>,
    /// The problems.
    pub problems: Vec<Problem>,
    /// The scanned sources.
    pub scanned: Vec<Scanned>,
}

impl Sink for Collect {
    fn finding(&mut self, finding: Finding) -> bool {
        self.findings.push(finding);
        true
    }

    fn problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    fn scanned(&mut self, scanned: Scanned) {
        self.scanned.push(scanned);
    }
}
