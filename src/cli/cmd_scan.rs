//! `trawl scan`: walk local paths (and S3 URIs) in parallel, scan every file
//! with the extractor, report through the reporter thread.

use std::sync::atomic::Ordering;

use anyhow::Result;

use crate::cli::args::ScanArgs;
use crate::cli::config::ScanConfig;
use crate::cli::exit::ExitCode;
use crate::cli::output;
use crate::cli::report::{ChannelSink, Reporter, StatsOnDrop, summary_on_stderr};
use trawl::extract::{Data, Extractor};
use trawl::source::fs;
use trawl::{Problem, Sink};

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    // Left to the process's exit rather than dropped: the compiled rules are
    // thousands of small allocations, and freeing them one by one took ~2 ms,
    // a tenth of a small file's scan.
    let cfg: &ScanConfig = Box::leak(Box::new(ScanConfig::build(args)?));
    if cfg.s3.is_empty() {
        s3_only_flags_unused(args)?;
    }
    let s3 = if cfg.s3.is_empty() { None } else { Some(s3_plan(cfg, args)?) };
    let output = args.output_file();
    if let Some(out) = output
        && let Some(input) = cfg.local.iter().find(|p| output::same_file(p, out))
    {
        anyhow::bail!(
            "the output file {} is also an input ({}): it would be overwritten",
            out.display(),
            input.display()
        );
    }
    let infos = (0..cfg.scanner.rule_count()).map(|i| cfg.scanner.rule_info(i)).collect();
    let reporter = Reporter::start(args, infos)?;
    let x = Extractor::new(&cfg.scanner, &cfg.extract);

    if !cfg.local.is_empty() {
        // The output, when it is a file a walk may meet, is not scanned.
        let own = output::OwnOutput::of(output);
        scan_local(cfg, &x, &reporter, &own);
    }
    let s3_stats = s3.and_then(|plan| scan_s3(cfg, &plan, &x, &reporter));

    let outcome = reporter.finish()?;
    let summary = outcome.summary;
    // Without a summary (`--quiet`, a JSON document on standard output, or a
    // reader gone away as with `| head`), the reasons for exit code 2 still
    // go to standard error.
    if !outcome.broken_pipe && summary_on_stderr(args) {
        eprint!("{}", summary.to_human());
    } else {
        eprint!("{}", summary.problems_to_human());
    }
    if let Some(line) = s3_stats
        && !args.quiet
    {
        eprintln!("{line}");
    }
    Ok(if summary.has_errors() {
        ExitCode::Error
    } else if summary.findings > 0 {
        ExitCode::Findings
    } else {
        ExitCode::Clean
    })
}

/// Fails when flags that select or track S3 objects are given with no
/// s3:// URI: they would change nothing, and a local scan that seems
/// filtered (`--min-size`, `--shard`) would scan everything.
fn s3_only_flags_unused(args: &ScanArgs) -> Result<()> {
    let a = &args.s3;
    let given: Vec<&str> = [
        ("--state", a.state.is_some()),
        ("--results", a.results.is_some()),
        ("--shard", a.shard.is_some()),
        ("--inventory", a.inventory.is_some()),
        ("--extension", !a.extension.is_empty()),
        ("--min-size", a.min_size.is_some()),
        ("--max-size", a.max_size.is_some()),
        ("--modified-after", a.modified_after.is_some()),
        ("--modified-before", a.modified_before.is_some()),
    ]
    .into_iter()
    .filter_map(|(flag, set)| set.then_some(flag))
    .collect();
    if given.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{} select or track S3 objects, and no s3:// URI was given (local files are selected with --glob and --max-filesize)",
        given.join(", ")
    )
}

/// The name findings give standard input (`-` on the command line).
const STDIN: &str = "<stdin>";

/// Standard input as a file of its own: a closed or write-only standard
/// input fails its reads (reported) instead of reading as empty, as the
/// standard library's handle has it.
#[cfg(unix)]
fn stdin_file() -> std::io::Result<Box<dyn std::io::Read>> {
    use std::os::fd::AsFd;
    Ok(Box::new(std::fs::File::from(std::io::stdin().as_fd().try_clone_to_owned()?)))
}

#[cfg(not(unix))]
fn stdin_file() -> std::io::Result<Box<dyn std::io::Read>> {
    Ok(Box::new(std::io::stdin()))
}

/// Scans `reader` (standard input, or a pipe or device named on the
/// command line) once as a stream named `name`, or reports why it could not
/// be opened.
fn scan_stream(
    x: &Extractor<'_>,
    scratch: &mut trawl::Scratch,
    reader: std::io::Result<Box<dyn std::io::Read>>,
    name: &str,
    sink: &mut ChannelSink,
) -> ignore::WalkState {
    match reader {
        Ok(mut r) => {
            if x.scan(scratch, Data::Stream(&mut r), name, sink) {
                ignore::WalkState::Continue
            } else {
                ignore::WalkState::Quit
            }
        }
        Err(e) => {
            sink.problem(Problem::error(name, format!("cannot read: {}", fs::describe_io(&e))));
            ignore::WalkState::Continue
        }
    }
}

