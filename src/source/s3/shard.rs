//! `--shard I/N`: a deterministic partition of the keyspace by a hash of the
//! key, so that N workers sweep one bucket with no overlap and no gap.

use std::fmt;

use crate::source::s3::error::{Kind, S3Error};

/// The environment variables `--shard auto/N` reads the index from, in order:
/// AWS Batch array jobs, then Kubernetes Indexed Jobs.
pub const INDEX_VARS: [&str; 2] = ["AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX"];

/// Shard `index` of `count`: the objects whose key hashes (xxh3-64 of the key
/// bytes) to `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index of this shard.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N`, or `auto/N` with I read from [`INDEX_VARS`].
    ///
    /// # Errors
    /// The spec is malformed, `I >= N`, `N == 0`, or `auto` finds no index variable.
    pub fn parse(spec: &str) -> Result<Shard, S3Error> {
        Shard::parse_with(spec, |name| std::env::var(name).ok())
    }

    /// [`Shard::parse`] with the environment given by `env` (for tests).
    ///
    /// # Errors
    /// As [`Shard::parse`].
    pub fn parse_with(spec: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, S3Error> {
        let bad = |why: String| S3Error(Kind::Shard { spec: spec.to_string(), why });
        let (i, n) = spec.split_once('/').ok_or_else(|| bad("expected I/N or auto/N, e.g. 0/4".into()))?;
        let count: u64 = n.trim().parse().map_err(|_| bad(format!("{n:?} is not a number")))?;
        if count == 0 {
            return Err(bad("N must be at least 1".into()));
        }
        let index: u64 = if i.trim() == "auto" {
            let (var, value) = INDEX_VARS
                .iter()
                .find_map(|v| env(v).filter(|s| !s.trim().is_empty()).map(|s| (*v, s)))
                .ok_or_else(|| bad(format!("auto needs {} or {} to be set", INDEX_VARS[0], INDEX_VARS[1])))?;
            value.trim().parse().map_err(|_| bad(format!("{var}={value:?} is not a number")))?
        } else {
            i.trim().parse().map_err(|_| bad(format!("{i:?} is not a number")))?
        };
        if index >= count {
            return Err(bad(format!("index {index} is not below {count}")));
        }
        Ok(Shard { index, count })
    }

    /// Whether `key` belongs to this shard.
    pub fn contains(&self, key: &str) -> bool {
        shard_of(key, self.count) == self.index
    }

    /// `I-of-N`, for file names.
    pub fn label(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard of `key` among `count` shards.
pub fn shard_of(key: &str, count: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes()) % count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_specs() {
        let none = |_: &str| None;
        assert_eq!(Shard::parse_with("1/3", none).unwrap(), Shard { index: 1, count: 3 });
        assert_eq!(Shard::parse_with(" 0 / 1 ", none).unwrap(), Shard { index: 0, count: 1 });
        for bad in ["3/3", "1/0", "x/2", "1", "1/y", "-1/2", "auto/2"] {
            assert!(Shard::parse_with(bad, none).is_err(), "{bad}");
        }
        let batch = |v: &str| (v == "AWS_BATCH_JOB_ARRAY_INDEX").then(|| "2".to_string());
        assert_eq!(Shard::parse_with("auto/4", batch).unwrap(), Shard { index: 2, count: 4 });
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "3".to_string());
        assert_eq!(Shard::parse_with("auto/4", k8s).unwrap(), Shard { index: 3, count: 4 });
        assert!(Shard::parse_with("auto/3", k8s).is_err(), "index out of range");
        let junk = |_: &str| Some("seven".to_string());
        assert!(Shard::parse_with("auto/9", junk).is_err());
    }

    #[test]
    fn shards_partition_keys() {
        let keys: Vec<String> = (0..3000).map(|i| format!("data/part-{i:05}.csv")).collect();
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        let mut sizes = [0usize; 3];
        for k in &keys {
            let owners: Vec<_> = shards.iter().filter(|s| s.contains(k)).collect();
            assert_eq!(owners.len(), 1, "{k} must belong to exactly one shard");
            sizes[owners[0].index as usize] += 1;
        }
        for s in sizes {
            assert!((800..1200).contains(&s), "shards are roughly balanced: {sizes:?}");
        }
        // Stable across runs and machines: pinned.
        assert_eq!(
            shard_of("data/part-00000.csv", 1_000_000),
            xxhash_rust::xxh3::xxh3_64(b"data/part-00000.csv") % 1_000_000
        );
        assert_eq!(Shard { index: 1, count: 3 }.label(), "1-of-3");
    }
}
