//! `trawl scan`: walk local paths (and S3 URIs) in parallel, scan every file
//! with the extractor, report through the reporter thread.

use std::sync::atomic::Ordering;

use anyhow::Result;

use crate::cli::args::ScanArgs;
use crate::cli::config::ScanConfig;
use crate::cli::exit::ExitCode;
use crate::cli::report::{ChannelSink, Reporter, StatsOnDrop, summary_on_stderr};
use trawl::extract::Extractor;
use trawl::source::fs;
use trawl::{Problem, Sink};

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    let cfg = ScanConfig::build(args)?;
    let infos = (0..cfg.scanner.rule_count()).map(|i| cfg.scanner.rule_info(i)).collect();
    let reporter = Reporter::start(args, infos)?;
    let x = Extractor::new(&cfg.scanner, &cfg.extract);

    if !cfg.local.is_empty() {
        scan_local(&cfg, &x, &reporter);
    }
    if !cfg.s3.is_empty() {
        scan_s3(&cfg, args, &x, &reporter);
    }

    let outcome = reporter.finish()?;
    if outcome.broken_pipe {
        return Ok(ExitCode::Clean);
    }
    let summary = outcome.summary;
    if summary_on_stderr(args) {
        eprint!("{}", summary.to_human());
    }
    Ok(if summary.has_errors() {
        ExitCode::Error
    } else if summary.findings > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Clean
    })
}

fn scan_local(cfg: &ScanConfig, x: &Extractor<'_>, reporter: &Reporter) {
    let walker = match fs::walker(&cfg.local, &cfg.walk) {
        Ok(w) => w,
        Err(e) => {
            let mut sink = ChannelSink::new(reporter.tx.clone(), cfg.min_confidence, reporter.quit.clone());
            sink.problem(Problem::error("<arguments>", format!("invalid --glob: {e}")));
            return;
        }
    };
    walker.run(|| {
        let mut scratch = StatsOnDrop { scratch: cfg.scanner.scratch(), tx: reporter.tx.clone() };
        let mut sink = ChannelSink::new(reporter.tx.clone(), cfg.min_confidence, reporter.quit.clone());
        Box::new(move |entry| {
            if reporter.quit.load(Ordering::Relaxed) {
                return ignore::WalkState::Quit;
            }
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    sink.problem(fs::walk_problem(&err));
                    return ignore::WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else { return ignore::WalkState::Continue };
            if ft.is_dir() {
                return ignore::WalkState::Continue;
            }
            let path = entry.path();
            if !ft.is_file() {
                // A symlink that was not followed, a socket, a FIFO, a device.
                let what = if ft.is_symlink() { "symlink not followed (--no-follow)" } else { "not a regular file" };
                sink.problem(Problem::warning(fs::display_path(path), what));
                return ignore::WalkState::Continue;
            }
            if let Some(max) = cfg.walk.max_filesize
                && let Ok(meta) = entry.metadata()
                && meta.len() > max
            {
                sink.problem(Problem::error(
                    fs::display_path(path),
                    format!("larger than --max-filesize ({} bytes)", meta.len()),
                ));
                return ignore::WalkState::Continue;
            }
            if !fs::scan_file(x, &mut scratch.scratch, path, cfg.walk.mmap, &mut sink) {
                return ignore::WalkState::Quit;
            }
            ignore::WalkState::Continue
        })
    });
}

#[cfg(feature = "s3")]
fn scan_s3(cfg: &ScanConfig, args: &ScanArgs, x: &Extractor<'_>, reporter: &Reporter) {
    let _ = (cfg, args, x);
    let mut sink = ChannelSink::new(reporter.tx.clone(), cfg.min_confidence, reporter.quit.clone());
    for uri in &cfg.s3 {
        sink.problem(Problem::error(uri.clone(), "S3 scanning is not implemented yet"));
    }
}

#[cfg(not(feature = "s3"))]
fn scan_s3(cfg: &ScanConfig, _args: &ScanArgs, _x: &Extractor<'_>, reporter: &Reporter) {
    let mut sink = ChannelSink::new(reporter.tx.clone(), cfg.min_confidence, reporter.quit.clone());
    for uri in &cfg.s3 {
        sink.problem(Problem::error(uri.clone(), "this trawl was built without the `s3` feature"));
    }
}
