//! Amazon Macie-shaped findings: one finding per affected file or object,
//! shaped like Macie's `SensitiveData:S3Object/*` findings (JSON Lines), so
//! that tooling built for Macie's findings can read trawl's.
//!
//! As Macie does, each detection lists its total count and at most 15
//! occurrences (`lineRanges` for text, `cells` for tables, `records` for
//! JSON, JSONL, Parquet and Avro), and `additionalOccurrences` says whether
//! there were more. Values are never included. `s3Object.size` is the
//! stored size of the file or object, `sizeClassified` the bytes scanned
//! (decoded and decompressed). For local files
//! `resourcesAffected.s3Object.path` is the file path and no bucket is given.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::report::finding::{Category, Finding, Location};
use crate::report::printer::Printer;
use crate::report::sink::{Problem, Scanned};
use crate::report::summary::Summary;

/// Macie lists at most this many occurrences per detection.
const MAX_OCCURRENCES: usize = 15;

#[derive(Default)]
struct Detection {
    count: u64,
    occurrences: Vec<Location>,
}

#[derive(Default)]
struct Object {
    by_category: BTreeMap<Category, BTreeMap<String, Detection>>,
    /// Bytes scanned (decoded, decompressed).
    bytes: u64,
    /// The stored size, when the source said it.
    size: Option<u64>,
    partial: Option<String>,
}

/// Aggregates findings per top-level source and writes one Macie-shaped finding each.
pub struct Macie<W: Write + Send> {
    out: W,
    objects: BTreeMap<String, Object>,
}

impl<W: Write + Send> Macie<W> {
    /// A Macie printer.
    pub fn new(out: W) -> Macie<W> {
        Macie { out, objects: BTreeMap::new() }
    }

    fn flush_object(&mut self, key: &str) -> io::Result<()> {
        let Some(obj) = self.objects.remove(key) else { return Ok(()) };
        if obj.by_category.is_empty() {
            return Ok(());
        }
        serde_json::to_writer(&mut self.out, &macie_finding(key, &obj))?;
        self.out.write_all(b"\n")
    }
}

/// The top-level object of a source: `a.zip!b/c.csv` → `a.zip`.
fn top_level(source: &str) -> &str {
    source.split('!').next().unwrap_or(source)
}

fn occurrences(locs: &[Location]) -> Value {
    let mut line_ranges = Vec::new();
    let mut cells = Vec::new();
    let mut records = Vec::new();
    let mut pages = Vec::new();
    for loc in locs {
        match loc {
            // Macie counts the column in characters: UTF-16 code units
            // are those, but for characters outside the Basic Multilingual
            // Plane (which count two).
            // A PDF's findings are placed by page, as Macie places them.
            Location::Text(t) if t.page.is_some() => pages.push(json!({"pageNumber": t.page})),
            Location::Text(t) => line_ranges
                .push(json!({"start": t.line, "end": t.line, "startColumn": t.column_utf16.unwrap_or(t.column)})),
            Location::Cell(c) => cells
                .push(json!({"row": c.row, "column": c.column_index, "columnName": c.column, "cellReference": c.cell_reference})),
            Location::Record(r) => records.push(json!({"recordIndex": r.record, "jsonPath": r.json_path})),
        }
    }
    let mut o = json!({});
    if !line_ranges.is_empty() {
        o["lineRanges"] = json!(line_ranges);
    }
    if !cells.is_empty() {
        o["cells"] = json!(cells);
    }
    if !records.is_empty() {
        o["records"] = json!(records);
    }
    if !pages.is_empty() {
        o["pages"] = json!(pages);
    }
    o
}

