//! The scan summary: what was scanned, what was found, what was not scanned and why.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::finding::Finding;
use crate::report::sink::{Problem, Scanned, Severity};
use crate::report::terminal::printable;

/// Totals for one scan, built from the event stream.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Files, members and objects scanned (containers counted once, members each).
    pub files_scanned: u64,
    /// Of those, binary files scanned for embedded text (or skipped with --skip-binary).
    pub binary_files: u64,
    /// Bytes scanned (decoded and decompressed).
    pub bytes_scanned: u64,
    /// Findings reported.
    pub findings: u64,
    /// Findings per data type.
    pub findings_by_type: BTreeMap<String, u64>,
    /// Sources with at least one finding.
    pub sources_with_findings: u64,
    /// Everything that was not scanned, or not fully, with the reason.
    pub not_scanned: Vec<Problem>,
    /// Warnings (scanned, with a caveat).
    pub warnings: Vec<Problem>,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
}

impl Summary {
    /// Counts one finding.
    pub fn add_finding(&mut self, f: &Finding) {
        self.findings += 1;
        // Looked up before a key is allocated: a type is new only a few times per scan.
        match self.findings_by_type.get_mut(f.data_type.as_ref()) {
            Some(n) => *n += 1,
            None => {
                self.findings_by_type.insert(f.data_type.to_string(), 1);
            }
        }
    }

    /// Counts one problem.
    pub fn add_problem(&mut self, p: &Problem) {
        if p.severity == Severity::Warning {
            self.warnings.push(p.clone());
        } else {
            self.not_scanned.push(p.clone());
        }
    }

    /// Counts one scanned source.
    pub fn add_scanned(&mut self, s: &Scanned) {
        if s.container {
            return;
        }
        self.files_scanned += 1;
        self.bytes_scanned += s.bytes;
        self.binary_files += u64::from(s.binary);
        self.sources_with_findings += u64::from(s.findings > 0);
    }

    /// Whether something was not scanned (exit code 2).
    pub fn has_errors(&self) -> bool {
        !self.not_scanned.is_empty()
    }

    /// The summary as text for a terminal.
    pub fn to_human(&self) -> String {
        let mut s = format!(
            "trawl: scanned {} files ({}) in {:.2}s, {} binary; {} findings in {} files\n",
            self.files_scanned,
            human_bytes(self.bytes_scanned),
            self.elapsed_secs,
            self.binary_files,
            self.findings,
            self.sources_with_findings
        );
        let width = self.findings_by_type.keys().map(String::len).max().unwrap_or(0);
        for (t, n) in &self.findings_by_type {
            s.push_str(&format!("  {t:<width$}  {n}\n"));
        }
        if !self.warnings.is_empty() {
            s.push_str(&format!("warnings ({}):\n", self.warnings.len()));
            for p in &self.warnings {
                s.push_str(&format!("  {}: {}\n", printable(&p.source), printable(&p.reason)));
            }
        }
        s.push_str(&self.problems_to_human());
        s
    }

    /// What was not scanned, or only partly, as text for a terminal (empty
    /// when everything was scanned): the reasons for exit code 2, printed
    /// even when the rest of the summary is not (`--quiet`).
    pub fn problems_to_human(&self) -> String {
        let mut s = String::new();
        if !self.not_scanned.is_empty() {
            s.push_str(&format!("not scanned or partly scanned ({}):\n", self.not_scanned.len()));
            for p in &self.not_scanned {
                let how = if p.severity == Severity::Partial { "partly scanned: " } else { "" };
                s.push_str(&format!("  {}: {how}{}\n", printable(&p.source), printable(&p.reason)));
            }
        }
        s
    }
}

/// `1.5 MiB`-style sizes.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}