fn scan_local(cfg: &ScanConfig, x: &Extractor<'_>, reporter: &Reporter, own: &output::OwnOutput) {
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
            if entry.is_stdin() {
                // `-`: standard input, streamed once.
                return scan_stream(x, &mut scratch.scratch, stdin_file(), STDIN, &mut sink);
            }
            let Some(ft) = entry.file_type() else {
                sink.problem(Problem::error(fs::display_path(entry.path()), "unknown file type"));
                return ignore::WalkState::Continue;
            };
            if ft.is_dir() {
                return ignore::WalkState::Continue;
            }
            let path = entry.path();
            if !ft.is_file() && !ft.is_symlink() && entry.depth() == 0 {
                // A pipe or device named on the command line (`<(zcat x.gz)`,
                // `/dev/stdin`): read once as a stream, as `-` is.
                let file = std::fs::File::open(path).map(|f| Box::new(f) as Box<dyn std::io::Read>);
                return scan_stream(x, &mut scratch.scratch, file, &fs::display_path(path), &mut sink);
            }
            if !ft.is_file() {
                // A symlink that was not followed, a socket, a FIFO, a device.
                let what = if ft.is_symlink() { "symlink not followed (--no-follow)" } else { "not a regular file" };
                sink.problem(Problem::warning(fs::display_path(path), what));
                return ignore::WalkState::Continue;
            }
            if own.is(&entry) {
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

/// Everything an S3 sweep needs from the flags, checked before anything is scanned.
#[cfg(feature = "s3")]
type S3Plan = trawl::source::s3::S3Options;
#[cfg(not(feature = "s3"))]
type S3Plan = ();

#[cfg(feature = "s3")]
fn s3_plan(cfg: &ScanConfig, args: &ScanArgs) -> Result<S3Plan> {
    use anyhow::Context as _;
    use trawl::source::s3::{Checkpoint, ClientOptions, Criteria, CriteriaOptions, S3Options, S3Uri, Shard};

    for uri in &cfg.s3 {
        S3Uri::parse(uri)?;
    }
    let a = &args.s3;
    let criteria = CriteriaOptions {
        globs: args.glob.clone(),
        extensions: a.extension.clone(),
        min_size: a.min_size,
        max_size: a.max_size,
        max_filesize: args.max_filesize,
        modified_after: a.modified_after.clone(),
        modified_before: a.modified_before.clone(),
    };
    Criteria::new(&criteria)?;
    let shard = a.shard.as_deref().map(Shard::parse).transpose()?;
    // Hidden knobs for tests and tuning: how often state and results are saved.
    let env = |name: &str| -> Result<Option<u64>> {
        std::env::var(name).ok().map(|v| v.parse().with_context(|| format!("invalid {name}={v:?}"))).transpose()
    };
    let mut checkpoint = Checkpoint::default();
    if let Some(n) = env("TRAWL_S3_CHECKPOINT_EVERY")? {
        checkpoint.objects = n.max(1);
    }
    if let Some(s) = env("TRAWL_S3_CHECKPOINT_SECS")? {
        checkpoint.interval = std::time::Duration::from_secs(s);
    }
    Ok(S3Options {
        client: ClientOptions {
            endpoint_url: a.endpoint_url.clone(),
            path_style: a.path_style,
            region: a.region.clone(),
            profile: a.profile.clone(),
            retries: a.retries,
        },
        concurrency: a.concurrency.max(1),
        threads: args.threads.unwrap_or(0),
        criteria,
        shard,
        state: a.state.clone(),
        results: a.results.clone(),
        inventory: a.inventory.clone(),
        rules_version: cfg.rules_version.clone(),
        settings_version: cfg.settings_version.clone(),
        min_confidence: cfg.min_confidence,
        checkpoint,
    })
}

/// Sweeps the s3:// URIs; returns the sweep's statistics line.
#[cfg(feature = "s3")]
fn scan_s3(cfg: &ScanConfig, plan: &S3Plan, x: &Extractor<'_>, reporter: &Reporter) -> Option<String> {
    let new_sink = || -> Box<dyn Sink> {
        Box::new(ChannelSink::new(reporter.tx.clone(), cfg.min_confidence, reporter.quit.clone()))
    };
    match trawl::source::s3::sweep(&cfg.s3, plan, x, &new_sink) {
        Ok(stats) => Some(stats.to_string()),
        Err(e) => {
            let place = plan.state.clone().unwrap_or_else(|| "<s3>".into());
            new_sink().problem(Problem::error(place, format!("{:#}", anyhow::Error::from(e))));
            None
        }
    }
}

#[cfg(not(feature = "s3"))]
fn s3_plan(_cfg: &ScanConfig, _args: &ScanArgs) -> Result<S3Plan> {
    Ok(())
}

#[cfg(not(feature = "s3"))]
fn scan_s3(cfg: &ScanConfig, _plan: &S3Plan, _x: &Extractor<'_>, reporter: &Reporter) -> Option<String> {
    let mut sink = ChannelSink::new(reporter.tx.clone(), cfg.min_confidence, reporter.quit.clone());
    for uri in &cfg.s3 {
        sink.problem(Problem::error(uri.clone(), "this trawl was built without the `s3` feature"));
    }
    None
}
