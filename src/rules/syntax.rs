//! The on-disk rule format: serde structs for the TOML files in `patterns/`.
//!
//! This file owns the schema only. Loading and embedding live in `load.rs`,
//! the linter in `check.rs`, and compilation in `detect/`.
//! `patterns/README.md` documents every field.

use serde::{Deserialize, Serialize};

use crate::report::{Category, Confidence};
use crate::validate::Validator;

/// Macie's default keyword distance for managed data identifiers.
pub const DEFAULT_KEYWORD_DISTANCE: u32 = 30;
/// Macie's default maximum match distance for custom data identifiers.
pub const DEFAULT_CUSTOM_DISTANCE: u32 = 50;
/// The largest keyword distance a rule may ask for (Macie's limit).
pub const MAX_KEYWORD_DISTANCE: u32 = 300;

/// One rule file: any number of `[[rule]]` and `[[custom_data_identifier]]` tables.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Rules in trawl's own format.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSyntax>,
    /// Rules written as Amazon Macie custom data identifiers.
    #[serde(default, rename = "custom_data_identifier")]
    pub custom: Vec<CustomDataIdentifier>,
}

/// Where a keyword may stand relative to the value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeywordPosition {
    /// Before or after the value (managed data identifiers).
    #[default]
    Around,
    /// Only before the value (custom data identifiers).
    Before,
}

/// One detection rule, as written in a rule file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSyntax {
    /// Stable identifier, `<category>.<family>.<n>`, never reused.
    pub id: String,
    /// The data type reported in findings (Macie's managed data identifier ID where one exists).
    #[serde(rename = "type")]
    pub data_type: String,
    /// A short human name.
    pub name: String,
    /// The category of the type.
    pub category: Category,
    /// The pattern; capture group 1 is the sensitive value (the whole match when there is no group).
    pub regex: String,
    /// Words that, near a match, confirm it. Matched ASCII case-insensitively and as whole words.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Whether a match counts only with a keyword nearby.
    #[serde(default)]
    pub keyword_required: bool,
    /// How many characters may separate a keyword from the value.
    #[serde(default)]
    pub keyword_distance: Option<u32>,
    /// Whether `keyword_distance` runs from the end of the keyword to the
    /// end of the match (Macie's `maximumMatchDistance`, set for custom data
    /// identifiers) instead of to the start of the value. Not a rule file field.
    #[serde(skip)]
    pub keyword_distance_to_end: bool,
    /// Whether keywords may follow the value or must precede it.
    #[serde(default)]
    pub keyword_position: KeywordPosition,
    /// Every match contains a group of at least this many digits joined only
    /// by single separators (space, `-`, `.`, `/`, parentheses). Lets the
    /// engine find candidates from digit runs instead of running the regex
    /// over all bytes.
    #[serde(default)]
    pub digits: Option<u32>,
    /// The checksum or structural check the value must pass.
    #[serde(default)]
    pub validator: Option<Validator>,
    /// Published test values (e.g. issuer test card numbers) that are never reported.
    /// Compared with separators removed and ASCII case ignored.
    #[serde(default)]
    pub ignore_values: Vec<String>,
    /// A match whose text contains one of these (case-sensitive) is not reported (Macie's ignore words).
    #[serde(default)]
    pub ignore_words: Vec<String>,
    /// The confidence of a bare match, before validator and keyword raise it.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// Breaks ties when two findings overlap: the higher priority is reported.
    #[serde(default)]
    pub priority: i32,
    /// Whether `\w`, `\d`, `\b` and classes are Unicode-aware (off by default).
    #[serde(default)]
    pub unicode: bool,
    /// What the rule finds and why it is sensitive.
    #[serde(default)]
    pub description: String,
    /// Specifications or documentation the rule follows.
    #[serde(default)]
    pub references: Vec<String>,
    /// Texts in which the full scanner must find this rule.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Texts in which the full scanner must not find this rule.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

/// A rule written as an Amazon Macie custom data identifier.
///
/// The field names follow Macie's `CreateCustomDataIdentifier` request and
/// `GetCustomDataIdentifier` response, so the JSON of either (camelCase,
/// e.g. `aws macie2 get-custom-data-identifier --id ...`) loads as it is,
/// as well as TOML (snake_case).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomDataIdentifier {
    /// The identifier's name; reported as the finding type.
    pub name: String,
    /// The pattern; the whole match is the value unless it has a capture group.
    pub regex: String,
    /// Keywords, at least one of which must precede a match within the maximum match distance.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Matches containing one of these words (case-sensitive) are ignored.
    #[serde(default, alias = "ignoreWords")]
    pub ignore_words: Vec<String>,
    /// How many characters may separate a keyword from a match: 1 to 300, default 50.
    #[serde(default, alias = "maximumMatchDistance")]
    pub maximum_match_distance: Option<u32>,
    /// A description, kept for reports.
    #[serde(default)]
    pub description: String,
    /// Optional stable rule id (`custom.employee-id`); derived from the name
    /// when absent or when it is Macie's own id (a UUID, not a rule id).
    #[serde(default)]
    pub id: Option<String>,
    /// Macie's ARN of the identifier; accepted and ignored.
    #[serde(default)]
    pub arn: Option<String>,
    /// When Macie created the identifier; accepted and ignored.
    #[serde(default, alias = "createdAt")]
    pub created_at: Option<serde_json::Value>,
    /// Whether the identifier was deleted in Macie: a deleted identifier is not loaded.
    #[serde(default)]
    pub deleted: bool,
    /// The idempotency token of a `CreateCustomDataIdentifier` request; accepted and ignored.
    #[serde(default, alias = "clientToken")]
    pub client_token: Option<String>,
    /// Optional examples, checked like a rule's.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Optional negative examples, checked like a rule's.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Macie's severity settings; accepted and ignored.
    #[serde(default, alias = "severityLevels")]
    pub severity_levels: Option<serde_json::Value>,
    /// Macie's tags; accepted and ignored.
    #[serde(default)]
    pub tags: Option<serde_json::Value>,
}

impl CustomDataIdentifier {
    /// Converts the identifier to a rule with Macie's custom identifier semantics:
    /// keywords required (when given) and only before the match, within the
    /// distance (default 50) from the end of the keyword to the end of the match.
    pub fn to_rule(&self) -> RuleSyntax {
        let slug: String = self
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        RuleSyntax {
            id: self
                .id
                .clone()
                .filter(|id| id.contains('.'))
                .unwrap_or_else(|| format!("custom.{}", if slug.is_empty() { "unnamed" } else { &slug })),
            data_type: self.name.clone(),
            name: self.name.clone(),
            category: Category::CustomIdentifier,
            regex: self.regex.clone(),
            keyword_required: !self.keywords.is_empty(),
            keywords: self.keywords.clone(),
            keyword_distance: Some(self.maximum_match_distance.unwrap_or(DEFAULT_CUSTOM_DISTANCE)),
            keyword_distance_to_end: true,
            keyword_position: KeywordPosition::Before,
            digits: None,
            validator: None,
            ignore_values: Vec::new(),
            ignore_words: self.ignore_words.clone(),
            confidence: Some(Confidence::Medium),
            priority: 0,
            unicode: false,
            description: self.description.clone(),
            references: Vec::new(),
            examples: self.examples.clone(),
            negative_examples: self.negative_examples.clone(),
        }
    }
}
