//! Loading rule sets: the built-in files and user rule files or directories.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::rules::builtin::BUILTIN;
use crate::rules::syntax::{CustomDataIdentifier, MAX_KEYWORD_DISTANCE, RuleFile, RuleSyntax};

/// An error that occurs while loading rules.
///
/// The message names the file or rule at fault; `source()` gives the cause.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct RuleError(#[from] Kind);

#[derive(Debug, thiserror::Error)]
pub(crate) enum Kind {
    #[error("{path}: invalid rule file")]
    Toml { path: String, source: toml::de::Error },
    #[error("{path}: invalid custom data identifier file")]
    Json { path: String, source: serde_json::Error },
    #[error("{path}: invalid built-in rule file")]
    Builtin { path: String, source: serde_json::Error },
    #[error("{path}: cannot read rule file")]
    Io { path: String, source: std::io::Error },
    #[error("rule {id} ({path}): {message}")]
    Invalid { id: String, path: String, message: String },
    #[error("rule {id} ({path}): regex does not compile")]
    Regex { id: String, path: String, source: Box<regex_automata::meta::BuildError> },
    #[error("rule {id}: {message}")]
    Compile { id: String, message: String },
}

impl RuleError {
    pub(crate) fn invalid(rule: &Rule, message: impl Into<String>) -> RuleError {
        RuleError(Kind::Invalid { id: rule.syntax.id.clone(), path: rule.origin.clone(), message: message.into() })
    }

    pub(crate) fn regex(rule: &Rule, source: Box<regex_automata::meta::BuildError>) -> RuleError {
        RuleError(Kind::Regex { id: rule.syntax.id.clone(), path: rule.origin.clone(), source })
    }

    pub(crate) fn compile(id: &str, message: impl Into<String>) -> RuleError {
        RuleError(Kind::Compile { id: id.to_string(), message: message.into() })
    }

    /// The id of the rule at fault, if the error concerns one rule.
    pub fn rule_id(&self) -> Option<&str> {
        match &self.0 {
            Kind::Invalid { id, .. } | Kind::Regex { id, .. } | Kind::Compile { id, .. } => Some(id),
            _ => None,
        }
    }
}

/// One loaded rule and the file it came from.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The rule as written.
    pub syntax: RuleSyntax,
    /// `builtin:pii/card.toml` or the user file's path.
    pub origin: String,
}

/// An ordered set of rules with unique ids.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    rules: Vec<Rule>,
    /// Each id's index in `rules`, for the duplicate check (a search of the
    /// rules for each one added compared ids 7,600 times at start-up).
    ids: HashMap<String, usize>,
}

impl Rules {
    /// No rules at all.
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// The rules embedded in the binary (every file under `patterns/`,
    /// embedded as JSON by the build script), parsed on rayon's global
    /// thread pool and kept in file order.
    ///
    /// # Errors
    /// Fails only if a built-in file is malformed, which the test suite rules out.
    pub fn builtin() -> Result<Rules, RuleError> {
        use rayon::prelude::*;
        // The files are parsed on every thread of rayon's pool (parsing is
        // most of loading, and loading a fifth of `trawl scan`'s start-up),
        // then added in order, so that ids and errors are those of one pass.
        let parsed: Vec<(String, Result<RuleFile, RuleError>)> = BUILTIN
            .par_iter()
            .map(|(path, text)| {
                let origin = format!("builtin:{path}");
                let file =
                    serde_json::from_str(text).map_err(|source| Kind::Builtin { path: origin.clone(), source }.into());
                (origin, file)
            })
            .collect();
        let mut rules = Rules::empty();
        let count = parsed.iter().filter_map(|(_, f)| f.as_ref().ok()).map(|f| f.rules.len() + f.custom.len()).sum();
        rules.rules.reserve(count);
        for (origin, file) in parsed {
            rules.add_rule_file(&origin, file?)?;
        }
        Ok(rules)
    }

