//! SARIF 2.1.0 output, for code-scanning dashboards and CI gates.
//!
//! Each finding is a result whose rule is the trawl rule; the level follows
//! the confidence (high → error, medium → warning, low → note). The message
//! carries the masked value only. Files that could not be scanned become
//! tool execution notifications. A source's name becomes a URI reference
//! ([`artifact_uri`]): code-scanning services reject a location whose
//! `uri` is not one.

use std::collections::HashMap;
use std::io::{self, Write};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::detect::RuleInfo;
use crate::report::finding::{Confidence, Finding, Location};
use crate::report::printer::{JsonArray, Printer};
use crate::report::sink::{Problem, Scanned, Severity};
use crate::report::summary::Summary;

/// The bytes a URI path keeps as they are (RFC 3986 `pchar` and `/`):
/// letters, digits, `-._~`, the sub-delimiters `!$&'()*+,;=`, `:` and `@`.
const PATH_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/');

/// A source's name (a path, `archive.zip!member`, `s3://bucket/key`,
/// `<stdin>`) as a SARIF `artifactLocation.uri`: a URI reference, with
/// every byte a URI path cannot hold (spaces, `#`, `?`, `%`, `<>`,
/// non-ASCII...) percent-encoded. An `s3://` name keeps its scheme; a
/// relative path whose first segment holds a `:` gets a leading `./`, so
/// that it is not read as a scheme.
pub fn artifact_uri(source: &str) -> String {
    if let Some(rest) = source.strip_prefix("s3://") {
        return format!("s3://{}", utf8_percent_encode(rest, PATH_SAFE));
    }
    let path = utf8_percent_encode(source, PATH_SAFE).to_string();
    let first = path.split('/').next().unwrap_or("");
    if first.contains(':') { format!("./{path}") } else { path }
}

/// Streams a SARIF log.
pub struct Sarif<W: Write + Send> {
    out: W,
    rules: Vec<RuleInfo>,
    started: bool,
    results: JsonArray,
    /// Per source being reported, how many findings so far had each
    /// fingerprint base (source, rule, redacted value): repeats of one
    /// masked value in a file get distinct fingerprints. A source's counts
    /// are dropped when it is done ([`Printer::scanned`]), and at most
    /// [`MAX_COUNTED`] are kept per source, so memory does not grow with
    /// the findings of a whole scan or of one file.
    repeats: HashMap<String, HashMap<u64, u32>>,
}

impl<W: Write + Send> Sarif<W> {
    /// A SARIF printer describing `rules` in the tool section.
    pub fn new(out: W, rules: Vec<RuleInfo>) -> Sarif<W> {
        Sarif { out, rules, started: false, results: JsonArray::default(), repeats: HashMap::new() }
    }

    fn start(&mut self) -> io::Result<()> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| {
                json!({
                    "id": r.id.as_ref(),
                    "name": r.data_type.as_ref(),
                    "shortDescription": {"text": format!("{} ({})", r.data_type, r.category)},
                    "properties": {"category": r.category.as_str(), "tags": ["security", "sensitive-data", r.category.as_str()]},
                })
            })
            .collect();
        let driver = json!({
            "name": "trawl",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://github.com/trawl-scanner/trawl",
            "rules": rules,
        });
        write!(
            self.out,
            "{{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{driver}}},\"columnKind\":\"utf16CodeUnits\",\"results\":["
        )
    }
}

/// Distinct fingerprint bases counted per source (see [`Sarif::finding`]):
/// memory stays bounded however many findings one file holds.
const MAX_COUNTED: usize = 1 << 16;

/// Where a finding is, as a short key: its byte offset, or its record or row.
fn location_key(loc: &Location) -> String {
    match loc {
        Location::Text(t) => t.byte_start.to_string(),
        Location::Cell(c) => format!("r{}c{}", c.row, c.column_index),
        Location::Record(r) => format!("r{}{}", r.record, r.json_path),
    }
}

fn region(loc: &Location) -> Value {
    match loc {
        Location::Text(t) => {
            json!({"startLine": t.line, "startColumn": t.column_utf16.unwrap_or(t.column), "byteOffset": t.byte_start, "byteLength": t.byte_end - t.byte_start})
        }
        Location::Cell(c) => {
            let mut r = json!({});
            if let Some(l) = c.line {
                r["startLine"] = json!(l);
            }
            if let (Some(s), Some(e)) = (c.byte_start, c.byte_end) {
                r["byteOffset"] = json!(s);
                r["byteLength"] = json!(e - s);
            }
            r
        }
        Location::Record(rec) => {
            let mut r = json!({});
            if let Some(l) = rec.line {
                r["startLine"] = json!(l);
            }
            if let (Some(s), Some(e)) = (rec.byte_start, rec.byte_end) {
                r["byteOffset"] = json!(s);
                r["byteLength"] = json!(e - s);
            }
            r
        }
    }
}

