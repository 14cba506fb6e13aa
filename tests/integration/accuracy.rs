//! Accuracy on the labeled corpus: precision and recall per type against
//! `corpus/ground-truth.jsonl`, with the thresholds the project commits to.
//!
//! A finding is a true positive when it has the truth's file and type and its
//! location overlaps the labeled value: the same byte range for text (and
//! for tables and records read as text), or the same row and column for
//! tables, or the same record and JSON path for records, when the finding
//! carries no byte range. Every finding that matches no label is a false
//! positive of its type.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use trawl::{Finding, Location};

use crate::util::{root, scan_file};

const MIN_PRECISION: f64 = 0.98;
const MIN_RECALL: f64 = 0.97;
/// Files in corpus/ that are documentation, not data.
const NOT_DATA: &[&str] = &["ground-truth.jsonl", "hard-negatives.jsonl", "README.md"];

#[derive(Debug, Deserialize)]
struct Truth {
    file: String,
    #[serde(rename = "type")]
    data_type: String,
    byte_start: Option<u64>,
    byte_end: Option<u64>,
    row: Option<u64>,
    column: Option<String>,
    /// A workbook's cell (`Sheet1!C5`): its sheet tells cells of the same row and column apart.
    cell_reference: Option<String>,
    record: Option<u64>,
    json_path: Option<String>,
}

fn overlaps(t: &Truth, f: &Finding) -> bool {
    let bytes = |s: Option<u64>, e: Option<u64>| match (t.byte_start, t.byte_end, s, e) {
        (Some(ts), Some(te), Some(fs), Some(fe)) => Some(fs < te && ts < fe),
        _ => None,
    };
    match &f.location {
        Location::Text(l) => bytes(Some(l.byte_start), Some(l.byte_end)).unwrap_or(false),
        Location::Cell(c) => bytes(c.byte_start, c.byte_end).unwrap_or_else(|| {
            t.row == Some(c.row)
                && t.column.as_deref() == Some(c.column.as_str())
                && (t.cell_reference.is_none() || t.cell_reference == c.cell_reference)
        }),
        Location::Record(r) => bytes(r.byte_start, r.byte_end)
            .unwrap_or_else(|| t.record == Some(r.record) && t.json_path.as_deref() == Some(r.json_path.as_str())),
    }
}

#[derive(Default, Clone, Copy)]
struct Score {
    tp: u64,
    fp: u64,
    fn_: u64,
}

impl Score {
    fn precision(self) -> f64 {
        if self.tp + self.fp == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 }
    }
    fn recall(self) -> f64 {
        if self.tp + self.fn_ == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 }
    }
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { walk(&p, out) } else { out.push(p) }
    }
}

/// Scores the scanner against the corpus and returns (table, failures).
fn score_corpus() -> (String, Vec<String>, BTreeMap<String, Score>) {
    let corpus = root().join("corpus");
    let truth: Vec<Truth> = std::fs::read_to_string(corpus.join("ground-truth.jsonl"))
        .expect("corpus/ground-truth.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("truth line parses"))
        .collect();
    let mut files = Vec::new();
    walk(&corpus, &mut files);
    files.sort();
    let mut findings: HashMap<String, Vec<Finding>> = HashMap::new();
    for path in &files {
        let rel = path.strip_prefix(&corpus).unwrap().to_string_lossy().replace('\\', "/");
        if NOT_DATA.contains(&rel.as_str()) {
            continue;
        }
        let out = scan_file(path, &rel);
        assert!(out.problems.is_empty(), "{rel}: {:?}", out.problems);
        for f in out.findings {
            let file = f.source.split('!').next().unwrap_or(&f.source).to_string();
            findings.entry(file).or_default().push(f);
        }
    }
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    let mut by_file: HashMap<&str, Vec<&Truth>> = HashMap::new();
    for t in &truth {
        by_file.entry(t.file.split('!').next().unwrap_or(&t.file)).or_default().push(t);
        scores.entry(t.data_type.clone()).or_default();
    }
    let mut misses = Vec::new();
    let empty = Vec::new();
    let mut all_files: Vec<&str> = by_file.keys().copied().chain(findings.keys().map(String::as_str)).collect();
    all_files.sort();
    all_files.dedup();
    for file in all_files {
        let ts = by_file.get(file).unwrap_or(&empty);
        let fs = findings.get(file).map(Vec::as_slice).unwrap_or(&[]);
        let mut used = vec![false; fs.len()];
        for t in ts {
            let hit = fs
                .iter()
                .enumerate()
                .position(|(i, f)| !used[i] && f.data_type.as_ref() == t.data_type && overlaps(t, f));
            let s = scores.entry(t.data_type.clone()).or_default();
            match hit {
                Some(i) => {
                    used[i] = true;
                    s.tp += 1;
                }
                None => {
                    s.fn_ += 1;
                    let other: Vec<String> =
                        fs.iter().filter(|f| overlaps(t, f)).map(|f| f.data_type.to_string()).collect();
                    misses.push(format!(
                        "missed {} in {file} at {:?} (found there: {other:?})",
                        t.data_type,
                        t.byte_start.map(|s| (s, t.byte_end)).or(t.row.map(|r| (r, None)))
                    ));
                }
            }
        }
        for (i, f) in fs.iter().enumerate() {
            if !used[i] {
                // Several findings on one labeled value (e.g. a value split in two) count once as a hit;
                // a finding on a labeled span of its own type is not a false positive.
                let on_label = ts.iter().any(|t| t.data_type == f.data_type.as_ref() && overlaps(t, f));
                if !on_label {
                    scores.entry(f.data_type.to_string()).or_default().fp += 1;
                    misses.push(format!("false {} in {file} at {}", f.data_type, f.location.display_short()));
                }
            }
        }
    }
    let mut table =
        format!("{:<45} {:>6} {:>5} {:>5} {:>9} {:>7}\n", "type", "truth", "fp", "fn", "precision", "recall");
    let mut failures = Vec::new();
    for (t, s) in &scores {
        table.push_str(&format!(
            "{t:<45} {:>6} {:>5} {:>5} {:>9.3} {:>7.3}\n",
            s.tp + s.fn_,
            s.fp,
            s.fn_,
            s.precision(),
            s.recall()
        ));
        if s.precision() < MIN_PRECISION || s.recall() < MIN_RECALL {
            failures.push(format!("{t}: precision {:.3}, recall {:.3}", s.precision(), s.recall()));
        }
    }
    let total =
        scores.values().fold(Score::default(), |a, s| Score { tp: a.tp + s.tp, fp: a.fp + s.fp, fn_: a.fn_ + s.fn_ });
    table.push_str(&format!(
        "{:<45} {:>6} {:>5} {:>5} {:>9.3} {:>7.3}\n",
        "ALL",
        total.tp + total.fn_,
        total.fp,
        total.fn_,
        total.precision(),
        total.recall()
    ));
    if !failures.is_empty() {
        failures.extend(misses.into_iter().take(200));
    }
    (table, failures, scores)
}

#[test]
fn corpus_precision_and_recall_per_type() {
    let (table, failures, scores) = score_corpus();
    println!("{table}");
    assert!(scores.len() >= 60, "the corpus labels only {} types", scores.len());
    assert!(failures.is_empty(), "\n{table}\n{}", failures.join("\n"));
}
