//! The rule files compiled into the binary.
//!
//! The build script (`build.rs`) reads every `.toml` file under `patterns/`
//! and embeds it as JSON, which loads several times faster than TOML (see
//! `Rules::builtin`). Unit tests check that the embedded set is exactly the
//! files under `patterns/`, and that each JSON text gives the same rules as
//! its TOML file.

/// `(path relative to patterns/, the file's contents as JSON)` for every
/// built-in rule file, sorted by path.
pub(crate) const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

#[cfg(test)]
mod tests {
    use super::BUILTIN;
    use crate::rules::syntax::RuleFile;
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
        assert_eq!(on_disk, listed, "patterns/ and the embedded rule files disagree");
    }

    #[test]
    fn every_embedded_file_gives_the_rules_of_its_toml_file() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("patterns");
        for (path, json) in BUILTIN {
            let text = std::fs::read_to_string(base.join(path)).expect("rule file is readable");
            let from_toml: RuleFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            let from_json: RuleFile = serde_json::from_str(json).unwrap_or_else(|e| panic!("{path} as JSON: {e}"));
            assert!(!from_toml.rules.is_empty() || !from_toml.custom.is_empty(), "{path} holds no rule");
            // The Debug form covers every field (it is what `Rules::version` hashes).
            assert_eq!(format!("{from_json:?}"), format!("{from_toml:?}"), "{path}");
        }
    }
}
