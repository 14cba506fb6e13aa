//! The incremental sweep state (`--state`): which objects were scanned, in
//! which version, with which rules and settings.
//!
//! # Format
//! JSON Lines (gzip-compressed when the name ends in `.gz`). The first line
//! is a header, then one line per object scanned, sorted by URI:
//! ```text
//! {"trawl_state":1,"rules_version":"9f1c2d3e4b5a6978","settings":"04c5a1e2f3b4d5c6","updated":"2024-06-01T02:00:00Z"}
//! {"uri":"s3://bucket/a.csv","etag":"9a0364b9e99bb480dd25e1f0284c8555","size":1234,"last_modified_ms":1717200000000}
//! ```
//! An object is unchanged when its size matches and its ETag matches (or,
//! for stores that list no ETag, its last-modified time). When the header's
//! rules version or settings fingerprint differs from the ones in use (the
//! rules changed, or a setting that changes what is found or reported, such
//! as `--min-confidence` or an allow list), the state is ignored and every
//! object is scanned again. A header without `settings` (written before
//! settings were recorded) matches no settings but empty ones. Only objects scanned to the end (complete,
//! or partial for a reason inherent to the object such as a corrupt archive
//! member) are recorded; failed and skipped objects are not, so the next
//! run tries them again.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::source::s3::error::S3Error;
use crate::source::s3::list::ObjectInfo;

/// The format version in the header.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Header {
    trawl_state: u32,
    rules_version: String,
    #[serde(default)]
    settings: String,
    #[serde(default)]
    updated: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    etag: Option<String>,
    size: u64,
    last_modified: Option<i64>,
}

/// The rules and settings a state is valid for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Version {
    /// The rule set's fingerprint.
    pub(crate) rules: String,
    /// The fingerprint of the other settings that change findings.
    pub(crate) settings: String,
}

/// What the last runs scanned.
#[derive(Debug)]
pub(crate) struct State {
    version: Version,
    entries: HashMap<String, Entry>,
    /// Objects recorded by this run (never pruned).
    recorded: HashSet<String>,
}

impl State {
    /// An empty state for `version`.
    pub(crate) fn fresh(version: &Version) -> State {
        State { version: version.clone(), entries: HashMap::new(), recorded: HashSet::new() }
    }

