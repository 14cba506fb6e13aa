//! S3: sweeping buckets for sensitive data, as Amazon Macie's discovery jobs
//! do — scheduled, incremental, resumable and sharded.
//!
//! [`sweep()`] lists objects under `s3://bucket/prefix` URIs (ListObjectsV2,
//! paginated, or an S3 Inventory report), selects them with Macie-like
//! criteria ([`CriteriaOptions`]), fetches them concurrently and scans each
//! through the same [`Extractor`](crate::extract::Extractor) as local files:
//! small objects whole, large ones as bounded streams of chunks, Parquet and
//! zip with ranged GETs ([`RandomAccess`](crate::extract::RandomAccess)).
//! Findings name `s3://bucket/key` (members: `s3://bucket/key.zip!member`).
//!
//! All async code lives in this module: the sweep starts its own tokio
//! runtime, and scanning happens on plain threads that read through
//! synchronous adapters; detection never sees a future.
//!
//! Faults: requests are retried by the SDK (throttling, 5xx, timeouts, broken
//! connections: exponential backoff with jitter, `retries` times); a body that
//! breaks off is resumed from the byte reached if the ETag is unchanged, and
//! an object that changed meanwhile is scanned again from the start with the
//! findings of the first attempt dropped (they are held back until an object
//! is done). An object that still fails is reported as a
//! [`Problem`](crate::report::Problem) naming it, and the sweep goes on.
//!
//! Incremental sweeps ([`S3Options::state`]) record what was scanned (see the
//! format in `state.rs`) and checkpoint it during the sweep, so a sweep that
//! is killed resumes without rescanning what it finished. Discovery results
//! ([`S3Options::results`]) give one record per object ([`Record`]), without
//! any value. [`Shard`] splits a bucket between workers.

mod client;
mod error;
mod filter;
mod inventory;
mod list;
mod object;
mod results;
mod retry;
mod scan;
mod shard;
mod state;
mod store;
mod sweep;
mod uri;

pub use client::ClientOptions;
pub use error::S3Error;
pub use filter::{ARCHIVED_CLASSES, Criteria, CriteriaOptions, Verdict, archived_reason, parse_time};
pub use list::{ObjectInfo, normalize_etag};
pub use results::{MAX_OCCURRENCES, Occurrence, ProblemRecord, Record, Status, Tally};
pub use shard::{INDEX_VARS, Shard, shard_of};
pub use sweep::{Checkpoint, S3Options, SinkFactory, SweepStats, sweep};
pub use uri::{Place, S3Uri};
