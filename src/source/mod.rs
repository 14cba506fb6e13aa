//! Where bytes come from: local paths (`fs.rs`, `read.rs`) and S3 (`s3/`).
//!
//! Sources know nothing of rules or formats: they produce [`Data`](crate::extract::Data)
//! for the extractor and report what they could not read.

pub mod fs;
pub mod read;
#[cfg(feature = "s3")]
pub mod s3;