    /// Reads a state file; an empty state when its rules version or settings
    /// are not `version`'s (the rules or settings changed: everything is
    /// scanned again).
    ///
    /// # Errors
    /// The file is not a state file.
    pub(crate) fn parse(bytes: &[u8], version: &Version, place: &str) -> Result<State, S3Error> {
        let bad = |why: String| S3Error::parse("state file", place, why);
        let mut text = Vec::new();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut text).map_err(|e| bad(format!("gzip: {e}")))?;
        } else {
            text.extend_from_slice(bytes);
        }
        let mut lines = text.split(|&b| b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace));
        let Some(first) = lines.next() else { return Ok(State::fresh(version)) };
        let header: Header = serde_json::from_slice(first).map_err(|e| bad(format!("header: {e}")))?;
        if header.trawl_state != FORMAT {
            return Err(bad(format!("unknown format version {}", header.trawl_state)));
        }
        if header.rules_version != version.rules || header.settings != version.settings {
            return Ok(State::fresh(version));
        }
        let mut entries = HashMap::new();
        for (i, l) in lines.enumerate() {
            let line: Line = serde_json::from_slice(l).map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
            entries.insert(line.uri, Entry { etag: line.etag, size: line.size, last_modified: line.last_modified_ms });
        }
        Ok(State { version: version.clone(), entries, recorded: HashSet::new() })
    }

    /// Number of objects recorded.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `uri` is recorded at all.
    pub(crate) fn contains(&self, uri: &str) -> bool {
        self.entries.contains_key(uri)
    }

    /// Whether `info` (named `uri`) was scanned in this version with these rules.
    pub(crate) fn unchanged(&self, info: &ObjectInfo, uri: &str) -> bool {
        let Some(e) = self.entries.get(uri) else { return false };
        if e.size != info.size {
            return false;
        }
        match (&e.etag, &info.etag, e.last_modified, info.last_modified) {
            (Some(a), Some(b), _, _) => a == b,
            (_, _, Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    /// Records `info` as scanned, in the version whose ETag is `etag`
    /// (from the GET; the listing's when the GET gave none).
    pub(crate) fn record(&mut self, info: &ObjectInfo, uri: &str, etag: Option<&str>) {
        let etag = etag.map(str::to_string).or_else(|| info.etag.clone());
        self.entries.insert(uri.to_string(), Entry { etag, size: info.size, last_modified: info.last_modified });
        self.recorded.insert(uri.to_string());
    }

    /// Forgets objects under `prefix_uri` that are neither in `seen` (listed
    /// by this run) nor recorded by this run: they were deleted.
    pub(crate) fn prune(&mut self, prefix_uri: &str, seen: &HashSet<String>) -> usize {
        let before = self.entries.len();
        let recorded = &self.recorded;
        self.entries.retain(|uri, _| !uri.starts_with(prefix_uri) || seen.contains(uri) || recorded.contains(uri));
        before - self.entries.len()
    }

    /// The file's bytes; gzip-compressed when `gzip`.
    pub(crate) fn to_bytes(&self, gzip: bool, updated: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.entries.len() * 96);
        let header = Header {
            trawl_state: FORMAT,
            rules_version: self.version.rules.clone(),
            settings: self.version.settings.clone(),
            updated: updated.into(),
        };
        serde_json::to_writer(&mut out, &header).expect("state header serializes");
        out.push(b'\n');
        let mut uris: Vec<&String> = self.entries.keys().collect();
        uris.sort();
        for uri in uris {
            let e = &self.entries[uri];
            let line = Line { uri: uri.clone(), etag: e.etag.clone(), size: e.size, last_modified_ms: e.last_modified };
            serde_json::to_writer(&mut out, &line).expect("state line serializes");
            out.push(b'\n');
        }
        if !gzip {
            return out;
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&out).expect("writing to memory");
        enc.finish().expect("writing to memory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(key: &str, size: u64, etag: Option<&str>, mtime: Option<i64>) -> ObjectInfo {
        ObjectInfo {
            bucket: "b".into(),
            key: key.into(),
            size,
            etag: etag.map(String::from),
            last_modified: mtime,
            storage_class: None,
        }
    }

    fn v(rules: &str) -> Version {
        Version { rules: rules.into(), settings: "s1".into() }
    }

    #[test]
    fn round_trip_and_change_detection() {
        let mut s = State::fresh(&v("v1"));
        let a = info("a.csv", 10, Some("e1"), Some(5));
        let b = info("b.csv", 20, None, Some(7));
        s.record(&a, "s3://b/a.csv", Some("e1"));
        s.record(&b, "s3://b/b.csv", None);
        for gzip in [false, true] {
            let bytes = s.to_bytes(gzip, "2024-01-01T00:00:00Z");
            assert_eq!(gzip, bytes.starts_with(&[0x1f, 0x8b]));
            let t = State::parse(&bytes, &v("v1"), "state").unwrap();
            assert_eq!(t.len(), 2);
            assert!(t.unchanged(&a, "s3://b/a.csv"));
            assert!(!t.unchanged(&info("a.csv", 10, Some("e2"), Some(5)), "s3://b/a.csv"), "new etag");
            assert!(!t.unchanged(&info("a.csv", 11, Some("e1"), Some(5)), "s3://b/a.csv"), "new size");
            assert!(t.unchanged(&b, "s3://b/b.csv"), "no etag: last-modified decides");
            assert!(!t.unchanged(&info("b.csv", 20, None, Some(8)), "s3://b/b.csv"));
            assert!(!t.unchanged(&info("c.csv", 1, None, None), "s3://b/c.csv"), "new object");
            let other_rules = State::parse(&bytes, &v("v2"), "state").unwrap();
            assert_eq!(other_rules.len(), 0, "rules changed: everything is scanned again");
            let other_settings = Version { rules: "v1".into(), settings: "s2".into() };
            assert_eq!(State::parse(&bytes, &other_settings, "state").unwrap().len(), 0, "settings changed");
        }
        let text = String::from_utf8(s.to_bytes(false, "now")).unwrap();
        assert!(text.starts_with("{\"trawl_state\":1,\"rules_version\":\"v1\",\"settings\":\"s1\""), "{text}");
        assert_eq!(text.lines().count(), 3);
        assert!(State::parse(b"not json\n", &v("v1"), "state").is_err());
        assert_eq!(State::parse(b"", &v("v1"), "state").unwrap().len(), 0);
        // A state written before settings were recorded: trusted only without settings.
        let old = b"{\"trawl_state\":1,\"rules_version\":\"v1\"}\n{\"uri\":\"s3://b/a.csv\",\"size\":10}\n";
        assert_eq!(State::parse(old, &v("v1"), "state").unwrap().len(), 0);
        assert_eq!(
            State::parse(old, &Version { rules: "v1".into(), settings: String::new() }, "state").unwrap().len(),
            1
        );
    }

    #[test]
    fn prune_forgets_deleted_objects_under_the_prefix_only() {
        let mut s = State::fresh(&v("v"));
        for k in ["p/a", "p/b", "q/c"] {
            s.record(&info(k, 1, Some("e"), None), &format!("s3://b/{k}"), None);
        }
        let mut s = State::parse(&s.to_bytes(false, "t"), &v("v"), "state").unwrap();
        s.record(&info("p/new", 1, Some("e"), None), "s3://b/p/new", None);
        let seen: HashSet<String> = ["s3://b/p/a".to_string()].into();
        assert_eq!(s.prune("s3://b/p/", &seen), 1);
        assert!(s.contains("s3://b/p/a") && !s.contains("s3://b/p/b") && s.contains("s3://b/q/c"));
        assert!(s.contains("s3://b/p/new"), "scanned by this run: kept");
    }
}
