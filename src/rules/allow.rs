//! Allow lists: values that are never reported, as Macie's allow lists.
//!
//! An allow list is either predefined text (one entry per line, matched
//! against the whole found value, ignoring case as Macie does) or regular
//! expressions (a found value that matches one is ignored; case matters
//! unless the pattern says `(?i)`).

use std::collections::HashSet;
use std::path::Path;

use crate::rules::load::RuleError;

/// Values and patterns to ignore everywhere.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    values: HashSet<Vec<u8>>,
    regexes: Vec<regex::bytes::Regex>,
}

impl AllowList {
    /// An empty allow list.
    pub fn new() -> AllowList {
        AllowList::default()
    }

    /// Adds one value, matched against whole found values, ignoring case.
    pub fn add_value(&mut self, value: &str) {
        self.values.insert(folded(value.as_bytes()));
    }

    /// Adds one regular expression; a value it matches anywhere is ignored.
    ///
    /// # Errors
    /// The pattern does not compile.
    pub fn add_regex(&mut self, pattern: &str) -> Result<(), RuleError> {
        let re = regex::bytes::Regex::new(pattern)
            .map_err(|e| RuleError::compile(&format!("allow-regex {pattern:?}"), e.to_string()))?;
        self.regexes.push(re);
        Ok(())
    }

    /// Loads a file: `.toml` with `values = [...]` and `regexes = [...]`,
    /// otherwise plain text with one value per line (Macie's predefined text format).
    ///
    /// # Errors
    /// The file cannot be read or parsed, or a regex does not compile.
    pub fn add_file(&mut self, path: &Path) -> Result<(), RuleError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            RuleError::from(crate::rules::load::Kind::Io { path: path.display().to_string(), source })
        })?;
        // Windows editors start UTF-8 files with a byte-order mark.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml")) {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct File {
                #[serde(default)]
                values: Vec<String>,
                #[serde(default)]
                regexes: Vec<String>,
            }
            let file: File = toml::from_str(text).map_err(|source| {
                RuleError::from(crate::rules::load::Kind::Toml { path: path.display().to_string(), source })
            })?;
            file.values.iter().for_each(|v| self.add_value(v));
            for r in &file.regexes {
                self.add_regex(r)?;
            }
        } else {
            for line in text.lines() {
                let line = line.trim_end_matches('\r');
                if !line.is_empty() {
                    self.add_value(line);
                }
            }
        }
        Ok(())
    }

    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.regexes.is_empty()
    }

    /// Whether `value` is allowed (must not be reported).
    pub fn allows(&self, value: &[u8]) -> bool {
        (!self.values.is_empty() && self.values.contains(&folded(value)))
            || self.regexes.iter().any(|r| r.is_match(value))
    }
}

/// `value` with case folded: ASCII lowercased, and other text lowercased
/// as Unicode (bytes that are not UTF-8 read as replacement characters).
fn folded(value: &[u8]) -> Vec<u8> {
    if value.is_ascii() {
        value.to_ascii_lowercase()
    } else {
        String::from_utf8_lossy(value).to_lowercase().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_regexes() {
        let mut a = AllowList::new();
        a.add_value("jane@example.com");
        a.add_regex(r"^4000\d{12}$").unwrap();
        assert!(a.allows(b"jane@example.com"));
        // Values ignore case, as Macie's predefined text; regexes do not.
        assert!(a.allows(b"JANE@Example.com"));
        assert!(!a.allows(b"jane@example.com.au"));
        a.add_value("Zoë Ünal");
        assert!(a.allows("ZOË ÜNAL".as_bytes()));
        assert!(a.allows(b"4000123412341234"));
        assert!(!a.allows(b"4532015112830366"));
    }

    #[test]
    fn files_with_a_byte_order_mark() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("allow.txt");
        std::fs::write(&p, "\u{FEFF}jane@example.com\r\nbob@example.com\r\n").unwrap();
        let mut a = AllowList::new();
        a.add_file(&p).unwrap();
        assert!(a.allows(b"jane@example.com") && a.allows(b"bob@example.com"));
    }
}
