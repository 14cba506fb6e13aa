//! Turning parsed flags into built objects: rules, scanner, extractor options.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};

use crate::cli::args::{MinConfidence, RuleArgs, ScanArgs};
use trawl::extract::{Limits, Options};
use trawl::source::fs::WalkOptions;
use trawl::source::read::MmapChoice;
use trawl::{AllowList, Confidence, Rules, Scanner, TextOptions};

/// Loads the rules selected by `args`.
pub fn load_rules(args: &RuleArgs) -> Result<Rules> {
    let mut rules = load_all_rules(args)?;
    let known: Vec<String> = rules.iter().map(|r| r.syntax.data_type.clone()).collect();
    for t in args.types.iter().chain(&args.exclude_types) {
        if !known.iter().any(|k| k == t) {
            bail!("unknown type {t:?} (see `trawl rules list`)");
        }
    }
    if !args.types.is_empty() {
        rules.retain(|r| args.types.contains(&r.syntax.data_type));
    }
    if !args.exclude_types.is_empty() {
        rules.retain(|r| !args.exclude_types.contains(&r.syntax.data_type));
    }
    if rules.is_empty() {
        bail!("no rules selected");
    }
    Ok(rules)
}

/// The built-in rules (unless `--no-builtin-rules`) and the `--rules`
/// files, whatever the types selected.
fn load_all_rules(args: &RuleArgs) -> Result<Rules> {
    let mut rules = if args.no_builtin_rules {
        Rules::empty()
    } else {
        Rules::builtin().context("failed to load built-in rules")?
    };
    for path in &args.rules {
        rules.add_path(path).with_context(|| format!("failed to load rules from {}", path.display()))?;
    }
    Ok(rules)
}

/// The rules that mask location names: all of them when the scan is
/// limited to some types (a JSON key holding a card number is masked in a
/// scan for e-mail addresses), the built-in ones included even with
/// `--no-builtin-rules` (only them if the `--rules` files reuse built-in
/// ids); `None` when the scan's own rules are all of them.
fn name_rules(args: &RuleArgs) -> Option<Rules> {
    if args.types.is_empty() && args.exclude_types.is_empty() && !args.no_builtin_rules {
        return None;
    }
    let all = RuleArgs { rules: args.rules.clone(), ..RuleArgs::default() };
    load_all_rules(&all).ok().or_else(|| Rules::builtin().ok())
}

/// Files given alone are split among the threads from this size on (any
/// file read with random access, not mapped): with nothing else to scan,
/// the threads are theirs.
const ALONE_SPLIT_BYTES: u64 = 32 << 20;

/// The paths to scan, sorted out once: S3 URIs, local roots, and whether
/// every local root is a regular file.
struct Roots {
    s3: Vec<String>,
    local: Vec<PathBuf>,
    /// Every local root is a file (and there is one): each is one piece
    /// of the walker's work.
    files_only: bool,
}

impl Roots {
    fn of(paths: &[String]) -> Roots {
        // `s3://` in any case, as `S3Uri::is_s3` (which needs the `s3` feature).
        let is_s3 = |p: &String| p.get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("s3://"));
        let (s3, local): (Vec<String>, Vec<String>) = paths.iter().cloned().partition(is_s3);
        let local: Vec<PathBuf> = local.into_iter().map(PathBuf::from).collect();
        let files_only = !local.is_empty() && local.iter().all(|p| p.is_file());
        Roots { s3, local, files_only }
    }

    /// The size from which files are split among the threads: lower when
    /// the only path to scan is one local file.
    fn split_bytes(&self) -> u64 {
        if self.files_only && self.local.len() == 1 && self.s3.is_empty() {
            ALONE_SPLIT_BYTES
        } else {
            Options::default().split_bytes
        }
    }

    /// The walker's threads, given the threads asked for (`None`: `ignore`
    /// picks, one per core up to 12) and the pool's `threads`. When every
    /// root is a file, no more than there are files: `ignore` gives each
    /// root to one thread and parks an idle one a millisecond at a time,
    /// so an extra thread only held up the scan's end until it woke.
    fn walker_threads(&self, asked: Option<usize>, threads: usize) -> usize {
        if self.files_only { threads.min(self.local.len()) } else { asked.unwrap_or(0) }
    }
}

