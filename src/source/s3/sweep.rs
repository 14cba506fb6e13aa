//! The sweep: list (or read an inventory), select, fetch concurrently, scan
//! on synchronous threads, record results and state, checkpoint.
//!
//! ```text
//!  tokio runtime (2 threads)                      scanning threads (-j, each with its Scratch)
//!  list / inventory ─► shard ─► criteria ─► state ─► fetch (≤ --concurrency objects in flight)
//!                                                     │ small: whole body · stream: chunks ·
//!                                                     │ Parquet/zip: ranged GETs
//!                                                     └──── jobs ────► Extractor ─► sink
//!                                                                       └─► results + state ─► checkpoint
//! ```
//! An object holds one of `--concurrency` permits from its first GET until
//! its scan is done, so the bytes in memory are bounded by `--concurrency`
//! times (1 MiB whole body, or a 64 KiB head plus 2 MiB of chunks ahead, or
//! 8 MiB of cached ranges).

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use crate::extract::Extractor;
use crate::report::{Confidence, Problem, Sink};
use crate::source::s3::client::{ClientOptions, Clients};
use crate::source::s3::error::{Kind, S3Error};
use crate::source::s3::filter::{Criteria, CriteriaOptions, Verdict};
use crate::source::s3::list::{self, ObjectInfo};
use crate::source::s3::object::{self, Fetched, Flags, Remote};
use crate::source::s3::results::{Record, Results, Status};
use crate::source::s3::retry::Failure;
use crate::source::s3::scan::{self, Outcome};
use crate::source::s3::shard::Shard;
use crate::source::s3::state::{State, Version};
use crate::source::s3::uri::{Place, S3Uri};
use crate::source::s3::{inventory, store};

/// When the state and results are saved during a sweep (and always at its end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// After this many objects are done.
    pub objects: u64,
    /// Or when this much time passed since the last checkpoint and an object is done.
    pub interval: Duration,
}

impl Default for Checkpoint {
    fn default() -> Checkpoint {
        Checkpoint { objects: 1000, interval: Duration::from_secs(60) }
    }
}

/// Everything a sweep needs besides the extractor.
#[derive(Clone, Debug)]
pub struct S3Options {
    /// How to reach S3.
    pub client: ClientOptions,
    /// Objects fetched and scanned at once (at least 1).
    pub concurrency: usize,
    /// Scanning threads (0: one per core).
    pub threads: usize,
    /// Object criteria.
    pub criteria: CriteriaOptions,
    /// Only this shard of the keyspace.
    pub shard: Option<Shard>,
    /// Incremental state file (local path or `s3://` URI). With a shard,
    /// `{shard}` in it is replaced by the shard index, or when absent
    /// `-shard-I-of-N` is added to the name, so that shards never share one.
    pub state: Option<String>,
    /// Where discovery results go (local directory or `s3://bucket/prefix/`).
    pub results: Option<String>,
    /// S3 Inventory manifest to read keys from instead of listing.
    pub inventory: Option<String>,
    /// The rule-set version (see [`Rules::version`](crate::Rules::version)).
    pub rules_version: String,
    /// A fingerprint of every other setting that changes what is found or
    /// reported: `min_confidence`, the allow list (its contents), the
    /// extraction options (structure, archives and their limits, binary
    /// files), the size limit. A state saved with other settings (or other
    /// rules) is not trusted: every object is scanned again. Settings of
    /// output, threads and concurrency do not belong in it.
    pub settings_version: String,
    /// Findings below this confidence are not reported nor counted.
    pub min_confidence: Confidence,
    /// When to save state and results.
    pub checkpoint: Checkpoint,
}

impl Default for S3Options {
    fn default() -> S3Options {
        S3Options {
            client: ClientOptions { retries: 8, ..ClientOptions::default() },
            concurrency: 64,
            threads: 0,
            criteria: CriteriaOptions::default(),
            shard: None,
            state: None,
            results: None,
            inventory: None,
            rules_version: String::new(),
            settings_version: String::new(),
            min_confidence: Confidence::Low,
            checkpoint: Checkpoint::default(),
        }
    }
}

