//! Command-line flags (clap derive). Only parsing lives here; `config.rs`
//! turns flags into built objects.
//!
//! The doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, shown in `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  nothing found, everything scanned
  1  sensitive data found
  2  something could not be scanned (an unreadable file, a truncated archive,
     a failed S3 object, a limit hit...) or the command failed; 2 wins over 1";

/// trawl finds sensitive data (PII, financial data, credentials) in files,
/// archives, datasets and S3 buckets, fast enough to run on every dataset.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, about, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan local paths and s3:// URIs for sensitive data.
    #[command(after_help = EXIT_CODES)]
    Scan(Box<ScanArgs>),
    /// List or check detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// `trawl rules ...`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules (built-in and --rules) with their types and categories.
    List(RulesListArgs),
    /// Check rules: each compiles, finds its examples and none of its negative examples.
    Check(RulesCheckArgs),
}

/// Flags of `trawl rules list`.
#[derive(Debug, Args)]
pub struct RulesListArgs {
    /// Rule selection.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

/// Flags of `trawl rules check`.
#[derive(Debug, Args)]
pub struct RulesCheckArgs {
    /// Rule selection.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Treat warnings as errors.
    #[arg(long)]
    pub warnings_as_errors: bool,
}

/// Output of `trawl rules list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Human,
    /// One JSON document.
    Json,
}

/// Which rules to use.
#[derive(Debug, Args, Default)]
pub struct RuleArgs {
    /// Add the rule files (.toml, or Macie custom data identifier .json) in DIR or FILE. Repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rules (only --rules).
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Only use rules reporting these types (comma-separated, e.g. CREDIT_CARD_NUMBER,EMAIL_ADDRESS).
    #[arg(long, value_delimiter = ',', value_name = "TYPES")]
    pub types: Vec<String>,
    /// Do not use rules reporting these types (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TYPES")]
    pub exclude_types: Vec<String>,
}

/// How to print findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable report grouped per file (the default).
    Human,
    /// One JSON document: findings, problems and a summary.
    Json,
    /// One finding per line, streamed.
    Jsonl,
    /// SARIF 2.1.0, for code scanning in CI.
    Sarif,
    /// Amazon Macie-shaped findings, one per affected file or object (JSON Lines).
    Macie,
}

