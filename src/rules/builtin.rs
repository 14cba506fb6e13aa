//! The rule files compiled into the binary.
//!
//! Every file under `patterns/` must be listed here; a unit test walks the
//! directory and fails on any file missing from the list.

/// `(path relative to patterns/, file contents)` for every built-in rule file.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    // Keep sorted by path. One line per file under patterns/ (except README.md).
];

#[cfg(test)]
mod tests {
    use super::BUILTIN;
    use std::path::Path;

    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("patterns/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let rel = path.strip_prefix(base).expect("below patterns/");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_rule_file_is_builtin() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
        let mut on_disk = Vec::new();
        walk(&base, &base, &mut on_disk);
        on_disk.sort();
        let mut listed: Vec<String> = BUILTIN.iter().map(|(p, _)| p.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "patterns/ and rules/builtin.rs disagree");
    }
}