/// What a sweep did, object by object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepStats {
    /// Objects listed (or read from the inventory) under the URIs.
    pub listed: u64,
    /// Of those, objects of other shards.
    pub other_shards: u64,
    /// Objects not selected by the criteria.
    pub excluded: u64,
    /// Objects unchanged since the last run (`--state`), not scanned again.
    pub unchanged: u64,
    /// Objects scanned to the end (complete or partial).
    pub scanned: u64,
    /// Of those, objects scanned only in part.
    pub partial: u64,
    /// Objects skipped with a reason (archived, too large, deleted since listed).
    pub skipped: u64,
    /// Objects that could not be scanned.
    pub failed: u64,
    /// Objects forgotten by the state because they no longer exist.
    pub pruned: u64,
    /// Discovery-result records written.
    pub results: u64,
}

impl std::fmt::Display for SweepStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3: {} objects listed", self.listed)?;
        if self.other_shards > 0 {
            write!(f, ", {} in other shards", self.other_shards)?;
        }
        write!(f, ", {} scanned", self.scanned)?;
        if self.partial > 0 {
            write!(f, " ({} partly)", self.partial)?;
        }
        write!(
            f,
            ", {} unchanged since the last run, {} not selected, {} skipped, {} failed",
            self.unchanged, self.excluded, self.skipped, self.failed
        )
    }
}

/// A sink factory: each scanning thread (and the dispatcher) makes its own.
pub type SinkFactory<'a> = dyn Fn() -> Box<dyn Sink> + Sync + 'a;

/// What one object becomes on the way to a scanning thread.
struct Job {
    info: ObjectInfo,
    work: Work,
    _permit: Option<OwnedSemaphorePermit>,
}

enum Work {
    Fetched(Box<Remote>, Result<Fetched, Failure>, Arc<Flags>),
    Skip(Problem),
}

/// State and results, changed together so that a checkpoint sees both at one instant.
struct Book {
    state: Option<State>,
    results: Option<Results>,
    stats: SweepStats,
    since: u64,
    last: Instant,
}

struct Ctx<'a> {
    x: &'a Extractor<'a>,
    opts: &'a S3Options,
    criteria: Criteria,
    clients: Clients,
    handle: tokio::runtime::Handle,
    book: Mutex<Book>,
    /// Results parts not written yet (a write failed); held by whoever checkpoints.
    unwritten: Mutex<Vec<(Place, Vec<u8>)>>,
    state_place: Option<Place>,
    /// The sweep's own files in S3 (the state, the results' name prefix): never scanned.
    own: Vec<String>,
    stop: AtomicBool,
}