/// Flags of `trawl scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, directories and s3://bucket/prefix URIs to scan; `-` reads
    /// standard input (named `<stdin>` in findings).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,

    /// Rule selection.
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Never report values listed in FILE: one value per line (Macie's predefined text),
    /// or a .toml file with `values = [...]` and `regexes = [...]`. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub allow_list: Vec<PathBuf>,
    /// Never report values matching REGEX. Repeatable.
    #[arg(long, value_name = "REGEX")]
    pub allow_regex: Vec<String>,
    /// Only report findings of at least this confidence.
    #[arg(long, value_enum, default_value_t = MinConfidence::Low)]
    pub min_confidence: MinConfidence,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write findings to FILE instead of standard output (`-` is standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print found values in full. By default every output masks them.
    #[arg(long)]
    pub show_values: bool,
    /// Print no summary and no progress on standard error (what could not be scanned is still
    /// listed there, with the reason).
    #[arg(short, long)]
    pub quiet: bool,
    /// Show a progress bar on standard error (default: when it is a terminal).
    #[arg(long, overrides_with = "no_progress")]
    pub progress: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Honour .gitignore, .ignore and .rgignore files (by default every file is scanned,
    /// hidden and ignored ones included: sensitive data hides exactly there).
    #[arg(long)]
    pub respect_ignore: bool,
    /// Include or exclude files (and S3 keys) matching GLOB; prefix with ! to exclude.
    /// Exclusions win. Repeatable.
    #[arg(short, long, value_name = "GLOB")]
    pub glob: Vec<String>,
    /// Do not follow symbolic links (they are followed by default; loops are reported).
    #[arg(long)]
    pub no_follow: bool,
    /// Skip binary files instead of scanning them for embedded text (counted either way).
    #[arg(long)]
    pub skip_binary: bool,
    /// Memory-map files of 1 to 32 MiB instead of reading them. Off by default: a file
    /// truncated by another process while it is mapped (a log rotated with copytruncate)
    /// crashes the scan with SIGBUS.
    #[arg(long, overrides_with = "no_mmap")]
    pub mmap: bool,
    /// Never memory-map files (the default).
    #[arg(long, hide = true)]
    pub no_mmap: bool,
    /// Skip files and objects larger than SIZE (e.g. 500M, 2G); they are reported as not scanned.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_filesize: Option<u64>,
    /// Scan everything as text: do not parse CSV, JSON, Parquet or Avro structure.
    #[arg(long)]
    pub text: bool,
    /// Do not open compressed streams and archives (scan their bytes as binary).
    #[arg(long)]
    pub no_archives: bool,
    /// How deep archives may nest.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_archive_depth: u32,
    /// Most decompressed bytes read out of one file or object (bomb limit).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "64G")]
    pub max_archive_bytes: u64,
    /// Largest decompressed/compressed ratio allowed for a member over 1 MiB (bomb limit; a
    /// sparse tar member counts its holes as decompressed bytes).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_archive_ratio: u64,
    /// Most members read from one archive.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_archive_members: u64,
    /// Worker threads (default: one per core). Files are scanned one per
    /// thread; a plain-text, JSONL, JSON or CSV/TSV file of 256 MiB or more
    /// (over 32 MiB when it is the only path given) is split among them,
    /// and so are a Parquet file's row groups; a compressed file of 16 MiB
    /// or more is decompressed on a second thread while it is scanned.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Bytes scanned per step of a stream (for testing chunk boundaries).
    #[arg(long, hide = true, value_parser = parse_size)]
    pub chunk_size: Option<u64>,

    /// S3 options.
    #[command(flatten)]
    pub s3: S3Args,
}

/// Flags for s3:// sources.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "S3")]
pub struct S3Args {
    /// S3 endpoint for S3-compatible stores (MinIO, Ceph, LocalStack), e.g. http://127.0.0.1:9000.
    #[arg(long, value_name = "URL", env = "AWS_ENDPOINT_URL_S3")]
    pub endpoint_url: Option<String>,
    /// Use path-style addressing (bucket in the path), as most S3-compatible stores need.
    #[arg(long)]
    pub path_style: bool,
    /// AWS region (default: from the environment and profile).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS profile from the shared config and credentials files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Objects fetched and scanned at once (each holds a few MiB at most).
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub concurrency: usize,
    /// Retries per request on throttling, 5xx errors, timeouts and dropped connections.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub retries: u32,
    /// Incremental sweep state (local file or s3:// URI): scan only objects that are new or
    /// changed since the last run, or all of them if the rules or a setting that changes
    /// findings (--min-confidence, allow lists, --text, archive options, --skip-binary,
    /// --max-filesize) changed; resumable.
    #[arg(long, value_name = "PATH")]
    pub state: Option<String>,
    /// Write one discovery-result record per object (JSONL.gz, no values) under this
    /// s3://bucket/prefix/ or local directory.
    #[arg(long, value_name = "PATH")]
    pub results: Option<String>,
    /// Scan only shard I of N (by a hash of the key); `auto/N` reads I from
    /// AWS_BATCH_JOB_ARRAY_INDEX or JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Read object keys from an S3 Inventory manifest (manifest.json, local or s3://) instead of listing.
    #[arg(long, value_name = "MANIFEST")]
    pub inventory: Option<String>,
    /// Only objects with these extensions (comma-separated, e.g. csv,jsonl.gz).
    #[arg(long, value_delimiter = ',', value_name = "EXT")]
    pub extension: Vec<String>,
    /// Only objects at least SIZE bytes large.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub min_size: Option<u64>,
    /// Only objects at most SIZE bytes large.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,
    /// Only objects last modified at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub modified_after: Option<String>,
    /// Only objects last modified before this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    pub modified_before: Option<String>,
}

/// The `--min-confidence` levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MinConfidence {
    /// Everything.
    Low,
    /// Medium and high.
    Medium,
    /// High only.
    High,
}

/// Parses sizes like `512`, `64K`, `500M`, `2G`, `1T` (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let digits = upper.trim_end_matches(['B', 'I']);
    let (num, mult) = match digits.chars().last() {
        Some('K') => (&digits[..digits.len() - 1], 1u64 << 10),
        Some('M') => (&digits[..digits.len() - 1], 1 << 20),
        Some('G') => (&digits[..digits.len() - 1], 1 << 30),
        Some('T') => (&digits[..digits.len() - 1], 1 << 40),
        _ => (digits, 1),
    };
    let n: f64 = num.trim().parse().map_err(|_| format!("invalid size {s:?} (examples: 512, 64K, 500M, 2G)"))?;
    if n.is_nan() || n < 0.0 {
        return Err(format!("invalid size {s:?}"));
    }
    Ok((n * mult as f64) as u64)
}

impl ScanArgs {
    /// The file findings are written to: `-o FILE`, or `None` for standard
    /// output (no `-o`, or `-o -`).
    pub fn output_file(&self) -> Option<&std::path::Path> {
        self.output.as_deref().filter(|p| p.as_os_str() != "-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("1.5M"), Ok(1572864));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("lots").is_err());
    }
}
