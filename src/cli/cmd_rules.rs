//! `trawl rules list` and `trawl rules check`.

use std::io::Write;

use anyhow::Result;

use crate::cli::args::{ListFormat, RulesCheckArgs, RulesListArgs};
use crate::cli::config::load_rules;
use crate::cli::exit::ExitCode;

pub fn list(args: &RulesListArgs) -> Result<ExitCode> {
    let rules = load_rules(&args.rules)?;
    let scanner = trawl::Scanner::new(&rules)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    serde_json::json!({
                        "id": r.syntax.id, "type": r.syntax.data_type, "name": r.syntax.name,
                        "category": r.syntax.category, "keywords": r.syntax.keywords,
                        "keyword_required": r.syntax.keyword_required, "validator": r.syntax.validator,
                        "origin": r.origin, "anchor": scanner.anchor_description(i),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        ListFormat::Human => {
            let w_id = rules.iter().map(|r| r.syntax.id.len()).max().unwrap_or(2);
            let w_ty = rules.iter().map(|r| r.syntax.data_type.len()).max().unwrap_or(4);
            writeln!(out, "{:<w_id$}  {:<w_ty$}  {:<21}  {:<8}  VALIDATOR", "ID", "TYPE", "CATEGORY", "KEYWORD")?;
            for r in rules.iter() {
                let s = &r.syntax;
                let kw = if s.keyword_required {
                    "required"
                } else if s.keywords.is_empty() {
                    "-"
                } else {
                    "optional"
                };
                let v = s.validator.map(|v| v.name()).unwrap_or("-");
                writeln!(out, "{:<w_id$}  {:<w_ty$}  {:<21}  {:<8}  {v}", s.id, s.data_type, s.category.as_str(), kw)?;
            }
        }
    }
    Ok(ExitCode::Clean)
}

pub fn check(args: &RulesCheckArgs) -> Result<ExitCode> {
    let rules = load_rules(&args.rules)?;
    let report = trawl::rules::check(&rules);
    let failed = !report.problems.is_empty() || (args.warnings_as_errors && !report.warnings.is_empty());
    // A reader that goes away early (`| head`) does not change the verdict.
    match writeln!(std::io::stdout().lock(), "{report}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(if failed { ExitCode::Error } else { ExitCode::Clean })
}
