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
use serde::Serialize;
use serde_json::{Value, json};

use crate::detect::RuleInfo;
use crate::report::finding::{Confidence, Finding, Location};
use crate::report::printer::{JsonArray, Printer};
use crate::report::sink::{Problem, Scanned, Severity};
use crate::report::summary::Summary;
use crate::report::symbol::Symbol;

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
    /// Each rule's index in `rules`, by id.
    rule_index: HashMap<Symbol, usize>,
    /// The bytes a fingerprint base is hashed from, reused.
    key: Vec<u8>,
}

impl<W: Write + Send> Sarif<W> {
    /// A SARIF printer describing `rules` in the tool section.
    pub fn new(out: W, rules: Vec<RuleInfo>) -> Sarif<W> {
        let mut rule_index = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            rule_index.entry(r.id).or_insert(i);
        }
        Sarif {
            out,
            rules,
            started: false,
            results: JsonArray::default(),
            repeats: HashMap::new(),
            rule_index,
            key: Vec::new(),
        }
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
        Location::Cell(c) => match &c.cell_reference {
            Some(r) => r.clone(),
            None => format!("r{}c{}", c.row, c.column_index),
        },
        Location::Record(r) => format!("r{}{}", r.record, r.json_path),
    }
}

/// A result's region: a line or an offset, whichever the location has.
#[derive(Serialize, Default, PartialEq)]
struct Region {
    #[serde(rename = "startLine", skip_serializing_if = "Option::is_none")]
    start_line: Option<u64>,
    #[serde(rename = "startColumn", skip_serializing_if = "Option::is_none")]
    start_column: Option<u64>,
    #[serde(rename = "byteOffset", skip_serializing_if = "Option::is_none")]
    byte_offset: Option<u64>,
    #[serde(rename = "byteLength", skip_serializing_if = "Option::is_none")]
    byte_length: Option<u64>,
}

fn region(loc: &Location) -> Region {
    let bytes = |s: Option<u64>, e: Option<u64>| s.zip(e).map(|(s, e)| (s, e - s)).unzip();
    match loc {
        Location::Text(t) => Region {
            start_line: Some(t.line),
            start_column: Some(t.column_utf16.unwrap_or(t.column)),
            byte_offset: Some(t.byte_start),
            byte_length: Some(t.byte_end - t.byte_start),
        },
        Location::Cell(c) => {
            let (byte_offset, byte_length) = bytes(c.byte_start, c.byte_end);
            Region { start_line: c.line, start_column: None, byte_offset, byte_length }
        }
        Location::Record(r) => {
            let (byte_offset, byte_length) = bytes(r.byte_start, r.byte_end);
            Region { start_line: r.line, start_column: None, byte_offset, byte_length }
        }
    }
}

/// A cell's column or a record's JSON path, as a SARIF logical location.
#[derive(Serialize)]
struct Logical<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(rename = "fullyQualifiedName")]
    fully_qualified_name: String,
    kind: &'static str,
}

fn logical(loc: &Location) -> Option<[Logical<'_>; 1]> {
    match loc {
        Location::Text(_) => None,
        Location::Cell(c) => Some([Logical {
            name: Some(&c.column),
            fully_qualified_name: match &c.cell_reference {
                Some(r) => r.clone(),
                None => format!("row {} column {}", c.row, c.column_index),
            },
            kind: "member",
        }]),
        Location::Record(r) => Some([Logical {
            name: None,
            fully_qualified_name: format!("record {} {}", r.record, r.json_path),
            kind: "member",
        }]),
    }
}

/// One SARIF result, written by `serde` as it is (a `serde_json::Value`
/// built per finding, maps of sorted keys, made SARIF output four times
/// as slow as JSON Lines on data dense in findings).
#[derive(Serialize)]
struct SarifResult<'a> {
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex", skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [ResultLocation<'a>; 1],
    #[serde(rename = "partialFingerprints")]
    fingerprints: Fingerprints,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct ResultLocation<'a> {
    #[serde(rename = "physicalLocation")]
    physical: Physical,
    #[serde(rename = "logicalLocations", skip_serializing_if = "Option::is_none")]
    logical: Option<[Logical<'a>; 1]>,
}

#[derive(Serialize)]
struct Physical {
    #[serde(rename = "artifactLocation")]
    artifact: Artifact,
    /// SARIF wants a region to hold a line or an offset: records read from
    /// Parquet and Avro have neither, only their logical location.
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "trawlFinding/v1")]
    v1: String,
}

#[derive(Serialize)]
struct Properties<'a> {
    #[serde(rename = "type")]
    data_type: &'a str,
    category: &'static str,
    confidence: &'static str,
    validated: bool,
    location: &'a Location,
}