/// Everything `trawl scan` needs, built.
pub struct ScanConfig {
    pub scanner: Scanner,
    pub extract: Options,
    pub walk: WalkOptions,
    pub min_confidence: Confidence,
    /// The rule set's fingerprint, for S3 sweep state (empty when no S3 URI is scanned).
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub rules_version: String,
    /// The fingerprint of the other settings that change findings, for S3
    /// sweep state (empty when no S3 URI is scanned; see [`settings_version`]).
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub settings_version: String,
    pub local: Vec<PathBuf>,
    pub s3: Vec<String>,
}

impl ScanConfig {
    pub fn build(args: &ScanArgs) -> Result<ScanConfig> {
        let threads = match args.threads {
            Some(n) if n > 0 => n,
            _ => std::thread::available_parallelism().map_or(1, usize::from),
        };
        // The pool that loads and compiles the rules, then scans segments of
        // one large file; a second configuration in one process (tests)
        // keeps the first.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("trawl-segment-{i}"))
            .build_global();
        let rules = load_rules(&args.rules)?;
        let roots = Roots::of(&args.paths);
        let mut allow = AllowList::new();
        for f in &args.allow_list {
            allow.add_file(f).with_context(|| format!("failed to load allow list {}", f.display()))?;
        }
        for r in &args.allow_regex {
            allow.add_regex(r).context("invalid --allow-regex")?;
        }
        let mut scanner = Scanner::with_allow_list(&rules, allow).context("failed to compile rules")?;
        if let Some(all) = name_rules(&args.rules) {
            scanner.set_name_rules(all);
        }
        let mut text = TextOptions { show_values: args.show_values, ..TextOptions::default() };
        if let Some(c) = args.chunk_size {
            text.chunk_size = c.max(1) as usize;
        }
        let extract = Options {
            text,
            skip_binary: args.skip_binary,
            structured: !args.text,
            containers: !args.no_archives,
            limits: Limits {
                max_depth: args.max_archive_depth,
                max_total_bytes: args.max_archive_bytes,
                max_ratio: args.max_archive_ratio,
                max_members: args.max_archive_members,
                ..Limits::default()
            },
            parallel: threads,
            split_bytes: roots.split_bytes(),
        };
        let walk = WalkOptions {
            respect_ignore: args.respect_ignore,
            globs: args.glob.clone(),
            follow_links: !args.no_follow,
            threads: roots.walker_threads(args.threads, threads),
            mmap: if args.mmap { MmapChoice::Auto } else { MmapChoice::Never },
            max_filesize: args.max_filesize,
        };
        let min_confidence = match args.min_confidence {
            MinConfidence::Low => Confidence::Low,
            MinConfidence::Medium => Confidence::Medium,
            MinConfidence::High => Confidence::High,
        };
        let Roots { s3, local, .. } = roots;
        Ok(ScanConfig {
            // Only S3 sweeps record it (and it costs ~1 ms).
            rules_version: if s3.is_empty() { String::new() } else { rules.version() },
            settings_version: if s3.is_empty() { String::new() } else { settings_version(args)? },
            scanner,
            extract,
            walk,
            min_confidence,
            local,
            s3,
        })
    }
}