/// Sweeps the objects under `uris` (`s3://bucket/prefix`): every selected
/// object is scanned with `x` and reported to a sink from `new_sink`
/// (findings named `s3://bucket/key`); objects that cannot be read are
/// reported as problems and the sweep goes on.
///
/// # Errors
/// Before the sweep starts: a URI, shard, glob or time does not parse, the
/// runtime cannot start, or the state file exists but cannot be read.
pub fn sweep(
    uris: &[String],
    opts: &S3Options,
    x: &Extractor<'_>,
    new_sink: &SinkFactory<'_>,
) -> Result<SweepStats, S3Error> {
    let targets: Vec<S3Uri> = uris.iter().map(|u| S3Uri::parse(u)).collect::<Result<_, _>>()?;
    let criteria = Criteria::new(&opts.criteria)?;
    let state_place = opts.state.as_deref().map(|s| state_place(s, opts.shard)).transpose()?;
    let results_place = opts.results.as_deref().map(Place::parse).transpose()?;
    let inventory = opts.inventory.as_deref().map(Place::parse).transpose()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("trawl-s3")
        .enable_all()
        .build()
        .map_err(|e| S3Error(Kind::Runtime(e)))?;
    let clients = rt.block_on(Clients::connect(&opts.client));
    let version = Version { rules: opts.rules_version.clone(), settings: opts.settings_version.clone() };
    let state = match &state_place {
        None => None,
        Some(p) => Some(match rt.block_on(store::read(&clients, p)) {
            Ok(Some(bytes)) => State::parse(&bytes, &version, &p.to_string())?,
            Ok(None) => State::fresh(&version),
            Err(e) => return Err(S3Error::read("state file", p, e)),
        }),
    };
    let shard_label = opts.shard.map(|s| s.label());
    let mut own = Vec::new();
    if let Some(Place::S3(u)) = &state_place {
        own.push(u.to_string());
    }
    if let Some(p @ Place::S3(_)) = &results_place {
        own.push(p.join("trawl-results-").to_string());
    }
    let results = results_place.map(|d| Results::new(d, &file_stamp(), shard_label.as_deref()));
    let ctx = Ctx {
        x,
        opts,
        criteria,
        clients,
        handle: rt.handle().clone(),
        book: Mutex::new(Book { state, results, stats: SweepStats::default(), since: 0, last: Instant::now() }),
        unwritten: Mutex::new(Vec::new()),
        state_place,
        own,
        stop: AtomicBool::new(false),
    };
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        n => n,
    };
    let (job_tx, job_rx) = mpsc::unbounded_channel::<Job>();
    let job_rx = Mutex::new(job_rx);
    let listed = std::thread::scope(|s| {
        let mut workers = Vec::new();
        for i in 0..threads {
            let spawned = std::thread::Builder::new()
                .name(format!("trawl-s3-scan-{i}"))
                .spawn_scoped(s, || worker(&ctx, &job_rx, new_sink));
            match spawned {
                Ok(h) => workers.push(h),
                Err(e) if workers.is_empty() => return Err(S3Error(Kind::Thread(e))),
                Err(_) => break,
            }
        }
        let mut sink = new_sink();
        let listed = rt.block_on(dispatch(&ctx, &targets, inventory.as_ref(), job_tx, &mut *sink));
        for w in workers {
            let _ = w.join();
        }
        Ok(listed)
    })?;

    // The end: forget deleted objects (where the listing was complete), save everything.
    let mut sink = new_sink();
    {
        let mut book = ctx.book.lock().expect("book lock");
        let (seen, complete) = listed;
        let mut pruned = 0;
        if let Some(state) = book.state.as_mut() {
            for t in targets.iter().zip(&complete).filter(|(_, c)| **c).map(|(t, _)| t) {
                pruned += state.prune(&t.to_string(), &seen);
            }
        }
        book.stats.pruned = pruned as u64;
    }
    for p in ctx.checkpoint(true, &mut *sink) {
        sink.problem(p);
    }
    let mut stats = ctx.book.lock().expect("book lock").stats.clone();
    stats.results = ctx.book.lock().expect("book lock").results.as_ref().map_or(0, Results::total);
    drop(sink);
    rt.shutdown_timeout(Duration::from_secs(5));
    Ok(stats)
}

/// The state file of this shard.
fn state_place(spec: &str, shard: Option<Shard>) -> Result<Place, S3Error> {
    match shard {
        Some(s) if spec.contains("{shard}") => Place::parse(&spec.replace("{shard}", &s.index.to_string())),
        Some(s) => Ok(Place::parse(spec)?.with_suffix(&format!("-shard-{}", s.label()))),
        None => Place::parse(spec),
    }
}

/// Now, RFC 3339.
fn now_rfc3339() -> String {
    DateTime::from(SystemTime::now()).fmt(DateTimeFormat::DateTime).unwrap_or_default()
}

/// Milliseconds since the epoch as RFC 3339.
fn rfc3339(ms: i64) -> Option<String> {
    DateTime::from_millis(ms).fmt(DateTimeFormat::DateTime).ok()
}

/// Now as `20240601T020304123Z`, for file names.
fn file_stamp() -> String {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = DateTime::from_secs(now.as_secs() as i64).fmt(DateTimeFormat::DateTime).unwrap_or_default();
    let digits: String = secs.trim_end_matches('Z').chars().filter(|c| *c != '-' && *c != ':').collect();
    format!("{digits}{:03}Z", now.subsec_millis())
}

