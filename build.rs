//! Converts the built-in rule files (`patterns/**/*.toml`) to JSON at build
//! time, so that start-up parses JSON instead of TOML.
//!
//! Parsing the 190 KB of TOML was a quarter of the instructions of
//! `trawl scan` on a small file; `serde_json` reads the same rules in a
//! fraction of that. The generated `$OUT_DIR/builtin_rules.rs` holds one
//! `(path relative to patterns/, JSON text)` pair per file, sorted by path;
//! `src/rules/builtin.rs` includes it, and a unit test checks that each JSON
//! text gives the same rules as its TOML file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let base = Path::new("patterns");
    println!("cargo::rerun-if-changed=patterns");
    let mut files = Vec::new();
    collect(base, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let json = serde_json::to_string(&table).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let rel = file.strip_prefix(base).expect("below patterns/").to_string_lossy().replace('\\', "/");
        // A string's Debug form is a valid Rust string literal.
        writeln!(out, "    ({rel:?}, {json:?}),").expect("writing to a String");
    }
    out.push_str("]\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}

/// Every `.toml` file below `dir`.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}
