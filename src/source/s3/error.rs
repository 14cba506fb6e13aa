//! The error type of the S3 source: what stops a sweep before or outside any
//! one object (a bad URI or flag, an unreadable state file or manifest).
//!
//! Failures of single objects are not errors here: they are reported to the
//! sink as [`Problem`](crate::report::Problem)s and the sweep goes on.

/// An error that stops an S3 sweep (or prevents it from starting).
///
/// The message names the URI, flag or file at fault; `source()` gives the cause.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct S3Error(#[from] pub(crate) Kind);

#[derive(Debug, thiserror::Error)]
pub(crate) enum Kind {
    #[error("invalid S3 URI {uri:?}: {why}")]
    Uri { uri: String, why: &'static str },
    #[error("invalid --shard {spec:?}: {why}")]
    Shard { spec: String, why: String },
    #[error("invalid {flag} {value:?}: {why}")]
    Flag { flag: &'static str, value: String, why: String },
    #[error("invalid --glob {glob:?}")]
    Glob { glob: String, source: globset::Error },
    #[error("failed to start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("failed to start a scanning thread")]
    Thread(#[source] std::io::Error),
    #[error("failed to read {what} {place}: {why}")]
    Read { what: &'static str, place: String, why: String },
    #[error("invalid {what} {place}: {why}")]
    Parse { what: &'static str, place: String, why: String },
}

impl S3Error {
    pub(crate) fn uri(uri: &str, why: &'static str) -> S3Error {
        S3Error(Kind::Uri { uri: uri.to_string(), why })
    }

    pub(crate) fn flag(flag: &'static str, value: &str, why: impl Into<String>) -> S3Error {
        S3Error(Kind::Flag { flag, value: value.to_string(), why: why.into() })
    }

    pub(crate) fn read(what: &'static str, place: impl std::fmt::Display, why: impl Into<String>) -> S3Error {
        S3Error(Kind::Read { what, place: place.to_string(), why: why.into() })
    }

    pub(crate) fn parse(what: &'static str, place: impl std::fmt::Display, why: impl Into<String>) -> S3Error {
        S3Error(Kind::Parse { what, place: place.to_string(), why: why.into() })
    }
}
