//! SARIF 2.1.0 output, for code-scanning dashboards and CI gates.
//!
//! Each finding is a result whose rule is the trawl rule; the level follows
//! the confidence (high → error, medium → warning, low → note). The message
//! carries the masked value only. Files that could not be scanned become
//! tool execution notifications.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::detect::RuleInfo;
use crate::report::finding::{Confidence, Finding, Location};
use crate::report::printer::{JsonArray, Printer};
use crate::report::sink::{Problem, Severity};
use crate::report::summary::Summary;

/// Streams a SARIF log.
pub struct Sarif<W: Write + Send> {
    out: W,
    rules: Vec<RuleInfo>,
    started: bool,
    results: JsonArray,
}

impl<W: Write + Send> Sarif<W> {
    /// A SARIF printer describing `rules` in the tool section.
    pub fn new(out: W, rules: Vec<RuleInfo>) -> Sarif<W> {
        Sarif { out, rules, started: false, results: JsonArray::default() }
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
            "{{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{{\"driver\":{driver}}},\"results\":["
        )
    }
}

fn region(loc: &Location) -> Value {
    match loc {
        Location::Text(t) => {
            json!({"startLine": t.line, "startColumn": t.column, "byteOffset": t.byte_start, "byteLength": t.byte_end - t.byte_start})
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
        let fingerprint = format!(
            "{:016x}",
            xxhash_rust::xxh3::xxh3_64(format!("{}\0{}\0{}", f.source, f.rule, f.redacted).as_bytes())
        );
        let mut location =
            json!({"physicalLocation": {"artifactLocation": {"uri": f.source}, "region": region(&f.location)}});
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
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": p.source}}}],
                })
            })
            .collect();
        let invocation =
            json!({"executionSuccessful": summary.not_scanned.is_empty(), "toolExecutionNotifications": notes});
        write!(self.out, "\n],\"invocations\":[{invocation}]}}]}}\n")?;
        self.out.flush()
    }
}
