//! Shared helpers: running the binary, scanning with the library.

use std::path::{Path, PathBuf};
use std::process::Command;

use trawl::extract::{Extractor, Options};
use trawl::{Collect, Rules, Scanner};

/// The `trawl` binary under test: `TRAWL_TEST_PROGRAM` if set (to test a
/// release build), else the one cargo built for this test run.
pub fn bin() -> Command {
    match std::env::var_os("TRAWL_TEST_PROGRAM") {
        Some(p) => Command::new(p),
        None => Command::new(env!("CARGO_BIN_EXE_trawl")),
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scanner with the built-in rules (built once per test binary).
pub fn scanner() -> &'static Scanner {
    static S: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
    S.get_or_init(|| Scanner::new(&Rules::builtin().expect("builtin rules load")).expect("builtin rules compile"))
}

/// Scans one file with the library and default options.
pub fn scan_file(path: &Path, source: &str) -> Collect {
    scan_file_with(path, source, &Options::default())
}

/// Scans one file with the library.
pub fn scan_file_with(path: &Path, source: &str, opts: &Options) -> Collect {
    let scanner = scanner();
    let x = Extractor::new(scanner, opts);
    let mut scratch = scanner.scratch();
    let mut out = Collect::default();
    let bytes = std::fs::read(path).expect("fixture readable");
    x.scan(&mut scratch, trawl::extract::Data::Bytes(&bytes), source, &mut out);
    out
}

/// Scans bytes with the library and default options.
pub fn scan_bytes(bytes: &[u8], source: &str) -> Collect {
    let scanner = scanner();
    let opts = Options::default();
    let x = Extractor::new(scanner, &opts);
    let mut scratch = scanner.scratch();
    let mut out = Collect::default();
    x.scan(&mut scratch, trawl::extract::Data::Bytes(bytes), source, &mut out);
    out
}

/// A Parquet file written by a real writer (the corpus's
/// `customers_us_2.parquet`) with 27 bytes slipped into a column chunk
/// (found by `tools/mutation_run.py`): the Parquet library panics reading
/// its pages, after the rows of its first columns.
pub fn damaged_parquet() -> Vec<u8> {
    let mut parquet = std::fs::read(root().join("corpus/datasets/customers_us_2.parquet")).unwrap();
    let hex = "d5499cec952b71d53ee1c63038669232941a037d1daf0c865b0126";
    let inserted = (0..hex.len() / 2).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap());
    parquet.splice(3191..3191, inserted);
    parquet
}