    /// Adds the rules of one file: TOML (`[[rule]]`, `[[custom_data_identifier]]`)
    /// or JSON (one Macie custom data identifier object, or an array of them).
    ///
    /// # Errors
    /// The file cannot be read or parsed, or a rule is invalid or duplicates an id.
    pub fn add_file(&mut self, path: &Path) -> Result<(), RuleError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Kind::Io { path: name.clone(), source })?;
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            self.add_json(&name, &text)
        } else {
            self.add_toml(&name, &text)
        }
    }

    /// Adds every `.toml` and `.json` rule file below `path` (or `path` itself if it is a file).
    ///
    /// # Errors
    /// As [`Rules::add_file`], for the first bad file.
    pub fn add_path(&mut self, path: &Path) -> Result<(), RuleError> {
        if !path.is_dir() {
            return self.add_file(path);
        }
        let mut files: Vec<PathBuf> = Vec::new();
        collect(path, &mut files).map_err(|source| Kind::Io { path: path.display().to_string(), source })?;
        files.sort();
        for file in files {
            self.add_file(&file)?;
        }
        Ok(())
    }

    /// Adds the rules of one TOML text; `origin` names it in errors.
    ///
    /// # Errors
    /// The text is not a valid rule file, or a rule is invalid or duplicates an id.
    pub fn add_toml(&mut self, origin: &str, text: &str) -> Result<(), RuleError> {
        self.add_rule_file(origin, parse_toml(origin, text)?)
    }

    /// Adds the rules of one parsed TOML file.
    fn add_rule_file(&mut self, origin: &str, file: RuleFile) -> Result<(), RuleError> {
        for syntax in file.rules {
            self.push(Rule { syntax, origin: origin.to_string() })?;
        }
        for custom in file.custom {
            self.push(Rule { syntax: custom.to_rule(), origin: origin.to_string() })?;
        }
        Ok(())
    }

    /// Adds Macie custom data identifiers from JSON: an object, an array of
    /// objects, or Macie's `{"customDataIdentifiers": [...]}`. Identifiers
    /// marked `deleted` are not loaded.
    ///
    /// # Errors
    /// The JSON does not describe custom data identifiers, or one is invalid
    /// (the message names the identifier's position and the field).
    pub fn add_json(&mut self, origin: &str, text: &str) -> Result<(), RuleError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|source| Kind::Json { path: origin.to_string(), source })?;
        let items = match value {
            serde_json::Value::Array(items) => items.into_iter().enumerate().map(|(i, v)| (Some(i), v)).collect(),
            serde_json::Value::Object(mut o) if o.len() == 1 && o.contains_key("customDataIdentifiers") => {
                match o.remove("customDataIdentifiers") {
                    Some(serde_json::Value::Array(items)) => {
                        items.into_iter().enumerate().map(|(i, v)| (Some(i), v)).collect()
                    }
                    other => vec![(None, other.unwrap_or_default())],
                }
            }
            other => vec![(None, other)],
        };
        for (index, item) in items {
            let custom: CustomDataIdentifier = serde_json::from_value(item).map_err(|source| Kind::Json {
                path: match index {
                    Some(i) => format!("{origin} (identifier {i})"),
                    None => origin.to_string(),
                },
                source,
            })?;
            if custom.deleted {
                continue;
            }
            self.push(Rule { syntax: custom.to_rule(), origin: origin.to_string() })?;
        }
        Ok(())
    }

    /// Adds one rule after checking its fields.
    ///
    /// # Errors
    /// The rule is invalid or its id is already taken.
    pub fn push(&mut self, rule: Rule) -> Result<(), RuleError> {
        validate_fields(&rule)?;
        if let Some(&other) = self.ids.get(&rule.syntax.id) {
            let other = &self.rules[other].origin;
            return Err(RuleError::invalid(&rule, format!("duplicate id, also defined in {other}")));
        }
        self.ids.insert(rule.syntax.id.clone(), self.rules.len());
        self.rules.push(rule);
        Ok(())
    }

    /// The rules, in load order.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// How many rules there are.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Keeps only the rules for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(keep);
        self.ids = self.rules.iter().enumerate().map(|(i, r)| (r.syntax.id.clone(), i)).collect();
    }

    /// A short fingerprint of the whole rule set: changes whenever any rule changes.
    ///
    /// Incremental sweeps record it so that a rule change triggers a full rescan.
    pub fn version(&self) -> String {
        let mut text = String::new();
        for rule in &self.rules {
            // The Debug form covers every field of the rule.
            let _ = write!(text, "{:?}\u{0}", rule.syntax);
        }
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
    }
}

