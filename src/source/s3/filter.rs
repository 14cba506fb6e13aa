//! Object criteria, as Macie's jobs have them: include/exclude globs on the
//! key, extensions, a size range and a last-modified range; plus the objects
//! that cannot be read as they are (over `--max-filesize`). Archived objects
//! are selected: whether one can be read is known only by trying (a restored
//! GLACIER object is listed as GLACIER still). The key prefix comes from the URI and is applied by the
//! listing.

use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::report::Problem;
use crate::source::s3::error::{Kind, S3Error};
use crate::source::s3::list::ObjectInfo;

/// Storage classes whose objects must be restored before they can be read.
/// `GLACIER_IR` (Instant Retrieval) is readable at once. Objects of these
/// classes are still selected: a restored one is read like any other; one
/// that is not answers `InvalidObjectState` and is skipped with
/// [`archived_reason`].
pub const ARCHIVED_CLASSES: [&str; 2] = ["GLACIER", "DEEP_ARCHIVE"];

/// Why an object that answered `InvalidObjectState` was skipped, given the
/// storage class its listing gave: `skipped: storage class GLACIER (restore
/// the object to scan it)`, or for a class that is not archived as such (an
/// Intelligent-Tiering archive access tier) `skipped: storage class
/// INTELLIGENT_TIERING, archive tier (restore the object to scan it)`.
pub fn archived_reason(class: Option<&str>) -> String {
    match class {
        Some(c) if ARCHIVED_CLASSES.contains(&c) => {
            format!("skipped: storage class {c} (restore the object to scan it)")
        }
        Some(c) => format!("skipped: storage class {c}, archive tier (restore the object to scan it)"),
        None => "skipped: archived (restore the object to scan it)".to_string(),
    }
}

/// The criteria as given on the command line.
#[derive(Clone, Debug, Default)]
pub struct CriteriaOptions {
    /// `--glob` patterns; a leading `!` excludes. Exclusions win.
    pub globs: Vec<String>,
    /// Extensions without the dot (`csv`, `jsonl.gz`), matched case-insensitively.
    pub extensions: Vec<String>,
    /// Smallest size scanned, in bytes.
    pub min_size: Option<u64>,
    /// Largest size scanned, in bytes (objects outside the range are not selected).
    pub max_size: Option<u64>,
    /// Objects larger than this are reported as not scanned (`--max-filesize`).
    pub max_filesize: Option<u64>,
    /// Last modified at or after this time (RFC 3339 or YYYY-MM-DD).
    pub modified_after: Option<String>,
    /// Last modified before this time (RFC 3339 or YYYY-MM-DD).
    pub modified_before: Option<String>,
}

/// What to do with a listed object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Scan it.
    Scan,
    /// Not selected by the criteria: ignored silently (counted in the statistics).
    Excluded,
    /// Selected but not readable as it is: reported with the reason, not scanned.
    Skip(Problem),
}

/// Compiled criteria.
#[derive(Clone, Debug)]
pub struct Criteria {
    include: Option<Patterns>,
    exclude: Option<Patterns>,
    extensions: Vec<String>,
    min_size: Option<u64>,
    max_size: Option<u64>,
    max_filesize: Option<u64>,
    after: Option<i64>,
    before: Option<i64>,
}

/// Globs matched against the whole key, and (for globs without `/`) against
/// the key's last segment, as gitignore-style globs match.
#[derive(Clone, Debug)]
struct Patterns {
    full: GlobSet,
    base: GlobSet,
}

impl Patterns {
    fn build(globs: &[&str]) -> Result<Option<Patterns>, S3Error> {
        if globs.is_empty() {
            return Ok(None);
        }
        let (mut full, mut base) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        for g in globs {
            let err = |source| S3Error(Kind::Glob { glob: (*g).to_string(), source });
            let pattern = g.trim_start_matches('/');
            let glob: Glob = GlobBuilder::new(pattern).literal_separator(true).build().map_err(err)?;
            if g.contains('/') {
                full.add(glob);
            } else {
                base.add(glob);
            }
        }
        let err = |source| S3Error(Kind::Glob { glob: globs.join(" "), source });
        Ok(Some(Patterns { full: full.build().map_err(err)?, base: base.build().map_err(err)? }))
    }

    fn is_match(&self, key: &str) -> bool {
        let base = key.rsplit('/').next().unwrap_or(key);
        self.full.is_match(key) || self.base.is_match(base)
    }
}

