//! The finding model: what trawl reports for each sensitive value it finds.
//!
//! This file owns [`Finding`], [`Location`] and the small enums they carry.
//! It does not decide how findings are printed (see the sibling printers) nor
//! how values are masked (see `redact.rs`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::report::symbol::Symbol;

/// The category of a sensitive data type, named as Amazon Macie names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    /// Secrets that grant access: keys, tokens, passwords.
    Credentials,
    /// Payment cards, bank accounts and other financial data.
    FinancialInformation,
    /// Data that identifies a person (PII) or concerns their health (PHI).
    PersonalInformation,
    /// A user-defined custom data identifier (Macie's `CUSTOM_IDENTIFIER`).
    CustomIdentifier,
}

impl Category {
    /// The name used in reports, e.g. `FINANCIAL_INFORMATION`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Credentials => "CREDENTIALS",
            Category::FinancialInformation => "FINANCIAL_INFORMATION",
            Category::PersonalInformation => "PERSONAL_INFORMATION",
            Category::CustomIdentifier => "CUSTOM_IDENTIFIER",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure trawl is that a finding is real.
///
/// A match starts at its rule's base confidence (low unless the rule says
/// otherwise); a passing checksum validator and a nearby keyword each raise it
/// one level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Right shape, nothing else confirms it.
    Low,
    /// Confirmed by a checksum or by a keyword.
    Medium,
    /// Confirmed by a checksum and a keyword, or by a shape no other data has.
    High,
}

impl Confidence {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// One level up, saturating at [`Confidence::High`].
    pub fn raise(self) -> Confidence {
        match self {
            Confidence::Low => Confidence::Medium,
            _ => Confidence::High,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding is inside its source.
///
/// Serialized without a tag: the fields present tell the kind. Byte offsets
/// are always offsets into the decoded, decompressed stream that was scanned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Location {
    /// A cell of a delimited table (CSV, TSV).
    Cell(CellLocation),
    /// A value inside a record (JSON, JSONL, Parquet, Avro).
    Record(RecordLocation),
    /// A span of plain text.
    Text(TextLocation),
}

impl Location {
    /// The 1-based line of the finding, where the source has lines.
    pub fn line(&self) -> Option<u64> {
        match self {
            Location::Text(t) => Some(t.line),
            Location::Cell(c) => c.line,
            Location::Record(r) => r.line,
        }
    }

    /// A short human-readable form: `12:34`, `row 5, column email`, `record 3 $.a.b`.
    pub fn display_short(&self) -> String {
        self.short().to_string()
    }

    /// The short form of [`Location::display_short`], written where it is
    /// formatted (a printer's buffer) rather than into a `String` of its own.
    pub fn short(&self) -> ShortLocation<'_> {
        ShortLocation(self)
    }
}

/// A location displayed in its short form (see [`Location::short`]).
pub struct ShortLocation<'a>(&'a Location);

impl fmt::Display for ShortLocation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Location::Text(t) => match t.page {
                Some(p) => write!(f, "page {p}, {}:{}", t.line, t.column),
                None => write!(f, "{}:{}", t.line, t.column),
            },
            Location::Cell(c) => match &c.cell_reference {
                Some(r) => write!(f, "{r} ({})", c.column),
                None => write!(f, "row {}, column {} ({})", c.row, c.column_index, c.column),
            },
            Location::Record(r) => match r.row_group {
                Some(g) => write!(f, "row group {}, record {} {}", g, r.record, r.json_path),
                None => write!(f, "record {} {}", r.record, r.json_path),
            },
        }
    }
}

/// A span of plain text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextLocation {
    /// 1-based line number.
    pub line: u64,
    /// 1-based column, in bytes from the start of the line.
    pub column: u64,
    /// 1-based column in UTF-16 code units (what SARIF consumers and most
    /// editors count), given only when it is not `column`: the line holds
    /// non-ASCII text before the value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column_utf16: Option<u64>,
    /// Offset of the first byte of the value.
    pub byte_start: u64,
    /// Offset one past the last byte of the value.
    pub byte_end: u64,
    /// In a PDF, the 1-based page (Macie's `pageNumber`); `line` is then the
    /// line on that page, and the offsets are in the text taken from the pages.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub page: Option<u64>,
}

#[cfg(test)]
impl TextLocation {
    /// A span of plain text outside any PDF page, as tests build one.
    pub(crate) fn plain(line: u64, column: u64, byte_start: u64, byte_end: u64) -> TextLocation {
        TextLocation { line, column, column_utf16: None, byte_start, byte_end, page: None }
    }
}

/// A cell of a delimited table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellLocation {
    /// 1-based line of the file where the value starts.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u64>,
    /// Offset of the first byte of the value, when the table was read as bytes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub byte_start: Option<u64>,
    /// Offset one past the last byte of the value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub byte_end: Option<u64>,
    /// 1-based row; the header, when there is one, is row 1 (as Macie's `cells`).
    pub row: u64,
    /// 1-based column index.
    pub column_index: u64,
    /// The column name from the header, or `column_<n>` when there is none.
    pub column: String,
    /// In a spreadsheet workbook, the cell as an absolute reference with
    /// its sheet (`Sheet1!C5`, `'Q1 data'!B2`), as Macie's `cellReference`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cell_reference: Option<String>,
}

/// A value inside a structured record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLocation {
    /// 0-based record index: 0 for a JSON document, the line index for JSONL,
    /// the row index for Parquet and Avro.
    pub record: u64,
    /// Path of the value inside the record, e.g. `$.customer.ssn` or `$.items[2].card`.
    pub json_path: String,
    /// The Parquet row group holding the record.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub row_group: Option<u64>,
    /// 1-based line where the value starts, for JSON text.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u64>,
    /// Offset of the first byte of the value, for JSON text.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub byte_start: Option<u64>,
    /// Offset one past the last byte of the value, for JSON text.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub byte_end: Option<u64>,
}

/// One sensitive value found in one source.
///
/// The raw value is kept only when the caller asked for it
/// ([`TextOptions::show_values`](crate::TextOptions::show_values)); every printer writes
/// [`Finding::redacted`] otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The path as given joined with the path below it, an `s3://bucket/key`
    /// URI, or an archive member such as `outer.zip!inner/file.csv`.
    pub source: String,
    /// The sensitive data type, e.g. `CREDIT_CARD_NUMBER` (Macie's managed data identifier ID).
    #[serde(rename = "type")]
    pub data_type: Symbol,
    /// The category of the type.
    pub category: Category,
    /// The id of the rule that matched, e.g. `pii.card.1`.
    pub rule: Symbol,
    /// Where the value is.
    pub location: Location,
    /// Whether a checksum or structural validator confirmed the value.
    pub validated: bool,
    /// How sure trawl is.
    pub confidence: Confidence,
    /// The value with most of it masked, e.g. `4532 **** **** 0366`.
    pub redacted: String,
    /// The raw value; present only when values were asked for.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
}