fn logical(loc: &Location) -> Option<Value> {
    match loc {
        Location::Text(_) => None,
        Location::Cell(c) => Some(
            json!([{"name": c.column, "fullyQualifiedName": format!("row {} column {}", c.row, c.column_index), "kind": "member"}]),
        ),
        Location::Record(r) => {
            Some(json!([{"fullyQualifiedName": format!("record {} {}", r.record, r.json_path), "kind": "member"}]))
        }
    }
}

impl<W: Write + Send> Printer for Sarif<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.start()?;
        let level = match f.confidence {
            Confidence::High => "error",
            Confidence::Medium => "warning",
            Confidence::Low => "note",
        };
        let rule_index = self.rules.iter().position(|r| r.id == f.rule);
        let shown = f.value.as_deref().unwrap_or(&f.redacted);
        // Stable when other lines of the file change, unlike its line: the
        // n-th finding of this rule and masked value in this source.
        let base = xxhash_rust::xxh3::xxh3_64(format!("{}\0{}\0{}", f.source, f.rule, f.redacted).as_bytes());
        let counts = self.repeats.entry(f.source.clone()).or_default();
        let full = counts.len() >= MAX_COUNTED;
        let fingerprint = match counts.get_mut(&base) {
            Some(n) => {
                *n += 1;
                format!("{base:016x}:{n}")
            }
            // A source with more distinct values than are counted (a table
            // dense in findings): its location tells the rest apart.
            None if full => format!("{base:016x}@{}", location_key(&f.location)),
            None => {
                counts.insert(base, 1);
                format!("{base:016x}:1")
            }
        };
        let mut physical = json!({"artifactLocation": {"uri": artifact_uri(&f.source)}});
        // SARIF wants a region to hold a line or an offset: records read
        // from Parquet and Avro have neither, only their logical location.
        let region = region(&f.location);
        if region.as_object().is_some_and(|r| !r.is_empty()) {
            physical["region"] = region;
        }
        let mut location = json!({"physicalLocation": physical});
        if let Some(l) = logical(&f.location) {
            location["logicalLocations"] = l;
        }
        let mut result = json!({
            "ruleId": f.rule.as_ref(),
            "level": level,
            "message": {"text": format!("{} found: {}", f.data_type, shown)},
            "locations": [location],
            "partialFingerprints": {"trawlFinding/v1": fingerprint},
            "properties": {"type": f.data_type.as_ref(), "category": f.category.as_str(), "confidence": f.confidence.as_str(), "validated": f.validated, "location": f.location},
        });
        if let Some(i) = rule_index {
            result["ruleIndex"] = json!(i);
        }
        self.results.push(&mut self.out, &result)
    }

    fn scanned(&mut self, s: &Scanned) -> io::Result<()> {
        self.repeats.remove(&s.source);
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.start()?;
        let notes: Vec<Value> = summary
            .not_scanned
            .iter()
            .chain(summary.warnings.iter())
            .map(|p: &Problem| {
                json!({
                    "level": if p.severity == Severity::Warning { "warning" } else { "error" },
                    "message": {"text": format!("{}: {}", p.source, p.reason)},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(&p.source)}}}],
                })
            })
            .collect();
        let invocation =
            json!({"executionSuccessful": summary.not_scanned.is_empty(), "toolExecutionNotifications": notes});
        write!(self.out, "\n],\"invocations\":[{invocation}]}}]}}\n")?;
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Category, RecordLocation};

    #[test]
    fn records_without_lines_have_no_empty_region() {
        let rules = vec![RuleInfo {
            id: "pii.ssn.2".into(),
            data_type: "USA_SOCIAL_SECURITY_NUMBER".into(),
            category: Category::PersonalInformation,
        }];
        let mut out = Vec::new();
        let mut sarif = Sarif::new(&mut out, rules);
        let record = |line: Option<u64>| Finding {
            source: "t.parquet".into(),
            data_type: "USA_SOCIAL_SECURITY_NUMBER".into(),
            category: Category::PersonalInformation,
            rule: "pii.ssn.2".into(),
            location: Location::Record(RecordLocation {
                record: 3,
                json_path: "$.ssn".into(),
                row_group: Some(0),
                line,
                byte_start: line.map(|_| 10),
                byte_end: line.map(|_| 19),
            }),
            validated: true,
            confidence: Confidence::High,
            redacted: "*****3921".into(),
            value: None,
        };
        sarif.finding(&record(None)).unwrap();
        sarif.finding(&record(Some(2))).unwrap();
        sarif.finish(&Summary::default()).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        let results = doc["runs"][0]["results"].as_array().unwrap();
        let parquet = &results[0]["locations"][0];
        assert!(parquet["physicalLocation"].get("region").is_none(), "{parquet}");
        assert_eq!(parquet["logicalLocations"][0]["fullyQualifiedName"], "record 3 $.ssn");
        assert_eq!(results[1]["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
        // The same masked value twice in one source: two fingerprints.
        let prints: Vec<&Value> = results.iter().map(|r| &r["partialFingerprints"]["trawlFinding/v1"]).collect();
        assert_ne!(prints[0], prints[1]);
        assert!(
            prints[0].as_str().unwrap().ends_with(":1") && prints[1].as_str().unwrap().ends_with(":2"),
            "{prints:?}"
        );
    }

    #[test]
    fn columns_are_utf16_code_units_and_say_so() {
        let mut out = Vec::new();
        let mut sarif = Sarif::new(&mut out, Vec::new());
        let at = |column: u64, column_utf16: Option<u64>| Finding {
            source: "notes.txt".into(),
            data_type: "EMAIL_ADDRESS".into(),
            category: Category::PersonalInformation,
            rule: "pii.email.1".into(),
            location: Location::Text(crate::report::finding::TextLocation {
                line: 4,
                column,
                column_utf16,
                byte_start: 100,
                byte_end: 120,
            }),
            validated: true,
            confidence: Confidence::High,
            redacted: "j***@example.com".into(),
            value: None,
        };
        sarif.finding(&at(9, None)).unwrap();
        sarif.finding(&at(16, Some(13))).unwrap();
        sarif.finish(&Summary::default()).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["runs"][0]["columnKind"], "utf16CodeUnits");
        let columns: Vec<&Value> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["locations"][0]["physicalLocation"]["region"]["startColumn"])
            .collect();
        assert_eq!(columns, [9, 13]);
    }

    #[test]
    fn repeats_are_counted_per_source_until_it_is_done() {
        let mut out = Vec::new();
        let mut sarif = Sarif::new(&mut out, Vec::new());
        let at = |source: &str, line: u64| Finding {
            source: source.into(),
            data_type: "EMAIL_ADDRESS".into(),
            category: Category::PersonalInformation,
            rule: "pii.email.1".into(),
            location: Location::Text(crate::report::finding::TextLocation {
                line,
                column: 1,
                column_utf16: None,
                byte_start: 0,
                byte_end: 5,
            }),
            validated: true,
            confidence: Confidence::High,
            redacted: "j***@example.com".into(),
            value: None,
        };
        let scanned = |source: &str| Scanned {
            source: source.into(),
            format: "text".into(),
            bytes: 10,
            findings: 2,
            binary: false,
            container: false,
            size: None,
        };
        for source in ["a.txt", "b.txt"] {
            sarif.finding(&at(source, 1)).unwrap();
            sarif.finding(&at(source, 7)).unwrap();
            sarif.scanned(&scanned(source)).unwrap();
        }
        assert!(sarif.repeats.is_empty(), "counts are dropped once a source is done");
        sarif.finish(&Summary::default()).unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        let prints: Vec<String> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["trawlFinding/v1"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(prints.iter().collect::<std::collections::HashSet<_>>().len(), 4, "{prints:?}");
        assert!(prints[0].ends_with(":1") && prints[1].ends_with(":2") && prints[2].ends_with(":1"), "{prints:?}");
    }

    #[test]
    fn counts_per_source_are_bounded() {
        let mut sarif = Sarif::new(std::io::sink(), Vec::new());
        let at = |k: u64| Finding {
            source: "dense.txt".into(),
            data_type: "EMAIL_ADDRESS".into(),
            category: Category::PersonalInformation,
            rule: "pii.email.1".into(),
            location: Location::Text(crate::report::finding::TextLocation {
                line: k + 1,
                column: 1,
                column_utf16: None,
                byte_start: k * 40,
                byte_end: k * 40 + 20,
            }),
            validated: true,
            confidence: Confidence::High,
            redacted: format!("j***{k}@example.com"),
            value: None,
        };
        for k in 0..MAX_COUNTED as u64 + 10 {
            sarif.finding(&at(k)).unwrap();
        }
        assert_eq!(sarif.repeats["dense.txt"].len(), MAX_COUNTED);
    }

    #[test]
    fn sources_become_uri_references() {
        for (source, uri) in [
            ("logs/app.log", "logs/app.log"),
            ("/var/data/x.csv", "/var/data/x.csv"),
            ("corpus/exports.zip!billing/payments_1.csv", "corpus/exports.zip!billing/payments_1.csv"),
            ("my data/Q1 #3?.csv", "my%20data/Q1%20%233%3F.csv"),
            ("100%.txt", "100%25.txt"),
            ("<stdin>", "%3Cstdin%3E"),
            ("données/é.txt", "donn%C3%A9es/%C3%A9.txt"),
            ("a:b/c.txt", "./a:b/c.txt"),
            ("dir/a:b.txt", "dir/a:b.txt"),
            ("s3://bucket/exports/2024 Q1/a#1.csv", "s3://bucket/exports/2024%20Q1/a%231.csv"),
        ] {
            assert_eq!(artifact_uri(source), uri, "{source}");
        }
    }
}