/// Parses one TOML rule file; `origin` names it in errors.
fn parse_toml(origin: &str, text: &str) -> Result<RuleFile, RuleError> {
    toml::from_str(text).map_err(|source| Kind::Toml { path: origin.to_string(), source }.into())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("json")) {
            out.push(path);
        }
    }
    Ok(())
}

/// Checks what can be checked without compiling: id format, distances, keywords.
fn validate_fields(rule: &Rule) -> Result<(), RuleError> {
    let s = &rule.syntax;
    if !valid_id(&s.id) {
        return Err(RuleError::invalid(rule, "id must match ^[a-z0-9]+(?:[.-][a-z0-9]+)*$"));
    }
    if s.data_type.trim().is_empty() {
        return Err(RuleError::invalid(rule, "type must not be empty"));
    }
    if let Some(d) = s.keyword_distance
        && !(1..=MAX_KEYWORD_DISTANCE).contains(&d)
    {
        return Err(RuleError::invalid(rule, format!("keyword_distance {d} is outside 1..={MAX_KEYWORD_DISTANCE}")));
    }
    if s.keyword_required && s.keywords.is_empty() {
        return Err(RuleError::invalid(rule, "keyword_required is set but there are no keywords"));
    }
    if let Some(k) = s.keywords.iter().find(|k| k.trim().is_empty()) {
        return Err(RuleError::invalid(rule, format!("empty keyword {k:?}")));
    }
    if s.digits == Some(0) {
        return Err(RuleError::invalid(rule, "digits must be at least 1"));
    }
    Ok(())
}