/// Lists (or reads the inventory) and hands objects to fetch tasks. Returns
/// the URIs seen that the state knows, and for each target whether its
/// listing was complete.
async fn dispatch(
    ctx: &Ctx<'_>,
    targets: &[S3Uri],
    inventory: Option<&Place>,
    job_tx: mpsc::UnboundedSender<Job>,
    sink: &mut dyn Sink,
) -> (HashSet<String>, Vec<bool>) {
    let concurrency = ctx.opts.concurrency.clamp(1, Semaphore::MAX_PERMITS);
    let sem = Arc::new(Semaphore::new(concurrency));
    let mut seen = HashSet::new();
    let mut complete = vec![false; targets.len()];
    if let Some(inv) = inventory {
        let mut to = Dispatch { sem: &sem, job_tx: &job_tx, seen: &mut seen };
        from_inventory(ctx, targets, inv, &mut to, &mut complete, sink).await;
    } else {
        for (i, t) in targets.iter().enumerate() {
            if ctx.stop.load(Ordering::Relaxed) {
                break;
            }
            let client = ctx.clients.for_bucket(&t.bucket).await;
            let (tx, rx) = mpsc::channel(1024);
            let producer = async move { list::list(&client, t, &tx).await };
            let one = std::slice::from_ref(t);
            let mut count = [0];
            let mut to = Dispatch { sem: &sem, job_tx: &job_tx, seen: &mut seen };
            let (res, ()) = tokio::join!(producer, consume(ctx, rx, one, &mut count, &mut to));
            let stopped = ctx.stop.load(Ordering::Relaxed);
            match res {
                Ok(_) if count[0] == 0 && !stopped => {
                    complete[i] = true;
                    sink.problem(Problem::warning(t.to_string(), format!("no object under {t}")));
                }
                Ok(_) => complete[i] = !stopped,
                Err(e) => sink.problem(Problem::error(t.to_string(), e)),
            }
        }
    }
    // Wait for every object in flight, then let the scanning threads finish.
    let _all = sem.acquire_many(concurrency as u32).await.expect("the semaphore is never closed");
    drop(job_tx);
    (seen, complete)
}

/// Where listed objects go: fetch tasks, bounded by `sem`, sending jobs to
/// `job_tx`; `seen` gathers the URIs listed that the state knows.
struct Dispatch<'d> {
    sem: &'d Arc<Semaphore>,
    job_tx: &'d mpsc::UnboundedSender<Job>,
    seen: &'d mut HashSet<String>,
}

/// Reads the inventory at `place` for `targets`. A target in another bucket
/// than the one the inventory lists is an error naming both (not left out
/// silently); a target the inventory has no object under, a warning.
async fn from_inventory(
    ctx: &Ctx<'_>,
    targets: &[S3Uri],
    place: &Place,
    to: &mut Dispatch<'_>,
    complete: &mut [bool],
    sink: &mut dyn Sink,
) {
    let needs = inventory::Needs { size: ctx.criteria.size_flag(), modified: ctx.criteria.time_flag() };
    let inv = match inventory::open(&ctx.clients, place, needs).await {
        Ok(inv) => inv,
        Err(e) => return sink.problem(Problem::error(place.to_string(), e)),
    };
    let inside: Vec<bool> = targets.iter().map(|t| inv.bucket().is_none_or(|b| b == t.bucket)).collect();
    for (t, _) in targets.iter().zip(&inside).filter(|(_, inside)| !**inside) {
        let bucket = inv.bucket().unwrap_or_default();
        let why = format!("not in inventory {place}, which lists bucket {bucket} (scan {t} without --inventory)");
        sink.problem(Problem::error(t.to_string(), why));
    }
    let listed: Vec<S3Uri> =
        targets.iter().zip(&inside).filter(|(_, inside)| **inside).map(|(t, _)| t.clone()).collect();
    if listed.is_empty() {
        return;
    }
    let mut counts = vec![0; listed.len()];
    let (tx, rx) = mpsc::channel(1024);
    let (res, ()) = tokio::join!(inv.read(&ctx.clients, tx), consume(ctx, rx, &listed, &mut counts, to));
    if let Err(e) = res {
        return sink.problem(Problem::error(place.to_string(), e));
    }
    let stopped = ctx.stop.load(Ordering::Relaxed);
    for (c, inside) in complete.iter_mut().zip(&inside) {
        *c = *inside && !stopped;
    }
    for (t, _) in listed.iter().zip(&counts).filter(|(_, n)| **n == 0 && !stopped) {
        sink.problem(Problem::warning(t.to_string(), format!("no object under {t} in inventory {place}")));
    }
}

