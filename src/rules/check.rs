//! The rule linter: every rule compiles, has examples, finds each example and
//! none of its negative examples through the full scanner.
//!
//! The same function backs `trawl rules check` and the test suite.

use std::fmt;

use crate::detect::Scanner;
use crate::detect::stream::TextOptions;
use crate::report::Finding;
use crate::rules::{Rule, Rules};

/// The outcome of [`check`].
#[derive(Clone, Debug, Default)]
pub struct CheckReport {
    /// How many rules were checked.
    pub rules: usize,
    /// Problems that make the rule set wrong.
    pub problems: Vec<String>,
    /// Advice: the rule works but its tests could be stronger.
    pub warnings: Vec<String>,
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "error: {p}")?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        if self.problems.is_empty() && self.warnings.is_empty() {
            write!(f, "{} rules: no issues detected", self.rules)
        } else {
            write!(f, "{} rules: {} errors, {} warnings", self.rules, self.problems.len(), self.warnings.len())
        }
    }
}

/// Checks every rule of `rules`; see the module docs.
pub fn check(rules: &Rules) -> CheckReport {
    let mut report = CheckReport { rules: rules.len(), ..CheckReport::default() };
    let scanner = match Scanner::new(rules) {
        Ok(s) => s,
        Err(e) => {
            report.problems.push(format!("{:#}", anyhow::Error::from(e)));
            return report;
        }
    };
    let mut scratch = scanner.scratch();
    let opts = TextOptions::default();
    for rule in rules.iter() {
        check_rule(rule, &scanner, &mut scratch, &opts, &mut report);
    }
    report
}

fn check_rule(
    rule: &Rule,
    scanner: &Scanner,
    scratch: &mut crate::Scratch,
    opts: &TextOptions,
    report: &mut CheckReport,
) {
    let s = &rule.syntax;
    // Messages name the rule as `ID (FILE)`, as rule errors do.
    let id = &format!("{} ({})", s.id, rule.origin);
    if s.examples.is_empty() {
        // Macie's custom data identifiers have no examples: a warning for them.
        let custom = s.category == crate::report::Category::CustomIdentifier;
        let list = if custom { &mut report.warnings } else { &mut report.problems };
        list.push(format!("rule {id}: no examples"));
    }
    match crate::detect::analyze_rule(rule) {
        Ok("full") => report.problems.push(format!(
            "rule {id}: no anchor: the regex has no literal of 3+ bytes, no `digits`, and no required keyword, so it would run over every byte"
        )),
        Ok(_) => {}
        Err(e) => report.problems.push(e),
    }
    let find = |scratch: &mut crate::Scratch, text: &str| -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::new();
        scanner.scan_slice(scratch, text.as_bytes(), "example", opts, &mut out);
        out
    };
    for ex in &s.examples {
        let found = find(scratch, ex);
        if !found.iter().any(|f| f.rule.as_ref() == s.id.as_str()) {
            let got: Vec<String> = found.iter().map(|f| format!("{} ({})", f.rule, f.data_type)).collect();
            report.problems.push(format!(
                "rule {id}: example not found: {ex:?} (found: {})",
                if got.is_empty() { "nothing".into() } else { got.join(", ") }
            ));
        }
    }
    for ex in &s.negative_examples {
        let found = find(scratch, ex);
        if found.iter().any(|f| f.rule.as_ref() == s.id.as_str()) {
            report.problems.push(format!("rule {id}: negative example found: {ex:?}"));
        }
        if s.keyword_required || !s.keywords.is_empty() {
            let lower = ex.to_ascii_lowercase();
            if !s.keywords.iter().any(|k| lower.contains(&k.to_ascii_lowercase())) && s.keyword_required {
                report.warnings.push(format!(
                    "rule {id}: negative example has no keyword, so it only tests the keyword gate: {ex:?}"
                ));
            }
        }
    }
}