/// A fingerprint (xxh3-64, hex) of every setting besides the rules that
/// changes what a scan finds or reports: `--min-confidence`, the allow lists
/// (their contents, not their names) and regexes, `--text`, `--no-archives`,
/// the archive limits, `--skip-binary` and `--max-filesize`. An S3 sweep's
/// state made with other settings is not trusted, so that a stricter run
/// never hides data from the runs after it. Output settings (format, values
/// shown, progress) and threads or concurrency do not count.
///
/// # Errors
/// An allow-list file cannot be read.
pub fn settings_version(args: &ScanArgs) -> Result<String> {
    use std::fmt::Write as _;
    let mut text = String::new();
    // What the engine finds changes with trawl's version and detection epoch.
    let _ = write!(text, "trawl={}\0epoch={}\0", env!("CARGO_PKG_VERSION"), trawl::detect::DETECTION_EPOCH);
    let _ = write!(
        text,
        "min_confidence={:?}\0allow_regex={:?}\0text={}\0no_archives={}\0skip_binary={}\0max_filesize={:?}\0\
         max_archive_depth={}\0max_archive_bytes={}\0max_archive_ratio={}\0max_archive_members={}\0",
        args.min_confidence,
        args.allow_regex,
        args.text,
        args.no_archives,
        args.skip_binary,
        args.max_filesize,
        args.max_archive_depth,
        args.max_archive_bytes,
        args.max_archive_ratio,
        args.max_archive_members,
    );
    for f in &args.allow_list {
        let bytes = std::fs::read(f).with_context(|| format!("failed to read allow list {}", f.display()))?;
        let _ = write!(text, "allow_list={:016x}\0", xxhash_rust::xxh3::xxh3_64(&bytes));
    }
    Ok(format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_alone_is_split_from_a_lower_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a.jsonl");
        std::fs::write(&file, b"{}\n").expect("write");
        let (file, dir) = (file.display().to_string(), dir.path().display().to_string());
        let split = |paths: &[String]| Roots::of(paths).split_bytes();
        assert_eq!(split(std::slice::from_ref(&file)), ALONE_SPLIT_BYTES);
        let default = Options::default().split_bytes;
        assert!(default > ALONE_SPLIT_BYTES);
        assert_eq!(split(std::slice::from_ref(&dir)), default, "a directory");
        assert_eq!(split(&[file.clone(), file.clone()]), default, "two paths");
        assert_eq!(split(&[file.clone(), "s3://bucket/b.jsonl".to_string()]), default, "a file and an S3 object");
        assert_eq!(split(&["s3://bucket/a.jsonl".to_string()]), default, "an S3 object");
        assert_eq!(split(&[format!("{dir}/missing")]), default, "no such file");
    }

    #[test]
    fn file_roots_get_no_more_walker_threads_than_there_are_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files: Vec<String> = (0..3).map(|i| dir.path().join(format!("{i}.txt")).display().to_string()).collect();
        for f in &files {
            std::fs::write(f, "hello").expect("write");
        }
        let walkers = |paths: &[String], asked: Option<usize>, threads| Roots::of(paths).walker_threads(asked, threads);
        assert_eq!(walkers(&files[..1], Some(8), 8), 1);
        assert_eq!(walkers(&files, Some(8), 8), 3);
        assert_eq!(walkers(&files, Some(2), 2), 2);
        assert_eq!(walkers(&files[..1], None, 2), 1, "one per core, but one file");
        let with_dir = [files[0].clone(), dir.path().display().to_string()];
        assert_eq!(walkers(&with_dir, Some(8), 8), 8, "a directory may hold any number of files");
        assert_eq!(walkers(&with_dir, None, 2), 0, "left to the walker");
        let missing = [dir.path().join("gone.txt").display().to_string()];
        assert_eq!(walkers(&missing, Some(4), 4), 4, "a missing root is reported by the walker");
    }

    #[test]
    fn settings_that_change_findings_change_the_settings_version() {
        use clap::Parser as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let allow = dir.path().join("allow.txt");
        std::fs::write(&allow, "a@example.com\n").expect("write");
        let allow = allow.display().to_string();
        let version = |extra: &[&str]| {
            let mut argv = vec!["trawl", "scan", "s3://b/"];
            argv.extend_from_slice(extra);
            let cli = crate::cli::args::Cli::try_parse_from(&argv).expect("valid flags");
            let crate::cli::args::Command::Scan(args) = cli.command else { panic!("scan") };
            settings_version(&args).expect("version")
        };
        let base = version(&[]);
        assert_eq!(base.len(), 16);
        for same in [
            &["-f", "jsonl", "-o", "out.jsonl", "--show-values", "--quiet", "--no-progress"][..],
            &["-j", "3", "--concurrency", "5", "--retries", "1", "--no-mmap", "--mmap"],
            &["--state", "s.jsonl", "--results", "r/", "--shard", "1/2"],
            &["--glob", "*.csv", "--extension", "csv", "--min-size", "1", "--modified-after", "2024-01-01"],
        ] {
            assert_eq!(version(same), base, "{same:?} does not change what is found");
        }
        let mut seen = std::collections::HashSet::from([base]);
        for changed in [
            &["--min-confidence", "medium"][..],
            &["--allow-regex", "x"],
            &["--allow-list", &allow],
            &["--text"],
            &["--no-archives"],
            &["--skip-binary"],
            &["--max-filesize", "1M"],
            &["--max-archive-depth", "2"],
            &["--max-archive-bytes", "1G"],
            &["--max-archive-ratio", "10"],
            &["--max-archive-members", "5"],
        ] {
            assert!(seen.insert(version(changed)), "{changed:?} changes what is found");
        }
        let before = version(&["--allow-list", &allow]);
        std::fs::write(&allow, "b@example.com\n").expect("write");
        assert_ne!(version(&["--allow-list", &allow]), before, "the allow list's contents count");
    }
}