impl<'a> SarifResult<'a> {
    /// The result of `f`, the rule at `rule_index`, with `fingerprint`.
    fn of(f: &'a Finding, rule_index: Option<usize>, fingerprint: String) -> SarifResult<'a> {
        let level = match f.confidence {
            Confidence::High => "error",
            Confidence::Medium => "warning",
            Confidence::Low => "note",
        };
        let shown = f.value.as_deref().unwrap_or(&f.redacted);
        let region = region(&f.location);
        SarifResult {
            rule_id: f.rule.as_str(),
            rule_index,
            level,
            message: Text { text: format!("{} found: {}", f.data_type, shown) },
            locations: [ResultLocation {
                physical: Physical {
                    artifact: Artifact { uri: artifact_uri(&f.source) },
                    region: (region != Region::default()).then_some(region),
                },
                logical: logical(&f.location),
            }],
            fingerprints: Fingerprints { v1: fingerprint },
            properties: Properties {
                data_type: f.data_type.as_str(),
                category: f.category.as_str(),
                confidence: f.confidence.as_str(),
                validated: f.validated,
                location: &f.location,
            },
        }
    }
}

impl<W: Write + Send> Printer for Sarif<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.start()?;
        let rule_index = self.rule_index.get(&f.rule).copied();
        // Stable when other lines of the file change, unlike its line: the
        // n-th finding of this rule and masked value in this source.
        self.key.clear();
        for part in [f.source.as_bytes(), f.rule.as_bytes(), f.redacted.as_bytes()] {
            self.key.extend_from_slice(part);
            self.key.push(0);
        }
        self.key.pop();
        let base = xxhash_rust::xxh3::xxh3_64(&self.key);
        if !self.repeats.contains_key(&f.source) {
            self.repeats.insert(f.source.clone(), HashMap::new());
        }
        let counts = self.repeats.get_mut(&f.source).expect("inserted above");
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
        self.results.push(&mut self.out, &SarifResult::of(f, rule_index, fingerprint))
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
    use crate::report::{Category, CellLocation, RecordLocation, TextLocation};

    /// A result as `serde_json::Value`s built it before results were
    /// written by `serde` from structs: the reference they must equal.
    fn result_as_values(f: &Finding, rule_index: Option<usize>, fingerprint: &str) -> Value {
        let region = match &f.location {
            Location::Text(t) => {
                json!({"startLine": t.line, "startColumn": t.column_utf16.unwrap_or(t.column), "byteOffset": t.byte_start, "byteLength": t.byte_end - t.byte_start})
            }
            Location::Cell(CellLocation { line, byte_start, byte_end, .. })
            | Location::Record(RecordLocation { line, byte_start, byte_end, .. }) => {
                let mut r = json!({});
                if let Some(l) = line {
                    r["startLine"] = json!(l);
                }
                if let (Some(s), Some(e)) = (byte_start, byte_end) {
                    r["byteOffset"] = json!(s);
                    r["byteLength"] = json!(e - s);
                }
                r
            }
        };
        let mut physical = json!({"artifactLocation": {"uri": artifact_uri(&f.source)}});
        if region.as_object().is_some_and(|r| !r.is_empty()) {
            physical["region"] = region;
        }
        let mut location = json!({"physicalLocation": physical});
        match &f.location {
            Location::Text(_) => {}
            Location::Cell(c) => {
                location["logicalLocations"] = json!([{"name": c.column, "fullyQualifiedName": format!("row {} column {}", c.row, c.column_index), "kind": "member"}]);
            }
            Location::Record(r) => {
                location["logicalLocations"] =
                    json!([{"fullyQualifiedName": format!("record {} {}", r.record, r.json_path), "kind": "member"}]);
            }
        }
        let level = match f.confidence {
            Confidence::High => "error",
            Confidence::Medium => "warning",
            Confidence::Low => "note",
        };
        let shown = f.value.as_deref().unwrap_or(&f.redacted);
        let mut result = json!({
            "ruleId": f.rule.as_str(),
            "level": level,
            "message": {"text": format!("{} found: {}", f.data_type, shown)},
            "locations": [location],
            "partialFingerprints": {"trawlFinding/v1": fingerprint},
            "properties": {"type": f.data_type.as_str(), "category": f.category.as_str(), "confidence": f.confidence.as_str(), "validated": f.validated, "location": f.location},
        });
        if let Some(i) = rule_index {
            result["ruleIndex"] = json!(i);
        }
        result
    }

    #[test]
    fn results_are_what_values_built_them_as() {
        let text = |column_utf16| {
            Location::Text(TextLocation {
                line: 7,
                column: 12,
                column_utf16,
                byte_start: 300,
                byte_end: 311,
                page: None,
            })
        };
        let cell = |line: Option<u64>, bytes: Option<(u64, u64)>| {
            Location::Cell(CellLocation {
                line,
                byte_start: bytes.map(|b| b.0),
                byte_end: bytes.map(|b| b.1),
                row: 4,
                column_index: 2,
                column: "e\"mail \u{e9}".into(),
                cell_reference: None,
            })
        };
        let record = |line: Option<u64>, bytes: Option<(u64, u64)>, row_group| {
            Location::Record(RecordLocation {
                record: 41,
                json_path: "$.customer['tax id']".into(),
                row_group,
                line,
                byte_start: bytes.map(|b| b.0),
                byte_end: bytes.map(|b| b.1),
            })
        };
        let locations = [
            text(None),
            text(Some(9)),
            cell(None, None),
            cell(Some(3), Some((40, 51))),
            cell(Some(3), None),
            record(None, None, Some(0)),
            record(Some(1), Some((5, 16)), None),
            record(None, Some((5, 16)), None),
        ];
        for (k, location) in locations.into_iter().enumerate() {
            for (confidence, value) in
                [(Confidence::High, None), (Confidence::Medium, Some("536-22-4100")), (Confidence::Low, None)]
            {
                let f = Finding {
                    source: "dir/q1 exports/#1.csv".into(),
                    data_type: "USA_SOCIAL_SECURITY_NUMBER".into(),
                    category: Category::PersonalInformation,
                    rule: "pii.ssn.1".into(),
                    location: location.clone(),
                    validated: k % 2 == 0,
                    confidence,
                    redacted: "***-**-4100".into(),
                    value: value.map(String::from),
                };
                for rule_index in [None, Some(3)] {
                    let ours = serde_json::to_value(SarifResult::of(&f, rule_index, "00ff:1".into())).unwrap();
                    assert_eq!(ours, result_as_values(&f, rule_index, "00ff:1"), "{:?}", f.location);
                }
            }
        }
    }

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
                page: None,
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
                page: None,
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
                page: None,
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