fn macie_finding(key: &str, obj: &Object) -> Value {
    let mut sensitive = Vec::new();
    let mut custom = Vec::new();
    let mut custom_total = 0;
    for (cat, dets) in &obj.by_category {
        let detections: Vec<Value> = dets
            .iter()
            .map(|(t, d)| {
                if *cat == Category::CustomIdentifier {
                    json!({"name": t, "count": d.count, "occurrences": occurrences(&d.occurrences)})
                } else {
                    json!({"type": t, "count": d.count, "occurrences": occurrences(&d.occurrences)})
                }
            })
            .collect();
        let total: u64 = dets.values().map(|d| d.count).sum();
        if *cat == Category::CustomIdentifier {
            custom_total += total;
            custom.extend(detections);
        } else {
            sensitive.push(json!({"category": cat.as_str(), "totalCount": total, "detections": detections}));
        }
    }
    let cats: Vec<Category> = obj.by_category.keys().copied().collect();
    let (kind, title) = match cats.as_slice() {
        [Category::Credentials] => ("SensitiveData:S3Object/Credentials", "The object contains credentials data."),
        [Category::FinancialInformation] => {
            ("SensitiveData:S3Object/Financial", "The object contains financial information.")
        }
        [Category::PersonalInformation] => {
            ("SensitiveData:S3Object/Personal", "The object contains personal information.")
        }
        [Category::CustomIdentifier] => (
            "SensitiveData:S3Object/CustomIdentifier",
            "The object contains text that matches a custom data identifier.",
        ),
        _ => ("SensitiveData:S3Object/Multiple", "The object contains more than one type of sensitive information."),
    };
    let total: u64 = obj.by_category.values().flat_map(|d| d.values()).map(|d| d.count).sum();
    let severity = if cats.contains(&Category::Credentials) || total >= 100 {
        "High"
    } else if total >= 2 || cats.contains(&Category::FinancialInformation) {
        "Medium"
    } else {
        "Low"
    };
    let score = match severity {
        "High" => 3,
        "Medium" => 2,
        _ => 1,
    };
    let (bucket, object_key) = match key.strip_prefix("s3://").and_then(|r| r.split_once('/')) {
        Some((b, k)) => (Some(b.to_string()), k.to_string()),
        None => (None, key.to_string()),
    };
    let extension =
        object_key.rsplit('/').next().and_then(|f| f.rsplit_once('.')).map(|(_, e)| e.to_string()).unwrap_or_default();
    let mut s3_object = json!({"key": object_key, "path": match &bucket { Some(b) => format!("{b}/{object_key}"), None => key.to_string() }, "extension": extension, "size": obj.size.unwrap_or(obj.bytes)});
    let mut resources = json!({});
    if let Some(b) = &bucket {
        s3_object["bucketArn"] = json!(format!("arn:aws:s3:::{b}"));
        resources["s3Bucket"] = json!({"name": b, "arn": format!("arn:aws:s3:::{b}")});
    }
    resources["s3Object"] = s3_object;
    let status = match &obj.partial {
        Some(reason) => json!({"code": "PARTIAL", "reason": reason}),
        None => json!({"code": "COMPLETE"}),
    };
    // Occurrences past the 15 listed per detection.
    let additional = obj.by_category.values().flat_map(|d| d.values()).any(|d| d.count > d.occurrences.len() as u64);
    let mut result = json!({"status": status, "sizeClassified": obj.bytes, "sensitiveData": sensitive, "additionalOccurrences": additional});
    if custom_total > 0 {
        result["customDataIdentifiers"] = json!({"totalCount": custom_total, "detections": custom});
    }
    let id = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(key.as_bytes()));
    json!({
        "schemaVersion": "1.0",
        "id": id,
        "type": kind,
        "title": title,
        "description": format!("{title} Found {total} occurrence(s)."),
        "category": "CLASSIFICATION",
        "severity": {"description": severity, "score": score},
        "count": 1,
        "resourcesAffected": resources,
        "classificationDetails": {"originType": "SENSITIVE_DATA_DISCOVERY_JOB", "jobId": "trawl", "result": result},
    })
}

impl<W: Write + Send> Printer for Macie<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        let obj = self.objects.entry(top_level(&f.source).to_string()).or_default();
        let det = obj.by_category.entry(f.category).or_default().entry(f.data_type.to_string()).or_default();
        det.count += 1;
        if det.occurrences.len() < MAX_OCCURRENCES {
            det.occurrences.push(f.location.clone());
        }
        Ok(())
    }

    fn problem(&mut self, p: &Problem) -> io::Result<()> {
        let obj = self.objects.entry(top_level(&p.source).to_string()).or_default();
        obj.partial.get_or_insert_with(|| p.reason.clone());
        Ok(())
    }

    fn scanned(&mut self, s: &Scanned) -> io::Result<()> {
        let top = top_level(&s.source).to_string();
        let obj = self.objects.entry(top.clone()).or_default();
        if !s.container {
            obj.bytes += s.bytes;
        }
        if top == s.source && s.size.is_some() {
            obj.size = s.size;
        }
        if top == s.source {
            self.flush_object(&top)?;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        let keys: Vec<String> = self.objects.keys().cloned().collect();
        for k in keys {
            self.flush_object(&k)?;
        }
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