/// Parses RFC 3339 (`2024-05-01T12:00:00Z`, offsets allowed) or a date
/// (`2024-05-01`, midnight UTC) into milliseconds since the epoch.
///
/// # Errors
/// Neither form parses.
pub fn parse_time(flag: &'static str, s: &str) -> Result<i64, S3Error> {
    let t = s.trim();
    let full = if t.len() == 10 { format!("{t}T00:00:00Z") } else { t.to_string() };
    let dt = DateTime::from_str(&full, DateTimeFormat::DateTimeWithOffset)
        .map_err(|e| S3Error::flag(flag, s, format!("expected RFC 3339 or YYYY-MM-DD ({e})")))?;
    dt.to_millis().map_err(|_| S3Error::flag(flag, s, "out of range"))
}

impl Criteria {
    /// Compiles the criteria.
    ///
    /// # Errors
    /// A glob or a time does not parse, or `--modified-after` is not before
    /// `--modified-before` (an empty range).
    pub fn new(o: &CriteriaOptions) -> Result<Criteria, S3Error> {
        let include: Vec<&str> = o.globs.iter().filter(|g| !g.starts_with('!')).map(String::as_str).collect();
        let exclude: Vec<&str> = o.globs.iter().filter_map(|g| g.strip_prefix('!')).collect();
        let extensions = o
            .extensions
            .iter()
            .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .map(|e| format!(".{e}"))
            .collect();
        let after = o.modified_after.as_deref().map(|s| parse_time("--modified-after", s)).transpose()?;
        let before = o.modified_before.as_deref().map(|s| parse_time("--modified-before", s)).transpose()?;
        if let (Some(a), Some(b), Some(text), Some(until)) = (after, before, &o.modified_after, &o.modified_before)
            && a >= b
        {
            let why = format!("not before --modified-before {until:?}: no object could match");
            return Err(S3Error::flag("--modified-after", text, why));
        }
        Ok(Criteria {
            include: Patterns::build(&include)?,
            exclude: Patterns::build(&exclude)?,
            extensions,
            min_size: o.min_size,
            max_size: o.max_size,
            max_filesize: o.max_filesize,
            after,
            before,
        })
    }