/// Selects the objects coming from `rx` and starts fetching them; counts
/// the objects under each target in `counts`.
async fn consume(
    ctx: &Ctx<'_>,
    mut rx: mpsc::Receiver<ObjectInfo>,
    targets: &[S3Uri],
    counts: &mut [u64],
    to: &mut Dispatch<'_>,
) {
    let Dispatch { sem, job_tx, seen } = to;
    while let Some(info) = rx.recv().await {
        if ctx.stop.load(Ordering::Relaxed) {
            break;
        }
        let Some(target) = targets.iter().position(|t| t.bucket == info.bucket && info.key.starts_with(&t.key)) else {
            continue; // an inventory row outside the URIs
        };
        counts[target] += 1;
        let uri = info.uri();
        let unchanged = {
            let mut book = ctx.book.lock().expect("book lock");
            book.stats.listed += 1;
            if book.state.as_ref().is_some_and(|s| s.contains(&uri)) {
                seen.insert(uri.clone());
            }
            if let Some(s) = ctx.opts.shard
                && !s.contains(&info.key)
            {
                book.stats.other_shards += 1;
                continue;
            }
            let own = ctx.own.iter().any(|o| uri.starts_with(o.as_str()));
            match if own { Verdict::Excluded } else { ctx.criteria.verdict(&info, &uri) } {
                Verdict::Excluded => {
                    book.stats.excluded += 1;
                    continue;
                }
                Verdict::Skip(p) => {
                    drop(book);
                    let _ = job_tx.send(Job { info, work: Work::Skip(p), _permit: None });
                    continue;
                }
                Verdict::Scan => {}
            }
            let unchanged = book.state.as_ref().is_some_and(|s| s.unchanged(&info, &uri));
            if unchanged {
                book.stats.unchanged += 1;
            }
            unchanged
        };
        if unchanged {
            continue;
        }
        let permit = sem.clone().acquire_owned().await.expect("the semaphore is never closed");
        let remote = Remote {
            client: ctx.clients.for_bucket(&info.bucket).await,
            bucket: info.bucket.clone(),
            key: info.key.clone(),
            retries: ctx.clients.retries(),
            max_size: ctx.criteria.max_filesize(),
        };
        let tx = job_tx.clone();
        tokio::spawn(async move {
            let flags = Arc::new(Flags::default());
            let fetched = object::fetch(remote.clone(), &info, flags.clone()).await;
            let _ = tx.send(Job { info, work: Work::Fetched(Box::new(remote), fetched, flags), _permit: Some(permit) });
        });
    }
}

/// A scanning thread: takes jobs until there are none.
fn worker(ctx: &Ctx<'_>, rx: &Mutex<mpsc::UnboundedReceiver<Job>>, new_sink: &SinkFactory<'_>) {
    let mut scratch = ctx.x.scanner().scratch();
    let mut sink = new_sink();
    loop {
        let job = rx.lock().expect("job queue lock").blocking_recv();
        let Some(job) = job else { break };
        if ctx.stop.load(Ordering::Relaxed) {
            continue; // dropping the job releases its permit
        }
        let uri = job.info.uri();
        let info = job.info.clone();
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| run_job(ctx, &mut scratch, &mut *sink, job)));
        let outcome = match run {
            Ok(o) => o,
            Err(_) => {
                scratch = ctx.x.scanner().scratch();
                let p = Problem::error(uri, "internal error: the scan panicked");
                Outcome::not_scanned(info, Status::Error, p, &mut *sink)
            }
        };
        if outcome.stop {
            ctx.stop.store(true, Ordering::Relaxed);
        }
        if ctx.state_place.is_some() {
            // Its findings go on their way before the object is recorded as
            // done; a checkpoint then waits for them to be written (`sync`).
            sink.flush();
        }
        for p in ctx.finish(outcome, &mut *sink) {
            sink.problem(p);
        }
    }
}

fn run_job(ctx: &Ctx<'_>, scratch: &mut crate::Scratch, sink: &mut dyn Sink, job: Job) -> Outcome {
    let Job { info, work, _permit } = job;
    match work {
        Work::Skip(p) => Outcome::not_scanned(info, Status::Skipped, p, sink),
        Work::Fetched(_, Err(f), _) => Outcome::failed(info, f, sink),
        Work::Fetched(remote, Ok(fetched), flags) => {
            scan::scan_object(ctx.x, scratch, sink, &ctx.handle, ctx.opts.min_confidence, info, *remote, fetched, flags)
        }
    }
}

