//! `s3://bucket/key` URIs, and [`Place`]: a file that is either local or in S3
//! (state files, results prefixes, inventory manifests).

use std::fmt;
use std::path::PathBuf;

use crate::source::s3::error::S3Error;

/// A parsed `s3://bucket/key` URI. The key may be empty (a whole bucket) or a
/// prefix (`s3://bucket/logs/2024/`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct S3Uri {
    /// The bucket name.
    pub bucket: String,
    /// The key, or key prefix, without the leading `/`.
    pub key: String,
}

impl S3Uri {
    /// Whether `s` is an S3 URI: it starts with `s3://`, in any case (`S3://`).
    pub fn is_s3(s: &str) -> bool {
        s.get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("s3://"))
    }

    /// Parses `s3://bucket` or `s3://bucket/key` (the scheme in any case).
    ///
    /// # Errors
    /// The string does not start with `s3://` or names no bucket.
    pub fn parse(s: &str) -> Result<S3Uri, S3Error> {
        let rest =
            s.get(5..).filter(|_| S3Uri::is_s3(s)).ok_or_else(|| S3Error::uri(s, "does not start with s3://"))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(S3Error::uri(s, "no bucket name"));
        }
        if bucket.chars().any(|c| c.is_whitespace() || c == '\\') {
            return Err(S3Error::uri(s, "invalid bucket name"));
        }
        Ok(S3Uri { bucket: bucket.to_string(), key: key.to_string() })
    }

    /// The URI of object `key` in `bucket`: `s3://bucket/key`.
    pub fn object(bucket: &str, key: &str) -> String {
        format!("s3://{bucket}/{key}")
    }
}

impl fmt::Display for S3Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// A file or directory named on the command line: a local path or an S3 URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A local path.
    Local(PathBuf),
    /// An object (or prefix) in S3.
    S3(S3Uri),
}

impl Place {
    /// `s3://...` (in any case) is S3, anything else a local path.
    ///
    /// # Errors
    /// An `s3://` string names no bucket.
    pub fn parse(s: &str) -> Result<Place, S3Error> {
        if S3Uri::is_s3(s) { Ok(Place::S3(S3Uri::parse(s)?)) } else { Ok(Place::Local(PathBuf::from(s))) }
    }

    /// The place `name` inside this one taken as a directory (or key prefix).
    pub fn join(&self, name: &str) -> Place {
        match self {
            Place::Local(p) => Place::Local(p.join(name)),
            Place::S3(u) => {
                let key = if u.key.is_empty() || u.key.ends_with('/') {
                    format!("{}{name}", u.key)
                } else {
                    format!("{}/{name}", u.key)
                };
                Place::S3(S3Uri { bucket: u.bucket.clone(), key })
            }
        }
    }

    /// The place whose name is this one's with `suffix` inserted before the
    /// extensions (`state.jsonl` + `-shard-1-of-3` = `state-shard-1-of-3.jsonl`).
    pub fn with_suffix(&self, suffix: &str) -> Place {
        fn insert(name: &str, suffix: &str) -> String {
            let (dir, base) = match name.rfind('/') {
                Some(i) => name.split_at(i + 1),
                None => ("", name),
            };
            match base.find('.').filter(|&i| i > 0) {
                Some(i) => format!("{dir}{}{suffix}{}", &base[..i], &base[i..]),
                None => format!("{dir}{base}{suffix}"),
            }
        }
        match self {
            Place::Local(p) => Place::Local(PathBuf::from(insert(&p.to_string_lossy(), suffix))),
            Place::S3(u) => Place::S3(S3Uri { bucket: u.bucket.clone(), key: insert(&u.key, suffix) }),
        }
    }

    /// Whether the name ends in `.gz`.
    pub fn is_gzip(&self) -> bool {
        match self {
            Place::Local(p) => p.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz")),
            Place::S3(u) => u.key.to_ascii_lowercase().ends_with(".gz"),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Local(p) => write!(f, "{}", p.display()),
            Place::S3(u) => u.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_uris() {
        let u = S3Uri::parse("s3://bucket/a/b.csv").unwrap();
        assert_eq!((u.bucket.as_str(), u.key.as_str()), ("bucket", "a/b.csv"));
        let u = S3Uri::parse("s3://bucket").unwrap();
        assert_eq!((u.bucket.as_str(), u.key.as_str()), ("bucket", ""));
        let u = S3Uri::parse("s3://bucket/").unwrap();
        assert_eq!(u.key, "");
        assert!(S3Uri::parse("s3:///key").is_err());
        assert!(S3Uri::parse("http://x/y").is_err());
        assert_eq!(S3Uri::parse("S3://Bucket/Key").unwrap().to_string(), "s3://Bucket/Key", "the scheme in any case");
        assert!(S3Uri::is_s3("s3://b") && S3Uri::is_s3("S3://b") && !S3Uri::is_s3("s3:/b") && !S3Uri::is_s3("s3"));
        assert_eq!(Place::parse("S3://b/state.jsonl").unwrap().to_string(), "s3://b/state.jsonl");
        assert_eq!(S3Uri::object("b", "k/x"), "s3://b/k/x");
    }

    #[test]
    fn places() {
        let p = Place::parse("s3://b/results").unwrap();
        assert_eq!(p.join("x.gz").to_string(), "s3://b/results/x.gz");
        let p = Place::parse("s3://b/results/").unwrap();
        assert_eq!(p.join("x.gz").to_string(), "s3://b/results/x.gz");
        let p = Place::parse("s3://b").unwrap();
        assert_eq!(p.join("x.gz").to_string(), "s3://b/x.gz");
        let p = Place::parse("/tmp/out").unwrap();
        assert_eq!(p.join("x.gz"), Place::Local(PathBuf::from("/tmp/out/x.gz")));
        assert_eq!(
            Place::parse("s3://b/dir.v1/state.jsonl.gz").unwrap().with_suffix("-shard-1-of-3").to_string(),
            "s3://b/dir.v1/state-shard-1-of-3.jsonl.gz"
        );
        assert_eq!(Place::parse("state").unwrap().with_suffix("-x").to_string(), "state-x");
        assert!(Place::parse("a/state.jsonl.GZ").unwrap().is_gzip());
        assert!(!Place::parse("s3://b/state.jsonl").unwrap().is_gzip());
    }
}