    /// The flag that needs each object's size (`--min-size` or `--max-size`), if any.
    pub(crate) fn size_flag(&self) -> Option<&'static str> {
        match (self.min_size, self.max_size) {
            (Some(_), _) => Some("--min-size"),
            (None, Some(_)) => Some("--max-size"),
            (None, None) => None,
        }
    }

    /// The flag that needs each object's last-modified time, if any.
    pub(crate) fn time_flag(&self) -> Option<&'static str> {
        match (self.after, self.before) {
            (Some(_), _) => Some("--modified-after"),
            (None, Some(_)) => Some("--modified-before"),
            (None, None) => None,
        }
    }

    /// Objects larger than this are not scanned (`--max-filesize`).
    pub(crate) fn max_filesize(&self) -> Option<u64> {
        self.max_filesize
    }

    /// Decides what to do with `obj`, whose URI is `uri`.
    pub fn verdict(&self, obj: &ObjectInfo, uri: &str) -> Verdict {
        // A zero-byte key ending in `/` is a console "folder", not data.
        if obj.key.ends_with('/') && obj.size == 0 {
            return Verdict::Excluded;
        }
        if self.exclude.as_ref().is_some_and(|p| p.is_match(&obj.key)) {
            return Verdict::Excluded;
        }
        if self.include.as_ref().is_some_and(|p| !p.is_match(&obj.key)) {
            return Verdict::Excluded;
        }
        if !self.extensions.is_empty() {
            let lower = obj.key.to_ascii_lowercase();
            if !self.extensions.iter().any(|e| lower.ends_with(e.as_str())) {
                return Verdict::Excluded;
            }
        }
        if self.min_size.is_some_and(|m| obj.size < m) || self.max_size.is_some_and(|m| obj.size > m) {
            return Verdict::Excluded;
        }
        if self.after.is_some() || self.before.is_some() {
            let Some(t) = obj.last_modified else { return Verdict::Excluded };
            if self.after.is_some_and(|a| t < a) || self.before.is_some_and(|b| t >= b) {
                return Verdict::Excluded;
            }
        }
        if let Some(max) = self.max_filesize
            && obj.size > max
        {
            return Verdict::Skip(Problem::error(uri, format!("larger than --max-filesize ({} bytes)", obj.size)));
        }
        Verdict::Scan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(key: &str, size: u64) -> ObjectInfo {
        ObjectInfo {
            bucket: "b".into(),
            key: key.into(),
            size,
            etag: None,
            last_modified: Some(parse_time("t", "2024-06-01").unwrap()),
            storage_class: None,
        }
    }

    fn crit(f: impl FnOnce(&mut CriteriaOptions)) -> Criteria {
        let mut o = CriteriaOptions::default();
        f(&mut o);
        Criteria::new(&o).unwrap()
    }

    fn scans(c: &Criteria, o: &ObjectInfo) -> bool {
        c.verdict(o, "s3://b/k") == Verdict::Scan
    }

    #[test]
    fn globs_with_exclusion_winning() {
        let c = crit(|o| o.globs = vec!["*.csv".into(), "logs/**".into(), "!secret*".into(), "!logs/old/**".into()]);
        assert!(scans(&c, &obj("a/b/data.csv", 10)), "basename glob matches at any depth");
        assert!(scans(&c, &obj("logs/x/y.txt", 10)));
        assert!(!scans(&c, &obj("a/data.json", 10)), "not included");
        assert!(!scans(&c, &obj("a/secret-data.csv", 10)), "exclusion wins over *.csv");
        assert!(!scans(&c, &obj("logs/old/y.csv", 10)), "exclusion wins over logs/**");
        let only_exclude = crit(|o| o.globs = vec!["!*.tmp".into()]);
        assert!(scans(&only_exclude, &obj("x.csv", 1)));
        assert!(!scans(&only_exclude, &obj("dir/x.tmp", 1)));
        let slash = crit(|o| o.globs = vec!["data/*.csv".into()]);
        assert!(scans(&slash, &obj("data/x.csv", 1)));
        assert!(!scans(&slash, &obj("data/sub/x.csv", 1)), "* does not cross /");
        assert!(Criteria::new(&CriteriaOptions { globs: vec!["a[".into()], ..Default::default() }).is_err());
    }

    #[test]
    fn extensions_sizes_times() {
        let c = crit(|o| o.extensions = vec!["CSV".into(), ".jsonl.gz".into()]);
        assert!(scans(&c, &obj("x.csv", 1)));
        assert!(scans(&c, &obj("x.JSONL.GZ", 1)));
        assert!(!scans(&c, &obj("x.jsonl", 1)));
        assert!(!scans(&c, &obj("xcsv", 1)));
        let c = crit(|o| {
            o.min_size = Some(10);
            o.max_size = Some(20);
        });
        assert!(!scans(&c, &obj("a", 9)));
        assert!(scans(&c, &obj("a", 10)));
        assert!(scans(&c, &obj("a", 20)));
        assert!(!scans(&c, &obj("a", 21)));
        let c = crit(|o| {
            o.modified_after = Some("2024-06-01".into());
            o.modified_before = Some("2024-06-02T00:00:00+00:00".into());
        });
        assert!(scans(&c, &obj("a", 1)), "after is inclusive");
        let mut late = obj("a", 1);
        late.last_modified = Some(parse_time("t", "2024-06-02T00:00:00Z").unwrap());
        assert!(!scans(&c, &late), "before is exclusive");
        let mut early = obj("a", 1);
        early.last_modified = Some(parse_time("t", "2024-05-31T23:59:59Z").unwrap());
        assert!(!scans(&c, &early));
        let mut unknown = obj("a", 1);
        unknown.last_modified = None;
        assert!(!scans(&c, &unknown), "no time, no match when a range is asked");
        assert!(parse_time("--modified-after", "yesterday").is_err());
        for (after, before) in [("2024-06-02", "2024-06-01"), ("2024-06-01", "2024-06-01T00:00:00Z")] {
            let o = CriteriaOptions {
                modified_after: Some(after.into()),
                modified_before: Some(before.into()),
                ..Default::default()
            };
            let e = Criteria::new(&o).unwrap_err().to_string();
            assert!(e.starts_with("invalid --modified-after") && e.contains("not before --modified-before"), "{e}");
        }
        assert_eq!(parse_time("t", "1970-01-02").unwrap(), 86_400_000);
        assert_eq!(parse_time("t", "1970-01-01T01:00:00+01:00").unwrap(), 0);
    }

    #[test]
    fn archived_classes_are_tried_and_the_size_limit_is_skipped_with_reason() {
        let c = crit(|o| o.max_filesize = Some(100));
        for class in ["GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "STANDARD", "INTELLIGENT_TIERING"] {
            let mut o = obj("a.csv", 10);
            o.storage_class = Some(class.into());
            assert_eq!(c.verdict(&o, "s3://b/a.csv"), Verdict::Scan, "{class}: restored or not, it is tried");
        }
        assert_eq!(archived_reason(Some("GLACIER")), "skipped: storage class GLACIER (restore the object to scan it)");
        assert_eq!(
            archived_reason(Some("INTELLIGENT_TIERING")),
            "skipped: storage class INTELLIGENT_TIERING, archive tier (restore the object to scan it)"
        );
        assert_eq!(archived_reason(None), "skipped: archived (restore the object to scan it)");
        match c.verdict(&obj("big", 101), "s3://b/big") {
            Verdict::Skip(p) => assert_eq!(p.severity, crate::report::Severity::Error),
            v => panic!("{v:?}"),
        }
        assert_eq!(c.verdict(&obj("dir/", 0), "s3://b/dir/"), Verdict::Excluded);
    }
}