impl Ctx<'_> {
    /// Records an object's outcome (its findings already passed on to the
    /// sinks' output); checkpoints when one is due, through `sink`. Returns
    /// problems to report.
    fn finish(&self, o: Outcome, sink: &mut dyn Sink) -> Vec<Problem> {
        let uri = o.info.uri();
        let due = {
            let mut book = self.book.lock().expect("book lock");
            match o.status {
                Status::Complete => book.stats.scanned += 1,
                Status::Partial => {
                    book.stats.scanned += 1;
                    book.stats.partial += 1;
                }
                Status::Skipped => book.stats.skipped += 1,
                Status::Error => book.stats.failed += 1,
            }
            if let Some(results) = book.results.as_mut() {
                let mut r = Record {
                    uri: uri.clone(),
                    bucket: o.info.bucket.clone(),
                    key: o.info.key.clone(),
                    etag: o.etag.clone(),
                    size: o.info.size,
                    last_modified: o.info.last_modified.and_then(rfc3339),
                    storage_class: o.info.storage_class.clone(),
                    status: o.status,
                    reason: o.reason.clone(),
                    format: o.format.clone(),
                    bytes_scanned: o.bytes,
                    tally: o.tally,
                    problems: Vec::new(),
                    rules_version: self.opts.rules_version.clone(),
                    shard: self.opts.shard.map(|s| s.to_string()),
                    scanned_at: now_rfc3339(),
                };
                r.set_problems(&o.problems);
                results.add(&r);
            }
            if o.done
                && let Some(state) = book.state.as_mut()
            {
                state.record(&o.info, &uri, o.etag.as_deref());
            }
            book.since += 1;
            let every = self.opts.checkpoint;
            if book.since >= every.objects.max(1) || book.last.elapsed() >= every.interval {
                book.since = 0;
                book.last = Instant::now();
                true
            } else {
                false
            }
        };
        if due { self.checkpoint(false, sink) } else { Vec::new() }
    }

    /// Saves the results part, then makes the findings output durable
    /// (`sink.sync()`), then saves the state: the state never records an
    /// object whose result or findings are not stored. With `wait`, waits
    /// for a checkpoint in progress; otherwise skips if one is in progress.
    fn checkpoint(&self, wait: bool, sink: &mut dyn Sink) -> Vec<Problem> {
        let mut unwritten = match self.unwritten.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::WouldBlock) if !wait => return Vec::new(),
            Err(_) => self.unwritten.lock().expect("checkpoint lock"),
        };
        let (part, state) = {
            let mut book = self.book.lock().expect("book lock");
            let part = book.results.as_mut().and_then(Results::take_part);
            let gzip = self.state_place.as_ref().is_some_and(Place::is_gzip);
            let state = book.state.as_ref().map(|s| s.to_bytes(gzip, &now_rfc3339()));
            (part, state)
        };
        unwritten.extend(part);
        let mut problems = Vec::new();
        while let Some((place, bytes)) = unwritten.first() {
            match self.handle.block_on(store::write(&self.clients, place, bytes.clone())) {
                Ok(()) => {
                    unwritten.remove(0);
                }
                Err(e) => {
                    problems.push(Problem::error(place.to_string(), format!("cannot write results: {e}")));
                    break;
                }
            }
        }
        let (Some(place), Some(bytes)) = (&self.state_place, state) else { return problems };
        // The state never records an object whose result is not stored...
        if !unwritten.is_empty() {
            return problems;
        }
        // ...nor one whose findings are not written: every object in the
        // snapshot passed its findings on before it was recorded.
        if let Err(e) = sink.sync() {
            problems
                .push(Problem::error(place.to_string(), format!("cannot write state: findings output failed: {e}")));
            return problems;
        }
        if let Err(e) = self.handle.block_on(store::write(&self.clients, place, bytes)) {
            problems.push(Problem::error(place.to_string(), format!("cannot write state: {e}")));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_files_per_shard() {
        let s = Some(Shard { index: 2, count: 4 });
        assert_eq!(state_place("s3://b/state-{shard}.jsonl", s).unwrap().to_string(), "s3://b/state-2.jsonl");
        assert_eq!(
            state_place("s3://b/st/state.jsonl.gz", s).unwrap().to_string(),
            "s3://b/st/state-shard-2-of-4.jsonl.gz"
        );
        assert_eq!(state_place("state.jsonl", None).unwrap().to_string(), "state.jsonl");
    }

    #[test]
    fn stamps() {
        let s = file_stamp();
        assert_eq!(s.len(), "20240601T020304123Z".len(), "{s}");
        assert!(s.ends_with('Z') && s.as_bytes()[8] == b'T', "{s}");
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
    }

    #[test]
    fn stats_line() {
        let s = SweepStats {
            listed: 10,
            scanned: 5,
            partial: 1,
            unchanged: 2,
            excluded: 1,
            skipped: 1,
            failed: 1,
            ..Default::default()
        };
        assert_eq!(
            s.to_string(),
            "s3: 10 objects listed, 5 scanned (1 partly), 2 unchanged since the last run, 1 not selected, 1 skipped, 1 failed"
        );
    }
}
