//! Discovery results (`--results`): one record per object the sweep selected
//! (scanned, partly scanned, failed or skipped), like Macie's sensitive data
//! discovery results, written as gzip-compressed JSON Lines files
//! `trawl-results-<start time>-<shard>-<part>.jsonl.gz` under the given
//! directory or `s3://bucket/prefix/`.
//!
//! A new part is written at each checkpoint (before the state file, so that
//! every object the state records has its result stored), so a sweep that is
//! killed loses no result of an object it recorded as done.
//!
//! **No value is ever written**: not raw, not masked. A record gives counts
//! per type and category and up to [`MAX_OCCURRENCES`] locations per type.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::report::{Finding, Location, Problem};
use crate::source::s3::uri::Place;

/// Locations kept per type in one record (as Macie's results, 15).
pub const MAX_OCCURRENCES: usize = 15;
/// Problems kept in one record.
const MAX_PROBLEMS: usize = 20;

/// How far an object was scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Scanned entirely.
    Complete,
    /// Scanned, but part of it was not (a member over a limit, a corrupt member...).
    Partial,
    /// Not scanned, on purpose (archived and not restored, over `--max-filesize`, deleted since listed).
    Skipped,
    /// Could not be scanned (access denied, transfer failed after retries...).
    Error,
}

/// One place a type was found, without its value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Occurrence {
    /// The source inside the object (`s3://b/k`, or `s3://b/k.zip!member.csv`).
    pub source: String,
    /// The rule that matched.
    pub rule: String,
    /// Confidence.
    pub confidence: String,
    /// Where: line and offsets, cell, or record and path.
    pub location: Location,
}

/// Findings counted per type and category, with capped occurrences.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Number of findings.
    pub findings: u64,
    /// Findings per type (`CREDIT_CARD_NUMBER`: 3).
    pub by_type: BTreeMap<String, u64>,
    /// Findings per category (`FINANCIAL_INFORMATION`: 3).
    pub by_category: BTreeMap<String, u64>,
    /// Up to [`MAX_OCCURRENCES`] occurrences per type.
    pub occurrences: BTreeMap<String, Vec<Occurrence>>,
}

impl Tally {
    /// Counts one finding.
    pub fn add(&mut self, f: &Finding) {
        self.findings += 1;
        let n = self.by_type.entry(f.data_type.to_string()).or_default();
        *n += 1;
        *self.by_category.entry(f.category.as_str().to_string()).or_default() += 1;
        let occ = self.occurrences.entry(f.data_type.to_string()).or_default();
        if occ.len() < MAX_OCCURRENCES {
            occ.push(Occurrence {
                source: f.source.clone(),
                rule: f.rule.to_string(),
                confidence: f.confidence.as_str().to_string(),
                location: f.location.clone(),
            });
        }
    }
}

/// A problem in a record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProblemRecord {
    /// The object or member concerned.
    pub source: String,
    /// `error`, `partial` or `warning`.
    pub severity: String,
    /// Why.
    pub reason: String,
}

impl From<&Problem> for ProblemRecord {
    fn from(p: &Problem) -> ProblemRecord {
        let severity = match p.severity {
            crate::report::Severity::Error => "error",
            crate::report::Severity::Partial => "partial",
            crate::report::Severity::Warning => "warning",
        };
        ProblemRecord { source: p.source.clone(), severity: severity.into(), reason: p.reason.clone() }
    }
}

/// The discovery result of one object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// `s3://bucket/key`.
    pub uri: String,
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The ETag of the version scanned (or listed, when not scanned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Last modified (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Storage class, when listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// How far it was scanned.
    pub status: Status,
    /// Why it is not `COMPLETE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The format it was read as (`csv`, `parquet`, `zip`...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Bytes scanned (decoded and decompressed, members included).
    pub bytes_scanned: u64,
    /// Findings: counts and occurrences.
    #[serde(flatten)]
    pub tally: Tally,
    /// Problems met (capped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemRecord>,
    /// The rule-set version used.
    pub rules_version: String,
    /// `I/N` when the sweep is sharded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// When the object was done (RFC 3339).
    pub scanned_at: String,
}

impl Record {
    /// Sets the problems, keeping the first 20.
    pub fn set_problems(&mut self, problems: &[Problem]) {
        self.problems = problems.iter().take(MAX_PROBLEMS).map(ProblemRecord::from).collect();
    }
}

/// Writes records into numbered gzip parts.
pub(crate) struct Results {
    dir: Place,
    stem: String,
    part: u32,
    enc: flate2::write::GzEncoder<Vec<u8>>,
    pending: u64,
    total: u64,
}

impl Results {
    /// Results under `dir`, in files named after `stamp` (the start time) and `shard`.
    pub(crate) fn new(dir: Place, stamp: &str, shard: Option<&str>) -> Results {
        let stem = format!("trawl-results-{stamp}-{}", shard.unwrap_or("all"));
        Results { dir, stem, part: 0, enc: encoder(), pending: 0, total: 0 }
    }

    /// Adds one record to the current part.
    pub(crate) fn add(&mut self, r: &Record) {
        serde_json::to_writer(&mut self.enc, r).expect("a record serializes into memory");
        self.enc.write_all(b"\n").expect("writing to memory");
        self.pending += 1;
        self.total += 1;
    }

    /// Records written so far.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Closes the current part and returns where it goes and its bytes; `None` when it is empty.
    pub(crate) fn take_part(&mut self) -> Option<(Place, Vec<u8>)> {
        if self.pending == 0 {
            return None;
        }
        let enc = std::mem::replace(&mut self.enc, encoder());
        let bytes = enc.finish().expect("writing to memory");
        let place = self.dir.join(&format!("{}-{:05}.jsonl.gz", self.stem, self.part));
        self.part += 1;
        self.pending = 0;
        Some((place, bytes))
    }
}

fn encoder() -> flate2::write::GzEncoder<Vec<u8>> {
    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn record(uri: &str) -> Record {
        Record {
            uri: uri.into(),
            bucket: "b".into(),
            key: "k".into(),
            etag: Some("e".into()),
            size: 3,
            last_modified: None,
            storage_class: None,
            status: Status::Complete,
            reason: None,
            format: Some("csv".into()),
            bytes_scanned: 3,
            tally: Tally::default(),
            problems: vec![],
            rules_version: "v".into(),
            shard: None,
            scanned_at: "2024-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn parts_are_complete_gzip_jsonl() {
        let mut r = Results::new(Place::parse("s3://out/res/").unwrap(), "20240101T000000Z", Some("1-of-3"));
        assert!(r.take_part().is_none(), "nothing to write");
        r.add(&record("s3://b/1"));
        r.add(&record("s3://b/2"));
        let (place, bytes) = r.take_part().unwrap();
        assert_eq!(place.to_string(), "s3://out/res/trawl-results-20240101T000000Z-1-of-3-00000.jsonl.gz");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["uri"], "s3://b/2");
        assert_eq!(lines[1]["status"], "COMPLETE");
        r.add(&record("s3://b/3"));
        assert!(r.take_part().unwrap().0.to_string().ends_with("-00001.jsonl.gz"));
        assert_eq!(r.total(), 3);
    }
}
