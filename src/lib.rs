//! trawl finds sensitive data (PII, financial data, credentials) in bytes,
//! files, archives, datasets and S3 objects, fast enough to run on every
//! dataset before it is uploaded or used to train a model.
//!
//! Detection types are named after Amazon Macie's managed data identifiers
//! (`CREDIT_CARD_NUMBER`, `USA_SOCIAL_SECURITY_NUMBER`, `AWS_CREDENTIALS`...)
//! so that findings compare with Macie's.
//!
//! # Overview
//! - [`Rules`]: rule sets loaded from TOML (the built-in `patterns/` and user files).
//! - [`Scanner`]: the compiled rules; `Send + Sync`, build once and share.
//! - [`Scratch`]: per-thread working memory for a scanner.
//! - [`Finding`] and [`Location`]: what is reported and where.
//! - [`Sink`]: receives findings as a scan produces them.
//! - [`extract`]: scanning files by format (text, CSV, JSON, Parquet, archives),
//!   and Arrow record batches in memory ([`extract::Extractor::scan_record_batch`]).
//!
//! # Example
//! ```
//! use trawl::{Finding, Rules, Scanner, TextOptions};
//!
//! let scanner = Scanner::new(&Rules::builtin()?)?;
//! let mut scratch = scanner.scratch();
//! let mut findings: Vec<Finding> = Vec::new();
//! scanner.scan_slice(&mut scratch, b"contact: jane.doe@example.com", "inline", &TextOptions::default(), &mut findings);
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].data_type.as_ref(), "EMAIL_ADDRESS");
//! assert_eq!(findings[0].redacted, "j*******@example.com");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//! - `s3` (default): scan `s3://` URIs with `aws-sdk-s3`.
//! - `parquet` (default): read Parquet files.
//! - `avro` (default): read Avro object container files.

#![deny(missing_docs)]
#![deny(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod detect;
pub mod report;
pub mod rules;
pub mod validate;

pub use detect::stream::{TextOptions, TextStats};
pub use detect::{Context, Match, RuleInfo, Scanner, Scratch};
pub use report::{
    Category, CellLocation, Collect, Confidence, Finding, Location, Problem, RecordLocation, Scanned, Severity, Sink,
    Symbol, TextLocation, redact,
};
pub use rules::{AllowList, RuleError, Rules};
pub mod extract;
pub mod source;
#[cfg(test)]
mod testutil;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