fn valid_id(id: &str) -> bool {
    let mut prev_sep = true;
    for c in id.chars() {
        match c {
            'a'..='z' | '0'..='9' => prev_sep = false,
            '.' | '-' if !prev_sep => prev_sep = true,
            _ => return false,
        }
    }
    !prev_sep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_format() {
        for (id, ok) in [
            ("pii.card.1", true),
            ("a", true),
            ("a-b.c", true),
            ("", false),
            ("A.b", false),
            ("a..b", false),
            ("a.", false),
            (".a", false),
        ] {
            assert_eq!(valid_id(id), ok, "{id}");
        }
    }

    #[test]
    fn unknown_fields_are_errors() {
        let text =
            "[[rule]]\nid='x.y.1'\ntype='T'\nname='n'\ncategory='CREDENTIALS'\nregex='(a)'\nnegative_exmaples=[]\n";
        let err = Rules::empty().add_toml("t.toml", text).unwrap_err();
        let msg = format!("{:#}", anyhow::Error::from(err));
        assert!(msg.contains("negative_exmaples"), "{msg}");
    }

    #[test]
    fn unknown_validator_is_an_error() {
        let text = "[[rule]]\nid='x.y.1'\ntype='T'\nname='n'\ncategory='CREDENTIALS'\nregex='(a)'\nvalidator='luhnn'\n";
        let err = Rules::empty().add_toml("t.toml", text).unwrap_err();
        let msg = format!("{:#}", anyhow::Error::from(err));
        assert!(msg.contains("luhnn"), "{msg}");
    }

    #[test]
    fn duplicate_ids_are_errors() {
        let text = "[[rule]]\nid='x.y.1'\ntype='T'\nname='n'\ncategory='CREDENTIALS'\nregex='(a)'\n";
        let mut rules = Rules::empty();
        rules.add_toml("a.toml", text).unwrap();
        let err = rules.add_toml("b.toml", text).unwrap_err();
        assert_eq!(err.rule_id(), Some("x.y.1"));
        assert!(err.to_string().contains("a.toml"), "{err}");
    }

    #[test]
    fn ids_dropped_by_retain_may_be_added_again() {
        let rule = |id: &str| format!("[[rule]]\nid='{id}'\ntype='T'\nname='n'\ncategory='CREDENTIALS'\nregex='(a)'\n");
        let mut rules = Rules::empty();
        rules.add_toml("a.toml", &(rule("x.y.1") + &rule("x.y.2") + &rule("x.y.3"))).unwrap();
        rules.retain(|r| r.syntax.id != "x.y.2");
        rules.add_toml("b.toml", &rule("x.y.2")).unwrap();
        // The rules kept are still known by the index they moved to.
        let err = rules.add_toml("c.toml", &rule("x.y.3")).unwrap_err();
        assert!(err.to_string().contains("a.toml"), "{err}");
        let err = rules.add_toml("c.toml", &rule("x.y.2")).unwrap_err();
        assert!(err.to_string().contains("b.toml"), "{err}");
        let ids: Vec<&str> = rules.iter().map(|r| r.syntax.id.as_str()).collect();
        assert_eq!(ids, ["x.y.1", "x.y.3", "x.y.2"]);
    }

    #[test]
    fn macie_custom_identifier_json_loads() {
        let json = r#"{"name":"Employee ID","regex":"EMP-[0-9]{6}","keywords":["employee"],"ignoreWords":["EMP-000000"],"maximumMatchDistance":20}"#;
        let mut rules = Rules::empty();
        rules.add_json("c.json", json).unwrap();
        let rule = rules.iter().next().unwrap();
        assert_eq!(rule.syntax.id, "custom.employee-id");
        assert_eq!(rule.syntax.keyword_distance, Some(20));
        assert!(rule.syntax.keyword_required);
        assert_eq!(rule.syntax.keyword_position, crate::rules::KeywordPosition::Before);
    }

    #[test]
    fn macie_get_custom_data_identifier_output_loads() {
        // `aws macie2 get-custom-data-identifier` output: Macie's own id (a
        // UUID) and bookkeeping fields; a deleted identifier is left out.
        let one = |name: &str, deleted: bool| {
            format!(
                r#"{{"arn":"arn:aws:macie2:us-east-1:123456789012:custom-data-identifier/3b1e3f5a","createdAt":"2024-01-01T00:00:00Z","deleted":{deleted},"description":"d","id":"3b1e3f5a-8c1a-4f1e-9a7b-2c5d6e7f8a9b","ignoreWords":[],"keywords":["employee"],"maximumMatchDistance":50,"name":"{name}","regex":"EMP-[0-9]{{6}}","severityLevels":[{{"occurrencesThreshold":1,"severity":"LOW"}}],"tags":{{}}}}"#
            )
        };
        let mut rules = Rules::empty();
        rules.add_json("get.json", &one("Employee ID", false)).unwrap();
        rules
            .add_json(
                "list.json",
                &format!(r#"{{"customDataIdentifiers":[{},{}]}}"#, one("Badge", false), one("Old", true)),
            )
            .unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r.syntax.id.as_str()).collect();
        assert_eq!(ids, ["custom.employee-id", "custom.badge"]);
        assert!(rules.iter().all(|r| r.syntax.keyword_distance_to_end));
    }

    #[test]
    fn macie_identifier_errors_name_the_field_and_the_identifier() {
        let mut rules = Rules::empty();
        let err = rules
            .add_json(
                "c.json",
                r#"[{"name":"A","regex":"A-[0-9]{4}"},{"name":"B","regex":"B-[0-9]{4}","maximumMatchDistanse":5}]"#,
            )
            .unwrap_err();
        let msg = format!("{:#}", anyhow::Error::from(err));
        assert!(msg.contains("c.json (identifier 1)") && msg.contains("unknown field `maximumMatchDistanse`"), "{msg}");
    }

    #[test]
    fn version_changes_with_rules() {
        let a = "[[rule]]\nid='x.y.1'\ntype='T'\nname='n'\ncategory='CREDENTIALS'\nregex='(a)'\n";
        let b = "[[rule]]\nid='x.y.1'\ntype='T'\nname='n'\ncategory='CREDENTIALS'\nregex='(b)'\n";
        let mut ra = Rules::empty();
        ra.add_toml("a", a).unwrap();
        let mut rb = Rules::empty();
        rb.add_toml("b", b).unwrap();
        assert_ne!(ra.version(), rb.version());
    }
}
